//! The base page and the CLA profile over plain HTTP (no JavaScript), on the demo's world: a base
//! below minimum shows its gap and the cause in words, its chart as SVG with a title and the same
//! days in a table; another mission's base is refused, an unknown one not found; an HQ reviewer
//! sees no home community; the profile's timeline is in order; French dates; bytes on the wire.

mod web_client;

mod demo_base;

use chrono::NaiveDate;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use demo_base::base_below_minimum;
use serde_json::json;
use web_client::*;

fn ca() -> Principal {
    Principal::new(
        "ca-1",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

fn hq() -> Principal {
    Principal::new("hq-1", "Hana Quartier", &[Role::HqReviewer], &[])
}

fn en_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

async fn demo_server() -> TestServer {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    server
}

#[tokio::test]
async fn a_base_below_minimum_shows_its_gap_its_cause_its_chart_and_its_table() {
    let server = demo_server().await;
    let today = chrono::Utc::now().date_naive();
    let (base_id, base_name, away_id, away_name) = base_below_minimum(&server).await;
    let cookie = session(&server, ca()).await;

    let (status, page) = get(
        &server,
        &format!("/missions/MONUSCO/bases/{base_id}"),
        &cookie,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains('⟦'), "every string from the catalogue");
    assert!(page.contains(&escaped(&base_name)), "{page}");
    assert!(
        page.contains("▲ </span>below minimum"),
        "status in words and shape"
    );
    // The CLA away: present/absent with the absence's dates, and a link to the profile.
    let profile = format!("/missions/MONUSCO/staff/{away_id}");
    assert!(page.contains(&format!("href=\"{profile}\"")), "{page}");
    let leave_from = today - chrono::Duration::days(3);
    let leave_to = today + chrono::Duration::days(9);
    assert!(
        page.contains(&format!(
            "from {} to {}",
            en_date(leave_from),
            en_date(leave_to)
        )),
        "the absence's dates: {page}"
    );
    // The gap from today, and its cause in words.
    let gaps = section(&page, "<ul id=\"gaps\">", "</ul></li></ul>");
    assert!(gaps.contains(&en_date(today)), "{gaps}");
    assert!(
        gaps.contains(&format!(
            "{}: leave from {} to {}",
            escaped(&away_name),
            en_date(leave_from),
            en_date(leave_to)
        )),
        "the cause in words: {gaps}"
    );
    // The chart: SVG with a role, a title and a description; a bar a day, the gaps hatched.
    let svg = section(&page, "<svg", "</svg>");
    assert!(svg.contains("role=\"img\""), "{svg}");
    assert!(svg.contains("aria-labelledby=\"chart-title chart-desc\""));
    assert!(
        svg.contains(&format!(
            "<title id=\"chart-title\">Coverage forecast for {}",
            escaped(&base_name)
        )),
        "{svg}"
    );
    assert!(svg.contains("<desc id=\"chart-desc\">"));
    assert_eq!(svg.matches("class=\"bar").count(), 90, "a bar a day");
    assert!(svg.contains("class=\"gap\""), "the gap hatched");
    assert!(svg.contains("minimum 2"), "the minimum line labelled");

    // The table: the same days as the forecast the API answers.
    let forecast = server
        .ok(
            &server.admin(),
            "query($b: String!) { coverageForecast(baseId: $b, days: 90) { minimum days { date strength belowMinimum } } }",
            json!({ "b": base_id }),
        )
        .await;
    let days = forecast["coverageForecast"]["days"].as_array().unwrap();
    let table = section(&page, "<table id=\"forecast-days\">", "</table>");
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), days.len(), "a row a day");
    for (row, day) in rows.iter().zip(days) {
        let date: NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
        assert!(
            row.contains(&format!("<th scope=\"row\">{}</th>", en_date(date))),
            "{row}"
        );
        assert!(
            row.contains(&format!("<td class=\"num\">{}</td>", day["strength"])),
            "{row} {day}"
        );
        assert_eq!(
            row.contains("below minimum"),
            day["belowMinimum"] == json!(true),
            "{row}"
        );
    }
    assert!(
        days[0]["belowMinimum"] == json!(true),
        "below minimum today"
    );
    // The actions this reader may take: deploy here.
    assert!(page.contains(&format!(
        "href=\"/missions/MONUSCO/actions/deploy?base={base_id}\""
    )));

    // The board links here, keeping time travel.
    let (_, board) = get(&server, "/missions/MONUSCO/board?asOf=2026-01-10", &cookie).await;
    assert!(
        board.contains(&format!(
            "href=\"/missions/MONUSCO/bases/{base_id}?asOf=2026-01-10\""
        )),
        "{board}"
    );

    // The lists name CLAs with a link to their profile.
    let (status, overdue) = get(&server, "/missions/MONUSCO/lists/overdue", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        overdue.contains("<th scope=\"row\"><a href=\"/missions/MONUSCO/staff/"),
        "{overdue}"
    );

    // In French: the dates as French readers write them.
    let (status, fr) = get_in(
        &server,
        &format!("/missions/MONUSCO/bases/{base_id}"),
        &cookie,
        "fr",
    )
    .await;
    assert_eq!(status, 200);
    assert!(fr.contains("lang=\"fr\""));
    assert!(
        fr.contains(&format!(
            "{} : congé du {} au {}",
            escaped(&away_name),
            leave_from.format("%d/%m/%Y"),
            leave_to.format("%d/%m/%Y")
        )),
        "{fr}"
    );
    assert!(fr.contains("Prévision de couverture"));
    assert!(!fr.contains('⟦'));
    server.stop().await;
}

