//! The staff: the directory of a mission, registering a staff member, and the lifecycle forms
//! of a staff member's profile (activate, suspend, reinstate, renew, regrade, new index number,
//! change details, separate), each through the staff application layer as the signed-in person.
//! Who may act, and every rule, is the application layer's: a reader it refuses sees the refusal
//! page (on GET and POST of a form); a refusal of the input shows the form again (400), filled as
//! sent, with the refusal in words beside its field, and nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use cla_platform::app::Restricted;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, ErrorCode, Principal};
use cla_staff::app::{DetailsChange, RegisterStaff, StaffAnswer};
use cla_staff::commands::{Appointment, AppointmentKind};
use cla_staff::decider::StaffStatus;
use cla_staff::events::{Gender, SeparationReason};
use cla_staff::projections::{GradeCategory, StaffFilter};
use maud::Markup;

use super::recruit::{Places, input_of, languages, may_act, place_of, place_options};
use super::{
    Fields, MissionForm, MissionRequest, Reader, mission_page, page, param, redirect, refused,
    today,
};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::recruit::{FormSpec, Input, day};
use crate::pages::staff::{self as pages, Directory, Filters, StepForm};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/staff", get(directory))
        .route("/missions/{code}/staff/new", get(new_form).post(new_post))
        .route(
            "/missions/{code}/staff/{staff}/{step}",
            get(step_get).post(step_post),
        )
}

/// A form's values and its refusals (input, words), to draw it filled.
type Filled = (Vec<(String, String)>, Vec<(Option<String>, String)>);

const STATUSES: [(&str, StaffStatus); 4] = [
    ("onboarding", StaffStatus::Onboarding),
    ("active", StaffStatus::Active),
    ("suspended", StaffStatus::Suspended),
    ("separated", StaffStatus::Separated),
];
const CATEGORIES: [(&str, GradeCategory); 2] = [
    ("gs", GradeCategory::GeneralService),
    ("no", GradeCategory::NationalOfficer),
];
const GENDERS: [(&str, Gender); 3] = [
    ("female", Gender::Female),
    ("male", Gender::Male),
    ("other", Gender::Other),
];
const KINDS: [(&str, AppointmentKind); 2] = [
    ("fixed-term", AppointmentKind::FixedTerm),
    ("temporary", AppointmentKind::Temporary),
];
const REASONS: [(&str, SeparationReason); 6] = [
    ("resigned", SeparationReason::Resigned),
    ("end-of-appointment", SeparationReason::EndOfAppointment),
    ("dismissed", SeparationReason::Dismissed),
    ("deceased", SeparationReason::Deceased),
    ("relocated-for-safety", SeparationReason::RelocatedForSafety),
    ("other", SeparationReason::Other),
];

fn filter_invalid_key(name: &str) -> &'static str {
    match name {
        "status" => "staff-filter-invalid-status",
        "category" => "staff-filter-invalid-category",
        "gender" => "staff-filter-invalid-gender",
        _ => "staff-filter-invalid-ending-within",
    }
}

fn reason_key(why: SeparationReason) -> &'static str {
    match why {
        SeparationReason::Resigned => "staff-separation-resigned",
        SeparationReason::EndOfAppointment => "staff-separation-end-of-appointment",
        SeparationReason::Dismissed => "staff-separation-dismissed",
        SeparationReason::Deceased => "staff-separation-deceased",
        SeparationReason::RelocatedForSafety => "staff-separation-relocated-for-safety",
        _ => "staff-separation-other",
    }
}

