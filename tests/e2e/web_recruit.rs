//! Recruitment in a real Chromium: an HR officer of MONUSCO opens a vacancy, adds a candidate and
//! takes them along the pipeline — screened, interviewed, vetted, offered, accepted — to the hire,
//! seeing a refusal in words on the way. axe-core checks the vacancies page and the pipeline in
//! English and French; `target/screenshots/recruitment.png` and `pipeline.png` show them.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use std::time::{Duration, Instant};

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::{Client, Locator};

/// Waits (with a deadline) for an element to be on the page.
async fn shown(c: &Client, css: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_err() {
        assert!(Instant::now() < until, "never {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fill(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn choose(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Opens a card's form for `step` and fills it with `fields` (id suffix, value; a select where
/// the suffix starts with `=`), then sends it and waits for `then` (the page after it).
async fn step(c: &Client, card: &str, step: &str, fields: &[(&str, &str)], then: &str) {
    let form = format!("#c-{card} form[action$='/{step}']");
    // Open the form's fold unless it is open already (a click on its summary would close it).
    let details = format!("#c-{card} details:has(form[action$='/{step}'])");
    let open = c
        .find(Locator::Css(&details))
        .await
        .unwrap()
        .attr("open")
        .await
        .unwrap();
    if open.is_none() {
        click(c, &format!("{details} > summary")).await;
    }
    for (name, value) in fields {
        match name.strip_prefix('=') {
            Some(select) => choose(c, &format!("{card}-{step}-{select}"), value).await,
            None => fill(c, &format!("{card}-{step}-{name}"), value).await,
        }
    }
    click(c, &format!("{form} button[type=submit]")).await;
    shown(c, &then.replace("CARD", card)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hr_officer_takes_a_vacancy_from_opening_to_hire() {
    let Some((driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let base = server.base.clone();
    let hr = Principal::new("hr-1", "Honoré RH", &[Role::MissionHr], &["MONUSCO"]);
    sign_in_by_link(&c, &server, hr).await;

    // The vacancies page, by its navigation link.
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();
    click(&c, "nav a[href='/missions/MONUSCO/recruitment']").await;
    shown(&c, "#recruit-facts").await;
    axe(&c, &axe_js, "recruitment in en").await;
    screenshot(&c, "recruitment").await;

    // Opening a vacancy.
    click(&c, "#recruit-open-link").await;
    shown(&c, "#open-place").await;
    c.find(Locator::Id("open-place"))
        .await
        .unwrap()
        .select_by_index(1)
        .await
        .unwrap();
    fill(&c, "open-title", "Community Liaison Assistant, Beni").await;
    fill(&c, "open-requiredLanguages", "Swahili, Nande").await;
    click(&c, "form.recruit-form button[type=submit]").await;
    shown(&c, "#recruit-done").await;
    assert!(
        text_of(&c, "h1")
            .await
            .contains("Community Liaison Assistant, Beni")
    );

    // A candidate applies.
    click(&c, "details:has(form[action$='/candidates']) > summary").await;
    fill(&c, "add-name", "Espérance Kahindo").await;
    choose(&c, "add-gender", "female").await;
    fill(&c, "add-languages", "Swahili:NATIVE; French:WORKING").await;
    click(&c, "form[action$='/candidates'] button[type=submit]").await;
    shown(&c, "li.recruit-card").await;
    let card = c
        .find(Locator::Css(
            "section[aria-labelledby='stage-0'] li.recruit-card",
        ))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    let card = card.strip_prefix("c-").unwrap().to_string();

    // Along the pipeline.
    step(
        &c,
        &card,
        "advance",
        &[],
        "section[aria-labelledby='stage-1'] #c-CARD",
    )
    .await;
    assert!(
        text_of(&c, "section[aria-labelledby='stage-1']")
            .await
            .contains("Espérance Kahindo")
    );
    step(
        &c,
        &card,
        "advance",
        &[],
        "section[aria-labelledby='stage-2'] #c-CARD",
    )
    .await;
    step(
        &c,
        &card,
        "vetting",
        &[("=result", "passed")],
        "section[aria-labelledby='stage-3'] #c-CARD",
    )
    .await;
    assert!(
        text_of(&c, "section[aria-labelledby='stage-3']")
            .await
            .contains("Espérance Kahindo")
    );

    // A grade that is no grade is refused beside it, in words.
    let form = format!("#c-{card} form[action$='/offer']");
    click(
        &c,
        &format!("#c-{card} details:has(form[action$='/offer']) > summary"),
    )
    .await;
    fill(&c, &format!("{card}-offer-grade"), "GS-9").await;
    choose(&c, &format!("{card}-offer-kind"), "fixed-term").await;
    click(&c, &format!("{form} button[type=submit]")).await;
    shown(&c, &format!("[id='{card}-offer-grade-error']")).await;
    assert_eq!(
        text_of(&c, &format!("[id='{card}-offer-grade-error']")).await,
        "A grade is GS-1 to GS-7 or NO-A to NO-E."
    );
    step(
        &c,
        &card,
        "offer",
        &[("grade", "GS-5"), ("=kind", "fixed-term")],
        "section[aria-labelledby='stage-4'] #c-CARD",
    )
    .await;
    step(
        &c,
        &card,
        "answer",
        &[("=answer", "accepted")],
        "#c-CARD form[action$='/hire']",
    )
    .await;
    axe(&c, &axe_js, "pipeline in en").await;
    screenshot(&c, "pipeline").await;
    step(
        &c,
        &card,
        "hire",
        &[("indexNumber", "77004321"), ("homeCommunity", "Butembo")],
        "section[aria-labelledby='stage-5'] #c-CARD",
    )
    .await;
    assert!(
        text_of(&c, "section[aria-labelledby='stage-5']")
            .await
            .contains("Espérance Kahindo")
    );
    assert!(text_of(&c, "#recruit-status").await.contains("Filled"));
    let pipeline = c.current_url().await.unwrap();

    // In French: the same pages pass axe-core.
    switch_language(&c, "fr").await;
    c.goto(pipeline.as_str()).await.unwrap();
    shown(&c, "html[lang='fr'] #recruit-vacancy").await;
    assert!(text_of(&c, "#recruit-status").await.contains("Pourvus"));
    axe(&c, &axe_js, "pipeline in fr").await;
    screenshot(&c, "pipeline-fr").await;
    c.goto(&format!("{base}/missions/MONUSCO/recruitment"))
        .await
        .unwrap();
    shown(&c, "html[lang='fr'] #recruit-facts").await;
    axe(&c, &axe_js, "recruitment in fr").await;
    screenshot(&c, "recruitment-fr").await;

    c.close().await.unwrap();
    drop(driver);
}