#[tokio::test]
async fn other_missions_bases_are_refused_unknown_ones_not_found_and_hq_sees_no_home_community() {
    let server = demo_server().await;
    let (base_id, _, away_id, _) = base_below_minimum(&server).await;
    let minusca = server
        .ok(
            &server.admin(),
            "{ baseBoard(missionCode: \"MINUSCA\") { edges { node { baseId clas { staffId } } } } }",
            json!({}),
        )
        .await;
    let edges = minusca["baseBoard"]["edges"].as_array().unwrap();
    let their_base = edges[0]["node"]["baseId"].as_str().unwrap().to_string();
    let their_cla = edges
        .iter()
        .find_map(|e| e["node"]["clas"][0]["staffId"].as_str())
        .unwrap()
        .to_string();
    let cookie = session(&server, ca()).await;
    for path in [
        format!("/missions/MINUSCA/bases/{their_base}"),
        format!("/missions/MONUSCO/bases/{their_base}"),
        format!("/missions/MINUSCA/staff/{their_cla}"),
        format!("/missions/MONUSCO/staff/{their_cla}"),
    ] {
        let (status, page) = get(&server, &path, &cookie).await;
        assert_eq!(status, 403, "{path}");
        assert!(page.contains("Not open to you"), "{path}: {page}");
        assert!(!page.contains("Coverage forecast"), "{path}");
    }
    for path in [
        "/missions/MONUSCO/bases/no-such-base".to_string(),
        "/missions/MONUSCO/staff/no-such-cla".to_string(),
        // A base of MONUSCO asked for under another code the reader holds nothing of.
        format!("/missions/MINUSCA/bases/{base_id}"),
    ] {
        let (status, page) = get(&server, &path, &cookie).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("Not found"), "{path}: {page}");
    }

    // Civil affairs of the mission sees the home community; an HQ reviewer sees it withheld.
    let path = format!("/missions/MONUSCO/staff/{away_id}");
    let (status, page) = get(&server, &path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    let home = section(&page, "<dd id=\"home-community\">", "</dd>");
    assert!(home.contains("near "), "{home}");
    let hq_cookie = session(&server, hq()).await;
    let (status, page) = get(&server, &path, &hq_cookie).await;
    assert_eq!(status, 200, "{page}");
    let home = section(&page, "<dd id=\"home-community\">", "</dd>");
    assert!(home.contains("withheld"), "{home}");
    assert!(
        !page.contains("near "),
        "no home community anywhere: {page}"
    );
    let phones = section(&page, "<dd id=\"phones\">", "</dd>");
    assert!(phones.contains("withheld"), "{phones}");
    assert!(
        section(&page, "id=\"risk\"", "</p>").contains("withheld"),
        "no risk detail for HQ"
    );
    // HQ reads only: no action is offered.
    assert!(!page.contains("/actions/"), "{page}");
    server.stop().await;
}

