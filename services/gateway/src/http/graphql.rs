//! GraphQL over HTTP as its specification says: `POST` with an `application/json` body (any
//! other body type is refused with 415, which also keeps browsers' simple cross-site forms out),
//! `GET` for queries only, answers in `application/graphql-response+json` or `application/json`
//! as the client accepts, and every malformed request refused with a JSON error, not run.
//!
//! Sign-in comes first: a request without a valid token is refused (401) before anything else is
//! read. Then the caller's rate, the cap on root fields, and the time budget. A mutation's
//! `Idempotency-Key` header is read here and honoured by the schema's idempotency extension.

use std::time::Instant;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cla_platform::access::Principal;
use cla_platform::idempotency;

use crate::answers::Outcome;
use crate::http::refusals::give_code;
use crate::limits::selected_operation;
use crate::server::AppState;

/// The media type an answer is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: a request that cannot run is answered 400.
    GraphqlResponse,
    /// `application/json`: every GraphQL answer is 200, as clients of old expect.
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// What the client accepts, best first; `None` when it accepts neither JSON type.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let mut ranges: Vec<(f32, usize, Media)> = Vec::new();
    for (i, range) in accept.split(',').enumerate() {
        let mut parts = range.split(';').map(str::trim);
        let ty = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match ty.as_str() {
            "application/graphql-response+json" => Media::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if q > 0.0 {
            ranges.push((q, i, media));
        }
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.first().map(|(_, _, m)| *m)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

/// A request refused before it runs: its status, code and message.
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
}

impl Refusal {
    fn bad(message: impl Into<String>, field: Option<&'static str>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST",
            message: message.into(),
            field,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut extensions = serde_json::json!({ "code": self.code });
        if let Some(field) = self.field {
            extensions["field"] = serde_json::json!(field);
        }
        let body = serde_json::json!({ "errors": [{ "message": self.message, "extensions": extensions }] });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        }
        response
    }
}

/// The request's parameters, checked: `query` (a string; absent only where a persisted query's
/// hash stands for it), `operationName` (a string or null), `variables` and `extensions` (maps or
/// null), nothing else.
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Map<String, serde_json::Value>>,
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

fn params_from_json(body: &[u8]) -> Result<Params, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::bad(
            "send the request as a JSON object: {\"query\": \"…\"}",
            None,
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::bad(format!("the body is not JSON: {e}"), None))?;
    let object = match value {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Array(_) => {
            return Err(Refusal::bad(
                "batched requests are not accepted: send one request per call",
                None,
            ));
        }
        _ => {
            return Err(Refusal::bad(
                "send the request as a JSON object: {\"query\": \"…\"}",
                None,
            ));
        }
    };
    params_from_map(object.into_iter().collect())
}

fn params_from_map(entries: Vec<(String, serde_json::Value)>) -> Result<Params, Refusal> {
    use serde_json::Value;
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut extensions = None;
    for (key, value) in entries {
        match key.as_str() {
            "query" => match value {
                Value::String(q) => query = Some(q),
                _ => return Err(Refusal::bad("query must be a string", Some("query"))),
            },
            "operationName" => match value {
                Value::String(n) => operation_name = Some(n),
                Value::Null => {}
                _ => {
                    return Err(Refusal::bad(
                        "operationName must be a string",
                        Some("operationName"),
                    ));
                }
            },
            "variables" => match value {
                Value::Object(v) => variables = Some(v),
                Value::Null => {}
                _ => return Err(Refusal::bad("variables must be a map", Some("variables"))),
            },
            "extensions" => match value {
                Value::Object(v) => extensions = Some(v),
                Value::Null => {}
                _ => {
                    return Err(Refusal::bad("extensions must be a map", Some("extensions")));
                }
            },
            other => {
                return Err(Refusal::bad(
                    format!(
                        "unknown parameter {other:?}: a request has query, operationName, variables and extensions"
                    ),
                    None,
                ));
            }
        }
    }
    let persisted = extensions
        .as_ref()
        .is_some_and(|e| e.contains_key(super::persisted::EXTENSION));
    if query.is_none() && !persisted {
        return Err(Refusal::bad("the request has no query", Some("query")));
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

/// A GET's parameters: `variables` and `extensions` are JSON text in the URL.
fn params_from_url(raw: Option<&str>) -> Result<Params, Refusal> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| Refusal::bad(format!("the query string cannot be read: {e}"), None))?;
    let mut entries = Vec::new();
    for (key, value) in pairs {
        let value = match key.as_str() {
            "variables" | "extensions" if value.is_empty() => serde_json::Value::Null,
            "variables" | "extensions" => {
                let field = if key == "variables" {
                    "variables"
                } else {
                    "extensions"
                };
                serde_json::from_str(&value)
                    .map_err(|_| Refusal::bad(format!("{key} must be a JSON map"), Some(field)))?
            }
            "operationName" if value.is_empty() => serde_json::Value::Null,
            _ => serde_json::Value::String(value),
        };
        entries.push((key, value));
    }
    params_from_map(entries)
}

