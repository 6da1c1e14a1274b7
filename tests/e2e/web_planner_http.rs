//! The rotation planner over plain HTTP (no JavaScript), on the real server with the demo loaded:
//! the calendar shows planned, overdue, completed and cancelled rotations, each in words, with
//! links to the CLA and the bases; the preview of a rotation shows both bases with and without it
//! and the gap it would open in words, writing nothing; its refusals come back in words beside
//! their field, nothing written; confirming plans it; readers who may not plan are refused the
//! form, another mission's readers the calendar too; French; every page within the wire budget.

mod web_client;

mod actions_support;

use actions_support::{BaseOfTwo, base_of_two, board, planned_rotations};
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use serde_json::json;
use web_client::*;

fn days(n: i64) -> chrono::NaiveDate {
    days_from_today(n)
}

fn today() -> chrono::NaiveDate {
    days(0)
}

/// Plans a rotation through GraphQL, as the admin: its id.
async fn plan(
    server: &TestServer,
    staff: &str,
    from: &str,
    to: &str,
    on: chrono::NaiveDate,
) -> String {
    let data = server
        .ok(
            &server.admin(),
            "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { rotation { id } } }",
            json!({ "s": staff, "f": from, "t": to, "d": on.to_string() }),
        )
        .await;
    data["planRotation"]["rotation"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The calendar's list item of a CLA's rotation: from their profile link to the item's end.
fn item<'a>(page: &'a str, staff: &str) -> &'a str {
    section(page, &format!("/staff/{staff}\""), "</li>")
}

