//! The KurrentDB backend against faults at the wire: a gRPC server in the test answers the real
//! `kurrentdb` client (and the backend's own subscription call) with what a cluster does — a node
//! that is not ready, a follower naming the leader, connections dropped mid-subscription, a
//! subscription ended cleanly, a node that never answers. This exercises the backend's handling
//! of what the client reports; it does not pretend to be KurrentDB. No server needs installing.

mod contract;
mod node;

use std::time::{Duration, Instant};

use cla_event_store::{
    AllFrom, AppendResult, Direction, EventStore, ExpectedRevision, KurrentDbOptions,
    KurrentDbStore, NewEvent, RecordedEvent, StoreError, StreamFrom, StreamName,
};
use contract::events;
use futures::StreamExt;
use node::{AppendAct, Blackhole, Node, ReadAct, SubscribeAct, eventually};
use uuid::Uuid;

/// Every wait in these tests fails past this.
const DEADLINE: Duration = Duration::from_secs(20);

fn options(deadline: Duration) -> KurrentDbOptions {
    KurrentDbOptions {
        deadline,
        backoff_first: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
    }
}

fn ids(events: &[NewEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.id).collect()
}

/// Sends the same append (same ids, same expectation) until it is acknowledged, as a caller does
/// after an outage; anything but an outage fails the test.
async fn until_acknowledged(
    store: &KurrentDbStore,
    stream: &StreamName,
    expected: ExpectedRevision,
    batch: &[NewEvent],
) -> AppendResult {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match store.append(stream, expected, batch.to_vec()).await {
            Ok(written) => return written,
            Err(e) if e.is_transient() => {
                assert!(Instant::now() < deadline, "never acknowledged: {e}");
                tokio::task::yield_now().await;
            }
            Err(e) => panic!("expected an outage or an acknowledgement, got {e:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_not_ready_is_unavailable_and_a_new_client_follows_the_leader() {
    let seed = Node::start().await;
    let leader = Node::start().await;
    seed.script_appends([AppendAct::Unavailable, AppendAct::NotLeader(leader.port)]);
    let store = KurrentDbStore::with_options(&seed.url(), options(Duration::from_secs(5))).unwrap();
    let s = StreamName::new("faults-leader").unwrap();
    let batch = events(0..2);

    let first = store
        .append(&s, ExpectedRevision::NoStream, batch.clone())
        .await;
    match &first {
        Err(e @ StoreError::Unavailable(_)) => assert_eq!(e.code(), "UNAVAILABLE"),
        other => panic!("a node that is not ready is an outage, got {other:?}"),
    }
    assert_eq!(store.clients_built(), 1);

    let written = until_acknowledged(&store, &s, ExpectedRevision::NoStream, &batch).await;
    assert_eq!(written.revision, 1);
    assert_eq!(
        store.clients_built(),
        2,
        "one new client after the outage; following the leader needs none"
    );
    assert_eq!(seed.append_calls(), 2, "not ready, then not leader");
    assert_eq!(
        leader.append_calls(),
        1,
        "the append was retried on the leader at once"
    );
    assert!(seed.ids().is_empty());
    assert_eq!(leader.ids(), ids(&batch), "stored once, on the leader");

    // Reads follow the client to the leader, with KurrentDB's recorded times to the tick: two
    // events recorded 0.1234567 s apart within one second stay apart and in order.
    let read = store
        .read_stream(&s, StreamFrom::Start, Direction::Forwards, 10)
        .await
        .unwrap();
    assert_eq!(read.iter().map(|e| e.id).collect::<Vec<_>>(), ids(&batch));
    assert_eq!(
        (read[1].recorded - read[0].recorded).num_nanoseconds(),
        Some(123_456_700)
    );
    assert_eq!(read[0].recorded.timestamp(), read[1].recorded.timestamp());
}

/// Takes the feed's next item: an event is kept; an outage is counted, with where the feed must
/// resume (just after its last event).
async fn step(
    feed: &mut cla_event_store::EventFeed,
    delivered: &mut Vec<RecordedEvent>,
    resumes: &mut Vec<Option<u64>>,
    outages: &mut usize,
) {
    let item = tokio::time::timeout(DEADLINE, feed.next())
        .await
        .expect("the feed answers before the deadline")
        .expect("a feed goes on");
    match item {
        Ok(event) => delivered.push(event),
        Err(e) => {
            assert_eq!(e.code(), "UNAVAILABLE", "{e}");
            *outages += 1;
            resumes.push(delivered.last().map(|e| e.position.0));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_resubscribes_after_its_last_event_through_drops_and_clean_ends() {
    let node = Node::start().await;
    node.script_subscriptions([
        SubscribeAct::Unavailable,
        SubscribeAct::Serve,
        SubscribeAct::EndAfterCatchUp,
        SubscribeAct::Serve,
    ]);
    let store = KurrentDbStore::with_options(&node.url(), options(Duration::from_secs(5))).unwrap();
    let s = StreamName::new("faults-feed").unwrap();
    let (a, b, c) = (events(0..4), events(4..7), events(7..9));
    until_acknowledged(&store, &s, ExpectedRevision::NoStream, &a).await;

    let mut feed = store.subscribe_all(AllFrom::Start);
    let mut delivered: Vec<RecordedEvent> = Vec::new();
    // Where the feed must resume after each reported outage: just after its last event.
    let mut resumes = vec![None];
    let mut outages = 0;
    // Not ready, reported; then the catch-up of A.
    while delivered.len() < a.len() {
        step(&mut feed, &mut delivered, &mut resumes, &mut outages).await;
    }
    assert_eq!(outages, 1, "the node that was not ready is reported");
    // Live: B arrives; the connection drops after its first event.
    until_acknowledged(&store, &s, ExpectedRevision::Exact(3), &b).await;
    while delivered.len() < a.len() + 1 {
        step(&mut feed, &mut delivered, &mut resumes, &mut outages).await;
    }
    node.drop_connections();
    // The drop is reported; the rest of B comes from a subscription the node then ends cleanly,
    // which is reported too; the next subscription carries C live.
    while outages < 3 {
        step(&mut feed, &mut delivered, &mut resumes, &mut outages).await;
    }
    until_acknowledged(&store, &s, ExpectedRevision::Exact(6), &c).await;
    while delivered.len() < a.len() + b.len() + c.len() {
        step(&mut feed, &mut delivered, &mut resumes, &mut outages).await;
    }

    let expected: Vec<Uuid> = a.iter().chain(&b).chain(&c).map(|e| e.id).collect();
    assert_eq!(
        delivered.iter().map(|e| e.id).collect::<Vec<_>>(),
        expected,
        "every event once, in order"
    );
    assert_eq!(outages, 3, "not ready, dropped, ended: each reported once");
    assert_eq!(
        node.subscribed_from(),
        resumes,
        "each subscription starts just after the last event delivered"
    );
    assert_eq!(store.subscriptions_opened(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_never_answers_is_unavailable_at_the_deadline() {
    let node = Node::start().await;
    node.script_reads([ReadAct::Silent]);
    node.script_subscriptions([SubscribeAct::Silent]);
    let deadline = Duration::from_millis(400);
    let store = KurrentDbStore::with_options(&node.url(), options(deadline)).unwrap();
    let bound = deadline * 5;

    let started = Instant::now();
    let read = tokio::time::timeout(DEADLINE, store.read_all(AllFrom::Start, 10))
        .await
        .expect("a read returns");
    assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());

    let started = Instant::now();
    let mut feed = store.subscribe_all(AllFrom::Start);
    let first = tokio::time::timeout(DEADLINE, feed.next())
        .await
        .expect("a feed reports")
        .expect("a feed goes on");
    assert!(
        matches!(first, Err(StoreError::Unavailable(_))),
        "{first:?}"
    );
    assert!(started.elapsed() < bound, "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_a_node_among_silent_seeds_is_bounded_by_the_deadline() {
    let (one, two, three) = (
        Blackhole::start().await,
        Blackhole::start().await,
        Blackhole::start().await,
    );
    let url = format!(
        "kurrentdb://127.0.0.1:{},127.0.0.1:{},127.0.0.1:{}?tls=false",
        one.port, two.port, three.port
    );
    let deadline = Duration::from_millis(500);
    let store = KurrentDbStore::with_options(&url, options(deadline)).unwrap();
    let started = Instant::now();
    let s = StreamName::new("faults-discovery").unwrap();
    let append = tokio::time::timeout(
        DEADLINE,
        store.append(&s, ExpectedRevision::NoStream, events(0..1)),
    )
    .await
    .expect("an append returns");
    assert!(
        matches!(append, Err(StoreError::Unavailable(_))),
        "{append:?}"
    );
    assert!(
        started.elapsed() < deadline * 4,
        "node discovery ran past the deadline: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_of_one_client_count_once_and_retired_clients_leave_nothing_open() {
    let node = Node::start().await;
    let concurrent = 8;
    node.script_appends(std::iter::repeat_n(
        AppendAct::UnavailableOnceArrived(concurrent),
        concurrent,
    ));
    let store = KurrentDbStore::with_options(
        &node.url(),
        KurrentDbOptions {
            deadline: Duration::from_secs(5),
            backoff_first: Duration::from_millis(50),
            backoff_max: Duration::from_secs(10),
        },
    )
    .unwrap();
    // One client; its first calls all fail together.
    store.head().await.unwrap();
    let calls = (0..concurrent).map(|i| {
        let store = store.clone();
        async move {
            let s = StreamName::new(format!("faults-many-{i}")).unwrap();
            store
                .append(&s, ExpectedRevision::NoStream, events(0..1))
                .await
        }
    });
    for result in futures::future::join_all(calls).await {
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
    }
    assert_eq!(store.clients_built(), 1);
    match store.head().await {
        Err(StoreError::Unavailable(message)) => {
            let wait: u64 = message
                .split_whitespace()
                .find_map(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("{message}"));
            assert!(
                wait <= 50,
                "one failed client is one backoff step: {message}"
            );
        }
        other => panic!("expected a reconnection wait, got {other:?}"),
    }
    let s = StreamName::new("faults-many-after").unwrap();
    until_acknowledged(&store, &s, ExpectedRevision::NoStream, &events(0..1)).await;
    assert_eq!(store.clients_built(), 2);
    // The retired client's connection is closed with it: only the live client's stays.
    eventually(
        DEADLINE,
        "the retired client's connection is closed",
        || node.open_connections() <= 1,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_failure_of_a_retired_client_leaves_the_new_one_alone() {
    let node = Node::start().await;
    node.script_appends([AppendAct::UnavailableWhenReleased, AppendAct::Unavailable]);
    let store = KurrentDbStore::with_options(&node.url(), options(Duration::from_secs(5))).unwrap();
    let stuck = {
        let store = store.clone();
        tokio::spawn(async move {
            let s = StreamName::new("faults-late-stuck").unwrap();
            store
                .append(&s, ExpectedRevision::NoStream, events(0..1))
                .await
        })
    };
    eventually(DEADLINE, "the first append reaches the node", || {
        node.append_calls() == 1
    })
    .await;
    let s = StreamName::new("faults-late").unwrap();
    let failed = store
        .append(&s, ExpectedRevision::NoStream, events(0..1))
        .await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    let batch = events(1..2);
    until_acknowledged(&store, &s, ExpectedRevision::NoStream, &batch).await;
    assert_eq!(store.clients_built(), 2);
    // The first client's append now fails, late.
    node.release();
    let late = tokio::time::timeout(DEADLINE, stuck)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(late, Err(StoreError::Unavailable(_))), "{late:?}");
    // The new client goes on: no wait, no rebuild.
    let next = store
        .append(&s, ExpectedRevision::Exact(0), events(2..3))
        .await;
    assert!(next.is_ok(), "{next:?}");
    assert_eq!(store.clients_built(), 2);
}

#[tokio::test]
async fn an_append_over_kurrentdbs_size_limit_is_refused_before_any_call() {
    let store = KurrentDbStore::new("kurrentdb://127.0.0.1:1?tls=false").unwrap();
    let s = StreamName::new("faults-big").unwrap();
    let mut batch = events(0..3);
    for e in &mut batch {
        e.data = format!(r#"{{"blob":"{}"}}"#, "x".repeat(400 * 1024)).into();
    }
    match store.append(&s, ExpectedRevision::NoStream, batch).await {
        Err(StoreError::InvalidInput { field, message }) => {
            assert_eq!(field, "events");
            assert!(message.contains("1048576"), "{message}");
        }
        other => panic!("expected a refusal naming the size, got {other:?}"),
    }
    assert_eq!(store.clients_built(), 0, "refused before any call");
}
