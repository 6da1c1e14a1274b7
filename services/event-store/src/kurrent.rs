//! The KurrentDB backend, for clusters, through the official `kurrentdb` client.
//!
//! Events are stored as JSON: the data as the caller gives it, the metadata as the
//! `cla.store.v1.EventMetadata` contract in its proto3 JSON form plus `$correlationId` and
//! `$causationId`, where KurrentDB's `$by_correlation_id` projection looks. Positions are commit
//! positions; reads and feeds skip KurrentDB's own system events (types starting with `$`).
//! Recorded times are KurrentDB's own, to its 100 ns tick.
//!
//! Outages. Every call has a deadline ([`KurrentDbOptions::deadline`], node discovery included);
//! past it, or when the node is gone, the call fails with [`StoreError::Unavailable`]. What each
//! client error means is decided in one place (`classify`): where the client would stay on a
//! node that is gone, or has stopped, this backend retires it and builds a new one — no sooner than
//! an exponential backoff allows (doubling per failed client, not per failed call); calls made
//! meanwhile fail at once. A client is retired with the runtime its background tasks run on, so
//! none of them outlives it. A follower's "not leader" answer is retried once at once: the client
//! has moved to the leader it named. Feeds follow `$all` over their own gRPC call (see `feed`)
//! and resume after their last delivered position.

mod classify;
mod feed;
mod wire;

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use kurrentdb::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ReadAllOptions, ReadStreamOptions,
    StreamPosition, StreamState,
};
use tracing::warn;
use uuid::Uuid;

use cla_contracts::cla::store::v1::EventMetadata;

use crate::types::{
    Actor, AllFrom, AppendResult, Direction, EventType, ExpectedRevision, Metadata, NewEvent,
    Position, RecordedEvent, StreamFrom, StreamName, check_append,
};
use crate::{EventFeed, EventStore, Filtered, FilteredFeed, StoreError};

use classify::{Fault, classify};

/// KurrentDB's default `MaxAppendSize`: the most one append may hold.
pub const MAX_APPEND_BYTES: usize = 1024 * 1024;

/// What KurrentDB counts for an event besides its data, metadata and type, rounded up.
const EVENT_OVERHEAD_BYTES: usize = 64;

/// How the KurrentDB backend bounds its calls and paces its reconnections.
#[derive(Clone, Debug)]
pub struct KurrentDbOptions {
    /// The longest a call may take, finding a node included; past it the call fails with
    /// [`StoreError::Unavailable`]. A feed's live wait has no deadline, only its (re)subscribing.
    pub deadline: Duration,
    /// The wait before the first reconnection after a failure; it doubles per failed attempt.
    pub backoff_first: Duration,
    /// The longest wait between reconnections.
    pub backoff_max: Duration,
}

impl Default for KurrentDbOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(10),
            backoff_first: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

impl KurrentDbOptions {
    fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        self.backoff_first
            .saturating_mul(factor)
            .min(self.backoff_max)
    }
}

/// The KurrentDB event store. Cheap to clone.
#[derive(Clone)]
pub struct KurrentDbStore {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ClientSettings,
    options: KurrentDbOptions,
    feeds: feed::Connector,
    connection: Mutex<Connection>,
    clients_built: AtomicU64,
    subscriptions_opened: AtomicU64,
}

#[derive(Default)]
struct Connection {
    current: Option<Arc<Generation>>,
    built: u64,
    /// Clients retired in a row without a success between.
    failures: u32,
    retry_at: Option<Instant>,
}

