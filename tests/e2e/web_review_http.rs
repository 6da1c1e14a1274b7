//! The HQ staffing review's pages over plain HTTP (no JavaScript), on the real server with the
//! demo loaded: the figures and the monthly series are those GraphQL answers for the same date,
//! every share in percent, in English and French; the CSV in both dialects; counts only (no
//! CLA's name) for an HQ reviewer; another mission's review refused; within the budget.

mod web_client;

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use cla_web::i18n::{L10n, Lang};
use serde_json::{Value, json};
use web_client::*;

const FIGURES: &str = "scope clas deployed basesAtMinimumPercent vacancyPercent womenPercent supervisionCoveragePercent checkInCompliancePercent openFlagsWithheld";

fn hq() -> Principal {
    Principal::new("hq-1", "Hélène Reviewer", &[Role::HqReviewer], &[])
}

/// The cells a row of the page's tables shows for `f`, as GraphQL answered it.
fn cells(l: L10n, f: &Value) -> Vec<String> {
    let pct = |name: &str| match f[name].as_f64() {
        Some(v) => l.percent(v),
        None => l.t("review-none"),
    };
    let mut out = vec![
        l.count(f["clas"].as_u64().unwrap()),
        l.count(f["deployed"].as_u64().unwrap()),
        pct("basesAtMinimumPercent"),
        pct("vacancyPercent"),
        pct("womenPercent"),
        pct("supervisionCoveragePercent"),
    ];
    if f["openFlagsWithheld"] == true {
        out.push(l.t("count-withheld"));
    } else {
        out.push(pct("checkInCompliancePercent"));
    }
    out
}