#[tokio::test]
async fn a_profile_shows_its_timeline_in_order_in_both_languages_within_budget() {
    let server = demo_server().await;
    let (base_id, base_name, away_id, _) = base_below_minimum(&server).await;
    let cookie = session(&server, ca()).await;
    let path = format!("/missions/MONUSCO/staff/{away_id}");
    let (status, page) = get(&server, &path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains('⟦'));
    // The base, linked; the actions for a deployed CLA.
    assert!(page.contains(&format!(
        "<a href=\"/missions/MONUSCO/bases/{base_id}\">{}</a>",
        escaped(&base_name)
    )));
    for action in ["end-deployment", "plan-rotation", "absence"] {
        assert!(
            page.contains(&format!(
                "href=\"/missions/MONUSCO/actions/{action}?staff={away_id}\""
            )),
            "{action}"
        );
    }
    // The timeline: the staff events and the staffing ones, in business order, each recorded.
    let timeline = section(&page, "<ol class=\"timeline\" id=\"timeline\">", "</ol>");
    let entries: Vec<&str> = timeline.split("<li>").skip(1).collect();
    assert!(entries.len() >= 4, "{timeline}");
    let dates: Vec<NaiveDate> = entries
        .iter()
        .map(|e| {
            let d = &e[e.find("<strong>").unwrap() + 8..e.find("</strong>").unwrap()];
            NaiveDate::parse_from_str(d, "%d %b %Y").unwrap_or_else(|_| panic!("{d}"))
        })
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    let position = |what: &str| {
        entries
            .iter()
            .position(|e| e.contains(what))
            .unwrap_or_else(|| panic!("{what} in {timeline}"))
    };
    assert!(position("Joined (onboarding)") < position("Activated"));
    assert!(position("Activated") < position("Deployed to "));
    let leave = position("Absence recorded: leave");
    assert_eq!(leave, entries.len() - 1, "the latest: today's leave");
    assert!(
        entries
            .iter()
            .all(|e| e.contains("recorded ") && e.contains(" UTC by "))
    );
    // Who supervises them now began to, on the timeline too.
    let supervisor = section(&page, "<dt>Supervisor</dt><dd>", "</dd>");
    if let Some((name, _)) = supervisor
        .trim_start_matches("<dt>Supervisor</dt><dd>")
        .split_once(", since")
    {
        assert!(
            timeline.contains(&format!("Supervised by {name}")),
            "{timeline}"
        );
    } else {
        assert!(supervisor.contains("nobody supervises"), "{supervisor}");
    }

    // In French.
    let (status, fr) = get_in(&server, &path, &cookie, "fr").await;
    assert_eq!(status, 200);
    let today = chrono::Utc::now().date_naive();
    let leave_from = today - chrono::Duration::days(3);
    assert!(
        fr.contains(&format!(
            "Absence enregistrée : congé, du {} au",
            leave_from.format("%d/%m/%Y")
        )),
        "{fr}"
    );
    assert!(fr.contains("Historique"));

    // Bytes on the wire, compressed, with the page's assets.
    let wire = |path: String| {
        let (base, cookie) = (server.base.clone(), cookie.clone());
        async move {
            let response = client()
                .get(format!("{base}{path}"))
                .header("cookie", cookie)
                .header("accept-encoding", "gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(
                response
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_string()),
                Some("gzip".to_string()),
                "{path}"
            );
            response.bytes().await.unwrap().len()
        }
    };
    let assets: Vec<String> = page
        .match_indices("/assets/")
        .map(|(i, _)| page[i..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(assets.len(), 2, "{assets:?}");
    let mut asset_bytes = 0;
    for asset in assets {
        asset_bytes += wire(asset).await;
    }
    for path in [path.clone(), format!("/missions/MONUSCO/bases/{base_id}")] {
        let bytes = wire(path.clone()).await;
        let total = bytes + asset_bytes;
        println!(
            "bytes on the wire: {path}: page {bytes} + assets {asset_bytes} = {total} (budget 61440)"
        );
        assert!(total <= 60 * 1024, "{path}: {total} bytes");
    }
    server.stop().await;
}
