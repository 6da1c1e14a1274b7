//! The one writer: group commit.
//!
//! Every append goes to one thread that owns the only write connection. It takes every request
//! waiting at that moment, applies each inside its own savepoint (so one refused append leaves the
//! others in the batch untouched), commits them in one durable transaction, and only then answers
//! each caller. While one commit is syncing to disk the next batch gathers, so the cost of a sync
//! is shared by every writer waiting for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, error};

use super::schema::date_to_sql;
use crate::StoreError;
use crate::types::{
    AppendResult, CurrentRevision, ExpectedRevision, NewEvent, Position, StreamName,
};

pub(super) struct AppendRequest {
    pub stream: StreamName,
    pub expected: ExpectedRevision,
    pub events: Vec<NewEvent>,
    pub reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

pub(super) struct Writer {
    pub conn: Connection,
    pub requests: mpsc::Receiver<AppendRequest>,
    /// The position of the last durable event (0 for none); readers wait on it.
    pub head: watch::Sender<u64>,
    pub max_batch_events: usize,
    pub stats: Arc<WriterCounters>,
    /// Each stream's number and last revision, as this writer (the only one) has stored them.
    pub revisions: HashMap<StreamName, Known>,
}

/// Counters kept by the writer, read through [`super::EmbeddedStore::stats`].
#[derive(Default)]
pub(super) struct WriterCounters {
    pub commits: AtomicU64,
    pub appends: AtomicU64,
    pub events: AtomicU64,
}

impl Writer {
    pub(super) fn run(mut self) {
        let mut batch: Vec<AppendRequest> = Vec::new();
        while let Some(first) = self.requests.blocking_recv() {
            let mut events = first.events.len();
            batch.push(first);
            while events < self.max_batch_events {
                match self.requests.try_recv() {
                    Ok(next) => {
                        events += next.events.len();
                        batch.push(next);
                    }
                    Err(_) => break,
                }
            }
            self.commit_batch(&mut batch);
        }
        debug!("event store writer stopped");
    }

    fn commit_batch(&mut self, batch: &mut Vec<AppendRequest>) {
        let head = *self.head.borrow();
        let mut next_position = head + 1;
        let recorded = chrono::Utc::now().timestamp_micros();
        let _span = tracing::debug_span!("group_commit", appends = batch.len(), head).entered();

        let revisions = &mut self.revisions;
        let outcome = (|| -> Result<Vec<Result<AppendResult, StoreError>>, StoreError> {
            let tx = self.conn.transaction()?;
            let mut results = Vec::with_capacity(batch.len());
            for request in batch.iter() {
                results.push(apply(
                    &tx,
                    revisions,
                    request,
                    &mut next_position,
                    recorded,
                )?);
            }
            commit(tx)?;
            Ok(results)
        })();

        match outcome {
            Ok(results) => {
                let new_head = next_position - 1;
                self.stats.commits.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .appends
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                self.stats
                    .events
                    .fetch_add(new_head - head, Ordering::Relaxed);
                if new_head != head {
                    self.head.send_replace(new_head);
                }
                if self.revisions.len() > REVISION_CACHE_MAX {
                    self.revisions.clear();
                }
                for (request, result) in batch.drain(..).zip(results) {
                    let _ = request.reply.send(result);
                }
            }
            Err(failure) => {
                // Nothing of the batch is stored; what the cache learnt from it is forgotten.
                self.revisions.clear();
                error!(error = %failure, "group commit failed; nothing in the batch was written");
                for request in batch.drain(..) {
                    let _ = request
                        .reply
                        .send(Err(StoreError::Internal(failure.to_string())));
                }
            }
        }
    }
}

/// What the writer knows of a stream it has written.
#[derive(Clone, Copy)]
pub(super) struct Known {
    id: i64,
    revision: u64,
}

/// A stream as it stands before an append.
struct Current {
    id: Option<i64>,
    revision: CurrentRevision,
}

/// Streams whose revision the writer remembers at most; past this the cache starts again.
const REVISION_CACHE_MAX: usize = 1_000_000;

fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    tx.commit().map_err(StoreError::from)
}

fn current(
    conn: &Connection,
    revisions: &HashMap<StreamName, Known>,
    stream: &StreamName,
) -> Result<Current, StoreError> {
    if let Some(known) = revisions.get(stream) {
        return Ok(Current {
            id: Some(known.id),
            revision: CurrentRevision::Current(known.revision),
        });
    }
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM streams WHERE name = ?1")?
        .query_row([stream.as_str()], |r| r.get(0))
        .optional()?;
    let revision = match id {
        None => None,
        Some(id) => conn
            .prepare_cached("SELECT MAX(revision) FROM events WHERE stream_id = ?1")?
            .query_row([id], |r| r.get::<_, Option<i64>>(0))?,
    };
    Ok(Current {
        id,
        revision: CurrentRevision::from_option(revision.map(|r| r as u64)),
    })
}

fn is_duplicate_id(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, Some(message))
            if f.code == rusqlite::ErrorCode::ConstraintViolation && message.contains("event_id")
    )
}

