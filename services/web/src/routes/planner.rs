//! The rotation planner: the calendar of a mission's rotations over a range, and planning a
//! rotation with its effect on both bases shown first. The preview is the staffing application
//! layer's (`preview_rotation`: the plan's own refusals, both forecasts, the gap it would open),
//! and writes nothing; confirming posts to the staffing action that plans it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Duration, Months, NaiveDate};
use cla_platform::ErrorCode;
use cla_platform::timeline::View;
use cla_registry::app::BaseFilter;
use cla_staffing::app::{ConsideredRotation, RosterEntry};

use super::actions::{Bad, chosen, date, gap_sentence, words};
use super::{MissionRequest, Reader, mission_page, page, param, posted_by, refused};
use crate::Web;
use crate::pages::actions::{self, ActionForm, Field};
use crate::pages::planner::{self, Calendar};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/rotations", get(calendar))
        .route(
            "/missions/{code}/rotations/plan",
            get(plan_form).post(preview),
        )
}

/// The first day of `day`'s month, and the last day of the second month after it.
fn default_range(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let end = first + Months::new(3) - Duration::days(1);
    (first, end)
}

async fn calendar(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
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
    let (mut from, mut to) = default_range(view.as_of);
    let mut error = None;
    let given = |name: &str| param(&q, name).map(str::trim).filter(|s| !s.is_empty());
    for (name, slot) in [("from", &mut from), ("to", &mut to)] {
        if let Some(text) = given(name) {
            match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => *slot = d,
                Err(_) => error = Some((name, l.t("planner-date-invalid"))),
            }
        }
    }
    if error.is_none() && (to - from).num_days() > 366 {
        error = Some(("to", l.t("planner-range-too-long")));
    }
    let apps = &web.settings.apps;
    let answer = apps
        .staffing
        .rotation_calendar_with(&who, &code, (Some(from), Some(to)), true, &view)
        .and_then(|rotations| {
            let bases = apps
                .registry
                .bases(&who, &code, &BaseFilter::default(), &view)?;
            Ok((rotations, bases))
        });
    let (rotations, bases) = match answer {
        Ok(a) => a,
        Err(e) if e.code == ErrorCode::Validation && error.is_none() => {
            error = Some(("to", l.t("planner-range-backwards")));
            (Vec::new(), Vec::new())
        }
        Err(e) if e.code == ErrorCode::Validation => (Vec::new(), Vec::new()),
        Err(e) => return refused(&r, e),
    };
    let names: HashMap<String, String> = bases
        .into_iter()
        .map(|b| (b.base.id, b.base.details.name))
        .collect();
    let base_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let keep = vec![
        ("from", given("from").unwrap_or_default().to_string()),
        ("to", given("to").unwrap_or_default().to_string()),
    ];
    let action = format!("/missions/{code}/rotations");
    let body = planner::calendar(
        l,
        &Calendar {
            code: &code,
            from,
            to,
            rotations: &rotations,
            base_name: &base_name,
            given: (
                given("from").map_or_else(|| from.to_string(), str::to_string),
                given("to").map_or_else(|| to.to_string(), str::to_string),
            ),
            error,
            may_plan: apps.staffing.may_change(&who, &code),
        },
        &travel,
    );
    mission_page(
        &r,
        status,
        l.t_args(
            "planner-title",
            &[("mission", code.clone()), ("date", l.date(view.as_of))],
        ),
        &code,
        (&action, &travel, keep),
        body,
    )
}

