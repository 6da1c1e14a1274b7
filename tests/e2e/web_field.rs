//! A browser journey through the check-ins screen and the live alerts list, in a real Chromium
//! over WebDriver: a civil affairs manager records a roll call and sees it as the CLA's last
//! check-in; opens the alerts list, where an alert caused after the page loaded appears without
//! a reload (the page's script following the server's events); acknowledges it by keyboard and
//! sees who acknowledged. axe-core on both pages in English and French; screenshots `check-ins`
//! and `alerts` in `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use std::time::{Duration, Instant};

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;

const NAMES: [&str; 3] = ["Espérance Kavira", "Jean-Paul Mumbere", "Grâce Masika"];

/// Waits (with a deadline) until `css` is on the page and its text holds `needle`.
async fn text_until(c: &fantoccini::Client, css: &str, needle: &str) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(text) = e.text().await
            && text.contains(needle)
        {
            return text;
        }
        assert!(Instant::now() < until, "never {needle} in {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Presses a key on the keyboard, wherever the focus is (as a person does: not typed into an
/// element, which would move the focus there first).
async fn press(c: &fantoccini::Client, key: Key) {
    let key: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_records_a_roll_call_and_acknowledges_a_live_alert_by_keyboard() {
    let Some((_driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    let (_, base_id) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let mut staff = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let id = cla_e2e::active_staff(&server, &hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base_id, "n": name, "i": format!("50000{i}") })).await;
        cla_e2e::deploy(&server, &ca_token, &id, &base_id, &cla_e2e::day(-10)).await;
        staff.push(id);
    }
    server.ok(&ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", json!({})).await;
    server.ok(&ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", json!({})).await;
    let ca = Principal::new(
        "ca-7",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, ca).await;

    // 1. The check-ins screen, from the navigation, filtered to the base.
    c.find(Locator::LinkText("Check-ins"))
        .await
        .expect("Check-ins in the navigation")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the check-ins", |u| u.ends_with("/check-ins")).await;
    c.find(Locator::Css("select#base option:not([value=''])"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.filters button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "filtered to the base", |u| u.contains("base=")).await;
    // Jean-Paul answered the radio.
    c.find(Locator::Css(&format!(
        "input[name='heard'][value='{}']",
        staff[1]
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("#roll-call button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "back after the roll call", |u| u.contains("recorded=1")).await;
    text_until(&c, "p.banner", "Roll call recorded").await;
    let row = text_until(&c, "#last-check-ins tbody", NAMES[1]).await;
    let line = row.lines().find(|l| l.contains(NAMES[1])).unwrap();
    assert!(line.contains(" UTC") && line.contains("On time"), "{line}");
    for other in [NAMES[0], NAMES[2]] {
        let line = row.lines().find(|l| l.contains(other)).unwrap();
        assert!(line.contains("Never"), "{line}");
    }
    axe(&c, &axe_js, "the check-ins").await;
    screenshot(&c, "check-ins").await;
    switch_language(&c, "fr").await;
    text_until(&c, "h1", "Signalements").await;
    text_until(&c, "#last-check-ins", "Jamais").await;
    axe(&c, &axe_js, "the check-ins, in French").await;
    switch_language(&c, "en").await;

    // 2. The alerts list: an alert caused after it loaded appears without a reload.
    c.find(Locator::LinkText("Alerts"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "on the alerts", |u| u.ends_with("/alerts")).await;
    text_until(&c, "#alerts-table", "No active alert.").await;
    c.execute("window.loadedOnce = 'yes';", vec![])
        .await
        .unwrap();
    server.ok(&ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", json!({ "s": staff[0] })).await;
    let list = text_until(&c, "#alerts-table", "Under threat (DANGER)").await;
    assert!(
        list.contains("Open the incident") && list.contains("Critical"),
        "{list}"
    );
    let still = c
        .execute("return window.loadedOnce || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(
        still,
        json!("yes"),
        "no reload: the page followed the events"
    );

    // 3. Acknowledged by keyboard: Tab to the button, Enter.
    c.execute(
        "document.activeElement && document.activeElement.blur();",
        vec![],
    )
    .await
    .unwrap();
    let mut on_button = false;
    for _ in 0..60 {
        press(&c, Key::Tab).await;
        let id = c
            .execute("return document.activeElement.id || '';", vec![])
            .await
            .unwrap();
        if id.as_str().is_some_and(|i| i.starts_with("ack-")) {
            on_button = true;
            break;
        }
    }
    assert!(on_button, "the acknowledge button is reached by Tab");
    press(&c, Key::Enter).await;
    let list = text_until(&c, "#alerts-table", "Acknowledged by Clémence Affaires").await;
    assert!(!list.contains("\nAcknowledge\n"), "{list}");
    url_until(&c, "back on the alerts", |u| {
        u.ends_with("/missions/MONUSCO/alerts")
    })
    .await;
    axe(&c, &axe_js, "the alerts").await;
    screenshot(&c, "alerts").await;
    switch_language(&c, "fr").await;
    text_until(&c, "#alerts-table", "Pris en charge par Clémence Affaires").await;
    axe(&c, &axe_js, "the alerts, in French").await;
    c.close().await.unwrap();
    server.stop().await;
}
