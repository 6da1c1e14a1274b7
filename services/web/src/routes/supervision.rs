//! Management coverage: the page (as of a date, as known at a time) from the supervision
//! application layer's `management_coverage`, and its forms — appoint a manager, record that a
//! manager leaves, assign a supervisor, end a supervision, record a field visit — each one call to
//! that layer as the signed-in person; a refusal shows the page again (400) with the form as
//! filled and the refusal in words beside its field, nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, ErrorCode, Principal};
use cla_staffing::projections::BoardFilter;
use cla_supervision::app::{
    AppointManager, AssignSupervisor, EndSupervision, ManagerLeaves, RecordFieldVisit,
    SupervisionApp,
};
use cla_supervision::events::ManagerKind;

use super::actions::{Bad, chosen, date, text};
use super::{MissionRequest, mission_page, param, posted_by, redirect, refusal, refused};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::refusal::Refused;
use crate::pages::supervision::{self, Forms, SupervisionPage};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/supervision", get(show))
        .route("/missions/{code}/supervision/assign", post(assign))
        .route("/missions/{code}/supervision/visit", post(visit))
        .route("/missions/{code}/supervision/appoint", post(appoint))
        .route("/missions/{code}/supervision/leave", post(leave))
        .route("/missions/{code}/supervision/end", post(end))
}

/// The kinds of manager: the form's value and its catalogue key.
const KINDS: [(ManagerKind, &str, &str); 3] = [
    (
        ManagerKind::InternationalStaff,
        "international-staff",
        "supervision-kind-international-staff",
    ),
    (
        ManagerKind::UnVolunteer,
        "un-volunteer",
        "supervision-kind-un-volunteer",
    ),
    (
        ManagerKind::SeniorCla,
        "senior-cla",
        "supervision-kind-senior-cla",
    ),
];

/// What was posted, for the page drawn again.
struct Posted<'a> {
    form: &'static str,
    values: &'a HashMap<String, String>,
    errors: Vec<Bad>,
}

