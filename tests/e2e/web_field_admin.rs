//! A browser journey through the incidents list, in a real Chromium over WebDriver: a civil
//! affairs manager opens the list from the navigation, finds the incident a DANGER check-in
//! opened under way with its status in words, and follows its link to the incident's page.
//! axe-core on the list in English and French; screenshot `incidents` in `target/screenshots/`.
//! From the list to the mission's escalation procedures and contacts: axe-core in English and
//! French, screenshot `escalation`.
//!
//! The field channels' admin screens: an HR officer finds a message from an unknown number on the
//! SMS inbox (from the navigation) and assigns it to the CLA who sent it, then registers a phone
//! number on the CLA's channels page (from the profile). axe-core on the SMS inbox and the
//! channels page (HR's and civil affairs', with the duress word) in English and French;
//! screenshots `sms-inbox` and `cla-channels`. Then a dry run of a French Excel staff list with
//! a bad date on the imports page: its error by line and column; axe-core in English and
//! French, screenshot `imports`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;
mod web_client;

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

    // The mission's escalation procedures, linked from the incidents.
    c.find(Locator::Css("#escalation-link"))
        .await
        .expect("the escalation linked from the incidents")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the escalation", |u| u.ends_with("/escalation")).await;
    let procedure = text_of(&c, "#procedure-mission").await;
    assert!(procedure.contains("Tell JOC by Email"), "{procedure}");
    axe(&c, &axe_js, "the escalation").await;
    screenshot(&c, "escalation").await;
    switch_language(&c, "fr").await;
    let procedure = text_of(&c, "#procedure-mission").await;
    assert!(
        procedure.contains("Prévenir JOC par Courriel"),
        "{procedure}"
    );
    axe(&c, &axe_js, "the escalation, in French").await;
    screenshot(&c, "escalation-fr").await;
    switch_language(&c, "en").await;
    c.goto(&format!("{}/missions/MONUSCO/incidents", server.base))
        .await
        .unwrap();

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hr_officer_assigns_an_unknown_numbers_sms_and_registers_a_phone_number() {
    let Some((_driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let (server, twilio) = web_client::server_taking_sms("+243900000001", "MONUSCO").await;
    let (_, base_id) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let staff = cla_e2e::active_staff(&server, &hr, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Espérance Kavira\", gender: FEMALE, indexNumber: \"520011\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base_id })).await;
    cla_e2e::deploy(&server, &ca_token, &staff, &base_id, &cla_e2e::day(-10)).await;
    let sms = (
        "SMb1",
        "+243815559990",
        "OK je suis Esperance, nouveau telephone",
    );
    let status = web_client::twilio_sms(&server, &twilio, "+243900000001", sms).await;
    assert_eq!(status, 200);

    let officer = Principal::new(
        "hr-8",
        "Henriette Ressources",
        &[Role::MissionHr],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, officer).await;
    c.goto(&format!("{}/missions/MONUSCO", server.base))
        .await
        .unwrap();
    c.find(Locator::LinkText("SMS"))
        .await
        .expect("SMS in the navigation")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the SMS inbox", |u| u.ends_with("/sms")).await;
    let message = text_of(&c, "#sms-twilio-SMb1").await;
    assert!(message.contains("nouveau telephone"), "{message}");
    axe(&c, &axe_js, "the SMS inbox").await;
    screenshot(&c, "sms-inbox").await;
    switch_language(&c, "fr").await;
    let inbox = text_of(&c, "#sms-unmatched-title").await;
    assert!(
        inbox.contains("Messages de numéros inconnus (1)"),
        "{inbox}"
    );
    axe(&c, &axe_js, "the SMS inbox, in French").await;
    screenshot(&c, "sms-inbox-fr").await;
    switch_language(&c, "en").await;

    c.find(Locator::Css("#staffId-twilio-SMb1"))
        .await
        .unwrap()
        .select_by_value(&staff)
        .await
        .unwrap();
    c.find(Locator::Css(
        "#sms-twilio-SMb1 form[action$='/sms/assign'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    url_until(&c, "assigned", |u| u.ends_with("/sms?done=assign")).await;
    let done = text_of(&c, "#field-admin-done").await;
    assert!(done.contains("recorded as the CLA's check-in"), "{done}");
    let none = text_of(&c, "#sms-unmatched-none").await;
    assert!(none.contains("No message from an unknown number"), "{none}");

    // From the profile to the CLA's channels: the number registered.
    c.goto(&format!("{}/missions/MONUSCO/staff/{staff}", server.base))
        .await
        .unwrap();
    c.find(Locator::Css("#profile-channels"))
        .await
        .expect("the channels linked from the profile")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the channels", |u| u.ends_with("/channels")).await;
    c.find(Locator::Css("#phoneNumber"))
        .await
        .unwrap()
        .send_keys("+243815559990")
        .await
        .unwrap();
    c.find(Locator::Css("#channels-register button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "registered", |u| u.ends_with("/channels?done=register")).await;
    let numbers = text_of(&c, "#channels-numbers").await;
    assert!(numbers.contains("+243815559990"), "{numbers}");
    axe(&c, &axe_js, "the channels").await;
    screenshot(&c, "cla-channels").await;
    switch_language(&c, "fr").await;
    let numbers = text_of(&c, "#channels-numbers").await;
    assert!(
        numbers.contains("Numéros de téléphone actuels (1)"),
        "{numbers}"
    );
    axe(&c, &axe_js, "the channels, in French").await;
    screenshot(&c, "cla-channels-fr").await;
    switch_language(&c, "en").await;

    // A staff list as French Excel saves it, with one bad date: the dry run shows its line.
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots/personnel.csv");
    std::fs::write(&file, "\u{feff}index_number;name;gender;grade;appointment_type;appointment_start;appointment_end;base;languages;home_community;status;effective\n4610009;Neema Kavira;FEMALE;GS-5;FIXED_TERM;01/03/2024;31/02/2029;Base One;Swahili:NATIVE;Oicha;ACTIVE;01/03/2024\n").unwrap();
    c.goto(&format!("{}/missions/MONUSCO/imports", server.base))
        .await
        .unwrap();
    c.find(Locator::Css("#locale"))
        .await
        .unwrap()
        .select_by_value("fr")
        .await
        .unwrap();
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(file.canonicalize().unwrap().to_str().unwrap())
        .await
        .unwrap();
    c.find(Locator::Css("#imports-upload button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_present(&c, "#imports-errors").await;
    let errors = text_of(&c, "#imports-errors").await;
    assert!(errors.contains("appointment_end"), "{errors}");
    axe(&c, &axe_js, "the imports").await;
    screenshot(&c, "imports").await;
    switch_language(&c, "fr").await;
    let intro = text_of(&c, "#imports-upload-title").await;
    assert!(intro.contains("Vérifier un fichier"), "{intro}");
    axe(&c, &axe_js, "the imports, in French").await;
    screenshot(&c, "imports-fr").await;
    sign_out(&c).await;

    // Civil affairs' view of the same page: the duress word's form.
    sign_in_by_link(
        &c,
        &server,
        Principal::new(
            "ca-9",
            "Clémence Affaires",
            &[Role::CivilAffairs],
            &["MONUSCO"],
        ),
    )
    .await;
    c.goto(&format!(
        "{}/missions/MONUSCO/staff/{staff}/channels",
        server.base
    ))
    .await
    .unwrap();
    until_present(&c, "#channels-duress input[type='password']").await;
    axe(&c, &axe_js, "the channels with the duress word").await;
    screenshot(&c, "cla-channels-duress").await;
    sign_out(&c).await;

    // An administrator's inbox of messages to a number of no mission, from the home page: the
    // message dismissed with a reason.
    let stray = ("SMb9", "+243815559991", "bonjour, qui est-ce ?");
    let status = web_client::twilio_sms(&server, &twilio, "+243900000777", stray).await;
    assert_eq!(status, 200);
    sign_in_by_link(
        &c,
        &server,
        Principal::new("admin-9", "Ada Admin", &[Role::Admin], &[]),
    )
    .await;
    c.goto(&format!("{}/", server.base)).await.unwrap();
    press(&c, "#unmatched-sms").await;
    url_until(&c, "on the inbox of no mission", |u| {
        u.ends_with("/unmatched-sms")
    })
    .await;
    let message = text_of(&c, "#sms-twilio-SMb9").await;
    assert!(message.contains("qui est-ce"), "{message}");
    // In French still, as the browser was left.
    let title = text_of(&c, "h1").await;
    assert!(title.contains("aucune mission"), "{title}");
    axe(&c, &axe_js, "the SMS to no mission's number, in French").await;
    screenshot(&c, "unmatched-sms-fr").await;
    switch_language(&c, "en").await;
    axe(&c, &axe_js, "the SMS to no mission's number").await;
    screenshot(&c, "unmatched-sms").await;
    fill_in(&c, &[("reason-twilio-SMb9", "a wrong number")]).await;
    press(
        &c,
        "#sms-twilio-SMb9 form[action='/unmatched-sms/dismiss'] button",
    )
    .await;
    url_until(&c, "dismissed", |u| {
        u.ends_with("/unmatched-sms?done=dismiss")
    })
    .await;
    let none = text_of(&c, "#sms-unmatched-none").await;
    assert!(none.contains("No message from an unknown number"), "{none}");
    c.close().await.unwrap();
    server.stop().await;
}