/// Whether a GET asks a question (a query, or a persisted query's hash) rather than the page.
fn has_query_param(raw: Option<&str>) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .is_ok_and(|pairs| pairs.iter().any(|(k, _)| k == "query" || k == "extensions"))
}

/// A POST body must be JSON (UTF-8): anything else is 415.
fn check_content_type(headers: &HeaderMap) -> Result<(), Refusal> {
    let unsupported = || Refusal {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: "send the request as Content-Type: application/json".into(),
        field: None,
    };
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)?;
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
    {
        return Err(unsupported());
    }
    for parameter in parts {
        if let Some(charset) = parameter
            .split_once('=')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"'))
            && !charset.eq_ignore_ascii_case("utf-8")
        {
            return Err(unsupported());
        }
    }
    Ok(())
}

/// `GET /graphql` and `POST /graphql`.
pub async fn graphql(State(app): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let get = parts.method == Method::GET;
    if get && !has_query_param(parts.uri.query()) && accepts_html(&parts.headers) {
        return super::graphiql::page();
    }
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match app.auth.authenticate(authorization).await {
        Ok(principal) => principal,
        Err(e) => {
            app.metrics
                .request("unauthenticated", "refused", started.elapsed());
            return crate::server::unauthorized(e);
        }
    };
    crate::telemetry::record_caller(&principal.id);
    if let Err(wait) = app.limits.admit(&principal.id) {
        app.metrics
            .request("other", "rate_limited", started.elapsed());
        return crate::server::rate_limited(wait);
    }
    let Some(media) = negotiate(&parts.headers) else {
        return Refusal {
            status: StatusCode::NOT_ACCEPTABLE,
            code: "NOT_ACCEPTABLE",
            message: "answers are application/graphql-response+json or application/json".into(),
            field: None,
        }
        .into_response();
    };
    let params = if get {
        params_from_url(parts.uri.query())
    } else {
        match check_content_type(&parts.headers) {
            Err(refusal) => Err(refusal),
            Ok(()) => match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) => params_from_json(&bytes),
                Err(_) => Err(Refusal {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    code: "PAYLOAD_TOO_LARGE",
                    message: format!(
                        "the request body is larger than {} bytes",
                        app.limits.max_body_bytes
                    ),
                    field: None,
                }),
            },
        }
    };
    let params = match params {
        Ok(params) => params,
        Err(refusal) => {
            app.metrics.request("other", "refused", started.elapsed());
            return refusal.into_response();
        }
    };
    let params = match persisted(&app, params) {
        Ok(params) => params,
        Err(refused) => {
            app.metrics.request("other", "error", started.elapsed());
            return not_persisted(media, &refused);
        }
    };
    let idempotency_key = match idempotency_header(&parts.headers) {
        Ok(key) => key,
        Err(refusal) => {
            app.metrics.request("other", "refused", started.elapsed());
            return refusal.into_response();
        }
    };
    let no_cache = parts
        .headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-cache"));
    let asked = Asked {
        media,
        get,
        no_cache,
        idempotency_key,
    };
    if !get {
        return execute(app, principal, params, asked, started).await;
    }
    // A GET's answer is the caller's own: its tag is drawn from the caller and the question as
    // well as the answer, so that no tag of one caller's ever matches another's.
    let seed = format!(
        "{}\0{}",
        caller_key(&principal),
        parts.uri.query().unwrap_or("")
    );
    let response = execute(app, principal, params, asked, started).await;
    super::etag::revalidated(response, &seed, &parts.headers).await
}

/// The persisted query's text put in place of its hash (see [`super::persisted`]), or why it
/// cannot run.
fn persisted(app: &AppState, mut params: Params) -> Result<Params, super::persisted::Refused> {
    let Some(extension) = params
        .extensions
        .as_mut()
        .and_then(|e| e.remove(super::persisted::EXTENSION))
    else {
        return Ok(params);
    };
    params.query = Some(app.persisted.resolve(params.query.take(), &extension)?);
    Ok(params)
}

