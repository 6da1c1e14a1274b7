//! The watch is watched: with the detector and the alert watch scanning on a manual clock, a
//! detector that stops is named by `/readyz` once it has completed no scan for three intervals,
//! its last-scan metric stands still while the watch's moves on, and the watchdog's hook is told
//! once, naming it.

use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use cla_e2e::{TestServer, eight_today, mission_with_base};
use cla_platform::clock::{Clock, ManualClock};
use cla_platform::watch::{Hooks, Stalled};

/// The scanners' interval (in real time, and as the watch counts it on the manual clock).
const EVERY: StdDuration = StdDuration::from_millis(250);

/// A part's last completed scan in `/metrics`, in Unix seconds.
async fn last_scan(server: &TestServer, part: &str) -> f64 {
    let (status, text) = server.metrics().await;
    assert_eq!(status, 200, "{text}");
    let name = format!("cla_{part}_last_scan_timestamp_seconds");
    assert!(
        text.contains(&format!("# TYPE {name} gauge\n")),
        "{name} is a gauge: {text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {text}"))
}

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// Waits until `part` has completed a scan at `now` (the manual clock's).
async fn until_scanned_at(server: &TestServer, part: &str, now: DateTime<Utc>) {
    let until = Instant::now() + StdDuration::from_secs(20);
    while last_scan(server, part).await < seconds(now) {
        assert!(Instant::now() < until, "{part} never scanned at {now}");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// Waits until `/readyz` answers `status`; its body.
async fn until_readyz(server: &TestServer, status: u16) -> String {
    let until = Instant::now() + StdDuration::from_secs(20);
    loop {
        let (got, body) = server.get("/readyz").await;
        if got == status {
            return body;
        }
        assert!(
            Instant::now() < until,
            "/readyz never answered {status}: {got} {body}"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detector_that_stops_is_named_by_readyz_and_the_metrics_and_told_once() {
    let clock = Arc::new(ManualClock::new(eight_today()));
    let mut server = TestServer::start_with_clock(clock.clone(), |_| {}).await;
    mission_with_base(&server, "ALPHA").await;
    let told: Arc<Mutex<Vec<Stalled>>> = Arc::default();
    let hook = Arc::clone(&told);
    let hooks = Hooks {
        on_stall: Arc::new(move |s: Stalled| hook.lock().unwrap().push(s)),
        ..Hooks::default()
    };
    server.running.spawn_scanners_with(EVERY, hooks);
    let start = clock.now();
    until_scanned_at(&server, "detector", start).await;
    until_scanned_at(&server, "monitor", start).await;
    assert_eq!(until_readyz(&server, 200).await, "ready");

    assert!(server.running.stop_scanner("detector").await);
    // One interval at a time, each waited out by the alert watch, which never falls behind.
    for step in 1..=4 {
        clock.advance(Duration::from_std(EVERY).unwrap());
        until_scanned_at(&server, "monitor", clock.now()).await;
        if step == 3 {
            // Three intervals without a scan are not yet a stall.
            assert_eq!(until_readyz(&server, 200).await, "ready");
        }
    }
    let body = until_readyz(&server, 503).await;
    assert_eq!(
        body,
        format!(
            "detector has not completed a scan since {}",
            start.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    );
    // The detector's last scan stands still; the watch's has moved on with the clock.
    assert_eq!(last_scan(&server, "detector").await, seconds(start));
    assert_eq!(last_scan(&server, "monitor").await, seconds(clock.now()));

    // The watchdog tells of it once, however often it looks again.
    let heartbeats = Arc::clone(&server.running.state.heartbeats);
    let until = Instant::now() + StdDuration::from_secs(20);
    while told.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < until,
            "the watchdog never told of the stall"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let looked = heartbeats.checks();
    while heartbeats.checks() < looked + 3 {
        assert!(Instant::now() < until, "the watchdog stopped looking");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let told = told.lock().unwrap().clone();
    assert_eq!(
        told.iter().map(|s| (s.part, s.since)).collect::<Vec<_>>(),
        vec![("detector", start)]
    );
    server.stop().await;
}