/// One client, with the runtime its background tasks (node selection, connections) run on.
struct Generation {
    id: u64,
    client: Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Generation {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl KurrentDbStore {
    /// A store for a connection string such as `kurrentdb://127.0.0.1:2113?tls=false` or
    /// `kurrentdb://node1:2113,node2:2113,node3:2113?tls=true`. Nothing connects until first use.
    pub fn new(connection_string: &str) -> Result<Self, StoreError> {
        Self::with_options(connection_string, KurrentDbOptions::default())
    }

    /// A store with its own deadline and reconnection pace (see [`KurrentDbOptions`]).
    pub fn with_options(
        connection_string: &str,
        options: KurrentDbOptions,
    ) -> Result<Self, StoreError> {
        let settings = ClientSettings::from_str(connection_string)
            .map_err(|e| StoreError::invalid("connectionString", e.to_string()))?;
        let feeds = feed::Connector::new(&settings, connection_string)?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                options,
                feeds,
                connection: Mutex::new(Connection::default()),
                clients_built: AtomicU64::new(0),
                subscriptions_opened: AtomicU64::new(0),
            }),
        })
    }

    /// How many clients this store has built: 1 after the first use, one more per reconnection.
    pub fn clients_built(&self) -> u64 {
        self.inner.clients_built.load(Ordering::Relaxed)
    }

    /// How many times this store's feeds have asked KurrentDB for a subscription.
    pub fn subscriptions_opened(&self) -> u64 {
        self.inner.subscriptions_opened.load(Ordering::Relaxed)
    }

    /// The live client, or a new one where the last was retired and its backoff has passed.
    fn generation(&self) -> Result<Arc<Generation>, StoreError> {
        let mut connection = self.inner.connection.lock().expect("connection lock");
        if let Some(current) = &connection.current {
            return Ok(Arc::clone(current));
        }
        if let Some(at) = connection.retry_at {
            let now = Instant::now();
            if now < at {
                return Err(StoreError::Unavailable(format!(
                    "KurrentDB connection lost; reconnecting in {} ms",
                    (at - now).as_millis()
                )));
            }
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kurrentdb-client")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot start a KurrentDB client: {e}")))?;
        let client =
            Client::with_runtime_handle(runtime.handle().clone(), self.inner.settings.clone())
                .map_err(|e| {
                    StoreError::Internal(format!("cannot create a KurrentDB client: {e}"))
                })?;
        connection.built += 1;
        let generation = Arc::new(Generation {
            id: connection.built,
            client,
            runtime: Some(runtime),
        });
        self.inner.clients_built.fetch_add(1, Ordering::Relaxed);
        connection.current = Some(Arc::clone(&generation));
        Ok(generation)
    }

    fn succeeded(&self, generation: &Generation) {
        let mut connection = self.inner.connection.lock().expect("connection lock");
        if connection
            .current
            .as_ref()
            .is_some_and(|c| c.id == generation.id)
        {
            connection.failures = 0;
            connection.retry_at = None;
        }
    }

    /// Retires `generation` if it is still the current client; a late failure of a client already
    /// retired changes nothing, so concurrent failures of one client count once.
    fn retire(&self, generation: &Generation, cause: &str) {
        let mut connection = self.inner.connection.lock().expect("connection lock");
        if connection
            .current
            .as_ref()
            .is_none_or(|c| c.id != generation.id)
        {
            return;
        }
        connection.current = None;
        connection.failures = connection.failures.saturating_add(1);
        let wait = self.inner.options.backoff(connection.failures);
        connection.retry_at = Some(Instant::now() + wait);
        warn!(
            error = cause,
            retry_in_ms = wait.as_millis() as u64,
            "KurrentDB client retired"
        );
    }

    /// Runs `call` on the live client within the deadline. A "not leader" answer is tried once
    /// more at once (the client has moved to the leader); a client that will not recover by
    /// itself, or does not answer in time, is retired.
    async fn run<T, F, Fut>(&self, call: F) -> Result<T, Fault>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, kurrentdb::Error>>,
    {
        let deadline = self.inner.options.deadline;
        let mut moved = false;
        loop {
            let generation = self.generation().map_err(|e| Fault::Outage {
                rebuild: false,
                cause: e.to_string(),
            })?;
            let fault = match tokio::time::timeout(deadline, call(generation.client.clone())).await
            {
                Ok(Ok(value)) => {
                    self.succeeded(&generation);
                    return Ok(value);
                }
                Ok(Err(e)) => classify(&e),
                Err(_) => Fault::Outage {
                    rebuild: true,
                    cause: format!(
                        "KurrentDB did not answer within {} ms",
                        deadline.as_millis()
                    ),
                },
            };
            match &fault {
                Fault::Moved(_) if !moved => {
                    moved = true;
                    continue;
                }
                Fault::Outage {
                    rebuild: true,
                    cause,
                } => self.retire(&generation, cause),
                // An answer: the client and its node work.
                Fault::Conflict(_) | Fault::Missing | Fault::Deleted | Fault::Refused(_) => {
                    self.succeeded(&generation)
                }
                _ => {}
            }
            return Err(fault);
        }
    }
}