/// A POST's body on the wire, gzip-compressed as a browser asks for it.
async fn posted_wire(
    server: &TestServer,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> usize {
    let response = client()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("accept-encoding", "gzip")
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.bytes().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planner_shows_every_state_previews_both_bases_writing_nothing_and_plans_on_confirming()
{
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let BaseOfTwo {
        id: base_id,
        name: base_name,
        leaving,
        staying,
        other,
    } = base_of_two(&server).await;
    let cookie = session(&server, mission_manager()).await;

    // Rotations in each state, from the larger base (whose CLAs can go): one overdue, one
    // completed, one cancelled; the fourth, planned, comes from the planner below.
    let rows = board(&server).await;
    let others: Vec<String> = rows.iter().find(|r| r["baseId"] == other.as_str()).unwrap()["clas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["staffId"].as_str().unwrap().to_string())
        .collect();
    let free: Vec<String> = {
        let mut free = Vec::new();
        for s in others {
            if planned_rotations(&server, &s).await.is_empty() {
                free.push(s);
            }
        }
        free
    };
    assert!(
        free.len() >= 3,
        "three CLAs at {other} with no rotation planned"
    );
    let (late, done, called_off) = (&free[0], &free[1], &free[2]);
    // To a third base: the base of two stays two.
    let third = rows
        .iter()
        .map(|r| r["baseId"].as_str().unwrap().to_string())
        .find(|b| *b != base_id && *b != other)
        .expect("a third base");
    plan(&server, late, &other, &third, days(-3)).await;
    let completed = plan(&server, done, &other, &third, days(-2)).await;
    server
        .ok(
            &server.admin(),
            "mutation($r: String!, $d: Date) { completeRotation(rotationId: $r, on: $d, acceptGap: \"the test's\") { baseId } }",
            json!({ "r": completed, "d": days(-2).to_string() }),
        )
        .await;
    let cancelled = plan(&server, called_off, &other, &third, days(10)).await;
    server
        .ok(
            &server.admin(),
            "mutation($r: String!) { cancelRotation(rotationId: $r, reason: \"not needed\") { baseId } }",
            json!({ "r": cancelled }),
        )
        .await;

    // The planner's form, and the preview of moving one of the two: both bases, the gap in words.
    let plan_path = "/missions/MONUSCO/rotations/plan";
    let (status, form) = get(&server, plan_path, &cookie).await;
    assert_eq!(status, 200, "{form}");
    for field in ["staffId", "toBaseId", "date"] {
        assert!(form.contains(&format!("<label for=\"{field}\"")), "{field}");
    }
    let token = csrf(&form);
    let on = days(20).to_string();
    let before = store_head(&server).await;
    let considered = [
        ("csrf", token.as_str()),
        ("staffId", leaving.as_str()),
        ("toBaseId", other.as_str()),
        ("date", on.as_str()),
    ];
    let (status, _, page) = post(&server, plan_path, &cookie, &considered).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        store_head(&server).await,
        before,
        "the preview writes nothing"
    );
    let gap = section(&page, "id=\"preview-gap\"", "</div>");
    assert!(
        gap.contains(&escaped(&format!(
            "This would leave {base_name} with 1 CLA on {} (minimum 2).",
            english_date(days(20))
        ))),
        "{gap}"
    );
    for id in [
        "origin-without",
        "origin-with",
        "destination-without",
        "destination-with",
    ] {
        assert!(
            page.contains(&format!("<title id=\"{id}-title\">")),
            "the chart {id}"
        );
    }
    let origin = section(&page, "id=\"origin\"", "</section>");
    assert!(
        origin.contains(&escaped(&base_name)),
        "the origin is the CLA's base"
    );
    assert!(
        origin.contains("<td class=\"num\">1</td>"),
        "one left with the move"
    );
    assert!(
        page.contains(&format!("<option value=\"{leaving}\" selected>")),
        "kept as filled"
    );
    let preview_bytes = posted_wire(&server, plan_path, &cookie, &considered).await;
    println!("bytes on the wire: the preview: {preview_bytes} (budget 61440)");
    assert!(preview_bytes <= 60 * 1024);

    // Refusals in words, beside their field, nothing written.
    for (to, date, field, words) in [
        (
            base_id.as_str(),
            on.as_str(),
            "toBaseId-error",
            "A rotation goes to another base.",
        ),
        (other.as_str(), "31/12/2026x", "date-error", "Enter a date"),
        ("", on.as_str(), "toBaseId-error", "Choose one"),
    ] {
        let (status, _, page) = post(
            &server,
            plan_path,
            &cookie,
            &[
                ("csrf", &token),
                ("staffId", &leaving),
                ("toBaseId", to),
                ("date", date),
            ],
        )
        .await;
        assert_eq!(status, 400, "{page}");
        assert!(beside(&page, field).contains(words), "{field}: {page}");
        assert!(
            !page.contains("id=\"rotation-preview\""),
            "no preview of a refused move"
        );
    }
    let (status, _, _) = post(&server, plan_path, &cookie, &considered[1..]).await;
    assert_eq!(status, 403, "without its token");
    assert_eq!(
        store_head(&server).await,
        before,
        "nothing written by a refusal"
    );

    // Confirming plans it, through the staffing action.
    let confirm = section(&page, "id=\"confirm\"", "</form>");
    assert!(confirm.contains("action=\"/missions/MONUSCO/actions/plan-rotation\""));
    let (status, location, _) = post(
        &server,
        "/missions/MONUSCO/actions/plan-rotation",
        &cookie,
        &considered,
    )
    .await;
    assert_eq!(status, 303, "planned");
    assert!(location.contains("done=plan-rotation"), "{location}");
    assert_eq!(planned_rotations(&server, &leaving).await.len(), 1);

    // The calendar: every state in words, a table with its headers, links to the CLA and bases.
    let range = format!(
        "/missions/MONUSCO/rotations?from={}&to={}",
        days(-30),
        days(60)
    );
    let (status, page) = get(&server, &range, &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<th scope=\"col\">Monday</th>"));
    assert!(page.contains("<th scope=\"row\">Week of "));
    for (staff, word) in [
        (leaving.as_str(), "Planned".to_string()),
        (late.as_str(), "Overdue".to_string()),
        (
            done.as_str(),
            format!("Completed on {}", english_date(days(-2))),
        ),
        (called_off.as_str(), "Cancelled".to_string()),
    ] {
        let it = item(&page, staff);
        assert!(it.contains(&word), "{staff} {word}: {it}");
        assert!(
            it.contains(&format!("/missions/MONUSCO/bases/{other}\"")),
            "{it}"
        );
    }
    // By default: this month and the next two.
    let (_, default) = get(&server, "/missions/MONUSCO/rotations", &cookie).await;
    assert!(
        item(&default, &leaving).contains("Planned"),
        "20 days ahead is within it"
    );
    let total = wire(&server, &range, &cookie).await;
    println!("bytes on the wire: the calendar: {total} (budget 61440)");
    assert!(total <= 60 * 1024);

    // A range that cannot be read, or ends before it starts: beside its field, 400.
    let (status, page) = get(&server, "/missions/MONUSCO/rotations?from=soon", &cookie).await;
    assert_eq!(status, 400);
    assert!(
        beside(&page, "from-error").contains("Enter a date"),
        "{page}"
    );
    let backwards = format!(
        "/missions/MONUSCO/rotations?from={}&to={}",
        days(5),
        days(1)
    );
    let (status, page) = get(&server, &backwards, &cookie).await;
    assert_eq!(status, 400);
    assert!(
        beside(&page, "to-error").contains("ends on or after"),
        "{page}"
    );

    // In French.
    let (status, page) = get_in(&server, &range, &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("<th scope=\"col\">Lundi</th>"));
    assert!(item(&page, called_off).contains("Annulée"));
    assert!(item(&page, done).contains(&format!("Effectuée le {}", days(-2).format("%d/%m/%Y"))));

    // Another mission's reader: refused. The mission's HR reads the calendar, may not plan.
    let outsider = session(
        &server,
        Principal::new("ca-bangui", "Other", &[Role::CivilAffairs], &["MINUSCA"]),
    )
    .await;
    for path in [range.as_str(), plan_path] {
        let (status, page) = get(&server, path, &outsider).await;
        assert_eq!(status, 403, "{path}");
        assert!(!page.contains(&escaped(&base_name)), "nothing of MONUSCO");
    }
    let hr = session(
        &server,
        Principal::new("hr-goma", "HR", &[Role::MissionHr], &["MONUSCO"]),
    )
    .await;
    let (status, page) = get(&server, &range, &hr).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("/rotations/plan\""),
        "no link to a form they may not use"
    );
    let (status, page) = get(&server, plan_path, &hr).await;
    assert_eq!(status, 403);
    let (_, with_token) = get(&server, &range, &hr).await;
    let hr_token = csrf(&with_token);
    let before = store_head(&server).await;
    let (status, _, _) = post(
        &server,
        plan_path,
        &hr,
        &[
            ("csrf", &hr_token),
            ("staffId", &staying),
            ("toBaseId", &other),
            ("date", &on),
        ],
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert_eq!(store_head(&server).await, before, "nothing written");
}

/// The mission's management coverage through GraphQL, as the admin.
async fn coverage(server: &TestServer) -> serde_json::Value {
    server
        .ok(
            &server.admin(),
            "query { managementCoverage(missionCode: \"MONUSCO\") { mission { unsupervised notVisited { baseId name } } byFieldOffice { placeId unsupervised spans { managerId name span } notVisited { baseId name } } } }",
            json!({}),
        )
        .await["managementCoverage"]
        .clone()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_coverage_changes_when_a_supervisor_is_assigned_and_a_visit_recorded() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let cookie = session(&server, mission_manager()).await;
    let page_path = "/missions/MONUSCO/supervision";

    // An office with a manager and a deployed CLA nobody supervises (one made so if none is).
    let mut c = coverage(&server).await;
    if strings(&c["mission"]["unsupervised"]).is_empty() {
        let staff = board(&server)
            .await
            .iter()
            .flat_map(|b| b["clas"].as_array().unwrap().clone())
            .map(|c| c["staffId"].as_str().unwrap().to_string())
            .next()
            .unwrap();
        server
            .ok(
                &server.admin(),
                "mutation($s: String!, $d: Date) { endSupervision(staffId: $s, on: $d) { asOf } }",
                json!({ "s": staff, "d": today().to_string() }),
            )
            .await;
        c = coverage(&server).await;
    }
    let office = c["byFieldOffice"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            !o["spans"].as_array().unwrap().is_empty()
                && !o["unsupervised"].as_array().unwrap().is_empty()
        })
        .expect("an office with a manager and an unsupervised CLA")
        .clone();
    let staff = strings(&office["unsupervised"])[0].clone();
    let manager_id = office["spans"][0]["managerId"]
        .as_str()
        .unwrap()
        .to_string();
    let span_before = office["spans"][0]["span"].as_u64().unwrap();

    let (status, page) = get(&server, page_path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    let unsupervised_before = c["mission"]["unsupervised"].as_array().unwrap().len();
    let office_html = section(
        &page,
        &format!("id=\"office-{}\"", office["placeId"].as_str().unwrap()),
        "</section>",
    )
    .to_string();
    assert!(
        office_html.contains(&format!("/staff/{staff}\"")),
        "listed unsupervised"
    );
    assert!(page.contains("<th class=\"num\" scope=\"col\">CLAs supervised</th>"));
    let total = wire(&server, page_path, &cookie).await;
    println!("bytes on the wire: the supervision page: {total} (budget 61440)");
    assert!(total <= 60 * 1024);
    let token = csrf(&page);

    // Refusals in words beside their field, nothing written.
    let before = store_head(&server).await;
    let base = c["mission"]["notVisited"][0]["baseId"]
        .as_str()
        .expect("a base not visited within the interval")
        .to_string();
    let (from, to) = (days(-2).to_string(), days(-3).to_string());
    for (form, field, words) in [
        (
            vec![("visitTo", to.as_str()), ("purpose", "community meeting")],
            "visitTo-error",
            "A visit ends on or after the day it starts.",
        ),
        (
            vec![("visitTo", from.as_str()), ("purpose", "")],
            "purpose-error",
            "Say what the visit was for.",
        ),
    ] {
        let mut posted = vec![
            ("csrf", token.as_str()),
            ("visitManagerId", manager_id.as_str()),
            ("baseId", base.as_str()),
            ("visitFrom", from.as_str()),
        ];
        posted.extend(form);
        let (status, _, page) = post(
            &server,
            "/missions/MONUSCO/supervision/visit",
            &cookie,
            &posted,
        )
        .await;
        assert_eq!(status, 400, "{page}");
        assert_eq!(beside(&page, field), words, "{page}");
        assert!(page.contains("value=\"community meeting\"") || field == "purpose-error");
    }
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/supervision/assign",
        &cookie,
        &[
            ("csrf", &token),
            ("managerId", &manager_id),
            ("staffId", ""),
            ("from", "soon"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(beside(&page, "staffId-error").contains("Choose one"));
    assert!(beside(&page, "from-error").contains("Enter a date"));
    assert_eq!(
        store_head(&server).await,
        before,
        "nothing written by a refusal"
    );

    // Readers who may not change the management: no forms, refused on POST; another mission's
    // reader refused the page.
    let hr = session(
        &server,
        Principal::new("hr-goma", "HR", &[Role::MissionHr], &["MONUSCO"]),
    )
    .await;
    let (status, page) = get(&server, page_path, &hr).await;
    assert_eq!(status, 200);
    assert!(!page.contains("id=\"assign\""), "no form for HR");
    let hr_token = csrf(&page);
    let (status, _, _) = post(
        &server,
        "/missions/MONUSCO/supervision/assign",
        &hr,
        &[
            ("csrf", &hr_token),
            ("managerId", &manager_id),
            ("staffId", &staff),
            ("from", &today().to_string()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(store_head(&server).await, before, "nothing written");
    let outsider = session(
        &server,
        Principal::new("ca-bangui", "Other", &[Role::CivilAffairs], &["MINUSCA"]),
    )
    .await;
    assert_eq!(get(&server, page_path, &outsider).await.0, 403);

    // Assign the supervisor and record the visit: the coverage changes.
    let (status, location, _) = post(
        &server,
        "/missions/MONUSCO/supervision/assign",
        &cookie,
        &[
            ("csrf", &token),
            ("managerId", &manager_id),
            ("staffId", &staff),
            ("from", &today().to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/missions/MONUSCO/supervision?done=assign");
    let (status, location, _) = post(
        &server,
        "/missions/MONUSCO/supervision/visit",
        &cookie,
        &[
            ("csrf", &token),
            ("visitManagerId", &manager_id),
            ("baseId", &base),
            ("visitFrom", &days(-1).to_string()),
            ("visitTo", &today().to_string()),
            ("purpose", "community meeting"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(page.contains("The field visit is recorded."));
    let office_html = section(
        &page,
        &format!("id=\"office-{}\"", office["placeId"].as_str().unwrap()),
        "</section>",
    );
    assert!(
        !office_html.contains(&format!("/staff/{staff}\"")),
        "supervised now"
    );
    assert!(
        !section(&page, "class=\"supervision-not-visited\"", "</main>")
            .contains(&format!("/bases/{base}\"")),
        "visited now"
    );
    let after = coverage(&server).await;
    assert_eq!(
        after["mission"]["unsupervised"].as_array().unwrap().len(),
        unsupervised_before - 1
    );
    let span_after = after["byFieldOffice"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["spans"].as_array().unwrap().clone())
        .find(|s| s["managerId"] == manager_id.as_str())
        .unwrap()["span"]
        .as_u64()
        .unwrap();
    assert_eq!(span_after, span_before + 1, "one more CLA for the manager");
    assert!(page.contains(&format!("<td class=\"num\">{span_after}</td>")));

    // In French, as of another day.
    let (status, page) = get_in(
        &server,
        &format!("{page_path}?asOf={}", days(-5)),
        &cookie,
        "fr",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\">") && page.contains("CLA encadrés"));
    assert!(
        page.contains(&format!("au {}", days(-5).format("%d/%m/%Y"))),
        "as of then"
    );
}
