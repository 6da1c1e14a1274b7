//! The embedded store: SQLite under a data directory, durable before it acknowledges.
//!
//! - Durability: WAL journaling with `synchronous = FULL`: a commit is synced to disk before the
//!   writer answers, and SQLite recovers a store cut off at any moment to its last commit.
//! - Writes: one writer thread doing group commit (see `writer.rs`).
//! - Reads: a small pool of read connections, used from blocking tasks; WAL lets them read while
//!   the writer writes.
//! - Ownership: one process per data directory (see `lock.rs`).

mod lock;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use futures::StreamExt;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use tokio::sync::{mpsc, oneshot, watch};

use crate::types::{
    AllFrom, AppendResult, Direction, ExpectedRevision, NewEvent, Position, RecordedEvent,
    StreamFrom, StreamName,
};
use crate::{EventFeed, EventStore, Filtered, FilteredFeed, StoreError};
use lock::DirLock;
use writer::{AppendRequest, Writer};

/// Settings of the embedded store.
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// The most events one group commit takes before it syncs.
    pub max_batch_events: usize,
    /// How many append requests may wait for the writer before callers wait to send.
    pub queue_depth: usize,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        Self {
            max_batch_events: 8192,
            queue_depth: 16_384,
        }
    }
}

/// What the writer has done since the store opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriterStats {
    /// Durable transactions committed (each one sync to disk).
    pub commits: u64,
    /// Appends answered by them: written, recognised as already written, or refused.
    pub appends: u64,
    /// Events written.
    pub events: u64,
}

/// The embedded event store. Cheap to clone; the writer stops when the last clone is dropped.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    requests: Mutex<Option<mpsc::Sender<AppendRequest>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Arc<Readers>,
    head: watch::Receiver<u64>,
    stats: Arc<writer::WriterCounters>,
    dir: PathBuf,
    // Released last, once the writer has stopped.
    _lock: DirLock,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.requests.lock().expect("writer queue lock").take();
        if let Some(writer) = self.writer.lock().expect("writer handle lock").take() {
            let _ = writer.join();
        }
    }
}

impl EmbeddedStore {
    /// Opens (creating where needed) the store in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, EmbeddedOptions::default())
    }

    pub fn open_with(dir: impl AsRef<Path>, options: EmbeddedOptions) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| StoreError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let lock = DirLock::acquire(&dir)?;
        let path = dir.join("events.db");
        let conn = Connection::open(&path)?;
        schema::configure(&conn)?;
        schema::create(&conn)?;
        let head: Option<i64> =
            conn.query_row("SELECT MAX(position) FROM events", [], |r| r.get(0))?;
        let head = head.unwrap_or(0) as u64;
        let (head_tx, head_rx) = watch::channel(head);
        let stats = Arc::new(writer::WriterCounters::default());
        let (requests_tx, requests_rx) = mpsc::channel(options.queue_depth.max(1));
        let writer = Writer {
            conn,
            requests: requests_rx,
            head: head_tx,
            max_batch_events: options.max_batch_events.max(1),
            stats: Arc::clone(&stats),
            revisions: Default::default(),
        };
        let writer = std::thread::Builder::new()
            .name("event-store-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Internal(format!("cannot start the writer: {e}")))?;
        tracing::info!(dir = %dir.display(), head, "embedded event store open");
        Ok(Self {
            inner: Arc::new(Inner {
                requests: Mutex::new(Some(requests_tx)),
                writer: Mutex::new(Some(writer)),
                readers: Arc::new(Readers {
                    path,
                    idle: Mutex::new(Vec::new()),
                    names: Default::default(),
                }),
                head: head_rx,
                stats,
                dir,
                _lock: lock,
            }),
        })
    }

    /// What the writer has done since the store opened.
    pub fn stats(&self) -> WriterStats {
        use std::sync::atomic::Ordering::Relaxed;
        WriterStats {
            commits: self.inner.stats.commits.load(Relaxed),
            appends: self.inner.stats.appends.load(Relaxed),
            events: self.inner.stats.events.load(Relaxed),
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

/// Read connections, opened on demand and kept for reuse, and the names of stream ids (which
/// never change once given).
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    names: std::sync::RwLock<std::collections::HashMap<i64, StreamName>>,
}

impl Readers {
    const KEEP: usize = 8;

    async fn with<T, F>(self: &Arc<Self>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Self, &Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let conn = match readers.idle.lock().expect("reader pool lock").pop() {
                Some(conn) => conn,
                None => readers.open()?,
            };
            let result = f(&readers, &conn);
            let mut idle = readers.idle.lock().expect("reader pool lock");
            if idle.len() < Self::KEEP {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }

    /// Decodes the rows of `stmt`, naming streams from the shared cache.
    fn collect(
        &self,
        conn: &Connection,
        stmt: &mut rusqlite::CachedStatement<'_>,
        params: impl rusqlite::Params,
        capacity: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let names = self.names.read().expect("stream names lock");
        let mut missing: Vec<(i64, StreamName)> = Vec::new();
        let mut name_of = |id: i64| -> rusqlite::Result<StreamName> {
            if let Some(name) = names.get(&id) {
                return Ok(name.clone());
            }
            if let Some((_, name)) = missing.iter().find(|(m, _)| *m == id) {
                return Ok(name.clone());
            }
            let name: String = conn
                .prepare_cached("SELECT name FROM streams WHERE id = ?1")?
                .query_row([id], |r| r.get(0))?;
            let name = StreamName::from_stored(&name);
            missing.push((id, name.clone()));
            Ok(name)
        };
        let mut rows = stmt.query(params)?;
        let mut events = Vec::with_capacity(capacity);
        while let Some(row) = rows.next()? {
            events.push(schema::decode(row, &mut name_of)?);
        }
        drop(rows);
        drop(names);
        if !missing.is_empty() {
            self.names
                .write()
                .expect("stream names lock")
                .extend(missing);
        }
        Ok(events)
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = -65536;")?;
        Ok(conn)
    }
}

fn read_all_sync(
    readers: &Readers,
    conn: &Connection,
    after: u64,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2",
        schema::COLUMNS
    ))?;
    let limit = limit.min(i64::MAX as usize);
    readers.collect(
        conn,
        &mut stmt,
        [after as i64, limit as i64],
        limit.min(4096),
    )
}

