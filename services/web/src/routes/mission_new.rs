//! Creating a mission (ADMIN): the form at `/missions/new`, one call to the registry's
//! application layer as the signed-in person, then to the new mission's set-up page. Who may is
//! the registry's (`may_administer`); a refusal of the input draws the form again (400) as filled,
//! the refusal in words beside its field, and nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_registry::app::CreateMission;

use super::{Reader, page, posted_by, reader, redirect, refused, to_sign_in};
use crate::Web;
use crate::pages::setup::{self, Input, SetupForm};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new().route("/missions/new", get(show).post(create))
}

/// The form, filled with `values`, the refusals beside their fields.
fn draw(
    r: &Reader,
    status: StatusCode,
    values: HashMap<String, String>,
    errors: Vec<(Option<String>, String)>,
) -> Response {
    let l = r.l;
    let text = |name, key: &str| Input::Text {
        name,
        label: l.t(key),
    };
    let form = SetupForm {
        id: "create-mission".into(),
        action: "/missions/new".into(),
        legend: l.t("mission-new-legend"),
        hint: Some(l.t("mission-new-intro")),
        inputs: [
            text("code", "mission-new-code"),
            text("name", "mission-new-name"),
            text("country", "mission-new-country"),
            Input::Date {
                name: "effective",
                label: l.t("mission-new-effective"),
            },
        ]
        .into_iter()
        .chain(super::setup::policy_inputs(l))
        .collect(),
        values,
        errors,
        submit: l.t("mission-new-submit"),
    };
    page(
        r,
        status,
        l.t("mission-new-title"),
        None,
        None,
        setup::form(l, &r.csrf, &form),
    )
}

async fn show(State(web): State<Arc<Web>>, headers: HeaderMap, uri: Uri) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(s) = &r.session else {
        return to_sign_in(&r);
    };
    if let Err(e) = web.settings.apps.registry.may_administer(&s.principal()) {
        return refused(&r, e);
    }
    let today = super::today(&web).format("%Y-%m-%d").to_string();
    // The policy's inputs start at the default policy's figures.
    let mut values = super::setup::policy_values(&cla_registry::events::default_policy());
    values.insert("effective".to_string(), today);
    draw(&r, StatusCode::OK, values, Vec::new())
}

async fn create(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let registry = &web.settings.apps.registry;
    if let Err(e) = registry.may_administer(&who) {
        return refused(&r, e);
    }
    let l = r.l;
    let text = |name: &str| form.get(name).map_or("", |s| s.trim()).to_string();
    let mut bad = Vec::new();
    let policy = super::setup::policy_change(l, &form, &mut bad);
    let effective = NaiveDate::parse_from_str(&text("effective"), "%Y-%m-%d");
    if effective.is_err() {
        bad.push((Some("effective".to_string()), l.t("setup-date-invalid")));
    }
    let errors = match effective {
        _ if !bad.is_empty() => bad,
        Err(_) => bad,
        Ok(effective) => {
            let input = CreateMission {
                code: text("code"),
                name: text("name"),
                country: text("country"),
                policy,
                effective,
            };
            match registry.create_mission(&who, input).await {
                Ok(mission) => {
                    let as_of = if effective > super::today(&web) {
                        format!("asOf={effective}&")
                    } else {
                        String::new()
                    };
                    return redirect(
                        &format!("/missions/{}/setup?{as_of}done=created", mission.code),
                        &r.cookies,
                    );
                }
                Err(e)
                    if matches!(
                        e.code,
                        ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
                    ) =>
                {
                    vec![(e.field.clone(), super::setup::words(l, &e, None))]
                }
                Err(e) => return refused(&r, e),
            }
        }
    };
    let mut values = form.clone();
    values.remove("csrf");
    draw(&r, StatusCode::BAD_REQUEST, values, errors)
}
