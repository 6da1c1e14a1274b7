//! The staffing actions: each a GET showing its form and a POST doing it through the staffing
//! application layer as the signed-in person, then back to the board (POST-redirect-GET). Who may
//! act, and every rule, is the application layer's: a reader it refuses sees the refusal page, a
//! refusal of the input shows the form again (400), as filled, with the refusal in words beside
//! its field, and nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_staffing::app::{
    CancelAbsence, CancelRotation, CompleteRotation, CutAbsenceShort, DeployCla, EndDeployment,
    PlanRotation, RecordAbsence, RosterEntry,
};
use cla_staffing::events::AbsenceKind;
use cla_staffing::projections::{BoardFilter, RotationState};

use super::{MissionRequest, Reader, page, param, posted_by, redirect, refusal, refused};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::actions::{self, ActionForm, Field, GapOffer};
use crate::pages::refusal::Refused;

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/actions/deploy", get(show).post(act))
        .route(
            "/missions/{code}/actions/end-deployment",
            get(show).post(act),
        )
        .route(
            "/missions/{code}/actions/plan-rotation",
            get(show).post(act),
        )
        .route(
            "/missions/{code}/actions/complete-rotation",
            get(show).post(act),
        )
        .route(
            "/missions/{code}/actions/cancel-rotation",
            get(show).post(act),
        )
        .route("/missions/{code}/actions/absence", get(show).post(act))
        .route(
            "/missions/{code}/actions/cut-absence-short",
            get(show).post(act),
        )
        .route(
            "/missions/{code}/actions/cancel-absence",
            get(show).post(act),
        )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Deploy,
    EndDeployment,
    PlanRotation,
    CompleteRotation,
    CancelRotation,
    Absence,
    CutAbsenceShort,
    CancelAbsence,
}

impl Action {
    fn of(path: &str) -> Option<Action> {
        Some(match path.rsplit('/').next()? {
            "deploy" => Action::Deploy,
            "end-deployment" => Action::EndDeployment,
            "plan-rotation" => Action::PlanRotation,
            "complete-rotation" => Action::CompleteRotation,
            "cancel-rotation" => Action::CancelRotation,
            "absence" => Action::Absence,
            "cut-absence-short" => Action::CutAbsenceShort,
            "cancel-absence" => Action::CancelAbsence,
            _ => return None,
        })
    }

    fn slug(self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::EndDeployment => "end-deployment",
            Action::PlanRotation => "plan-rotation",
            Action::CompleteRotation => "complete-rotation",
            Action::CancelRotation => "cancel-rotation",
            Action::Absence => "absence",
            Action::CutAbsenceShort => "cut-absence-short",
            Action::CancelAbsence => "cancel-absence",
        }
    }

    fn title(self, l: L10n) -> String {
        l.t(match self {
            Action::Deploy => "actions-deploy-title",
            Action::EndDeployment => "actions-end-deployment-title",
            Action::PlanRotation => "actions-plan-rotation-title",
            Action::CompleteRotation => "actions-complete-rotation-title",
            Action::CancelRotation => "actions-cancel-rotation-title",
            Action::Absence => "actions-absence-title",
            Action::CutAbsenceShort => "actions-cut-absence-short-title",
            Action::CancelAbsence => "actions-cancel-absence-title",
        })
    }

    fn submit(self, l: L10n) -> String {
        l.t(match self {
            Action::Deploy => "actions-deploy-submit",
            Action::EndDeployment => "actions-end-deployment-submit",
            Action::PlanRotation => "actions-plan-rotation-submit",
            Action::CompleteRotation => "actions-complete-rotation-submit",
            Action::CancelRotation => "actions-cancel-rotation-submit",
            Action::Absence => "actions-absence-submit",
            Action::CutAbsenceShort => "actions-cut-absence-short-submit",
            Action::CancelAbsence => "actions-cancel-absence-submit",
        })
    }

    /// Whether the rule of two per base can refuse it (and a gap be accepted).
    fn may_open_gap(self) -> bool {
        matches!(self, Action::EndDeployment | Action::CompleteRotation)
    }
}

const KINDS: [(AbsenceKind, &str); 5] = [
    (AbsenceKind::Leave, "leave"),
    (AbsenceKind::RestAndRecuperation, "rest-and-recuperation"),
    (AbsenceKind::Training, "training"),
    (AbsenceKind::Medical, "medical"),
    (AbsenceKind::SecurityRelocation, "security-relocation"),
];

