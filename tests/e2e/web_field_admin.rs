//! A browser journey through the incidents list, in a real Chromium over WebDriver: a civil
//! affairs manager opens the list from the navigation, finds the incident a DANGER check-in
//! opened under way with its status in words, and follows its link to the incident's page.
//! axe-core on the list in English and French; screenshot `incidents` in `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use std::time::{Duration, Instant};

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_finds_an_incident_under_way_on_the_list_and_opens_it() {
    let Some((_driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    let (_, base_id) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let staff = cla_e2e::active_staff(&server, &hr, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Espérance Kavira\", gender: FEMALE, indexNumber: \"520001\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base_id })).await;
    cla_e2e::deploy(&server, &ca_token, &staff, &base_id, &cla_e2e::day(-10)).await;
    server.ok(&ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", json!({})).await;
    server.ok(&ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", json!({})).await;
    server.ok(&ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", json!({ "s": staff })).await;
    // The incident opens as the escalation worker reads the flag: waited for, with a deadline.
    let until = Instant::now() + Duration::from_secs(30);
    let incident = loop {
        let data = server
            .ok(
                &ca_token,
                "{ incidents(missionCode: \"MONUSCO\") { id } }",
                json!({}),
            )
            .await;
        if let Some(id) = data["incidents"][0]["id"].as_str() {
            break id.to_string();
        }
        assert!(Instant::now() < until, "no incident opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let ca = Principal::new(
        "ca-8",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, ca).await;
    c.find(Locator::LinkText("Incidents"))
        .await
        .expect("Incidents in the navigation")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the incidents", |u| u.ends_with("/incidents")).await;
    let open = text_of(&c, "#incidents-open").await;
    assert!(open.contains("Under way (1)"), "{open}");
    assert!(open.contains("Under threat (DANGER)"), "{open}");
    let resolved = text_of(&c, "#incidents-resolved").await;
    assert!(resolved.contains("No incident resolved."), "{resolved}");
    axe(&c, &axe_js, "the incidents").await;
    screenshot(&c, "incidents").await;
    switch_language(&c, "fr").await;
    let open = text_of(&c, "#incidents-open").await;
    assert!(open.contains("En cours (1)"), "{open}");
    axe(&c, &axe_js, "the incidents, in French").await;
    screenshot(&c, "incidents-fr").await;
    switch_language(&c, "en").await;

    // The incident's link opens its page.
    c.find(Locator::Css(&format!("a[href='/incidents/{incident}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "on the incident", |u| {
        u.ends_with(&format!("/incidents/{incident}"))
    })
    .await;
    let h1 = text_of(&c, "h1").await;
    assert!(h1.contains("Incident at"), "{h1}");
    c.close().await.unwrap();
    server.stop().await;
}
