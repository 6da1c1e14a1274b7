//! The projections' persisted state: what lets a restart start from a checkpoint instead of
//! position 0.
//!
//! A snapshot holds, at one checkpoint (the position of the last event applied, with that event's
//! stream, revision and id, so a snapshot of another store is never taken for this one's):
//! - the events some projection keeps only by reading them again: replayed into fresh projections
//!   at start-up, in order. They are a small part of a history;
//! - each projection's own part, for the events it keeps in a compact index of its own (a decade of
//!   daily check-ins is most of a history).
//!
//! The file is written whole to a temporary name, synced and renamed, and carries a CRC-32 of its
//! body, a format version and a version of the projections' reading: any mismatch and the
//! projections are rebuilt from position 0, as before snapshots existed.

use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate};
use cla_event_store::{Actor, EventType, Metadata, Position, RecordedEvent, StreamName};
use uuid::Uuid;

const MAGIC: &[u8; 8] = b"CLASNAP\0";
const FORMAT: u32 = 1;

/// Where a snapshot was taken: the last event applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: Position,
    pub stream: StreamName,
    pub revision: u64,
    pub id: Uuid,
}

impl Checkpoint {
    pub fn of(event: &RecordedEvent) -> Self {
        Self {
            position: event.position,
            stream: event.stream.clone(),
            revision: event.revision,
            id: event.id,
        }
    }
}

/// A snapshot read back: checked, not yet applied. The parts are read in place.
#[derive(Debug)]
pub struct Snapshot<'a> {
    pub checkpoint: Checkpoint,
    pub events: Vec<RecordedEvent>,
    pub parts: Vec<(String, &'a [u8])>,
}

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read the snapshot: {0}")]
    Io(#[from] std::io::Error),
    #[error("the snapshot is damaged: {0}")]
    Damaged(&'static str),
    #[error("the snapshot was written by another version ({0}); the projections are rebuilt")]
    Version(String),
}

/// Appends binary fields.
#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    pub fn blob(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.bytes.extend_from_slice(v);
    }
    pub fn str(&mut self, v: &str) {
        self.blob(v.as_bytes());
    }
    pub fn uuid(&mut self, v: &Uuid) {
        self.bytes.extend_from_slice(v.as_bytes());
    }

    /// One stored event, whole.
    pub fn event(&mut self, e: &RecordedEvent) {
        self.uuid(&e.id);
        self.str(e.stream.as_str());
        self.str(e.event_type.as_str());
        self.blob(&e.data);
        self.str(&e.metadata.actor.id);
        self.str(&e.metadata.actor.role);
        self.uuid(&e.metadata.correlation_id);
        match &e.metadata.causation_id {
            Some(c) => {
                self.u8(1);
                self.uuid(c);
            }
            None => self.u8(0),
        }
        self.i32(days(e.metadata.effective));
        self.i64(e.recorded.timestamp_micros());
        self.u64(e.revision);
        self.u64(e.position.0);
    }
}

/// Reads binary fields, refusing to read past the end.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

type Read<T> = Result<T, SnapshotError>;

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    fn take(&mut self, n: usize) -> Read<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(SnapshotError::Damaged("it ends early"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Read<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("length taken"))
    }
    pub fn u8(&mut self) -> Read<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Read<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Read<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Read<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Read<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub fn blob(&mut self) -> Read<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub fn str(&mut self) -> Read<&'a str> {
        std::str::from_utf8(self.blob()?).map_err(|_| SnapshotError::Damaged("a text is not UTF-8"))
    }
    pub fn uuid(&mut self) -> Read<Uuid> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    pub fn event(&mut self) -> Read<RecordedEvent> {
        let bad = |_| SnapshotError::Damaged("an event does not read back");
        let id = self.uuid()?;
        let stream = StreamName::new(self.str()?).map_err(bad)?;
        let event_type = EventType::parse(self.str()?).map_err(bad)?;
        let data = Bytes::copy_from_slice(self.blob()?);
        let actor = Actor {
            id: self.str()?.to_string(),
            role: self.str()?.to_string(),
        };
        let correlation_id = self.uuid()?;
        let causation_id = match self.u8()? {
            0 => None,
            _ => Some(self.uuid()?),
        };
        let effective = date(self.i32()?);
        let recorded = DateTime::from_timestamp_micros(self.i64()?)
            .ok_or(SnapshotError::Damaged("a recorded time is out of range"))?;
        let revision = self.u64()?;
        let position = Position(self.u64()?);
        Ok(RecordedEvent {
            id,
            stream,
            event_type,
            data,
            metadata: Metadata {
                actor,
                correlation_id,
                causation_id,
                effective,
            },
            recorded,
            revision,
            position,
        })
    }
}

