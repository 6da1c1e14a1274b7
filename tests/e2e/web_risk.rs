//! The risk register in a real Chromium: a civil affairs officer of MONUSCO raises a flag on a CLA
//! from the register, adds a mitigation, reviews it, is refused closing it without saying how it
//! was resolved, then closes it. axe-core checks the register, the flag's page and the refusal in
//! English and French; `target/screenshots/risk-register.png` and `risk-flag.png` (and their
//! `-fr` twins) show them.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::{Client, Locator};

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Submits the form `form` and waits for the flag's page saying it was done.
async fn submit_done(c: &Client, form: &str, done: &str) {
    click(c, &format!("#{form} button[type=submit]")).await;
    url_until(c, done, |u| u.ends_with(&format!("?done={done}"))).await;
    until_present(c, "#risk-done").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_civil_affairs_officer_raises_mitigates_reviews_and_closes_a_flag() {
    let Some((driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let base = server.base.clone();
    let officer = Principal::new(
        "ca-beni",
        "Béatrice Manager",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, officer).await;

    // The register, from the navigation.
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();
    click(&c, "nav a[href='/missions/MONUSCO/risk']").await;
    until_present(&c, "html[lang='en'] #risk-raise-form").await;
    let open_before = c
        .find_all(Locator::Css("table.risk-flags tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(open_before > 0, "the demo's open flags are listed");
    axe(&c, &axe_js, "the register").await;
    screenshot(&c, "risk-register").await;

    // 1. Raise: a CLA, a category, a severity, notes.
    click(&c, "#raise-staffId option:nth-child(2)").await;
    let cla = text_of(&c, "#raise-staffId option:nth-child(2)").await;
    click(&c, "#raise-category option[value='seen-as-informant']").await;
    click(&c, "#raise-severity option[value='high']").await;
    type_into(&c, "#raise-notes", "Named at a village meeting.").await;
    submit_done(&c, "risk-raise-form", "raised").await;
    assert_eq!(text_of(&c, "#risk-done").await, "The flag is raised.");
    assert_eq!(text_of(&c, "#risk-severity").await, "High");
    assert!(text_of(&c, "h1").await.contains(&cla), "the CLA named");
    axe(&c, &axe_js, "the flag's page").await;

    // 2. Mitigate.
    click(
        &c,
        "#mitigation-action option[value='temporary-withdrawal']",
    )
    .await;
    type_into(&c, "#mitigation-notes", "Withdrawn to the field office.").await;
    submit_done(&c, "risk-mitigation-form", "mitigation").await;
    assert!(
        text_of(&c, "#risk-mitigations")
            .await
            .contains("Withdrawn to the field office.")
    );
    assert_eq!(text_of(&c, "#risk-status").await, "mitigating");

    // 3. Review.
    type_into(&c, "#review-notes", "Safe at the office.").await;
    submit_done(&c, "risk-review-form", "review").await;
    assert!(text_of(&c, "#risk-reviews").await.contains("ca-beni"));
    screenshot(&c, "risk-flag").await;

    // 4. Close without a resolution: refused beside the field, in words.
    click(&c, "#risk-close-form button[type=submit]").await;
    until_present(&c, "#close-resolution-error").await;
    assert_eq!(
        text_of(&c, "#close-resolution-error").await,
        "Say how the flag was resolved."
    );
    axe(&c, &axe_js, "the refused close").await;
    let flag_url = c.current_url().await.unwrap().to_string();
    let flag_page = flag_url.rsplit_once("/close").unwrap().0.to_string();

    // 5. Close.
    type_into(
        &c,
        "#close-resolution",
        "Back at the base; no further threat.",
    )
    .await;
    submit_done(&c, "risk-close-form", "close").await;
    assert_eq!(text_of(&c, "#risk-status").await, "closed");
    assert_eq!(
        text_of(&c, "#risk-resolution").await,
        "Back at the base; no further threat."
    );
    let timeline = text_of(&c, "#risk-timeline").await;
    for event in ["Flag raised", "Mitigation added", "Reviewed", "Closed"] {
        assert!(timeline.contains(event), "{event} in {timeline}");
    }

    // In French: the flag's page and the register, axe-core clean.
    c.goto(&flag_page).await.unwrap();
    switch_language(&c, "fr").await;
    until_present(&c, "html[lang='fr'] #risk-facts").await;
    assert_eq!(text_of(&c, "#risk-status").await, "clos");
    axe(&c, &axe_js, "the flag's page in French").await;
    screenshot(&c, "risk-flag-fr").await;
    c.goto(&format!("{base}/missions/MONUSCO/risk"))
        .await
        .unwrap();
    until_present(&c, "html[lang='fr'] #risk-raise-form").await;
    assert!(text_of(&c, "h1").await.starts_with("Registre des risques"));
    let open_after = c
        .find_all(Locator::Css("table.risk-flags tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(open_after, open_before, "the closed flag is no longer open");
    axe(&c, &axe_js, "the register in French").await;
    screenshot(&c, "risk-register-fr").await;
    c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}
