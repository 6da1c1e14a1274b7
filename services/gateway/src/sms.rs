//! The SMS gateways' webhooks (`POST /sms/<gateway>`): transport only. The field application
//! checks the signature as the gateway documents it and receives the message; this maps the
//! request in and the answer (the gateway's reply format) out.
//!
//! - an unconfigured gateway (no secret) or an unknown one: 404, as if there were no such route;
//! - unsigned or badly signed: 403, logged with the gateway and the reason only (never the
//!   sender, the text or the signature);
//! - signed but not a message: 400 naming the missing parameter.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cla_field::app::WebhookError;
use cla_field::gateways::{Gateway, Refusal, Request};
use cla_platform::ErrorCode;

use crate::server::AppState;

fn error(status: StatusCode, code: &str, message: &str, field: Option<&str>) -> Response {
    let mut extensions = serde_json::json!({ "code": code });
    if let Some(field) = field {
        extensions["field"] = serde_json::json!(field);
    }
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] });
    (status, axum::Json(body)).into_response()
}

pub async fn webhook(
    State(app): State<AppState>,
    Path(gateway): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let field = &app.apps.field;
    let Some(gateway) = Gateway::parse(&gateway).filter(|g| field.accepts(*g)) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such gateway", None);
    };
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let host = text(header::HOST);
    let content_type = text(header::CONTENT_TYPE);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = field.called_url(&host, path);
    let signature = gateway
        .signature_header()
        .and_then(|h| headers.get(h))
        .and_then(|v| v.to_str().ok());
    let request = Request {
        url: &url,
        signature_header: signature,
        content_type: &content_type,
        body: &body,
    };
    match field.receive_webhook(gateway, &request).await {
        Ok(answer) => {
            let (content_type, body) = gateway.reply(&answer.reply);
            (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        Err(WebhookError::NotConfigured) => {
            error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such gateway", None)
        }
        Err(WebhookError::Refused(Refusal::Malformed(param))) => error(
            StatusCode::BAD_REQUEST,
            "VALIDATION",
            "the request is not an inbound message",
            Some(param),
        ),
        Err(WebhookError::Refused(refusal)) => {
            tracing::warn!(
                gateway = gateway.name(),
                reason = refusal.reason(),
                "SMS webhook refused"
            );
            error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "the request is not signed by the gateway",
                None,
            )
        }
        Err(WebhookError::App(e)) => {
            let status = match e.code {
                ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::Conflict => StatusCode::CONFLICT,
                _ => {
                    tracing::error!(gateway = gateway.name(), error = %e.message, "SMS not received");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            error(
                status,
                e.code.as_str(),
                "the message could not be received",
                e.field.as_deref(),
            )
        }
    }
}