fn stream_state(expected: ExpectedRevision) -> StreamState {
    match expected {
        ExpectedRevision::Any => StreamState::Any,
        ExpectedRevision::NoStream => StreamState::NoStream,
        ExpectedRevision::StreamExists => StreamState::StreamExists,
        ExpectedRevision::Exact(r) => StreamState::StreamRevision(r),
    }
}

fn kurrent_position(p: Position) -> kurrentdb::Position {
    kurrentdb::Position {
        commit: p.0,
        prepare: p.0,
    }
}

fn system_events_excluded() -> kurrentdb::SubscriptionFilter {
    kurrentdb::SubscriptionFilter::on_event_type().exclude_system_events()
}

/// `$correlationId` and `$causationId`: where KurrentDB's projections look for them.
#[derive(serde::Deserialize, Default)]
struct Links {
    #[serde(rename = "$correlationId")]
    correlation: Option<String>,
    #[serde(rename = "$causationId")]
    causation: Option<String>,
}

fn encode_metadata(metadata: &Metadata) -> Result<Bytes, StoreError> {
    let contract = EventMetadata {
        actor_id: metadata.actor.id.clone(),
        actor_role: metadata.actor.role.clone(),
        correlation_id: metadata.correlation_id.to_string(),
        causation_id: metadata
            .causation_id
            .map(|c| c.to_string())
            .unwrap_or_default(),
        effective: metadata.effective.format("%Y-%m-%d").to_string(),
    };
    let failed =
        |e: serde_json::Error| StoreError::Internal(format!("cannot encode metadata: {e}"));
    let mut json = serde_json::to_value(&contract).map_err(failed)?;
    if let Some(fields) = json.as_object_mut() {
        fields.insert(
            "$correlationId".into(),
            metadata.correlation_id.to_string().into(),
        );
        if let Some(causation) = metadata.causation_id {
            fields.insert("$causationId".into(), causation.to_string().into());
        }
    }
    serde_json::to_vec(&json).map(Bytes::from).map_err(failed)
}

/// Reads our metadata back. Events written by other tools carry none of it (no metadata, `{}`,
/// or another tool's fields): they are read with an `external` actor, the correlation and
/// causation ids KurrentDB's own `$correlationId` and `$causationId` give (nil where none), and
/// the recorded date as effective date.
fn decode_metadata(raw: &[u8], recorded: DateTime<Utc>) -> Metadata {
    let fallback_date = recorded.date_naive();
    let ours = serde_json::from_slice::<EventMetadata>(raw)
        .ok()
        .filter(|c| !c.actor_id.trim().is_empty());
    match ours {
        Some(c) => Metadata {
            actor: Actor {
                id: c.actor_id,
                role: c.actor_role,
            },
            correlation_id: Uuid::parse_str(&c.correlation_id).unwrap_or(Uuid::nil()),
            causation_id: Uuid::parse_str(&c.causation_id).ok(),
            effective: NaiveDate::parse_from_str(&c.effective, "%Y-%m-%d").unwrap_or(fallback_date),
        },
        None => {
            let links: Links = serde_json::from_slice(raw).unwrap_or_default();
            let id = |text: Option<String>| text.and_then(|t| Uuid::parse_str(&t).ok());
            Metadata {
                actor: Actor {
                    id: "external".into(),
                    role: "EXTERNAL".into(),
                },
                correlation_id: id(links.correlation).unwrap_or(Uuid::nil()),
                causation_id: id(links.causation),
                effective: fallback_date,
            }
        }
    }
}

