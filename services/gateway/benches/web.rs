//! The web app's pages at scale: server time per page (target p99 ≤ 20 ms) and bytes on the wire
//! (target ≤ 60 KB with the page's assets, compressed), for a history of about 4.66M events
//! (`CLA_BENCH_EVENTS`).
//!
//! The history is written by `cla generate` and kept under `target/bench-data/history-<size>`
//! (shared with the other benchmarks), then served in this process. A civil affairs officer of the
//! first mission signs in through a one-time link; each of the mission's pages — the overview, the
//! board (plain, filtered, sorted), every list, the board's CSV, and the first base page, CLA
//! profile, check-ins and alerts pages the board and lists link to — is asked for
//! `CLA_BENCH_REQUESTS` times in turn after a warm-up, one request at a time over loopback, and its
//! p50 / p99 / max printed with its compressed size. The time is measured at the client, so it is
//! the server's time plus one loopback round trip: an upper bound of the server's.
//!
//! Run with `just bench-web` or `cargo bench -p cla-gateway --bench web`.

#[path = "support/history.rs"]
mod history;

use history::{data_dir, generate};

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cla_platform::{Principal, Role};
use hdrhistogram::Histogram;

const TARGET_P99_MS: f64 = 20.0;
const BUDGET_BYTES: usize = 60 * 1024;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A client that neither follows redirects nor decompresses (sizes are the wire's).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The session cookie (`name=value`) for `who`, through a one-time sign-in link.
async fn session(base: &str, dir: &std::path::Path, who: Principal) -> String {
    let code = cla_web::issue_sign_in_codes(dir, &[who], Duration::from_secs(600))
        .expect("a sign-in code")
        .remove(0);
    let response = client()
        .get(format!("{base}/sign-in/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "signed in");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cla_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// A page's status, its compressed bytes, and its text.
async fn fetch(base: &str, cookie: &str, path: &str) -> (u16, usize, String) {
    let response = client()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let gzipped = response
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let bytes = response.bytes().await.unwrap();
    let text = if gzipped {
        use std::io::Read;
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gzip");
        text
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (status, bytes.len(), text)
}

/// The links on `page` that start with `prefix` (an attribute's value, `&amp;` read as `&`).
fn links(page: &str, prefix: &str) -> Vec<String> {
    page.match_indices(&format!("href=\"{prefix}"))
        .map(|(i, _)| {
            page[i + 6..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let size = env_u64("CLA_BENCH_EVENTS", 4_660_000);
    let requests = env_u64("CLA_BENCH_REQUESTS", 200);
    let dir = data_dir(size);
    generate(&dir, size);

    let config = cla_gateway::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        scan_interval_seconds: 0,
        ..cla_gateway::config::Config::default()
    };
    let t = Instant::now();
    let running = cla_gateway::start(&config)
        .await
        .expect("the server starts");
    let base = format!("http://{}", running.addr);
    loop {
        if let Ok(r) = client().get(format!("{base}/readyz")).send().await
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

    // The first mission, as an administrator sees the list.
    let admin = session(
        &base,
        &dir,
        Principal::new("bench-admin", "Bench Admin", &[Role::Admin], &[]),
    )
    .await;
    let (_, _, home) = fetch(&base, &admin, "/").await;
    let code = links(&home, "/missions/")
        .into_iter()
        .next()
        .expect("a mission on the missions page")
        .trim_start_matches("/missions/")
        .to_string();
    let cookie = session(
        &base,
        &dir,
        Principal::new(
            "bench-ca",
            "Bench Civil Affairs",
            &[Role::CivilAffairs],
            &[&code],
        ),
    )
    .await;

    // The pages: the fixed ones, then the first of each kind the board and lists link to.
    let m = format!("/missions/{code}");
    let mut pages: Vec<String> = [
        "".to_string(),
        "/board".into(),
        "/board?status=below_minimum&sort=shortfall".into(),
        "/board?sort=strength".into(),
        "/board.csv".into(),
        "/lists/lone".into(),
        "/lists/overdue".into(),
        "/lists/flags".into(),
        "/lists/rotations".into(),
        "/lists/appointments".into(),
        "/lists/unsupervised".into(),
        "/lists/not-visited".into(),
        "/check-ins".into(),
        "/alerts".into(),
    ]
    .into_iter()
    .map(|p| format!("{m}{p}"))
    .collect();
    let mut seen = BTreeSet::new();
    let (_, _, board) = fetch(&base, &cookie, &format!("{m}/board")).await;
    let (_, _, lone) = fetch(&base, &cookie, &format!("{m}/lists/unsupervised")).await;
    for kind in ["/bases/", "/staff/"] {
        if let Some(link) = links(&board, &format!("{m}{kind}"))
            .into_iter()
            .chain(links(&lone, &format!("{m}{kind}")))
            .next()
            && seen.insert(kind)
        {
            pages.push(link);
        }
    }

    // The assets every page loads (once per browser: counted into each page's budget).
    let (_, _, overview) = fetch(&base, &cookie, &m).await;
    let mut asset_bytes = 0;
    let scripts = overview
        .match_indices("src=\"/assets/")
        .map(|(i, _)| overview[i + 5..].split('"').next().unwrap().to_string());
    for asset in links(&overview, "/assets/").into_iter().chain(scripts) {
        asset_bytes += fetch(&base, &cookie, &asset).await.1;
    }

    println!(
        "{requests} requests per page, one at a time, as civil affairs of {code}; assets {asset_bytes} B compressed"
    );
    println!(
        "{:<58} {:>8} {:>8} {:>8} {:>9}  verdict",
        "page", "p50 ms", "p99 ms", "max ms", "wire B"
    );
    let mut worst_p99 = 0.0f64;
    for path in &pages {
        let (status, bytes, _) = fetch(&base, &cookie, path).await;
        if status == 404 {
            println!("{path:<58} (not served by this build)");
            continue;
        }
        assert_eq!(status, 200, "{path}");
        for _ in 0..10 {
            fetch(&base, &cookie, path).await;
        }
        let mut h = Histogram::<u64>::new(3).unwrap();
        for _ in 0..requests {
            let t = Instant::now();
            let (status, _, _) = fetch(&base, &cookie, path).await;
            h.record(t.elapsed().as_micros() as u64).unwrap();
            assert_eq!(status, 200, "{path}");
        }
        let p99 = h.value_at_quantile(0.99) as f64 / 1000.0;
        worst_p99 = worst_p99.max(p99);
        let total = if path.ends_with(".csv") {
            bytes
        } else {
            bytes + asset_bytes
        };
        let verdict = match (p99 <= TARGET_P99_MS, total <= BUDGET_BYTES) {
            (true, true) => "within",
            (false, _) => "OVER time",
            (_, false) => "OVER size",
        };
        println!(
            "{path:<58} {:>8.2} {p99:>8.2} {:>8.2} {total:>9}  {verdict}",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.max() as f64 / 1000.0,
        );
    }
    println!(
        "worst p99 {worst_p99:.2} ms (target ≤ {TARGET_P99_MS} ms); budget {BUDGET_BYTES} B per page with assets"
    );
    running.stop().await;
}
