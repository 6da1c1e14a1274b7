//! The event store: one trait every context writes and reads through, and its two backends — an
//! embedded, durable, crash-safe store (the default: nothing to install) and KurrentDB, for
//! clusters. Domain code depends on [`EventStore`] and never names a backend.

mod embedded;
mod error;
mod kurrent;
mod types;

use futures::stream::BoxStream;

pub use embedded::{EmbeddedOptions, EmbeddedStore, WriterStats};
pub use error::StoreError;
pub use kurrent::{KurrentDbOptions, KurrentDbStore, MAX_APPEND_BYTES};
pub use types::{
    Actor, AllFrom, AppendResult, CurrentRevision, Direction, EventType, ExpectedRevision,
    Metadata, NewEvent, Position, RecordedEvent, Revision, StreamFrom, StreamName,
};

/// A live feed of the global order: every event once, in order, with no gap.
pub type EventFeed = BoxStream<'static, Result<RecordedEvent, StoreError>>;

/// What a feed of some event types gives, in global order.
#[derive(Clone, Debug, PartialEq)]
pub enum Filtered {
    /// An event of one of the types asked for.
    Event(RecordedEvent),
    /// Every event up to this position has been read, and those after the last one given were of
    /// other types: a reader may keep this position as its checkpoint.
    Passed(Position),
}

/// A live feed of the events of some types: each once, in order, with no gap among them, and
/// [`Filtered::Passed`] marks over what lies between.
pub type FilteredFeed = BoxStream<'static, Result<Filtered, StoreError>>;

/// An append-only store of events in streams, with one global order.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` to `stream` atomically (all or none) if the stream is as `expected`.
    ///
    /// Idempotent by event id with [`ExpectedRevision::NoStream`] and [`ExpectedRevision::Exact`]:
    /// sending again an append whose events are already stored, with the same ids and the same
    /// expectation, succeeds without writing twice — on every backend, across restarts and
    /// failovers. This is what makes it safe to send an append again after an outage left its
    /// outcome unknown ([`StoreError::Unavailable`]: it may or may not have been written), and it
    /// is why every command path appends with those two only. With [`ExpectedRevision::Any`] or
    /// [`ExpectedRevision::StreamExists`] no backend-independent promise is made: KurrentDB checks
    /// such a re-send only against a bounded in-memory cache that a restart or failover loses, and
    /// does not refuse an id already stored in another stream ([`StoreError::DuplicateEventId`]
    /// is the embedded store's). A wrong expectation is [`StoreError::WrongExpectedRevision`]
    /// carrying the actual revision. An empty batch, or one larger than the backend takes in one
    /// append, is refused as [`StoreError::InvalidInput`].
    async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError>;

    /// Reads up to `limit` events of a stream from `from` (inclusive) in `direction`. A stream that
    /// does not exist reads as empty.
    async fn read_stream(
        &self,
        stream: &StreamName,
        from: StreamFrom,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads up to `limit` events of the global order, after `from`.
    async fn read_all(&self, from: AllFrom, limit: usize)
    -> Result<Vec<RecordedEvent>, StoreError>;

    /// The position of the last stored event, or `None` for an empty store.
    async fn head(&self) -> Result<Option<Position>, StoreError>;

    /// Every event after `from`: first those already stored (catch-up), then each new one as it is
    /// appended (live), in global order, with no gap and no duplicate across the switch. Resume a
    /// reader by passing the position of the last event it processed ([`AllFrom::checkpoint`]).
    fn subscribe_all(&self, from: AllFrom) -> EventFeed;

    /// Like [`EventStore::subscribe_all`], but gives only the events whose stored type is one of
    /// `types`, with a [`Filtered::Passed`] mark along the way and each time it has caught up.
    /// The backend filters where the events are kept, so a reader that needs few of them neither
    /// receives nor decodes the rest.
    fn subscribe_types(&self, from: AllFrom, types: &[&str]) -> FilteredFeed;

    /// A short name of the backend, for logs and metrics.
    fn backend(&self) -> &'static str;
}

/// A store in front of another that changes only how events are appended (sealing restricted
/// fields, timing the append, failing one in a test): every read, feed and the backend's name are
/// the inner store's, so a layer writes only what it changes.
#[async_trait::async_trait]
pub trait AppendLayer: Send + Sync + 'static {
    /// The store every read goes to, and where the layer's appends end.
    fn inner(&self) -> &dyn EventStore;

    /// What [`EventStore::append`] does through this layer.
    async fn append_through(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError>;

    /// The backend's name, for logs and metrics: the inner store's unless the layer says.
    fn backend(&self) -> &'static str {
        self.inner().backend()
    }
}

#[async_trait::async_trait]
impl<L: AppendLayer> EventStore for L {
    async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        self.append_through(stream, expected, events).await
    }

    async fn read_stream(
        &self,
        stream: &StreamName,
        from: StreamFrom,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner()
            .read_stream(stream, from, direction, limit)
            .await
    }

    async fn read_all(
        &self,
        from: AllFrom,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner().read_all(from, limit).await
    }

    async fn head(&self) -> Result<Option<Position>, StoreError> {
        self.inner().head().await
    }

    fn subscribe_all(&self, from: AllFrom) -> EventFeed {
        self.inner().subscribe_all(from)
    }

    fn subscribe_types(&self, from: AllFrom, types: &[&str]) -> FilteredFeed {
        self.inner().subscribe_types(from, types)
    }

    fn backend(&self) -> &'static str {
        AppendLayer::backend(self)
    }
}

/// Reads a whole stream forwards, page by page.
pub async fn read_stream_to_end(
    store: &dyn EventStore,
    stream: &StreamName,
) -> Result<Vec<RecordedEvent>, StoreError> {
    const PAGE: usize = 1024;
    let mut events = Vec::new();
    let mut from = StreamFrom::Start;
    loop {
        let page = store
            .read_stream(stream, from, Direction::Forwards, PAGE)
            .await?;
        let done = page.len() < PAGE;
        if let Some(last) = page.last() {
            from = StreamFrom::Revision(last.revision + 1);
        }
        events.extend(page);
        if done {
            return Ok(events);
        }
    }
}
