//! The KurrentDB backend, for clusters, through the official `kurrentdb` client.
//!
//! Events are stored as JSON: the data as the caller gives it, the metadata as the
//! `cla.store.v1.EventMetadata` contract in its proto3 JSON form, so both stay readable in
//! KurrentDB's UI and by its projections. Positions are commit positions; reads and subscriptions
//! skip KurrentDB's own system events (types starting with `$`).
//!
//! Connections: the client connects on first use and, once a connection has failed, answers every
//! later call with "connection closed". This backend therefore drops a client on any connection
//! failure and builds a new one, no sooner than an exponential backoff allows (100 ms doubling to
//! 5 s); calls made meanwhile fail at once with [`StoreError::Unavailable`]. Subscriptions resume
//! by themselves after their last delivered position.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::NaiveDate;
use futures::StreamExt;
use kurrentdb::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ReadAllOptions, ReadStreamOptions,
    StreamPosition, StreamState, SubscribeToAllOptions, SubscriptionEvent, SubscriptionFilter,
};
use tracing::warn;
use uuid::Uuid;

use cla_contracts::cla::store::v1::EventMetadata;

use crate::types::{
    Actor, AllFrom, AppendResult, CurrentRevision, Direction, EventType, ExpectedRevision,
    Metadata, NewEvent, Position, RecordedEvent, StreamFrom, StreamName, check_append,
};
use crate::{EventFeed, EventStore, Filtered, FilteredFeed, StoreError};

const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The KurrentDB event store. Cheap to clone.
#[derive(Clone)]
pub struct KurrentDbStore {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ClientSettings,
    connection: Mutex<Connection>,
    clients_built: AtomicU64,
}

#[derive(Default)]
struct Connection {
    client: Option<Client>,
    failures: u32,
    retry_at: Option<Instant>,
}

fn backoff(failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    BACKOFF_FIRST.saturating_mul(factor).min(BACKOFF_MAX)
}

/// Whether an error means the connection is gone (so the client must be rebuilt).
fn is_connection_error(e: &kurrentdb::Error) -> bool {
    use kurrentdb::Error as E;
    match e {
        E::ConnectionClosed
        | E::GrpcConnectionError(_)
        | E::NotLeaderException(_)
        | E::DeadlineExceeded => true,
        E::Grpc { code, .. } => matches!(
            code,
            tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled
        ),
        _ => false,
    }
}