/// The answer (in `media`) that a persisted query cannot run.
fn not_persisted(media: Media, refused: &super::persisted::Refused) -> Response {
    let (message, code) = refused.message_and_code();
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    answer(
        media,
        async_graphql::Response::from_errors(vec![error]),
        None,
    )
}

/// The `Idempotency-Key` header's key, where one is sent: at most one header, with a key that
/// [`idempotency::parse_header`] accepts.
fn idempotency_header(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let invalid = |message: String| Refusal {
        status: StatusCode::BAD_REQUEST,
        code: cla_platform::ErrorCode::Validation.as_str(),
        message,
        field: Some(idempotency::HEADER),
    };
    let mut values = headers.get_all(idempotency::HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid("send one Idempotency-Key header".into()));
    }
    let text = value.to_str().map_err(|_| {
        invalid("an Idempotency-Key header holds printable ASCII characters only".into())
    })?;
    idempotency::parse_header(text)
        .map(Some)
        .map_err(|e| invalid(e.message))
}

/// What the request asks besides its parameters.
struct Asked {
    media: Media,
    get: bool,
    no_cache: bool,
    idempotency_key: Option<String>,
}

/// What a request's execution ends in besides an answer.
enum Failed {
    Answer(Box<async_graphql::Response>),
    OverBudget,
}

async fn execute(
    app: AppState,
    principal: Principal,
    params: Params,
    asked: Asked,
    started: Instant,
) -> Response {
    let Asked {
        media,
        get,
        no_cache,
        idempotency_key,
    } = asked;
    let note = idempotency::Note::default();
    let mut request =
        async_graphql::Request::new(params.query.unwrap_or_default()).data(note.clone());
    if let Some(key) = idempotency_key {
        request = request.data(idempotency::HeaderKey(key));
    }
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        request = request.variables(async_graphql::Variables::from_json(
            serde_json::Value::Object(variables),
        ));
    }
    if let Some(extensions) = params.extensions {
        for (k, v) in extensions {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                request.extensions.insert(k, v);
            }
        }
    }
    let keeping = app.answers.enabled() && !no_cache;
    // The same question from the same caller while the read models have not moved: the kept
    // answer, without reading the question again. Only a query's answer is kept, one that passed
    // every check below, and the question is the same to the letter: none of them can fail now.
    let key = keeping.then(|| answer_key(&principal, &request));
    let position = app.hub.position();
    let now = app.clock.now();
    if let Some(key) = &key
        && let Some((body, named)) = app.answers.kept(key, position, now)
    {
        crate::telemetry::record_operation(&named.logged);
        app.metrics.request(&named.label, "ok", started.elapsed());
        app.metrics.answer(true);
        return kept(media, body);
    }
    let gives_idempotency_key = idempotency::gives_key(&request);
    let document = async_graphql::parser::parse_query(&request.query).ok();
    let operation = document
        .as_ref()
        .and_then(|d| selected_operation(d, request.operation_name.as_deref()));
    let label = operation_label(&app, &request, document.as_ref());
    // The log names the operation as the client does (a log line is no series), at most so long.
    let named = request.operation_name.clone().or_else(|| {
        let mut operations = document.as_ref()?.operations.iter();
        match (operations.next(), operations.next()) {
            (Some((Some(name), _)), None) => Some(name.to_string()),
            _ => None,
        }
    });
    let logged: String = named.map_or_else(
        || label.clone(),
        |n| n.chars().take(crate::limits::MAX_LABEL_CHARS).collect(),
    );
    crate::telemetry::record_operation(&logged);
    let kind = operation.map(|op| op.ty);
    if get
        && matches!(
            kind,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        app.metrics.request(&label, "refused", started.elapsed());
        return Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "METHOD_NOT_ALLOWED",
            message: "a GET runs queries only: send mutations with POST".into(),
            field: None,
        }
        .into_response();
    }
    if let (Some(document), Some(operation)) = (&document, operation) {
        let roots = crate::limits::root_fields(document, operation);
        if roots > app.limits.max_root_fields {
            app.metrics.request(&label, "error", started.elapsed());
            let refused = async_graphql::Response::from_errors(vec![{
                let mut e = async_graphql::ServerError::new(
                    format!(
                        "a request selects at most {} root fields, aliases counted; this one selects {roots}",
                        app.limits.max_root_fields
                    ),
                    None,
                );
                e.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", "QUERY_TOO_MANY_ALIASES");
                e
            }]);
            return answer(media, refused, None);
        }
    }
    let is_query = kind == Some(OperationType::Query);
    let budget = app.limits.query_budget;
    // GraphiQL's (and every tool's) introspection query nests deeper than any question about
    // the data needs: an operation asking only about the schema is checked against the schema
    // answering introspection alone, whose depth limit allows it.
    let schema = match (&document, operation) {
        (Some(document), Some(operation))
            if crate::limits::introspection_only(document, operation) =>
        {
            app.introspection.clone()
        }
        (Some(_), Some(operation))
            if operation.ty == OperationType::Query && !gives_idempotency_key =>
        {
            app.reading.clone()
        }
        _ => app.schema.clone(),
    };
    let run = move |request: async_graphql::Request, document: Option<ExecutableDocument>| async move {
        let execution = run(&schema, request.data(principal), document);
        if is_query {
            tokio::time::timeout(budget, execution)
                .await
                .map_err(|_| Failed::OverBudget)
        } else {
            Ok(execution.await)
        }
    };
    let Some(key) = key.filter(|_| is_query) else {
        let outcome = if kind == Some(OperationType::Mutation) {
            // A mutation runs to its end even if the client goes away or the request times out,
            // so that its idempotency key is given an answer to keep (or given back).
            let correlation_id = cla_platform::correlation::current_or_new();
            let running = tokio::spawn(tracing::Instrument::in_current_span(
                cla_platform::personal::carried(cla_platform::correlation::within(
                    correlation_id,
                    run(request, document),
                )),
            ));
            match running.await {
                Ok(outcome) => outcome,
                Err(e) => {
                    let error = cla_platform::AppError::internal(e);
                    app.metrics.request(&label, "error", started.elapsed());
                    return Refusal {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                        code: error.code.as_str(),
                        message: error.message,
                        field: None,
                    }
                    .into_response();
                }
            }
        } else {
            run(request, document).await
        };
        return finish(&app, media, &label, started, outcome, note.verdict());
    };
    let named = crate::answers::OperationNames {
        label: label.clone(),
        logged,
    };
    let answered = app
        .answers
        .answer(key, position, now, named, || async move {
            match run(request, document).await {
                // An answer that showed restricted data is not kept: each request for it is
                // answered, and its looks recorded, on its own.
                Ok(response)
                    if response.is_ok() && cla_platform::personal::looks_in_request() == 0 =>
                {
                    serde_json::to_vec(&response)
                        .map(Bytes::from)
                        .map_err(|_| Failed::Answer(Box::new(response)))
                }
                Ok(response) => Err(Failed::Answer(Box::new(response))),
                Err(over) => Err(over),
            }
        })
        .await;
    match answered {
        Ok((body, outcome)) => {
            app.metrics.request(&label, "ok", started.elapsed());
            app.metrics.answer(outcome == Outcome::Kept);
            kept(media, body)
        }
        Err(Failed::Answer(response)) => {
            finish(&app, media, &label, started, Ok(*response), note.verdict())
        }
        Err(Failed::OverBudget) => finish(
            &app,
            media,
            &label,
            started,
            Err(Failed::OverBudget),
            note.verdict(),
        ),
    }
}

