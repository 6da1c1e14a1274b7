//! The contract suite on KurrentDB, run when `KURRENTDB_URL` names a server (see ops/kurrentdb).
//! Built without it, each case is reported as ignored with the reason "skipped: KURRENTDB_URL is
//! not set" — never as passed. The restart case also needs `KURRENTDB_RESTART`, a shell command
//! that restarts that server (see ops/kurrentdb/README.md). The connection-recovery cases need no
//! server and always run; the fault cases at the wire are in `kurrentdb_faults.rs`.

mod contract;

use std::sync::Arc;
use std::time::Instant;

use cla_event_store::{EventStore, ExpectedRevision, KurrentDbStore, StoreError, StreamName};
use contract::{DEADLINE, Store, events};

async fn server() -> (Store, ()) {
    let url = std::env::var("KURRENTDB_URL")
        .expect("KURRENTDB_URL names the KurrentDB server to test (e.g. kurrentdb://127.0.0.1:2113?tls=false)");
    let store = KurrentDbStore::new(&url).expect("KURRENTDB_URL is a valid connection string");
    (Arc::new(store) as Store, ())
}

contract_suite!(
    #[cfg_attr(not(kurrentdb_url), ignore = "skipped: KURRENTDB_URL is not set")]
    server().await
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(all(kurrentdb_url, kurrentdb_restart)),
    ignore = "skipped: KURRENTDB_URL and KURRENTDB_RESTART are not both set"
)]
async fn survives_a_server_restart_mid_append_and_mid_subscription() {
    let (store, ()) = server().await;
    let command = std::env::var("KURRENTDB_RESTART")
        .expect("KURRENTDB_RESTART is a shell command that restarts the KurrentDB server");
    let ns = format!("contract{}", uuid::Uuid::now_v7().simple());
    contract::survives_a_restart(store, &ns, || async move {
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .status()
            .await
            .expect("the restart command runs");
        assert!(status.success(), "{command}: {status}");
    })
    .await;
}

/// Nothing listens on this port: connections are refused at once.
const UNREACHABLE: &str = "kurrentdb://127.0.0.1:1?tls=false&maxDiscoverAttempts=1&discoveryInterval=10&gossipTimeout=200";

#[tokio::test]
async fn a_bad_connection_string_is_a_typed_error() {
    match KurrentDbStore::new("postgres://nope") {
        Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "connectionString"),
        Err(other) => panic!("expected invalid input, got {other}"),
        Ok(_) => panic!("accepted a connection string that is not KurrentDB's"),
    }
}

#[tokio::test]
async fn a_lost_connection_is_unavailable_and_the_client_is_rebuilt_after_backoff() {
    let store = KurrentDbStore::new(UNREACHABLE).unwrap();
    let s = StreamName::new("recovery").unwrap();
    assert_eq!(
        store.clients_built(),
        0,
        "nothing connects before first use"
    );

    let first = store.append(&s, ExpectedRevision::Any, events(0..1)).await;
    assert!(
        matches!(first, Err(StoreError::Unavailable(_))),
        "{first:?}"
    );
    assert_eq!(first.as_ref().unwrap_err().code(), "UNAVAILABLE");
    assert_eq!(store.clients_built(), 1);

    // Within the backoff the dead client is not used again and no new one is built: the call
    // fails at once.
    let during = store.head().await;
    match &during {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("reconnecting"), "{message}")
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(store.clients_built(), 1);

    // Once the backoff has passed, a call builds a fresh client (the old one stays dead).
    let deadline = Instant::now() + DEADLINE;
    while store.clients_built() < 2 {
        assert!(Instant::now() < deadline, "no new client was built");
        let r = store.read_all(cla_event_store::AllFrom::Start, 1).await;
        assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_feed_reports_the_outage_and_keeps_trying() {
    use futures::StreamExt;
    let store = KurrentDbStore::new(UNREACHABLE).unwrap();
    let mut feed = store.subscribe_all(cla_event_store::AllFrom::Start);
    let first = tokio::time::timeout(DEADLINE, feed.next())
        .await
        .expect("the outage is reported")
        .expect("the feed goes on");
    match first {
        Err(e) => assert!(e.is_transient(), "{e}"),
        Ok(event) => panic!("an event from nowhere: {event:?}"),
    }
    // The feed itself goes on retrying: it subscribes again as backoffs pass.
    let opened = store.subscriptions_opened();
    let deadline = Instant::now() + DEADLINE;
    let retrying = async {
        loop {
            tokio::select! {
                next = feed.next() => {
                    if let Some(Ok(event)) = next {
                        panic!("an event from nowhere: {event:?}");
                    }
                    if next.is_none() {
                        panic!("the feed ended instead of retrying");
                    }
                }
                _ = tokio::task::yield_now() => {}
            }
            if store.subscriptions_opened() > opened {
                return;
            }
            assert!(Instant::now() < deadline);
        }
    };
    tokio::time::timeout(DEADLINE, retrying)
        .await
        .expect("the feed retried");
}