impl KurrentDbStore {
    /// A store for a connection string such as `kurrentdb://127.0.0.1:2113?tls=false` or
    /// `kurrentdb+discover://node1:2113,node2:2113?tls=true`. Nothing connects until first use.
    pub fn new(connection_string: &str) -> Result<Self, StoreError> {
        let settings = ClientSettings::from_str(connection_string)
            .map_err(|e| StoreError::invalid("connectionString", e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                connection: Mutex::new(Connection::default()),
                clients_built: AtomicU64::new(0),
            }),
        })
    }

    /// How many clients this store has built: 1 after the first use, one more per reconnection.
    pub fn clients_built(&self) -> u64 {
        self.inner.clients_built.load(Ordering::Relaxed)
    }

    /// The live client, or a new one where the last failed and its backoff has passed.
    fn client(&self) -> Result<Client, StoreError> {
        let mut connection = self.inner.connection.lock().expect("connection lock");
        if let Some(client) = &connection.client {
            return Ok(client.clone());
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
        let client = Client::new(self.inner.settings.clone()).map_err(|e| {
            StoreError::Unavailable(format!("cannot create a KurrentDB client: {e}"))
        })?;
        self.inner.clients_built.fetch_add(1, Ordering::Relaxed);
        connection.client = Some(client.clone());
        Ok(client)
    }

    fn succeeded(&self) {
        let mut connection = self.inner.connection.lock().expect("connection lock");
        connection.failures = 0;
        connection.retry_at = None;
    }

    /// Maps a client error; a connection failure drops the client so that the next call (after
    /// the backoff) builds a fresh one.
    fn failed(&self, e: kurrentdb::Error) -> StoreError {
        if is_connection_error(&e) {
            let mut connection = self.inner.connection.lock().expect("connection lock");
            connection.client = None;
            connection.failures = connection.failures.saturating_add(1);
            let wait = backoff(connection.failures);
            connection.retry_at = Some(Instant::now() + wait);
            warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "KurrentDB connection failed");
            return StoreError::Unavailable(e.to_string());
        }
        match e {
            kurrentdb::Error::AccessDenied => {
                StoreError::Internal("KurrentDB denied access: check the credentials".into())
            }
            other => StoreError::Internal(format!("KurrentDB: {other}")),
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

fn system_events_excluded() -> SubscriptionFilter {
    SubscriptionFilter::on_event_type().exclude_system_events()
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
    serde_json::to_vec(&contract)
        .map(Bytes::from)
        .map_err(|e| StoreError::Internal(format!("cannot encode metadata: {e}")))
}

/// Reads our metadata back. Events written by other tools carry none of it: they are read with an
/// `external` actor, a nil correlation id and the recorded date as effective date.
fn decode_metadata(raw: &[u8], recorded: chrono::DateTime<chrono::Utc>) -> Metadata {
    let contract: Option<EventMetadata> = serde_json::from_slice(raw).ok();
    let fallback_date = recorded.date_naive();
    match contract {
        Some(c) => Metadata {
            actor: Actor {
                id: c.actor_id,
                role: c.actor_role,
            },
            correlation_id: Uuid::parse_str(&c.correlation_id).unwrap_or(Uuid::nil()),
            causation_id: Uuid::parse_str(&c.causation_id).ok(),
            effective: NaiveDate::parse_from_str(&c.effective, "%Y-%m-%d").unwrap_or(fallback_date),
        },
        None => Metadata {
            actor: Actor {
                id: "external".into(),
                role: "EXTERNAL".into(),
            },
            correlation_id: Uuid::nil(),
            causation_id: None,
            effective: fallback_date,
        },
    }
}

fn convert(event: kurrentdb::RecordedEvent) -> RecordedEvent {
    let metadata = decode_metadata(&event.custom_metadata, event.created);
    RecordedEvent {
        id: event.id,
        stream: StreamName::from_stored(event.stream_id()),
        event_type: EventType::from_stored(&event.event_type),
        data: event.data,
        metadata,
        recorded: event.created,
        revision: event.revision,
        position: Position(event.position.commit),
    }
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
        let mut data = Vec::with_capacity(events.len());
        for event in &events {
            // Marked as JSON so KurrentDB's UI and projections read it; the bytes pass as they are.
            let raw: Box<serde_json::value::RawValue> = serde_json::from_slice(&event.data)
                .map_err(|e| {
                    StoreError::invalid("data", format!("event data must be JSON: {e}"))
                })?;
            let encoded = EventData::json(event.event_type.as_str(), &raw)
                .map_err(|e| StoreError::Internal(format!("cannot encode event data: {e}")))?;
            data.push(
                encoded
                    .id(event.id)
                    .metadata(encode_metadata(&event.metadata)?),
            );
        }
        let client = self.client()?;
        let options = AppendToStreamOptions::default().stream_state(stream_state(expected));
        match client
            .append_to_stream(stream.as_str(), &options, data)
            .await
        {
            Ok(written) => {
                self.succeeded();
                Ok(AppendResult {
                    revision: written.next_expected_version,
                    position: Position(written.position.commit),
                })
            }
            Err(kurrentdb::Error::WrongExpectedVersion { current, .. }) => {
                self.succeeded();
                Err(StoreError::WrongExpectedRevision {
                    stream: stream.clone(),
                    expected,
                    actual: match current {
                        kurrentdb::CurrentRevision::Current(r) => CurrentRevision::Current(r),
                        kurrentdb::CurrentRevision::NoStream => CurrentRevision::NoStream,
                    },
                })
            }
            Err(e) => Err(self.failed(e)),
        }
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
        let client = self.client()?;
        let position = match from {
            StreamFrom::Start => StreamPosition::Start,
            StreamFrom::End => StreamPosition::End,
            StreamFrom::Revision(r) => StreamPosition::Position(r),
        };
        let options = ReadStreamOptions::default()
            .position(position)
            .max_count(limit);
        let options = match direction {
            Direction::Forwards => options.forwards(),
            Direction::Backwards => options.backwards(),
        };
        let mut read = match client.read_stream(stream.as_str(), &options).await {
            Ok(read) => read,
            Err(e) => return Err(self.failed(e)),
        };
        let mut events = Vec::new();
        loop {
            match read.next().await {
                Ok(Some(resolved)) => {
                    if let Some(event) = resolved.event {
                        events.push(convert(event));
                    }
                }
                Ok(None) => break,
                Err(kurrentdb::Error::ResourceNotFound) => break,
                Err(e) => return Err(self.failed(e)),
            }
        }
        self.succeeded();
        Ok(events)
    }

    async fn read_all(
        &self,
        from: AllFrom,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let client = self.client()?;
        let (position, after) = match from {
            AllFrom::Start => (StreamPosition::Start, None),
            AllFrom::After(p) => (StreamPosition::Position(kurrent_position(p)), Some(p)),
        };
        // A read from a position includes the event at it: ask for one more and skip it.
        let options = ReadAllOptions::default()
            .position(position)
            .forwards()
            .filter(system_events_excluded())
            .max_count(limit + 1);
        let mut read = match client.read_all(&options).await {
            Ok(read) => read,
            Err(e) => return Err(self.failed(e)),
        };
        let mut events = Vec::with_capacity(limit.min(4096));
        while events.len() < limit {
            match read.next().await {
                Ok(Some(resolved)) => {
                    if let Some(event) = resolved.event {
                        let event = convert(event);
                        if after.is_none_or(|a| event.position > a) {
                            events.push(event);
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(self.failed(e)),
            }
        }
        self.succeeded();
        Ok(events)
    }

    async fn head(&self) -> Result<Option<Position>, StoreError> {
        let client = self.client()?;
        let options = ReadAllOptions::default()
            .position(StreamPosition::End)
            .backwards()
            .filter(system_events_excluded())
            .max_count(1);
        let mut read = match client.read_all(&options).await {
            Ok(read) => read,
            Err(e) => return Err(self.failed(e)),
        };
        match read.next().await {
            Ok(found) => {
                self.succeeded();
                Ok(found
                    .and_then(|r| r.event)
                    .map(|e| Position(e.position.commit)))
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    fn subscribe_all(&self, from: AllFrom) -> EventFeed {
        self.subscription(from, system_events_excluded())
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
        let filter =
            SubscriptionFilter::on_event_type().regex(format!("^(?:{})$", alternatives.join("|")));
        self.subscription(from, filter)
    }

    fn backend(&self) -> &'static str {
        "kurrentdb"
    }
}

impl KurrentDbStore {
    /// A subscription to `$all` through `filter`, resubscribing from the last position given
    /// after a lost connection.
    fn subscription(&self, from: AllFrom, filter: SubscriptionFilter) -> FilteredFeed {
        struct Feed {
            store: KurrentDbStore,
            after: Option<Position>,
            subscription: Option<kurrentdb::Subscription>,
            outage_reported: bool,
            filter: SubscriptionFilter,
        }
        let feed = Feed {
            filter,
            store: self.clone(),
            after: match from {
                AllFrom::Start => None,
                AllFrom::After(p) => Some(p),
            },
            subscription: None,
            outage_reported: false,
        };
        futures::stream::unfold(feed, |mut feed| async move {
            loop {
                let Some(subscription) = feed.subscription.as_mut() else {
                    match feed.store.client() {
                        Ok(client) => {
                            let position = match feed.after {
                                None => StreamPosition::Start,
                                Some(p) => StreamPosition::Position(kurrent_position(p)),
                            };
                            let options = SubscribeToAllOptions::default()
                                .position(position)
                                .filter(feed.filter.clone());
                            feed.subscription = Some(client.subscribe_to_all(&options).await);
                            continue;
                        }
                        Err(e) => {
                            let wait = feed.store.retry_in();
                            if !feed.outage_reported {
                                feed.outage_reported = true;
                                return Some((Err(e), feed));
                            }
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                };
                match subscription.next_subscription_event().await {
                    Ok(SubscriptionEvent::EventAppeared(resolved)) => {
                        feed.outage_reported = false;
                        let Some(event) = resolved.event else {
                            continue;
                        };
                        let event = convert(event);
                        if feed.after.is_some_and(|a| event.position <= a) {
                            continue;
                        }
                        feed.after = Some(event.position);
                        return Some((Ok(Filtered::Event(event)), feed));
                    }
                    Ok(SubscriptionEvent::Checkpoint(at)) => {
                        let at = Position(at.commit);
                        if feed.after.is_some_and(|a| at <= a) {
                            continue;
                        }
                        feed.after = Some(at);
                        return Some((Ok(Filtered::Passed(at)), feed));
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        feed.subscription = None;
                        let transient = is_connection_error(&e);
                        let error = feed.store.failed(e);
                        if !transient {
                            // Not a lost connection: report it, then resubscribe after a pause.
                            tokio::time::sleep(BACKOFF_MAX).await;
                        }
                        if !feed.outage_reported {
                            feed.outage_reported = true;
                            return Some((Err(error), feed));
                        }
                    }
                }
            }
        })
        .boxed()
    }

    /// How long until the next connection attempt is allowed.
    fn retry_in(&self) -> Duration {
        let connection = self.inner.connection.lock().expect("connection lock");
        connection
            .retry_at
            .map(|at| at.saturating_duration_since(Instant::now()))
            .unwrap_or(BACKOFF_FIRST)
            .max(Duration::from_millis(10))
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
    fn metadata_is_stored_as_the_contract_in_proto3_json() {
        let encoded = encode_metadata(&metadata(None)).unwrap();
        assert_eq!(
            std::str::from_utf8(&encoded).unwrap(),
            r#"{"actorId":"user-3","actorRole":"MISSION_HR","correlationId":"0195a3b8-7a10-7c4e-9f00-0123456789ab","effective":"2026-02-28"}"#
        );
        let recorded = chrono::Utc::now();
        assert_eq!(decode_metadata(&encoded, recorded), metadata(None));
        let with_cause = metadata(Some(Uuid::now_v7()));
        let encoded = encode_metadata(&with_cause).unwrap();
        assert_eq!(decode_metadata(&encoded, recorded), with_cause);
    }

    #[test]
    fn events_written_by_other_tools_read_with_an_external_actor() {
        let recorded = chrono::DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let read = decode_metadata(b"", recorded);
        assert_eq!(read.actor.id, "external");
        assert_eq!(read.effective, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
    }

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(2), Duration::from_millis(200));
        assert_eq!(backoff(4), Duration::from_millis(800));
        assert_eq!(backoff(30), BACKOFF_MAX);
    }
}
