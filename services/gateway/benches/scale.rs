//! Speed at scale: the figures of a decade of history, measured side by side, for each history
//! size in `CLA_BENCH_SIZES` (events; default 250000,1000000,4000000).
//!
//! Each size is a history written by `cla generate` (4 missions × 300 CLAs, daily check-ins, as
//! many days as the size needs), kept under `target/bench-data/` for the next run. For each:
//! - the raw `read_all` rate of the embedded store, and the rate at which every projection is
//!   rebuilt from position 0 (in this process);
//! - start-up of `cla serve` to `/readyz` with existing data (the store and the snapshot a
//!   previous run left when it stopped), and its resident memory then; beside them, the first
//!   start-up, which replays the whole store;
//! - over HTTP against that server: `{ __typename }` and the largest mission's base board with 32
//!   clients, the HQ review as of a past date with 8, the board as known at a past time, and
//!   rotation commands (plan, cancel) by 32 clients on distinct bases, every answer checked for
//!   errors. A query's answer is read through once; the same answer again, byte for byte, to the
//!   same request is known good without reading it through again, so the clients, which share the
//!   server's two cores, spend on checking an answer no more than comparing it.
//!
//! Run with `cargo bench -p cla-gateway --bench scale` (`just bench`).

#[path = "support/history.rs"]
mod history;

use history::{cla, data_dir, generate};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cla_event_store::{AllFrom, EmbeddedStore, EventStore};
use hdrhistogram::Histogram;
use serde_json::{Value, json};

const RUN: Duration = Duration::from_secs(5);

/// What a client checks of every answer: data, and no errors (read, not kept).
#[derive(serde::Deserialize)]
struct Checked {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<serde::de::IgnoredAny>,
}

struct Flood {
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// `clients` clients asking for `RUN`; `make(client, i)` gives the i-th request's body.
async fn flood(
    url: &str,
    token: &str,
    clients: usize,
    make: Arc<dyn Fn(usize, u64) -> Value + Send + Sync>,
) -> Flood {
    flood_with(url, token, clients, false, make).await
}

/// As [`flood`]; with `computed`, every request asks for a computed answer (`no-cache`).
async fn flood_with(
    url: &str,
    token: &str,
    clients: usize,
    computed: bool,
    make: Arc<dyn Fn(usize, u64) -> Value + Send + Sync>,
) -> Flood {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let deadline = started + RUN;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, token, make) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            make.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3).unwrap();
            let mut errors = 0u64;
            let mut i = 0u64;
            // Answers already read through and found whole, by request: an answer byte for byte
            // the same as one of them is as good, and is not parsed again.
            let mut checked = std::collections::HashMap::<String, bytes::Bytes>::new();
            while Instant::now() < deadline {
                let body = make(c, i).to_string();
                let t = Instant::now();
                let mut request = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Content-Type", "application/json")
                    .body(body.clone());
                if computed {
                    request = request.header("Cache-Control", "no-cache");
                }
                let answer = request.send().await;
                let ok = match answer {
                    Ok(r) => r.bytes().await.is_ok_and(|answer| {
                        if checked.get(&body) == Some(&answer) {
                            return true;
                        }
                        let whole = serde_json::from_slice::<Checked>(&answer)
                            .is_ok_and(|c| c.errors.is_none() && c.data.is_some());
                        if whole {
                            checked.insert(body, answer);
                        }
                        whole
                    }),
                    Err(_) => false,
                };
                h.record(t.elapsed().as_micros() as u64).unwrap();
                errors += u64::from(!ok);
                i += 1;
            }
            (h, errors)
        }));
    }
    summary(tasks, started).await
}

