//! Crash safety of the embedded store: a child process appends from several tasks at once and
//! prints each acknowledgement; it is killed with SIGKILL at random moments, again and again, on
//! one data directory. After every kill the store must open cleanly and hold every acknowledged
//! event at its acknowledged place, with consecutive positions and per-stream revisions.
//!
//! The child is this same test binary, run again with `CLA_CRASH_CHILD_DIR` set.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cla_event_store::{
    Actor, AllFrom, EmbeddedStore, EventStore, EventType, ExpectedRevision, Metadata, NewEvent,
    StoreError, StreamName,
};
use rand::Rng;
use uuid::Uuid;

const CHILD_ENV: &str = "CLA_CRASH_CHILD_DIR";
const KILLS: usize = 25;

#[derive(Clone, Debug)]
struct Ack {
    position: u64,
    revision: u64,
    stream: String,
    ids: Vec<Uuid>,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    Some(Ack {
        position: parts.next()?.parse().ok()?,
        revision: parts.next()?.parse().ok()?,
        stream: parts.next()?.to_string(),
        ids: parts
            .next()?
            .split(',')
            .map(|id| id.parse().ok())
            .collect::<Option<_>>()?,
    })
}

/// The child: append forever from eight tasks, printing each acknowledgement.
fn run_child(dir: &Path) -> ! {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = EmbeddedStore::open(dir).expect("child opens the store");
        let mut tasks = Vec::new();
        for task in 0..8u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                loop {
                    n += 1;
                    let stream = StreamName::new(format!("crash-{task}-{}", n % 5)).unwrap();
                    let size = 1 + (n % 3) as usize;
                    let batch: Vec<NewEvent> = (0..size)
                        .map(|i| {
                            NewEvent::new(
                                EventType::new("CrashTested", 1).unwrap(),
                                format!(r#"{{"task":{task},"n":{n},"i":{i}}}"#).into_bytes(),
                                Metadata {
                                    actor: Actor {
                                        id: "crash".into(),
                                        role: "SYSTEM".into(),
                                    },
                                    correlation_id: Uuid::now_v7(),
                                    causation_id: None,
                                    effective: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                                },
                            )
                        })
                        .collect();
                    let ids: Vec<String> = batch.iter().map(|e| e.id.to_string()).collect();
                    let done = store
                        .append(&stream, ExpectedRevision::Any, batch)
                        .await
                        .expect("child append");
                    println!(
                        "ACK {} {} {} {}",
                        done.position.0,
                        done.revision,
                        stream,
                        ids.join(",")
                    );
                }
            }));
        }
        // The tasks append until the process is killed.
        futures::future::join_all(tasks).await;
    });
    unreachable!("the child appends until it is killed")
}

/// Opens the store after a kill and checks it against every acknowledgement so far.
fn verify(dir: &Path, acked: &HashMap<Uuid, (u64, u64, String)>) -> usize {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = EmbeddedStore::open(dir).expect("the store opens cleanly after a kill");
        let mut stored = Vec::new();
        let mut from = AllFrom::Start;
        loop {
            let page = store.read_all(from, 10_000).await.unwrap();
            let Some(last) = page.last() else { break };
            from = AllFrom::After(last.position);
            stored.extend(page);
        }
        let mut revisions: HashMap<String, u64> = HashMap::new();
        for (i, event) in stored.iter().enumerate() {
            assert_eq!(event.position.0, i as u64 + 1, "positions have no gap");
            let next = revisions
                .entry(event.stream.as_str().to_string())
                .or_insert(0);
            assert_eq!(
                event.revision, *next,
                "revisions of {} have no gap",
                event.stream
            );
            *next += 1;
        }
        let by_id: HashMap<Uuid, &cla_event_store::RecordedEvent> =
            stored.iter().map(|e| (e.id, e)).collect();
        for (id, (position, revision, stream)) in acked {
            let event = by_id
                .get(id)
                .unwrap_or_else(|| panic!("acknowledged event {id} was lost"));
            assert_eq!(event.position.0, *position);
            assert_eq!(event.revision, *revision);
            assert_eq!(event.stream.as_str(), stream);
        }
        assert_eq!(
            store.head().await.unwrap().map_or(0, |p| p.0),
            stored.len() as u64
        );
        stored.len()
    })
}

#[test]
fn kill_at_random_moments() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        run_child(Path::new(&dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rng();
    let mut acked: HashMap<Uuid, (u64, u64, String)> = HashMap::new();
    let mut kills_after_acks = 0;

    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "kill_at_random_moments",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(ack) = parse_ack(&line) {
                    let _ = tx.send(ack);
                }
            }
        });

        // Kill at a random moment: sometimes while it opens, mostly after some acknowledged appends.
        let target = if round % 6 == 5 {
            0
        } else {
            rng.random_range(1..400)
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while got.len() < target {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(ack) => got.push(ack),
                Err(_) => panic!(
                    "round {round}: the child acknowledged only {} appends",
                    got.len()
                ),
            }
        }
        if round == 0 {
            // While the child owns the directory, nobody else may open it.
            match EmbeddedStore::open(dir.path()) {
                Err(StoreError::Locked { pid, .. }) => assert_eq!(pid, Some(child.id())),
                Err(other) => panic!("expected the child's lock, got {other}"),
                Ok(_) => panic!("opened a store another process owns"),
            }
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        got.extend(rx.try_iter());
        if !got.is_empty() {
            kills_after_acks += 1;
        }
        for ack in got {
            let n = ack.ids.len() as u64;
            for (i, id) in ack.ids.into_iter().enumerate() {
                let i = i as u64;
                let place = (
                    ack.position + 1 - n + i,
                    ack.revision + 1 - n + i,
                    ack.stream.clone(),
                );
                assert!(
                    acked.insert(id, place).is_none(),
                    "an id acknowledged twice"
                );
            }
        }
        let stored = verify(dir.path(), &acked);
        assert!(stored >= acked.len());
    }
    assert!(kills_after_acks >= 20, "most kills hit a writing process");
    println!(
        "{KILLS} kills, {} acknowledged events, all present",
        acked.len()
    );
}
