//! The incidents list, `GET /missions/{code}/incidents`: the mission's incidents as the
//! escalation context answers them to the reader (who reads them, and what of each, is decided
//! there). Each links to its own page, where it is acknowledged and resolved.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::{MissionRequest, now, page, refused};
use crate::Web;
use crate::pages::incidents::{self, Incidents};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new().route("/missions/{code}/incidents", get(incidents_page))
}

async fn incidents_page(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest { r, who, code, .. } = m;
    let answer = web.settings.apps.escalation.incidents(&who, &code, false);
    let list = match answer {
        Ok(list) => list,
        Err(e) => return refused(&r, e),
    };
    let body = incidents::body(
        r.l,
        &Incidents {
            incidents: &list,
            at: now(&web),
        },
    );
    page(
        &r,
        StatusCode::OK,
        r.l.t_args("incidents-title", &[("mission", code.clone())]),
        Some(&code),
        None,
        body,
    )
}
