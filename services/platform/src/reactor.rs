//! Where a reactor (a task that reacts to events with commands) has got to in the global order,
//! kept in a small file so a restart resumes there instead of reading the whole store again.
//!
//! The position written means every event up to it has been handled: a reactor handles events one
//! after another and reports each once done, and reports the store's marks over the events of other
//! types as handled too. It is written at once after an event the reactor acted on, otherwise at
//! most every few seconds, and whenever the reactor has caught up and waits for the next event;
//! whatever was not yet written is read again after a restart, which reactors allow (their
//! commands change nothing the second time).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cla_event_store::{Actor, AllFrom, EventStore, Filtered, Position, RecordedEvent};
use futures::{FutureExt, Stream, StreamExt};

/// The actor of events the system records by itself (reactors, the detector, the alert watch).
pub fn system_actor() -> Actor {
    Actor {
        id: "system".into(),
        role: "SYSTEM".into(),
    }
}

/// The one reactor loop: follows the store's events of `types` (filtered where they are kept)
/// from `checkpoint`, hands each to `react` in order, one at a time, and counts it handled once
/// `react` is done, with the store's marks over other events handled too. A passing store failure
/// is waited out; another stops the reactor, logged under `name`. `react` must allow an event to
/// be handed to it again after a restart (its commands change nothing the second time).
pub fn spawn_reactor<F, Fut>(
    name: &'static str,
    store: Arc<dyn EventStore>,
    types: &'static [&'static str],
    mut checkpoint: ReactorCheckpoint,
    mut react: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut(RecordedEvent) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut feed = store.subscribe_types(checkpoint.start(), types);
        while let Some(next) = checkpoint.next(&mut feed).await {
            match next {
                Ok(Filtered::Event(event)) => {
                    let position = event.position;
                    react(event).await;
                    checkpoint.handled(position, true);
                }
                Ok(Filtered::Passed(position)) => checkpoint.handled(position, false),
                Err(e) if e.is_transient() => continue,
                Err(e) => {
                    tracing::error!(reactor = name, error = %e, "reactor stopped");
                    return;
                }
            }
        }
    })
}

/// How long handled positions may wait to be written when nothing was acted on.
const EVERY: Duration = Duration::from_secs(5);

/// How long a reactor waits for the next event before it counts as caught up.
const QUIET: Duration = Duration::from_millis(200);

pub struct ReactorCheckpoint {
    path: Option<PathBuf>,
    written: u64,
    pending: u64,
    at: Instant,
}

impl ReactorCheckpoint {
    /// A checkpoint kept in `path`; with `None`, a reactor always starts from the beginning.
    pub fn new(path: Option<PathBuf>) -> Self {
        let written = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0);
        Self {
            path,
            written,
            pending: written,
            at: Instant::now(),
        }
    }

    /// Where the reactor's subscription starts.
    pub fn start(&self) -> AllFrom {
        AllFrom::checkpoint((self.written > 0).then_some(Position(self.written)))
    }

    /// The feed's next item. When none comes for a moment (the reactor has caught up and waits),
    /// the handled positions not yet written are written. A timer is set only when no item is
    /// ready at once, not for every event.
    pub async fn next<T>(&mut self, feed: &mut (impl Stream<Item = T> + Unpin)) -> Option<T> {
        if self.pending > self.written {
            if let Some(item) = feed.next().now_or_never() {
                return item;
            }
            match tokio::time::timeout(QUIET, feed.next()).await {
                Ok(item) => return item,
                Err(_) => self.write(),
            }
        }
        feed.next().await
    }

    /// Every event up to `position` has been handled; `acted` when the reactor gave a command for
    /// it (written at once).
    pub fn handled(&mut self, position: Position, acted: bool) {
        self.pending = self.pending.max(position.0);
        if self.pending > self.written && (acted || self.at.elapsed() >= EVERY) {
            self.write();
        }
    }

    fn write(&mut self) {
        let Some(path) = &self.path else {
            return;
        };
        let tmp = path.with_extension("tmp");
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&tmp, self.pending.to_string()))
            .and_then(|()| std::fs::rename(&tmp, path));
        match written {
            Ok(()) => self.written = self.pending,
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "could not keep a reactor's checkpoint")
            }
        }
        self.at = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reactor_resumes_after_what_it_handled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reactors").join("closures");
        let mut c = ReactorCheckpoint::new(Some(path.clone()));
        assert_eq!(c.start(), AllFrom::Start, "nothing handled yet");
        c.handled(Position(5), false);
        assert_eq!(
            ReactorCheckpoint::new(Some(path.clone())).start(),
            AllFrom::Start,
            "events passed over wait to be written"
        );
        c.handled(Position(9), true);
        assert_eq!(
            ReactorCheckpoint::new(Some(path.clone())).start(),
            AllFrom::After(Position(9)),
            "written once acted on"
        );
        assert_eq!(ReactorCheckpoint::new(None).start(), AllFrom::Start);
    }

    #[tokio::test]
    async fn a_reactor_that_caught_up_writes_what_it_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("closures");
        let mut c = ReactorCheckpoint::new(Some(path.clone()));
        let mut busy = futures::stream::iter([1, 2]);
        assert_eq!(c.next(&mut busy).await, Some(1));
        c.handled(Position(40), false);
        assert_eq!(c.next(&mut busy).await, Some(2));
        assert_eq!(
            ReactorCheckpoint::new(Some(path.clone())).start(),
            AllFrom::Start,
            "not written while events keep coming"
        );
        // A store where the next event comes only after a quiet while: the reactor has caught up.
        let mut quiet = Box::pin(futures::stream::once(async {
            tokio::time::sleep(QUIET * 2).await;
            3
        }));
        assert_eq!(c.next(&mut quiet).await, Some(3), "the event still comes");
        assert_eq!(
            ReactorCheckpoint::new(Some(path.clone())).start(),
            AllFrom::After(Position(40)),
            "written while it waited"
        );
    }
}
