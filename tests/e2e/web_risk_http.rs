//! The risk register and a flag's page over plain HTTP (no JavaScript), on the real server with
//! the demo loaded: an HQ reviewer reads counts only, the small cells withheld exactly as the risk
//! context answers them, and no flag; a civil affairs officer raises a flag and works it
//! (escalates, mitigates, reviews, closes); each refusal — no token, no category, no reason, no
//! mitigation, no resolution, a closed flag — says why beside its field and writes nothing (the
//! store's head is the same); another mission's register and flags are refused; French; every
//! page within 60 KB on the wire with its assets.

mod web_client;

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use serde_json::{Value, json};
use web_client::*;

fn ca() -> Principal {
    Principal::new(
        "ca-beni",
        "Béatrice Manager",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

fn hq() -> Principal {
    Principal::new("hq-1", "Hana Reviewer", &[Role::HqReviewer], &[])
}

async fn head(server: &TestServer) -> Option<cla_event_store::Position> {
    server.written_head().await
}

const COUNTS: &str =
    "open withheld overdueReviews byBase { placeId withheld } byFieldOffice { placeId withheld }";

/// The register as the risk context answers it over GraphQL to `token` (the flags only where
/// `flags`: a counts-only reader is refused them).
async fn register_of(server: &TestServer, token: &str, mission: &str, flags: bool) -> Value {
    let flags = if flags {
        "flags(first: 100) { totalCount nodes { id staffId notes } }"
    } else {
        ""
    };
    let query =
        format!("query($m: String!) {{ riskRegister(missionCode: $m) {{ {COUNTS} {flags} }} }}");
    server.ok(token, &query, json!({ "m": mission })).await["riskRegister"].clone()
}

fn withheld_places(register: &Value, places: &str) -> Vec<String> {
    register[places]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["withheld"] == json!(true))
        .map(|p| p["placeId"].as_str().unwrap().to_string())
        .collect()
}

/// The register with its flags, to a reader who sees them.
async fn register(server: &TestServer, token: &str, mission: &str) -> Value {
    register_of(server, token, mission, true).await
}

/// A page's size on the wire with the assets it links to.
async fn with_assets(server: &TestServer, path: &str, cookie: &str) -> usize {
    let (_, page) = get(server, path, cookie).await;
    let mut total = wire(server, path, cookie).await;
    for (i, _) in page.match_indices("/assets/") {
        let asset = page[i..].split('"').next().unwrap();
        total += wire(server, asset, cookie).await;
    }
    println!("bytes on the wire: {path}: {total} with its assets (budget 61440)");
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hq_reviewer_reads_counts_only_with_small_cells_withheld_and_other_missions_are_refused()
{
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let admin = server.admin();
    let hq_token = server.token(Role::HqReviewer, &[]);
    let hq = session(&server, hq()).await;

    // MINUSCA: many CLAs alone at their base, so many cells withheld from a counts-only reader.
    let answer = register_of(&server, &hq_token, "MINUSCA", false).await;
    let all = register(&server, &admin, "MINUSCA").await;
    let withheld_bases = withheld_places(&answer, "byBase");
    assert!(!withheld_bases.is_empty(), "small cells withheld: {answer}");
    let flags = all["flags"]["nodes"].as_array().unwrap().clone();
    assert!(!flags.is_empty(), "the demo's MINUSCA flags: {all}");

    let (status, page) = get(&server, "/missions/MINUSCA/risk", &hq).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Risk register — MINUSCA"), "{page}");
    let by_base = section(&page, "id=\"risk-by-base\"", "</table>");
    assert_eq!(
        by_base.matches("class=\"withheld\"").count(),
        withheld_bases.len(),
        "each withheld base says so, and only those: {by_base}"
    );
    let by_office = section(&page, "id=\"risk-by-office\"", "</table>");
    assert_eq!(
        by_office.matches("class=\"withheld\"").count(),
        withheld_places(&answer, "byFieldOffice").len(),
        "{by_office}"
    );
    if answer["withheld"] == json!(false) {
        let figures = section(&page, "id=\"risk-figures\"", "</ul>");
        assert!(
            figures.contains(&format!(
                "<span class=\"n\">{}</span>",
                answer["open"].as_u64().unwrap()
            )),
            "the open count as answered: {figures}"
        );
    }
    assert!(page.contains("id=\"risk-counts-only\""), "{page}");
    assert!(!page.contains("id=\"risk-raise\""), "no raise form for HQ");
    assert!(!page.contains("/missions/MINUSCA/risk/"), "no flag linked");
    for f in &flags {
        for secret in [&f["staffId"], &f["notes"], &f["id"]] {
            let secret = secret.as_str().unwrap();
            assert!(!page.contains(secret), "no {secret} for HQ");
        }
    }
    // French, the same counts.
    let (status, french) = get_in(&server, "/missions/MINUSCA/risk", &hq, "fr").await;
    assert_eq!(status, 200);
    assert!(
        french.contains("Registre des risques — MINUSCA"),
        "{french}"
    );
    let by_base = section(&french, "id=\"risk-by-base\"", "</table>");
    assert_eq!(
        by_base.matches("non communiqué").count(),
        withheld_bases.len()
    );

    // A flag's page and every form: refused to HQ, nothing written.
    let flag = flags[0]["id"].as_str().unwrap();
    let (status, _) = get(&server, &format!("/missions/MINUSCA/risk/{flag}"), &hq).await;
    assert_eq!(status, 403);
    let (_, any) = get(&server, "/missions/MINUSCA", &hq).await;
    let token = csrf(&any);
    let before = head(&server).await;
    let staff = flags[0]["staffId"].as_str().unwrap();
    let (status, _, _) = post(
        &server,
        "/missions/MINUSCA/risk",
        &hq,
        &[
            ("csrf", &token),
            ("staffId", staff),
            ("category", "other"),
            ("severity", "low"),
        ],
    )
    .await;
    assert_eq!(status, 403, "HQ raises nothing");
    let (status, _, _) = post(
        &server,
        &format!("/missions/MINUSCA/risk/{flag}/close"),
        &hq,
        &[("csrf", &token), ("resolution", "done")],
    )
    .await;
    assert_eq!(status, 403, "HQ closes nothing");
    assert_eq!(head(&server).await, before, "nothing written");

    // Civil affairs of MONUSCO: MINUSCA's register and flags are another mission's.
    let ca = session(&server, ca()).await;
    let (status, _) = get(&server, "/missions/MINUSCA/risk", &ca).await;
    assert_eq!(status, 403);
    let (status, _) = get(&server, &format!("/missions/MINUSCA/risk/{flag}"), &ca).await;
    assert_eq!(status, 403);
    let (status, _) = get(&server, &format!("/missions/MONUSCO/risk/{flag}"), &ca).await;
    assert_eq!(
        status, 403,
        "another mission's flag under this mission's path"
    );
    let (_, own) = get(&server, "/missions/MONUSCO/risk", &ca).await;
    let token = csrf(&own);
    let (status, _, _) = post(
        &server,
        &format!("/missions/MONUSCO/risk/{flag}/review"),
        &ca,
        &[("csrf", &token), ("notes", "seen")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = post(
        &server,
        "/missions/MINUSCA/risk",
        &ca,
        &[
            ("csrf", &token),
            ("staffId", staff),
            ("category", "other"),
            ("severity", "low"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(head(&server).await, before, "nothing written");

    // Within the budget on the wire.
    for (path, cookie) in [
        ("/missions/MINUSCA/risk", &hq),
        ("/missions/MONUSCO/risk", &ca),
    ] {
        let total = with_assets(&server, path, cookie).await;
        assert!(total <= 60 * 1024, "{path}: {total} bytes");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_civil_affairs_officer_raises_and_works_a_flag_and_each_refusal_writes_nothing() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let admin = server.admin();
    let ca = session(&server, ca()).await;
    let all = register(&server, &admin, "MONUSCO").await;
    let open = all["open"].as_u64().unwrap();
    assert!(open > 0, "the demo's MONUSCO flags: {all}");

    // The register: every open flag listed, linked, with the raise form.
    let (status, page) = get(&server, "/missions/MONUSCO/risk", &ca).await;
    assert_eq!(status, 200, "{page}");
    for f in all["flags"]["nodes"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(
            page.contains(&format!("/missions/MONUSCO/risk/{id}")),
            "{id} listed"
        );
    }
    assert!(page.contains("id=\"risk-raise-form\""));
    let staff = section(&page, "id=\"raise-staffId\"", "</select>")
        .split("<option value=\"")
        .skip(1)
        .map(|o| o.split('"').next().unwrap())
        .find(|v| !v.is_empty())
        .expect("a CLA to choose")
        .to_string();
    assert!(!staff.is_empty(), "a CLA to choose");
    let token = csrf(&page);
    let before = head(&server).await;

    // Without its token: refused, nothing written.
    let (status, _, _) = post(
        &server,
        "/missions/MONUSCO/risk",
        &ca,
        &[
            ("staffId", staff.as_str()),
            ("category", "threat-received"),
            ("severity", "high"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // Without a category: the form again, as filled, the refusal beside the field.
    let (status, _, refused) = post(
        &server,
        "/missions/MONUSCO/risk",
        &ca,
        &[
            ("csrf", &token),
            ("staffId", &staff),
            ("category", ""),
            ("severity", "high"),
            ("notes", "Calls at night"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "raise-category-error"),
        "Choose the flag’s category."
    );
    assert!(
        refused.contains(">Calls at night</textarea>"),
        "kept as filled"
    );
    assert!(refused.contains(&format!("<option value=\"{staff}\" selected>")));
    assert_eq!(head(&server).await, before, "nothing written");

    // Raised: off to its page.
    let (status, location, _) = post(
        &server,
        "/missions/MONUSCO/risk",
        &ca,
        &[
            ("csrf", &token),
            ("staffId", &staff),
            ("category", "threat-received"),
            ("severity", "high"),
            ("notes", "Calls at night"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/missions/MONUSCO/risk/") && location.ends_with("?done=raised"),
        "{location}"
    );
    let flag_path = location.split('?').next().unwrap().to_string();
    let (status, page) = get(&server, &location, &ca).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The flag is raised."));
    assert_eq!(
        beside(&page, "risk-severity"),
        "<span class=\"risk-sev risk-sev-high\">High"
    );
    assert!(beside(&page, "risk-notes").contains("Calls at night"));
    let after_raise = register(&server, &admin, "MONUSCO").await;
    assert_eq!(after_raise["open"].as_u64().unwrap(), open + 1);

    // Each form refused without what it needs: beside its field, nothing written.
    let before = head(&server).await;
    for (form, fields, id, words) in [
        (
            "severity",
            vec![("severity", "critical"), ("reason", "")],
            "severity-reason-error",
            "Say why the severity changes.",
        ),
        (
            "severity",
            vec![("severity", ""), ("reason", "worse")],
            "severity-severity-error",
            "Choose a severity.",
        ),
        (
            "mitigation",
            vec![("action", ""), ("notes", "a phone")],
            "mitigation-action-error",
            "Choose the mitigation.",
        ),
        (
            "close",
            vec![("resolution", " ")],
            "close-resolution-error",
            "Say how the flag was resolved.",
        ),
    ] {
        let mut sent = vec![("csrf", token.as_str())];
        sent.extend(fields);
        let (status, _, page) = post(&server, &format!("{flag_path}/{form}"), &ca, &sent).await;
        assert_eq!(status, 400, "{form}: {page}");
        assert_eq!(beside(&page, id), words, "{form}");
        assert!(page.contains(&format!("id=\"risk-{form}-form-refused\"")));
        assert_eq!(head(&server).await, before, "{form}: nothing written");
    }
    // In French, beside the field too (the language cookie).
    let (status, _, page) = post(
        &server,
        &format!("{flag_path}/severity"),
        &format!("{ca}; cla_lang=fr"),
        &[("csrf", &token), ("severity", "critical"), ("reason", "")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "severity-reason-error"),
        "Dites pourquoi la gravité change."
    );
    assert_eq!(head(&server).await, before);

    // Escalated, mitigated, reviewed, closed: each shown on the flag's page.
    for (form, fields, done) in [
        (
            "severity",
            vec![("severity", "critical"), ("reason", "A second call")],
            "The severity is changed.",
        ),
        (
            "mitigation",
            vec![
                ("action", "communication-means"),
                ("notes", "A satellite phone"),
            ],
            "The mitigation is added.",
        ),
        (
            "review",
            vec![("notes", "Calls have stopped")],
            "The review is recorded.",
        ),
        (
            "close",
            vec![("resolution", "Relocated; no further calls")],
            "The flag is closed.",
        ),
    ] {
        let mut sent = vec![("csrf", token.as_str())];
        sent.extend(fields);
        let (status, location, page) =
            post(&server, &format!("{flag_path}/{form}"), &ca, &sent).await;
        assert_eq!(status, 303, "{form}: {page}");
        assert_eq!(location, format!("{flag_path}?done={form}"));
        let (_, page) = get(&server, &location, &ca).await;
        assert!(page.contains(done), "{form}: {page}");
    }
    let (_, page) = get(&server, &flag_path, &ca).await;
    assert_eq!(beside(&page, "risk-status"), "closed");
    assert_eq!(
        beside(&page, "risk-resolution"),
        "Relocated; no further calls"
    );
    assert!(section(&page, "id=\"risk-mitigations\"", "</ul>").contains("A satellite phone"));
    assert!(section(&page, "id=\"risk-reviews\"", "</ul>").contains("ca-beni"));
    let timeline = section(&page, "id=\"risk-timeline\"", "</ol>");
    for event in [
        "Flag raised",
        "Severity changed",
        "Mitigation added",
        "Reviewed",
        "Closed",
    ] {
        assert!(timeline.contains(event), "{event} in {timeline}");
    }
    assert!(
        timeline.contains("by ca-beni ("),
        "who, by id and role: {timeline}"
    );
    assert!(
        !page.contains("id=\"risk-work\""),
        "no form on a closed flag"
    );
    let total = with_assets(&server, &flag_path, &ca).await;
    assert!(total <= 60 * 1024, "{flag_path}: {total} bytes");
    // Closed: it cannot change, and nothing is written.
    let before = head(&server).await;
    let (status, _, page) = post(
        &server,
        &format!("{flag_path}/review"),
        &ca,
        &[("csrf", &token), ("notes", "again")],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        section(&page, "id=\"risk-refused\"", "</div>").contains("This flag is closed"),
        "{page}"
    );
    assert_eq!(head(&server).await, before);
    let after = register(&server, &admin, "MONUSCO").await;
    assert_eq!(
        after["open"].as_u64().unwrap(),
        open,
        "closed: no longer open"
    );
    server.stop().await;
}
