//! Escalation under a burst: 1,000 incidents opened at once are all notified. The real server (in
//! this process, on 127.0.0.1) over a fresh store, one mission with `CLA_BENCH_CLAS` deployed CLAs
//! (default 1,000), a named contact whose webhook is a real receiver (axum on 127.0.0.1, checking
//! every request's signature with `cla_notify::verify_webhook` as a receiver would), and a procedure
//! for CRITICAL flags whose first step goes to that contact by WEBHOOK. Then `CLA_BENCH_FLAGS`
//! (default 1,000) CRITICAL flags are raised at once (`raiseRiskFlag`, spread over the CLAs, 256
//! requests in flight), every answer checked.
//!
//! Measured from the first flag's answer to the last distinct notification received, and each
//! flag's latency from its answer to its webhook (p50/p99/max). Every signature must verify, and
//! exactly one distinct notification id must arrive per flag.
//!
//! Target: all notified within 10 s.
//!
//! Run with `cargo bench -p cla-gateway --bench escalation`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cla_gateway::Config;
use cla_gateway::config::Secret;
use cla_platform::Role;
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

const MISSION: &str = "ALPHA";
const IN_FLIGHT: usize = 256;
const TARGET: Duration = Duration::from_secs(10);

/// What the receiver has seen: every notification id with when it first arrived and its incident,
/// how many requests came (copies included), and how many failed verification.
#[derive(Default)]
struct Received {
    first: HashMap<String, (Instant, String)>,
    requests: u64,
    bad: u64,
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<String>,
    seen: Arc<Mutex<Received>>,
    changed: Arc<tokio::sync::Notify>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let at = Instant::now();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let verified = cla_notify::verify_webhook(
        &r.secret,
        header("X-CLA-Timestamp"),
        header("X-CLA-Signature"),
        &body,
        chrono::Utc::now(),
        Duration::from_secs(300),
    );
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let id = header("X-CLA-Notification-Id").to_string();
    let mut seen = r.seen.lock().unwrap();
    seen.requests += 1;
    let Some(body) = parsed.filter(|b| verified && b["id"] == id.as_str()) else {
        seen.bad += 1;
        return StatusCode::UNAUTHORIZED;
    };
    let incident = body["payload"]["incident_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    seen.first.entry(id).or_insert((at, incident));
    drop(seen);
    r.changed.notify_one();
    StatusCode::OK
}

#[path = "support/graphql.rs"]
mod graphql;
use graphql::gql;

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let clas = env("CLA_BENCH_CLAS", 1000).max(1) as usize;
    let flags = env("CLA_BENCH_FLAGS", 1000).max(1) as usize;
    let dir = tempfile::tempdir().expect("a data directory");
    let secret = format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    );

    // The receiver, first: the contact's webhook points at it.
    let receiver = Receiver {
        secret: Arc::new(secret.clone()),
        seen: Default::default(),
        changed: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        rate_limit_per_second: 1_000_000,
        rate_limit_burst: 1_000_000,
        webhook_signing_secret: Some(Secret::new(secret)),
        log: "error".into(),
        ..Config::default()
    };
    let running = cla_gateway::start(&config)
        .await
        .expect("the server starts");
    let auth = cla_gateway::auth::Auth::load(&config).expect("the signing key");
    let mint = |role: Role| {
        auth.mint(
            "bench",
            "bench",
            &[role],
            &[MISSION.to_string()],
            Duration::from_secs(3600),
        )
        .expect("a token")
    };
    let (admin, hr, ca) = (
        mint(Role::Admin),
        mint(Role::MissionHr),
        mint(Role::CivilAffairs),
    );
    let graphql = format!("http://{}/graphql", running.addr);
    let client = reqwest::Client::new();
    let set_up = Instant::now();
    gql(&client, &graphql, &admin, "mutation($m: String!) { createMission(input: {code: $m, name: \"Mission\", country: \"Country\", effective: \"2024-01-01\"}) { code } }", json!({ "m": MISSION })).await;
    let office = gql(&client, &graphql, &admin, "mutation($m: String!) { openFieldOffice(input: {missionCode: $m, name: \"Office\", effective: \"2024-01-01\"}) { id } }", json!({ "m": MISSION })).await;
    let office = office["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = gql(&client, &graphql, &admin, "mutation($o: String!) { openBase(input: {fieldOfficeId: $o, name: \"Base\", kind: COMPANY_OPERATING_BASE, localLanguages: [\"Swahili\"], effective: \"2024-02-01\"}) { id } }", json!({ "o": office })).await;
    let base = base["openBase"]["id"].as_str().unwrap().to_string();
    let from = (chrono::Utc::now().date_naive() - chrono::Duration::days(10)).to_string();
    let staff: Vec<String> = futures::stream::iter(0..clas)
        .map(|i| {
            let (client, graphql, hr, ca, base, from) = (&client, &graphql, &hr, &ca, &base, &from);
            async move {
                let id = gql(client, graphql, hr, "mutation($b: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: \"CLA\", gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "i": format!("{:06}", 300000 + i) })).await;
                let id = id["registerStaffMember"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                gql(client, graphql, hr, "mutation($s: String!) { activateStaff(staffId: $s, effective: \"2024-02-16\") { id } }", json!({ "s": id })).await;
                gql(client, graphql, ca, "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { baseId } }", json!({ "s": id, "b": base, "f": from })).await;
                id
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    gql(&client, &graphql, &ca, "mutation($m: String!, $u: String!) { setEscalationContact(missionCode: $m, contactId: \"security-centre\", name: \"Security centre\", webhookUrl: $u) { missionCode } }", json!({ "m": MISSION, "u": hook_url })).await;
    gql(&client, &graphql, &ca, "mutation($m: String!) { setEscalationProcedure(missionCode: $m, kinds: [CRITICAL_FLAG], steps: [{recipients: [{kind: NAMED, contactId: \"security-centre\", needToKnow: true}], channels: [WEBHOOK], waitMinutes: 30}]) { missionCode } }", json!({ "m": MISSION })).await;
    println!(
        "escalation: {clas} CLAs set up in {:.1} s; {flags} CRITICAL flags raised at once ({IN_FLIGHT} in flight), one webhook each",
        set_up.elapsed().as_secs_f64()
    );

    // The burst: every flag raised at once, each answer's time kept by its flag.
    let raising = Instant::now();
    let answered: Vec<(String, Instant)> = futures::stream::iter(0..flags)
        .map(|i| {
            let (client, graphql, ca) = (&client, &graphql, &ca);
            let staff_id = &staff[i % staff.len()];
            async move {
                let flag = gql(client, graphql, ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: THREAT_RECEIVED, severity: CRITICAL) { id severity } }", json!({ "s": staff_id })).await;
                let at = Instant::now();
                assert_eq!(flag["raiseRiskFlag"]["severity"], "CRITICAL", "{flag}");
                (flag["raiseRiskFlag"]["id"].as_str().unwrap().to_string(), at)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let raised_in = raising.elapsed();
    let first_answer = answered.iter().map(|(_, at)| *at).min().unwrap();

    // Every notification, or the deadline.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let changed = receiver.changed.notified();
        if receiver.seen.lock().unwrap().first.len() >= flags {
            break;
        }
        if tokio::time::timeout_at(deadline.into(), changed)
            .await
            .is_err()
        {
            break;
        }
    }
    let seen = std::mem::take(&mut *receiver.seen.lock().unwrap());
    let last = seen.first.values().map(|(at, _)| *at).max();
    let all_in = last.map(|l| l.saturating_duration_since(first_answer));

    // Which incident each flag opened (the webhook names the incident, not the flag).
    let incidents = gql(
        &client,
        &graphql,
        &ca,
        "query($m: String!) { incidents(missionCode: $m) { id flagId kind } }",
        json!({ "m": MISSION }),
    )
    .await;
    let flag_of: HashMap<&str, &str> = incidents["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "CRITICAL_FLAG")
        .map(|i| (i["id"].as_str().unwrap(), i["flagId"].as_str().unwrap()))
        .collect();
    let answered_at: HashMap<&str, Instant> =
        answered.iter().map(|(f, at)| (f.as_str(), *at)).collect();
    let mut latency = Histogram::<u64>::new(3).unwrap();
    let mut per_incident: HashMap<&str, usize> = HashMap::new();
    for (at, incident) in seen.first.values() {
        *per_incident.entry(incident.as_str()).or_default() += 1;
        if let Some(answer) = flag_of
            .get(incident.as_str())
            .and_then(|f| answered_at.get(f))
        {
            latency
                .record(at.saturating_duration_since(*answer).as_micros() as u64)
                .unwrap();
        }
    }
    let distinct = seen.first.len();
    let once_each = per_incident.len() == flags && per_incident.values().all(|n| *n == 1);
    println!(
        "raised: {flags} answered in {:.2} s; incidents opened: {}",
        raised_in.as_secs_f64(),
        flag_of.len()
    );
    println!(
        "webhooks: {distinct} distinct ids ({} requests, {} failed verification), one per incident: {}",
        seen.requests,
        seen.bad,
        if once_each { "yes" } else { "NO" }
    );
    match all_in {
        Some(t) if distinct >= flags => println!(
            "first flag's answer to the {flags}th distinct webhook: {:.2} s",
            t.as_secs_f64()
        ),
        _ => println!("NOT ALL NOTIFIED within 120 s: {distinct} of {flags}"),
    }
    println!(
        "flag → webhook: p50={:.0} ms  p99={:.0} ms  max={:.0} ms  (n={})",
        ms(latency.value_at_quantile(0.5)),
        ms(latency.value_at_quantile(0.99)),
        ms(latency.max()),
        latency.len()
    );
    let met = distinct == flags && all_in.is_some_and(|t| t <= TARGET);
    println!(
        "targets: all {flags} notified within {} s ({}), exactly {flags} distinct ids ({}), every signature verified ({})",
        TARGET.as_secs(),
        if met { "met" } else { "MISSED" },
        if distinct == flags && once_each {
            "yes"
        } else {
            "NO"
        },
        if seen.bad == 0 { "yes" } else { "NO" },
    );
    running.stop().await;
    assert!(
        distinct == flags && once_each && seen.bad == 0,
        "every flag notified once, every signature verified"
    );
}