fn finish(
    app: &AppState,
    media: Media,
    label: &str,
    started: Instant,
    outcome: Result<async_graphql::Response, Failed>,
    verdict: Option<idempotency::Verdict>,
) -> Response {
    let response = match outcome {
        Ok(response) => response,
        Err(Failed::Answer(response)) => *response,
        Err(Failed::OverBudget) => {
            app.metrics.request(label, "timeout", started.elapsed());
            return Refusal {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "QUERY_TIMEOUT",
                message: format!(
                    "the query ran past its budget of {} ms and was stopped: ask for less (fewer fields, a shorter range)",
                    app.limits.query_budget.as_millis()
                ),
                field: None,
            }
            .into_response();
        }
    };
    let outcome = if response.is_ok() { "ok" } else { "error" };
    app.metrics.request(label, outcome, started.elapsed());
    answer(media, response, verdict)
}

/// Runs a request, every error with its code (and field). The engine runs the `document` read
/// here from the request's text (not reading it again); where errors need placing in it, it is
/// read again from the text, kept for that.
async fn run(
    schema: &crate::schema::ClaSchema,
    mut request: async_graphql::Request,
    document: Option<ExecutableDocument>,
) -> async_graphql::Response {
    let text = document.is_some().then(|| request.query.clone());
    if let Some(document) = document {
        request.set_parsed_query(document);
    }
    let mut response = schema.execute(request).await;
    if !response.errors.is_empty() {
        let document = text.and_then(|t| async_graphql::parser::parse_query(t).ok());
        for error in &mut response.errors {
            give_code(error, document.as_ref());
        }
    }
    response
}