fn kind_label(l: L10n, kind: AbsenceKind) -> String {
    l.t(match kind {
        AbsenceKind::Leave => "actions-kind-leave",
        AbsenceKind::RestAndRecuperation => "actions-kind-rest-and-recuperation",
        AbsenceKind::Training => "actions-kind-training",
        AbsenceKind::Medical => "actions-kind-medical",
        AbsenceKind::SecurityRelocation => "actions-kind-security-relocation",
        AbsenceKind::Unspecified => "actions-choose",
    })
}

/// What the form offers to choose from, each from the application layer's answer for the reader.
struct Choices {
    roster: Vec<RosterEntry>,
    /// Open (and closing) bases: id, name.
    bases: Vec<(String, String)>,
    /// Planned (or overdue) rotations: id, label, the CLA's id.
    rotations: Vec<(String, String, String)>,
    /// Absences under way or to come: id, label, the CLA's id.
    absences: Vec<(String, String, String)>,
}

fn choices(
    web: &Web,
    who: &Principal,
    code: &str,
    view: &View,
    l: L10n,
) -> Result<Choices, AppError> {
    let staffing = &web.settings.apps.staffing;
    let roster = staffing.roster(who, code, view)?;
    let mut bases: Vec<(String, String)> = staffing
        .base_board(who, code, &BoardFilter::default(), view)?
        .into_iter()
        .map(|b| (b.base_id, b.name))
        .collect();
    bases.sort_by(|a, b| a.1.cmp(&b.1));
    let base_name = |id: &str| {
        bases
            .iter()
            .find(|(b, _)| b.as_str() == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let rotations = staffing
        .rotation_calendar(who, code, Some(view.as_of), None, view)?
        .into_iter()
        .filter(|r| matches!(r.state, RotationState::Planned | RotationState::Overdue))
        .map(|r| {
            let label = l.t_args(
                "actions-rotation-option",
                &[
                    ("name", r.name.clone()),
                    ("from", base_name(&r.from_base_id)),
                    ("to", base_name(&r.to_base_id)),
                    ("date", l.date(r.date)),
                ],
            );
            (r.id, label, r.staff_id)
        })
        .collect();
    let absences = staffing
        .open_absences(who, code, view)?
        .into_iter()
        .map(|a| {
            let label = l.t_args(
                "actions-absence-option",
                &[
                    ("name", a.name),
                    ("kind", kind_label(l, a.kind)),
                    ("from", l.date(a.from)),
                    ("to", l.date(a.to)),
                ],
            );
            (a.id, label, a.staff_id)
        })
        .collect();
    Ok(Choices {
        roster,
        bases,
        rotations,
        absences,
    })
}

impl Choices {
    fn base_name(&self, id: &str) -> String {
        self.bases
            .iter()
            .find(|(b, _)| b.as_str() == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    }

    fn cla_option(&self, c: &RosterEntry) -> (String, String) {
        let label = match &c.base_id {
            Some(b) => format!("{} — {}", c.name, self.base_name(b)),
            None => c.name.clone(),
        };
        (c.staff_id.clone(), label)
    }

    /// The CLAs `keep` selects, and `chosen` whatever it is (a CLA named by the link).
    fn clas(&self, keep: impl Fn(&RosterEntry) -> bool, chosen: &str) -> Vec<(String, String)> {
        self.roster
            .iter()
            .filter(|c| keep(c) || c.staff_id == chosen)
            .map(|c| self.cla_option(c))
            .collect()
    }
}

fn fields(action: Action, l: L10n, c: &Choices, staff: &str) -> Vec<Field> {
    let cla = |keep: &dyn Fn(&RosterEntry) -> bool| Field::Select {
        name: "staffId",
        label: l.t("actions-field-cla"),
        options: c.clas(keep, staff),
    };
    let rotation = || Field::Select {
        name: "rotationId",
        label: l.t("actions-field-rotation"),
        options: c
            .rotations
            .iter()
            .filter(|(_, _, s)| staff.is_empty() || s.as_str() == staff)
            .map(|(id, label, _)| (id.clone(), label.clone()))
            .collect(),
    };
    let absence = || Field::Select {
        name: "absenceId",
        label: l.t("actions-field-absence"),
        options: c
            .absences
            .iter()
            .filter(|(_, _, s)| staff.is_empty() || s.as_str() == staff)
            .map(|(id, label, _)| (id.clone(), label.clone()))
            .collect(),
    };
    let date = |name, key: &str| Field::Date {
        name,
        label: l.t(key),
    };
    let reason = || Field::Text {
        name: "reason",
        label: l.t("actions-field-reason"),
        hint: Some(l.t("actions-field-reason-hint")),
    };
    match action {
        Action::Deploy => vec![
            cla(&|e| e.active && e.base_id.is_none()),
            Field::Select {
                name: "baseId",
                label: l.t("actions-field-base"),
                options: c.bases.clone(),
            },
            date("from", "actions-field-from"),
        ],
        Action::EndDeployment => vec![
            cla(&|e| e.base_id.is_some()),
            date("on", "actions-field-end-on"),
            reason(),
        ],
        Action::PlanRotation => vec![
            cla(&|e| e.base_id.is_some()),
            Field::Select {
                name: "toBaseId",
                label: l.t("actions-field-to-base"),
                options: c.bases.clone(),
            },
            date("date", "actions-field-rotation-date"),
        ],
        Action::CompleteRotation => vec![rotation(), date("on", "actions-field-rotated-on")],
        Action::CancelRotation => vec![rotation(), reason()],
        Action::Absence => vec![
            cla(&|e| e.active),
            Field::Select {
                name: "kind",
                label: l.t("actions-field-kind"),
                options: KINDS
                    .iter()
                    .map(|(k, v)| (v.to_string(), kind_label(l, *k)))
                    .collect(),
            },
            date("from", "actions-field-absent-from"),
            date("to", "actions-field-absent-to"),
        ],
        Action::CutAbsenceShort => vec![absence(), date("to", "actions-field-absent-to")],
        Action::CancelAbsence => vec![absence()],
    }
}

/// The form's values on a first visit: the link's choices, and dates from today.
fn defaults(
    action: Action,
    q: &HashMap<String, String>,
    today: NaiveDate,
) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let mut set = |k: &str, val: String| {
        v.insert(k.to_string(), val);
    };
    if let Some(s) = param(q, "staff") {
        set("staffId", s.to_string());
    }
    if let Some(b) = param(q, "base") {
        set("baseId", b.to_string());
    }
    if let Some(r) = param(q, "rotation") {
        set("rotationId", r.to_string());
    }
    if let Some(a) = param(q, "absence") {
        set("absenceId", a.to_string());
    }
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    match action {
        Action::Deploy => set("from", day(today)),
        Action::EndDeployment | Action::CompleteRotation => set("on", day(today)),
        Action::PlanRotation => set("date", day(today + Duration::days(30))),
        Action::Absence => {
            set("from", day(today));
            set("to", day(today + Duration::days(6)));
        }
        Action::CutAbsenceShort => set("to", day(today)),
        Action::CancelRotation | Action::CancelAbsence => {}
    }
    v
}

/// Everything a form page needs to be drawn.
struct Drawn<'a> {
    action: Action,
    values: &'a HashMap<String, String>,
    errors: Vec<(Option<String>, String)>,
    gap: Option<GapOffer>,
}

fn draw(
    web: &Web,
    r: &Reader,
    who: &Principal,
    code: &str,
    m: &MissionRequest,
    status: StatusCode,
    d: Drawn<'_>,
) -> Response {
    let l = r.l;
    let view = View::on(super::today(web));
    let c = match choices(web, who, code, &view, l) {
        Ok(c) => c,
        Err(e) => return refused(r, e),
    };
    let staff = d.values.get("staffId").map(String::as_str).unwrap_or("");
    let intro = c
        .roster
        .iter()
        .find(|e| e.staff_id == staff)
        .map(|e| match &e.base_id {
            Some(b) => l.t_args(
                "actions-intro-at",
                &[("name", e.name.clone()), ("base", c.base_name(b))],
            ),
            None => l.t_args("actions-intro", &[("name", e.name.clone())]),
        });
    let value = |name: &str| d.values.get(name).cloned().unwrap_or_default();
    let here = m
        .uri
        .path_and_query()
        .map_or_else(|| m.uri.path().to_string(), |p| p.as_str().to_string());
    let body = actions::body(
        l,
        &ActionForm {
            action: &here,
            csrf: &r.csrf,
            intro,
            fields: fields(d.action, l, &c, staff),
            value: &value,
            errors: &d.errors,
            gap: d.gap,
            submit: d.action.submit(l),
            back: format!("/missions/{code}/board"),
        },
    );
    // Actions take effect from the dates they give: no time travel here.
    page(r, status, d.action.title(l), Some(code), None, body)
}

async fn show(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let Some(action) = Action::of(m.uri.path()) else {
        return refusal(&m.r, Refused::NotFound);
    };
    let today = super::today(&web);
    let staffing = &web.settings.apps.staffing;
    if let Err(e) = staffing.may_change_staffing(&m.who, &m.code, &View::on(today)) {
        return refused(&m.r, e);
    }
    // A CLA named by the link is one of this mission's.
    if let Some(staff) = param(&m.q, "staff") {
        match staffing.roster(&m.who, &m.code, &View::on(today)) {
            Ok(roster) if roster.iter().any(|c| c.staff_id == staff) => {}
            Ok(_) => return refusal(&m.r, Refused::NotFound),
            Err(e) => return refused(&m.r, e),
        }
    }
    let values = defaults(action, &m.q, today);
    draw(
        &web,
        &m.r,
        &m.who,
        &m.code,
        &m,
        StatusCode::OK,
        Drawn {
            action,
            values: &values,
            errors: Vec::new(),
            gap: None,
        },
    )
}

/// A refusal of the input, beside its field (`None`: the whole form).
pub(super) type Bad = (Option<String>, String);

pub(super) fn text<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |s| s.trim())
}