/// Up to `limit` events of `types` among positions `after + 1 ..= upto`. Rows of other types
/// are skipped by SQLite on their stored type alone, never decoded.
fn read_types_sync(
    readers: &Readers,
    conn: &Connection,
    (after, upto): (u64, u64),
    types: &[String],
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let marks = vec!["?"; types.len()].join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM events WHERE position > ? AND position <= ? AND event_type IN ({marks}) \
         ORDER BY position LIMIT ?",
        schema::COLUMNS
    ))?;
    let mut params: Vec<rusqlite::types::Value> = vec![(after as i64).into(), (upto as i64).into()];
    params.extend(types.iter().map(|t| t.clone().into()));
    params.push((limit.min(i64::MAX as usize) as i64).into());
    readers.collect(conn, &mut stmt, rusqlite::params_from_iter(params), 16)
}

fn after_of(from: AllFrom) -> u64 {
    match from {
        AllFrom::Start => 0,
        AllFrom::After(Position(p)) => p,
    }
}

#[async_trait::async_trait]
impl EventStore for EmbeddedStore {
    async fn append(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        crate::types::check_append(&events)?;
        let sender = self
            .inner
            .requests
            .lock()
            .expect("writer queue lock")
            .clone()
            .ok_or(StoreError::Closed)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(AppendRequest {
                stream: stream.clone(),
                expected,
                events,
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    async fn read_stream(
        &self,
        stream: &StreamName,
        from: StreamFrom,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.clone();
        let limit = limit.min(i64::MAX as usize) as i64;
        self.inner
            .readers
            .with(move |readers, conn| {
                let (bound, order) = match (direction, from) {
                    (Direction::Forwards, StreamFrom::Start) => {
                        (0, "revision >= ?2 ORDER BY revision ASC")
                    }
                    (Direction::Forwards, StreamFrom::Revision(r)) => {
                        (r as i64, "revision >= ?2 ORDER BY revision ASC")
                    }
                    (Direction::Forwards, StreamFrom::End) => {
                        (i64::MAX, "revision >= ?2 ORDER BY revision ASC")
                    }
                    (Direction::Backwards, StreamFrom::Start) => {
                        (0, "revision <= ?2 ORDER BY revision DESC")
                    }
                    (Direction::Backwards, StreamFrom::Revision(r)) => (
                        r.min(i64::MAX as u64) as i64,
                        "revision <= ?2 ORDER BY revision DESC",
                    ),
                    (Direction::Backwards, StreamFrom::End) => {
                        (i64::MAX, "revision <= ?2 ORDER BY revision DESC")
                    }
                };
                let id: Option<i64> = conn
                    .prepare_cached("SELECT id FROM streams WHERE name = ?1")?
                    .query_row([stream.as_str()], |r| r.get(0))
                    .optional()?;
                let Some(id) = id else { return Ok(Vec::new()) };
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {} FROM events WHERE stream_id = ?1 AND {order} LIMIT ?3",
                    schema::COLUMNS
                ))?;
                readers.collect(conn, &mut stmt, rusqlite::params![id, bound, limit], 64)
            })
            .await
    }

    async fn read_all(
        &self,
        from: AllFrom,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let after = after_of(from);
        self.inner
            .readers
            .with(move |readers, conn| read_all_sync(readers, conn, after, limit))
            .await
    }

    async fn head(&self) -> Result<Option<Position>, StoreError> {
        let head = *self.inner.head.borrow();
        Ok((head > 0).then_some(Position(head)))
    }

    fn subscribe_all(&self, from: AllFrom) -> EventFeed {
        const PAGE: usize = 1024;
        struct Feed {
            readers: Arc<Readers>,
            head: watch::Receiver<u64>,
            after: u64,
            buffered: std::collections::VecDeque<RecordedEvent>,
            ended: bool,
            /// The next page, being read while this one is consumed (catch-up only).
            next: Option<tokio::task::JoinHandle<Result<Vec<RecordedEvent>, StoreError>>>,
        }
        let feed = Feed {
            readers: Arc::clone(&self.inner.readers),
            head: self.inner.head.clone(),
            after: after_of(from),
            buffered: Default::default(),
            ended: false,
            next: None,
        };
        // A full page means more may follow: read it on another thread meanwhile.
        fn read_ahead(feed: &mut Feed, page: &[RecordedEvent]) {
            if page.len() == PAGE
                && let Some(last) = page.last()
            {
                let (readers, after) = (Arc::clone(&feed.readers), last.position.0);
                feed.next = Some(tokio::spawn(async move {
                    readers
                        .with(move |readers, conn| read_all_sync(readers, conn, after, PAGE))
                        .await
                }));
            }
        }
        futures::stream::unfold(feed, |mut feed| async move {
            loop {
                if feed.ended {
                    return None;
                }
                if let Some(event) = feed.buffered.pop_front() {
                    feed.after = event.position.0;
                    return Some((Ok(event), feed));
                }
                if let Some(next) = feed.next.take() {
                    match next.await {
                        Ok(Ok(page)) if !page.is_empty() => {
                            read_ahead(&mut feed, &page);
                            feed.buffered.extend(page);
                            continue;
                        }
                        // Nothing more yet: from here as when live.
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => {
                            feed.ended = true;
                            return Some((Err(e), feed));
                        }
                        Err(e) => {
                            feed.ended = true;
                            let e = StoreError::Internal(format!("read task failed: {e}"));
                            return Some((Err(e), feed));
                        }
                    }
                }
                // Mark the head as seen before reading, so an append committed after the read
                // below wakes the wait that follows it: no append is missed at the switch.
                let head = *feed.head.borrow_and_update();
                if head > feed.after {
                    let after = feed.after;
                    match feed
                        .readers
                        .with(move |readers, conn| read_all_sync(readers, conn, after, PAGE))
                        .await
                    {
                        Ok(page) if page.is_empty() => {
                            feed.ended = true;
                            let e = StoreError::Internal(format!(
                                "the store's head is {head} but nothing is readable after {after}"
                            ));
                            return Some((Err(e), feed));
                        }
                        Ok(page) => {
                            read_ahead(&mut feed, &page);
                            feed.buffered.extend(page);
                        }
                        Err(e) => {
                            feed.ended = true;
                            return Some((Err(e), feed));
                        }
                    }
                    continue;
                }
                if feed.head.changed().await.is_err() {
                    feed.ended = true;
                    return Some((Err(StoreError::Closed), feed));
                }
            }
        })
        .boxed()
    }

    fn subscribe_types(&self, from: AllFrom, types: &[&str]) -> FilteredFeed {
        /// The most positions one read looks through, so a reader catching up on a long history
        /// gets a mark to keep at least this often.
        const SPAN: u64 = 1 << 16;
        const PAGE: usize = 1024;
        struct Feed {
            readers: Arc<Readers>,
            head: watch::Receiver<u64>,
            after: u64,
            types: Arc<Vec<String>>,
            buffered: std::collections::VecDeque<Filtered>,
            ended: bool,
        }
        let feed = Feed {
            readers: Arc::clone(&self.inner.readers),
            head: self.inner.head.clone(),
            after: after_of(from),
            types: Arc::new(types.iter().map(|t| t.to_string()).collect()),
            buffered: Default::default(),
            ended: false,
        };
        futures::stream::unfold(feed, |mut feed| async move {
            loop {
                if feed.ended {
                    return None;
                }
                if let Some(next) = feed.buffered.pop_front() {
                    return Some((Ok(next), feed));
                }
                // As in `subscribe_all`: the head is marked seen before reading, so an append
                // committed after the read wakes the wait below.
                let head = *feed.head.borrow_and_update();
                if head > feed.after {
                    let span = (feed.after, head.min(feed.after.saturating_add(SPAN)));
                    let types = Arc::clone(&feed.types);
                    match feed
                        .readers
                        .with(move |readers, conn| {
                            read_types_sync(readers, conn, span, &types, PAGE)
                        })
                        .await
                    {
                        Ok(page) => {
                            // A full page may leave events of these types before the span's end.
                            feed.after = match page.last() {
                                Some(last) if page.len() == PAGE => last.position.0,
                                _ => span.1,
                            };
                            feed.buffered.extend(page.into_iter().map(Filtered::Event));
                            feed.buffered
                                .push_back(Filtered::Passed(Position(feed.after)));
                        }
                        Err(e) => {
                            feed.ended = true;
                            return Some((Err(e), feed));
                        }
                    }
                    continue;
                }
                if feed.head.changed().await.is_err() {
                    feed.ended = true;
                    return Some((Err(StoreError::Closed), feed));
                }
            }
        })
        .boxed()
    }

    fn backend(&self) -> &'static str {
        "embedded"
    }
}
