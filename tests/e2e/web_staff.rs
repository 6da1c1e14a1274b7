//! The staff screens in a real Chromium: an HR officer of MONUSCO registers a CLA (a grade that is
//! no grade refused on the way, in words beside it), finds them in the directory with its filters,
//! and activates, renews and separates them from the profile. axe-core checks the directory, the
//! new-staff form and a profile with its forms in English and French; `target/screenshots/`
//! holds `staff-directory`, `staff-new` and `staff-profile-actions` (and their `-fr`).
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use browser::*;
use cla_platform::{Principal, Role};
use fantoccini::{Client, Locator};

const NAME: &str = "Espérance Kavugho";

/// Opens the fold of the profile's form for `step`, unless it is open already.
async fn open_fold(c: &Client, step: &str) {
    let fold = c.find(Locator::Id(&format!("staff-{step}"))).await.unwrap();
    if fold.attr("open").await.unwrap().is_none() {
        press(c, &format!("#staff-{step} > summary")).await;
    }
}

/// Sends the form of the profile's `step` as it is filled by default, and waits for the profile
/// saying it is done.
async fn profile_step(c: &Client, step: &str) {
    open_fold(c, step).await;
    press(c, &format!("#staff-{step} button[type=submit]")).await;
    url_until(c, step, |u| u.contains(&format!("done={step}"))).await;
    until_present(c, "#staff-done").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hr_officer_registers_finds_activates_renews_and_separates_a_cla() {
    let hr = Principal::new("hr-1", "Honoré RH", &[Role::MissionHr], &["MONUSCO"]);
    let Some((driver, c, axe_js, server)) = signed_in_to_demo(hr).await else {
        return;
    };
    let base = server.base.clone();

    // The directory, by its navigation link.
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();
    press(&c, "nav a[href='/missions/MONUSCO/staff']").await;
    until_present(&c, "#staff-list").await;
    axe(&c, &axe_js, "the staff directory in en").await;
    screenshot(&c, "staff-directory").await;

    // Registering: a grade that is no grade is refused beside it; then registered.
    press(&c, "#staff-register").await;
    until_present(&c, "#staff-new-place").await;
    axe(&c, &axe_js, "the new-staff form in en").await;
    c.find(Locator::Id("staff-new-place"))
        .await
        .unwrap()
        .select_by_index(1)
        .await
        .unwrap();
    fill_in(
        &c,
        &[
            ("staff-new-name", NAME),
            ("staff-new-gender", "female"),
            ("staff-new-languages", "Swahili:NATIVE; Kinande:FLUENT"),
            ("staff-new-homeCommunity", "Mutwanga"),
            ("staff-new-indexNumber", "WEBB0001"),
            ("staff-new-grade", "GS-9"),
        ],
    )
    .await;
    press(&c, "#staff-new button[type=submit]").await;
    until_present(&c, "#staff-new-grade-error").await;
    c.execute(
        "document.getElementById('staff-new-indexNumber').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "staff-new").await;
    assert_eq!(
        text_of(&c, "#staff-new-grade-error").await,
        "A grade is GS-1 to GS-7 or NO-A to NO-E."
    );
    axe(&c, &axe_js, "the refused new-staff form in en").await;
    fill_in(&c, &[("staff-new-grade", "GS-4")]).await;
    press(&c, "#staff-new button[type=submit]").await;
    until_present(&c, "#staff-done").await;
    let profile = c.current_url().await.unwrap().to_string();
    assert!(text_of(&c, "h1").await.contains(NAME));

    // Found in the directory with its filters (no script needed: a GET form).
    c.goto(&format!("{base}/missions/MONUSCO/staff"))
        .await
        .unwrap();
    fill_in(
        &c,
        &[
            ("staff-status", "onboarding"),
            ("staff-language", "kinande"),
        ],
    )
    .await;
    press(&c, "#staff-filters button[type=submit]").await;
    url_until(&c, "filtered", |u| u.contains("status=onboarding")).await;
    until_present(&c, "#staff-list").await;
    assert!(text_of(&c, "#staff-list").await.contains(NAME));
    c.find(Locator::LinkText(NAME))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_present(&c, "#staff-activate").await;

    // Activated, renewed, separated: each shown on the profile.
    profile_step(&c, "activate").await;
    assert!(text_of(&c, ".facts").await.contains("active"));
    until_present(&c, "#staff-suspend").await;
    open_fold(&c, "renew").await;
    c.execute(
        "document.getElementById('staff-actions').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    axe(&c, &axe_js, "a profile with its forms in en").await;
    screenshot(&c, "staff-profile-actions").await;
    profile_step(&c, "renew").await;
    assert!(text_of(&c, "#staff-done").await.contains("renewed"));
    open_fold(&c, "separate").await;
    fill_in(&c, &[("staff-separate-reason", "end-of-appointment")]).await;
    profile_step(&c, "separate").await;
    assert!(text_of(&c, ".facts").await.contains("separated"));
    assert!(
        text_of(&c, "#staff-actions")
            .await
            .contains("separation is final")
    );
    assert!(
        c.find(Locator::Id("staff-renew")).await.is_err(),
        "no forms"
    );
    assert!(profile.contains("/missions/MONUSCO/staff/"));

    // In French: the directory, the new-staff form, and a profile with its forms.
    switch_language(&c, "fr").await;
    c.goto(&format!("{base}/missions/MONUSCO/staff?status=active"))
        .await
        .unwrap();
    until_present(&c, "#staff-list").await;
    assert!(text_of(&c, "h1").await.starts_with("Personnel"));
    axe(&c, &axe_js, "the staff directory in fr").await;
    screenshot(&c, "staff-directory-fr").await;
    press(&c, "#staff-list tbody th a").await;
    until_present(&c, "#staff-suspend").await;
    open_fold(&c, "separate").await;
    axe(&c, &axe_js, "a profile with its forms in fr").await;
    screenshot(&c, "staff-profile-actions-fr").await;
    c.goto(&format!("{base}/missions/MONUSCO/staff/new"))
        .await
        .unwrap();
    until_present(&c, "#staff-new-place").await;
    axe(&c, &axe_js, "the new-staff form in fr").await;
    screenshot(&c, "staff-new-fr").await;

    c.close().await.unwrap();
    drop(driver);
}
