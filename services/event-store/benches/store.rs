//! Embedded store benchmark: prints its figures (run with `just bench-store`, or
//! `cargo bench -p cla-event-store --bench store`).
//!
//! 1. Durable single-event appends at 1, 8 and 64 concurrent writers (256-byte payloads, 1,000
//!    streams): appends per second and latency percentiles.
//! 2. In the same run, the raw ceiling at each level: the same rows inserted by plain batched
//!    transactions (one row per writer in each transaction) into a bare table with the same
//!    durability setting (WAL, synchronous = FULL), and the ratio of the two.
//! 3. `read_all` throughput over 1,000,000 events.
//!
//! Sizes can be changed with `CLA_BENCH_APPENDS` (appends per writer level, default 4,000 at one
//! writer and 16,000 at 8 and 64) and `CLA_BENCH_EVENTS` (events for the read, default 1,000,000).
//! `CLA_BENCH_DIR` chooses where the data directories go (default: the system temp directory).

use std::sync::Arc;
use std::time::{Duration, Instant};

use cla_event_store::{
    Actor, AllFrom, EmbeddedStore, EventStore, EventType, ExpectedRevision, Metadata, NewEvent,
    StreamName,
};
use hdrhistogram::Histogram;
use rusqlite::params;
use uuid::Uuid;

const PAYLOAD: usize = 256;
const STREAMS: usize = 1000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn payload(n: u64) -> Vec<u8> {
    let head = format!(r#"{{"n":{n},"pad":""#);
    let mut body = head.into_bytes();
    body.resize(PAYLOAD - 2, b'x');
    body.extend_from_slice(b"\"}");
    body
}

fn metadata() -> Metadata {
    Metadata {
        actor: Actor {
            id: "bench".into(),
            role: "SYSTEM".into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        effective: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    }
}

fn new_event(n: u64) -> NewEvent {
    NewEvent::new(
        EventType::new("BenchEvent", 1).unwrap(),
        payload(n),
        metadata(),
    )
}

fn temp_dir() -> tempfile::TempDir {
    match std::env::var("CLA_BENCH_DIR") {
        Ok(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            tempfile::tempdir_in(dir).unwrap()
        }
        Err(_) => tempfile::tempdir().unwrap(),
    }
}

struct Level {
    writers: usize,
    per_second: f64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    commits: u64,
}

async fn store_level(writers: usize, appends: usize) -> Level {
    let dir = temp_dir();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let streams: Arc<Vec<StreamName>> = Arc::new(
        (0..STREAMS)
            .map(|i| StreamName::new(format!("bench-{i}")).unwrap())
            .collect(),
    );
    let per_writer = appends / writers;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let streams = Arc::clone(&streams);
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).unwrap();
            for i in 0..per_writer {
                let n = (w * per_writer + i) as u64;
                let stream = &streams[(n as usize * 7919) % STREAMS];
                let t = Instant::now();
                let done = store
                    .append(stream, ExpectedRevision::Any, vec![new_event(n)])
                    .await;
                hist.record(t.elapsed().as_micros() as u64).unwrap();
                done.expect("append acknowledged");
            }
            hist
        }));
    }
    let mut hist = Histogram::<u64>::new(3).unwrap();
    for t in tasks {
        hist.add(t.await.unwrap()).unwrap();
    }
    let elapsed = start.elapsed();
    let stats = store.stats();
    let total = (per_writer * writers) as u64;
    assert_eq!(stats.events, total, "every append was written");
    assert_eq!(store.head().await.unwrap().map(|p| p.0), Some(total));
    Level {
        writers,
        per_second: total as f64 / elapsed.as_secs_f64(),
        p50_us: hist.value_at_quantile(0.50),
        p99_us: hist.value_at_quantile(0.99),
        max_us: hist.max(),
        commits: stats.commits,
    }
}

