//! SMS check-ins through the signed webhook: the real server (in this process, on 127.0.0.1) over
//! a fresh store, one mission with `CLA_BENCH_CLAS` deployed CLAs (default 256), each with a
//! registered number and half of them with a duress word (every message pays for the duress
//! check either way). 32 concurrent senders post Twilio-signed inbound SMS (`OK`, each with its
//! own message id, the signature computed here with the `hmac`/`sha1` crates from Twilio's
//! documented recipe) for `CLA_BENCH_SECONDS` (default 20); every answer is checked (HTTP 200 and
//! the exact TwiML of the OK reply). Then the check-ins are counted in the store.
//!
//! Targets: ≥ 1,000 check-ins/s with p99 ≤ 100 ms.
//!
//! Run with `cargo bench -p cla-gateway --bench sms`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use cla_gateway::Config;
use cla_gateway::config::Secret;
use cla_platform::Role;
use hdrhistogram::Histogram;
use hmac::{Hmac, Mac};
use serde_json::json;

const SENDERS: usize = 32;
const OK_REPLY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Received, thank you. Stay safe.</Message></Response>";

fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[path = "support/graphql.rs"]
mod graphql;
use graphql::gql;

#[tokio::main]
async fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let seconds = env("CLA_BENCH_SECONDS", 20);
    let clas = env("CLA_BENCH_CLAS", 256) as usize;
    let dir = tempfile::tempdir().expect("a data directory");
    let token = format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    );
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        rate_limit_per_second: 1_000_000,
        rate_limit_burst: 1_000_000,
        sms_twilio_auth_token: Some(Secret::new(token.clone())),
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
            &["ALPHA".to_string()],
            Duration::from_secs(3600),
        )
        .expect("a token")
    };
    let (admin, hr, ca) = (
        mint(Role::Admin),
        mint(Role::MissionHr),
        mint(Role::CivilAffairs),
    );
    let base_url = format!("http://{}", running.addr);
    let graphql = format!("{base_url}/graphql");
    let client = reqwest::Client::new();
    gql(&client, &graphql, &admin, "mutation { createMission(input: {code: \"ALPHA\", name: \"Mission\", country: \"Country\", effective: \"2024-01-01\"}) { code } }", json!({})).await;
    let office = gql(&client, &graphql, &admin, "mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"Office\", effective: \"2024-01-01\"}) { id } }", json!({})).await;
    let office = office["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = gql(&client, &graphql, &admin, "mutation($o: String!) { openBase(input: {fieldOfficeId: $o, name: \"Base\", kind: COMPANY_OPERATING_BASE, localLanguages: [\"Swahili\"], effective: \"2024-02-01\"}) { id } }", json!({ "o": office })).await;
    let base = base["openBase"]["id"].as_str().unwrap().to_string();
    let from = (chrono::Utc::now().date_naive() - chrono::Duration::days(10)).to_string();
    let mut numbers = Vec::new();
    let mut staff = Vec::new();
    for i in 0..clas {
        let id = gql(&client, &graphql, &hr, "mutation($b: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: \"CLA\", gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "i": format!("{:06}", 300000 + i) })).await;
        let id = id["registerStaffMember"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        gql(&client, &graphql, &hr, "mutation($s: String!) { activateStaff(staffId: $s, effective: \"2024-02-16\") { id } }", json!({ "s": id })).await;
        gql(&client, &graphql, &ca, "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { baseId } }", json!({ "s": id, "b": base, "f": from })).await;
        let number = format!("+24381{:07}", 1_000_000 + i);
        gql(&client, &graphql, &hr, "mutation($s: String!, $p: String!) { registerPhoneNumber(staffId: $s, phoneNumber: $p) { phoneNumber } }", json!({ "s": id, "p": number })).await;
        if i % 2 == 0 {
            gql(
                &client,
                &graphql,
                &ca,
                "mutation($s: String!) { setDuressWord(staffId: $s, word: \"Mangue\") }",
                json!({ "s": id }),
            )
            .await;
        }
        numbers.push(number);
        staff.push(id);
    }
    println!(
        "sms: {clas} CLAs with registered numbers (half with a duress word), {SENDERS} senders, {seconds} s"
    );
    println!(
        "duress hash: argon2id m={} KiB t={} p={}",
        cla_staff::duress::MEMORY_KIB,
        cla_staff::duress::PASSES,
        cla_staff::duress::LANES
    );

    let sms_url = Arc::new(format!("{base_url}/sms/twilio"));
    let numbers = Arc::new(numbers);
    let token = Arc::new(token);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let (url, numbers, token, sent) = (
            sms_url.clone(),
            numbers.clone(),
            token.clone(),
            sent.clone(),
        );
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Histogram::<u64>::new(3).unwrap();
            let mut bad = 0u64;
            let mut n = 0usize;
            while Instant::now() < until {
                let number = &numbers[(s + n * SENDERS) % numbers.len()];
                let sid = format!("SMbench{s}x{n}");
                n += 1;
                let params = [
                    ("AccountSid", "AC0000000000000000000000000000000"),
                    ("Body", "OK"),
                    ("From", number.as_str()),
                    ("MessageSid", sid.as_str()),
                    ("To", "+243900000001"),
                ];
                let signature = twilio_signature(&token, &url, &params);
                let t = Instant::now();
                let answer = client
                    .post(url.as_str())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", signature)
                    .body(serde_urlencoded::to_string(params).unwrap())
                    .send()
                    .await;
                let fine = match answer {
                    Ok(r) if r.status() == 200 => r.text().await.is_ok_and(|b| b == OK_REPLY),
                    _ => false,
                };
                latencies.record(t.elapsed().as_micros() as u64).unwrap();
                if fine {
                    sent.fetch_add(1, Ordering::Relaxed);
                } else {
                    bad += 1;
                }
            }
            (latencies, bad)
        }));
    }
    let mut all = Histogram::<u64>::new(3).unwrap();
    let mut bad = 0;
    for s in senders {
        let (h, b) = s.await.unwrap();
        all.add(h).unwrap();
        bad += b;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ok = sent.load(Ordering::Relaxed);
    let mut stored = 0usize;
    for id in &staff {
        let events = cla_event_store::read_stream_to_end(
            running.state.store.as_ref(),
            &cla_event_store::StreamName::keyed("risk-", id),
        )
        .await
        .expect("the CLA's risk stream");
        stored += events
            .iter()
            .filter(|e| e.event_type.as_str() == "CheckInRecorded.v1")
            .count();
    }
    let throughput = ok as f64 / elapsed;
    let p99 = all.value_at_quantile(0.99) as f64 / 1000.0;
    println!(
        "check-ins: {ok} answered OK, {bad} wrong answers, {stored} stored, in {elapsed:.1} s"
    );
    println!(
        "throughput {throughput:>8.0}/s   p50={:.2} ms  p99={p99:.2} ms  max={:.2} ms",
        all.value_at_quantile(0.5) as f64 / 1000.0,
        all.max() as f64 / 1000.0,
    );
    println!(
        "targets: ≥ 1000/s ({}), p99 ≤ 100 ms ({}), every answer right ({}), every check-in stored ({})",
        if throughput >= 1000.0 {
            "met"
        } else {
            "MISSED"
        },
        if p99 <= 100.0 { "met" } else { "MISSED" },
        if bad == 0 { "yes" } else { "NO" },
        if stored as u64 == ok { "yes" } else { "NO" },
    );
    running.stop().await;
}