pub(super) fn chosen(
    l: L10n,
    form: &HashMap<String, String>,
    name: &str,
    bad: &mut Vec<Bad>,
) -> String {
    let v = text(form, name);
    if v.is_empty() {
        bad.push((Some(name.to_string()), l.t("actions-choose-one")));
    }
    v.to_string()
}

pub(super) fn date(
    l: L10n,
    form: &HashMap<String, String>,
    name: &str,
    bad: &mut Vec<Bad>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text(form, name), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            bad.push((Some(name.to_string()), l.t("actions-date-invalid")));
            None
        }
    }
}

fn optional(form: &HashMap<String, String>, name: &str) -> Option<String> {
    Some(text(form, name).to_string()).filter(|s| !s.is_empty())
}

/// What became of a posted form.
enum Outcome {
    /// Done, effective on this day.
    Done(NaiveDate),
    Invalid(Vec<Bad>),
    Refused(AppError),
}

async fn execute(
    web: &Web,
    who: &Principal,
    code: &str,
    action: Action,
    form: &HashMap<String, String>,
    l: L10n,
) -> Outcome {
    let staffing = &web.settings.apps.staffing;
    let today = super::today(web);
    let mut bad = Vec::new();
    // The acceptance, where the box is ticked: the reason as given (blank is the app's to refuse).
    let accept_gap = form
        .contains_key("acceptGap")
        .then(|| text(form, "gapReason").to_string());
    let result = match action {
        Action::Deploy => {
            let staff_id = chosen(l, form, "staffId", &mut bad);
            let base_id = chosen(l, form, "baseId", &mut bad);
            let from = date(l, form, "from", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = DeployCla {
                staff_id,
                base_id,
                from,
            };
            staffing.deploy_cla(who, input).await.map(|_| from)
        }
        Action::EndDeployment => {
            let staff_id = chosen(l, form, "staffId", &mut bad);
            let on = date(l, form, "on", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = EndDeployment {
                staff_id,
                on,
                reason: optional(form, "reason"),
                accept_gap,
            };
            staffing.end_deployment(who, input).await.map(|_| on)
        }
        Action::PlanRotation => {
            let staff_id = chosen(l, form, "staffId", &mut bad);
            let to_base_id = chosen(l, form, "toBaseId", &mut bad);
            let day = date(l, form, "date", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let Some(day) = day else {
                return Outcome::Invalid(bad);
            };
            // A rotation starts from the base the CLA is at on its date.
            let from_base_id = match staffing.roster(who, code, &View::on(day)) {
                Ok(roster) => roster
                    .into_iter()
                    .find(|c| c.staff_id == staff_id)
                    .and_then(|c| c.base_id),
                Err(e) => return Outcome::Refused(e),
            };
            let Some(from_base_id) = from_base_id else {
                let message = l.t_args("actions-refused-not-deployed", &[("on", l.date(day))]);
                return Outcome::Invalid(vec![(Some("staffId".into()), message)]);
            };
            let input = PlanRotation {
                staff_id,
                from_base_id,
                to_base_id,
                date: day,
            };
            staffing.plan_rotation(who, input).await.map(|_| None)
        }
        Action::CompleteRotation => {
            let rotation_id = chosen(l, form, "rotationId", &mut bad);
            let on = date(l, form, "on", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = CompleteRotation {
                rotation_id,
                on,
                accept_gap,
            };
            staffing.complete_rotation(who, input).await.map(|_| on)
        }
        Action::CancelRotation => {
            let rotation_id = chosen(l, form, "rotationId", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = CancelRotation {
                rotation_id,
                reason: optional(form, "reason"),
            };
            staffing.cancel_rotation(who, input).await.map(|_| None)
        }
        Action::Absence => {
            let staff_id = chosen(l, form, "staffId", &mut bad);
            let kind = KINDS
                .iter()
                .find(|(_, v)| *v == text(form, "kind"))
                .map(|(k, _)| *k);
            if kind.is_none() {
                bad.push((Some("kind".into()), l.t("actions-choose-one")));
            }
            let from = date(l, form, "from", &mut bad);
            let to = date(l, form, "to", &mut bad);
            let (Some(kind), Some(from), Some(to)) = (kind, from, to) else {
                return Outcome::Invalid(bad);
            };
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = RecordAbsence {
                staff_id,
                kind,
                from,
                to,
            };
            staffing
                .record_absence(who, input)
                .await
                .map(|_| Some(from))
        }
        Action::CutAbsenceShort => {
            let absence_id = chosen(l, form, "absenceId", &mut bad);
            let to = date(l, form, "to", &mut bad);
            let Some(to) = to else {
                return Outcome::Invalid(bad);
            };
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = CutAbsenceShort { absence_id, to };
            staffing
                .cut_absence_short(who, input)
                .await
                .map(|_| Some(to))
        }
        Action::CancelAbsence => {
            let absence_id = chosen(l, form, "absenceId", &mut bad);
            if !bad.is_empty() {
                return Outcome::Invalid(bad);
            }
            let input = CancelAbsence { absence_id };
            staffing.cancel_absence(who, input).await.map(|_| None)
        }
    };
    match result {
        Ok(on) => Outcome::Done(on.unwrap_or(today)),
        Err(e) => Outcome::Refused(e),
    }
}

async fn act(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(action) = Action::of(m.uri.path()) else {
        return refusal(&m.r, Refused::NotFound);
    };
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let today = super::today(&web);
    if let Err(e) = web
        .settings
        .apps
        .staffing
        .may_change_staffing(&who, &m.code, &View::on(today))
    {
        return refused(&r, e);
    }
    let l = r.l;
    let (errors, gap) = match execute(&web, &who, &m.code, action, &form, l).await {
        Outcome::Done(on) => {
            let code = &m.code;
            let as_of = if on == today {
                String::new()
            } else {
                format!("asOf={on}&")
            };
            return redirect(
                &format!("/missions/{code}/board?{as_of}done={}", action.slug()),
                &r.cookies,
            );
        }
        Outcome::Invalid(bad) => (bad, None),
        Outcome::Refused(e) => match e.code {
            ErrorCode::Validation
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::CoverageGap => refusal_in_words(l, action, &e, &form),
            _ => return refused(&r, e),
        },
    };
    let mut values = form.clone();
    values.remove("csrf");
    // The CLA the link named, for what the page says of them and the rotations it offers.
    if let Some(staff) = param(&m.q, "staff") {
        values
            .entry("staffId".to_string())
            .or_insert_with(|| staff.to_string());
    }
    draw(
        &web,
        &r,
        &who,
        &m.code,
        &m,
        StatusCode::BAD_REQUEST,
        Drawn {
            action,
            values: &values,
            errors,
            gap,
        },
    )
}

/// A refusal of the staffing rules in the reader's words: beside the form's field it is about,
/// and for a coverage gap the offer to accept it.
fn refusal_in_words(
    l: L10n,
    action: Action,
    e: &AppError,
    form: &HashMap<String, String>,
) -> (Vec<Bad>, Option<GapOffer>) {
    let rule = e.detail("rule").unwrap_or("");
    if action.may_open_gap() && matches!(rule, "coverage-gap" | "gap-reason-needed") {
        let offer = GapOffer {
            sentence: gap_sentence(l, e),
            accepted: form.contains_key("acceptGap"),
            reason: text(form, "gapReason").to_string(),
            reason_error: (rule == "gap-reason-needed").then(|| l.t("actions-refused-gap-reason")),
        };
        return (Vec::new(), Some(offer));
    }
    let field = match (action, e.field.as_deref()) {
        (Action::PlanRotation, Some("fromBaseId")) => Some("date"),
        (Action::CompleteRotation, Some("toBaseId" | "staffId")) => Some("rotationId"),
        (_, Some("effective")) | (_, None) => None,
        (_, Some(f)) => Some(f),
    };
    (vec![(field.map(str::to_string), words(l, e))], None)
}

fn detail_date(l: L10n, e: &AppError, name: &str) -> String {
    let raw = e.detail(name).unwrap_or("");
    raw.parse::<NaiveDate>()
        .map_or_else(|_| raw.to_string(), |d| l.date(d))
}

/// "This would leave Oicha with 1 CLA on 5 Dec 2026 (minimum 2)", from the refusal's details.
pub(super) fn gap_sentence(l: L10n, e: &AppError) -> String {
    let strength = e.detail("strength").unwrap_or("0");
    let args = [
        ("base", e.detail("baseName").unwrap_or("").to_string()),
        ("strength", strength.to_string()),
        ("minimum", e.detail("minimum").unwrap_or("2").to_string()),
        ("date", detail_date(l, e, "on")),
    ];
    match strength {
        "0" => l.t_args("actions-gap-none", &args),
        "1" => l.t_args("actions-gap-one", &args),
        _ => l.t_args("actions-gap-many", &args),
    }
}

/// A refusal of the staffing rules as a sentence a manager understands.
pub(super) fn words(l: L10n, e: &AppError) -> String {
    let d = |name: &str| e.detail(name).unwrap_or("").to_string();
    let date = |name: &str| detail_date(l, e, name);
    match e.detail("rule").unwrap_or("") {
        "cla-unknown" => l.t("actions-refused-cla-unknown"),
        "cla-not-yet" => l.t_args("actions-refused-cla-not-yet", &[("on", date("on"))]),
        "cla-not-active" => l.t_args(
            "actions-refused-cla-not-active",
            &[("name", d("name")), ("on", date("on"))],
        ),
        "base-unknown" => l.t_args("actions-refused-base-unknown", &[("on", date("on"))]),
        "base-other-mission" => l.t_args(
            "actions-refused-base-other-mission",
            &[("base", d("baseName"))],
        ),
        "base-not-open" => l.t_args(
            "actions-refused-base-not-open",
            &[("base", d("baseName")), ("on", date("on"))],
        ),
        "already-deployed" => l.t_args(
            "actions-refused-already-deployed",
            &[
                ("name", d("name")),
                ("base", d("baseName")),
                ("from", date("from")),
            ],
        ),
        "no-deployment" => l.t_args("actions-refused-not-deployed", &[("on", date("on"))]),
        "end-before-start" => l.t_args(
            "actions-refused-end-before-start",
            &[("from", date("from"))],
        ),
        "gap-reason-needed" => l.t("actions-refused-gap-reason"),
        "coverage-gap" => gap_sentence(l, e),
        "reason-too-long" => l.t("actions-refused-reason-too-long"),
        "rotation-origin" => l.t_args(
            "actions-refused-rotation-origin",
            &[("name", d("name")), ("on", date("on"))],
        ),
        "rotation-same-base" => l.t("actions-refused-rotation-same-base"),
        "rotation-already-planned" => l.t_args(
            "actions-refused-rotation-already-planned",
            &[("name", d("name"))],
        ),
        "rotation-unknown" => l.t("actions-refused-rotation-unknown"),
        "rotation-not-planned" if d("status") == "cancelled" => {
            l.t("actions-refused-rotation-cancelled")
        }
        "rotation-not-planned" => l.t("actions-refused-rotation-completed"),
        "rotation-not-at-origin" => l.t_args(
            "actions-refused-rotation-not-at-origin",
            &[("on", date("on"))],
        ),
        "absence-kind" => l.t("actions-choose-one"),
        "absence-ends-before" => l.t("actions-refused-absence-ends-before"),
        "absence-overlap" => l.t_args(
            "actions-refused-absence-overlap",
            &[("from", date("from")), ("to", date("to"))],
        ),
        _ => match e.code {
            ErrorCode::Conflict => l.t("actions-refused-conflict"),
            ErrorCode::NotFound => l.t("actions-refused-not-found"),
            _ => l.t("actions-refused-invalid"),
        },
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::{AppError, ErrorCode};

    use super::*;
    use crate::i18n::Lang;

    /// Every refusal the staffing rules give, with the details they carry.
    fn refusals() -> Vec<AppError> {
        let rule = |code: ErrorCode, rule: &str| AppError::new(code, "m").with("rule", rule);
        let gap = |strength: u32| {
            rule(ErrorCode::CoverageGap, "coverage-gap")
                .with("baseName", "COB Oicha")
                .with("strength", strength)
                .with("minimum", 2)
                .with("on", "2026-12-05")
        };
        vec![
            rule(ErrorCode::NotFound, "cla-unknown"),
            rule(ErrorCode::Validation, "cla-not-yet").with("on", "2026-12-05"),
            rule(ErrorCode::Conflict, "cla-not-active")
                .with("name", "Ana")
                .with("on", "2026-12-05"),
            rule(ErrorCode::NotFound, "base-unknown").with("on", "2026-12-05"),
            rule(ErrorCode::Validation, "base-other-mission").with("baseName", "Bria"),
            rule(ErrorCode::Conflict, "base-not-open")
                .with("baseName", "COB Oicha")
                .with("on", "2026-12-05"),
            rule(ErrorCode::Conflict, "already-deployed")
                .with("name", "Ana")
                .with("baseName", "COB Oicha")
                .with("from", "2025-01-01"),
            rule(ErrorCode::NotFound, "no-deployment").with("on", "2026-12-05"),
            rule(ErrorCode::Validation, "end-before-start").with("from", "2026-12-05"),
            rule(ErrorCode::Validation, "gap-reason-needed"),
            gap(0),
            gap(1),
            gap(3),
            rule(ErrorCode::Validation, "reason-too-long"),
            rule(ErrorCode::Conflict, "rotation-exists"),
            rule(ErrorCode::Validation, "rotation-origin")
                .with("name", "Ana")
                .with("on", "2026-12-05"),
            rule(ErrorCode::Validation, "rotation-same-base"),
            rule(ErrorCode::Conflict, "rotation-already-planned").with("name", "Ana"),
            rule(ErrorCode::NotFound, "rotation-unknown"),
            rule(ErrorCode::Conflict, "rotation-not-planned").with("status", "cancelled"),
            rule(ErrorCode::Conflict, "rotation-not-planned").with("status", "completed"),
            rule(ErrorCode::Conflict, "rotation-not-at-origin").with("on", "2026-12-05"),
            rule(ErrorCode::Validation, "absence-kind"),
            rule(ErrorCode::Validation, "absence-ends-before"),
            rule(ErrorCode::Conflict, "absence-overlap")
                .with("from", "2026-12-05")
                .with("to", "2026-12-09"),
            AppError::conflict("the record was changed by someone else at the same moment"),
            AppError::not_found("x", "m"),
            AppError::validation("x", "m"),
        ]
    }

    #[test]
    fn every_refusal_of_the_staffing_rules_reads_as_a_sentence_in_both_languages() {
        for lang in Lang::ALL {
            let l = L10n::new(lang);
            let mut seen = std::collections::HashSet::new();
            for e in refusals() {
                let text = words(l, &e);
                assert!(!text.contains('⟦'), "{e:?} in {lang:?}: {text}");
                assert!(!text.contains('{'), "every argument given: {e:?}: {text}");
                assert!(
                    !text.contains("2026-12-05"),
                    "dates in the language: {text}"
                );
                assert!(text.ends_with('.'), "a sentence: {text}");
                seen.insert(text);
            }
            assert_eq!(seen.len(), refusals().len() - 1, "each says its own thing");
        }
        let gap = &refusals()[11];
        assert_eq!(
            words(L10n::new(Lang::En), gap),
            "This would leave COB Oicha with 1 CLA on 5 Dec 2026 (minimum 2)."
        );
        assert_eq!(
            words(L10n::new(Lang::Fr), gap),
            "COB Oicha n’aurait plus qu’un seul CLA le 05/12/2026 (minimum 2)."
        );
    }
}
