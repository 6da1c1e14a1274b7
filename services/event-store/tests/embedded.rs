//! The contract suite on the embedded store, and what only the embedded store promises.

mod contract;

use std::sync::Arc;

use cla_event_store::{
    AllFrom, EmbeddedStore, EventStore, ExpectedRevision, Position, StoreError, StreamName,
};
use contract::{Store, event, events, stream};

async fn fresh() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EmbeddedStore::open(dir.path()).expect("open store");
    (Arc::new(store) as Store, dir)
}

contract_suite!(fresh().await);

#[tokio::test]
async fn positions_are_consecutive_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(store.head().await.unwrap(), None);
    let s = StreamName::new("s").unwrap();
    let a = store
        .append(&s, ExpectedRevision::NoStream, events(0..3))
        .await
        .unwrap();
    assert_eq!(a.position, Position(3));
    // A refused append consumes no position.
    assert!(
        store
            .append(&s, ExpectedRevision::NoStream, events(3..4))
            .await
            .is_err()
    );
    let b = store
        .append(&s, ExpectedRevision::Exact(2), events(3..5))
        .await
        .unwrap();
    assert_eq!(b.position, Position(5));
    let all = store.read_all(AllFrom::Start, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.position.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(store.head().await.unwrap(), Some(Position(5)));
}

#[tokio::test]
async fn idempotent_reappend_returns_the_original_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let s = StreamName::new("s").unwrap();
    let batch = events(0..2);
    let first = store
        .append(&s, ExpectedRevision::NoStream, batch.clone())
        .await
        .unwrap();
    store
        .append(&s, ExpectedRevision::Any, events(2..3))
        .await
        .unwrap();
    let again = store
        .append(&s, ExpectedRevision::NoStream, batch.clone())
        .await
        .unwrap();
    assert_eq!(again, first);
    let any = store
        .append(&s, ExpectedRevision::Any, batch)
        .await
        .unwrap();
    assert_eq!(any, first);
    assert_eq!(store.head().await.unwrap(), Some(Position(3)));
}

#[tokio::test]
async fn reusing_an_event_id_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let s = StreamName::new("s").unwrap();
    let batch = events(0..2);
    store
        .append(&s, ExpectedRevision::NoStream, batch.clone())
        .await
        .unwrap();
    // The same id in another stream.
    let other = StreamName::new("t").unwrap();
    let mut reused = events(5..6);
    reused[0].id = batch[1].id;
    match store.append(&other, ExpectedRevision::Any, reused).await {
        Err(StoreError::DuplicateEventId { id }) => assert_eq!(id, batch[1].id),
        r => panic!("expected a duplicate id refusal, got {r:?}"),
    }
    // Part of an earlier append, with new events beside it.
    let mut partial = events(6..8);
    partial[0].id = batch[0].id;
    assert!(matches!(
        store.append(&s, ExpectedRevision::Any, partial).await,
        Err(StoreError::DuplicateEventId { .. })
    ));
    // The same append with an expectation it could not have met.
    assert!(matches!(
        store.append(&s, ExpectedRevision::Exact(7), batch).await,
        Err(StoreError::WrongExpectedRevision { .. })
    ));
    assert!(
        store
            .read_stream(
                &other,
                cla_event_store::StreamFrom::Start,
                cla_event_store::Direction::Forwards,
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.head().await.unwrap(), Some(Position(2)));
}

#[tokio::test]
async fn events_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let s = StreamName::new("s").unwrap();
    let written = events(0..4);
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        store
            .append(&s, ExpectedRevision::NoStream, written.clone())
            .await
            .unwrap();
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let read = store.read_all(AllFrom::Start, 10).await.unwrap();
    assert_eq!(
        read.iter().map(|e| e.id).collect::<Vec<_>>(),
        written.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    assert_eq!(read[3].metadata, written[3].metadata);
    let next = store
        .append(&s, ExpectedRevision::Exact(3), events(4..5))
        .await
        .unwrap();
    assert_eq!(next.position, Position(5));
}