/// 32 clients, each planning a rotation of its own base's CLA and cancelling it, over and over.
async fn rotations(url: &str, token: &str, bases: Arc<Vec<(String, String)>>) -> Flood {
    const PLAN: &str = "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { staffing { rotations { id state } } } }";
    const CANCEL: &str =
        "mutation($r: String!) { cancelRotation(rotationId: $r, reason: \"bench\") { staffId } }";
    let http = reqwest::Client::new();
    let started = Instant::now();
    let deadline = started + RUN;
    let date = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let mut tasks = Vec::new();
    for c in 0..32 {
        let (http, url, token, bases, date) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            bases.clone(),
            date.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let (base, staff) = &bases[c];
            let to = &bases[32].0;
            // Rotations a run before left planned are cancelled first.
            let mine: Value = http
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({ "query": "query($s: String!) { claStaffing(staffId: $s) { rotations { id state } } }", "variables": { "s": staff } }))
                .send()
                .await
                .expect("the server answers")
                .json()
                .await
                .unwrap_or(Value::Null);
            for r in mine["data"]["claStaffing"]["rotations"].as_array().into_iter().flatten() {
                if r["state"] == "PLANNED" {
                    let _ = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": CANCEL, "variables": { "r": r["id"] } }))
                        .send()
                        .await;
                }
            }
            let mut h = Histogram::<u64>::new(3).unwrap();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                let planned: Value = match http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "query": PLAN, "variables": { "s": staff, "f": base, "t": to, "d": date } }))
                    .send()
                    .await
                {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
                h.record(t.elapsed().as_micros() as u64).unwrap();
                let id = planned["data"]["planRotation"]["staffing"]["rotations"]
                    .as_array()
                    .and_then(|rs| rs.iter().rev().find(|r| r["state"] == "PLANNED"))
                    .and_then(|r| r["id"].as_str())
                    .map(str::to_string);
                let Some(id) = id else {
                    if errors == 0 && c == 0 {
                        eprintln!("a refused rotation: {planned}");
                    }
                    errors += 1;
                    continue;
                };
                // Cancelled, whatever it takes: a rotation left planned would refuse the next.
                for _ in 0..20 {
                    let t = Instant::now();
                    let cancelled: Value = match http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": CANCEL, "variables": { "r": id } }))
                        .send()
                        .await
                    {
                        Ok(r) => r.json().await.unwrap_or(Value::Null),
                        Err(_) => Value::Null,
                    };
                    h.record(t.elapsed().as_micros() as u64).unwrap();
                    let bad = cancelled.get("errors").is_some() || cancelled["data"].is_null();
                    if bad && errors == 0 && c == 0 {
                        eprintln!("a refused cancellation: {cancelled}");
                    }
                    errors += u64::from(bad);
                    if !bad {
                        break;
                    }
                }
            }
            (h, errors)
        }));
    }
    summary(tasks, started).await
}

/// The clients' latencies and errors together.
async fn summary(
    tasks: Vec<tokio::task::JoinHandle<(Histogram<u64>, u64)>>,
    started: Instant,
) -> Flood {
    let mut all = Histogram::<u64>::new(3).unwrap();
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await.unwrap();
        all.add(h).unwrap();
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Flood {
        requests: all.len(),
        per_second: all.len() as f64 / elapsed,
        p50_ms: all.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
        errors,
    }
}

async fn ask(url: &str, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON")
}

/// CPU seconds (user and system) a process has used so far.
fn cpu_s(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // After the command name in parentheses: utime and stime are the 12th and 13th fields.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .map_or(f64::NAN, |ticks| ticks / 100.0)
}

/// CPU microseconds per answer of the server and of this client (on the same cores) over a
/// flood.
struct CpuSplit {
    server_us: f64,
    client_us: f64,
}

