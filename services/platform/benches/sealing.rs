//! What sealing personal data costs (DESIGN.md §9): prints its figures (run with
//! `cargo bench -p cla-platform --bench sealing`, or `just bench-sealing`).
//!
//! 1. Durable appends at 64 concurrent writers of check-ins with notes (a restricted field, each
//!    CLA's own key; 1,000 CLAs, each a stream), into the embedded store as it is and through the
//!    sealing store: appends per second, p99, and the ratio (target ≥ 0.9).
//! 2. The read models' rebuild over those events, read from position 0 and decoded as the risk
//!    context decodes them, from each store: events per second and the ratio (target ≥ 0.8). The
//!    read models keep the sealed text, so a rebuild opens nothing.
//! 3. The other way (decrypting on read, so that read models would hold plain text and the
//!    snapshot would need sealing of its own): the cost of opening each event's notes while
//!    rebuilding, for comparison.
//!
//! Sizes: `CLA_BENCH_APPENDS` (default 32,000), `CLA_BENCH_DIR` (default the system temp
//! directory).

use std::sync::Arc;
use std::time::Instant;

use cla_contracts::EventContract;
use cla_contracts::cla::risk::v1::CheckInRecorded;
use cla_event_store::{
    Actor, AllFrom, EmbeddedStore, EventStore, EventType, ExpectedRevision, Metadata, NewEvent,
    StreamName,
};
use cla_platform::personal::{Datum, Opened, PersonalData};
use hdrhistogram::Histogram;

const WRITERS: usize = 64;
const CLAS: usize = 1000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn check_in(n: usize) -> NewEvent {
    let event = CheckInRecorded {
        check_in_id: format!("ci-{n}"),
        staff_id: format!("cla-{}", n % CLAS),
        at: "2026-12-01T08:00:00Z".into(),
        channel: 2,
        welfare: 1,
        notes: format!("seen at the market near the river crossing, all well ({n})"),
    };
    NewEvent::new(
        EventType::parse(CheckInRecorded::TYPE_NAME).unwrap(),
        cla_contracts::encode_json(&event),
        Metadata {
            actor: Actor {
                id: "hr-1".into(),
                role: "MISSION_HR".into(),
            },
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
            effective: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        },
    )
}

struct Appends {
    per_second: f64,
    p99_us: u64,
}

async fn appends(store: Arc<dyn EventStore>, total: usize) -> Appends {
    let per_writer = total / WRITERS;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).unwrap();
            for i in 0..per_writer {
                let n = w * per_writer + i;
                let stream = StreamName::new(format!("risk-cla-{}", n % CLAS)).unwrap();
                let t = Instant::now();
                store
                    .append(&stream, ExpectedRevision::Any, vec![check_in(n)])
                    .await
                    .unwrap();
                hist.record(t.elapsed().as_micros() as u64).unwrap();
            }
            hist
        }));
    }
    let mut hist = Histogram::<u64>::new(3).unwrap();
    for t in tasks {
        hist.add(t.await.unwrap()).unwrap();
    }
    Appends {
        per_second: (per_writer * WRITERS) as f64 / started.elapsed().as_secs_f64(),
        p99_us: hist.value_at_quantile(0.99),
    }
}

/// Reads every event from position 0 and decodes each check-in; with `open`, also opens its
/// notes. Events per second.
async fn rebuild(store: &dyn EventStore, open: Option<&PersonalData>) -> (f64, u64) {
    let started = Instant::now();
    let (mut from, mut n, mut opened) = (AllFrom::Start, 0u64, 0u64);
    loop {
        let page = store.read_all(from, 2000).await.unwrap();
        let Some(last) = page.last() else { break };
        from = AllFrom::After(last.position);
        for e in &page {
            let c: CheckInRecorded = cla_contracts::decode_json(&e.data).unwrap();
            if let Some(personal) = open
                && let Opened::Plain(text) =
                    personal.open(&c.staff_id, Datum::CheckInNotes, &c.notes)
            {
                opened += text.len() as u64;
            }
            n += 1;
        }
    }
    (n as f64 / started.elapsed().as_secs_f64(), opened)
}

#[tokio::main]
async fn main() {
    let total = env_usize("CLA_BENCH_APPENDS", 32_000);
    let base = std::env::var("CLA_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).unwrap();
    let plain: Arc<dyn EventStore> =
        Arc::new(EmbeddedStore::open(dir.path().join("plain")).unwrap());
    let master: Arc<dyn cla_vault::MasterKey> =
        Arc::new(cla_vault::LocalMasterKey::generate().unwrap());
    let keys = Arc::new(cla_vault::KeyStore::open(&dir.path().join("keys.db"), master).unwrap());
    let personal = PersonalData::with_keys(keys);
    let sealed = personal.seal_store(Arc::new(
        EmbeddedStore::open(dir.path().join("sealed")).unwrap(),
    ));
    // A warm-up of each, then the measured runs in turn.
    appends(Arc::clone(&plain), 2_000).await;
    appends(Arc::clone(&sealed), 2_000).await;
    let a = appends(Arc::clone(&plain), total).await;
    let b = appends(Arc::clone(&sealed), total).await;
    println!("appends of check-ins with notes at {WRITERS} writers ({total} in all):");
    println!(
        "  embedded store:      {:>8.0}/s  p99 {:>6} µs",
        a.per_second, a.p99_us
    );
    println!(
        "  sealing store:       {:>8.0}/s  p99 {:>6} µs  ({:.2} × the store; target ≥ 0.9)",
        b.per_second,
        b.p99_us,
        b.per_second / a.per_second
    );
    let (plain_rate, _) = rebuild(plain.as_ref(), None).await;
    let (sealed_rate, _) = rebuild(sealed.as_ref(), None).await;
    let (opening_rate, opened) = rebuild(sealed.as_ref(), Some(&personal)).await;
    assert!(opened > 0, "the notes opened");
    println!(
        "rebuild (read from 0, decoded) over {} events:",
        total + 2_000
    );
    println!("  plain events:        {plain_rate:>8.0} ev/s");
    println!(
        "  sealed events:       {sealed_rate:>8.0} ev/s  ({:.2} × plain; target ≥ 0.8) — what the read models do: keep the sealed text",
        sealed_rate / plain_rate
    );
    println!(
        "  sealed, each opened: {opening_rate:>8.0} ev/s  ({:.2} × plain) — decrypting on read instead",
        opening_rate / plain_rate
    );
}