/// The planner's form: the CLA, the base they go to, the date.
fn fields(r: &Reader, roster: &[RosterEntry], bases: &[(String, String)]) -> Vec<Field> {
    let l = r.l;
    let name = |id: &str| {
        bases
            .iter()
            .find(|(b, _)| b == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    vec![
        Field::Select {
            name: "staffId",
            label: l.t("actions-field-cla"),
            options: roster
                .iter()
                .filter_map(|c| {
                    let at = c.base_id.as_deref()?;
                    Some((c.staff_id.clone(), format!("{} — {}", c.name, name(at))))
                })
                .collect(),
        },
        Field::Select {
            name: "toBaseId",
            label: l.t("actions-field-to-base"),
            options: bases.to_vec(),
        },
        Field::Date {
            name: "date",
            label: l.t("actions-field-rotation-date"),
        },
    ]
}

/// The form (filled as given), with the refusals beside their fields and the preview below.
fn draw(
    web: &Web,
    r: &Reader,
    m: &MissionRequest,
    status: StatusCode,
    values: &HashMap<String, String>,
    errors: &[(Option<String>, String)],
    below: maud::Markup,
) -> Response {
    let view = View::on(super::today(web));
    let staffing = &web.settings.apps.staffing;
    let answer = staffing.roster(&m.who, &m.code, &view).and_then(|roster| {
        let board = staffing.base_board(&m.who, &m.code, &Default::default(), &view)?;
        Ok((roster, board))
    });
    let (roster, board) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let mut bases: Vec<(String, String)> = board.into_iter().map(|b| (b.base_id, b.name)).collect();
    bases.sort_by(|a, b| a.1.cmp(&b.1));
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let action = format!("/missions/{}/rotations/plan", m.code);
    let body = maud::html! {
        p { (r.l.t("planner-plan-intro")) }
        (actions::body(r.l, &ActionForm {
            action: &action,
            csrf: &r.csrf,
            intro: None,
            fields: fields(r, &roster, &bases),
            value: &value,
            errors,
            gap: None,
            submit: r.l.t("planner-preview-submit"),
            back: format!("/missions/{}/rotations", m.code),
        }))
        (below)
    };
    // The plan takes effect on its own date: no time travel here.
    page(
        r,
        status,
        r.l.t("planner-plan-title"),
        Some(&m.code),
        None,
        body,
    )
}

async fn plan_form(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let today = super::today(&web);
    if let Err(e) =
        web.settings
            .apps
            .staffing
            .may_change_staffing(&m.who, &m.code, &View::on(today))
    {
        return refused(&m.r, e);
    }
    let mut values = HashMap::new();
    if let Some(s) = param(&m.q, "staff") {
        values.insert("staffId".to_string(), s.to_string());
    }
    values.insert(
        "date".to_string(),
        (today + Duration::days(30)).format("%Y-%m-%d").to_string(),
    );
    draw(&web, &m.r, &m, StatusCode::OK, &values, &[], maud::html! {})
}

async fn preview(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    if let Err(e) =
        web.settings
            .apps
            .staffing
            .may_change_staffing(&who, &m.code, &View::on(super::today(&web)))
    {
        return refused(&r, e);
    }
    let l = r.l;
    let mut values = form.clone();
    values.remove("csrf");
    let mut errors = Vec::new();
    let staff_id = chosen(l, &form, "staffId", &mut errors);
    let to_base_id = chosen(l, &form, "toBaseId", &mut errors);
    let date = date(l, &form, "date", &mut errors);
    let bad = |errors: &[Bad]| {
        draw(
            &web,
            &r,
            &m,
            StatusCode::BAD_REQUEST,
            &values,
            errors,
            maud::html! {},
        )
    };
    let (Some(date), true) = (date, errors.is_empty()) else {
        return bad(&errors);
    };
    let considered = ConsideredRotation {
        staff_id,
        to_base_id,
        date,
    };
    let staffing = &web.settings.apps.staffing;
    match staffing.preview_rotation(&who, &considered, (None, None), None) {
        Ok(p) => {
            let warning = p.warning.as_ref().map(|e| gap_sentence(l, e));
            let below = planner::preview(l, &m.code, &r.csrf, &p, warning);
            draw(&web, &r, &m, StatusCode::OK, &values, &[], below)
        }
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
            ) =>
        {
            let field = match e.field.as_deref() {
                Some("fromBaseId") => Some("date"),
                Some(f @ ("staffId" | "toBaseId" | "date")) => Some(f),
                _ => None,
            };
            bad(&[(field.map(str::to_string), words(l, &e))])
        }
        Err(e) => refused(&r, e),
    }
}
