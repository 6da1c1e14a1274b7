//! Idempotency keys: the same mutation sent again with the same key by the same caller gets the
//! first answer and writes nothing; sent with the same key but a different request it is refused
//! (`CONFLICT`).
//!
//! A key is given as the `Idempotency-Key` HTTP header (the transport puts it in the request's
//! data as [`HeaderKey`]), as `extensions.idempotencyKey` of a request (over HTTP or a websocket),
//! or as the `idempotencyKey` argument of the mutations where retries matter. All of them are read
//! here, by one schema extension ([`Idempotency`]), so no resolver looks at the argument. Given
//! twice (header and argument, say), they must agree.
//!
//! Keys are kept in the event store, shared by every replica and surviving restarts: one stream
//! per caller and key, named by a SHA-256 of both (neither is ever in a stream name or a log). The
//! first request claims the stream with an append expecting no stream, so of two requests with
//! one key only one runs; the other waits for the first answer (up to [`Keys::wait`]) and is
//! then given it, or is refused as in progress. A claim holds the request's fingerprint
//! (operation name, operation text with its insignificant characters collapsed, variables with
//! sorted keys: hashed), and then its answer, kept as JSON. A request refused without writing
//! anything gives its key back, so a corrected request may use it. Past the retention, a key is
//! free again; a claim whose request never answered (its server stopped while it ran) is taken
//! over after [`Keys::lease`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerResult, Value, Variables};
use chrono::{DateTime, Utc};
use cla_contracts::EventContract;
use cla_contracts::cla::idempotency::v1 as contract;
use cla_event_store::{
    Actor, EventStore, EventType, ExpectedRevision, Metadata, NewEvent, StoreError, StreamName,
};
use serde_json::Value as Json;

use crate::access::Principal;
use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;

/// The HTTP header, as the IETF draft names it.
pub const HEADER: &str = "Idempotency-Key";
/// The argument of the mutations that take one, and the request extension.
pub const ARGUMENT: &str = "idempotencyKey";
/// A request's extension giving the key (over a websocket, where no header is sent).
pub const EXTENSION: &str = "extensions.idempotencyKey";
/// The longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// The key sent in a request's `Idempotency-Key` header, put in the request's data.
#[derive(Clone, Debug)]
pub struct HeaderKey(pub String);

/// Whether a request gives an idempotency key outside its operation's arguments: in its
/// `Idempotency-Key` header ([`HeaderKey`] in its data) or its `idempotencyKey` extension. A query
/// that gives none has nothing for the idempotency extension to do (queries take no key argument).
pub fn gives_key(request: &Request) -> bool {
    request
        .data
        .get(&std::any::TypeId::of::<HeaderKey>())
        .is_some()
        || request.extensions.contains_key(ARGUMENT)
}

/// What became of a request's key, for the transport to answer with (its HTTP status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The request ran (its answer is kept, or it was refused and the key given back).
    Ran,
    /// The first answer, given again.
    Replayed,
    /// The key was first used for a different request.
    Reused,
    /// The first request with the key is still running.
    InProgress,
    /// The key is malformed, or given twice with different values.
    Invalid,
}

/// Where the extension leaves its [`Verdict`]: the transport puts one in the request's data and
/// reads it after the request has run.
#[derive(Clone, Default)]
pub struct Note(Arc<Mutex<Option<Verdict>>>);

impl Note {
    pub fn verdict(&self) -> Option<Verdict> {
        *self.0.lock().expect("note lock")
    }

    fn set(&self, verdict: Verdict) {
        *self.0.lock().expect("note lock") = Some(verdict);
    }
}

/// Checks a key as given in `field`: 1 to [`MAX_KEY_CHARS`] characters, none a control character.
pub fn check_key(key: &str, field: &str) -> AppResult<()> {
    let problem = if key.is_empty() {
        "an idempotency key must not be empty".to_string()
    } else if key.chars().count() > MAX_KEY_CHARS {
        format!("an idempotency key is at most {MAX_KEY_CHARS} characters")
    } else if key.chars().any(char::is_control) {
        "an idempotency key must not contain control characters".to_string()
    } else {
        return Ok(());
    };
    Err(AppError::validation(field, problem))
}

