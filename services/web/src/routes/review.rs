//! The HQ staffing review, of every mission the reader may see (`/review`) or of one
//! (`/missions/{code}/review`), for a date as known at a time, with its monthly series; and the
//! review as CSV (the export's columns, in either dialect). Counts and shares only: the
//! reporting application answers, on a heavy thread, as the reader.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cla_platform::timeline::View;
use cla_platform::{AppError, Principal};

use super::{
    MissionRequest, Params, Reader, page, param, reader, refusal, refused, to_sign_in, today,
};
use crate::Web;
use crate::pages::TravelForm;
use crate::pages::refusal::Refused;
use crate::pages::review::ReviewPage;
use crate::travel::Travel;

/// How many months the series shows.
const MONTHS: usize = 12;

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/review", get(overall))
        .route("/review.csv", get(review_csv))
        .route("/missions/{code}/review", get(mission))
}

async fn overall(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(s) = &r.session else {
        return to_sign_in(&r);
    };
    let who = s.principal();
    let travel = match Travel::parse(param(&q, "asOf"), param(&q, "knownAt")) {
        Ok(t) => t,
        Err(bad) => {
            return page(
                &r,
                StatusCode::BAD_REQUEST,
                r.l.t("travel-invalid-title"),
                None,
                Some(TravelForm {
                    action: "/review",
                    travel: &Travel::default(),
                    keep: Vec::new(),
                    error: Some(bad),
                }),
                maud::html! {},
            );
        }
    };
    let view = travel.view(today(&web));
    answer(&web, &r, who, None, &travel, view).await
}

async fn mission(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        ..
    } = m;
    answer(&web, &r, who, Some(code), &travel, view).await
}

async fn answer(
    web: &Web,
    r: &Reader,
    who: Principal,
    mission: Option<String>,
    travel: &Travel,
    view: View,
) -> Response {
    let app = web.settings.apps.reporting.clone();
    let code = mission.clone();
    let asked = view;
    let answer = cla_platform::heavy::run(move |stop| {
        app.review_with_series_until(&who, code.as_deref(), &asked, MONTHS, stop)
    })
    .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let title = match &mission {
        Some(code) => r.l.t_args(
            "review-title-mission",
            &[("mission", code.clone()), ("date", r.l.date(view.as_of))],
        ),
        None => {
            r.l.t_args("review-title", &[("date", r.l.date(view.as_of))])
        }
    };
    let action = match &mission {
        Some(code) => format!("/missions/{code}/review"),
        None => "/review".to_string(),
    };
    let body = crate::pages::review::body(
        r.l,
        &ReviewPage {
            mission: mission.as_deref(),
            review: &answer.review,
            series: &answer.series,
        },
        travel,
    );
    page(
        r,
        StatusCode::OK,
        title,
        mission.as_deref(),
        Some(TravelForm {
            action: &action,
            travel,
            keep: Vec::new(),
            error: None,
        }),
        body,
    )
}

async fn review_csv(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(s) = &r.session else {
        return to_sign_in(&r);
    };
    let given = |name: &str| param(&q, name).filter(|s| !s.is_empty());
    match (web.settings.review_csv)(&s.principal(), given("asOf"), given("locale")) {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"hq-review.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(e) => refused(
            &r,
            match e.code.as_str() {
                "FORBIDDEN" => AppError::forbidden(e.message),
                "VALIDATION" | "NOT_FOUND" => AppError::not_found("asOf", e.message),
                _ => return refusal(&r, Refused::Unavailable),
            },
        ),
    }
}
