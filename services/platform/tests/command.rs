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
use cla_platform::command::{CommandMeta, StateCache, handle};
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

cla_platform::event_enum! {
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

/// Appends `event` as another writer would, behind the cache's back.
async fn append_directly(
    store: &dyn EventStore,
    stream: &StreamName,
    expected: ExpectedRevision,
    event: &VisitEvent,
) {
    let new = NewEvent::new(
        EventType::parse(event.event_type()).unwrap(),
        event.encode(),
        Metadata {
            actor: meta().actor,
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
            effective: meta().effective,
        },
    );
    store.append(stream, expected, vec![new]).await.unwrap();
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
    let store: std::sync::Arc<dyn EventStore> =
        std::sync::Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let cache = StateCache::default();
    let stream = StreamName::new("visits-1").unwrap();
    let run = |id: &str| {
        let (store, cache, stream) = (&store, &cache, &stream);
        let id = id.to_string();
        async move { handle::<Visits>(store, cache, stream, &id, &(), &meta()).await }
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
    append_directly(store.as_ref(), &stream, ExpectedRevision::Exact(1), &event).await;
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
    let all = cla_event_store::read_stream_to_end(store.as_ref(), &stream)
        .await
        .unwrap();
    assert_eq!(all.len(), 4);

    // A refusal is never the cache's alone: "d" withdrawn behind the cache's back, recording it
    // again is accepted, though the cached state still holds it.
    let event = withdrawn("d");
    append_directly(store.as_ref(), &stream, ExpectedRevision::Exact(3), &event).await;
    run("d")
        .await
        .expect("decided again on the stream as it is");
    let all = cla_event_store::read_stream_to_end(store.as_ref(), &stream)
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
}

/// Runs `ids` as concurrent commands on one stream; their outcomes in order.
async fn at_once(
    store: &std::sync::Arc<dyn EventStore>,
    cache: &std::sync::Arc<StateCache>,
    stream: &StreamName,
    ids: Vec<String>,
) -> Vec<Result<(), AppError>> {
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (store, cache, stream) = (store.clone(), cache.clone(), stream.clone());
            tokio::spawn(async move {
                handle::<Visits>(&store, &cache, &stream, &id, &(), &meta())
                    .await
                    .map(|h| assert_eq!(h.events.len(), 1))
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn visit_ids(events: &[cla_event_store::RecordedEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let VisitEvent::Recorded(v) = VisitEvent::decode(e.event_type.as_str(), &e.data)
                .unwrap()
                .expect("a visit");
            v.visit_id
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commands_on_one_stream_at_once_are_written_together_and_never_both_win() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = EmbeddedStore::open(dir.path()).unwrap();
    let store: std::sync::Arc<dyn EventStore> = std::sync::Arc::new(embedded.clone());
    let cache = std::sync::Arc::new(StateCache::default());
    let stream = StreamName::new("visits-2").unwrap();

    // 64 distinct visits at once: every one written once, in fewer appends than commands.
    let before = embedded.stats();
    let ids: Vec<String> = (0..64).map(|i| format!("v{i}")).collect();
    let outcomes = at_once(&store, &cache, &stream, ids.clone()).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let after = embedded.stats();
    let all = cla_event_store::read_stream_to_end(store.as_ref(), &stream)
        .await
        .unwrap();
    let mut written = visit_ids(&all);
    written.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(written, expected, "each visit written once");
    assert!(
        all.iter().enumerate().all(|(i, e)| e.revision == i as u64),
        "revisions 0..64 without a gap"
    );
    assert!(
        after.appends - before.appends < 64,
        "commands decided together are written together: {} appends for 64 commands",
        after.appends - before.appends
    );

    // The same visit 16 times at once: exactly one wins, the others are refused.
    let outcomes = at_once(&store, &cache, &stream, vec!["same".to_string(); 16]).await;
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|e| e.code == ErrorCode::Conflict)
    );

    // Another writer appending at the same time: appends refused for their revision are decided
    // again; what is acknowledged is written exactly once, what is refused not at all.
    let writer = {
        let (store, stream) = (store.clone(), stream.clone());
        tokio::spawn(async move {
            for i in 0..16 {
                let event = VisitEvent::Recorded(FieldVisitRecorded {
                    visit_id: format!("other-{i}"),
                    ..Default::default()
                });
                append_directly(store.as_ref(), &stream, ExpectedRevision::Any, &event).await;
                tokio::task::yield_now().await;
            }
        })
    };
    let ids: Vec<String> = (0..48).map(|i| format!("w{i}")).collect();
    let outcomes = at_once(&store, &cache, &stream, ids.clone()).await;
    writer.await.unwrap();
    let all = cla_event_store::read_stream_to_end(store.as_ref(), &stream)
        .await
        .unwrap();
    let written = visit_ids(&all);
    for (id, outcome) in ids.iter().zip(&outcomes) {
        let times = written.iter().filter(|w| *w == id).count();
        match outcome {
            Ok(()) => assert_eq!(times, 1, "{id} acknowledged, written once"),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Conflict);
                assert_eq!(times, 0, "{id} refused, not written");
            }
        }
    }
    assert_eq!(
        written.iter().filter(|w| w.starts_with("other-")).count(),
        16
    );
    // Once the other writer is done, commands go through again on the stream as it is.
    let outcomes = at_once(&store, &cache, &stream, vec!["x1".into(), "x2".into()]).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
}