/// The cells of the row whose `attribute` is `value`, in order.
fn row_cells(page: &str, attribute: &str, value: &str) -> Vec<String> {
    let row = section(page, &format!("<tr {attribute}=\"{value}\""), "</tr>");
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|c| {
            let c = &c[..c.find("</td>").unwrap()];
            // A withheld count is a span.
            let text = c.rsplit_once("\">").map_or(c, |(_, t)| t);
            text.trim_end_matches("</span>").to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_shows_what_graphql_answers_as_percents_with_its_csv_and_no_names() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let token = server.token(Role::HqReviewer, &[]);
    let cookie = session(&server, hq()).await;
    let as_of = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();

    let review = server
        .ok(
            &token,
            &format!("query($d: Date) {{ hqStaffingReview(asOf: $d) {{ overall {{ {FIGURES} }} missions {{ {FIGURES} }} }} }}"),
            json!({ "d": as_of }),
        )
        .await["hqStaffingReview"]
        .clone();
    let missions = review["missions"].as_array().unwrap();
    assert!(missions.len() >= 2, "the demo has several missions");

    for (lang, l) in [("en", L10n::new(Lang::En)), ("fr", L10n::new(Lang::Fr))] {
        let path = format!("/review?asOf={as_of}");
        let (status, page) = get_in(&server, &path, &cookie, lang).await;
        assert_eq!(status, 200, "{page}");
        for m in missions.iter().chain([&review["overall"]]) {
            let scope = m["scope"].as_str().unwrap();
            assert_eq!(
                row_cells(&page, "data-scope", scope),
                cells(l, m),
                "{lang}: {scope}"
            );
        }
        // One unit for every share: the page's percents, never a 0–1 share.
        let women = review["overall"]["womenPercent"].as_f64().unwrap();
        assert!(women > 1.0, "a share in percent: {women}");
        assert!(page.contains(&l.percent(women)), "{lang}");
        if lang == "fr" {
            assert!(page.contains("Taux de vacance"));
            assert!(l.percent(women).ends_with("\u{202f}%"));
        }

        // The series: the months the page charts, each as GraphQL answers it.
        let months: Vec<&str> = page
            .match_indices("data-month=\"")
            .map(|(i, _)| &page[i + 12..i + 22])
            .collect();
        assert_eq!(months.len(), 12, "{lang}");
        assert!(months.windows(2).all(|w| w[0] < w[1]));
        assert!(*months.last().unwrap() <= as_of.as_str());
        let series = server
            .ok(
                &token,
                &format!("query($f: Date!, $t: Date!) {{ hqStaffingSeries(from: $f, to: $t) {{ monthEnd overall {{ {FIGURES} }} }} }}"),
                json!({ "f": months[0], "t": months[11] }),
            )
            .await["hqStaffingSeries"]
            .clone();
        let series = series.as_array().unwrap();
        assert_eq!(series.len(), 12);
        for month in series {
            let end = month["monthEnd"].as_str().unwrap();
            assert_eq!(
                row_cells(&page, "data-month", end),
                cells(l, &month["overall"]),
                "{lang}: {end}"
            );
        }
        // Six charts, each an image with its title and description.
        assert_eq!(page.matches("<svg role=\"img\"").count(), 6, "{lang}");
        assert_eq!(page.matches("<title id=\"review-chart-").count(), 6);
        assert_eq!(page.matches("<desc id=\"review-chart-").count(), 6);

        let bytes = wire(&server, &path, &cookie).await;
        println!("bytes on the wire: {path} ({lang}): {bytes} (budget 61440)");
        assert!(bytes <= 60 * 1024, "{bytes}");
    }

    // Counts only: no CLA of the board is named on the review.
    let board = server
        .ok(
            &token,
            "query { baseBoard(missionCode: \"MONUSCO\", first: 500) { edges { node { clas { name } } } } }",
            json!({}),
        )
        .await;
    let names: Vec<String> = board["baseBoard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["node"]["clas"].as_array().unwrap().clone())
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() > 10);
    for path in ["/review", "/missions/MONUSCO/review"] {
        let (status, page) = get(&server, path, &cookie).await;
        assert_eq!(status, 200, "{path}");
        for name in &names {
            assert!(!page.contains(&escaped(name)), "{path} names {name}");
        }
    }

    // One mission's page: its own figures as the headline, the same as GraphQL's row.
    let monusco = missions.iter().find(|m| m["scope"] == "MONUSCO").unwrap();
    let (_, page) = get(
        &server,
        &format!("/missions/MONUSCO/review?asOf={as_of}"),
        &cookie,
    )
    .await;
    let l = L10n::new(Lang::En);
    assert_eq!(
        beside(&page, "review-clas"),
        l.count(monusco["clas"].as_u64().unwrap())
    );
    assert_eq!(
        beside(&page, "review-deployed"),
        l.count(monusco["deployed"].as_u64().unwrap())
    );
    assert_eq!(
        beside(&page, "review-women"),
        l.percent(monusco["womenPercent"].as_f64().unwrap())
    );
    let bytes = wire(&server, "/missions/MONUSCO/review", &cookie).await;
    println!("bytes on the wire: /missions/MONUSCO/review: {bytes} (budget 61440)");
    assert!(bytes <= 60 * 1024);

    // The CSV, as the export writes it, in both dialects.
    let csv = |query: String| {
        let base = server.base.clone();
        let cookie = cookie.clone();
        async move {
            let response = client()
                .get(format!("{base}/review.csv{query}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            response.text().await.unwrap()
        }
    };
    let standard = csv(format!("?asOf={as_of}")).await;
    assert!(
        standard.starts_with("as_of,scope,clas,deployed"),
        "{standard}"
    );
    let clas = review["overall"]["clas"].as_u64().unwrap();
    assert!(
        standard.contains(&format!("{as_of},ALL,{clas},")),
        "{standard}"
    );
    assert_eq!(standard.lines().count(), missions.len() + 2);
    let french = csv(format!("?asOf={as_of}&locale=fr")).await;
    assert!(french.starts_with('\u{feff}'), "a BOM");
    assert!(french.contains("as_of;scope;clas;deployed"), "{french}");
    assert_eq!(french.lines().count(), missions.len() + 2);
    assert!(page.contains("/review.csv?locale=fr"), "the French link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missions_own_managers_read_its_review_and_no_other() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let hr = Principal::new("hr-monusco", "Hadja HR", &[Role::MissionHr], &["MONUSCO"]);
    let cookie = session(&server, hr).await;
    let (status, page) = get(&server, "/missions/MONUSCO/review", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"review-clas\""));
    let (status, page) = get(&server, "/missions/UNMISS/review", &cookie).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("id=\"review-clas\""));
    // The overall review is of their missions only.
    let (status, page) = get(&server, "/review", &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-scope=\"MONUSCO\""));
    assert!(!page.contains("data-scope=\"UNMISS\""));
    assert!(!page.contains("data-scope=\"MINUSCA\""));
}