/// The ceiling: the same rows by plain batched transactions into a bare table, same durability.
fn raw_level(rows_per_transaction: usize, rows: usize) -> f64 {
    let dir = temp_dir();
    let conn = rusqlite::Connection::open(dir.path().join("raw.db")).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         CREATE TABLE raw (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL,
             event_id BLOB NOT NULL, event_type TEXT NOT NULL, data BLOB NOT NULL, actor_id TEXT NOT NULL,
             actor_role TEXT NOT NULL, correlation_id BLOB NOT NULL, causation_id BLOB,
             effective INTEGER NOT NULL, recorded INTEGER NOT NULL);",
    )
    .unwrap();
    let transactions = rows / rows_per_transaction;
    let start = Instant::now();
    let mut n = 0u64;
    for _ in 0..transactions {
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO raw VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .unwrap();
            for _ in 0..rows_per_transaction {
                n += 1;
                let e = new_event(n);
                insert
                    .execute(params![
                        n as i64,
                        format!("bench-{}", (n as usize * 7919) % STREAMS),
                        0i64,
                        e.id.as_bytes().as_slice(),
                        e.event_type.as_str(),
                        &e.data[..],
                        e.metadata.actor.id,
                        e.metadata.actor.role,
                        e.metadata.correlation_id.as_bytes().as_slice(),
                        Option::<&[u8]>::None,
                        739_000i64,
                        0i64,
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    (transactions * rows_per_transaction) as f64 / start.elapsed().as_secs_f64()
}

async fn read_all_rate(events: usize) -> (f64, Duration, f64) {
    let dir = temp_dir();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let streams: Vec<StreamName> = (0..STREAMS)
        .map(|i| StreamName::new(format!("bench-{i}")).unwrap())
        .collect();
    let batch = 1000;
    let load = Instant::now();
    let mut written = 0;
    let mut round = 0;
    while written < events {
        let mut tasks = Vec::new();
        for _ in 0..4 {
            if written >= events {
                break;
            }
            let size = batch.min(events - written);
            let events: Vec<NewEvent> =
                (0..size).map(|i| new_event((written + i) as u64)).collect();
            written += size;
            let store = store.clone();
            let stream = streams[round % STREAMS].clone();
            round += 1;
            tasks.push(tokio::spawn(async move {
                store
                    .append(&stream, ExpectedRevision::Any, events)
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    let load_rate = events as f64 / load.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut from = AllFrom::Start;
    let mut read = 0usize;
    let mut bytes = 0usize;
    loop {
        let page = store.read_all(from, 4096).await.unwrap();
        let Some(last) = page.last() else { break };
        from = AllFrom::After(last.position);
        read += page.len();
        bytes += page.iter().map(|e| e.data.len()).sum::<usize>();
    }
    let elapsed = start.elapsed();
    assert_eq!(read, events, "read_all returned every event");
    assert_eq!(bytes, events * PAYLOAD);
    (read as f64 / elapsed.as_secs_f64(), elapsed, load_rate)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "embedded event store benchmark: {cores} cores, {PAYLOAD}-byte payloads, {STREAMS} streams, WAL + synchronous=FULL"
    );
    println!();
    println!(
        "{:>8} {:>12} {:>9} {:>9} {:>9} {:>9} {:>14} {:>8}",
        "writers", "appends/s", "p50 ms", "p99 ms", "max ms", "commits", "raw rows/s", "ratio"
    );
    let mut at_64 = None;
    for writers in [1usize, 8, 64] {
        let appends = env_usize(
            "CLA_BENCH_APPENDS",
            if writers == 1 { 4000 } else { 16_000 },
        );
        let level = runtime.block_on(store_level(writers, appends));
        let raw = raw_level(writers, appends - appends % writers);
        let ratio = level.per_second / raw;
        println!(
            "{:>8} {:>12.0} {:>9.2} {:>9.2} {:>9.2} {:>9} {:>14.0} {:>8.2}",
            level.writers,
            level.per_second,
            level.p50_us as f64 / 1000.0,
            level.p99_us as f64 / 1000.0,
            level.max_us as f64 / 1000.0,
            level.commits,
            raw,
            ratio
        );
        if writers == 64 {
            at_64 = Some(ratio);
        }
    }
    println!();
    println!(
        "(raw: the same rows inserted by plain transactions of <writers> rows each, bare table, same durability)"
    );
    let events = env_usize("CLA_BENCH_EVENTS", 1_000_000);
    let (rate, elapsed, load_rate) = runtime.block_on(read_all_rate(events));
    println!();
    println!(
        "read_all: {events} events in {:.2} s = {rate:.0} events/s (loaded at {load_rate:.0} events/s in appends of 1,000)",
        elapsed.as_secs_f64()
    );
    println!();
    let ratio = at_64.unwrap_or(0.0);
    println!(
        "targets: 64-writer appends >= 0.5 x raw ceiling: {:.2} ({}); read_all >= 500,000 events/s: {rate:.0} ({})",
        ratio,
        if ratio >= 0.5 { "met" } else { "MISSED" },
        if rate >= 500_000.0 { "met" } else { "MISSED" }
    );
}