/// Checks one append against the store as it stands inside the batch and writes it.
///
/// The outer `Result` is a failure of the store (the whole batch is abandoned); the inner one is
/// this append's answer. A refused append leaves nothing behind: every refusal is decided before
/// its first row is written, except a reused event id, whose rows are removed again at once.
fn apply(
    conn: &Connection,
    revisions: &mut HashMap<StreamName, Known>,
    request: &AppendRequest,
    next_position: &mut u64,
    recorded: i64,
) -> Result<Result<AppendResult, StoreError>, StoreError> {
    let stream = request.stream.as_str();
    let _span =
        tracing::debug_span!("append", stream = %request.stream, expected = %request.expected)
            .entered();

    let Current {
        id,
        revision: current,
    } = current(conn, revisions, &request.stream)?;
    if !current.satisfies(request.expected) {
        // Perhaps this very append was already done (a retry): then it succeeds as before.
        return Ok(match already_stored(conn, request) {
            Ok(Some(done)) => Ok(done),
            Ok(None) => Err(StoreError::WrongExpectedRevision {
                stream: request.stream.clone(),
                expected: request.expected,
                actual: current,
            }),
            Err(refusal) => Err(refusal),
        });
    }

    let stream_id = match id {
        Some(id) => id,
        None => {
            conn.prepare_cached("INSERT INTO streams (name) VALUES (?1)")?
                .execute([stream])?;
            conn.last_insert_rowid()
        }
    };
    let first_position = *next_position;
    let first_revision = match current {
        CurrentRevision::NoStream => 0,
        CurrentRevision::Current(r) => r + 1,
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (position, stream_id, revision, event_id, event_type, data, actor_id, \
         actor_role, correlation_id, causation_id, effective, recorded) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (i, event) in request.events.iter().enumerate() {
        let position = first_position + i as u64;
        let revision = first_revision + i as u64;
        let written = insert.execute(params![
            position as i64,
            stream_id,
            revision as i64,
            event.id.as_bytes().as_slice(),
            event.event_type.as_str(),
            &event.data[..],
            event.metadata.actor.id,
            event.metadata.actor.role,
            event.metadata.correlation_id.as_bytes().as_slice(),
            event
                .metadata
                .causation_id
                .as_ref()
                .map(|c| c.as_bytes().as_slice()),
            date_to_sql(event.metadata.effective),
            recorded,
        ]);
        match written {
            Ok(_) => {}
            Err(e) if is_duplicate_id(&e) => {
                // An id already stored: undo this append's rows, then tell a retry of an earlier
                // append (which succeeds) from a reused id (which is refused).
                conn.prepare_cached("DELETE FROM events WHERE position >= ?1")?
                    .execute([first_position as i64])?;
                return Ok(match already_stored(conn, request) {
                    Ok(Some(done)) => Ok(done),
                    Ok(None) => Err(StoreError::Internal(
                        "a duplicate event id vanished during its append".into(),
                    )),
                    Err(refusal) => Err(refusal),
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    let count = request.events.len() as u64;
    if count == 0 {
        return Ok(Err(StoreError::invalid(
            "events",
            "an append needs at least one event",
        )));
    }
    let last = AppendResult {
        revision: first_revision + count - 1,
        position: Position(first_position + count - 1),
    };
    *next_position = first_position + count;
    revisions.insert(
        request.stream.clone(),
        Known {
            id: stream_id,
            revision: last.revision,
        },
    );
    Ok(Ok(last))
}

/// Idempotency: where every event of the append is already stored, as one consecutive run of this
/// stream that the expectation allows, the append was already done and its result is returned.
/// Ids stored anywhere else are a conflict: ids are never reused.
fn already_stored(
    conn: &Connection,
    request: &AppendRequest,
) -> Result<Option<AppendResult>, StoreError> {
    let mut lookup = conn.prepare_cached(
        "SELECT s.name, e.revision, e.position FROM events e \
             JOIN streams s ON s.id = e.stream_id WHERE e.event_id = ?1",
    )?;
    let mut found = Vec::with_capacity(request.events.len());
    for event in &request.events {
        let row = lookup
            .query_row([event.id.as_bytes().as_slice()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .optional()?;
        found.push(row);
    }
    if found.iter().all(Option::is_none) {
        return Ok(None);
    }
    let first_stored = request
        .events
        .iter()
        .zip(&found)
        .find(|(_, f)| f.is_some())
        .map(|(e, _)| e.id)
        .expect("at least one id is stored");
    let stored: Vec<_> = found.into_iter().flatten().collect();
    let first_revision = stored[0].1;
    let same_run = stored.len() == request.events.len()
        && stored.iter().enumerate().all(|(i, (s, revision, _))| {
            s == request.stream.as_str() && *revision == first_revision + i as u64
        });
    if !same_run {
        return Err(StoreError::DuplicateEventId { id: first_stored });
    }
    let before = if first_revision == 0 {
        CurrentRevision::NoStream
    } else {
        CurrentRevision::Current(first_revision - 1)
    };
    if !before.satisfies(request.expected) {
        let current: Option<i64> = conn
            .prepare_cached(
                "SELECT MAX(e.revision) FROM events e JOIN streams s ON s.id = e.stream_id \
                 WHERE s.name = ?1",
            )?
            .query_row([request.stream.as_str()], |r| r.get(0))?;
        return Err(StoreError::WrongExpectedRevision {
            stream: request.stream.clone(),
            expected: request.expected,
            actual: CurrentRevision::from_option(current.map(|r| r as u64)),
        });
    }
    let (_, revision, position) = *stored.last().expect("non-empty");
    Ok(Some(AppendResult {
        revision,
        position: Position(position),
    }))
}
