//! The mission's set-up: its page (name, policy, field offices, bases) and a base's own page
//! (change it, start closing it, cancel the closing, close it), each form a POST through the
//! registry's application layer as the signed-in person, then back to the page (POST-redirect-GET).
//! Who may act is the registry's (`may_administer`, `may_manage`); a refusal of the input draws
//! the page again (400) with the form as filled and the refusal in words beside its field, and
//! nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_registry::app::{
    BaseFilter, BaseStep, ChangeBase, ChangeMissionPolicy, OpenBase, OpenFieldOffice,
    RenameFieldOffice, RenameMission,
};
use cla_registry::commands::{BaseDetails, BaseDetailsPatch, StaffingPolicyChange};
use cla_registry::decider::BaseStatus;
use cla_registry::events::{BaseKind, DeploymentModel};

use super::{MissionRequest, Reader, mission_page, param, posted_by, redirect, refused};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::setup::{
    self, BaseRow, BaseSetupPage, HistoryRow, Input, OfficeRow, PolicyRow, SetupForm, SetupPage,
};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/setup", get(show))
        .route("/missions/{code}/setup/{form}", post(act))
        .route("/missions/{code}/setup/bases/{base}", get(show_base))
        .route("/missions/{code}/setup/bases/{base}/{form}", post(act_base))
}

/// A refusal of the input, beside its field (`None`: the whole form).
type Bad = (Option<String>, String);

/// The form drawn again after a refusal: its slug, its values as sent, the refusals.
struct Refill {
    slug: String,
    values: HashMap<String, String>,
    errors: Vec<Bad>,
}

const KINDS: [(BaseKind, &str, &str); 4] = [
    (
        BaseKind::CompanyOperatingBase,
        "company-operating-base",
        "setup-kind-company-operating-base",
    ),
    (
        BaseKind::TemporaryOperatingBase,
        "temporary-operating-base",
        "setup-kind-temporary-operating-base",
    ),
    (
        BaseKind::StandingCombatDeployment,
        "standing-combat-deployment",
        "setup-kind-standing-combat-deployment",
    ),
    (
        BaseKind::RegionalOffice,
        "regional-office",
        "setup-kind-regional-office",
    ),
];

const MODELS: [(DeploymentModel, &str, &str); 2] = [
    (
        DeploymentModel::CoLocated,
        "co-located",
        "setup-model-co-located",
    ),
    (
        DeploymentModel::RegionalOffices,
        "regional-offices",
        "setup-model-regional-offices",
    ),
];

/// The policy's numbers: the form's name and its catalogue key.
const POLICY_NUMBERS: [(&str, &str); 6] = [
    ("minimumClasPerBase", "setup-policy-minimum"),
    ("maxSpanOfControl", "setup-policy-span"),
    ("checkInIntervalHours", "setup-policy-check-in-interval"),
    ("checkInGraceHours", "setup-policy-check-in-grace"),
    ("fieldVisitIntervalDays", "setup-policy-visit-interval"),
    ("maxTourMonths", "setup-policy-tour"),
];

fn kind_label(l: L10n, kind: BaseKind) -> String {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or_else(|| l.t("setup-choose"), |(_, _, key)| l.t(key))
}

fn kind_slug(kind: BaseKind) -> String {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, s, _)| s)
        .to_string()
}

fn status_label(l: L10n, status: BaseStatus) -> String {
    l.t(match status {
        BaseStatus::Open => "setup-status-open",
        BaseStatus::Closing => "setup-status-closing",
        BaseStatus::Closed => "setup-status-closed",
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn text<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |s| s.trim())
}

fn date(l: L10n, form: &HashMap<String, String>, bad: &mut Vec<Bad>) -> NaiveDate {
    match NaiveDate::parse_from_str(text(form, "effective"), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            bad.push((Some("effective".into()), l.t("setup-date-invalid")));
            NaiveDate::MIN
        }
    }
}

/// A number where one is given; blank is none.
fn number(l: L10n, form: &HashMap<String, String>, name: &str, bad: &mut Vec<Bad>) -> Option<u32> {
    let v = text(form, name);
    if v.is_empty() {
        return None;
    }
    match v.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            bad.push((Some(name.to_string()), l.t("setup-number-invalid")));
            None
        }
    }
}