#[tokio::test]
async fn a_second_owner_is_refused_with_the_owners_pid() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    match EmbeddedStore::open(dir.path()) {
        Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
        Err(other) => panic!("expected a lock refusal, got {other}"),
        Ok(_) => panic!("a second owner opened the store"),
    }
    let message = EmbeddedStore::open(dir.path()).err().unwrap().to_string();
    assert!(
        message.starts_with(&format!(
            "store is locked by process {}",
            std::process::id()
        )),
        "{message}"
    );
    drop(store);
    EmbeddedStore::open(dir.path()).expect("free once the owner has closed it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_share_group_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let writers = 64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let s = StreamName::new(format!("w{w}")).unwrap();
            for i in 0..20 {
                store
                    .append(&s, ExpectedRevision::Any, vec![event(i)])
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stats = store.stats();
    assert_eq!(stats.appends, 64 * 20);
    assert_eq!(stats.events, 64 * 20);
    assert!(
        stats.commits < stats.appends / 4,
        "appends are batched into shared commits: {stats:?}"
    );
    assert_eq!(store.head().await.unwrap(), Some(Position(64 * 20)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_append_in_a_batch_leaves_the_others_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let s = StreamName::new("s").unwrap();
    store
        .append(&s, ExpectedRevision::NoStream, events(0..1))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..32u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let (target, expected) = if i % 2 == 0 {
                (
                    StreamName::new(format!("ok{i}")).unwrap(),
                    ExpectedRevision::NoStream,
                )
            } else {
                (StreamName::new("s").unwrap(), ExpectedRevision::Exact(9))
            };
            store.append(&target, expected, events(i..i + 2)).await
        }));
    }
    let mut ok = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        let r = t.await.unwrap();
        if i % 2 == 0 {
            r.expect("valid appends are written");
            ok += 1;
        } else {
            assert!(matches!(r, Err(StoreError::WrongExpectedRevision { .. })));
        }
    }
    assert_eq!(ok, 16);
    let all = store.read_all(AllFrom::Start, 1000).await.unwrap();
    assert_eq!(all.len(), 1 + 16 * 2);
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.position == Position(i as u64 + 1))
    );
}

#[tokio::test]
async fn a_closed_store_ends_its_feeds() {
    use futures::StreamExt;
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let mut feed = store.subscribe_all(AllFrom::Start);
    store
        .append(&stream("x", "y"), ExpectedRevision::Any, events(0..1))
        .await
        .unwrap();
    assert!(feed.next().await.unwrap().is_ok());
    drop(store);
    match tokio::time::timeout(contract::DEADLINE, feed.next()).await {
        Ok(Some(Err(StoreError::Closed))) => {}
        other => panic!("expected the feed to end with Closed, got {other:?}"),
    }
}

/// The embedded store filters by type in its reads: over more events of those types than one read
/// takes, and more positions than one read looks through, every one arrives once and in order,
/// and once caught up the feed marks the head as passed.
#[tokio::test]
async fn a_feed_of_some_types_reads_through_long_histories() {
    use cla_event_store::{EventType, Filtered, NewEvent};
    use futures::StreamExt;
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let wanted = EventType::new("Wanted", 1).unwrap();
    let mut expected = Vec::new();
    for chunk in 0..14u64 {
        let batch: Vec<NewEvent> = (0..6_000u64)
            .map(|n| {
                let n = chunk * 6_000 + n;
                // Dense at first (more than a page in one span), then sparse.
                if (chunk < 2 && n % 2 == 0) || n % 5_000 == 1 {
                    let e = NewEvent::new(wanted.clone(), b"{}".to_vec(), contract::metadata());
                    expected.push(e.id);
                    e
                } else {
                    event(n)
                }
            })
            .collect();
        store
            .append(&stream("long", "h"), ExpectedRevision::Any, batch)
            .await
            .unwrap();
    }
    let head = store.head().await.unwrap().unwrap();
    let mut feed = store.subscribe_types(AllFrom::Start, &["Wanted.v1"]);
    let mut given = Vec::new();
    let mut marks = Vec::new();
    tokio::time::timeout(contract::DEADLINE, async {
        while marks.last() != Some(&head) {
            match feed.next().await.unwrap().unwrap() {
                Filtered::Event(e) => given.push(e.id),
                Filtered::Passed(p) => marks.push(p),
            }
        }
    })
    .await
    .expect("the feed reaches the head");
    assert_eq!(given, expected);
    assert!(given.len() > 6_000, "more than a page: {}", given.len());
    assert!(
        marks.len() > 2,
        "marks along the way, not only at the head: {marks:?}"
    );
    assert!(marks.windows(2).all(|w| w[0] <= w[1]));
}
