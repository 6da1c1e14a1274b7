//! The field channels' screens over plain HTTP (no JavaScript): the real server, sessions made
//! through one-time sign-in links. The incidents list: those under way before those resolved,
//! each linking to its page, its status in words; what happened withheld from HR; refused to
//! another mission's reader and to a reader who does not answer incidents; French; the wire.

mod web_client;

use std::time::{Duration, Instant};

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
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

fn hr() -> Principal {
    Principal::new(
        "hr-1",
        "Henriette Ressources",
        &[Role::MissionHr],
        &["MONUSCO"],
    )
}

/// A mission with one base, two CLAs deployed there, and a procedure for UNDER_THREAT.
struct World {
    server: TestServer,
    staff: Vec<String>,
    ca_token: String,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let (_, base) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let mut staff = Vec::new();
    for (i, name) in ["Espérance Kavira", "Jean-Paul Mumbere"].iter().enumerate() {
        let id = cla_e2e::active_staff(&server, &hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": format!("41000{i}") })).await;
        cla_e2e::deploy(&server, &ca_token, &id, &base, &cla_e2e::day(-10)).await;
        staff.push(id);
    }
    server.ok(&ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", json!({})).await;
    server.ok(&ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", json!({})).await;
    World {
        server,
        staff,
        ca_token,
    }
}

/// The CLA checks in with DANGER; the incident it opens, waited for (with a deadline).
async fn danger(w: &World, staff: &str) -> String {
    let known: Vec<String> = incident_ids(w).await;
    w.server.ok(&w.ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", json!({ "s": staff })).await;
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(id) = incident_ids(w)
            .await
            .into_iter()
            .find(|i| !known.contains(i))
        {
            return id;
        }
        assert!(Instant::now() < until, "no incident opened for {staff}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn incident_ids(w: &World) -> Vec<String> {
    let data = w
        .server
        .ok(
            &w.ca_token,
            "{ incidents(missionCode: \"MONUSCO\") { id } }",
            json!({}),
        )
        .await;
    data["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_incidents_list_shows_those_under_way_first_in_words_and_withholds_what_from_hr() {
    let w = world().await;
    let server = &w.server;
    let cookie = session(server, ca()).await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No incident under way."), "{page}");
    assert!(page.contains("No incident resolved."), "{page}");
    assert!(
        page.contains("href=\"/missions/MONUSCO/incidents\""),
        "in the navigation: {page}"
    );

    let first = danger(&w, &w.staff[0]).await;
    server.ok(&w.ca_token, "mutation($i: ID!) { resolveIncident(incidentId: $i, outcome: \"Moved to the base\") { id } }", json!({ "i": first })).await;
    let second = danger(&w, &w.staff[1]).await;

    let (status, page) = get(server, "/missions/MONUSCO/incidents", &cookie).await;
    assert_eq!(status, 200, "{page}");
    let open = section(&page, "id=\"incidents-open\"", "</table>");
    let resolved = section(&page, "id=\"incidents-resolved\"", "</table>");
    assert!(
        page.find("id=\"incidents-open\"") < page.find("id=\"incidents-resolved\""),
        "under way first"
    );
    assert!(
        open.contains(&format!("href=\"/incidents/{second}\"")),
        "{open}"
    );
    assert!(!open.contains(&first), "{open}");
    assert!(open.contains("Under way (1)"), "{open}");
    assert!(open.contains("Under threat (DANGER)"), "{open}");
    assert!(
        open.contains("Notified: waiting for an acknowledgement")
            || open.contains("Open: nobody told yet"),
        "the status in words: {open}"
    );
    assert!(
        resolved.contains(&format!("href=\"/incidents/{first}\"")),
        "{resolved}"
    );
    assert!(resolved.contains("Resolved (1)"), "{resolved}");
    assert!(resolved.contains(">Resolved</span>"), "{resolved}");
    assert!(
        resolved.contains("Test User, "),
        "who resolved it (the token's user): {resolved}"
    );
    // The link opens the incident's page.
    let (status, incident) = get(server, &format!("/incidents/{second}"), &cookie).await;
    assert_eq!(status, 200, "{incident}");

    // HR answers incidents but does not see what happened.
    let hr_cookie = session(server, hr()).await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &hr_cookie).await;
    assert_eq!(status, 200, "{page}");
    let open = section(&page, "id=\"incidents-open\"", "</table>");
    assert!(
        open.contains(&format!("href=\"/incidents/{second}\"")),
        "{open}"
    );
    assert!(!page.contains("Under threat (DANGER)"), "{page}");
    assert!(open.contains("class=\"withheld\""), "{open}");

    // French.
    let (status, page) = get_in(server, "/missions/MONUSCO/incidents", &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("En cours (1)"), "{page}");
    assert!(page.contains("Résolus (1)"), "{page}");
    assert!(page.contains("Sous menace (DANGER)"), "{page}");
    assert!(!page.contains("Under way"), "{page}");

    let bytes = wire(server, "/missions/MONUSCO/incidents", &cookie).await;
    println!("wire: incidents {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    w.server.stop().await;
}

#[tokio::test]
async fn the_incidents_list_is_refused_to_another_mission_and_to_who_does_not_answer_incidents() {
    let w = world().await;
    let server = &w.server;
    danger(&w, &w.staff[0]).await;
    let other = session(
        server,
        Principal::new("ca-2", "Autre Mission", &[Role::CivilAffairs], &["MINUSCA"]),
    )
    .await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &other).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("/incidents/"), "{page}");
    let hq = session(
        server,
        Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &hq).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("href=\"/incidents/"), "{page}");
    w.server.stop().await;
}