/// A GraphQL answer in the asked media type: one that could not run at all (it did not parse,
/// was not valid, or its variables were not) is 400 in `application/graphql-response+json`,
/// without `data`. A request refused for its idempotency key has the status the IETF draft
/// gives, in either media type: 400 for a malformed key, 422 for a key first used for another
/// request, 409 while the first request with the key is running.
fn answer(
    media: Media,
    response: async_graphql::Response,
    verdict: Option<idempotency::Verdict>,
) -> Response {
    let not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Written straight from the response, its fields in the order asked; only an answer that
    // could not run loses its `data` on the way.
    let (status, body) = if not_run && media == Media::GraphqlResponse {
        let mut body = serde_json::to_value(&response).unwrap_or_default();
        if let Some(object) = body.as_object_mut() {
            object.remove("data");
        }
        (
            StatusCode::BAD_REQUEST,
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    } else {
        (
            StatusCode::OK,
            serde_json::to_vec(&response).unwrap_or_default(),
        )
    };
    let status = match verdict {
        Some(idempotency::Verdict::Invalid) => StatusCode::BAD_REQUEST,
        Some(idempotency::Verdict::Reused) => StatusCode::UNPROCESSABLE_ENTITY,
        Some(idempotency::Verdict::InProgress) => StatusCode::CONFLICT,
        _ => status,
    };
    (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

fn kept(media: Media, body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

/// What makes two questions the same: the caller, the operation, its text and its variables.
fn answer_key(principal: &Principal, request: &async_graphql::Request) -> String {
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    let mut key = caller_key(principal);
    key.reserve(request.query.len() + variables.len() + 128);
    key.push('\0');
    key.push_str(request.operation_name.as_deref().unwrap_or(""));
    key.push('\0');
    key.push_str(&request.query);
    key.push('\0');
    key.push_str(&variables);
    key
}

/// Who asks, as far as an answer can depend on it: identity, roles and missions.
fn caller_key(principal: &Principal) -> String {
    let mut key = String::with_capacity(128);
    key.push_str(&principal.id);
    for role in &principal.roles {
        key.push('\u{1f}');
        key.push_str(role.as_str());
    }
    for mission in &principal.missions {
        key.push('\u{1e}');
        key.push_str(mission);
    }
    key
}

/// How a request is labelled in the metrics: its operation's name (as the request or the
/// document gives it) where that is a known root field, else `other`; an operation without a
/// name by the first root field it selects (known ones only).
fn operation_label(
    app: &AppState,
    request: &async_graphql::Request,
    document: Option<&ExecutableDocument>,
) -> String {
    use async_graphql::parser::types::Selection;
    let Some(document) = document else {
        return "unparsable".into();
    };
    if let Some(name) = &request.operation_name {
        return app.limits.labels.label(name);
    }
    let mut operations = document.operations.iter();
    let (name, operation) = match (operations.next(), operations.next()) {
        (Some(only), None) => only,
        _ => return "anonymous".into(),
    };
    if let Some(name) = name {
        return app.limits.labels.label(name.as_str());
    }
    operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|s| match &s.node {
            Selection::Field(f) => Some(app.limits.labels.label(f.node.name.node.as_str())),
            _ => None,
        })
        .unwrap_or_else(|| "anonymous".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<Media> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().unwrap());
        negotiate(&headers)
    }

    #[test]
    fn answers_in_the_type_the_client_accepts() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(accept("*/*"), Some(Media::Json));
        assert_eq!(accept("application/json"), Some(Media::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Media::Json)
        );
        assert_eq!(accept("text/html"), None);
    }

    #[test]
    fn parameters_are_checked() {
        assert!(params_from_json(br#"{"query": "{ a }", "variables": null}"#).is_ok());
        for bad in [
            &br#"[{"query": "{ a }"}]"#[..],
            br#"{"query": 1}"#,
            br#"{"notquery": "{ a }"}"#,
            br#"{"query": "{ a }", "extra": 1}"#,
            br#"{"query": "{ a }", "variables": "{}"}"#,
            b"",
            b"{ \"not json",
        ] {
            let refused = params_from_json(bad).err().expect("refused");
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        }
        assert!(params_from_url(Some("query=%7B%20a%20%7D&variables=%7B%7D")).is_ok());
        assert!(params_from_url(Some("query=x&variables=nope")).is_err());
        assert!(params_from_url(Some("variables=%7B%7D")).is_err());
    }
}