/// A date as days since 1970-01-01.
pub fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The date `days` after 1970-01-01.
pub fn date(days: i32) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(i64::from(days))
}

/// The whole file: header, checkpoint, the replayed events (already encoded), the parts, CRC.
pub fn encode(
    version: &str,
    checkpoint: &Checkpoint,
    event_count: u64,
    events: &[u8],
    parts: &[(&str, Vec<u8>)],
) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(version);
    w.u64(checkpoint.position.0);
    w.str(checkpoint.stream.as_str());
    w.u64(checkpoint.revision);
    w.uuid(&checkpoint.id);
    w.u64(event_count);
    w.bytes.extend_from_slice(events);
    w.u32(parts.len() as u32);
    for (name, part) in parts {
        w.str(name);
        w.u64(part.len() as u64);
        w.bytes.extend_from_slice(part);
    }
    let crc = crc32fast::hash(&w.bytes);
    w.u32(crc);
    w.bytes
}

/// Reads and checks a whole file.
pub fn decode<'a>(bytes: &'a [u8], version: &str) -> Result<Snapshot<'a>, SnapshotError> {
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(SnapshotError::Damaged("it is not a snapshot"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
        return Err(SnapshotError::Damaged("its checksum does not match"));
    }
    let mut r = Reader::new(&body[MAGIC.len()..]);
    let format = r.u32()?;
    if format != FORMAT {
        return Err(SnapshotError::Version(format!("format {format}")));
    }
    let written = r.str()?;
    if written != version {
        return Err(SnapshotError::Version(written.to_string()));
    }
    let checkpoint = Checkpoint {
        position: Position(r.u64()?),
        stream: StreamName::new(r.str()?)
            .map_err(|_| SnapshotError::Damaged("its checkpoint names no stream"))?,
        revision: r.u64()?,
        id: r.uuid()?,
    };
    let count = r.u64()?;
    let mut events = Vec::with_capacity(count.min(1 << 20) as usize);
    for _ in 0..count {
        events.push(r.event()?);
    }
    let n = r.u32()?;
    let mut parts = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let name = r.str()?.to_string();
        let len = r.u64()? as usize;
        parts.push((name, r.take(len)?));
    }
    if !r.is_empty() {
        return Err(SnapshotError::Damaged("it has bytes after its end"));
    }
    Ok(Snapshot {
        checkpoint,
        events,
        parts,
    })
}

/// Writes `bytes` to `path` durably: a temporary file, synced, renamed over the old one.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(position: u64) -> RecordedEvent {
        RecordedEvent {
            id: Uuid::now_v7(),
            stream: StreamName::new("base-1").unwrap(),
            event_type: EventType::parse("BaseOpened.v1").unwrap(),
            data: Bytes::from_static(br#"{"baseId":"1"}"#),
            metadata: Metadata {
                actor: Actor {
                    id: "u1".into(),
                    role: "ADMIN".into(),
                },
                correlation_id: Uuid::now_v7(),
                causation_id: position.is_multiple_of(2).then(Uuid::now_v7),
                effective: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            },
            recorded: DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap(),
            revision: position - 1,
            position: Position(position),
        }
    }

    #[test]
    fn a_snapshot_reads_back_whole_and_refuses_damage_and_other_versions() {
        let events = [event(1), event(2)];
        let mut w = Writer::default();
        for e in &events {
            w.event(e);
        }
        let checkpoint = Checkpoint::of(&events[1]);
        let bytes = encode("v7", &checkpoint, 2, &w.bytes, &[("risk", vec![1, 2, 3])]);
        let back = decode(&bytes, "v7").unwrap();
        assert_eq!(back.checkpoint, checkpoint);
        assert_eq!(back.events, events);
        assert_eq!(back.parts, vec![("risk".to_string(), &[1u8, 2, 3][..])]);

        assert!(matches!(
            decode(&bytes, "v8"),
            Err(SnapshotError::Version(v)) if v == "v7"
        ));
        for at in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            assert!(
                matches!(decode(&damaged, "v7"), Err(SnapshotError::Damaged(_))),
                "a flipped bit at {at} is noticed"
            );
        }
        assert!(matches!(
            decode(&bytes[..bytes.len() - 9], "v7"),
            Err(SnapshotError::Damaged(_))
        ));
    }
}