fn value_of<T: PartialEq + Copy>(options: &[(&'static str, T)], t: T) -> &'static str {
    options.iter().find(|(_, x)| *x == t).map_or("", |(v, _)| v)
}

// ---------------------------------------------------------------------------------------------
// The directory

/// One of `options` where the query gives `name`; a value that is none of them is noted in `bad`.
fn chosen<T: Copy>(
    q: &HashMap<String, String>,
    name: &'static str,
    options: &[(&str, T)],
    bad: &mut Vec<&'static str>,
) -> Option<T> {
    let given = given(q, name)?;
    let found = options.iter().find(|(v, _)| *v == given).map(|(_, t)| *t);
    if found.is_none() {
        bad.push(name);
    }
    found
}

fn given<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    param(q, name).map(str::trim).filter(|v| !v.is_empty())
}

/// The directory's filters as the query gives them; the inputs that cannot be read.
fn filters(q: &HashMap<String, String>) -> (Filters, Vec<&'static str>) {
    let mut bad = Vec::new();
    let status = chosen(q, "status", &STATUSES, &mut bad);
    let category = chosen(q, "category", &CATEGORIES, &mut bad);
    let gender = chosen(q, "gender", &GENDERS, &mut bad);
    let ending_within = given(q, "endingWithin").and_then(|v| {
        let n = v.parse::<i64>().ok();
        if n.is_none() {
            bad.push("endingWithin");
        }
        n
    });
    (
        Filters {
            field_office: given(q, "fieldOffice").map(str::to_string),
            status,
            category,
            language: given(q, "language").map(str::to_string),
            gender,
            ending_within,
        },
        bad,
    )
}

fn domain(f: &Filters) -> StaffFilter {
    StaffFilter {
        field_office_id: f.field_office.clone(),
        status: f.status,
        category: f.category,
        language: f.language.clone(),
        gender: f.gender,
        appointment_ending_before: None,
    }
}

fn pairs(f: &Filters) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("fieldOffice", f.field_office.clone().unwrap_or_default()),
        ("language", f.language.clone().unwrap_or_default()),
    ];
    if let Some(s) = f.status {
        out.push(("status", value_of(&STATUSES, s).to_string()));
    }
    if let Some(c) = f.category {
        out.push(("category", value_of(&CATEGORIES, c).to_string()));
    }
    if let Some(g) = f.gender {
        out.push(("gender", value_of(&GENDERS, g).to_string()));
    }
    if let Some(n) = f.ending_within {
        out.push(("endingWithin", n.to_string()));
    }
    out
}

