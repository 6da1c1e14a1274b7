//! Recruitment: the vacancies page, opening a vacancy, a vacancy's pipeline and the forms that
//! move its candidates, each through the staff application layer as the signed-in person. Who
//! may act, and every rule, is the application layer's: a reader it refuses sees the refusal
//! page (on GET and POST of a form), a refusal of the input shows the page again (400) with the
//! form filled as sent and the refusal in words beside its field, and nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_registry::app::BaseFilter;
use cla_registry::decider::BaseStatus;
use cla_staff::app::{NewCandidate, OpenVacancy, VacancyAnswer};
use cla_staff::commands::{Appointment, AppointmentKind, CandidateStage, Language};
use cla_staff::decider::{Candidate, CandidateOutcome, VacancyStatus};
use cla_staff::events::Gender;
use cla_staff::process::hiring::HireRequest;
use cla_staff::projections::VacancyFilter;

use super::{MissionRequest, Reader, mission_page, page, param, posted_by, redirect, refused};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::recruit::{
    self, FormSpec, Input, Pipeline, PipelineForm, Posted, Vacancies, day, stage_key_name,
};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/recruitment", get(vacancies))
        .route(
            "/missions/{code}/recruitment/open",
            get(open_form).post(open_post),
        )
        .route("/missions/{code}/recruitment/{vacancy}", get(pipeline))
        .route(
            "/missions/{code}/recruitment/{vacancy}/{step}",
            get(form_get).post(vacancy_post),
        )
        .route(
            "/missions/{code}/recruitment/{vacancy}/candidates/{candidate}/{step}",
            get(form_get).post(candidate_post),
        )
}

/// Names of the mission's bases and field offices, from the registry's answer for the reader.
pub(super) struct Places {
    pub(super) bases: Vec<(String, String, BaseStatus)>,
    pub(super) offices: Vec<(String, String)>,
}

impl Places {
    pub(super) fn load(
        web: &Web,
        who: &Principal,
        code: &str,
        view: &View,
    ) -> Result<Places, AppError> {
        let registry = &web.settings.apps.registry;
        let mut bases: Vec<(String, String, BaseStatus)> = registry
            .bases(who, code, &BaseFilter::default(), view)?
            .into_iter()
            .map(|b| (b.base.id, b.base.details.name, b.base.status))
            .collect();
        bases.sort_by(|a, b| a.1.cmp(&b.1));
        let mut offices: Vec<(String, String)> = registry
            .field_offices(who, code, view)?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        offices.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(Places { bases, offices })
    }

    fn of(&self, l: L10n, a: &VacancyAnswer) -> String {
        let p = &a.vacancy.place;
        let office = self
            .offices
            .iter()
            .find(|(id, _)| *id == p.field_office_id)
            .map_or_else(|| p.field_office_id.clone(), |(_, n)| n.clone());
        if p.base_id.is_empty() {
            return l.t_args("recruit-place-office", &[("office", office)]);
        }
        let base = self
            .bases
            .iter()
            .find(|(id, _, _)| *id == p.base_id)
            .map_or_else(|| p.base_id.clone(), |(_, n, _)| n.clone());
        format!("{base} — {office}")
    }
}

fn today(web: &Web) -> NaiveDate {
    super::today(web)
}

/// Whether `who` may change the mission's recruitment and staff today (the staff screen's forms
/// ask it too).
pub(super) fn may_act(web: &Web, who: &Principal, code: &str) -> Result<(), AppError> {
    web.settings
        .apps
        .staff
        .may_change_recruitment(who, code, &View::on(today(web)))
}

