//! Read models, fed by one subscription to the store.
//!
//! The hub subscribes from its checkpoint and hands every event, in global order, to each
//! registered projection; then it publishes the position it has reached (for `/readyz` and
//! read-your-writes) and the event itself (for GraphQL subscriptions). Projections keep their state
//! in memory. With snapshots configured, the hub persists that state with its checkpoint (see
//! [`crate::snapshot`]) once it has caught up and at least `every` events have been applied since
//! the last one, and when the server stops; a restart reads the snapshot back and subscribes from
//! its checkpoint instead of position 0.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cla_event_store::{AllFrom, Direction, EventStore, Position, RecordedEvent, StreamFrom};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::snapshot::{self, Checkpoint, SnapshotError, Writer};

/// A read model: applies each event of the global order, once, in order.
pub trait Projection: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn apply(&self, event: &RecordedEvent);

    /// Whether a snapshot may leave `event` out of the events it replays into this projection:
    /// the projection reads nothing of it, or its own part of the snapshot ([`Projection::save`])
    /// keeps what it needs of it. An event is left out only when every projection spares it; by
    /// default none is spared.
    fn spares(&self, _event: &RecordedEvent) -> bool {
        false
    }

    /// Its own part of a snapshot: what it keeps of the events it spares but reads.
    fn save(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Takes its part back, on a fresh projection, before any event is applied. On an error the
    /// projection is left unchanged.
    fn restore(&self, _part: &[u8]) -> Result<(), SnapshotError> {
        Ok(())
    }
}

/// Where and how often the hub persists the projections' state.
#[derive(Clone, Debug)]
pub struct SnapshotConfig {
    pub path: PathBuf,
    /// The projections' reading: a snapshot written under another one is not used.
    pub version: String,
    /// Events applied since the last snapshot before another is taken (once caught up).
    pub every: u64,
}

/// What a snapshot is cut from: the checkpoint and the events that must be replayed.
#[derive(Default)]
struct Cut {
    /// The last event applied.
    last: Option<Checkpoint>,
    log: Writer,
    logged: u64,
    since_saved: u64,
}

/// Feeds the registered projections and tells how far they are.
pub struct ProjectionHub {
    store: Arc<dyn EventStore>,
    projections: Vec<Arc<dyn Projection>>,
    applied: watch::Sender<u64>,
    /// The last position each projection has applied, in the order of `projections`.
    applied_each: Vec<AtomicU64>,
    changes: broadcast::Sender<Arc<RecordedEvent>>,
    failed: AtomicBool,
    snapshots: Option<SnapshotConfig>,
    cut: Mutex<Cut>,
    saving: AtomicBool,
    restored: AtomicU64,
}

impl ProjectionHub {
    /// A hub over `projections`, persisting their state as `snapshots` says (never with `None`).
    pub fn new(
        store: Arc<dyn EventStore>,
        projections: Vec<Arc<dyn Projection>>,
        snapshots: Option<SnapshotConfig>,
    ) -> Arc<Self> {
        let (applied, _) = watch::channel(0);
        let (changes, _) = broadcast::channel(4096);
        Arc::new(Self {
            store,
            applied_each: projections.iter().map(|_| AtomicU64::new(0)).collect(),
            projections,
            applied,
            changes,
            failed: AtomicBool::new(false),
            snapshots,
            cut: Mutex::new(Cut::default()),
            saving: AtomicBool::new(false),
            restored: AtomicU64::new(0),
        })
    }