/// When KurrentDB recorded an event: `created` in its system metadata, in 100 ns ticks since the
/// Unix epoch. (The client's own `created` keeps whole seconds only.)
fn recorded_at(created: Option<&str>) -> DateTime<Utc> {
    const TICKS_PER_SECOND: i64 = 10_000_000;
    let ticks = created.and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
    let nanos = (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    DateTime::from_timestamp(ticks.div_euclid(TICKS_PER_SECOND), nanos)
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// An event as KurrentDB gives it, through the client or over a feed's own call.
struct Stored<'a> {
    id: Uuid,
    stream: &'a str,
    event_type: &'a str,
    data: Bytes,
    custom_metadata: &'a [u8],
    created: Option<&'a str>,
    revision: u64,
    commit: u64,
}

impl Stored<'_> {
    fn recorded(self) -> RecordedEvent {
        let recorded = recorded_at(self.created);
        RecordedEvent {
            id: self.id,
            stream: StreamName::from_stored(self.stream),
            event_type: EventType::from_stored(self.event_type),
            data: self.data,
            metadata: decode_metadata(self.custom_metadata, recorded),
            recorded,
            revision: self.revision,
            position: Position(self.commit),
        }
    }
}

fn convert(event: kurrentdb::RecordedEvent) -> RecordedEvent {
    Stored {
        id: event.id,
        stream: event.stream_id(),
        event_type: &event.event_type,
        data: event.data.clone(),
        custom_metadata: &event.custom_metadata,
        created: event.metadata.get("created").map(String::as_str),
        revision: event.revision,
        commit: event.position.commit,
    }
    .recorded()
}

/// Refuses up front an append KurrentDB would refuse for its size, naming the size.
fn check_size(events: &[NewEvent], metadata: &[Bytes]) -> Result<(), StoreError> {
    let size: usize = events
        .iter()
        .zip(metadata)
        .map(|(e, m)| {
            e.data.len() + m.len() + 2 * e.event_type.as_str().len() + EVENT_OVERHEAD_BYTES
        })
        .sum();
    if size > MAX_APPEND_BYTES {
        return Err(StoreError::invalid(
            "events",
            format!(
                "this append holds about {size} bytes of events; KurrentDB takes at most \
                 {MAX_APPEND_BYTES} bytes in one append: write its events in fewer at a time"
            ),
        ));
    }
    Ok(())
}

async fn collect(
    mut read: kurrentdb::ReadStream,
    limit: usize,
    after: Option<Position>,
) -> Result<Vec<RecordedEvent>, kurrentdb::Error> {
    let mut events = Vec::with_capacity(limit.min(4096));
    while events.len() < limit {
        match read.next().await? {
            Some(resolved) => {
                if let Some(event) = resolved.event {
                    let event = convert(event);
                    if after.is_none_or(|a| event.position > a) {
                        events.push(event);
                    }
                }
            }
            None => break,
        }
    }
    Ok(events)
}

