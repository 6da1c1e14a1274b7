//! Setting a mission up in a real Chromium: an administrator creates a mission from the home
//! page, opens a field office and a base on its set-up page, and appoints the office's manager on
//! the supervision page. axe-core checks the new-mission form, the set-up page and the supervision
//! page in English and French; screenshots `mission-new`, `setup`, `supervision-managers` (and
//! their French `-fr`) in `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`.

mod browser;

use browser::*;
use cla_platform::{Principal, Role};
use fantoccini::Client;
use serde_json::json;

/// Scrolls the element `id` into view (for the screenshot to show it).
async fn scroll_to(c: &Client, id: &str) {
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView();",
        vec![json!(id)],
    )
    .await
    .unwrap();
}

/// Chooses, in the select `id`, the option whose text is `label`.
async fn choose_labelled(c: &Client, id: &str, label: &str) {
    let chosen = c
        .execute(
            "const s = document.getElementById(arguments[0]);
             const o = [...s.options].find(o => o.text === arguments[1]);
             if (o) { s.value = o.value; }
             return !!o;",
            vec![json!(id), json!(label)],
        )
        .await
        .unwrap();
    assert_eq!(chosen, json!(true), "{label} offered in #{id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_a_mission_opens_an_office_and_a_base_and_appoints_a_manager() {
    let admin = Principal::new("admin-1", "Ada Admin", &[Role::Admin], &[]);
    let Some((driver, c, axe_js, server)) = signed_in_to_demo(admin).await else {
        return;
    };
    let base = server.base.clone();

    // From the home page to the new-mission form, in English and French.
    c.goto(&format!("{base}/")).await.unwrap();
    press(&c, "#mission-new").await;
    until_present(&c, "html[lang='en'] #create-mission").await;
    axe(&c, &axe_js, "the new-mission form").await;
    screenshot(&c, "mission-new").await;
    switch_language(&c, "fr").await;
    until_present(&c, "html[lang='fr'] #create-mission").await;
    axe(&c, &axe_js, "the new-mission form in French").await;
    screenshot(&c, "mission-new-fr").await;
    switch_language(&c, "en").await;
    until_present(&c, "html[lang='en'] #create-mission").await;

    // Created: on its set-up page.
    fill_in(
        &c,
        &[
            ("create-mission-code", "UNFICYP"),
            (
                "create-mission-name",
                "United Nations Peacekeeping Force in Cyprus",
            ),
            ("create-mission-country", "Cyprus"),
        ],
    )
    .await;
    press(&c, "#create-mission button[type=submit]").await;
    url_until(&c, "the set-up page", |u| {
        u.contains("/missions/UNFICYP/setup") && u.contains("done=created")
    })
    .await;
    assert!(
        text_of(&c, "#setup-done")
            .await
            .contains("mission is created")
    );

    // A field office, then a base under it.
    fill_in(&c, &[("open-office-name", "Nicosia office")]).await;
    press(&c, "#open-office button[type=submit]").await;
    url_until(&c, "the office opened", |u| u.contains("done=open-office")).await;
    fill_in(
        &c,
        &[
            ("open-base-name", "Sector 2 base"),
            ("open-base-kind", "company-operating-base"),
            ("open-base-contingent", "UKCON"),
            ("open-base-localLanguages", "Greek, Turkish"),
        ],
    )
    .await;
    choose_labelled(&c, "open-base-fieldOfficeId", "Nicosia office").await;
    press(&c, "#open-base button[type=submit]").await;
    url_until(&c, "the base opened", |u| u.contains("done=open-base")).await;
    let bases = text_of(&c, "#setup-base-table").await;
    assert!(
        bases.contains("Sector 2 base") && bases.contains("Nicosia office"),
        "{bases}"
    );
    axe(&c, &axe_js, "the set-up page").await;
    scroll_to(&c, "setup-bases").await;
    screenshot(&c, "setup").await;
    switch_language(&c, "fr").await;
    until_present(&c, "html[lang='fr'] #setup-base-table").await;
    axe(&c, &axe_js, "the set-up page in French").await;
    scroll_to(&c, "setup-bases").await;
    screenshot(&c, "setup-fr").await;

    // The supervision page, from the navigation: the office has no manager yet.
    press(&c, "nav a[href^='/missions/UNFICYP/supervision']").await;
    until_present(&c, "html[lang='fr'] #appoint form.action").await;
    assert!(
        text_of(&c, "main")
            .await
            .contains("Aucun responsable dans ce bureau.")
    );
    axe(&c, &axe_js, "the supervision page in French").await;
    scroll_to(&c, "appoint").await;
    screenshot(&c, "supervision-managers-fr").await;
    switch_language(&c, "en").await;
    until_present(&c, "html[lang='en'] #appoint form.action").await;
    choose_labelled(&c, "fieldOfficeId", "Nicosia office").await;
    fill_in(
        &c,
        &[
            ("managerName", "Eleni Georgiou"),
            ("kind", "international-staff"),
        ],
    )
    .await;
    c.execute(
        "document.getElementById('appointFrom').value = arguments[0];",
        vec![json!(chrono::Utc::now().date_naive().to_string())],
    )
    .await
    .unwrap();
    press(&c, "#appoint button[type=submit]").await;
    url_until(&c, "the manager appointed", |u| u.contains("done=appoint")).await;
    assert!(
        text_of(&c, "#supervision-done")
            .await
            .contains("manager is appointed")
    );
    let office = text_of(&c, "section.supervision-office").await;
    assert!(
        office.contains("Nicosia office") && office.contains("Eleni Georgiou"),
        "{office}"
    );
    axe(&c, &axe_js, "the supervision page").await;
    c.execute(
        "document.querySelector('section.supervision-office').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "supervision-managers").await;

    c.close().await.unwrap();
    drop(driver);
}
