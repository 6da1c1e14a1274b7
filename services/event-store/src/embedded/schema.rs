//! The embedded store's on-disk format (SQLite, `events.db` in the data directory).
//!
//! `streams` names each stream once and gives it a number; `events` holds every event in global
//! order, its `position` the rowid, consecutive from 1. `(stream_id, revision)` and `event_id` are
//! unique. Small integer stream keys keep the per-stream index compact, so a commit touches few
//! pages. Dates are days from the common era, times microseconds since the Unix epoch, ids 16-byte
//! big-endian UUIDs.

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::types::{Actor, EventType, Metadata, Position, RecordedEvent, StreamName};

/// The format this code writes; a database with a higher number was written by a newer release.
pub(super) const FORMAT_VERSION: i64 = 1;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS streams (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    stream_id      INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    event_id       BLOB    NOT NULL,
    event_type     TEXT    NOT NULL,
    data           BLOB    NOT NULL,
    actor_id       TEXT    NOT NULL,
    actor_role     TEXT    NOT NULL,
    correlation_id BLOB    NOT NULL,
    causation_id   BLOB,
    effective      INTEGER NOT NULL,
    recorded       INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (event_id);
";

/// The columns every read selects, in the order [`decode`] expects.
pub(super) const COLUMNS: &str = "position, stream_id, revision, event_id, event_type, data, \
     actor_id, actor_role, correlation_id, causation_id, effective, recorded";

/// Settings every connection gets: WAL, and a commit is durable before it returns.
pub(super) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Internal(format!(
            "the embedded store needs WAL journaling, the file system gave {mode}"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    Ok(())
}

pub(super) fn create(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > FORMAT_VERSION {
        return Err(StoreError::Internal(format!(
            "the data directory holds format {version}; this release reads format {FORMAT_VERSION} at most"
        )));
    }
    conn.execute_batch(CREATE)?;
    conn.execute_batch(&format!("PRAGMA user_version = {FORMAT_VERSION}"))?;
    Ok(())
}

pub(super) fn uuid_from(bytes: &[u8]) -> rusqlite::Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(16, rusqlite::types::Type::Blob, Box::new(e))
    })
}

pub(super) fn date_to_sql(date: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&date))
}

fn conversion(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Integer,
        format!("{what} out of range").into(),
    )
}

/// Decodes one row selected with [`COLUMNS`]; `stream_name` gives the name of a stream id.
pub(super) fn decode(
    row: &Row<'_>,
    stream_name: &mut impl FnMut(i64) -> rusqlite::Result<StreamName>,
) -> rusqlite::Result<RecordedEvent> {
    let position: i64 = row.get(0)?;
    let stream = stream_name(row.get(1)?)?;
    let revision: i64 = row.get(2)?;
    let id = uuid_from(row.get_ref(3)?.as_blob()?)?;
    let event_type = row.get_ref(4)?.as_str()?;
    let data = Bytes::copy_from_slice(row.get_ref(5)?.as_blob()?);
    let actor_id: String = row.get(6)?;
    let actor_role: String = row.get(7)?;
    let correlation_id = uuid_from(row.get_ref(8)?.as_blob()?)?;
    let causation_id = match row.get_ref(9)?.as_blob_or_null()? {
        Some(bytes) => Some(uuid_from(bytes)?),
        None => None,
    };
    let effective: i64 = row.get(10)?;
    let effective = i32::try_from(effective)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| conversion(10, "effective date"))?;
    let recorded: i64 = row.get(11)?;
    let recorded = DateTime::<Utc>::from_timestamp_micros(recorded)
        .ok_or_else(|| conversion(11, "recorded time"))?;
    Ok(RecordedEvent {
        id,
        stream,
        event_type: EventType::from_stored(event_type),
        data,
        metadata: Metadata {
            actor: Actor {
                id: actor_id,
                role: actor_role,
            },
            correlation_id,
            causation_id,
            effective,
        },
        recorded,
        revision: revision as u64,
        position: Position(position as u64),
    })
}