#[async_trait::async_trait]
impl EventStore for KurrentDbStore {
    async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        check_append(&events)?;
        let metadata = events
            .iter()
            .map(|e| encode_metadata(&e.metadata))
            .collect::<Result<Vec<_>, _>>()?;
        check_size(&events, &metadata)?;
        let mut data = Vec::with_capacity(events.len());
        for (event, metadata) in events.iter().zip(metadata) {
            // Marked as JSON so KurrentDB's UI and projections read it; the bytes pass as they are.
            let raw: Box<serde_json::value::RawValue> = serde_json::from_slice(&event.data)
                .map_err(|e| {
                    StoreError::invalid("data", format!("event data must be JSON: {e}"))
                })?;
            let encoded = EventData::json(event.event_type.as_str(), &raw)
                .map_err(|e| StoreError::Internal(format!("cannot encode event data: {e}")))?;
            data.push(encoded.id(event.id).metadata(metadata));
        }
        let options = AppendToStreamOptions::default()
            .stream_state(stream_state(expected))
            .deadline(self.inner.options.deadline);
        let written = self
            .run(|client| {
                let (options, data) = (&options, data.clone());
                async move {
                    client
                        .append_to_stream(stream.as_str(), options, data)
                        .await
                }
            })
            .await
            .map_err(|fault| fault.into_store_error(Some((stream, expected))))?;
        Ok(AppendResult {
            revision: written.next_expected_version,
            position: Position(written.position.commit),
        })
    }

    async fn read_stream(
        &self,
        stream: &StreamName,
        from: StreamFrom,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let position = match from {
            StreamFrom::Start => StreamPosition::Start,
            StreamFrom::End => StreamPosition::End,
            StreamFrom::Revision(r) => StreamPosition::Position(r),
        };
        let options = ReadStreamOptions::default()
            .position(position)
            .max_count(limit)
            .deadline(self.inner.options.deadline);
        let options = match direction {
            Direction::Forwards => options.forwards(),
            Direction::Backwards => options.backwards(),
        };
        let read = self
            .run(|client| {
                let options = &options;
                async move {
                    let read = client.read_stream(stream.as_str(), options).await?;
                    collect(read, limit, None).await
                }
            })
            .await;
        match read {
            Ok(events) => Ok(events),
            // A stream that does not exist, or no longer does, reads as empty.
            Err(Fault::Missing | Fault::Deleted) => Ok(Vec::new()),
            Err(fault) => Err(fault.into_store_error(None)),
        }
    }

    async fn read_all(
        &self,
        from: AllFrom,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (position, after) = match from {
            AllFrom::Start => (StreamPosition::Start, None),
            AllFrom::After(p) => (StreamPosition::Position(kurrent_position(p)), Some(p)),
        };
        // A read from a position includes the event at it: ask for one more and skip it.
        let options = ReadAllOptions::default()
            .position(position)
            .forwards()
            .filter(system_events_excluded())
            .max_count(limit + 1)
            .deadline(self.inner.options.deadline);
        self.run(|client| {
            let options = &options;
            async move { collect(client.read_all(options).await?, limit, after).await }
        })
        .await
        .map_err(|fault| fault.into_store_error(None))
    }

    async fn head(&self) -> Result<Option<Position>, StoreError> {
        let options = ReadAllOptions::default()
            .position(StreamPosition::End)
            .backwards()
            .filter(system_events_excluded())
            .max_count(1)
            .deadline(self.inner.options.deadline);
        let last = self
            .run(|client| {
                let options = &options;
                async move { collect(client.read_all(options).await?, 1, None).await }
            })
            .await
            .map_err(|fault| fault.into_store_error(None))?;
        Ok(last.first().map(|e| e.position))
    }

    fn subscribe_all(&self, from: AllFrom) -> EventFeed {
        feed::follow(self.clone(), from, None)
            .filter_map(|next| async move {
                match next {
                    Ok(Filtered::Event(event)) => Some(Ok(event)),
                    Ok(Filtered::Passed(_)) => None,
                    Err(e) => Some(Err(e)),
                }
            })
            .boxed()
    }

    /// Filtered by the server: only the events of `types` travel, with its checkpoints between.
    fn subscribe_types(&self, from: AllFrom, types: &[&str]) -> FilteredFeed {
        // Stored types are `Name.vN` (letters, digits and one dot), so escaping the dots is enough.
        let alternatives: Vec<String> = types.iter().map(|t| t.replace('.', "\\.")).collect();
        feed::follow(
            self.clone(),
            from,
            Some(format!("^(?:{})$", alternatives.join("|"))),
        )
    }

    fn backend(&self) -> &'static str {
        "kurrentdb"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(causation: Option<Uuid>) -> Metadata {
        Metadata {
            actor: Actor {
                id: "user-3".into(),
                role: "MISSION_HR".into(),
            },
            correlation_id: Uuid::parse_str("0195a3b8-7a10-7c4e-9f00-0123456789ab").unwrap(),
            causation_id: causation,
            effective: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
        }
    }

    #[test]
    fn metadata_is_stored_as_the_contract_in_proto3_json_with_kurrentdbs_links() {
        let encoded = encode_metadata(&metadata(None)).unwrap();
        assert_eq!(
            std::str::from_utf8(&encoded).unwrap(),
            r#"{"$correlationId":"0195a3b8-7a10-7c4e-9f00-0123456789ab","actorId":"user-3","actorRole":"MISSION_HR","correlationId":"0195a3b8-7a10-7c4e-9f00-0123456789ab","effective":"2026-02-28"}"#
        );
        let recorded = Utc::now();
        assert_eq!(decode_metadata(&encoded, recorded), metadata(None));
        let cause = Uuid::now_v7();
        let with_cause = metadata(Some(cause));
        let encoded = encode_metadata(&with_cause).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(json["$causationId"], cause.to_string());
        assert_eq!(decode_metadata(&encoded, recorded), with_cause);
    }

    #[test]
    fn events_written_by_other_tools_read_with_an_external_actor() {
        let recorded = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .to_utc();
        for raw in [&b""[..], b"{}", br#"{"source":"importer"}"#, b"not json"] {
            let read = decode_metadata(raw, recorded);
            assert_eq!(read.actor.id, "external", "{raw:?}");
            assert_eq!(read.actor.role, "EXTERNAL");
            assert_eq!(read.correlation_id, Uuid::nil());
            assert_eq!(read.effective, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
        }
        let correlation = Uuid::now_v7();
        let linked = format!(r#"{{"$correlationId":"{correlation}"}}"#);
        let read = decode_metadata(linked.as_bytes(), recorded);
        assert_eq!(read.actor.id, "external");
        assert_eq!(read.correlation_id, correlation);
    }

    #[test]
    fn recorded_times_keep_kurrentdbs_ticks() {
        // 2026-05-01T10:00:00.1234567Z in 100 ns ticks since the Unix epoch.
        let at = recorded_at(Some("17776296001234567"));
        assert_eq!(
            at,
            DateTime::parse_from_rfc3339("2026-05-01T10:00:00.1234567Z")
                .unwrap()
                .to_utc()
        );
        assert!(recorded_at(Some("17776296001234567")) > recorded_at(Some("17776296000000001")));
        assert_eq!(recorded_at(None), DateTime::UNIX_EPOCH);
        assert_eq!(recorded_at(Some("garbage")), DateTime::UNIX_EPOCH);
    }

    #[test]
    fn an_append_over_kurrentdbs_limit_is_refused_naming_its_size() {
        let meta = metadata(None);
        let big = NewEvent::new(
            EventType::new("Big", 1).unwrap(),
            format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_APPEND_BYTES / 2)).into_bytes(),
            meta.clone(),
        );
        let encoded = vec![encode_metadata(&meta).unwrap(); 2];
        assert!(check_size(std::slice::from_ref(&big), &encoded[..1]).is_ok());
        let two = vec![
            big.clone(),
            NewEvent {
                id: Uuid::now_v7(),
                ..big
            },
        ];
        match check_size(&two, &encoded) {
            Err(StoreError::InvalidInput { field, message }) => {
                assert_eq!(field, "events");
                assert!(message.contains(&MAX_APPEND_BYTES.to_string()), "{message}");
                assert!(message.contains("about 104"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn backoff_doubles_per_failed_client_to_a_ceiling() {
        let options = KurrentDbOptions::default();
        assert_eq!(options.backoff(1), Duration::from_millis(100));
        assert_eq!(options.backoff(2), Duration::from_millis(200));
        assert_eq!(options.backoff(4), Duration::from_millis(800));
        assert_eq!(options.backoff(30), Duration::from_secs(5));
    }
}
