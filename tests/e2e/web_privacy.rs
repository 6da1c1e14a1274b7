//! A browser journey through the personal-data screen, in a real Chromium over WebDriver: an
//! administrator opens a CLA's profile, follows its personal-data link, finds the HR officer's
//! look at the CLA's home community (through the web app), and erases the CLA's personal data
//! with a reason; the profile then shows no home community. axe-core on the screen in English
//! and French; screenshots `privacy` and `privacy-fr` in `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;
mod web_client;

use browser::*;
use cla_e2e::{TestServer, day, mission_with_base};
use cla_platform::{Principal, Role};
use serde_json::json;

const REGISTER: &str = "mutation($b: String!, $h: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: \"Amani Looked\", gender: FEMALE, homeCommunity: $h, indexNumber: \"6612399\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sees_who_looked_at_a_clas_home_community_and_erases_it() {
    let Some((_driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "PRIV").await;
    let data = server
        .ok(
            &server.admin(),
            REGISTER,
            json!({ "b": base, "h": "Zq7BrowserHome", "f": day(-20) }),
        )
        .await;
    let staff = data["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // An HR officer reads the profile in the web app: a look at the home community.
    let hr = web_client::session(
        &server,
        Principal::new("hr-look", "Hawa Ressources", &[Role::MissionHr], &["PRIV"]),
    )
    .await;
    let (status, profile) =
        web_client::get(&server, &format!("/missions/PRIV/staff/{staff}"), &hr).await;
    assert_eq!(status, 200);
    assert!(profile.contains("Zq7BrowserHome"), "HR sees it: {profile}");

    sign_in_by_link(
        &c,
        &server,
        Principal::new("admin-look", "Ada Admin", &[Role::Admin], &[]),
    )
    .await;
    c.goto(&format!("{}/missions/PRIV/staff/{staff}", server.base))
        .await
        .unwrap();
    press(&c, "#profile-privacy").await;
    url_until(&c, "on the personal data", |u| u.ends_with("/privacy")).await;
    let looks = text_of(&c, "#privacy-looks").await;
    assert!(looks.contains("hr-look"), "the HR officer's look: {looks}");
    assert!(looks.contains("web"), "through the web app: {looks}");
    assert!(looks.contains("home community"), "{looks}");
    axe(&c, &axe_js, "the personal data").await;
    screenshot(&c, "privacy").await;
    switch_language(&c, "fr").await;
    let status = text_of(&c, "h1").await;
    assert!(!status.is_empty());
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Qui a consulté ses données restreintes"),
        "in French: {page}"
    );
    axe(&c, &axe_js, "the personal data, in French").await;
    screenshot(&c, "privacy-fr").await;
    switch_language(&c, "en").await;

    // Erased, with a reason: the page says so and offers no form; the profile shows no home.
    fill_in(&c, &[("reason", "asked by the person")]).await;
    press(&c, "form[action$='/privacy'] button[type='submit']").await;
    url_until(&c, "erased", |u| u.ends_with("/privacy?done=erased")).await;
    let status = text_of(&c, "#privacy-status").await;
    assert!(status.contains("erased"), "{status}");
    assert!(
        c.find(fantoccini::Locator::Id("reason")).await.is_err(),
        "no form once erased"
    );
    let (_, profile) =
        web_client::get(&server, &format!("/missions/PRIV/staff/{staff}"), &hr).await;
    assert!(!profile.contains("Zq7BrowserHome"), "{profile}");
    c.close().await.unwrap();
    server.stop().await;
}