async fn vacancies(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        q,
        ..
    } = m;
    let staff = &web.settings.apps.staff;
    let answer = staff
        .vacancies(&who, &code, &VacancyFilter::default(), &view)
        .and_then(|v| {
            let p = staff.recruitment_pipeline(&who, &code, &view)?;
            Ok((v, p, Places::load(&web, &who, &code, &view)?))
        });
    let (list, figures, places) = match answer {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    let acts =
        travel.as_of.is_none() && travel.known_at.is_none() && may_act(&web, &who, &code).is_ok();
    let l = r.l;
    let place = |a: &VacancyAnswer| places.of(l, a);
    mission_page(
        &r,
        StatusCode::OK,
        l.t_args(
            "recruit-title",
            &[("mission", code.clone()), ("date", l.date(view.as_of))],
        ),
        &code,
        (
            &format!("/missions/{code}/recruitment"),
            &travel,
            Vec::new(),
        ),
        recruit::vacancies(
            l,
            &Vacancies {
                code: &code,
                vacancies: &list,
                pipeline: &figures,
                place: &place,
                may_act: acts,
                done: recruit::done(l, param(&q, "done")),
            },
            &travel,
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Opening a vacancy

/// A post's place as a form offers it: the open bases (`base:<id>`), then the field offices
/// (`office:<id>`).
pub(super) fn place_options(l: L10n, places: &Places) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = places
        .bases
        .iter()
        .filter(|(_, _, s)| *s == BaseStatus::Open)
        .map(|(id, n, _)| (format!("base:{id}"), n.clone()))
        .collect();
    options.extend(places.offices.iter().map(|(id, n)| {
        (
            format!("office:{id}"),
            l.t_args("recruit-place-office", &[("office", n.clone())]),
        )
    }));
    options
}

/// A place as [`place_options`] offers it: the base, or the field office.
pub(super) fn place_of(value: &str) -> Option<(Option<String>, Option<String>)> {
    match value.split_once(':') {
        Some(("base", id)) => Some((Some(id.to_string()), None)),
        Some(("office", id)) => Some((None, Some(id.to_string()))),
        _ => None,
    }
}

fn open_inputs(l: L10n, places: &Places) -> Vec<Input> {
    vec![
        Input::Select {
            name: "place",
            label: l.t("recruit-field-place"),
            options: place_options(l, places),
        },
        Input::Text {
            name: "title",
            label: l.t("recruit-field-title"),
            hint: None,
        },
        Input::Text {
            name: "requiredLanguages",
            label: l.t("recruit-field-required-languages"),
            hint: Some(l.t("recruit-field-required-languages-hint")),
        },
        Input::Text {
            name: "notes",
            label: l.t("recruit-field-notes"),
            hint: None,
        },
        Input::Date {
            name: "effective",
            label: l.t("recruit-field-opened-on"),
        },
    ]
}

fn open_page(
    web: &Web,
    r: &Reader,
    who: &Principal,
    code: &str,
    status: StatusCode,
    values: Vec<(String, String)>,
    errors: Vec<(Option<String>, String)>,
) -> Response {
    let l = r.l;
    let places = match Places::load(web, who, code, &View::on(today(web))) {
        Ok(p) => p,
        Err(e) => return refused(r, e),
    };
    let body = maud::html! {
        (recruit::form(l, &FormSpec {
            id: "open".into(),
            action: format!("/missions/{code}/recruitment/open"),
            csrf: &r.csrf,
            inputs: open_inputs(l, &places),
            submit: l.t("recruit-open-submit"),
            values,
            errors,
        }))
        p { a href=(format!("/missions/{code}/recruitment")) { (l.t("recruit-back")) } }
    };
    page(r, status, l.t("recruit-open-title"), Some(code), None, body)
}

async fn open_form(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    if let Err(e) = may_act(&web, &m.who, &m.code) {
        return refused(&m.r, e);
    }
    let values = vec![("effective".to_string(), day(today(&web)))];
    open_page(
        &web,
        &m.r,
        &m.who,
        &m.code,
        StatusCode::OK,
        values,
        Vec::new(),
    )
}

async fn open_post(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    if let Err(e) = may_act(&web, &who, &m.code) {
        return refused(&r, e);
    }
    let l = r.l;
    let mut bad = Vec::new();
    let place = text(&form, "place");
    let (base_id, field_office_id) = place_of(place).unwrap_or_else(|| {
        bad.push((Some("place".to_string()), l.t("recruit-choose-one")));
        (None, None)
    });
    let effective = date(l, &form, "effective", &mut bad);
    let result = match effective {
        Some(effective) if bad.is_empty() => {
            let input = OpenVacancy {
                base_id,
                field_office_id,
                title: text(&form, "title").to_string(),
                required_languages: split(text(&form, "requiredLanguages")),
                notes: text(&form, "notes").to_string(),
                effective,
            };
            match web.settings.apps.staff.open_vacancy(&who, input).await {
                Ok(v) => {
                    return redirect(
                        &format!(
                            "/missions/{}/recruitment/{}?done=open",
                            m.code, v.vacancy.id
                        ),
                        &r.cookies,
                    );
                }
                Err(e) => Err(e),
            }
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        match in_words(l, &e) {
            Some(words) => bad.push(words),
            None => return refused(&r, e),
        }
    }
    open_page(
        &web,
        &r,
        &who,
        &m.code,
        StatusCode::BAD_REQUEST,
        as_sent(&form),
        bad,
    )
}

// ---------------------------------------------------------------------------------------------
// A vacancy's pipeline

/// A step that moves a candidate, as its path names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Advance,
    Vetting,
    Offer,
    Answer,
    Reject,
    Withdraw,
    Hire,
}

impl Step {
    const ALL: [Step; 7] = [
        Step::Advance,
        Step::Vetting,
        Step::Offer,
        Step::Answer,
        Step::Reject,
        Step::Withdraw,
        Step::Hire,
    ];

    fn slug(self) -> &'static str {
        match self {
            Step::Advance => "advance",
            Step::Vetting => "vetting",
            Step::Offer => "offer",
            Step::Answer => "answer",
            Step::Reject => "reject",
            Step::Withdraw => "withdraw",
            Step::Hire => "hire",
        }
    }

    fn of(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// Whether the card of a candidate offers this step (the rules themselves are the app's).
    fn offered(self, c: &Candidate) -> bool {
        let going = c.outcome == CandidateOutcome::InProgress;
        let accepted = c.offer.as_ref().is_some_and(|o| o.accepted);
        going
            && match self {
                Step::Advance => {
                    matches!(c.stage, CandidateStage::Applied | CandidateStage::Screened)
                }
                Step::Vetting => c.stage == CandidateStage::Interviewed,
                Step::Offer => c.stage == CandidateStage::Vetted,
                Step::Answer => c.stage == CandidateStage::Offered && !accepted,
                Step::Hire => c.stage == CandidateStage::Offered && accepted,
                Step::Reject | Step::Withdraw => true,
            }
    }

    fn inputs(self, l: L10n, c: &Candidate) -> Vec<Input> {
        let date = Input::Date {
            name: "effective",
            label: l.t("recruit-field-on"),
        };
        let reason = || Input::Text {
            name: "reason",
            label: l.t("recruit-field-reason"),
            hint: None,
        };
        let mut inputs = match self {
            Step::Advance => vec![Input::Hidden {
                name: "to",
                value: match c.stage {
                    CandidateStage::Applied => "screened",
                    _ => "interviewed",
                }
                .into(),
            }],
            Step::Vetting => vec![
                Input::Select {
                    name: "result",
                    label: l.t("recruit-field-vetting"),
                    options: vec![
                        ("passed".into(), l.t("recruit-vetting-passed")),
                        ("failed".into(), l.t("recruit-vetting-failed")),
                    ],
                },
                Input::Text {
                    name: "notes",
                    label: l.t("recruit-field-vetting-notes"),
                    hint: Some(l.t("recruit-field-vetting-notes-hint")),
                },
            ],
            Step::Offer => vec![
                Input::Text {
                    name: "grade",
                    label: l.t("recruit-field-grade"),
                    hint: Some(l.t("recruit-field-grade-hint")),
                },
                Input::Select {
                    name: "kind",
                    label: l.t("recruit-field-appointment"),
                    options: vec![
                        ("fixed-term".into(), l.t("recruit-appointment-fixed-term")),
                        ("temporary".into(), l.t("recruit-appointment-temporary")),
                    ],
                },
                Input::Date {
                    name: "start",
                    label: l.t("recruit-field-start"),
                },
                Input::Date {
                    name: "end",
                    label: l.t("recruit-field-end"),
                },
            ],
            Step::Answer => vec![
                Input::Select {
                    name: "answer",
                    label: l.t("recruit-field-answer"),
                    options: vec![
                        ("accepted".into(), l.t("recruit-answer-accepted")),
                        ("declined".into(), l.t("recruit-answer-declined")),
                    ],
                },
                reason(),
            ],
            Step::Reject | Step::Withdraw => vec![reason()],
            Step::Hire => vec![
                Input::Text {
                    name: "indexNumber",
                    label: l.t("recruit-field-index-number"),
                    hint: Some(l.t("recruit-field-index-number-hint")),
                },
                Input::Text {
                    name: "homeCommunity",
                    label: l.t("recruit-field-home-community"),
                    hint: Some(l.t("recruit-field-home-community-hint")),
                },
            ],
        };
        inputs.push(date);
        inputs
    }

    fn legend(self, l: L10n, c: &Candidate) -> String {
        match self {
            Step::Advance => {
                let to = c.stage.next().unwrap_or(CandidateStage::Screened);
                l.t_args(
                    "recruit-step-advance",
                    &[("stage", l.t(stage_key_name(to)))],
                )
            }
            Step::Vetting => l.t("recruit-step-vetting"),
            Step::Offer => l.t("recruit-step-offer"),
            Step::Answer => l.t("recruit-step-answer"),
            Step::Reject => l.t("recruit-step-reject"),
            Step::Withdraw => l.t("recruit-step-withdraw"),
            Step::Hire => l.t("recruit-step-hire"),
        }
    }
}

/// The forms a candidate's card offers, and the one `posted` (refused) whatever it is.
fn card_forms(
    l: L10n,
    (code, vacancy): (&str, &str),
    today: NaiveDate,
    c: &Candidate,
    posted: &str,
) -> Vec<PipelineForm> {
    Step::ALL
        .into_iter()
        .filter(|s| s.offered(c) || posted == format!("{}-{}", c.id, s.slug()))
        .map(|s| {
            let mut defaults = vec![("effective".to_string(), day(today))];
            if s == Step::Offer {
                defaults.push(("start".into(), day(today + Duration::days(14))));
                defaults.push(("end".into(), day(today + Duration::days(14 + 364))));
            }
            PipelineForm {
                id: format!("{}-{}", c.id, s.slug()),
                action: format!(
                    "/missions/{code}/recruitment/{vacancy}/candidates/{}/{}",
                    c.id,
                    s.slug()
                ),
                legend: s.legend(l, c),
                inputs: s.inputs(l, c),
                submit: s.legend(l, c),
                defaults,
            }
        })
        .collect()
}

fn vacancy_forms(l: L10n, code: &str, vacancy: &str, today: NaiveDate) -> Vec<PipelineForm> {
    let defaults = vec![("effective".to_string(), day(today))];
    vec![
        PipelineForm {
            id: "add".into(),
            action: format!("/missions/{code}/recruitment/{vacancy}/candidates"),
            legend: l.t("recruit-add-title"),
            inputs: vec![
                Input::Text {
                    name: "name",
                    label: l.t("recruit-field-name"),
                    hint: None,
                },
                Input::Select {
                    name: "gender",
                    label: l.t("recruit-field-gender"),
                    options: vec![
                        ("female".into(), l.t("recruit-gender-female")),
                        ("male".into(), l.t("recruit-gender-male")),
                        ("other".into(), l.t("recruit-gender-other")),
                    ],
                },
                Input::Text {
                    name: "languages",
                    label: l.t("recruit-field-languages"),
                    hint: Some(l.t("recruit-field-languages-hint")),
                },
                Input::Date {
                    name: "effective",
                    label: l.t("recruit-field-applied-on"),
                },
            ],
            submit: l.t("recruit-add-submit"),
            defaults: defaults.clone(),
        },
        PipelineForm {
            id: "cancel".into(),
            action: format!("/missions/{code}/recruitment/{vacancy}/cancel"),
            legend: l.t("recruit-cancel-title"),
            inputs: vec![
                Input::Text {
                    name: "reason",
                    label: l.t("recruit-field-reason"),
                    hint: None,
                },
                Input::Date {
                    name: "effective",
                    label: l.t("recruit-field-on"),
                },
            ],
            submit: l.t("recruit-cancel-submit"),
            defaults,
        },
    ]
}

/// The pipeline page, as of the request's view; with the forms where the reader may act today.
#[allow(clippy::too_many_arguments)]
fn pipeline_page(
    web: &Web,
    r: &Reader,
    who: &Principal,
    m: &MissionRequest,
    vacancy: &str,
    view: View,
    status: StatusCode,
    posted: Option<Posted>,
) -> Response {
    let l = r.l;
    let code = &m.code;
    let staff = &web.settings.apps.staff;
    let answer = staff
        .vacancy(who, vacancy, &view)
        .and_then(|a| {
            if a.vacancy.place.mission_code == *code {
                Ok(a)
            } else {
                Err(AppError::not_found("vacancyId", "no such vacancy here"))
            }
        })
        .and_then(|a| Ok((Places::load(web, who, code, &view)?, a)));
    let (places, a) = match answer {
        Ok(x) => x,
        Err(e) => return refused(r, e),
    };
    let travelling = m.travel.is_asked();
    let allowed = may_act(web, who, code).is_ok();
    let no_forms = if !allowed {
        Some(l.t("recruit-read-only"))
    } else if travelling {
        Some(l.t("recruit-forms-today"))
    } else if a.vacancy.status != VacancyStatus::Open {
        Some(l.t("recruit-closed"))
    } else {
        None
    };
    let today = today(web);
    let acts = no_forms.is_none();
    let posted_form = posted.as_ref().map(|p| p.form.clone()).unwrap_or_default();
    let cards = |c: &Candidate| {
        if acts {
            card_forms(l, (code, vacancy), today, c, &posted_form)
        } else {
            Vec::new()
        }
    };
    let forms = if acts {
        vacancy_forms(l, code, vacancy, today)
    } else {
        Vec::new()
    };
    let body = recruit::pipeline(
        l,
        &Pipeline {
            code,
            answer: &a,
            place: places.of(l, &a),
            csrf: &r.csrf,
            card_forms: &cards,
            no_forms,
            posted,
            done: recruit::done(l, param(&m.q, "done")),
        },
        forms,
    );
    mission_page(
        r,
        status,
        l.t_args(
            "recruit-vacancy-title",
            &[
                ("title", a.vacancy.title.clone()),
                ("date", l.date(view.as_of)),
            ],
        ),
        code,
        (
            &format!("/missions/{code}/recruitment/{vacancy}"),
            &m.travel,
            Vec::new(),
        ),
        body,
    )
}

async fn pipeline(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    Path(path): Path<HashMap<String, String>>,
) -> Response {
    let vacancy = path.get("vacancy").cloned().unwrap_or_default();
    pipeline_page(
        &web,
        &m.r,
        &m.who,
        &m,
        &vacancy,
        m.view,
        StatusCode::OK,
        None,
    )
}

/// A GET of a form's address: the refusal where the reader may not act, the pipeline else.
async fn form_get(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    Path(path): Path<HashMap<String, String>>,
) -> Response {
    if let Err(e) = may_act(&web, &m.who, &m.code) {
        return refused(&m.r, e);
    }
    let vacancy = path.get("vacancy").cloned().unwrap_or_default();
    redirect(
        &format!("/missions/{}/recruitment/{vacancy}", m.code),
        &m.r.cookies,
    )
}

fn text<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |s| s.trim())
}

