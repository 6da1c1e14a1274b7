//! `/ack/<token>`: a notification's acknowledge link. Opening it shows what it acknowledges and
//! one button (mail scanners that open links acknowledge nothing); the button acknowledges, once,
//! before the link expires. No sign-in: the token is the proof. The page says no more than the
//! notification did.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cla_alerts::escalation::app::LinkAnswer;

use crate::server::AppState;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1.1rem;padding:.6rem 1.2rem}}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

fn answer(answer: LinkAnswer, token: &str) -> Response {
    match answer {
        LinkAnswer::Ready { what } => page(
            StatusCode::OK,
            "Acknowledge this alert",
            &format!(
                "<p>{}</p><form method=\"post\" action=\"/ack/{}\">\
                 <button type=\"submit\">I have received it and am acting on it</button></form>",
                escape(&what),
                escape(token)
            ),
        ),
        LinkAnswer::Acknowledged { what } => page(
            StatusCode::OK,
            "Acknowledged",
            &format!(
                "<p>{}</p><p>Thank you: nobody else will be contacted for it.</p>",
                escape(&what)
            ),
        ),
        LinkAnswer::AlreadyAcknowledged { by } => page(
            StatusCode::CONFLICT,
            "Already acknowledged",
            &format!(
                "<p>This alert was already acknowledged{}.</p>",
                if by.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", escape(&by))
                }
            ),
        ),
        LinkAnswer::Expired => page(
            StatusCode::GONE,
            "This link has expired",
            "<p>Sign in to the CLA workforce system to see the alert and acknowledge it.</p>",
        ),
        LinkAnswer::Invalid => page(
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "<p>Check that the whole link was opened, or sign in to see the alert.</p>",
        ),
    }
}

pub async fn show(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    answer(app.apps.escalation.open_link(&token), &token)
}

pub async fn acknowledge(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let done = app.apps.escalation.use_link(&token).await;
    answer(done, &token)
}