/// Reads the header's value: a structured-field string (`"…"`, with `\"` and `\\` escapes) as the
/// draft writes it, or the bare key as many clients send it.
pub fn parse_header(value: &str) -> AppResult<String> {
    let value = value.trim();
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        check_key(value, HEADER)?;
        return Ok(value.to_string());
    };
    let mut key = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('"' | '\\')) => key.push(escaped),
                _ => {
                    return Err(AppError::validation(
                        HEADER,
                        "a quoted idempotency key escapes only \\\" and \\\\",
                    ));
                }
            },
            '"' => {
                return Err(AppError::validation(
                    HEADER,
                    "a quote inside a quoted idempotency key must be escaped as \\\"",
                ));
            }
            c => key.push(c),
        }
    }
    check_key(&key, HEADER)?;
    Ok(key)
}

tokio::task_local! {
    static WRITES: Arc<AtomicBool>;
}

/// Notes that the request being served wrote to the store, or may have (an append whose outcome
/// is unknown): its answer is kept. Called by the command path.
pub(crate) fn note_write() {
    let _ = WRITES.try_with(|w| w.store(true, Ordering::Relaxed));
}

/// Runs `work`, telling whether it wrote (or may have written) anything through the command path.
async fn tracking_writes<F: std::future::Future>(work: F) -> (F::Output, bool) {
    let wrote = Arc::new(AtomicBool::new(false));
    let output = WRITES.scope(Arc::clone(&wrote), work).await;
    (output, wrote.load(Ordering::Relaxed))
}

/// A request's fingerprint: SHA-256 of its operation's name, its text with insignificant
/// characters (white space, commas, comments) collapsed, and its variables with sorted keys.
pub fn fingerprint(operation_name: Option<&str>, query: &str, variables: &Json) -> String {
    let mut text = String::with_capacity(query.len() + 64);
    text.push_str(operation_name.unwrap_or(""));
    text.push('\0');
    text.push_str(&normalise_query(query));
    text.push('\0');
    text.push_str(&canonical(variables).to_string());
    sha256_hex(text.as_bytes())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// The operation's text with every run of ignored tokens (white space, commas, comments) outside
/// strings made one space.
fn normalise_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut gap = false;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}' => gap = true,
            '#' => {
                gap = true;
                while chars.next_if(|c| *c != '\n' && *c != '\r').is_some() {}
            }
            '"' => {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push('"');
                let block = chars.peek() == Some(&'"') && {
                    let mut ahead = chars.clone();
                    ahead.next();
                    ahead.peek() == Some(&'"')
                };
                if block {
                    out.push_str("\"\"");
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    for c in chars.by_ref() {
                        out.push(c);
                        quotes = if c == '"' { quotes + 1 } else { 0 };
                        if quotes == 3 {
                            break;
                        }
                    }
                } else {
                    while let Some(c) = chars.next() {
                        out.push(c);
                        match c {
                            '\\' => {
                                if let Some(escaped) = chars.next() {
                                    out.push(escaped);
                                }
                            }
                            '"' => break,
                            _ => {}
                        }
                    }
                }
            }
            c => {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
            }
        }
    }
    out
}