fn split(list: &str) -> Vec<String> {
    list.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn date(
    l: L10n,
    form: &HashMap<String, String>,
    name: &str,
    bad: &mut Vec<(Option<String>, String)>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text(form, name), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            bad.push((Some(name.to_string()), l.t("recruit-date-invalid")));
            None
        }
    }
}

fn as_sent(form: &HashMap<String, String>) -> Vec<(String, String)> {
    form.iter()
        .filter(|(k, _)| k.as_str() != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `Swahili:NATIVE; French:WORKING` as languages (a language without a level: WORKING).
pub(super) fn languages(list: &str) -> Vec<Language> {
    list.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (language, level) = part.split_once(':').unwrap_or((part, "WORKING"));
            Language {
                language: language.trim().to_string(),
                level: level.trim().to_string(),
            }
        })
        .collect()
}

/// What the vacancy's own forms (add a candidate, cancel) ask of the application layer.
async fn vacancy_post(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let vacancy = path.get("vacancy").cloned().unwrap_or_default();
    let step = path.get("step").cloned().unwrap_or_default();
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    if let Err(e) = may_act(&web, &who, &m.code) {
        return refused(&r, e);
    }
    let l = r.l;
    let staff = &web.settings.apps.staff;
    let mut bad = Vec::new();
    let effective = date(l, &form, "effective", &mut bad);
    let result = match (step.as_str(), effective) {
        ("candidates", effective) => {
            let gender = match text(&form, "gender") {
                "female" => Some(Gender::Female),
                "male" => Some(Gender::Male),
                "other" => Some(Gender::Other),
                _ => {
                    bad.push((Some("gender".into()), l.t("recruit-choose-one")));
                    None
                }
            };
            match (gender, effective) {
                (Some(gender), Some(effective)) if bad.is_empty() => {
                    let input = NewCandidate {
                        name: text(&form, "name").to_string(),
                        gender,
                        languages: languages(text(&form, "languages")),
                        effective,
                    };
                    Some(
                        staff
                            .add_candidate(&who, &vacancy, input)
                            .await
                            .map(|_| "add"),
                    )
                }
                _ => None,
            }
        }
        ("cancel", Some(effective)) => Some(
            staff
                .cancel_vacancy(&who, &vacancy, text(&form, "reason").to_string(), effective)
                .await
                .map(|_| "cancel"),
        ),
        ("cancel", None) => None,
        _ => return refused(&r, AppError::not_found("step", "no such form")),
    };
    let form_id = if step == "cancel" { "cancel" } else { "add" };
    finish(&web, &r, &who, &m, &vacancy, form_id, &form, bad, result)
}

