//! The detector's scan at scale: one scan over 1,200 deployed CLAs (4 missions × 300) with a
//! history of about 4.66M events (`CLA_BENCH_EVENTS`), target ≤ 50 ms.
//!
//! The history is written by `cla generate` (daily check-ins, as many days as the size needs) and
//! kept under `target/bench-data/history-<size>` (the scale bench's name for a history of that
//! size), then served in this process on a clock the bench sets. Printed: the first scan (which
//! records the flags of the silences it finds), then `CLA_BENCH_SCANS` scans at the same time
//! (nothing left to record: the scan as it runs every minute), p50 / p99 / max, and the same an
//! hour later (new periods counted on the silences' flags).
//!
//! Run with `cargo bench -p cla-gateway --bench silence`.

#[path = "support/history.rs"]
mod history;

use history::{data_dir, generate};

use std::sync::Arc;
use std::time::{Duration, Instant};

use cla_platform::clock::ManualClock;
use hdrhistogram::Histogram;

const TARGET_MS: f64 = 50.0;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Scans {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    recorded: usize,
}

async fn scans(detector: &cla_risk::detector::Detector, n: u64) -> Scans {
    let mut h = Histogram::<u64>::new(3).unwrap();
    let mut recorded = 0;
    for _ in 0..n {
        let t = Instant::now();
        let report = detector.scan().await;
        h.record(t.elapsed().as_micros() as u64).unwrap();
        recorded += report.missed_check_ins + report.overdue_reviews;
    }
    Scans {
        p50_ms: h.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
        max_ms: h.max() as f64 / 1000.0,
        recorded,
    }
}

fn line(what: &str, s: &Scans) {
    let verdict = if s.p99_ms <= TARGET_MS {
        "within"
    } else {
        "OVER"
    };
    println!(
        "{what:<44} p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  ({} events recorded; target ≤ {TARGET_MS} ms: {verdict})",
        s.p50_ms, s.p99_ms, s.max_ms, s.recorded
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let size = env_u64("CLA_BENCH_EVENTS", 4_660_000);
    let n = env_u64("CLA_BENCH_SCANS", 50);
    let dir = data_dir(size);
    generate(&dir, size);

    let now = chrono::Utc::now();
    let clock = Arc::new(ManualClock::new(now));
    let config = cla_gateway::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        scan_interval_seconds: 0,
        ..cla_gateway::config::Config::default()
    };
    let t = Instant::now();
    let running = cla_gateway::start_with_clock(&config, clock.clone())
        .await
        .expect("the server starts");
    let http = reqwest::Client::new();
    let ready = format!("http://{}/readyz", running.addr);
    loop {
        if let Ok(r) = http.get(&ready).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(3600), "never ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let head = running
        .state
        .store
        .head()
        .await
        .expect("the store answers")
        .map_or(0, |p| p.0);
    println!(
        "history: {head} events, ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let detector = running.state.detector.clone();
    let deployed: usize = detector
        .registry
        .missions(&cla_platform::timeline::View::on(now.date_naive()))
        .iter()
        .map(|m| detector.obligations(&m.code, now).len())
        .sum();
    println!("CLAs with a check-in obligation now: {deployed}");

    let first = scans(&detector, 1).await;
    line("first scan (records what it finds)", &first);
    let steady = scans(&detector, n).await;
    line(&format!("{n} scans, nothing new"), &steady);
    clock.set(now + chrono::Duration::hours(1));
    let later = scans(&detector, 1).await;
    line("an hour later, first scan", &later);
    let later_steady = scans(&detector, n).await;
    line(&format!("an hour later, {n} scans"), &later_steady);
    running.stop().await;
}
