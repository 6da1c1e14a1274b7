//! Imports, `/missions/{code}/imports`: a plain file upload (multipart, no script) of a staff or
//! a deployment list, run first as a dry run by the gateway's import door (its parsing, its
//! rules, its access), then applied from the checked file carried back in the apply form. The
//! lists offered are those the door lets the reader import; none, the page is refused.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::{MissionRequest, page, param, posted_by, redirect, refusal};
use crate::pages::imports::{self, ImportsPage, Posted, kind_name};
use crate::pages::refusal::Refused;
use crate::{ImportKind, ImportRequest, Web};

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new().route("/missions/{code}/imports", get(show).post(upload))
}

fn draw(web: &Web, m: &MissionRequest, status: StatusCode, posted: Option<Posted<'_>>) -> Response {
    let r = &m.r;
    let kinds = (web.settings.imports.importable)(&m.who, &m.code);
    if kinds.is_empty() {
        return refusal(r, Refused::Forbidden);
    }
    let count = |name: &str| param(&m.q, name).and_then(|n| n.parse::<usize>().ok());
    let done = count("created").zip(count("unchanged"));
    let body = imports::body(
        r.l,
        &ImportsPage {
            code: &m.code,
            csrf: &r.csrf,
            kinds: &kinds,
            posted,
            done: done.filter(|_| status == StatusCode::OK),
        },
    );
    page(
        r,
        status,
        r.l.t_args("imports-title", &[("mission", m.code.clone())]),
        Some(&m.code),
        None,
        body,
    )
}

async fn show(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw(&web, &m, StatusCode::OK, None)
}

/// The form's text fields, and the uploaded file's bytes (`None`: no file chosen).
async fn read_form(
    mut multipart: Multipart,
) -> Result<(HashMap<String, String>, Option<Vec<u8>>), ()> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(drop)? {
        let name = field.name().unwrap_or_default().to_string();
        let chosen = field.file_name().is_some_and(|f| !f.is_empty());
        let bytes = field.bytes().await.map_err(drop)?;
        if name == "file" {
            file = chosen.then(|| bytes.to_vec());
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok((fields, file))
}

async fn upload(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let Ok((fields, file)) = read_form(multipart).await else {
        return refusal(&m.r, Refused::NotFound);
    };
    let (r, who) = match posted_by(&web, &headers, &m.uri, &fields) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    let kind = match fields.get("kind").map(String::as_str) {
        Some("staff") => ImportKind::Staff,
        Some("deployments") => ImportKind::Deployments,
        _ => return refusal(&r, Refused::NotFound),
    };
    let locale = fields.get("locale").cloned().unwrap_or_default();
    let apply = fields.get("step").is_some_and(|s| s == "apply");
    let text = if apply {
        Ok(fields.get("content").cloned().unwrap_or_default())
    } else {
        match file {
            None => Err("imports-refused-no-file"),
            Some(bytes) => String::from_utf8(bytes).map_err(|_| "imports-refused-not-utf8"),
        }
    };
    let bad = |key: &str, text: &str| {
        draw(
            &web,
            &m,
            StatusCode::BAD_REQUEST,
            Some(Posted {
                kind,
                locale: &locale,
                text,
                outcome: None,
                error: Some(r.l.t(key)),
            }),
        )
    };
    let text = match text {
        Ok(t) => t,
        Err(key) => return bad(key, ""),
    };
    let request = ImportRequest {
        mission: m.code.clone(),
        kind,
        text: text.clone(),
        locale: Some(locale.clone()).filter(|l| !l.is_empty()),
        dry_run: !apply,
    };
    match (web.settings.imports.run)(who, request).await {
        Ok(o) if o.applied => redirect(
            &format!(
                "/missions/{}/imports?created={}&unchanged={}",
                m.code, o.created, o.unchanged
            ),
            &r.cookies,
        ),
        Ok(o) => {
            let status = if o.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            draw(
                &web,
                &m,
                status,
                Some(Posted {
                    kind,
                    locale: &locale,
                    text: &text,
                    outcome: Some(&o),
                    error: None,
                }),
            )
        }
        Err(e) if e.code == "FORBIDDEN" => refusal(&r, Refused::Forbidden),
        Err(e) if e.code == "VALIDATION" => bad("imports-refused-file", ""),
        Err(e) => {
            tracing::warn!(
                code = e.code.as_str(),
                kind = kind_name(kind),
                "an import could not be run"
            );
            refusal(&r, Refused::Unavailable)
        }
    }
}
