//! Handling a command: load the stream, decide, append with the expected revision.
//!
//! A stream is the consistency boundary: its revision is checked on append, so two commands on one
//! stream never both win. The loser is decided again on the new state (up to a few times); if the
//! new state refuses it, the caller gets that refusal (a duplicate, say), otherwise `CONFLICT`.

use chrono::NaiveDate;
use cla_event_store::{
    Actor, AppendResult, EventStore, EventType, ExpectedRevision, Metadata, NewEvent, Position,
    StoreError, StreamName,
};
use std::sync::Arc;

use tokio::sync::oneshot;
use uuid::Uuid;

use crate::cache::{Kept, Named, NamedKey};
use crate::codec::{EventCodec, decode_recorded};
use crate::decider::Decider;
use crate::error::{AppError, AppResult};

/// How many times a command is decided again after losing a race on its stream.
const ATTEMPTS: usize = 4;

/// Who causes the events, why, and from when they take effect.
#[derive(Clone, Debug)]
pub struct CommandMeta {
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub effective: NaiveDate,
}

impl CommandMeta {
    /// The meta of a command `who` gives in `mission` (none for mission-less commands), acting in
    /// the first of `roles` they hold there.
    pub fn by(
        who: &crate::access::Principal,
        mission: Option<&str>,
        roles: &[crate::access::Role],
        effective: NaiveDate,
    ) -> AppResult<Self> {
        let role = who
            .acting_role(mission, roles)
            .ok_or_else(|| AppError::forbidden("no role of yours allows this change here"))?;
        Ok(Self {
            actor: who.actor(role),
            correlation_id: crate::correlation::current_or_new(),
            causation_id: None,
            effective,
        })
    }

    fn metadata(&self) -> Metadata {
        Metadata {
            actor: self.actor.clone(),
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            effective: self.effective,
        }
    }
}

/// What a handled command did.
#[derive(Clone, Debug, PartialEq)]
pub struct Handled<E> {
    /// The events written (none where the command changed nothing).
    pub events: Vec<E>,
    /// The position of the last event written, for read-your-writes.
    pub position: Option<Position>,
}

/// Loads a stream's state and current revision.
pub async fn load<D>(
    store: &dyn EventStore,
    stream: &StreamName,
) -> AppResult<(D::State, Option<u64>)>
where
    D: Decider,
    D::Event: EventCodec,
{
    let recorded = cla_event_store::read_stream_to_end(store, stream).await?;
    let revision = recorded.last().map(|e| e.revision);
    let state = recorded
        .iter()
        .filter_map(|r| decode_recorded::<D::Event>(r).map(|e| (r.metadata.effective, e)))
        .fold(D::State::default(), |s, (on, e)| D::evolve(s, &e, on));
    Ok((state, revision))
}

/// The last known state of recently written streams, with their revisions, so that a command on
/// a long stream does not read it all again; and, per stream, the commands being written.
///
/// Commands on one stream in this process take turns deciding, each on the state the previous
/// ones left, and are written together: while one append is under way, the commands decided
/// meanwhile wait to be the next append, one write for all of them. An append is all or nothing,
/// and it expects the revision its commands were decided on; when it is refused (the stream was
/// changed elsewhere: another replica, a direct writer) or fails, nothing of it is written, the
/// state is dropped, and its commands and those decided after them are decided again on the
/// stream read afresh. Bounded: when full, the least recently used idle streams are forgotten
/// (a stream some command is on is never).
pub struct StateCache {
    /// Per decider (its type's name) and stream.
    lanes: std::sync::Mutex<Kept<Named<&'static str>, SharedLane>>,
}

type SharedLane = Arc<tokio::sync::Mutex<Lane>>;

/// One stream's commands.
#[derive(Default)]
struct Lane {
    /// The stream's state after every event decided on it (written, being written, or waiting
    /// to be), and its revision then.
    state: Option<(Box<dyn std::any::Any + Send>, Option<u64>)>,
    /// Whether an append is under way.
    writing: bool,
    /// The events decided while an append was under way: the next append, and the revision it
    /// expects.
    next: Vec<NewEvent>,
    next_expected: Option<u64>,
    waiting: Vec<oneshot::Sender<Written>>,
}

impl Lane {
    fn pending(&self) -> bool {
        self.writing || !self.next.is_empty()
    }
}

/// What became of the append a command's events were in.
#[derive(Clone)]
enum Written {
    Stored(AppendResult),
    /// Not written: decide again on the stream read afresh.
    Again,
    Failed(AppError),
}

impl Default for StateCache {
    fn default() -> Self {
        Self::with_capacity(16_384)
    }
}