/// After a form: done, back to the pipeline (303); refused in words, the page again (400).
#[allow(clippy::too_many_arguments)]
fn finish(
    web: &Web,
    r: &Reader,
    who: &Principal,
    m: &MissionRequest,
    vacancy: &str,
    form_id: &str,
    form: &HashMap<String, String>,
    mut bad: Vec<(Option<String>, String)>,
    result: Option<Result<&'static str, AppError>>,
) -> Response {
    match result {
        Some(Ok(done)) => {
            let anchor = form_id
                .rsplit_once('-')
                .map(|(c, _)| format!("#c-{c}"))
                .unwrap_or_default();
            return redirect(
                &format!(
                    "/missions/{}/recruitment/{vacancy}?done={done}{anchor}",
                    m.code
                ),
                &r.cookies,
            );
        }
        Some(Err(e)) => match in_words(r.l, &e) {
            Some(words) => bad.push(words),
            None => return refused(r, e),
        },
        None => {}
    }
    let posted = Posted {
        form: form_id.to_string(),
        values: as_sent(form),
        errors: bad,
    };
    pipeline_page(
        web,
        r,
        who,
        m,
        vacancy,
        View::on(today(web)),
        StatusCode::BAD_REQUEST,
        Some(posted),
    )
}

/// What a candidate's card's forms ask of the application layer.
async fn candidate_post(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let vacancy = path.get("vacancy").cloned().unwrap_or_default();
    let candidate = path.get("candidate").cloned().unwrap_or_default();
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(p) => p,
        Err(refusal) => return *refusal,
    };
    let Some(step) = path.get("step").and_then(|s| Step::of(s)) else {
        return refused(&r, AppError::not_found("step", "no such form"));
    };
    if let Err(e) = may_act(&web, &who, &m.code) {
        return refused(&r, e);
    }
    let l = r.l;
    let staff = &web.settings.apps.staff;
    let mut bad = Vec::new();
    let effective = date(l, &form, "effective", &mut bad);
    let reason = text(&form, "reason").to_string();
    let c = candidate.clone();
    let v = vacancy.as_str();
    let choose = |name: &str, options: &[&str], bad: &mut Vec<_>| {
        let given = text(&form, name);
        if options.contains(&given) {
            Some(given == options[0])
        } else {
            bad.push((Some(name.to_string()), l.t("recruit-choose-one")));
            None
        }
    };
    let result = match step {
        Step::Advance => {
            let to = match text(&form, "to") {
                "screened" => Some(CandidateStage::Screened),
                "interviewed" => Some(CandidateStage::Interviewed),
                _ => {
                    bad.push((None, l.t("recruit-refused-invalid")));
                    None
                }
            };
            match (to, effective) {
                (Some(to), Some(on)) if bad.is_empty() => Some(
                    staff
                        .advance_candidate(&who, v, c, to, on)
                        .await
                        .map(|_| ()),
                ),
                _ => None,
            }
        }
        Step::Vetting => {
            let passed = choose("result", &["passed", "failed"], &mut bad);
            match (passed, effective) {
                (Some(passed), Some(on)) if bad.is_empty() => {
                    let notes = text(&form, "notes").to_string();
                    Some(
                        staff
                            .record_vetting(&who, v, c, passed, notes, on)
                            .await
                            .map(|_| ()),
                    )
                }
                _ => None,
            }
        }
        Step::Offer => {
            let kind = match text(&form, "kind") {
                "fixed-term" => Some(AppointmentKind::FixedTerm),
                "temporary" => Some(AppointmentKind::Temporary),
                _ => {
                    bad.push((Some("kind".into()), l.t("recruit-choose-one")));
                    None
                }
            };
            let start = date(l, &form, "start", &mut bad);
            let end = date(l, &form, "end", &mut bad);
            match (kind, start, end, effective) {
                (Some(kind), Some(start), Some(end), Some(on)) if bad.is_empty() => {
                    let grade = text(&form, "grade").to_string();
                    let appointment = Appointment { kind, start, end };
                    Some(
                        staff
                            .make_offer(&who, v, c, grade, appointment, on)
                            .await
                            .map(|_| ()),
                    )
                }
                _ => None,
            }
        }
        Step::Answer => {
            let accepted = choose("answer", &["accepted", "declined"], &mut bad);
            match (accepted, effective) {
                (Some(accepted), Some(on)) if bad.is_empty() => Some(
                    staff
                        .answer_offer(&who, v, c, accepted, reason, on)
                        .await
                        .map(|_| ()),
                ),
                _ => None,
            }
        }
        Step::Reject => match effective {
            Some(on) => Some(
                staff
                    .reject_candidate(&who, v, c, reason, on)
                    .await
                    .map(|_| ()),
            ),
            None => None,
        },
        Step::Withdraw => match effective {
            Some(on) => Some(
                staff
                    .withdraw_candidate(&who, v, c, reason, on)
                    .await
                    .map(|_| ()),
            ),
            None => None,
        },
        Step::Hire => match effective {
            Some(on) => {
                let request = HireRequest {
                    vacancy_id: vacancy.clone(),
                    candidate_id: c,
                    index_number: text(&form, "indexNumber").to_string(),
                    home_community: text(&form, "homeCommunity").to_string(),
                    effective: on,
                };
                Some(staff.hire_candidate(&who, request).await.map(|_| ()))
            }
            None => None,
        },
    };
    let result = result.map(|r| r.map(|_| step.slug()));
    let form_id = format!("{candidate}-{}", step.slug());
    finish(&web, &r, &who, &m, &vacancy, &form_id, &form, bad, result)
}