async fn directory(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        q,
        ..
    } = m;
    let l = r.l;
    let (filters, bad) = filters(&q);
    let mut errors: Vec<(&'static str, String)> = bad
        .into_iter()
        .map(|name| (name, l.t(filter_invalid_key(name))))
        .collect();
    let apps = &web.settings.apps;
    let offices = match apps.registry.field_offices(&who, &code, &view) {
        Ok(o) => o,
        Err(e) => return refused(&r, e),
    };
    let rows = if errors.is_empty() {
        let staff = &apps.staff;
        match staff.staff_directory(&who, &code, &domain(&filters), filters.ending_within, &view) {
            Ok(rows) => rows,
            Err(e) if e.code == ErrorCode::Validation => {
                errors.push(("endingWithin", l.t("staff-filter-invalid-ending-within")));
                Vec::new()
            }
            Err(e) => return refused(&r, e),
        }
    } else {
        Vec::new()
    };
    let mut offices: Vec<(String, String)> = offices.into_iter().map(|o| (o.id, o.name)).collect();
    offices.sort_by(|a, b| a.1.cmp(&b.1));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let may_register =
        travel.as_of.is_none() && travel.known_at.is_none() && may_act(&web, &who, &code).is_ok();
    mission_page(
        &r,
        status,
        l.t_args(
            "staff-title",
            &[("mission", code.clone()), ("date", l.date(view.as_of))],
        ),
        &code,
        (&format!("/missions/{code}/staff"), &travel, pairs(&filters)),
        pages::directory(
            l,
            &Directory {
                code: &code,
                rows: &rows,
                offices: &offices,
                filters: &filters,
                errors: &errors,
                may_register,
                as_of: view.as_of,
            },
            &travel,
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// The lifecycle forms of a profile

/// A form of a staff member's profile, as its path names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Activate,
    Suspend,
    Reinstate,
    Renew,
    Regrade,
    IndexNumber,
    Details,
    Separate,
}

impl Step {
    const ALL: [Step; 8] = [
        Step::Activate,
        Step::Suspend,
        Step::Reinstate,
        Step::Renew,
        Step::Regrade,
        Step::IndexNumber,
        Step::Details,
        Step::Separate,
    ];

    fn slug(self) -> &'static str {
        match self {
            Step::Activate => "activate",
            Step::Suspend => "suspend",
            Step::Reinstate => "reinstate",
            Step::Renew => "renew",
            Step::Regrade => "regrade",
            Step::IndexNumber => "index-number",
            Step::Details => "details",
            Step::Separate => "separate",
        }
    }

    fn of(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Whether the profile offers this form to a staff member in `status` (the rules
    /// themselves are the application layer's).
    fn offered(self, status: StaffStatus) -> bool {
        match self {
            Step::Activate => status == StaffStatus::Onboarding,
            Step::Suspend => status == StaffStatus::Active,
            Step::Reinstate => status == StaffStatus::Suspended,
            _ => status != StaffStatus::Separated,
        }
    }

    fn legend(self, l: L10n) -> String {
        l.t(match self {
            Step::Activate => "staff-step-activate",
            Step::Suspend => "staff-step-suspend",
            Step::Reinstate => "staff-step-reinstate",
            Step::Renew => "staff-step-renew",
            Step::Regrade => "staff-step-regrade",
            Step::IndexNumber => "staff-step-index-number",
            Step::Details => "staff-step-details",
            Step::Separate => "staff-step-separate",
        })
    }

    fn inputs(self, l: L10n, a: &StaffAnswer) -> Vec<Input> {
        let text = |name, key: &str| Input::Text {
            name,
            label: l.t(key),
            hint: None,
        };
        let mut inputs = match self {
            Step::Activate => vec![],
            Step::Suspend | Step::Reinstate => vec![text("reason", "staff-field-reason")],
            Step::Renew => vec![
                kind_input(l),
                Input::Date {
                    name: "start",
                    label: l.t("staff-field-start"),
                },
                Input::Date {
                    name: "end",
                    label: l.t("staff-field-end"),
                },
            ],
            Step::Regrade => vec![grade_input(l)],
            Step::IndexNumber => vec![index_input(l)],
            Step::Details => {
                let mut v = vec![text("name", "staff-field-name"), languages_input(l)];
                if matches!(a.home_community, Restricted::Shown(_)) {
                    v.push(text("homeCommunity", "staff-field-home-community"));
                }
                v
            }
            Step::Separate => vec![
                Input::Select {
                    name: "reason",
                    label: l.t("staff-field-separation-reason"),
                    options: REASONS
                        .iter()
                        .map(|(v, why)| (v.to_string(), l.t(reason_key(*why))))
                        .collect(),
                },
                text("notes", "staff-field-notes"),
            ],
        };
        inputs.push(Input::Date {
            name: "effective",
            label: l.t("staff-field-effective"),
        });
        inputs
    }

    /// What the form holds before it is filled.
    fn defaults(self, a: &StaffAnswer, today: NaiveDate) -> Vec<(String, String)> {
        let m = &a.member;
        let mut out = vec![("effective".to_string(), day(today.max(m.since)))];
        match self {
            Step::Renew => {
                let kind = value_of(&KINDS, m.appointment.kind);
                out.push(("kind".into(), kind.into()));
                out.push(("start".into(), day(m.appointment.end + Duration::days(1))));
                out.push(("end".into(), day(m.appointment.end + Duration::days(365))));
            }
            Step::Regrade => out.push(("grade".into(), m.grade.clone())),
            Step::Details => {
                out.push(("name".into(), m.name.clone()));
                let spoken: Vec<String> = m
                    .languages
                    .iter()
                    .map(|x| format!("{}:{}", x.language, x.level))
                    .collect();
                out.push(("languages".into(), spoken.join("; ")));
                if let Restricted::Shown(h) = &a.home_community {
                    out.push(("homeCommunity".into(), h.clone()));
                }
            }
            _ => {}
        }
        out
    }
}

fn kind_input(l: L10n) -> Input {
    Input::Select {
        name: "kind",
        label: l.t("staff-field-appointment"),
        options: KINDS
            .iter()
            .map(|(v, kind)| {
                let key = match kind {
                    AppointmentKind::FixedTerm => "staff-appointment-fixed-term",
                    AppointmentKind::Temporary => "staff-appointment-temporary",
                };
                (v.to_string(), l.t(key))
            })
            .collect(),
    }
}

fn grade_input(l: L10n) -> Input {
    Input::Text {
        name: "grade",
        label: l.t("staff-field-grade"),
        hint: Some(l.t("staff-field-grade-hint")),
    }
}

fn index_input(l: L10n) -> Input {
    Input::Text {
        name: "indexNumber",
        label: l.t("staff-field-index-number"),
        hint: Some(l.t("staff-field-index-number-hint")),
    }
}

fn languages_input(l: L10n) -> Input {
    Input::Text {
        name: "languages",
        label: l.t("staff-field-languages"),
        hint: Some(l.t("staff-field-languages-hint")),
    }
}

fn step_form<'a>(
    l: L10n,
    csrf: &'a str,
    code: &str,
    a: &StaffAnswer,
    step: Step,
    (values, errors): Filled,
) -> StepForm<'a> {
    StepForm {
        legend: step.legend(l),
        spec: FormSpec {
            id: format!("staff-{}", step.slug()),
            action: format!("/missions/{code}/staff/{}/{}", a.member.id, step.slug()),
            csrf,
            inputs: step.inputs(l, a),
            submit: step.legend(l),
            values,
            errors,
        },
    }
}

/// The profile's section of lifecycle forms: those that apply to the staff member's status,
/// where the reader may change the mission's staff and the page is of today; nothing else.
pub(crate) fn lifecycle(
    web: &Web,
    r: &Reader,
    who: &Principal,
    code: &str,
    a: &StaffAnswer,
    travelling: bool,
    done: Option<&str>,
) -> Markup {
    let l = r.l;
    if may_act(web, who, code).is_err() {
        return maud::html! {};
    }
    let note = if travelling {
        Some(l.t("staff-forms-today"))
    } else if a.member.status == StaffStatus::Separated {
        Some(l.t("staff-separated-final"))
    } else {
        None
    };
    let today = today(web);
    let forms: Vec<StepForm> = if note.is_some() {
        Vec::new()
    } else {
        Step::ALL
            .into_iter()
            .filter(|s| s.offered(a.member.status))
            .map(|s| step_form(l, &r.csrf, code, a, s, (s.defaults(a, today), Vec::new())))
            .collect()
    };
    pages::lifecycle(l, pages::done(l, done), note, forms)
}

/// The staff member `staff` as of today, where they are of mission `code`.
fn member_today(web: &Web, who: &Principal, code: &str, staff: &str) -> AppResult<StaffAnswer> {
    let a = web
        .settings
        .apps
        .staff
        .staff_member(who, staff, &View::on(today(web)))?;
    if a.member.place.mission_code == code {
        Ok(a)
    } else {
        Err(AppError::not_found("staffId", "not in this mission"))
    }
}

/// One lifecycle form on a page of its own (its address, or after a refusal).
#[allow(clippy::too_many_arguments)]
fn step_page(
    web: &Web,
    r: &Reader,
    who: &Principal,
    code: &str,
    staff: &str,
    step: Step,
    status: StatusCode,
    filled: Option<Filled>,
) -> Response {
    let l = r.l;
    let a = match member_today(web, who, code, staff) {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let filled = filled.unwrap_or_else(|| (step.defaults(&a, today(web)), Vec::new()));
    let form = step_form(l, &r.csrf, code, &a, step, filled);
    let title = l.t_args(
        "staff-step-title",
        &[("step", step.legend(l)), ("name", a.member.name.clone())],
    );
    let back = format!("/missions/{code}/staff/{staff}");
    page(
        r,
        status,
        title,
        Some(code),
        None,
        pages::step_page(l, form, &back),
    )
}

async fn step_get(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    Path(path): Path<HashMap<String, String>>,
) -> Response {
    let Some(step) = path.get("step").and_then(|s| Step::of(s)) else {
        return refused(&m.r, AppError::not_found("step", "no such form"));
    };
    if let Err(e) = may_act(&web, &m.who, &m.code) {
        return refused(&m.r, e);
    }
    let staff = path.get("staff").cloned().unwrap_or_default();
    step_page(
        &web,
        &m.r,
        &m.who,
        &m.code,
        &staff,
        step,
        StatusCode::OK,
        None,
    )
}

async fn step_post(
    State(web): State<Arc<Web>>,
    Path(path): Path<HashMap<String, String>>,
    MissionForm { m, form }: MissionForm,
) -> Response {
    let MissionRequest { r, who, code, .. } = m;
    let Some(step) = path.get("step").and_then(|s| Step::of(s)) else {
        return refused(&r, AppError::not_found("step", "no such form"));
    };
    let staff = path.get("staff").cloned().unwrap_or_default();
    if let Err(e) =
        may_act(&web, &who, &code).and_then(|_| member_today(&web, &who, &code, &staff).map(|_| ()))
    {
        return refused(&r, e);
    }
    let l = r.l;
    let app = &web.settings.apps.staff;
    let mut f = Fields::new(&form);
    let effective = f.date("effective", l.t("staff-date-invalid"));
    let id = staff.as_str();
    let reason = f.text("reason").to_string();
    let result = match (step, effective) {
        (_, None) => None,
        (Step::Activate, Some(on)) => Some(app.activate_staff(&who, id, on).await),
        (Step::Suspend, Some(on)) => Some(app.suspend_staff(&who, id, reason, on).await),
        (Step::Reinstate, Some(on)) => Some(app.reinstate_staff(&who, id, reason, on).await),
        (Step::Renew, Some(on)) => {
            let kind = f.choice("kind", &KINDS, l.t("staff-choose-one"));
            let start = f.date("start", l.t("staff-date-invalid"));
            let end = f.date("end", l.t("staff-date-invalid"));
            match (kind, start, end) {
                (Some(kind), Some(start), Some(end)) => {
                    let appointment = Appointment { kind, start, end };
                    Some(app.renew_appointment(&who, id, appointment, on).await)
                }
                _ => None,
            }
        }
        (Step::Regrade, Some(on)) => {
            let grade = f.text("grade").to_string();
            Some(app.change_grade(&who, id, grade, on).await)
        }
        (Step::IndexNumber, Some(on)) => {
            let number = f.text("indexNumber");
            Some(app.change_index_number(&who, id, number, on).await)
        }
        (Step::Details, Some(on)) => {
            let change = DetailsChange {
                name: Some(f.text("name").to_string()),
                languages: Some(languages(f.text("languages"))),
                home_community: form
                    .contains_key("homeCommunity")
                    .then(|| f.text("homeCommunity").to_string()),
                effective: on,
            };
            Some(app.change_staff_details(&who, id, change).await)
        }
        (Step::Separate, Some(on)) => match f.choice("reason", &REASONS, l.t("staff-choose-one")) {
            Some(why) => {
                let notes = f.text("notes").to_string();
                Some(app.separate_staff(&who, id, why, notes, on).await)
            }
            None => None,
        },
    };
    match result {
        Some(Ok(_)) => {
            return redirect(
                &format!(
                    "/missions/{}/staff/{id}?done={}#staff-actions",
                    code,
                    step.slug()
                ),
                &r.cookies,
            );
        }
        Some(Err(e)) => match in_words(l, &e) {
            Some(words) => f.bad.push(words),
            None => return refused(&r, e),
        },
        None => {}
    }
    let sent = f.as_sent();
    step_page(
        &web,
        &r,
        &who,
        &code,
        id,
        step,
        StatusCode::BAD_REQUEST,
        Some((sent, f.bad)),
    )
}

// ---------------------------------------------------------------------------------------------
// Registering a staff member

fn new_inputs(l: L10n, places: &Places) -> Vec<Input> {
    let text = |name, key: &str| Input::Text {
        name,
        label: l.t(key),
        hint: None,
    };
    vec![
        Input::Select {
            name: "place",
            label: l.t("staff-field-place"),
            options: place_options(l, places),
        },
        text("name", "staff-field-name"),
        Input::Select {
            name: "gender",
            label: l.t("staff-field-gender"),
            options: GENDERS
                .iter()
                .map(|(v, g)| (v.to_string(), l.t(pages::gender_key(*g))))
                .collect(),
        },
        languages_input(l),
        Input::Text {
            name: "homeCommunity",
            label: l.t("staff-field-home-community"),
            hint: Some(l.t("staff-field-home-community-hint")),
        },
        index_input(l),
        grade_input(l),
        kind_input(l),
        Input::Date {
            name: "start",
            label: l.t("staff-field-start"),
        },
        Input::Date {
            name: "end",
            label: l.t("staff-field-end"),
        },
        Input::Date {
            name: "effective",
            label: l.t("staff-field-registered-on"),
        },
    ]
}

fn new_page(
    web: &Web,
    r: &Reader,
    who: &Principal,
    code: &str,
    status: StatusCode,
    (values, errors): Filled,
) -> Response {
    let l = r.l;
    let places = match Places::load(web, who, code, &View::on(today(web))) {
        Ok(p) => p,
        Err(e) => return refused(r, e),
    };
    let form = StepForm {
        legend: l.t("staff-new-title"),
        spec: FormSpec {
            id: "staff-new".into(),
            action: format!("/missions/{code}/staff/new"),
            csrf: &r.csrf,
            inputs: new_inputs(l, &places),
            submit: l.t("staff-new-submit"),
            values,
            errors,
        },
    };
    let back = format!("/missions/{code}/staff");
    page(
        r,
        status,
        l.t("staff-new-title"),
        Some(code),
        None,
        pages::step_page(l, form, &back),
    )
}

async fn new_form(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    if let Err(e) = may_act(&web, &m.who, &m.code) {
        return refused(&m.r, e);
    }
    let today = today(&web);
    let values = vec![
        ("kind".to_string(), "fixed-term".to_string()),
        ("start".to_string(), day(today)),
        ("end".to_string(), day(today + Duration::days(364))),
        ("effective".to_string(), day(today)),
    ];
    new_page(
        &web,
        &m.r,
        &m.who,
        &m.code,
        StatusCode::OK,
        (values, Vec::new()),
    )
}

async fn new_post(State(web): State<Arc<Web>>, MissionForm { m, form }: MissionForm) -> Response {
    let MissionRequest { r, who, code, .. } = m;
    if let Err(e) = may_act(&web, &who, &code) {
        return refused(&r, e);
    }
    let l = r.l;
    let mut f = Fields::new(&form);
    let place = place_of(f.text("place"));
    if place.is_none() {
        f.bad
            .push((Some("place".to_string()), l.t("staff-choose-one")));
    }
    let gender = f.choice("gender", &GENDERS, l.t("staff-choose-one"));
    let kind = f.choice("kind", &KINDS, l.t("staff-choose-one"));
    let start = f.date("start", l.t("staff-date-invalid"));
    let end = f.date("end", l.t("staff-date-invalid"));
    let effective = f.date("effective", l.t("staff-date-invalid"));
    if let (
        Some((base_id, field_office_id)),
        Some(gender),
        Some(kind),
        Some(start),
        Some(end),
        Some(effective),
    ) = (place, gender, kind, start, end, effective)
    {
        let input = RegisterStaff {
            base_id,
            field_office_id,
            name: f.text("name").to_string(),
            gender,
            languages: languages(f.text("languages")),
            home_community: f.text("homeCommunity").to_string(),
            index_number: f.text("indexNumber").to_string(),
            grade: f.text("grade").to_string(),
            appointment: Appointment { kind, start, end },
            effective,
        };
        match web
            .settings
            .apps
            .staff
            .register_staff_member(&who, input)
            .await
        {
            Ok(a) => {
                return redirect(
                    &format!("/missions/{}/staff/{}?done=register", code, a.member.id),
                    &r.cookies,
                );
            }
            Err(e) => match in_words(l, &e) {
                Some(words) => f.bad.push(words),
                None => return refused(&r, e),
            },
        }
    }
    let sent = f.as_sent();
    new_page(
        &web,
        &r,
        &who,
        &code,
        StatusCode::BAD_REQUEST,
        (sent, f.bad),
    )
}

// ---------------------------------------------------------------------------------------------
// Refusals in words

/// A refusal of the staff rules in the reader's words, beside the input it concerns; `None`
/// for a refusal that is not about the input (not allowed, not available).
fn in_words(l: L10n, e: &AppError) -> Option<(Option<String>, String)> {
    if !matches!(
        e.code,
        ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
    ) {
        return None;
    }
    // The inputs are named as recruitment's are (and the gender as the application names it).
    let field = e
        .field
        .as_deref()
        .and_then(|f| if f == "gender" { Some(f) } else { input_of(f) })
        .map(str::to_string);
    let key = match (e.detail("rule").unwrap_or(""), e.field.as_deref()) {
        ("index-number-held", _) => {
            let number = e.detail("number").unwrap_or("").to_string();
            return Some((
                field,
                l.t_args("staff-refused-index-held", &[("number", number)]),
            ));
        }
        ("appointment-order", _) => "staff-refused-end-before-start",
        ("temporary-too-long", _) => "staff-refused-temporary",
        ("renewal-not-later", _) => "staff-refused-renewal",
        (_, Some("effective")) => "staff-refused-effective",
        (_, Some("baseId" | "fieldOfficeId")) => "staff-refused-place",
        (_, Some("name")) => "staff-refused-name",
        (_, Some("gender")) => "staff-refused-gender",
        (_, Some("grade")) => "staff-refused-grade",
        (_, Some("indexNumber")) => "staff-refused-index-number",
        (_, Some("languages.level")) => "staff-refused-language-level",
        (_, Some("languages" | "languages.language")) => "staff-refused-languages",
        (_, Some("reason")) => "staff-refused-reason",
        (_, Some("notes" | "homeCommunity")) => "staff-refused-too-long",
        (_, Some("appointment.start" | "appointment.end")) => "staff-refused-end-before-start",
        _ if e.code == ErrorCode::Conflict => "staff-refused-status",
        _ if e.code == ErrorCode::NotFound => "staff-refused-not-found",
        _ => "staff-refused-invalid",
    };
    Some((field, l.t(key)))
}
