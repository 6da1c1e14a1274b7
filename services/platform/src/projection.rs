//! Read models, fed by one subscription to the store.
//!
//! The hub subscribes from its checkpoint and hands every event, in global order, to each
//! registered projection; then it publishes the position it has reached (for `/readyz` and
//! read-your-writes) and the event itself (for GraphQL subscriptions). Projections here keep their
//! state in memory and are rebuilt from position 0 at start-up; a projection that persists its state
//! with its checkpoint starts the hub from that checkpoint instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cla_event_store::{AllFrom, EventStore, Position, RecordedEvent};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};

use crate::error::{AppError, AppResult, ErrorCode};

/// A read model: applies each event of the global order, once, in order.
pub trait Projection: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn apply(&self, event: &RecordedEvent);
}

/// Feeds the registered projections and tells how far they are.
pub struct ProjectionHub {
    store: Arc<dyn EventStore>,
    projections: Vec<Arc<dyn Projection>>,
    applied: watch::Sender<u64>,
    changes: broadcast::Sender<Arc<RecordedEvent>>,
    failed: AtomicBool,
}

impl ProjectionHub {
    pub fn new(store: Arc<dyn EventStore>, projections: Vec<Arc<dyn Projection>>) -> Arc<Self> {
        let (applied, _) = watch::channel(0);
        let (changes, _) = broadcast::channel(4096);
        Arc::new(Self {
            store,
            projections,
            applied,
            changes,
            failed: AtomicBool::new(false),
        })
    }

    /// Starts feeding the projections from `from` (their checkpoint).
    pub fn start(self: &Arc<Self>, from: AllFrom) -> tokio::task::JoinHandle<()> {
        let hub = Arc::clone(self);
        if let AllFrom::After(p) = from {
            hub.applied.send_replace(p.0);
        }
        tokio::spawn(async move {
            let mut feed = hub.store.subscribe_all(from);
            while let Some(next) = feed.next().await {
                match next {
                    Ok(event) => {
                        for projection in &hub.projections {
                            projection.apply(&event);
                        }
                        let position = event.position.0;
                        let _ = hub.changes.send(Arc::new(event));
                        hub.applied.send_replace(position);
                    }
                    Err(e) if e.is_transient() => {
                        tracing::warn!(error = %e, "projection feed interrupted; it resumes by itself");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "projection feed ended");
                        hub.failed.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        })
    }

    /// The position of the last event every projection has applied (0 for none).
    pub fn position(&self) -> u64 {
        *self.applied.borrow()
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
