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
use uuid::Uuid;

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
            correlation_id: Uuid::now_v7(),
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
/// a long stream does not read it all again. A state is only a starting point: the append still
/// expects its revision, so a stream changed elsewhere (another replica, a direct writer) is
/// refused, dropped from the cache and read again. Bounded: when full, it starts afresh.
pub struct StateCache {
    states: std::sync::Mutex<std::collections::HashMap<(&'static str, String), Cached>>,
    /// One command at a time per stream in this process: commands on a busy stream wait their
    /// turn instead of losing races and deciding again.
    turns:
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    capacity: usize,
}

type Cached = (Box<dyn std::any::Any + Send>, Option<u64>);

impl Default for StateCache {
    fn default() -> Self {
        Self::with_capacity(16_384)
    }
}

impl StateCache {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            states: Default::default(),
            turns: Default::default(),
            capacity: capacity.max(1),
        }
    }

    /// Waits for the stream's turn.
    async fn turn(&self, stream: &StreamName) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut turns = self.turns.lock().expect("turns lock");
            if turns.len() >= self.capacity {
                turns.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
            }
            std::sync::Arc::clone(turns.entry(stream.as_str().to_string()).or_default())
        };
        lock.lock_owned().await
    }

    /// Takes a stream's state out (a concurrent command on the stream reads it from the store).
    fn take<D: Decider>(&self, stream: &StreamName) -> Option<(D::State, Option<u64>)>
    where
        D::State: Send + 'static,
    {
        let (state, revision) = self
            .states
            .lock()
            .expect("state cache lock")
            .remove(&(std::any::type_name::<D>(), stream.as_str().to_string()))?;
        state.downcast::<D::State>().ok().map(|s| (*s, revision))
    }

    fn put<D: Decider>(&self, stream: &StreamName, state: D::State, revision: Option<u64>)
    where
        D::State: Send + 'static,
    {
        let mut states = self.states.lock().expect("state cache lock");
        let key = (std::any::type_name::<D>(), stream.as_str().to_string());
        // A command that started from an older state never replaces a newer one.
        if states.get(&key).is_some_and(|(_, held)| *held > revision) {
            return;
        }
        if states.len() >= self.capacity {
            states.clear();
        }
        states.insert(key, (Box::new(state), revision));
    }

    /// How many streams' states are held.
    pub fn len(&self) -> usize {
        self.states.lock().expect("state cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Decides `command` on `stream` and appends the result, starting from the cached state where
/// there is one (see [`StateCache`]).
pub async fn handle_cached<D>(
    store: &dyn EventStore,
    cache: &StateCache,
    stream: &StreamName,
    command: &D::Command,
    context: &D::Context,
    meta: &CommandMeta,
) -> AppResult<Handled<D::Event>>
where
    D: Decider,
    D::Event: EventCodec,
    D::State: Send + 'static,
{
    let _turn = cache.turn(stream).await;
    let span = tracing::info_span!("command", stream = %stream, command = ?command);
    let _enter = span.enter();
    for attempt in 1..=ATTEMPTS {
        let cached = cache.take::<D>(stream);
        let from_cache = cached.is_some();
        let (mut state, mut revision) = match cached {
            Some(cached) => cached,
            None => load::<D>(store, stream).await?,
        };
        let mut decided = D::decide(command, &state, context);
        // A refusal, or nothing to do, is only an answer on the stream as it is now: a cached
        // state may be behind (another writer, a command that finished meanwhile), and no append
        // will say so. Decide such a command again on the stream read afresh.
        if from_cache && !matches!(&decided, Ok(events) if !events.is_empty()) {
            (state, revision) = load::<D>(store, stream).await?;
            decided = D::decide(command, &state, context);
        }
        let events = match decided {
            Ok(events) => events,
            Err(refusal) => {
                cache.put::<D>(stream, state, revision);
                return Err(refusal);
            }
        };
        if events.is_empty() {
            cache.put::<D>(stream, state, revision);
            return Ok(Handled {
                events,
                position: None,
            });
        }
        let expected = revision.map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
        let new_events = new_events(&events, meta)?;
        match store.append(stream, expected, new_events).await {
            Ok(AppendResult { position, revision }) => {
                tracing::info!(%expected, revision, position = position.0, "command accepted");
                let state = events
                    .iter()
                    .fold(state, |s, e| D::evolve(s, e, meta.effective));
                cache.put::<D>(stream, state, Some(revision));
                return Ok(Handled {
                    events,
                    position: Some(position),
                });
            }
            Err(StoreError::WrongExpectedRevision { actual, .. }) => {
                tracing::debug!(attempt, %expected, %actual, "lost a race on the stream; deciding again");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::conflict(format!(
        "{stream} is being changed by others at this moment; try again"
    )))
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

/// Decides `command` on `stream` and appends the result.
pub async fn handle<D>(
    store: &dyn EventStore,
    stream: &StreamName,
    command: &D::Command,
    context: &D::Context,
    meta: &CommandMeta,
) -> AppResult<Handled<D::Event>>
where
    D: Decider,
    D::Event: EventCodec,
{
    let span = tracing::info_span!("command", stream = %stream, command = ?command);
    let _enter = span.enter();
    for attempt in 1..=ATTEMPTS {
        let (state, revision) = load::<D>(store, stream).await?;
        let events = D::decide(command, &state, context)?;
        if events.is_empty() {
            return Ok(Handled {
                events,
                position: None,
            });
        }
        let expected = revision.map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
        let new_events = events
            .iter()
            .map(|event| {
                Ok(NewEvent {
                    id: Uuid::now_v7(),
                    event_type: EventType::parse(event.event_type()).map_err(AppError::internal)?,
                    data: event.encode().into(),
                    metadata: meta.metadata(),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        match store.append(stream, expected, new_events).await {
            Ok(AppendResult { position, revision }) => {
                tracing::info!(%expected, revision, position = position.0, "command accepted");
                return Ok(Handled {
                    events,
                    position: Some(position),
                });
            }
            Err(StoreError::WrongExpectedRevision { actual, .. }) => {
                tracing::debug!(attempt, %expected, %actual, "lost a race on the stream; deciding again");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::conflict(format!(
        "{stream} is being changed by others at this moment; try again"
    )))
}
