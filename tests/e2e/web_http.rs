//! The web app over plain HTTP (no JavaScript): the real server, sessions made through one-time
//! sign-in links. Cookie attributes, CSRF, sessions across a restart, refusals, the pages read
//! without a script, the CSV with the session, and each page's bytes on the wire.

mod web_client;

use std::time::Duration;

use cla_e2e::TestServer;
use cla_gateway::config::Config;
use cla_platform::{Principal, Role};
use web_client::*;

/// Signs `who` in through a one-time link: the session cookie (`name=value`) and the whole
/// `Set-Cookie` line.
async fn session(base: &str, config: &Config, who: Principal) -> (String, String) {
    let code = cla_web::issue_sign_in_codes(&config.data_dir, &[who], Duration::from_secs(60))
        .unwrap()
        .remove(0);
    let response = client()
        .get(format!("{base}/sign-in/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/");
    let line = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cla_session="))
        .expect("a session cookie");
    let pair = line.split(';').next().unwrap().to_string();
    // Used up: the same link signs nobody in again.
    let again = client()
        .get(format!("{base}/sign-in/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/sign-in?used");
    assert!(
        again
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("cla_session="))
    );
    (pair, line)
}

/// A page of the server at `base`, in English.
async fn get(base: &str, path: &str, cookie: &str) -> (u16, String) {
    get_at(base, path, cookie, "en").await
}

fn ca() -> Principal {
    Principal::new(
        "ca-1",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_behind_tls() {
    let server = TestServer::start().await;
    let (_, line) = session(&server.base, &server.config, ca()).await;
    assert!(line.contains("HttpOnly"), "{line}");
    assert!(line.contains("SameSite=Lax"), "{line}");
    assert!(line.contains("Path=/"), "{line}");
    assert!(line.contains(&format!("Max-Age={}", 12 * 3600)), "{line}");
    assert!(!line.contains("Secure"), "served over plain HTTP: {line}");
    assert!(
        !line.contains("Clémence") && !line.contains("MONUSCO"),
        "sealed: {line}"
    );
    server.stop().await;

    let tls =
        TestServer::start_with(|c| c.public_url = Some("https://cla.example.org".into())).await;
    let (_, line) = session(&tls.base, &tls.config, ca()).await;
    assert!(line.contains("; Secure"), "{line}");
    tls.stop().await;
}

#[tokio::test]
async fn a_form_posted_without_its_token_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let (cookie, _) = session(&server.base, &server.config, ca()).await;
    let (status, page) = get(&server.base, "/sign-in", &cookie).await;
    assert_eq!(status, 303, "signed in: the sign-in page sends you on");
    assert!(page.is_empty());
    let (_, home) = get(&server.base, "/missions/MONUSCO", &cookie).await;
    let token = csrf(&home);

    for (path, form) in [
        ("/sign-out", vec![]),
        ("/sign-out", vec![("csrf", "forged-token-forged")]),
        ("/language", vec![("lang", "fr"), ("back", "/")]),
        (
            "/language",
            vec![("lang", "fr"), ("back", "/"), ("csrf", "x")],
        ),
    ] {
        let response = client()
            .post(format!("{}{path}", server.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{path} {form:?}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "nothing written: {path}"
        );
        let text = response.text().await.unwrap();
        assert!(text.contains("Nothing was changed"), "{text}");
    }
    // Still signed in, still in English.
    let (status, page) = get(&server.base, "/missions/MONUSCO", &cookie).await;
    assert_eq!(status, 404, "no such mission yet, but signed in: {page}");
    assert!(page.contains("lang=\"en\""));

    // With the token: the language is set, and sign-out clears the session.
    let response = client()
        .post(format!("{}/language", server.base))
        .header("cookie", &cookie)
        .form(&[
            ("lang", "fr"),
            ("back", "//evil.example.org/"),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/",
        "never back to another site"
    );
    let lang = response.headers()["set-cookie"].to_str().unwrap();
    assert!(lang.starts_with("cla_lang=fr;"), "{lang}");
    let response = client()
        .post(format!("{}/sign-out", server.base))
        .header("cookie", &cookie)
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let cleared = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("cla_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_session_made_before_a_restart_is_valid_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        ..Config::default()
    };
    let first = cla_gateway::start(&config).await.unwrap();
    let base = format!("http://{}", first.addr);
    let admin = Principal::new("admin-1", "Ada Admin", &[Role::Admin], &[]);
    let (cookie, _) = session(&base, &config, admin).await;
    let (status, page) = get(&base, "/", &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ada Admin"), "{page}");
    first.stop().await;

    let second = cla_gateway::start(&config).await.unwrap();
    let base = format!("http://{}", second.addr);
    let (status, page) = get(&base, "/", &cookie).await;
    assert_eq!(status, 200, "the session survives the restart: {page}");
    assert!(page.contains("Ada Admin"), "{page}");
    // A session sealed with another key (another data directory) is no session.
    let other = tempfile::tempdir().unwrap();
    let stranger = cla_gateway::start(&Config {
        data_dir: other.path().to_path_buf(),
        ..config.clone()
    })
    .await
    .unwrap();
    let (status, _) = get(&format!("http://{}", stranger.addr), "/", &cookie).await;
    assert_eq!(status, 303, "to the sign-in page");
    stranger.stop().await;
    second.stop().await;
}

/// The demo world, one server for the tests that read it.
async fn demo_server() -> (TestServer, cla_gateway::demo::Summary) {
    let server = TestServer::start().await;
    let summary = server.load_demo().await.expect("an empty store");
    server.ready().await;
    (server, summary)
}

#[tokio::test]
async fn pages_read_without_javascript_refuse_other_missions_and_stay_within_budget() {
    let (server, summary) = demo_server().await;
    let monusco = summary
        .missions
        .iter()
        .find(|m| m.code == "MONUSCO")
        .unwrap();
    let (cookie, _) = session(&server.base, &server.config, ca()).await;

    // One mission: the home page sends straight to it.
    let (status, _) = get(&server.base, "/", &cookie).await;
    assert_eq!(status, 303);
    let (status, overview) = get(&server.base, "/missions/MONUSCO", &cookie).await;
    assert_eq!(status, 200, "{overview}");
    assert!(!overview.contains('⟦'), "every string from the catalogue");
    let figure = |page: &str, label: &str| -> usize {
        // <span class="n">N</span><span class="label">label</span>
        let at = page
            .find(&format!("<span class=\"label\">{label}</span>"))
            .unwrap_or_else(|| panic!("{label} in {page}"));
        let before = &page[..at];
        let n = before.rsplit("<span class=\"n\">").next().unwrap();
        n.trim_end_matches("</span>")
            .replace(',', "")
            .parse()
            .unwrap_or_else(|_| panic!("{label}: {n}"))
    };
    assert_eq!(
        figure(&overview, "bases below minimum") + figure(&overview, "bases empty"),
        monusco.below_minimum,
        "the demo's bases below minimum, empty ones among them"
    );
    assert_eq!(figure(&overview, "CLAs alone at a base"), monusco.lone);
    assert_eq!(
        figure(&overview, "appointments ending within 60 days"),
        monusco.appointments_ending
    );
    assert!(figure(&overview, "CLAs overdue to check in") >= monusco.stopped_checking_in);

    // Time travel, kept in the URL: the page answers for that date, and its links carry it on.
    let (status, past) = get(&server.base, "/missions/MONUSCO?asOf=2025-01-15", &cookie).await;
    assert_eq!(status, 200, "{past}");
    assert!(past.contains("MONUSCO on 15 Jan 2025"), "{past}");
    assert!(
        past.contains(
            "/missions/MONUSCO/board?status=below_minimum&amp;sort=shortfall&amp;asOf=2025-01-15"
        ),
        "{past}"
    );
    assert!(
        past.contains("value=\"2025-01-15\""),
        "the form shows the date"
    );
    let (status, known) = get(
        &server.base,
        "/missions/MONUSCO/board?knownAt=2020-01-01T00:00",
        &cookie,
    )
    .await;
    assert_eq!(status, 404, "nothing was known of MONUSCO then: {known}");
    let (status, bad) = get(
        &server.base,
        "/missions/MONUSCO?asOf=15%2F01%2F2025",
        &cookie,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad.contains("id=\"asOf-error\""),
        "the error beside its field: {bad}"
    );

    let (status, board) = get(
        &server.base,
        "/missions/MONUSCO/board?status=empty",
        &cookie,
    )
    .await;
    assert_eq!(status, 200);
    assert!(board.contains("✕"), "status by shape");
    assert!(!board.contains("status-ok"), "only empty bases");
    let (status, bad) = get(
        &server.base,
        "/missions/MONUSCO/board?status=nonsense",
        &cookie,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad.contains("id=\"status-error\""),
        "the error beside its field"
    );

    // The CSV, with the session: the export's columns.
    let (status, csv) = get(&server.base, "/missions/MONUSCO/board.csv", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("base_id,base,field_office_id,deployed,effective_strength"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), monusco.bases + 1);

    // Another mission: a refusal, in words, not an empty page; the same for one that is not.
    for path in [
        "/missions/MINUSCA",
        "/missions/MINUSCA/board",
        "/missions/MINUSCA/board.csv",
        "/missions/NOWHERE",
        "/missions/MINUSCA/lists/overdue",
    ] {
        let (status, page) = get(&server.base, path, &cookie).await;
        assert_eq!(status, 403, "{path}");
        assert!(page.contains("Not open to you"), "{path}: {page}");
        assert!(!page.contains("MINUSCA —"), "{path}");
    }
    // Signed out: to the sign-in page.
    let (status, _) = get(&server.base, "/missions/MONUSCO", "").await;
    assert_eq!(status, 303);

    // Bytes on the wire, compressed, with the page's assets.
    let wire = |path: String| {
        // The sign-in page is for those not signed in.
        let cookie = if path == "/sign-in" {
            String::new()
        } else {
            cookie.clone()
        };
        let base = server.base.clone();
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
                    .map(|v| v.to_str().unwrap()),
                Some("gzip"),
                "{path}"
            );
            response.bytes().await.unwrap().len()
        }
    };
    let assets: Vec<String> = overview
        .match_indices("/assets/")
        .map(|(i, _)| overview[i..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(assets.len(), 2, "a stylesheet and a script: {assets:?}");
    let mut asset_bytes = 0;
    for asset in &assets {
        asset_bytes += wire(asset.clone()).await;
    }
    for path in [
        "/missions/MONUSCO",
        "/missions/MONUSCO/board",
        "/missions/MONUSCO/board?status=below_minimum&sort=shortfall",
        "/missions/MONUSCO/lists/overdue",
        "/sign-in",
    ] {
        let page = wire(path.to_string()).await;
        let total = page + asset_bytes;
        println!(
            "bytes on the wire: {path}: page {page} + assets {asset_bytes} = {total} (budget 61440)"
        );
        assert!(total <= 60 * 1024, "{path}: {total} bytes");
    }
    server.stop().await;
}

#[tokio::test]
async fn an_incident_page_shows_what_its_reader_may_see_and_acknowledges_with_its_token() {
    let server = TestServer::start().await;
    let (_, base) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr_token = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let staff = cla_e2e::active_staff(&server, &hr_token, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Espérance Kavira\", gender: FEMALE, indexNumber: \"400001\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", serde_json::json!({ "b": base })).await;
    cla_e2e::deploy(&server, &ca_token, &staff, &base, &cla_e2e::day(-10)).await;
    server.ok(&ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", serde_json::json!({})).await;
    server.ok(&ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", serde_json::json!({})).await;
    server.ok(&ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", serde_json::json!({ "s": staff })).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let id = loop {
        let data = server
            .ok(
                &ca_token,
                "{ incidents(missionCode: \"MONUSCO\") { id step } }",
                serde_json::json!({}),
            )
            .await;
        if let Some(i) = data["incidents"].as_array().and_then(|a| a.first())
            && i["step"] == 1
        {
            break i["id"].as_str().unwrap().to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no incident: {data}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let path = format!("/incidents/{id}");
    let (ca, _) = session(&server.base, &server.config, ca()).await;
    let (status, page) = get(&server.base, &path, &ca).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Under threat (DANGER)") && page.contains("Espérance Kavira"),
        "{page}"
    );
    assert!(
        page.contains("not reachable: JOC"),
        "no email channel configured: {page}"
    );
    let hr = Principal::new("hr-1", "Honoré RH", &[Role::MissionHr], &["MONUSCO"]);
    let (hr, _) = session(&server.base, &server.config, hr).await;
    let (status, page) = get(&server.base, &path, &hr).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Kavira") && !page.contains("DANGER"),
        "MISSION_HR: no detail: {page}"
    );
    let away = Principal::new("ca-2", "Ailleurs", &[Role::CivilAffairs], &["MINUSCA"]);
    let (away, _) = session(&server.base, &server.config, away).await;
    let (status, _) = get(&server.base, &path, &away).await;
    assert_eq!(status, 404, "another mission's incident is as none");
    // Acknowledging needs the form's token.
    let post = |cookie: String, form: Vec<(&'static str, String)>| {
        let url = format!("{}{path}/acknowledge", server.base);
        async move {
            client()
                .post(url)
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(ca.clone(), vec![]).await, 403);
    let (_, page) = get(&server.base, &path, &ca).await;
    assert_eq!(post(ca.clone(), vec![("csrf", csrf(&page))]).await, 303);
    let (_, page) = get(&server.base, &path, &ca).await;
    assert!(
        page.contains("Acknowledged") && page.contains("Clémence Affaires"),
        "{page}"
    );
    server.stop().await;
}