/// The value with every object's keys sorted.
fn canonical(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The kept keys, in the event store.
pub struct Keys {
    pub store: Arc<dyn EventStore>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// How long a key is kept: past it, the key may be used again.
    pub retention: chrono::Duration,
    /// How long a claim whose request never answered holds before another request with the key
    /// takes it over.
    pub lease: chrono::Duration,
    /// How long a request waits for the answer of the first request with its key.
    pub wait: Duration,
    /// Opens kept answers (sealed when stored: they may hold anyone's restricted data).
    pub personal: Arc<crate::personal::PersonalData>,
}

/// What a key's stream says of its current claim.
#[derive(Debug, Default)]
struct Current {
    /// The last claim, if it was not given back.
    claim: Option<Claim>,
    revision: Option<u64>,
}

#[derive(Debug)]
struct Claim {
    fingerprint: String,
    at: DateTime<Utc>,
    answer: Option<String>,
}

/// What a claim gives the request.
enum Claimed {
    /// Run it; its answer is kept at this revision.
    Run(Ticket),
    /// The first answer, as kept.
    Answer(String),
    /// The key was first used for a different request.
    Reused,
    /// The first request with the key has not answered yet.
    InProgress,
}

struct Ticket {
    stream: StreamName,
    revision: u64,
    fingerprint: String,
}

impl Keys {
    /// The stream of a caller's key: neither is readable in its name.
    fn stream(caller: &str, key: &str) -> StreamName {
        let mut text = String::with_capacity(caller.len() + key.len() + 1);
        text.push_str(caller);
        text.push('\0');
        text.push_str(key);
        StreamName::keyed("idempotency-", &sha256_hex(text.as_bytes()))
    }

    async fn current(&self, stream: &StreamName) -> AppResult<Current> {
        let recorded = cla_event_store::read_stream_to_end(self.store.as_ref(), stream).await?;
        let mut current = Current {
            claim: None,
            revision: recorded.last().map(|e| e.revision),
        };
        for event in &recorded {
            let data = &event.data;
            let t = event.event_type.as_str();
            if t == contract::IdempotencyKeyClaimed::TYPE_NAME {
                let claimed: contract::IdempotencyKeyClaimed =
                    cla_contracts::decode_json(data).map_err(AppError::internal)?;
                let at = DateTime::parse_from_rfc3339(&claimed.claimed_at)
                    .map_err(AppError::internal)?
                    .with_timezone(&Utc);
                current.claim = Some(Claim {
                    fingerprint: claimed.fingerprint,
                    at,
                    answer: None,
                });
            } else if t == contract::IdempotentAnswerKept::TYPE_NAME {
                let kept: contract::IdempotentAnswerKept =
                    cla_contracts::decode_json(data).map_err(AppError::internal)?;
                use crate::personal::{ANSWERS_SUBJECT, Datum};
                match self
                    .personal
                    .open(ANSWERS_SUBJECT, Datum::KeptAnswer, &kept.answer)
                {
                    cla_vault::Opened::Plain(answer) => {
                        if let Some(claim) = &mut current.claim {
                            claim.answer = Some(answer);
                        }
                    }
                    // Forgotten with an erasure: the key is as if past its retention.
                    cla_vault::Opened::Erased => current.claim = None,
                }
            } else if t == contract::IdempotencyKeyReleased::TYPE_NAME {
                current.claim = None;
            }
        }
        Ok(current)
    }

    fn event<C: EventContract>(&self, caller: &Principal, data: &C) -> AppResult<NewEvent> {
        let role = caller
            .roles
            .iter()
            .next()
            .map_or("SYSTEM", |r| r.as_str())
            .to_string();
        Ok(NewEvent::new(
            EventType::parse(C::TYPE_NAME).map_err(AppError::internal)?,
            cla_contracts::encode_json(data),
            Metadata {
                actor: Actor {
                    id: caller.id.clone(),
                    role,
                },
                correlation_id: crate::correlation::current_or_new(),
                causation_id: None,
                effective: self.clock.now().date_naive(),
            },
        ))
    }

    /// Claims `key` of `caller` for the request `fingerprint`, or gives the first answer.
    async fn claim(&self, caller: &Principal, key: &str, fingerprint: &str) -> AppResult<Claimed> {
        let stream = Self::stream(&caller.id, key);
        let until = Instant::now() + self.wait;
        let mut pause = Duration::from_millis(10);
        loop {
            let current = self.current(&stream).await?;
            let now = self.clock.now();
            let live = current
                .claim
                .filter(|c| now.signed_duration_since(c.at) < self.retention);
            match live {
                Some(claim) if claim.fingerprint != fingerprint => return Ok(Claimed::Reused),
                Some(Claim {
                    answer: Some(answer),
                    ..
                }) => return Ok(Claimed::Answer(answer)),
                Some(claim) if now.signed_duration_since(claim.at) < self.lease => {
                    if Instant::now() >= until {
                        return Ok(Claimed::InProgress);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(200));
                    continue;
                }
                // Free: never used, given back, past the retention, or its request never
                // answered.
                _ => {}
            }
            let claimed = contract::IdempotencyKeyClaimed {
                fingerprint: fingerprint.to_string(),
                claimed_at: now.to_rfc3339(),
            };
            let expected = current
                .revision
                .map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
            match self
                .store
                .append(&stream, expected, vec![self.event(caller, &claimed)?])
                .await
            {
                Ok(appended) => {
                    return Ok(Claimed::Run(Ticket {
                        stream,
                        revision: appended.revision,
                        fingerprint: fingerprint.to_string(),
                    }));
                }
                // Another request claimed it meanwhile: look again.
                Err(StoreError::WrongExpectedRevision { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Keeps the answer of the request holding `ticket`.
    async fn keep(&self, caller: &Principal, ticket: Ticket, answer: String) {
        let kept = contract::IdempotentAnswerKept {
            fingerprint: ticket.fingerprint.clone(),
            answer,
            kept_at: self.clock.now().to_rfc3339(),
        };
        self.close(caller, ticket, &kept).await;
    }

    /// Gives the key of a refused request back.
    async fn release(&self, caller: &Principal, ticket: Ticket) {
        let released = contract::IdempotencyKeyReleased {
            fingerprint: ticket.fingerprint.clone(),
        };
        self.close(caller, ticket, &released).await;
    }

    async fn close<C: EventContract>(&self, caller: &Principal, ticket: Ticket, data: &C) {
        let outcome = match self.event(caller, data) {
            Ok(event) => self
                .store
                .append(
                    &ticket.stream,
                    ExpectedRevision::Exact(ticket.revision),
                    vec![event],
                )
                .await
                .map_err(AppError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            // The key stays claimed without an answer: a retry waits, then takes it over past
            // the lease. The stream's name is a hash: it tells nothing of the key or the caller.
            tracing::warn!(stream = %ticket.stream, error = %e.describe(), "an idempotency key's outcome could not be kept");
        }
    }
}

/// The schema extension that honours idempotency keys (see the module's documentation).
pub struct Idempotency {
    keys: Arc<Keys>,
}

impl Idempotency {
    pub fn new(keys: Keys) -> Self {
        Self {
            keys: Arc::new(keys),
        }
    }
}

impl ExtensionFactory for Idempotency {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            keys: Arc::clone(&self.keys),
            seen: Mutex::default(),
        })
    }
}

/// What one request's extension has read of it.
#[derive(Default)]
struct Seen {
    query: String,
    variables: Json,
    /// `extensions.idempotencyKey`, where given.
    extension: Option<Result<String, AppError>>,
    /// Per operation: its name, its type and the keys its root fields' `idempotencyKey` give.
    operations: Vec<(Option<String>, OperationType, Vec<String>)>,
}

struct PerRequest {
    keys: Arc<Keys>,
    seen: Mutex<Seen>,
}

/// The `idempotencyKey` arguments of the root fields of a selection, variables resolved.
fn argument_keys(set: &SelectionSet, variables: &Variables, keys: &mut Vec<String>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                if let Some(value) = field.node.get_argument(ARGUMENT) {
                    let value = value
                        .node
                        .clone()
                        .into_const_with(|name| {
                            Ok::<_, std::convert::Infallible>(
                                variables.get(&name).cloned().unwrap_or(Value::Null),
                            )
                        })
                        .unwrap_or(Value::Null);
                    if let Value::String(key) = value {
                        keys.push(key);
                    }
                }
            }
            Selection::InlineFragment(fragment) => {
                argument_keys(&fragment.node.selection_set.node, variables, keys)
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn refusal(error: AppError) -> Response {
    Response::from_errors(vec![
        error.into_graphql().into_server_error(Default::default()),
    ])
}

impl PerRequest {
    /// The one key the request gives, checked, with where it was given; or none.
    fn key(
        &self,
        ctx: &ExtensionContext<'_>,
        operation: &[String],
    ) -> AppResult<Option<(&'static str, String)>> {
        let mut given: Vec<(&'static str, String)> = Vec::new();
        if let Some(HeaderKey(key)) = ctx.data_opt::<HeaderKey>() {
            check_key(key, HEADER)?;
            given.push((HEADER, key.clone()));
        }
        let extension = self.seen.lock().expect("seen lock").extension.clone();
        if let Some(key) = extension {
            given.push((EXTENSION, key?));
        }
        for key in operation {
            check_key(key, ARGUMENT)?;
            given.push((ARGUMENT, key.clone()));
        }
        let Some((first_field, first)) = given.first().cloned() else {
            return Ok(None);
        };
        if let Some((field, _)) = given.iter().find(|(_, k)| *k != first) {
            return Err(AppError::validation(
                *field,
                format!("{field} and {first_field} give different idempotency keys: give one"),
            ));
        }
        Ok(Some((first_field, first)))
    }
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        {
            let mut seen = self.seen.lock().expect("seen lock");
            seen.query = request.query.clone();
            seen.variables = serde_json::to_value(&request.variables).unwrap_or(Json::Null);
            seen.extension = request.extensions.get(ARGUMENT).map(|v| match v {
                Value::String(key) => check_key(key, EXTENSION).map(|()| key.clone()),
                _ => Err(AppError::validation(
                    EXTENSION,
                    "an idempotency key is a string",
                )),
            });
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let operations = document
            .operations
            .iter()
            .map(|(name, operation)| {
                let mut keys = Vec::new();
                argument_keys(&operation.node.selection_set.node, variables, &mut keys);
                (name.map(|n| n.to_string()), operation.node.ty, keys)
            })
            .collect();
        self.seen.lock().expect("seen lock").operations = operations;
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let note = ctx.data_opt::<Note>().cloned();
        let refuse = |error: AppError, verdict: Verdict| {
            if let Some(note) = &note {
                note.set(verdict);
            }
            refusal(error)
        };
        let (ty, argument) = {
            let seen = self.seen.lock().expect("seen lock");
            let operation = seen
                .operations
                .iter()
                .find(|(name, _, _)| operation_name.is_none() || name.as_deref() == operation_name)
                .map(|(_, ty, keys)| (*ty, keys.clone()));
            operation.unwrap_or((OperationType::Query, Vec::new()))
        };
        let key = match self.key(ctx, &argument) {
            Ok(key) => key,
            Err(e) => return refuse(e, Verdict::Invalid),
        };
        // Queries with a key are simply run: they change nothing.
        let (Some((field, key)), OperationType::Mutation, Some(caller)) =
            (key, ty, ctx.data_opt::<Principal>())
        else {
            return next.run(ctx, operation_name).await;
        };
        let fingerprint = {
            let seen = self.seen.lock().expect("seen lock");
            fingerprint(operation_name, &seen.query, &seen.variables)
        };
        let ticket = match self.keys.claim(caller, &key, &fingerprint).await {
            Ok(Claimed::Run(ticket)) => ticket,
            Ok(Claimed::Answer(answer)) => {
                return match serde_json::from_str::<Response>(&answer) {
                    Ok(response) => {
                        self.keys.metrics.idempotency("replayed");
                        if let Some(note) = &note {
                            note.set(Verdict::Replayed);
                        }
                        response
                    }
                    Err(e) => refuse(AppError::internal(e), Verdict::Ran),
                };
            }
            Ok(Claimed::Reused) => {
                self.keys.metrics.idempotency("reused");
                return refuse(
                    AppError::conflict(
                        "this idempotency key was first used for a different request: send that \
                         request again, or use a new key for this one",
                    )
                    .on(field),
                    Verdict::Reused,
                );
            }
            Ok(Claimed::InProgress) => {
                self.keys.metrics.idempotency("in_progress");
                return refuse(
                    AppError::conflict(
                        "the first request with this idempotency key is still being processed: \
                         send it again shortly",
                    )
                    .on(field),
                    Verdict::InProgress,
                );
            }
            Err(e) => return refuse(e, Verdict::Ran),
        };
        let (response, wrote) = tracking_writes(next.run(ctx, operation_name)).await;
        if let Some(note) = &note {
            note.set(Verdict::Ran);
        }
        if response.errors.is_empty() || wrote {
            match serde_json::to_string(&response) {
                Ok(answer) => {
                    self.keys.keep(caller, ticket, answer).await;
                    self.keys.metrics.idempotency("kept");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "an answer could not be kept for its idempotency key");
                }
            }
        } else {
            // Refused, nothing written: the key is free for the corrected request.
            self.keys.release(caller, ticket).await;
            self.keys.metrics.idempotency("released");
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_given_by_the_header_or_the_extension() {
        assert!(!gives_key(&Request::new("{ __typename }")));
        assert!(gives_key(
            &Request::new("{ __typename }").data(HeaderKey("k-1".into()))
        ));
        let mut request = Request::new("{ __typename }");
        request
            .extensions
            .insert(ARGUMENT.into(), Value::String("k-1".into()));
        assert!(gives_key(&request));
    }
    use serde_json::json;

    #[test]
    fn keys_are_checked() {
        assert!(check_key("8e03978e-40d5-43e8-bc93-6894a57f9324", HEADER).is_ok());
        assert!(check_key(&"k".repeat(MAX_KEY_CHARS), HEADER).is_ok());
        for bad in ["", "a\nb", "tab\there", &"k".repeat(MAX_KEY_CHARS + 1)] {
            let refused = check_key(bad, HEADER).expect_err(bad);
            assert_eq!(refused.code, crate::error::ErrorCode::Validation);
            assert_eq!(refused.field.as_deref(), Some(HEADER));
        }
    }

    #[test]
    fn the_header_is_a_structured_string_or_a_bare_key() {
        assert_eq!(parse_header("\"abc-1\"").unwrap(), "abc-1");
        assert_eq!(parse_header(" abc-1 ").unwrap(), "abc-1");
        assert_eq!(parse_header(r#""a\"b\\c""#).unwrap(), r#"a"b\c"#);
        assert!(parse_header(r#""a\nb""#).is_err());
        assert!(parse_header(r#""a"b""#).is_err());
        assert!(parse_header("\"\"").is_err());
    }

    #[test]
    fn a_fingerprint_ignores_layout_and_key_order_only() {
        let a = fingerprint(
            None,
            "mutation($s: String!) {\n  recordCheckIn(staffId: $s, notes: \"a  b\") { id } # why\n}",
            &json!({"s": "1", "x": {"b": 1, "a": 2}}),
        );
        let b = fingerprint(
            None,
            "mutation($s: String!) { recordCheckIn(staffId: $s,, notes: \"a  b\") { id } }",
            &json!({"x": {"a": 2, "b": 1}, "s": "1"}),
        );
        assert_eq!(a, b);
        let other_string = fingerprint(
            None,
            "mutation($s: String!) { recordCheckIn(staffId: $s, notes: \"a b\") { id } }",
            &json!({"s": "1", "x": {"b": 1, "a": 2}}),
        );
        assert_ne!(a, other_string, "white space inside a string counts");
        let other_variables = fingerprint(
            None,
            "mutation($s: String!) { recordCheckIn(staffId: $s, notes: \"a  b\") { id } }",
            &json!({"s": "2", "x": {"b": 1, "a": 2}}),
        );
        assert_ne!(a, other_variables);
        let other_operation = fingerprint(
            Some("Other"),
            "mutation($s: String!) { recordCheckIn(staffId: $s, notes: \"a  b\") { id } }",
            &json!({"s": "1", "x": {"b": 1, "a": 2}}),
        );
        assert_ne!(a, other_operation);
    }

    #[test]
    fn block_strings_are_kept_as_written() {
        assert_eq!(
            normalise_query("{ a(x: \"\"\"one\n   two \"\"\")   b }"),
            "{ a(x: \"\"\"one\n   two \"\"\") b }"
        );
    }

    #[test]
    fn a_stream_name_tells_neither_caller_nor_key() {
        let stream = Keys::stream("user-42", "secret-key");
        assert!(stream.as_str().starts_with("idempotency-"));
        assert!(!stream.as_str().contains("user-42"));
        assert!(!stream.as_str().contains("secret-key"));
        assert_ne!(stream, Keys::stream("user-43", "secret-key"));
        assert_ne!(stream, Keys::stream("user-42\0secret", "key"));
    }
}