fn effective_input(l: L10n) -> Input {
    Input::Date {
        name: "effective",
        label: l.t("setup-field-effective"),
    }
}

fn base_inputs(l: L10n, offices: &[(String, String)]) -> Vec<Input> {
    vec![
        Input::Text {
            name: "name",
            label: l.t("setup-field-base-name"),
        },
        Input::Select {
            name: "kind",
            label: l.t("setup-field-kind"),
            options: KINDS
                .iter()
                .map(|(_, s, key)| (s.to_string(), l.t(key)))
                .collect(),
        },
        Input::Select {
            name: "fieldOfficeId",
            label: l.t("setup-field-office"),
            options: offices.to_vec(),
        },
        Input::Text {
            name: "contingent",
            label: l.t("setup-field-contingent"),
        },
        Input::Text {
            name: "localLanguages",
            label: l.t("setup-field-languages"),
        },
        Input::Check {
            name: "alertNetworkWorking",
            label: l.t("setup-field-alert-network"),
        },
        Input::Number {
            name: "minimumOverride",
            label: l.t("setup-field-minimum-override"),
        },
        effective_input(l),
    ]
}

fn base_values(d: &BaseDetails, today: NaiveDate) -> HashMap<String, String> {
    HashMap::from([
        ("name".to_string(), d.name.clone()),
        ("kind".to_string(), kind_slug(d.kind)),
        ("fieldOfficeId".to_string(), d.field_office_id.clone()),
        ("contingent".to_string(), d.contingent.clone()),
        ("localLanguages".to_string(), d.local_languages.join(", ")),
        (
            "alertNetworkWorking".to_string(),
            if d.alert_network_working { "yes" } else { "" }.to_string(),
        ),
        (
            "minimumOverride".to_string(),
            d.minimum_override
                .map(|m| m.to_string())
                .unwrap_or_default(),
        ),
        ("effective".to_string(), day(today)),
    ])
}

/// A form, as filled after a refusal where it is the refused one, with `values` otherwise.
fn make(
    refill: &Option<Refill>,
    slug: String,
    action: String,
    (legend, hint, submit): (String, Option<String>, String),
    inputs: Vec<Input>,
    values: HashMap<String, String>,
) -> SetupForm {
    let (values, errors) = match refill {
        Some(r) if r.slug == slug => (r.values.clone(), r.errors.clone()),
        _ => (values, Vec::new()),
    };
    SetupForm {
        id: slug,
        action,
        legend,
        hint,
        inputs,
        values,
        errors,
        submit,
    }
}

fn done_banner(l: L10n, q: &HashMap<String, String>) -> Option<String> {
    let key = match param(q, "done")? {
        "rename-mission" => "setup-done-rename-mission",
        "policy" => "setup-done-policy",
        "open-office" => "setup-done-open-office",
        "rename-office" => "setup-done-rename-office",
        "open-base" => "setup-done-open-base",
        "change" => "setup-done-change",
        "start-closing" => "setup-done-start-closing",
        "cancel-closing" => "setup-done-cancel-closing",
        "close" => "setup-done-close",
        "created" => "mission-new-done",
        _ => return None,
    };
    Some(l.t(key))
}

// ---------------------------------------------------------------------------------------------
// The mission's set-up page