async fn measured_flood(
    pid: u32,
    run: impl std::future::Future<Output = Flood>,
) -> (Flood, CpuSplit) {
    let pid = pid.to_string();
    let (server, client) = (cpu_s(&pid), cpu_s("self"));
    let flood = run.await;
    let n = flood.requests.max(1) as f64;
    let split = CpuSplit {
        server_us: (cpu_s(&pid) - server) * 1e6 / n,
        client_us: (cpu_s("self") - client) * 1e6 / n,
    };
    (flood, split)
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Server(Child);

impl Server {
    /// Stops the server as an operator would (SIGTERM) and waits for it to exit.
    fn stop(mut self) {
        let pid = self.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot signal the server");
        let status = self.0.wait().expect("the server exits");
        assert!(status.success(), "the server stopped with {status}");
    }
}

/// Starts `cla serve` on `dir` and waits for `/readyz`: the server and the seconds it took.
async fn serve(dir: &Path, port: u16) -> (Server, f64) {
    let t = Instant::now();
    let child = Command::new(cla())
        .arg("serve")
        .env("CLA_DATA_DIR", dir)
        .env("CLA_LISTEN", format!("127.0.0.1:{port}"))
        .env("CLA_SCAN_INTERVAL_SECONDS", "0")
        // The floods measure throughput as one caller: no rate limit in the way.
        .env("CLA_RATE_LIMIT_PER_SECOND", "1000000")
        .env("CLA_RATE_LIMIT_BURST", "1000000")
        .env("CLA_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("cla serve starts");
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(1800), "never ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (server, t.elapsed().as_secs_f64())
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Default)]
struct Figures {
    events: u64,
    read_all: f64,
    rebuild: f64,
    /// Start-up with existing data: the store and the projections' snapshot.
    startup_s: f64,
    rss_mb: f64,
    /// The first start-up, replaying the whole store.
    cold_startup_s: f64,
    cold_rss_mb: f64,
    typename: Option<Flood>,
    board: Option<Flood>,
    /// CPU per answer, server and client, for `{ __typename }` and the board.
    cpu: Option<(CpuSplit, CpuSplit)>,
    review: Option<Flood>,
    /// The same questions, each answer computed (no kept answers), by 4 clients.
    board_computed: Option<Flood>,
    review_computed: Option<Flood>,
    known_at_s: f64,
    commands: Option<Flood>,
    /// When the event half-way through the history was recorded.
    middle: Option<chrono::DateTime<chrono::Utc>>,
    /// The effective date of that event: the past date the HQ review is asked for.
    middle_day: Option<chrono::NaiveDate>,
}

async fn measure(dir: &Path, port: u16) -> Figures {
    let mut f = Figures::default();
    // Raw read_all, then every projection rebuilt, in this process.
    {
        let store = Arc::new(EmbeddedStore::open(dir.join("events")).expect("the store opens"));
        let t = Instant::now();
        let mut from = AllFrom::Start;
        let mut n = 0u64;
        let head = store.head().await.expect("head").map_or(0, |p| p.0);
        loop {
            let page = store.read_all(from, 20_000).await.expect("read_all");
            let Some(last) = page.last() else { break };
            if f.middle.is_none() && last.position.0 >= head / 2 {
                f.middle = Some(last.recorded);
                f.middle_day = Some(last.metadata.effective);
            }
            from = AllFrom::After(last.position);
            n += page.len() as u64;
        }
        f.events = n;
        f.read_all = n as f64 / t.elapsed().as_secs_f64();
        // From position 0, as a first start: no snapshot, and the reactors read the store too.
        let _ = std::fs::remove_dir_all(dir.join("projections"));
        let _ = std::fs::remove_dir_all(dir.join("reactors"));
        let config = cla_gateway::Config {
            data_dir: dir.to_path_buf(),
            scan_interval_seconds: 0,
            ..Default::default()
        };
        let t = Instant::now();
        let app = cla_gateway::server::app(
            &config,
            store.clone(),
            Arc::new(cla_platform::clock::SystemClock),
        )
        .expect("the app builds");
        while app.state.hub.position() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        f.rebuild = n as f64 / t.elapsed().as_secs_f64();
        for task in &app.tasks {
            task.abort();
        }
        for task in app.tasks {
            let _ = task.await;
        }
    }
    // The server: start-up to /readyz, memory.
    let token = String::from_utf8(
        Command::new(cla())
            .args(["token", "--role", "ADMIN", "--name", "Bench"])
            .env("CLA_DATA_DIR", dir)
            .output()
            .expect("cla token")
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    // First start: no snapshot yet, every projection replays the store; then a graceful stop,
    // which leaves the projections' snapshot, and the start measured: with existing data.
    let _ = std::fs::remove_dir_all(dir.join("projections"));
    let (server, cold) = serve(dir, port).await;
    f.cold_startup_s = cold;
    f.cold_rss_mb = rss_mb(server.0.id());
    server.stop();
    let (server, warm) = serve(dir, port).await;
    f.startup_s = warm;
    f.rss_mb = rss_mb(server.0.id());
    let base = format!("http://127.0.0.1:{port}");
    let url = format!("{base}/graphql");
    let pid = server.0.id();
    let (typename, typename_cpu) = measured_flood(
        pid,
        flood(
            &url,
            &token,
            32,
            Arc::new(|_, _| json!({ "query": "{ __typename }" })),
        ),
    )
    .await;
    f.typename = Some(typename);
    let board = "query($k: DateTime) { baseBoard(missionCode: \"MISSION01\", first: 500, knownAt: $k) { totalCount edges { node { baseId effectiveStrength status clas { staffId } } } } }";
    let (board_flood, board_cpu) = measured_flood(
        pid,
        flood(
            &url,
            &token,
            32,
            Arc::new(move |_, _| json!({ "query": board })),
        ),
    )
    .await;
    f.board = Some(board_flood);
    f.cpu = Some((typename_cpu, board_cpu));
    let past = f
        .middle_day
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
        .to_string();
    let review = json!({ "query": "query($d: Date) { hqStaffingReview(asOf: $d) { overall { clas deployed basesAtMinimumPercent supervisionCoveragePercent checkInCompliancePercent } } }", "variables": { "d": past } });
    let ask_review = move |_: usize, _: u64| review.clone();
    f.review = Some(flood(&url, &token, 8, Arc::new(ask_review.clone())).await);
    f.board_computed = Some(
        flood_with(
            &url,
            &token,
            4,
            true,
            Arc::new(move |_, _| json!({ "query": board })),
        )
        .await,
    );
    f.review_computed = Some(flood_with(&url, &token, 4, true, Arc::new(ask_review.clone())).await);
    // As known at the moment half the history had been written.
    let middle = f.middle;
    let known = middle.unwrap_or_else(chrono::Utc::now).to_rfc3339();
    let t = Instant::now();
    let answer = ask(&url, &token, board, json!({ "k": known })).await;
    f.known_at_s = t.elapsed().as_secs_f64();
    assert!(answer.get("errors").is_none(), "{answer}");
    // Rotation commands: 32 clients, each with a CLA of its own base.
    let rows = ask(&url, &token, board, json!({})).await;
    let bases: Vec<(String, String)> = rows["data"]["baseBoard"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let n = &e["node"];
            Some((
                n["baseId"].as_str()?.to_string(),
                n["clas"][0]["staffId"].as_str()?.to_string(),
            ))
        })
        .collect();
    if bases.len() >= 33 {
        f.commands = Some(rotations(&url, &token, Arc::new(bases)).await);
    }
    drop(server);
    f
}

fn main() {
    let sizes: Vec<u64> = std::env::var("CLA_BENCH_SIZES")
        .unwrap_or_else(|_| "250000,1000000,4000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut rows = Vec::new();
    for (k, size) in sizes.iter().enumerate() {
        let dir = data_dir(*size);
        generate(&dir, *size);
        // Measured on a copy: the commands measured write, and the next run must start from the
        // same history.
        let run = dir.with_extension("run");
        let _ = std::fs::remove_dir_all(&run);
        let copied = Command::new("cp")
            .arg("-r")
            .arg(&dir)
            .arg(&run)
            .status()
            .expect("cp runs");
        assert!(copied.success(), "cannot copy {}", dir.display());
        let f = runtime.block_on(measure(&run, 18_700 + k as u16));
        let _ = std::fs::remove_dir_all(&run);
        print_row(&f);
        rows.push(f);
    }
    println!();
    println!(
        "targets: rebuild ≥ 200,000 ev/s and ≥ 0.4 × read_all; start-up ≤ 3 s; RSS ≤ 300 MB; board p99 ≤ 20 ms and ≥ 0.5 × typename; review p99 ≤ 50 ms; known-at board ≤ 5 s; commands ≥ 1,000/s with p99 ≤ 100 ms"
    );
}

fn print_row(f: &Figures) {
    let flood = |x: &Option<Flood>| {
        x.as_ref().map_or("-".to_string(), |x| {
            format!(
                "{:.0}/s p50 {:.1} ms p99 {:.1} ms ({} requests, {} errors)",
                x.per_second, x.p50_ms, x.p99_ms, x.requests, x.errors
            )
        })
    };
    println!("history of {} events:", f.events);
    println!(
        "  read_all {:.0} ev/s; rebuild {:.0} ev/s ({:.2} × read_all)",
        f.read_all,
        f.rebuild,
        f.rebuild / f.read_all
    );
    println!(
        "  start-up to /readyz {:.2} s; RSS then {:.0} MB (first start, replaying the whole store: {:.2} s, {:.0} MB)",
        f.startup_s, f.rss_mb, f.cold_startup_s, f.cold_rss_mb
    );
    println!("  {{ __typename }} ×32: {}", flood(&f.typename));
    println!("  base board ×32:     {}", flood(&f.board));
    if let (Some(t), Some(b)) = (&f.typename, &f.board) {
        println!(
            "    board / typename throughput: {:.3}",
            b.per_second / t.per_second
        );
    }
    if let Some((t, b)) = &f.cpu {
        println!(
            "    CPU per answer, server / bench client: typename {:.0} / {:.0} µs, board {:.0} / {:.0} µs",
            t.server_us, t.client_us, b.server_us, b.client_us
        );
    }
    println!("  HQ review as of a past date ×8: {}", flood(&f.review));
    println!(
        "  every answer computed (no-cache) ×4: board {}; HQ review {}",
        flood(&f.board_computed),
        flood(&f.review_computed)
    );
    println!("  board as known at a past time: {:.2} s", f.known_at_s);
    println!("  rotation commands ×32: {}", flood(&f.commands));
}
