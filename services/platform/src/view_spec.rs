//! Given / then for read models, as deciders have theirs:
//! `given(history).then_view(&projection, |p| p.board(...), expected)`.
//!
//! A [`History`] is events as the store would hand them to the projections: each on its stream, in
//! global order, with the business date it took effect on and when it was recorded. A spec applies
//! them to a fresh projection and compares what a read computation answers with what is expected.

use std::collections::HashMap;
use std::fmt::Debug;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use cla_event_store::{Actor, EventType, Metadata, Position, RecordedEvent, StreamName};
use uuid::Uuid;

use crate::codec::EventCodec;
use crate::projection::Projection;

/// Events in the order the store recorded them.
#[derive(Clone, Debug, Default)]
pub struct History {
    events: Vec<RecordedEvent>,
    revisions: HashMap<String, u64>,
}

/// When the first event of a [`History`] is recorded; each next one a second later.
pub fn first_recorded() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("valid time") // 2026-01-01T00:00:00Z
}

impl History {
    pub fn new() -> Self {
        Self::default()
    }

    /// `event` on `stream`, effective on `effective`, recorded after everything before it.
    pub fn event<E: EventCodec>(mut self, stream: &str, effective: NaiveDate, event: E) -> Self {
        let recorded = first_recorded() + TimeDelta::seconds(self.events.len() as i64);
        self.push_at(stream, effective, recorded, &event);
        self
    }

    /// `event` on `stream`, effective on `effective`, recorded at `recorded` (for "as known at").
    pub fn event_recorded<E: EventCodec>(
        mut self,
        stream: &str,
        effective: NaiveDate,
        recorded: DateTime<Utc>,
        event: E,
    ) -> Self {
        self.push_at(stream, effective, recorded, &event);
        self
    }

    fn push_at<E: EventCodec>(
        &mut self,
        stream: &str,
        effective: NaiveDate,
        recorded: DateTime<Utc>,
        event: &E,
    ) {
        let revision = self.revisions.entry(stream.to_string()).or_insert(0);
        let this = *revision;
        *revision += 1;
        self.events.push(RecordedEvent {
            id: Uuid::now_v7(),
            stream: StreamName::new(stream).expect("a valid stream name"),
            event_type: EventType::parse(event.event_type()).expect("a valid event type"),
            data: Bytes::from(event.encode()),
            metadata: Metadata {
                actor: Actor {
                    id: "spec".into(),
                    role: "ADMIN".into(),
                },
                correlation_id: Uuid::now_v7(),
                causation_id: None,
                effective,
            },
            recorded,
            revision: this,
            position: Position(self.events.len() as u64 + 1),
        });
    }

    pub fn events(&self) -> &[RecordedEvent] {
        &self.events
    }

    /// Applies every event, in order, to `projection`.
    pub fn apply_to<P: Projection + ?Sized>(&self, projection: &P) {
        for event in &self.events {
            projection.apply(event);
        }
    }
}

/// Given this history…
pub fn given(history: History) -> GivenHistory {
    GivenHistory { history }
}

pub struct GivenHistory {
    history: History,
}

impl GivenHistory {
    /// …applied to `projection`, `view` of it is `expected`. Returns the view for further checks.
    #[track_caller]
    pub fn then_view<P, V>(&self, projection: &P, view: impl FnOnce(&P) -> V, expected: V) -> V
    where
        P: Projection,
        V: PartialEq + Debug,
    {
        self.history.apply_to(projection);
        let got = view(projection);
        assert_eq!(got, expected, "view of {}", projection.name());
        got
    }

    /// …applied to `projection`, `check` holds of it (for views compared in part).
    #[track_caller]
    pub fn then<P: Projection, V>(&self, projection: &P, check: impl FnOnce(&P) -> V) -> V {
        self.history.apply_to(projection);
        check(projection)
    }

    pub fn history(&self) -> &History {
        &self.history
    }
}