impl StateCache {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            // A lane is in use while a command or its writer holds it.
            lanes: std::sync::Mutex::new(
                Kept::new(capacity).in_use_when(|lane| Arc::strong_count(lane) > 1),
            ),
        }
    }

    fn lane<D: Decider>(&self, stream: &StreamName) -> Arc<tokio::sync::Mutex<Lane>> {
        let key = (std::any::type_name::<D>(), stream.as_str());
        let mut lanes = self.lanes.lock().expect("lanes lock");
        Arc::clone(lanes.get_or_insert_with(&key as &dyn NamedKey<&'static str>, Default::default))
    }

    /// How many streams' states are held.
    pub fn len(&self) -> usize {
        let lanes: Vec<_> = self
            .lanes
            .lock()
            .expect("lanes lock")
            .values()
            .cloned()
            .collect();
        lanes
            .iter()
            .filter(|l| l.try_lock().map_or(true, |l| l.state.is_some()))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A decider whose events are stored and whose states are cached: every context's.
pub trait StoredDecider: Decider<Event: EventCodec, State: Send + 'static> {}

impl<D: Decider<Event: EventCodec, State: Send + 'static>> StoredDecider for D {}

/// Decides `command` on `stream` and appends the result, starting from the cached state where
/// there is one, written together with the commands decided on the stream at the same time (see
/// [`StateCache`]).
pub async fn handle<D: StoredDecider>(
    store: &Arc<dyn EventStore>,
    cache: &StateCache,
    stream: &StreamName,
    command: &D::Command,
    context: &D::Context,
    meta: &CommandMeta,
) -> AppResult<Handled<D::Event>> {
    let lane = cache.lane::<D>(stream);
    // Ids, kinds and positions only: a command's fields (names, places, notes) are never logged.
    let span = tracing::info_span!(
        "command",
        kind = %command_kind(command),
        stream = %stream,
        correlation_id = %meta.correlation_id,
        expected = tracing::field::Empty,
        position = tracing::field::Empty,
    );
    for attempt in 1..=ATTEMPTS {
        let (events, written) = {
            let mut l = lane.lock().await;
            let cached = l
                .state
                .take()
                .and_then(|(s, r)| s.downcast::<D::State>().ok().map(|s| (*s, r)));
            let from_cache = cached.is_some();
            let (mut state, mut revision) = match cached {
                Some(cached) => cached,
                None => load::<D>(store.as_ref(), stream).await?,
            };
            let mut decided = D::decide(command, &state, context);
            span.in_scope(|| {
                tracing::trace!(
                    from_cache,
                    events = decided.as_ref().map_or(0, Vec::len),
                    "decided"
                )
            });
            // A refusal, or nothing to do, is only an answer on the stream as it is now: a cached
            // state may be behind (another writer), and no append will say so. Decide such a
            // command again on the stream read afresh, unless the cached state is ahead of the
            // stream (commands being written).
            if from_cache && !l.pending() && !matches!(&decided, Ok(events) if !events.is_empty()) {
                (state, revision) = load::<D>(store.as_ref(), stream).await?;
                decided = D::decide(command, &state, context);
            }
            let events = match decided {
                Ok(events) if !events.is_empty() => events,
                other => {
                    l.state = Some((Box::new(state), revision));
                    return other.map(|events| Handled {
                        events,
                        position: None,
                    });
                }
            };
            let new = match new_events(&events, meta) {
                Ok(new) => new,
                Err(e) => {
                    l.state = Some((Box::new(state), revision));
                    return Err(e);
                }
            };
            let state = events
                .iter()
                .fold(state, |s, e| D::evolve(s, e, meta.effective));
            if l.next.is_empty() {
                l.next_expected = revision;
            }
            span.record(
                "expected",
                tracing::field::display(
                    l.next_expected
                        .map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact),
                ),
            );
            let after = revision.map_or(new.len() as u64 - 1, |r| r + new.len() as u64);
            l.next.extend(new);
            l.state = Some((Box::new(state), Some(after)));
            let (tx, rx) = oneshot::channel();
            l.waiting.push(tx);
            if !l.writing {
                l.writing = true;
                tokio::spawn(write(Arc::clone(store), Arc::clone(&lane), stream.clone()));
            }
            (events, rx)
        };
        // The writer gone (the server stopping) leaves the outcome unknown: never decided again.
        // From here the request may have written: an idempotency key keeps its answer.
        crate::idempotency::note_write();
        let written = written.await.unwrap_or_else(|_| {
            Written::Failed(AppError::new(
                crate::error::ErrorCode::Unavailable,
                "the server stopped while the change was being stored; look before trying again",
            ))
        });
        match written {
            Written::Stored(AppendResult { position, revision }) => {
                span.record("position", position.0);
                span.in_scope(|| tracing::info!(revision, "command accepted"));
                return Ok(Handled {
                    events,
                    position: Some(position),
                });
            }
            Written::Again => {
                span.in_scope(|| {
                    tracing::debug!(attempt, "the stream changed meanwhile; deciding again")
                });
            }
            Written::Failed(e) => return Err(e),
        }
    }
    Err(AppError::conflict(format!(
        "{stream} is being changed by others at this moment; try again"
    )))
}

/// Writes a stream's waiting commands, one append at a time, until none is left.
async fn write(
    store: Arc<dyn EventStore>,
    lane: Arc<tokio::sync::Mutex<Lane>>,
    stream: StreamName,
) {
    loop {
        let (events, expected, waiting) = {
            let mut l = lane.lock().await;
            if l.next.is_empty() {
                l.writing = false;
                return;
            }
            let expected = l
                .next_expected
                .map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
            (
                std::mem::take(&mut l.next),
                expected,
                std::mem::take(&mut l.waiting),
            )
        };
        let outcome = match store.append(&stream, expected, events).await {
            Ok(stored) => Written::Stored(stored),
            Err(e) => {
                // Nothing of it was written: neither it nor what was decided on top of it stands.
                let mut l = lane.lock().await;
                l.state = None;
                l.next.clear();
                for w in l.waiting.drain(..) {
                    let _ = w.send(Written::Again);
                }
                l.writing = false;
                drop(l);
                let outcome = match e {
                    StoreError::WrongExpectedRevision { .. } => Written::Again,
                    e => Written::Failed(e.into()),
                };
                for w in waiting {
                    let _ = w.send(outcome.clone());
                }
                return;
            }
        };
        for w in waiting {
            let _ = w.send(outcome.clone());
        }
    }
}

/// The kind of a command, its variant's name (`Onboard`, `PlanRotation`), without its fields.
pub fn command_kind<C: std::fmt::Debug>(command: &C) -> String {
    let text = format!("{command:?}");
    // A tuple of a key and a command (an index number's) is named by its command.
    let text = match text.strip_prefix('(') {
        Some(rest) => rest.split_once(", ").map_or(rest, |(_, command)| command),
        None => &text,
    };
    let kind: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if kind.is_empty() {
        "command".into()
    } else {
        kind
    }
}

fn new_events<E: EventCodec>(events: &[E], meta: &CommandMeta) -> AppResult<Vec<NewEvent>> {
    events
        .iter()
        .map(|event| {
            Ok(NewEvent {
                id: Uuid::now_v7(),
                event_type: EventType::parse(event.event_type()).map_err(AppError::internal)?,
                data: event.encode().into(),
                metadata: meta.metadata(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Example {
        Onboard { name: String },
        Close,
        Claim(String),
    }

    #[test]
    fn a_command_is_logged_by_its_kind_alone() {
        let secret = "Kanyabayonga".to_string();
        let kinds = [
            command_kind(&Example::Onboard {
                name: secret.clone(),
            }),
            command_kind(&Example::Close),
            command_kind(&Example::Claim(secret.clone())),
            command_kind(&("12345".to_string(), Example::Claim(secret.clone()))),
        ];
        assert_eq!(kinds, ["Onboard", "Close", "Claim", "Claim"]);
    }

    struct Counter;

    impl Decider for Counter {
        type Command = ();
        type Event = ();
        type State = u32;
        type Context = ();

        fn decide(_: &(), _: &u32, _: &()) -> AppResult<Vec<()>> {
            Ok(vec![()])
        }

        fn evolve(n: u32, _: &(), _: NaiveDate) -> u32 {
            n + 1
        }
    }

    /// The same counter, another decider.
    struct Other;

    impl Decider for Other {
        type Command = ();
        type Event = ();
        type State = u32;
        type Context = ();

        fn decide(_: &(), _: &u32, _: &()) -> AppResult<Vec<()>> {
            Ok(vec![])
        }

        fn evolve(n: u32, _: &(), _: NaiveDate) -> u32 {
            n
        }
    }

    #[test]
    fn a_full_cache_forgets_idle_streams_and_never_one_a_command_is_on() {
        let cache = StateCache::with_capacity(2);
        let stream = |n: u32| StreamName::new(format!("visit-{n}")).unwrap();
        let on_first = cache.lane::<Counter>(&stream(1));
        assert!(
            Arc::ptr_eq(&on_first, &cache.lane::<Counter>(&stream(1))),
            "one lane per stream"
        );
        assert!(
            !Arc::ptr_eq(&on_first, &cache.lane::<Other>(&stream(1))),
            "and per decider"
        );
        for n in 2..10 {
            drop(cache.lane::<Counter>(&stream(n)));
        }
        let lanes = cache.lanes.lock().unwrap();
        assert_eq!(lanes.len(), 2, "the capacity holds");
        assert!(
            lanes.contains_key(
                &(std::any::type_name::<Counter>(), "visit-1") as &dyn NamedKey<&'static str>
            ),
            "the lane a command holds stays"
        );
        assert!(
            lanes.contains_key(
                &(std::any::type_name::<Counter>(), "visit-9") as &dyn NamedKey<&'static str>
            ),
            "the newest stays"
        );
    }
}