/// The form's input an application layer's field is about.
pub(super) fn input_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "baseId" | "fieldOfficeId" => "place",
        "title" => "title",
        "requiredLanguages" => "requiredLanguages",
        "notes" => "notes",
        "effective" => "effective",
        "reason" => "reason",
        "name" => "name",
        "languages" | "languages.language" | "languages.level" => "languages",
        "grade" => "grade",
        "appointment.start" => "start",
        "appointment.end" => "end",
        "indexNumber" => "indexNumber",
        "homeCommunity" => "homeCommunity",
        _ => return None,
    })
}

/// A refusal of the recruitment rules in the reader's words, beside the input it concerns;
/// `None` for a refusal that is not about the input (not allowed, not available).
fn in_words(l: L10n, e: &AppError) -> Option<(Option<String>, String)> {
    if !matches!(
        e.code,
        ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
    ) {
        return None;
    }
    let d = |name: &str| e.detail(name).unwrap_or("").to_string();
    let stage = |name: &str| {
        let key = match e.detail(name).unwrap_or("") {
            "applied" => "recruit-stage-applied",
            "screened" => "recruit-stage-screened",
            "interviewed" => "recruit-stage-interviewed",
            "vetted" => "recruit-stage-vetted",
            "offered" => "recruit-stage-offered",
            _ => "recruit-stage-hired",
        };
        l.t(key)
    };
    let field = e.field.as_deref().and_then(input_of).map(str::to_string);
    let words = match e.detail("rule").unwrap_or("") {
        "candidate-stage" => l.t_args(
            "recruit-refused-stage",
            &[
                ("name", d("name")),
                ("stage", stage("stage")),
                ("needed", stage("needed")),
            ],
        ),
        "candidate-out" => l.t_args(
            "recruit-refused-out",
            &[
                ("name", d("name")),
                (
                    "outcome",
                    l.t(match d("outcome").as_str() {
                        "rejected" => "recruit-outcome-rejected",
                        "withdrawn" => "recruit-outcome-withdrawn",
                        "declined" => "recruit-outcome-declined",
                        _ => "recruit-outcome-hired",
                    }),
                ),
            ],
        ),
        "vacancy-not-open" => l.t(if d("status") == "cancelled" {
            "recruit-refused-cancelled"
        } else {
            "recruit-refused-filled"
        }),
        "offer-accepted" => l.t("recruit-refused-offer-accepted"),
        "offer-not-accepted" => l.t("recruit-refused-offer-not-accepted"),
        "index-number-held" => l.t_args("recruit-refused-index-held", &[("number", d("number"))]),
        _ => match (e.code, e.field.as_deref()) {
            (_, Some("effective")) => l.t("recruit-refused-effective"),
            (_, Some("baseId" | "fieldOfficeId")) => l.t("recruit-refused-place"),
            (_, Some("title")) => l.t("recruit-refused-title"),
            (_, Some("name")) => l.t("recruit-refused-name"),
            (_, Some("grade")) => l.t("recruit-refused-grade"),
            (_, Some("indexNumber")) => l.t("recruit-refused-index-number"),
            (_, Some("appointment.start")) => l.t("recruit-refused-start"),
            (_, Some("appointment.end")) => l.t("recruit-refused-end"),
            (_, Some("languages" | "languages.language" | "languages.level")) => {
                l.t("recruit-refused-languages")
            }
            (_, Some("reason" | "notes" | "requiredLanguages" | "homeCommunity")) => {
                l.t("recruit-refused-too-long")
            }
            (ErrorCode::NotFound, _) => l.t("recruit-refused-not-found"),
            (ErrorCode::Conflict, _) => l.t("recruit-refused-conflict"),
            _ => l.t("recruit-refused-invalid"),
        },
    };
    Some((field, words))
}
