//! The contract every backend of `EventStore` keeps: one suite, generic over the trait.
//!
//! Each case takes a store and a unique namespace; every stream it touches starts with the
//! namespace, and reads of the global order look only at those streams, so the suite can run on a
//! shared KurrentDB as well as on a fresh embedded store.

#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use cla_event_store::{
    Actor, AllFrom, CurrentRevision, Direction, EventStore, EventType, ExpectedRevision, Filtered,
    Metadata, NewEvent, Position, RecordedEvent, StoreError, StreamFrom, StreamName,
};
use futures::StreamExt;
use uuid::Uuid;

/// How long a case waits for a condition before it fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub type Store = Arc<dyn EventStore>;

pub fn stream(ns: &str, name: &str) -> StreamName {
    StreamName::new(format!("{ns}-{name}")).expect("valid stream name")
}

pub fn metadata() -> Metadata {
    Metadata {
        actor: Actor {
            id: "user-7".into(),
            role: "CIVIL_AFFAIRS".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: Some(Uuid::now_v7()),
        effective: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap(),
    }
}

pub fn event(n: u64) -> NewEvent {
    NewEvent::new(
        EventType::new("ContractTested", 1).unwrap(),
        format!(r#"{{"n":{n},"note":"contract"}}"#).into_bytes(),
        metadata(),
    )
}

pub fn events(range: std::ops::Range<u64>) -> Vec<NewEvent> {
    range.map(event).collect()
}

fn ids(events: &[RecordedEvent]) -> Vec<Uuid> {
    events.iter().map(|e| e.id).collect()
}

async fn whole(store: &Store, s: &StreamName) -> Vec<RecordedEvent> {
    cla_event_store::read_stream_to_end(store.as_ref(), s)
        .await
        .expect("read stream")
}

/// Every event of the namespace in the global order, read page by page.
pub async fn all_of(store: &Store, ns: &str) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut from = AllFrom::Start;
    loop {
        let page = store.read_all(from, 500).await.expect("read all");
        let Some(last) = page.last() else { break };
        from = AllFrom::After(last.position);
        out.extend(
            page.into_iter()
                .filter(|e| e.stream.as_str().starts_with(ns)),
        );
    }
    out
}

fn assert_wrong(
    result: Result<cla_event_store::AppendResult, StoreError>,
    expected_actual: CurrentRevision,
) {
    match result {
        Err(StoreError::WrongExpectedRevision { actual, .. }) => {
            assert_eq!(actual, expected_actual)
        }
        other => panic!("expected a wrong-expected-revision error, got {other:?}"),
    }
}

fn assert_invalid(result: Result<cla_event_store::AppendResult, StoreError>, field: &str) {
    match result {
        Err(StoreError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid input on {field}, got {other:?}"),
    }
}

/// An append returns the new revision and the position of its last event; the envelope reads back
/// exactly as written, with the recorded time and global position filled in.
pub async fn append_and_read_back(store: Store, ns: &str) {
    let s = stream(ns, "staff-1");
    let before = Utc::now() - chrono::Duration::seconds(5);
    let written = events(0..3);
    let result = store
        .append(&s, ExpectedRevision::NoStream, written.clone())
        .await
        .expect("append");
    assert_eq!(result.revision, 2);
    let read = whole(&store, &s).await;
    assert_eq!(read.len(), 3);
    assert_eq!(read[2].position, result.position);
    for (i, (w, r)) in written.iter().zip(&read).enumerate() {
        assert_eq!(r.id, w.id);
        assert_eq!(r.stream, s);
        assert_eq!(r.event_type.as_str(), "ContractTested.v1");
        assert_eq!(r.event_type.name(), "ContractTested");
        assert_eq!(r.event_type.version(), Some(1));
        assert_eq!(r.data, w.data);
        assert_eq!(r.metadata, w.metadata);
        assert_eq!(r.revision, i as u64);
        assert!(r.recorded >= before && r.recorded <= Utc::now() + chrono::Duration::seconds(5));
        if i > 0 {
            assert!(
                r.position > read[i - 1].position,
                "positions grow within an append"
            );
        }
    }
    let head = store.head().await.expect("head").expect("a head");
    assert!(head >= result.position);
}

/// Each expectation is checked; a wrong one carries the actual revision and writes nothing.
pub async fn expected_revisions(store: Store, ns: &str) {
    let s = stream(ns, "base-1");
    assert_wrong(
        store
            .append(&s, ExpectedRevision::StreamExists, events(0..1))
            .await,
        CurrentRevision::NoStream,
    );
    assert_wrong(
        store
            .append(&s, ExpectedRevision::Exact(0), events(0..1))
            .await,
        CurrentRevision::NoStream,
    );
    store
        .append(&s, ExpectedRevision::NoStream, events(0..2))
        .await
        .expect("no stream");
    assert_wrong(
        store
            .append(&s, ExpectedRevision::NoStream, events(2..3))
            .await,
        CurrentRevision::Current(1),
    );
    assert_wrong(
        store
            .append(&s, ExpectedRevision::Exact(0), events(2..3))
            .await,
        CurrentRevision::Current(1),
    );
    assert_wrong(
        store
            .append(&s, ExpectedRevision::Exact(5), events(2..3))
            .await,
        CurrentRevision::Current(1),
    );
    assert_eq!(whole(&store, &s).await.len(), 2, "refusals wrote nothing");
    let r = store
        .append(&s, ExpectedRevision::Exact(1), events(2..3))
        .await
        .expect("exact");
    assert_eq!(r.revision, 2);
    let r = store
        .append(&s, ExpectedRevision::StreamExists, events(3..4))
        .await
        .expect("exists");
    assert_eq!(r.revision, 3);
    let r = store
        .append(&s, ExpectedRevision::Any, events(4..6))
        .await
        .expect("any");
    assert_eq!(r.revision, 5);
    let fresh = stream(ns, "base-2");
    let r = store
        .append(&fresh, ExpectedRevision::Any, events(0..1))
        .await
        .expect("any on a new stream");
    assert_eq!(r.revision, 0);
    assert_eq!(whole(&store, &s).await.len(), 6);
}

/// Bad input is refused with the field at fault, before anything is written: all or nothing.
pub async fn bad_input_writes_nothing(store: Store, ns: &str) {
    let s = stream(ns, "atomic");
    let mut batch = events(0..3);
    batch[1].data = bytes::Bytes::from_static(b"{not json");
    assert_invalid(store.append(&s, ExpectedRevision::Any, batch).await, "data");
    let mut batch = events(0..3);
    batch[2].id = batch[0].id;
    assert_invalid(
        store.append(&s, ExpectedRevision::Any, batch).await,
        "events",
    );
    let mut batch = events(0..2);
    batch[1].metadata.actor.id = " ".into();
    assert_invalid(
        store.append(&s, ExpectedRevision::Any, batch).await,
        "metadata.actor.id",
    );
    assert_invalid(
        store.append(&s, ExpectedRevision::Any, vec![]).await,
        "events",
    );
    assert!(whole(&store, &s).await.is_empty(), "nothing was written");

    for bad in ["", "$system", "tab\there"] {
        match StreamName::new(bad) {
            Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "stream"),
            other => panic!("{bad:?} accepted: {other:?}"),
        }
    }
    assert!(StreamName::new("x".repeat(StreamName::MAX_LEN + 1)).is_err());
    for bad in [
        "Created",
        "Created.v0",
        "Created.v",
        "9Created.v1",
        "Cre ated.v1",
        "Created.v01",
    ] {
        assert!(EventType::parse(bad).is_err(), "{bad} accepted");
    }
    assert_eq!(
        EventType::new("StaffDeployed", 2).unwrap().as_str(),
        "StaffDeployed.v2"
    );
}

/// Sending the same append again (same ids, same expectation) succeeds without writing twice —
/// with `NoStream` and `Exact`, the expectations every backend makes idempotent (with `Any` or
/// `StreamExists` only the embedded store promises it; see `EventStore::append`).
pub async fn idempotent_reappend(store: Store, ns: &str) {
    let s = stream(ns, "idem");
    let first = events(0..3);
    let a = store
        .append(&s, ExpectedRevision::NoStream, first.clone())
        .await
        .expect("first");
    let b = store
        .append(&s, ExpectedRevision::NoStream, first.clone())
        .await
        .expect("same append again");
    assert_eq!(a.revision, b.revision);
    let second = events(3..5);
    let c = store
        .append(&s, ExpectedRevision::Exact(2), second.clone())
        .await
        .expect("second");
    let d = store
        .append(&s, ExpectedRevision::Exact(2), second.clone())
        .await
        .expect("second again");
    assert_eq!(c.revision, 4);
    assert_eq!(d.revision, 4);
    let read = whole(&store, &s).await;
    let expected: Vec<Uuid> = first.iter().chain(&second).map(|e| e.id).collect();
    assert_eq!(ids(&read), expected, "each event stored once");
}

/// Reads of one stream: both directions, from a revision, from either end, with a limit; a
/// missing stream reads as empty.
pub async fn read_stream_directions(store: Store, ns: &str) {
    let s = stream(ns, "dirs");
    let written = events(0..10);
    store
        .append(&s, ExpectedRevision::NoStream, written.clone())
        .await
        .unwrap();
    let fwd = store
        .read_stream(&s, StreamFrom::Revision(3), Direction::Forwards, 4)
        .await
        .unwrap();
    assert_eq!(
        fwd.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![3, 4, 5, 6]
    );
    let back = store
        .read_stream(&s, StreamFrom::End, Direction::Backwards, 3)
        .await
        .unwrap();
    assert_eq!(
        back.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![9, 8, 7]
    );
    assert_eq!(back[0].id, written[9].id);
    let back_from = store
        .read_stream(&s, StreamFrom::Revision(2), Direction::Backwards, 10)
        .await
        .unwrap();
    assert_eq!(
        back_from.iter().map(|e| e.revision).collect::<Vec<_>>(),
        vec![2, 1, 0]
    );
    let start = store
        .read_stream(&s, StreamFrom::Start, Direction::Forwards, 100)
        .await
        .unwrap();
    assert_eq!(
        ids(&start),
        written.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let past_end = store
        .read_stream(&s, StreamFrom::Revision(10), Direction::Forwards, 5)
        .await
        .unwrap();
    assert!(past_end.is_empty());
    let missing = store
        .read_stream(
            &stream(ns, "nobody"),
            StreamFrom::Start,
            Direction::Forwards,
            5,
        )
        .await
        .unwrap();
    assert!(missing.is_empty());
}

/// The global order holds every stream's events in the order they were appended; reading after a
/// position starts just past it.
pub async fn read_all_global_order(store: Store, ns: &str) {
    let a = stream(ns, "a");
    let b = stream(ns, "b");
    let mut expected = Vec::new();
    for round in 0..5u64 {
        for s in [&a, &b] {
            let batch = events(round * 2..round * 2 + 2);
            expected.extend(batch.iter().map(|e| e.id));
            store.append(s, ExpectedRevision::Any, batch).await.unwrap();
        }
    }
    let all = all_of(&store, ns).await;
    assert_eq!(ids(&all), expected);
    assert!(all.windows(2).all(|w| w[0].position < w[1].position));
    let pivot = all[6].position;
    let after = store.read_all(AllFrom::After(pivot), 1000).await.unwrap();
    let after: Vec<_> = after
        .into_iter()
        .filter(|e| e.stream.as_str().starts_with(ns))
        .collect();
    assert_eq!(ids(&after), expected[7..].to_vec());
    let limited = store.read_all(AllFrom::After(pivot), 2).await.unwrap();
    assert_eq!(limited.len(), 2);
    assert!(limited[0].position > pivot);
}

/// Concurrent appends to one stream with the same expected revision: exactly one wins, the others
/// are told the actual revision, and the stream holds only the winner's events.
pub async fn concurrent_same_expectation(store: Store, ns: &str) {
    let s = stream(ns, "race");
    store
        .append(&s, ExpectedRevision::NoStream, events(0..1))
        .await
        .unwrap();
    let contenders = 16;
    let mut tasks = Vec::new();
    for i in 0..contenders {
        let store = Arc::clone(&store);
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let batch = events(100 * i..100 * i + 2);
            let result = store
                .append(&s, ExpectedRevision::Exact(0), batch.clone())
                .await;
            (batch, result)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (batch, result) = task.await.unwrap();
        match result {
            Ok(r) => {
                assert_eq!(r.revision, 2);
                winners.push(batch);
            }
            Err(StoreError::WrongExpectedRevision { actual, .. }) => {
                assert_eq!(actual, CurrentRevision::Current(2))
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one contender wins");
    let read = whole(&store, &s).await;
    assert_eq!(read.len(), 3);
    assert_eq!(
        ids(&read[1..]),
        winners[0].iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

/// A subscription delivers what is stored (catch-up), then what is appended while it runs (live),
/// in global order, with no gap and no duplicate across the switch — even while appends race it.
pub async fn subscribe_catch_up_then_live(store: Store, ns: &str) {
    let before = 60u64;
    let during = 240u64;
    let writers = 6u64;
    let mut expected = HashSet::new();
    for i in 0..before {
        let batch = events(i..i + 1);
        expected.insert(batch[0].id);
        store
            .append(
                &stream(ns, &format!("pre-{}", i % 7)),
                ExpectedRevision::Any,
                batch,
            )
            .await
            .unwrap();
    }
    let mut feed = store.subscribe_all(AllFrom::Start);
    // Appends racing the subscription through its switch from catch-up to live.
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = Arc::clone(&store);
        let s = stream(ns, &format!("live-{w}"));
        tasks.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..during / writers {
                let batch = events(i..i + 1);
                written.push(batch[0].id);
                store
                    .append(&s, ExpectedRevision::Any, batch)
                    .await
                    .unwrap();
                if i % 8 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            written
        }));
    }
    let total = (before + during) as usize;
    let mut seen = Vec::new();
    let mut last: Option<Position> = None;
    let collect = async {
        while seen.len() < total {
            let event = feed.next().await.expect("feed ended").expect("feed error");
            if let Some(p) = last {
                assert!(event.position > p, "global order, no duplicate");
            }
            last = Some(event.position);
            if event.stream.as_str().starts_with(ns) {
                seen.push(event);
            }
        }
    };
    tokio::time::timeout(DEADLINE, collect)
        .await
        .expect("every event arrives before the deadline");
    for task in tasks {
        expected.extend(task.await.unwrap());
    }
    let seen_ids: HashSet<Uuid> = seen.iter().map(|e| e.id).collect();
    assert_eq!(seen_ids.len(), seen.len(), "no duplicate");
    assert_eq!(seen_ids, expected, "no gap");
    // Per stream, revisions arrive in order.
    let mut per_stream = std::collections::HashMap::<String, u64>::new();
    for e in &seen {
        let next = per_stream.entry(e.stream.as_str().to_string()).or_insert(0);
        assert_eq!(e.revision, *next);
        *next += 1;
    }
    // Live: an append made now is delivered.
    let late = events(999..1000);
    store
        .append(&stream(ns, "late"), ExpectedRevision::Any, late.clone())
        .await
        .unwrap();
    let delivered = tokio::time::timeout(DEADLINE, async {
        loop {
            let e = feed.next().await.expect("feed ended").expect("feed error");
            if e.stream.as_str().starts_with(ns) {
                return e;
            }
        }
    })
    .await
    .expect("live event arrives");
    assert_eq!(delivered.id, late[0].id);
}

/// A reader that stored the position of the last event it processed resumes just after it.
pub async fn resume_from_checkpoint(store: Store, ns: &str) {
    let s = stream(ns, "ckpt");
    let written = events(0..20);
    store
        .append(&s, ExpectedRevision::NoStream, written.clone())
        .await
        .unwrap();
    let mut checkpoint = None;
    {
        let mut feed = store.subscribe_all(AllFrom::Start);
        let mut taken = 0;
        tokio::time::timeout(DEADLINE, async {
            while taken < 8 {
                let e = feed.next().await.unwrap().unwrap();
                if e.stream == s {
                    taken += 1;
                }
                checkpoint = Some(e.position);
            }
        })
        .await
        .expect("first eight arrive");
    }
    let mut feed = store.subscribe_all(AllFrom::checkpoint(checkpoint));
    let mut rest = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        while rest.len() < 12 {
            let e = feed.next().await.unwrap().unwrap();
            assert!(Some(e.position) > checkpoint);
            if e.stream == s {
                rest.push(e.id);
            }
        }
    })
    .await
    .expect("the rest arrives");
    assert_eq!(rest, written[8..].iter().map(|e| e.id).collect::<Vec<_>>());
}

/// A feed of some types gives those events only, each once and in order, through catch-up and
/// live; its passed marks never go back and never pass an event it has yet to give; and a reader
/// resuming from a mark gets only what follows.
pub async fn subscribe_to_some_types(store: Store, ns: &str) {
    let wanted = EventType::new(&format!("{ns}Wanted"), 1).unwrap();
    let also = EventType::new(&format!("{ns}AlsoWanted"), 2).unwrap();
    let typed = |t: &EventType, n: u64| {
        NewEvent::new(
            t.clone(),
            format!(r#"{{"n":{n}}}"#).into_bytes(),
            metadata(),
        )
    };
    let s = stream(ns, "typed");
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for n in 0..40u64 {
        let e = match n % 10 {
            3 => typed(&wanted, n),
            7 => typed(&also, n),
            _ => event(n),
        };
        if n % 10 == 3 || n % 10 == 7 {
            expected.push(e.id);
        }
        batch.push(e);
    }
    store
        .append(&s, ExpectedRevision::NoStream, batch)
        .await
        .unwrap();
    let types = [wanted.as_str(), also.as_str()];
    let mut feed = store.subscribe_types(AllFrom::Start, &types);
    // Checks the order of what the feed gives; returns the events given and the last mark.
    async fn take(
        feed: &mut cla_event_store::FilteredFeed,
        types: &[&str],
        count: usize,
        mut at: Option<Position>,
    ) -> (Vec<RecordedEvent>, Option<Position>) {
        let mut given = Vec::new();
        tokio::time::timeout(DEADLINE, async {
            while given.len() < count {
                match feed.next().await.expect("feed ended").expect("feed error") {
                    Filtered::Event(e) => {
                        assert!(
                            types.contains(&e.event_type.as_str()),
                            "only the types asked for"
                        );
                        assert!(
                            at.is_none_or(|a| e.position > a),
                            "in order, after every mark"
                        );
                        at = Some(e.position);
                        given.push(e);
                    }
                    Filtered::Passed(p) => {
                        assert!(at.is_none_or(|a| p >= a), "marks never go back");
                        at = Some(p);
                    }
                }
            }
        })
        .await
        .expect("the events of those types arrive");
        (given, at)
    }
    let (given, at) = take(&mut feed, &types, expected.len(), None).await;
    assert_eq!(ids(&given), expected, "each once, in order");
    // Live: an event of another type, then one of the types asked for.
    store
        .append(&s, ExpectedRevision::Any, vec![event(100)])
        .await
        .unwrap();
    let late = typed(&also, 101);
    store
        .append(&s, ExpectedRevision::Any, vec![late.clone()])
        .await
        .unwrap();
    let (given, _) = take(&mut feed, &types, 1, at).await;
    assert_eq!(given[0].id, late.id);
    // Resuming after the fourth event given: only those after it.
    let all = all_of(&store, ns).await;
    let fourth = all.iter().find(|e| e.id == expected[3]).unwrap().position;
    let mut resumed = store.subscribe_types(AllFrom::After(fourth), &types);
    let (given, _) = take(&mut resumed, &types, expected.len() - 4 + 1, Some(fourth)).await;
    let mut rest = expected[4..].to_vec();
    rest.push(late.id);
    assert_eq!(ids(&given), rest);
}

/// The server restarts while appends and a subscription run (`restart` restarts it and returns
/// once it has been told to). Every acknowledged append is stored once, in order — a writer that
/// saw an outage sends the same append again, which a `NoStream` or `Exact` expectation makes
/// idempotent — and the subscription resumes with no gap and no duplicate.
pub async fn survives_a_restart<F, Fut>(store: Store, ns: &str, restart: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    const WRITERS: u64 = 4;
    const BATCHES: u64 = 40;
    let restart_deadline = Duration::from_secs(120);
    let mut feed = store.subscribe_all(AllFrom::Start);
    let acknowledged = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, acknowledged) = (Arc::clone(&store), Arc::clone(&acknowledged));
        let s = stream(ns, &format!("restart-{w}"));
        writers.push(tokio::spawn(async move {
            let mut written = Vec::new();
            let mut revision: Option<u64> = None;
            for b in 0..BATCHES {
                let batch = events(b * 2..b * 2 + 2);
                let expected = revision.map_or(ExpectedRevision::NoStream, ExpectedRevision::Exact);
                let until = tokio::time::Instant::now() + restart_deadline;
                let result = loop {
                    match store.append(&s, expected, batch.clone()).await {
                        Err(e) if e.is_transient() => {
                            assert!(tokio::time::Instant::now() < until, "no recovery: {e}");
                            // A caller's pause before sending the same append again.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        other => break other,
                    }
                };
                let result = result.expect("acknowledged once the server is back");
                revision = Some(result.revision);
                written.extend(batch.iter().map(|e| e.id));
                acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            (s, written)
        }));
    }
    let until = tokio::time::Instant::now() + DEADLINE;
    while acknowledged.load(std::sync::atomic::Ordering::SeqCst) < WRITERS * 4 {
        assert!(
            tokio::time::Instant::now() < until,
            "no append acknowledged"
        );
        tokio::task::yield_now().await;
    }
    restart().await;
    let mut expected = Vec::new();
    for writer in writers {
        let (s, written) = writer.await.unwrap();
        assert_eq!(
            ids(&whole(&store, &s).await),
            written,
            "each acknowledged event stored once"
        );
        expected.extend(written);
    }
    let expected_set: HashSet<Uuid> = expected.iter().copied().collect();
    let mut seen = Vec::new();
    tokio::time::timeout(restart_deadline, async {
        while seen.len() < expected.len() {
            match feed.next().await.expect("a feed goes on") {
                Ok(e) if e.stream.as_str().starts_with(ns) => seen.push(e.id),
                Ok(_) => {}
                Err(e) => assert!(e.is_transient(), "only outages are reported: {e}"),
            }
        }
    })
    .await
    .expect("the subscription delivers every acknowledged event after the restart");
    let seen_set: HashSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(seen_set.len(), seen.len(), "no duplicate");
    assert_eq!(seen_set, expected_set, "no gap");
}

/// Generates one test per contract case for a backend. `$make` is an async expression giving
/// `(Store, Guard)`; the guard lives as long as the test. Attributes given first (such as an
/// `ignore` with its reason) go on every case.
#[macro_export]
macro_rules! contract_suite {
    (@case [$($attr:tt)*] $make:expr; $case:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        $($attr)*
        async fn $case() {
            let (store, _guard) = $make;
            let ns = format!("contract{}", uuid::Uuid::now_v7().simple());
            contract::$case(store, &ns).await;
        }
    };
    (@all [$($attr:tt)*] $make:expr) => {
        $crate::contract_suite!(@case [$($attr)*] $make; append_and_read_back);
        $crate::contract_suite!(@case [$($attr)*] $make; expected_revisions);
        $crate::contract_suite!(@case [$($attr)*] $make; bad_input_writes_nothing);
        $crate::contract_suite!(@case [$($attr)*] $make; idempotent_reappend);
        $crate::contract_suite!(@case [$($attr)*] $make; read_stream_directions);
        $crate::contract_suite!(@case [$($attr)*] $make; read_all_global_order);
        $crate::contract_suite!(@case [$($attr)*] $make; concurrent_same_expectation);
        $crate::contract_suite!(@case [$($attr)*] $make; subscribe_catch_up_then_live);
        $crate::contract_suite!(@case [$($attr)*] $make; resume_from_checkpoint);
        $crate::contract_suite!(@case [$($attr)*] $make; subscribe_to_some_types);
    };
    (#[$attr:meta] $make:expr) => {
        $crate::contract_suite!(@all [#[$attr]] $make);
    };
    ($make:expr) => {
        $crate::contract_suite!(@all [] $make);
    };
}
