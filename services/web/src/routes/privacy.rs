//! A staff member's personal data, for ADMIN (`/missions/{code}/staff/{staff}/privacy`): who has
//! looked at their restricted data and when, and erasing it for good (with a reason). One call to
//! the staff application layer for the page, one for the form; a refusal comes back as the form,
//! the reason as typed and the refusal beside it, nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use cla_platform::ErrorCode;

use super::field_admin::staff_of;
use super::{MissionRequest, page, param, posted_by, redirect, refused};
use crate::Web;
use crate::pages::privacy::{self, PrivacyPage};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new().route(
        "/missions/{code}/staff/{staff}/privacy",
        get(privacy_page).post(erase),
    )
}

fn draw(
    web: &Web,
    m: MissionRequest,
    status: StatusCode,
    refusal: Option<(&str, &str)>,
) -> Response {
    let staff = staff_of(&m);
    let MissionRequest {
        r, who, code, q, ..
    } = m;
    let apps = &web.settings.apps;
    let looks = match apps.staff.personal_data_access(&who, &staff) {
        Ok(looks) => looks,
        Err(e) => return refused(&r, e),
    };
    let member = match apps.staff.staff_member(
        &who,
        &staff,
        &cla_platform::timeline::View::on(web.settings.clock.now().date_naive()),
    ) {
        Ok(answer) => answer.member,
        Err(e) => return refused(&r, e),
    };
    let body = privacy::page(
        r.l,
        &PrivacyPage {
            code: &code,
            staff: &staff,
            name: &member.name,
            erased: member.erased,
            looks: &looks,
            csrf: &r.csrf,
            refusal,
            done: param(&q, "done") == Some("erased") && refusal.is_none(),
        },
    );
    page(
        &r,
        status,
        r.l.t_args("privacy-title", &[("name", member.name.clone())]),
        Some(&code),
        None,
        body,
    )
}

async fn privacy_page(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw(&web, m, StatusCode::OK, None)
}

async fn erase(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    let staff = staff_of(&m);
    let reason = form.get("reason").map_or("", String::as_str);
    match web
        .settings
        .apps
        .staff
        .erase_personal_data(&who, &staff, reason)
        .await
    {
        Ok(_) => redirect(
            &format!("/missions/{}/staff/{staff}/privacy?done=erased", m.code),
            &r.cookies,
        ),
        Err(e) if matches!(e.code, ErrorCode::Validation | ErrorCode::Conflict) => {
            let key = if e.code == ErrorCode::Conflict {
                "privacy-refused-already"
            } else {
                "privacy-refused-reason"
            };
            draw(&web, m, StatusCode::BAD_REQUEST, Some((key, reason)))
        }
        Err(e) => refused(&r, e),
    }
}
