//! Management coverage: the page (as of a date, as known at a time) from the supervision
//! application layer's `management_coverage`, and its two forms — assign a supervisor, record a
//! field visit — each one call to that layer as the signed-in person; a refusal shows the page
//! again (400) with the form as filled and the refusal in words beside its field, nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_staffing::projections::BoardFilter;
use cla_supervision::app::{AssignSupervisor, RecordFieldVisit};

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
}

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
        posted: posted.as_ref().map(|p| p.form),
        value: &value,
        errors: &errors,
    });
    let done = match param(&q, "done") {
        Some("assign") => Some("supervision-done-assign"),
        Some("visit") => Some("supervision-done-visit"),
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

/// A refusal of the management rules in words, beside the form's field it is about (the form's
/// own names: the visit's dates and manager are `visitFrom`, `visitTo`, `visitManagerId`).
fn words(l: L10n, form: &'static str, e: &AppError) -> Bad {
    let field = e.field.as_deref().unwrap_or("");
    let key = match (e.code, field) {
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

async fn assign(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (l, who) = match sender(&web, &m, &headers, &form) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    let mut bad = Vec::new();
    let input = AssignSupervisor {
        manager_id: chosen(l, &form, "managerId", &mut bad),
        staff_id: chosen(l, &form, "staffId", &mut bad),
        from: date(l, &form, "from", &mut bad).unwrap_or_default(),
    };
    let outcome = if bad.is_empty() {
        web.settings
            .apps
            .supervision
            .assign_supervisor(&who, input)
            .await
            .map(|c| c.as_of)
    } else {
        Err(AppError::validation("", "invalid"))
    };
    finish(&web, m, &form, "assign", bad, outcome)
}

async fn visit(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (l, who) = match sender(&web, &m, &headers, &form) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    let mut bad = Vec::new();
    let input = RecordFieldVisit {
        manager_id: chosen(l, &form, "visitManagerId", &mut bad),
        base_id: chosen(l, &form, "baseId", &mut bad),
        from: date(l, &form, "visitFrom", &mut bad).unwrap_or_default(),
        to: date(l, &form, "visitTo", &mut bad).unwrap_or_default(),
        purpose: text(&form, "purpose").to_string(),
        notes: text(&form, "notes").to_string(),
    };
    let outcome = if bad.is_empty() {
        web.settings
            .apps
            .supervision
            .record_field_visit(&who, input)
            .await
            .map(|c| c.as_of)
    } else {
        Err(AppError::validation("", "invalid"))
    };
    finish(&web, m, &form, "visit", bad, outcome)
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