fn draw(web: &Web, m: MissionRequest, status: StatusCode, posted: Option<Posted<'_>>) -> Response {
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
    let apps = &web.settings.apps;
    let answer = apps
        .supervision
        .management_coverage(&who, &code, &view)
        .and_then(|coverage| {
            let offices = apps.registry.field_offices(&who, &code, &view)?;
            let board = apps
                .staffing
                .base_board(&who, &code, &BoardFilter::default(), &view)?;
            Ok((coverage, offices, board))
        });
    let (coverage, offices, mut board) = match answer {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    board.sort_by(|a, b| a.name.cmp(&b.name));
    let office_name = |id: &str| {
        offices
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let clas: Vec<(String, String)> = board
        .iter()
        .flat_map(|b| {
            b.clas
                .iter()
                .map(|c| (c.staff_id.clone(), format!("{} — {}", c.name, b.name)))
        })
        .collect();
    let cla_name = |id: &str| {
        clas.iter()
            .find(|(s, _)| s == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let empty = HashMap::new();
    let values = posted.as_ref().map_or(&empty, |p| p.values);
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let errors = posted.as_ref().map_or(Vec::new(), |p| p.errors.clone());
    let forms = apps.supervision.may_change(&who, &code).then(|| Forms {
        csrf: &r.csrf,
        managers: coverage
            .mission
            .spans
            .iter()
            .map(|s| (s.manager_id.clone(), s.name.clone()))
            .collect(),
        clas: clas.clone(),
        bases: board
            .iter()
            .map(|b| (b.base_id.clone(), b.name.clone()))
            .collect(),
        offices: offices
            .iter()
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect(),
        kinds: KINDS
            .iter()
            .map(|(_, v, key)| (v.to_string(), l.t(key)))
            .collect(),
        posted: posted.as_ref().map(|p| p.form),
        value: &value,
        errors: &errors,
    });
    let done = match param(&q, "done") {
        Some("assign") => Some("supervision-done-assign"),
        Some("visit") => Some("supervision-done-visit"),
        Some("appoint") => Some("supervision-done-appoint"),
        Some("leave") => Some("supervision-done-leave"),
        Some("end") => Some("supervision-done-end"),
        _ => None,
    };
    let action = format!("/missions/{code}/supervision");
    let body = supervision::body(
        l,
        &SupervisionPage {
            code: &code,
            coverage: &coverage,
            office_name: &office_name,
            cla_name: &cla_name,
            forms,
            done,
        },
        &travel,
    );
    mission_page(
        &r,
        status,
        l.t_args(
            "supervision-title",
            &[("mission", code.clone()), ("date", l.date(view.as_of))],
        ),
        &code,
        (&action, &travel, Vec::new()),
        body,
    )
}

async fn show(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw(&web, m, StatusCode::OK, None)
}

/// A refusal of the management rules in words, beside the form's field it is about: the forms'
/// own names, unique on the page (the visit's manager is `visitManagerId`, the appointed manager's
/// name `managerName`, the leaving manager `leavingManagerId`, ...).
fn words(l: L10n, form: &'static str, e: &AppError) -> Bad {
    let field = e.field.as_deref().unwrap_or("");
    let key = match (e.code, field) {
        (ErrorCode::NotFound, "fieldOfficeId") => "supervision-refused-office-unknown",
        (ErrorCode::Validation, "kind") => "actions-choose-one",
        (ErrorCode::NotFound, "staffId") if form == "appoint" => "supervision-refused-coordinator",
        (ErrorCode::Validation, "name") => "supervision-refused-name",
        (ErrorCode::NotFound, "staffId") if form == "end" => "supervision-refused-not-supervised",
        (ErrorCode::Validation, "on") if form == "leave" => "supervision-refused-leaves-before",
        (ErrorCode::Validation, "on") => "supervision-refused-ends-before",
        (ErrorCode::NotFound, "managerId") => "supervision-refused-manager-unknown",
        (ErrorCode::Conflict, "managerId") => "supervision-refused-manager-inactive",
        (ErrorCode::NotFound, "staffId") => "supervision-refused-cla-unknown",
        (ErrorCode::Validation, "from") if form == "assign" => "supervision-refused-reassign",
        (ErrorCode::NotFound, "baseId") => "supervision-refused-base-unknown",
        (ErrorCode::Validation, "to") => "supervision-refused-visit-ends-before",
        (ErrorCode::Validation, "purpose") => "supervision-refused-purpose",
        (ErrorCode::Conflict, _) => "actions-refused-conflict",
        _ => "actions-refused-invalid",
    };
    let field = match (form, field) {
        ("visit", "managerId") => "visitManagerId",
        ("visit", "from") => "visitFrom",
        ("visit", "to") => "visitTo",
        ("appoint", "name") => "managerName",
        ("appoint", "staffId") => "coordinatorId",
        ("appoint", "from") => "appointFrom",
        ("leave", "managerId") => "leavingManagerId",
        ("leave", "on") => "leavesOn",
        ("end", "staffId") => "endStaffId",
        ("end", "on") => "endOn",
        (_, f) => f,
    };
    (Some(field.to_string()).filter(|f| !f.is_empty()), l.t(key))
}

/// Who posted a form of this page: the signed-in person, where the form carries its token and
/// the supervision app lets them change the mission's management.
fn sender(
    web: &Web,
    m: &MissionRequest,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(L10n, Principal), Box<Response>> {
    let (r, who) = posted_by(web, headers, &m.uri, form)?;
    if !web.settings.apps.supervision.may_change(&who, &m.code) {
        return Err(Box::new(refusal(&r, Refused::Forbidden)));
    }
    Ok((r.l, who))
}

/// A form of this page posted: its inputs read (`read` notes what cannot be, beside it), then one
/// call to the supervision app as the sender, answering the day the change is on; back to the
/// page, or the form again with the refusal beside its field.
async fn submit<I>(
    web: &Web,
    m: MissionRequest,
    headers: &HeaderMap,
    form: HashMap<String, String>,
    which: &'static str,
    read: impl FnOnce(L10n, &HashMap<String, String>, &mut Vec<Bad>) -> I,
    call: impl AsyncFnOnce(&SupervisionApp, &Principal, I) -> AppResult<NaiveDate>,
) -> Response {
    let (l, who) = match sender(web, &m, headers, &form) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    let mut bad = Vec::new();
    let input = read(l, &form, &mut bad);
    let outcome = if bad.is_empty() {
        call(&web.settings.apps.supervision, &who, input).await
    } else {
        Err(AppError::validation("", "invalid"))
    };
    finish(web, m, &form, which, bad, outcome)
}

async fn assign(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let read = |l, form: &HashMap<String, String>, bad: &mut Vec<Bad>| AssignSupervisor {
        manager_id: chosen(l, form, "managerId", bad),
        staff_id: chosen(l, form, "staffId", bad),
        from: date(l, form, "from", bad).unwrap_or_default(),
    };
    let call = async |app: &SupervisionApp, who: &Principal, input| {
        app.assign_supervisor(who, input).await.map(|c| c.as_of)
    };
    submit(&web, m, &headers, form, "assign", read, call).await
}

async fn visit(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let read = |l, form: &HashMap<String, String>, bad: &mut Vec<Bad>| RecordFieldVisit {
        manager_id: chosen(l, form, "visitManagerId", bad),
        base_id: chosen(l, form, "baseId", bad),
        from: date(l, form, "visitFrom", bad).unwrap_or_default(),
        to: date(l, form, "visitTo", bad).unwrap_or_default(),
        purpose: text(form, "purpose").to_string(),
        notes: text(form, "notes").to_string(),
    };
    let call = async |app: &SupervisionApp, who: &Principal, input| {
        app.record_field_visit(who, input).await.map(|c| c.as_of)
    };
    submit(&web, m, &headers, form, "visit", read, call).await
}

async fn appoint(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let read = |l: L10n, form: &HashMap<String, String>, bad: &mut Vec<Bad>| {
        let field_office_id = chosen(l, form, "fieldOfficeId", bad);
        let given = text(form, "kind");
        let kind = KINDS.iter().find(|(_, v, _)| *v == given).map(|(k, ..)| *k);
        if kind.is_none() {
            bad.push((Some("kind".into()), l.t("actions-choose-one")));
        }
        let kind = kind.unwrap_or(ManagerKind::Unspecified);
        let staff_id = if kind == ManagerKind::SeniorCla {
            Some(chosen(l, form, "coordinatorId", bad))
        } else {
            None
        };
        AppointManager {
            field_office_id,
            name: text(form, "managerName").to_string(),
            kind,
            staff_id,
            from: date(l, form, "appointFrom", bad).unwrap_or_default(),
        }
    };
    let call = async |app: &SupervisionApp, who: &Principal, input| {
        app.appoint_manager(who, input)
            .await
            .map(|a| a.coverage.as_of)
    };
    submit(&web, m, &headers, form, "appoint", read, call).await
}

async fn leave(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let read = |l, form: &HashMap<String, String>, bad: &mut Vec<Bad>| ManagerLeaves {
        manager_id: chosen(l, form, "leavingManagerId", bad),
        on: date(l, form, "leavesOn", bad).unwrap_or_default(),
    };
    let call = async |app: &SupervisionApp, who: &Principal, input| {
        app.manager_leaves(who, input).await.map(|c| c.as_of)
    };
    submit(&web, m, &headers, form, "leave", read, call).await
}

async fn end(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let read = |l, form: &HashMap<String, String>, bad: &mut Vec<Bad>| EndSupervision {
        staff_id: chosen(l, form, "endStaffId", bad),
        on: date(l, form, "endOn", bad).unwrap_or_default(),
    };
    let call = async |app: &SupervisionApp, who: &Principal, input| {
        app.end_supervision(who, input).await.map(|c| c.as_of)
    };
    submit(&web, m, &headers, form, "end", read, call).await
}

/// Back to the page (as of the change's day where it is not today), or the form again with
/// the refusal beside its field.
fn finish(
    web: &Web,
    m: MissionRequest,
    form: &HashMap<String, String>,
    which: &'static str,
    mut bad: Vec<Bad>,
    outcome: Result<NaiveDate, AppError>,
) -> Response {
    let l = m.r.l;
    match outcome {
        Ok(on) => {
            let as_of = if on == super::today(web) {
                String::new()
            } else {
                format!("asOf={on}&")
            };
            redirect(
                &format!("/missions/{}/supervision?{as_of}done={which}", m.code),
                &m.r.cookies,
            )
        }
        Err(e)
            if !bad.is_empty()
                || matches!(
                    e.code,
                    ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
                ) =>
        {
            if bad.is_empty() {
                bad.push(words(l, which, &e));
            }
            let mut values = form.clone();
            values.remove("csrf");
            // Drawn as of today: the form's page, not a past one.
            let m = MissionRequest {
                view: View::on(super::today(web)),
                travel: Default::default(),
                ..m
            };
            draw(
                web,
                m,
                StatusCode::BAD_REQUEST,
                Some(Posted {
                    form: which,
                    values: &values,
                    errors: bad,
                }),
            )
        }
        Err(e) => refused(&m.r, e),
    }
}
