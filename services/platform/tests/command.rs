//! Commands on the embedded store, starting from the cached state: a second command sees the
//! first without reading the stream, and a stream changed by another writer is refused, read
//! again and decided on what it really holds.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use cla_contracts::cla::supervision::v1::FieldVisitRecorded;
use cla_event_store::{
    Actor, EmbeddedStore, EventStore, EventType, ExpectedRevision, Metadata, NewEvent, StreamName,
};
use cla_platform::codec::EventCodec;
use cla_platform::command::{CommandMeta, StateCache, handle_cached};
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

cla_platform::event_enum! {
    #[derive(Clone, Debug, PartialEq)]
    enum VisitEvent {
        Recorded(FieldVisitRecorded),
    }
}

/// Visits, each recorded once.
struct Visits;

impl Decider for Visits {
    type Command = String;
    type Event = VisitEvent;
    type State = BTreeSet<String>;
    type Context = ();

    fn decide(id: &String, seen: &BTreeSet<String>, _: &()) -> Result<Vec<VisitEvent>, AppError> {
        // "-x" withdraws visit x.
        if let Some(gone) = id.strip_prefix('-') {
            if !seen.contains(gone) {
                return Err(AppError::conflict(format!("visit {gone} is not recorded")));
            }
            return Ok(vec![withdrawn(gone)]);
        }
        if seen.contains(id) {
            return Err(AppError::conflict(format!(
                "visit {id} is recorded already"
            )));
        }
        Ok(vec![VisitEvent::Recorded(FieldVisitRecorded {
            visit_id: id.clone(),
            ..Default::default()
        })])
    }

    fn evolve(mut seen: BTreeSet<String>, event: &VisitEvent, _: NaiveDate) -> BTreeSet<String> {
        let VisitEvent::Recorded(e) = event;
        if e.notes == "withdrawn" {
            seen.remove(&e.visit_id);
        } else {
            seen.insert(e.visit_id.clone());
        }
        seen
    }
}

fn withdrawn(id: &str) -> VisitEvent {
    VisitEvent::Recorded(FieldVisitRecorded {
        visit_id: id.into(),
        notes: "withdrawn".into(),
        ..Default::default()
    })
}

fn meta() -> CommandMeta {
    CommandMeta {
        actor: Actor {
            id: "tester".into(),
            role: "ADMIN".into(),
        },
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    }
}

#[tokio::test]
async fn the_cached_state_is_used_and_a_stream_changed_elsewhere_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let cache = StateCache::default();
    let stream = StreamName::new("visits-1").unwrap();
    let run = |id: &str| {
        let (store, cache, stream) = (&store, &cache, &stream);
        let id = id.to_string();
        async move { handle_cached::<Visits>(store, cache, stream, &id, &(), &meta()).await }
    };
    run("a").await.unwrap();
    assert_eq!(cache.len(), 1, "the state is kept");
    let again = run("a").await.unwrap_err();
    assert_eq!(
        again.code,
        ErrorCode::Conflict,
        "decided on the cached state"
    );
    run("b").await.unwrap();

    // Another writer records "c" behind the cache's back.
    let event = VisitEvent::Recorded(FieldVisitRecorded {
        visit_id: "c".into(),
        ..Default::default()
    });
    store
        .append(
            &stream,
            ExpectedRevision::Exact(1),
            vec![NewEvent::new(
                EventType::parse(event.event_type()).unwrap(),
                event.encode(),
                Metadata {
                    actor: meta().actor,
                    correlation_id: uuid::Uuid::now_v7(),
                    causation_id: None,
                    effective: meta().effective,
                },
            )],
        )
        .await
        .unwrap();
    // The cache does not know "c"; the append is refused for its stale revision, the stream is
    // read again, and "c" is found recorded.
    let stale = run("c").await.unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);
    assert!(
        stale.message.contains("recorded already"),
        "{}",
        stale.message
    );
    // And "d" goes on from the stream's true revision.
    run("d").await.unwrap();
    let all = cla_event_store::read_stream_to_end(&store, &stream)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);

    // A refusal is never the cache's alone: "d" withdrawn behind the cache's back, recording it
    // again is accepted, though the cached state still holds it.
    let event = withdrawn("d");
    store
        .append(
            &stream,
            ExpectedRevision::Exact(3),
            vec![NewEvent::new(
                EventType::parse(event.event_type()).unwrap(),
                event.encode(),
                Metadata {
                    actor: meta().actor,
                    correlation_id: uuid::Uuid::now_v7(),
                    causation_id: None,
                    effective: meta().effective,
                },
            )],
        )
        .await
        .unwrap();
    run("d")
        .await
        .expect("decided again on the stream as it is");
    let all = cla_event_store::read_stream_to_end(&store, &stream)
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
}
