//! Abuse: does a well-behaved client still get quick answers while others try to starve it?
//!
//! The real server (in this process, on 127.0.0.1) over the demo world, with its default limits.
//! Eight abusive callers, each with its own token, for `CLA_BENCH_SECONDS` (default 20):
//! - three ask the heaviest query the limits let through, over and over: 20 aliases of a 36-month
//!   `hqStaffingSeries` (as HQ reviewers, so every mission counts), without the answer cache;
//! - two send 500 aliases of it (refused before running);
//! - three flood `{ __typename }` and the base board as fast as they can (until rate-limited).
//!
//! Meanwhile a well-behaved client asks `/healthz` and a mission's base board (computed, not
//! kept) every 20 ms; the figures are its latencies' p50 and p99 (target: p99 ≤ 50 ms), and what
//! the abusers got back, by status and code.
//!
//! Run with `cargo bench -p cla-gateway --bench abuse`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cla_gateway::Config;
use cla_platform::Role;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

fn series(aliases: usize) -> String {
    let fields: Vec<String> = (0..aliases)
        .map(|i| {
            format!(
                "s{i}: hqStaffingSeries(from: \"2023-01-01\", to: \"2025-12-31\") {{ monthEnd overall {{ clas }} }}"
            )
        })
        .collect();
    format!("{{ {} }}", fields.join(" "))
}

const BOARD: &str = "query($m: String!) { baseBoard(missionCode: $m, first: 50) { totalCount edges { node { baseId status effectiveStrength } } } }";

type Tally = Arc<Mutex<BTreeMap<String, u64>>>;

async fn abuser(
    client: reqwest::Client,
    url: String,
    token: String,
    body: Value,
    until: Instant,
    tally: Tally,
) {
    while Instant::now() < until {
        let answer = client
            .post(&url)
            .bearer_auth(&token)
            .header("Cache-Control", "no-cache")
            .json(&body)
            .send()
            .await;
        let what = match answer {
            Err(e) => format!("transport error: {e}"),
            Ok(response) => {
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                let code = body["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("-")
                    .to_string();
                format!("{status} {code}")
            }
        };
        *tally.lock().unwrap().entry(what).or_default() += 1;
    }
}

fn figures(name: &str, h: &Histogram<u64>) {
    println!(
        "{name:<24} n={:<6} p50={:>8.2} ms  p99={:>8.2} ms  max={:>8.2} ms",
        h.len(),
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.max() as f64 / 1000.0,
    );
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("CLA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("a data directory");
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        log: "error".into(),
        ..Config::default()
    };
    let running = cla_gateway::start(&config)
        .await
        .expect("the server starts");
    let summary = cla_gateway::demo::load_if_empty(
        &running.state.schema,
        running.state.store.as_ref(),
        chrono::Utc::now(),
        cla_gateway::demo::SEED,
    )
    .await
    .expect("the demo loads")
    .expect("an empty store");
    let mission = summary
        .missions
        .iter()
        .max_by_key(|m| m.bases)
        .expect("a mission")
        .code
        .clone();
    let auth = cla_gateway::auth::Auth::load(&config).expect("the signing key");
    let mint = |id: &str, role: Role, missions: &[String]| {
        auth.mint(id, id, &[role], missions, Duration::from_secs(3600))
            .expect("a token")
    };
    let base = format!("http://{}", running.addr);
    let url = format!("{base}/graphql");
    println!(
        "abuse: the demo ({} missions, {} commands), {seconds} s, board of {mission}",
        summary.missions.len(),
        summary.commands
    );

    let until = Instant::now() + Duration::from_secs(seconds);
    let tally: Tally = Arc::default();
    let mut abusers = Vec::new();
    let everything: Vec<String> = summary.missions.iter().map(|m| m.code.clone()).collect();
    for i in 0..8 {
        let (role, body) = match i {
            0..=2 => (Role::HqReviewer, json!({ "query": series(20) })),
            3 | 4 => (Role::HqReviewer, json!({ "query": series(500) })),
            5 => (Role::CivilAffairs, json!({ "query": "{ __typename }" })),
            _ => (
                Role::CivilAffairs,
                json!({ "query": BOARD, "variables": { "m": mission } }),
            ),
        };
        let missions = if role == Role::HqReviewer {
            Vec::new()
        } else {
            everything.clone()
        };
        let token = mint(&format!("abuser-{i}"), role, &missions);
        abusers.push(tokio::spawn(abuser(
            reqwest::Client::new(),
            url.clone(),
            token,
            body,
            until,
            Arc::clone(&tally),
        )));
    }

    let good = mint("well-behaved", Role::CivilAffairs, &everything);
    let client = reqwest::Client::new();
    let mut health = Histogram::<u64>::new(3).unwrap();
    let mut board = Histogram::<u64>::new(3).unwrap();
    let mut board_errors = 0u64;
    let board_body = json!({ "query": BOARD, "variables": { "m": mission } });
    // Let the abusers get going first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while Instant::now() < until {
        let t = Instant::now();
        let ok = client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        health.record(t.elapsed().as_micros() as u64).unwrap();
        assert!(ok, "/healthz answers");
        let t = Instant::now();
        let answer = client
            .post(&url)
            .bearer_auth(&good)
            .header("Cache-Control", "no-cache")
            .json(&board_body)
            .send()
            .await;
        let fine = match answer {
            Ok(r) if r.status() == 200 => r
                .json::<Value>()
                .await
                .is_ok_and(|b| b.get("errors").is_none()),
            _ => false,
        };
        board.record(t.elapsed().as_micros() as u64).unwrap();
        if !fine {
            board_errors += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for a in abusers {
        let _ = a.await;
    }
    println!("well-behaved client, while 8 abusers run:");
    figures("/healthz", &health);
    figures("baseBoard (computed)", &board);
    println!("  board answers with errors: {board_errors}");
    println!("abusers' answers (status code: count):");
    for (what, n) in tally.lock().unwrap().iter() {
        println!("  {what:<40} {n}");
    }
    let p99 = |h: &Histogram<u64>| h.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "target p99 <= 50 ms: /healthz {}, board {}",
        if p99(&health) <= 50.0 {
            "met"
        } else {
            "MISSED"
        },
        if p99(&board) <= 50.0 { "met" } else { "MISSED" }
    );
    running.stop().await;
}