fn setup_page(
    web: &Web,
    m: &MissionRequest,
    r: &Reader,
    who: &Principal,
    status: StatusCode,
    refill: Option<Refill>,
) -> Response {
    let l = r.l;
    let code = &m.code;
    let view = &m.view;
    let registry = &web.settings.apps.registry;
    let answer = (|| {
        let mission = registry.mission(who, code, view)?;
        let offices = registry.field_offices(who, code, view)?;
        let bases = registry.bases(who, code, &BaseFilter::default(), view)?;
        let history = registry.mission_history(who, code, view)?;
        Ok::<_, AppError>((mission, offices, bases, history))
    })();
    let (mission, offices, bases, history) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let today = super::today(web);
    let administers = registry.may_administer(who).is_ok();
    let manages = registry.may_manage(who, code).is_ok();
    let p = &mission.policy;
    let model = MODELS
        .iter()
        .find(|(d, _, _)| *d as i32 == p.deployment_model)
        .map_or_else(String::new, |(_, _, key)| l.t(key));
    let count = |n: u32| l.count(n);
    let policy = vec![
        (l.t("setup-policy-minimum"), count(p.minimum_clas_per_base)),
        (l.t("setup-policy-model"), model),
        (l.t("setup-policy-span"), count(p.max_span_of_control)),
        (
            l.t("setup-policy-check-in-interval"),
            count(p.check_in_interval_hours),
        ),
        (
            l.t("setup-policy-check-in-grace"),
            count(p.check_in_grace_hours),
        ),
        (
            l.t("setup-policy-visit-interval"),
            count(p.field_visit_interval_days),
        ),
        (l.t("setup-policy-tour"), count(p.max_tour_months)),
    ]
    .into_iter()
    .map(|(label, value)| PolicyRow { label, value })
    .collect();
    let office_options: Vec<(String, String)> = offices
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    let office_name = |id: &str| {
        offices
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let base_name = |id: &str| {
        bases
            .iter()
            .find(|b| b.base.id == id)
            .map_or_else(|| id.to_string(), |b| b.base.details.name.clone())
    };
    let today_only = || HashMap::from([("effective".to_string(), day(today))]);
    let post = |slug: &str| format!("/missions/{code}/setup/{slug}");
    let office_rows = offices
        .iter()
        .map(|o| OfficeRow {
            name: o.name.clone(),
            opened_on: l.date(o.opened_on),
            bases: bases
                .iter()
                .filter(|b| b.base.details.field_office_id == o.id)
                .count(),
            rename: manages.then(|| {
                let mut values = today_only();
                values.insert("name".into(), o.name.clone());
                values.insert("fieldOfficeId".into(), o.id.clone());
                make(
                    &refill,
                    format!("rename-office-{}", o.id),
                    post("rename-office"),
                    (
                        l.t_args("setup-rename-office-legend", &[("office", o.name.clone())]),
                        None,
                        l.t("setup-rename-office-submit"),
                    ),
                    vec![
                        Input::Hidden {
                            name: "fieldOfficeId",
                        },
                        Input::Text {
                            name: "name",
                            label: l.t("setup-field-office-name"),
                        },
                        effective_input(l),
                    ],
                    values,
                )
            }),
        })
        .collect();
    let base_rows = bases
        .iter()
        .map(|b| BaseRow {
            href: m
                .travel
                .link(&format!("/missions/{code}/setup/bases/{}", b.base.id), &[]),
            name: b.base.details.name.clone(),
            kind: kind_label(l, b.base.details.kind),
            office: office_name(&b.base.details.field_office_id),
            status: status_label(l, b.base.status),
            minimum: match b.base.details.minimum_override {
                Some(own) => l.t_args("setup-base-minimum-own", &[("n", l.count(own))]),
                None => l.t_args("setup-base-minimum-policy", &[("n", l.count(b.minimum()))]),
            },
        })
        .collect();
    let mut mission_forms = Vec::new();
    if administers {
        let mut values = today_only();
        values.insert("name".into(), mission.name.clone());
        values.insert("country".into(), mission.country.clone());
        mission_forms.push(make(
            &refill,
            "rename-mission".into(),
            post("rename-mission"),
            (
                l.t("setup-rename-mission-legend"),
                None,
                l.t("setup-rename-mission-submit"),
            ),
            vec![
                Input::Text {
                    name: "name",
                    label: l.t("setup-field-mission-name"),
                },
                Input::Text {
                    name: "country",
                    label: l.t("setup-field-country"),
                },
                effective_input(l),
            ],
            values,
        ));
        let mut inputs = policy_inputs(l);
        inputs.push(effective_input(l));
        mission_forms.push(make(
            &refill,
            "policy".into(),
            post("policy"),
            (
                l.t("setup-policy-legend"),
                Some(l.t("setup-policy-hint")),
                l.t("setup-policy-submit"),
            ),
            inputs,
            today_only(),
        ));
    }
    let mut manage_forms = Vec::new();
    if manages {
        manage_forms.push(make(
            &refill,
            "open-office".into(),
            post("open-office"),
            (
                l.t("setup-open-office-legend"),
                None,
                l.t("setup-open-office-submit"),
            ),
            vec![
                Input::Text {
                    name: "name",
                    label: l.t("setup-field-office-name"),
                },
                effective_input(l),
            ],
            today_only(),
        ));
        let mut values = today_only();
        values.insert("alertNetworkWorking".into(), "yes".into());
        manage_forms.push(make(
            &refill,
            "open-base".into(),
            post("open-base"),
            (
                l.t("setup-open-base-legend"),
                Some(l.t("setup-base-hint")),
                l.t("setup-open-base-submit"),
            ),
            base_inputs(l, &office_options),
            values,
        ));
    }
    let body = setup::body(
        l,
        &r.csrf,
        &SetupPage {
            done: done_banner(l, &m.q),
            mission_name: mission.name.clone(),
            country: mission.country.clone(),
            created_on: l.date(mission.created_on),
            policy,
            offices: office_rows,
            bases: base_rows,
            mission_forms,
            manage_forms,
            read_only: (!administers && !manages).then(|| l.t("setup-read-only")),
            history_total: history.len(),
            history: history
                .iter()
                .take(setup::HISTORY_SHOWN)
                .map(|h| HistoryRow {
                    effective: l.date(h.effective),
                    what: change_words(l, h, &mission.name, &office_name, &base_name),
                    recorded_by: l.t_args(
                        "profile-recorded-by",
                        &[
                            ("at", l.date_time(h.recorded)),
                            ("who", h.actor_id.clone()),
                            ("role", h.actor_role.clone()),
                        ],
                    ),
                })
                .collect(),
        },
    );
    mission_page(
        r,
        status,
        l.t_args(
            "setup-title",
            &[("mission", mission.code), ("date", l.date(view.as_of))],
        ),
        code,
        (&format!("/missions/{code}/setup"), &m.travel, Vec::new()),
        body,
    )
}

async fn show(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    setup_page(&web, &m, &m.r, &m.who, StatusCode::OK, None)
}

/// The last segments of the request's path, from the end.
fn segment(m: &MissionRequest, from_end: usize) -> String {
    m.uri
        .path()
        .rsplit('/')
        .nth(from_end)
        .unwrap_or_default()
        .to_string()
}

/// A change of the mission's registry in words, naming what it was about.
fn change_words(
    l: L10n,
    h: &cla_registry::projections::AuditEntry,
    mission: &str,
    office_name: &dyn Fn(&str) -> String,
    base_name: &dyn Fn(&str) -> String,
) -> String {
    let (key, name) = match h.event_type.split('.').next().unwrap_or_default() {
        "MissionCreated" => ("setup-change-mission-created", mission.to_string()),
        "MissionRenamed" => ("setup-change-mission-renamed", mission.to_string()),
        "MissionPolicyChanged" => ("setup-change-policy", mission.to_string()),
        "FieldOfficeOpened" => ("setup-change-office-opened", office_name(&h.subject)),
        "FieldOfficeRenamed" => ("setup-change-office-renamed", office_name(&h.subject)),
        "BaseOpened" => ("setup-change-base-opened", base_name(&h.subject)),
        "BaseDetailsChanged" => ("setup-change-base-changed", base_name(&h.subject)),
        "BaseClosingStarted" => ("setup-change-base-closing", base_name(&h.subject)),
        "BaseClosingCancelled" => ("setup-change-base-closing-cancelled", base_name(&h.subject)),
        "BaseClosed" => ("setup-change-base-closed", base_name(&h.subject)),
        _ => ("setup-change-other", h.subject.clone()),
    };
    l.t_args(key, &[("name", name)])
}

/// The policy's inputs: its numbers, and the deployment model second.
pub(super) fn policy_inputs(l: L10n) -> Vec<Input> {
    let mut inputs: Vec<Input> = POLICY_NUMBERS
        .iter()
        .map(|(name, key)| Input::Number {
            name,
            label: l.t(key),
        })
        .collect();
    inputs.insert(
        1,
        Input::Select {
            name: "deploymentModel",
            label: l.t("setup-policy-model"),
            options: MODELS
                .iter()
                .map(|(_, s, key)| (s.to_string(), l.t(key)))
                .collect(),
        },
    );
    inputs
}

/// A policy's figures as its form's values.
pub(super) fn policy_values(p: &cla_registry::events::StaffingPolicy) -> HashMap<String, String> {
    let model = MODELS
        .iter()
        .find(|(d, _, _)| *d as i32 == p.deployment_model)
        .map_or("", |(_, s, _)| s);
    [
        ("minimumClasPerBase", p.minimum_clas_per_base.to_string()),
        ("deploymentModel", model.to_string()),
        ("maxSpanOfControl", p.max_span_of_control.to_string()),
        (
            "checkInIntervalHours",
            p.check_in_interval_hours.to_string(),
        ),
        ("checkInGraceHours", p.check_in_grace_hours.to_string()),
        (
            "fieldVisitIntervalDays",
            p.field_visit_interval_days.to_string(),
        ),
        ("maxTourMonths", p.max_tour_months.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(super) fn policy_change(
    l: L10n,
    form: &HashMap<String, String>,
    bad: &mut Vec<Bad>,
) -> StaffingPolicyChange {
    let n = |name: &str, bad: &mut Vec<Bad>| number(l, form, name, bad);
    let model = text(form, "deploymentModel");
    StaffingPolicyChange {
        minimum_clas_per_base: n("minimumClasPerBase", bad),
        deployment_model: MODELS
            .iter()
            .find(|(_, s, _)| *s == model)
            .map(|(d, _, _)| *d),
        max_span_of_control: n("maxSpanOfControl", bad),
        check_in_interval_hours: n("checkInIntervalHours", bad),
        check_in_grace_hours: n("checkInGraceHours", bad),
        field_visit_interval_days: n("fieldVisitIntervalDays", bad),
        max_tour_months: n("maxTourMonths", bad),
    }
}

fn details(l: L10n, form: &HashMap<String, String>, bad: &mut Vec<Bad>) -> BaseDetails {
    let kind = text(form, "kind");
    BaseDetails {
        name: text(form, "name").to_string(),
        kind: KINDS
            .iter()
            .find(|(_, s, _)| *s == kind)
            .map_or(BaseKind::Unspecified, |(k, _, _)| *k),
        field_office_id: text(form, "fieldOfficeId").to_string(),
        contingent: text(form, "contingent").to_string(),
        local_languages: text(form, "localLanguages")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        alert_network_working: form.contains_key("alertNetworkWorking"),
        minimum_override: number(l, form, "minimumOverride", bad),
    }
}

async fn act(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let l = r.l;
    let code = m.code.clone();
    let slug = segment(&m, 0);
    let registry = &web.settings.apps.registry;
    let mut bad = Vec::new();
    let effective = date(l, &form, &mut bad);
    let result = match slug.as_str() {
        "rename-mission" => {
            let input = RenameMission {
                code: code.clone(),
                name: text(&form, "name").to_string(),
                country: text(&form, "country").to_string(),
                effective,
            };
            if !bad.is_empty() {
                Err(None)
            } else {
                registry
                    .rename_mission(&who, input)
                    .await
                    .map(|_| ())
                    .map_err(Some)
            }
        }
        "policy" => {
            let change = policy_change(l, &form, &mut bad);
            if !bad.is_empty() {
                Err(None)
            } else {
                let input = ChangeMissionPolicy {
                    code: code.clone(),
                    change,
                    effective,
                };
                registry
                    .change_mission_policy(&who, input)
                    .await
                    .map(|_| ())
                    .map_err(Some)
            }
        }
        "open-office" => {
            if !bad.is_empty() {
                Err(None)
            } else {
                let input = OpenFieldOffice {
                    mission_code: code.clone(),
                    name: text(&form, "name").to_string(),
                    effective,
                };
                registry
                    .open_field_office(&who, input)
                    .await
                    .map(|_| ())
                    .map_err(Some)
            }
        }
        "rename-office" => {
            let id = text(&form, "fieldOfficeId").to_string();
            // An office of another mission is not one of this page's.
            match registry.field_office(&who, &id, &m.view) {
                Ok(o) if o.mission_code == code => {}
                Ok(_) => return refused(&r, AppError::not_found("fieldOfficeId", "not here")),
                Err(e) => return refused(&r, e),
            }
            if !bad.is_empty() {
                Err(None)
            } else {
                let input = RenameFieldOffice {
                    field_office_id: id,
                    name: text(&form, "name").to_string(),
                    effective,
                };
                registry
                    .rename_field_office(&who, input)
                    .await
                    .map(|_| ())
                    .map_err(Some)
            }
        }
        "open-base" => {
            let details = details(l, &form, &mut bad);
            if !bad.is_empty() {
                Err(None)
            } else {
                let input = OpenBase { details, effective };
                registry
                    .open_base(&who, input)
                    .await
                    .map(|_| ())
                    .map_err(Some)
            }
        }
        _ => return refused(&r, AppError::not_found("form", "no such form")),
    };
    let refill_slug = if slug == "rename-office" {
        format!("rename-office-{}", text(&form, "fieldOfficeId"))
    } else {
        slug.clone()
    };
    let errors = match result {
        Ok(()) => {
            let as_of = if effective > super::today(&web) {
                format!("asOf={effective}&")
            } else {
                String::new()
            };
            return redirect(
                &format!("/missions/{code}/setup?{as_of}done={slug}"),
                &r.cookies,
            );
        }
        Err(None) => bad,
        Err(Some(e)) => match e.code {
            ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict => {
                vec![(e.field.clone(), words(l, &e, None))]
            }
            _ => return refused(&r, e),
        },
    };
    let mut values = form.clone();
    values.remove("csrf");
    setup_page(
        &web,
        &m,
        &r,
        &who,
        StatusCode::BAD_REQUEST,
        Some(Refill {
            slug: refill_slug,
            values,
            errors,
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// A base's set-up page

fn base_page(
    web: &Web,
    m: &MissionRequest,
    r: &Reader,
    who: &Principal,
    base_id: &str,
    status: StatusCode,
    refill: Option<Refill>,
) -> Response {
    let l = r.l;
    let code = &m.code;
    let view = &m.view;
    let apps = &web.settings.apps;
    let answer = (|| {
        let placed = apps.registry.base(who, base_id, view)?;
        if placed.base.mission_code != *code {
            return Err(AppError::not_found("baseId", "not in this mission"));
        }
        let offices = apps.registry.field_offices(who, code, view)?;
        let roster = apps.staffing.roster(who, code, view)?;
        let exposures = apps.staffing.base_closure_exposures(who, code, view)?;
        Ok((placed, offices, roster, exposures))
    })();
    let (placed, offices, roster, exposures) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let base = &placed.base;
    let today = super::today(web);
    let manages = apps.registry.may_manage(who, code).is_ok();
    let office_name = |id: &str| {
        offices
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let name_of = |id: &str| {
        roster
            .iter()
            .find(|c| c.staff_id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    // Closing: whom its start left exposed; open: who closing it now would leave exposed.
    let exposed_ids: Vec<String> = match base.status {
        BaseStatus::Closing => exposures
            .iter()
            .filter(|e| e.base_id == base.id)
            .max_by_key(|e| e.closing_started_on)
            .map(|e| e.staff_ids.clone())
            .unwrap_or_default(),
        _ => roster
            .iter()
            .filter(|c| c.base_id.as_deref() == Some(base.id.as_str()))
            .map(|c| c.staff_id.clone())
            .collect(),
    };
    let names: Vec<String> = exposed_ids.iter().map(|id| name_of(id)).collect();
    let exposure = match (base.status, names.len()) {
        (BaseStatus::Closed, _) => l.t("setup-exposure-closed"),
        (BaseStatus::Closing, 0) => l.t("setup-exposure-closing-none"),
        (BaseStatus::Closing, n) => l.t_args(
            "setup-exposure-closing",
            &[
                ("count", l.count(n)),
                ("names", names.join(", ")),
                (
                    "date",
                    base.closing_since.map(|d| l.date(d)).unwrap_or_default(),
                ),
            ],
        ),
        (_, 0) => l.t("setup-exposure-open-none"),
        (_, n) => l.t_args(
            "setup-exposure-open",
            &[("count", l.count(n)), ("names", names.join(", "))],
        ),
    };
    let exposed = exposed_ids
        .iter()
        .zip(&names)
        .map(|(id, name)| (name.clone(), format!("/missions/{code}/staff/{id}")))
        .collect();
    let d = &base.details;
    let mut facts = vec![
        (l.t("setup-base-name"), d.name.clone()),
        (l.t("setup-base-kind"), kind_label(l, d.kind)),
        (l.t("setup-base-office"), office_name(&d.field_office_id)),
        (l.t("setup-base-status"), status_label(l, base.status)),
        (l.t("setup-base-opened"), l.date(base.opened_on)),
        (l.t("setup-field-contingent"), d.contingent.clone()),
        (l.t("setup-field-languages"), d.local_languages.join(", ")),
        (
            l.t("setup-field-alert-network"),
            l.t(if d.alert_network_working {
                "setup-yes"
            } else {
                "setup-no"
            }),
        ),
        (
            l.t("setup-base-minimum"),
            match d.minimum_override {
                Some(own) => l.t_args("setup-base-minimum-own", &[("n", l.count(own))]),
                None => l.t_args(
                    "setup-base-minimum-policy",
                    &[("n", l.count(placed.minimum()))],
                ),
            },
        ),
    ];
    if let Some(since) = base.closing_since {
        facts.push((l.t("setup-base-closing-since"), l.date(since)));
    }
    if let Some(on) = base.closed_on {
        facts.push((l.t("setup-base-closed-on"), l.date(on)));
    }
    let post = |slug: &str| format!("/missions/{code}/setup/bases/{}/{slug}", base.id);
    let step = |slug: &str, [legend, hint, submit]: [&str; 3]| {
        make(
            &refill,
            slug.to_string(),
            post(slug),
            (l.t(legend), Some(l.t(hint)), l.t(submit)),
            vec![
                Input::Text {
                    name: "reason",
                    label: l.t("setup-field-reason"),
                },
                effective_input(l),
            ],
            HashMap::from([("effective".to_string(), day(today))]),
        )
    };
    let mut forms = Vec::new();
    if manages && base.status != BaseStatus::Closed {
        let options: Vec<(String, String)> = offices
            .iter()
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect();
        forms.push(make(
            &refill,
            "change".into(),
            post("change"),
            (
                l.t("setup-change-legend"),
                Some(l.t("setup-base-hint")),
                l.t("setup-change-submit"),
            ),
            base_inputs(l, &options),
            base_values(d, today),
        ));
        let refused_step = refill.as_ref().map(|r| r.slug.as_str());
        match base.status {
            // A close refused on an open base comes back with the refusal.
            BaseStatus::Open if refused_step == Some("close") => forms.push(step(
                "close",
                [
                    "setup-close-legend",
                    "setup-close-hint",
                    "setup-close-submit",
                ],
            )),
            _ => {}
        }
        match base.status {
            BaseStatus::Open => forms.push(step(
                "start-closing",
                [
                    "setup-start-closing-legend",
                    "setup-start-closing-hint",
                    "setup-start-closing-submit",
                ],
            )),
            _ => {
                forms.push(step(
                    "cancel-closing",
                    [
                        "setup-cancel-closing-legend",
                        "setup-cancel-closing-hint",
                        "setup-cancel-closing-submit",
                    ],
                ));
                forms.push(step(
                    "close",
                    [
                        "setup-close-legend",
                        "setup-close-hint",
                        "setup-close-submit",
                    ],
                ));
            }
        }
    }
    let body = setup::base_body(
        l,
        &r.csrf,
        &BaseSetupPage {
            done: done_banner(l, &m.q),
            facts: facts
                .into_iter()
                .map(|(label, value)| PolicyRow { label, value })
                .collect(),
            exposure,
            exposed,
            forms,
            read_only: (!manages).then(|| l.t("setup-read-only")),
            back: m.travel.link(&format!("/missions/{code}/setup"), &[]),
        },
    );
    mission_page(
        r,
        status,
        l.t_args(
            "setup-base-title",
            &[("base", d.name.clone()), ("date", l.date(view.as_of))],
        ),
        code,
        (
            &format!("/missions/{code}/setup/bases/{}", base.id),
            &m.travel,
            Vec::new(),
        ),
        body,
    )
}

async fn show_base(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let base_id = segment(&m, 0);
    base_page(&web, &m, &m.r, &m.who, &base_id, StatusCode::OK, None)
}

async fn act_base(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let l = r.l;
    let code = m.code.clone();
    let slug = segment(&m, 0);
    let base_id = segment(&m, 1);
    let registry = &web.settings.apps.registry;
    // The base is one of this mission's, as the reader may see it.
    let status = match registry.base(&who, &base_id, &m.view) {
        Ok(b) if b.base.mission_code == code => b.base.status,
        Ok(_) => return refused(&r, AppError::not_found("baseId", "not in this mission")),
        Err(e) => return refused(&r, e),
    };
    let mut bad = Vec::new();
    let effective = date(l, &form, &mut bad);
    let step = || BaseStep {
        base_id: base_id.clone(),
        reason: text(&form, "reason").to_string(),
        effective,
    };
    let result = if !bad.is_empty() && slug != "change" {
        Err(None)
    } else {
        match slug.as_str() {
            "change" => {
                let d = details(l, &form, &mut bad);
                if !bad.is_empty() {
                    Err(None)
                } else {
                    // Every detail as the form shows it; a blank minimum follows the policy.
                    let patch = BaseDetailsPatch::from(d);
                    let input = ChangeBase {
                        base_id: base_id.clone(),
                        patch,
                        effective,
                    };
                    registry
                        .change_base(&who, input)
                        .await
                        .map(|_| ())
                        .map_err(Some)
                }
            }
            "start-closing" => registry
                .start_closing_base(&who, step())
                .await
                .map(|_| ())
                .map_err(Some),
            "cancel-closing" => registry
                .cancel_base_closing(&who, step())
                .await
                .map(|_| ())
                .map_err(Some),
            "close" => registry
                .close_base(&who, step())
                .await
                .map(|_| ())
                .map_err(Some),
            _ => return refused(&r, AppError::not_found("form", "no such form")),
        }
    };
    let errors = match result {
        Ok(()) => {
            let as_of = if effective > super::today(&web) {
                format!("asOf={effective}&")
            } else {
                String::new()
            };
            return redirect(
                &format!("/missions/{code}/setup/bases/{base_id}?{as_of}done={slug}"),
                &r.cookies,
            );
        }
        Err(None) => bad,
        Err(Some(e)) => match e.code {
            ErrorCode::Validation
            | ErrorCode::NotFound
            | ErrorCode::Conflict
            | ErrorCode::CoverageGap => {
                let field = match e.field.as_deref() {
                    Some("baseId") | None => None,
                    Some(f) => Some(f.to_string()),
                };
                vec![(field, words(l, &e, Some((slug.as_str(), status))))]
            }
            _ => return refused(&r, e),
        },
    };
    let mut values = form.clone();
    values.remove("csrf");
    base_page(
        &web,
        &m,
        &r,
        &who,
        &base_id,
        StatusCode::BAD_REQUEST,
        Some(Refill {
            slug,
            values,
            errors,
        }),
    )
}

/// A refusal of the registry's rules as a sentence; `step` is the base form and the base's
/// status, where it is about a base.
pub(super) fn words(l: L10n, e: &AppError, step: Option<(&str, BaseStatus)>) -> String {
    let field = e.field.as_deref().unwrap_or("");
    if e.code == ErrorCode::CoverageGap {
        return l.t("setup-refused-still-deployed");
    }
    if field == "baseId" {
        return l.t(match step {
            Some((_, BaseStatus::Closed)) => "setup-refused-closed",
            Some(("start-closing", _)) => "setup-refused-already-closing",
            Some(("cancel-closing", _)) => "setup-refused-not-closing",
            Some(("close", _)) => "setup-refused-start-first",
            _ => "setup-refused-base-unknown",
        });
    }
    match (field, e.code) {
        ("code", ErrorCode::Conflict) => l.t("setup-refused-code-exists"),
        ("code", _) => l.t("setup-refused-code"),
        ("name" | "country" | "contingent" | "reason", _) => l.t("setup-refused-text"),
        ("localLanguages", _) => l.t("setup-refused-languages"),
        ("effective", _) => l.t("setup-refused-effective"),
        ("kind" | "deploymentModel", _) => l.t("setup-choose-one"),
        ("minimumOverride", _) => l.t("setup-refused-minimum-override"),
        ("fieldOfficeId", ErrorCode::Validation) => l.t("setup-refused-office-other-mission"),
        ("fieldOfficeId", _) => l.t("setup-refused-office-unknown"),
        ("minimumClasPerBase", _) => l.t("setup-refused-minimum"),
        ("maxSpanOfControl", _) => l.t("setup-refused-span"),
        ("checkInIntervalHours", _) => l.t("setup-refused-check-in-interval"),
        ("checkInGraceHours", _) => l.t("setup-refused-check-in-grace"),
        ("fieldVisitIntervalDays", _) => l.t("setup-refused-visit-interval"),
        ("maxTourMonths", _) => l.t("setup-refused-tour"),
        (_, ErrorCode::Conflict) => l.t("setup-refused-conflict"),
        _ => l.t("setup-refused-invalid"),
    }
}