    /// Starts feeding the projections from their snapshot where there is a usable one, else from
    /// position 0.
    pub fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let started = Instant::now();
            let from = match hub.restore().await {
                Ok(Some(position)) => {
                    release_free_memory();
                    tracing::info!(
                        position = position.0,
                        seconds = started.elapsed().as_secs_f64(),
                        "projections restored from their snapshot"
                    );
                    AllFrom::After(position)
                }
                Ok(None) => AllFrom::Start,
                Err(Restore::Unused(e)) => {
                    tracing::warn!(error = %e, "snapshot not used; the projections are rebuilt from the start");
                    AllFrom::Start
                }
                Err(Restore::Partial(e)) => {
                    tracing::error!(error = %e, "snapshot only partly restored; it is removed, restart to rebuild");
                    if let Some(config) = &hub.snapshots {
                        let _ = std::fs::remove_file(&config.path);
                    }
                    hub.failed.store(true, Ordering::Relaxed);
                    return;
                }
            };
            hub.feed(from).await
        })
    }

    async fn feed(self: Arc<Self>, from: AllFrom) {
        if let AllFrom::After(p) = from {
            self.applied.send_replace(p.0);
            for each in &self.applied_each {
                each.store(p.0, Ordering::Relaxed);
            }
        }
        let mut feed = self.store.subscribe_all(from);
        let mut last_look = Instant::now();
        while let Some(next) = feed.next().await {
            match next {
                Ok(event) => {
                    let due = self.apply(&event);
                    let position = event.position.0;
                    let _ = self.changes.send(Arc::new(event));
                    self.applied.send_replace(position);
                    // A snapshot once caught up: never one per page of a long replay.
                    if due && last_look.elapsed() >= Duration::from_secs(1) {
                        last_look = Instant::now();
                        if matches!(self.store.head().await, Ok(Some(h)) if h.0 <= position) {
                            self.save_in_background();
                        }
                    }
                }
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "projection feed interrupted; it resumes by itself");
                }
                Err(e) => {
                    tracing::error!(error = %e, "projection feed ended");
                    self.failed.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    }

    /// Applies one event to every projection; whether a snapshot is due.
    fn apply(&self, event: &RecordedEvent) -> bool {
        let mut cut = self.cut.lock().expect("hub cut lock");
        for (projection, applied) in self.projections.iter().zip(&self.applied_each) {
            projection.apply(event);
            applied.store(event.position.0, Ordering::Relaxed);
        }
        let Some(config) = &self.snapshots else {
            return false;
        };
        if !self.projections.iter().all(|p| p.spares(event)) {
            cut.log.event(event);
            cut.logged += 1;
        }
        cut.last = Some(Checkpoint::of(event));
        cut.since_saved += 1;
        cut.since_saved >= config.every
    }

    /// The snapshot of the projections as they are now; `None` before any event.
    fn cut_snapshot(&self, version: &str) -> Option<Vec<u8>> {
        let mut cut = self.cut.lock().expect("hub cut lock");
        let checkpoint = cut.last.clone()?;
        let parts: Vec<(&str, Vec<u8>)> = self
            .projections
            .iter()
            .map(|p| (p.name(), p.save()))
            .collect();
        cut.since_saved = 0;
        Some(snapshot::encode(
            version,
            &checkpoint,
            cut.logged,
            &cut.log.bytes,
            &parts,
        ))
    }

    /// Writes a snapshot now (when the server stops). Nothing to do without snapshots configured.
    pub fn save_snapshot(&self) -> Result<(), SnapshotError> {
        let Some(config) = &self.snapshots else {
            return Ok(());
        };
        // One writer of the file at a time: a snapshot being written in the background finishes
        // first.
        let waited = Instant::now();
        while self.saving.swap(true, Ordering::AcqRel) {
            if waited.elapsed() > Duration::from_secs(60) {
                return Err(SnapshotError::Io(std::io::Error::other(
                    "another snapshot is still being written",
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let written = match self.cut_snapshot(&config.version) {
            Some(bytes) => snapshot::write_file(&config.path, &bytes),
            None => Ok(()),
        };
        self.saving.store(false, Ordering::Release);
        written?;
        let bytes = std::fs::metadata(&config.path).map_or(0, |m| m.len());
        tracing::info!(path = %config.path.display(), bytes, "projections' snapshot written");
        Ok(())
    }

    /// Cuts a snapshot now and writes it on a thread of its own (one at a time).
    fn save_in_background(self: &Arc<Self>) {
        let Some(config) = self.snapshots.clone() else {
            return;
        };
        if self.saving.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(bytes) = self.cut_snapshot(&config.version) else {
            self.saving.store(false, Ordering::Release);
            return;
        };
        let hub = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                match snapshot::write_file(&config.path, &bytes) {
                    Ok(()) => tracing::info!(bytes = bytes.len(), "projections' snapshot written"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not write the projections' snapshot")
                    }
                }
                hub.saving.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            tracing::warn!("could not start writing the projections' snapshot");
            self.saving.store(false, Ordering::Release);
        }
    }

    /// Reads the snapshot back into the (fresh) projections: its position, or `None` where there
    /// is no snapshot file.
    async fn restore(&self) -> Result<Option<Position>, Restore> {
        let Some(config) = &self.snapshots else {
            return Ok(None);
        };
        let bytes = match std::fs::read(&config.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Restore::Unused(e.into())),
        };
        let snap = snapshot::decode(&bytes, &config.version).map_err(Restore::Unused)?;
        // The checkpoint's event must be this store's.
        let c = &snap.checkpoint;
        let found = self
            .store
            .read_stream(
                &c.stream,
                StreamFrom::Revision(c.revision),
                Direction::Forwards,
                1,
            )
            .await
            .map_err(|e| Restore::Unused(std::io::Error::other(e.to_string()).into()))?;
        if !found
            .first()
            .is_some_and(|e| e.id == c.id && e.position == c.position)
        {
            return Err(Restore::Unused(SnapshotError::Damaged(
                "its checkpoint is not an event of this store",
            )));
        }
        let mut cut = self.cut.lock().expect("hub cut lock");
        let mut committed = false;
        for (name, part) in &snap.parts {
            let Some(p) = self.projections.iter().find(|p| p.name() == name) else {
                return Err(Restore::Unused(SnapshotError::Version(format!(
                    "a part for {name}"
                ))));
            };
            if let Err(e) = p.restore(part) {
                return Err(if committed {
                    Restore::Partial(e)
                } else {
                    Restore::Unused(e)
                });
            }
            committed |= !part.is_empty();
        }
        for event in &snap.events {
            // A projection that spares the event has what it needs of it in its own part.
            for projection in self.projections.iter().filter(|p| !p.spares(event)) {
                projection.apply(event);
            }
            cut.log.event(event);
            cut.logged += 1;
        }
        cut.last = Some(c.clone());
        // The position is published by the feed, once the file's memory is given back.
        self.restored
            .store(snap.checkpoint.position.0, Ordering::Relaxed);
        Ok(Some(snap.checkpoint.position))
    }

    /// The checkpoint the projections were restored from at start-up; 0 where they were rebuilt
    /// from the start.
    pub fn restored_from(&self) -> u64 {
        self.restored.load(Ordering::Relaxed)
    }

    /// The position of the last event every projection has applied (0 for none).
    pub fn position(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Each projection by name, with the position of the last event it has applied.
    pub fn positions(&self) -> Vec<(&'static str, u64)> {
        self.projections
            .iter()
            .zip(&self.applied_each)
            .map(|(p, applied)| (p.name(), applied.load(Ordering::Relaxed)))
            .collect()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.projections.iter().map(|p| p.name()).collect()
    }

    /// How many events the projections are behind the store.
    pub async fn lag(&self) -> AppResult<u64> {
        let head = self.store.head().await?.map_or(0, |p| p.0);
        Ok(head.saturating_sub(self.position()))
    }

    /// Whether the projections have applied everything the store holds.
    pub async fn caught_up(&self) -> bool {
        !self.failed.load(Ordering::Relaxed) && matches!(self.lag().await, Ok(0))
    }

    /// Waits until the projections have applied `position` (read-your-writes).
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> AppResult<()> {
        let mut applied = self.applied.subscribe();
        let reached = tokio::time::timeout(timeout, applied.wait_for(|p| *p >= position.0)).await;
        match reached {
            Ok(Ok(_)) => Ok(()),
            _ => Err(AppError::new(
                ErrorCode::Unavailable,
                "the change was stored, but the read models have not shown it yet; query again shortly",
            )),
        }
    }

    /// Every event as the projections apply it.
    pub fn changes(&self) -> broadcast::Receiver<Arc<RecordedEvent>> {
        self.changes.subscribe()
    }
}

/// Gives the memory freed after reading a snapshot (the file, the events decoded) back to the
/// system, which the allocator would otherwise keep for later.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Why a snapshot was not restored.
enum Restore {
    /// Nothing was changed: the projections are rebuilt from position 0.
    Unused(SnapshotError),
    /// Some projections took their part back before another refused its own.
    Partial(SnapshotError),
}
