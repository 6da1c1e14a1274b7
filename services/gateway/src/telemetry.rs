//! Telemetry in one place, used by `main` and by the tests: the log subscriber, and a span per
//! request with its method, route, status, latency, GraphQL operation, caller id and a correlation
//! id minted once per request and carried into every command it gives (their events' metadata).
//!
//! Log lines hold ids, kinds, codes and positions, never a command's fields or personal data.

use std::io;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{Config, LogFormat};

/// The header a response names its correlation id in.
pub const REQUEST_ID: &str = "x-request-id";

/// Logs to standard error, as the configuration's filter and format say.
pub fn init(config: &Config) {
    use std::io::IsTerminal;
    subscribe(config, io::stderr, io::stderr().is_terminal());
}

/// Logs to `writer` (tests capture what would be logged), without colours. Only the first call in
/// a process takes effect.
pub fn init_with_writer<W>(config: &Config, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    subscribe(config, writer, false);
}

fn subscribe<W>(config: &Config, writer: W, ansi: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    let _ = match config.log_format {
        // The message at the top level of each line, beside the level and the target, where log
        // collectors look for it.
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Wraps every request in its span and its correlation id (see the module's documentation); the
/// id is also given back in `X-Request-Id`.
pub async fn request_span(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let correlation_id = uuid::Uuid::now_v7();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        correlation_id = %correlation_id,
        operation = tracing::field::Empty,
        caller = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let mut response = cla_platform::correlation::within(correlation_id, next.run(request))
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    // At debug, as tower-http's trace layer does: a line per answer at info would cost a busy
    // server more than many of its answers do.
    span.in_scope(|| tracing::debug!(status, latency_ms, "request served"));
    if let Ok(value) = HeaderValue::from_str(&correlation_id.to_string()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Names the caller (their id, never their name) in the current request's span.
pub fn record_caller(id: &str) {
    tracing::Span::current().record("caller", tracing::field::display(id));
}

/// Names the GraphQL operation in the current request's span.
pub fn record_operation(name: &str) {
    tracing::Span::current().record("operation", tracing::field::display(name));
}
