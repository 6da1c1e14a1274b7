//! A browser journey through the base page and the CLA profile in a real Chromium: a civil affairs
//! manager of MONUSCO (signed in by a one-time link) opens the board, follows a base below its
//! minimum, reads its forecast's gap (the chart's title and the listed gap), reaches a CLA's
//! profile link by Tab and opens it with Enter, and reads the timeline; axe-core on both pages in
//! English and in French; screenshots `base` and `profile`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;
mod demo_base;

use std::time::{Duration, Instant};

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use demo_base::base_below_minimum;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';

async fn press(c: &fantoccini::Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await.expect("a key pressed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_follows_a_base_below_minimum_to_a_clas_profile() {
    let Some((driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let base = server.base.clone();
    // A base below minimum because a CLA is on leave: the one the journey follows.
    let (base_id, base_name, staff_id, staff_name) = base_below_minimum(&server).await;

    let manager = Principal::new(
        "ca-9",
        "Claude Manager",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, manager).await;
    c.goto(&format!(
        "{base}/missions/MONUSCO/board?status=below_minimum"
    ))
    .await
    .unwrap();
    // The board's base name opens the base page.
    c.find(Locator::Css(&format!(
        "#board a[href='/missions/MONUSCO/bases/{base_id}']"
    )))
    .await
    .expect("the board links the base")
    .click()
    .await
    .unwrap();
    url_until(&c, "on the base page", |u| {
        u.ends_with(&format!("/missions/MONUSCO/bases/{base_id}"))
    })
    .await;
    assert!(text_of(&c, "h1").await.contains(&base_name));
    // The forecast: the chart's title, and the gap listed with its cause in words.
    let chart = c
        .find(Locator::Css("svg.forecast[role='img']"))
        .await
        .expect("the chart");
    assert_eq!(
        chart.attr("aria-labelledby").await.unwrap().as_deref(),
        Some("chart-title chart-desc")
    );
    let gaps = text_of(&c, "#gaps").await;
    assert!(
        gaps.contains(&format!("{staff_name}: leave from")),
        "{gaps}"
    );
    axe(&c, &axe_js, "the base page").await;
    // The screenshot shows the chart and the gaps.
    c.execute(
        "document.getElementById('forecast').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "base").await;

    // By keyboard: Tab to the CLA's profile link, Enter opens it.
    let href = format!("/missions/MONUSCO/staff/{staff_id}");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        press(&c, TAB).await;
        let focused = c.active_element().await.unwrap();
        if focused.attr("href").await.unwrap().as_deref() == Some(href.as_str()) {
            break;
        }
        assert!(Instant::now() < until, "never reached {href} by Tab");
    }
    press(&c, ENTER).await;
    url_until(&c, "on the profile", |u| u.ends_with(&href)).await;
    assert!(text_of(&c, "h1").await.contains(&staff_name));
    let timeline = text_of(&c, "#timeline").await;
    assert!(timeline.contains("Joined (onboarding)"), "{timeline}");
    assert!(
        timeline.contains(&format!("Deployed to {base_name}")) || timeline.contains("Rotated from"),
        "{timeline}"
    );
    assert!(timeline.contains("Absence recorded: leave"), "{timeline}");
    axe(&c, &axe_js, "the profile").await;
    screenshot(&c, "profile").await;

    // In French: both pages.
    switch_language(&c, "fr").await;
    url_until(&c, "back on the profile", |u| u.ends_with(&href)).await;
    let timeline = text_of(&c, "#timeline").await;
    assert!(
        timeline.contains("Absence enregistrée : congé"),
        "{timeline}"
    );
    axe(&c, &axe_js, "the profile in French").await;
    c.goto(&format!("{base}/missions/MONUSCO/bases/{base_id}"))
        .await
        .unwrap();
    let gaps = text_of(&c, "#gaps").await;
    assert!(gaps.contains(&format!("{staff_name} : congé du")), "{gaps}");
    assert!(
        text_of(&c, "#forecast")
            .await
            .contains("Prévision de couverture")
    );
    axe(&c, &axe_js, "the base page in French").await;

    c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}
