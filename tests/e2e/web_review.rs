//! A browser journey through the HQ staffing review, in a real Chromium over WebDriver: an HQ
//! reviewer opens the review of all missions from the missions list, reads the monthly series
//! (charts and table), switches to French and reads it again, then opens one mission's review.
//! axe-core in English and French; screenshots `hq-review` and `hq-review-fr` in
//! `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod browser;

use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hq_reviewer_reads_the_series_in_french() {
    let Some((_driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let hq = Principal::new("hq-2", "Hugo Reviewer", &[Role::HqReviewer], &[]);
    sign_in_by_link(&c, &server, hq).await;

    // From the missions list to the review of them all.
    c.find(Locator::LinkText("HQ staffing review of all missions"))
        .await
        .expect("the review from the missions list")
        .click()
        .await
        .unwrap();
    url_until(&c, "on the review", |u| u.contains("/review")).await;
    let caption = text_of(&c, "#review-series caption").await;
    assert_eq!(caption, "The figures at the end of each month");
    let rows = c
        .find_all(Locator::Css("#review-series tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 12);
    let charts = c
        .find_all(Locator::Css(".review-charts svg[role='img']"))
        .await
        .unwrap();
    assert_eq!(charts.len(), 6);
    assert!(text_of(&c, "#review-women").await.ends_with('%'));
    axe(&c, &axe_js, "the HQ review").await;
    screenshot(&c, "hq-review").await;

    // In French: the same series, the shares as French percents.
    switch_language(&c, "fr").await;
    let caption = text_of(&c, "#review-series caption").await;
    assert_eq!(caption, "Les chiffres à la fin de chaque mois");
    assert!(text_of(&c, "#review-women").await.ends_with('%'));
    assert!(text_of(&c, "#review-women").await.contains(','));
    let rows = c
        .find_all(Locator::Css("#review-series tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 12);
    axe(&c, &axe_js, "the HQ review in French").await;
    screenshot(&c, "hq-review-fr").await;

    // One mission's review, from its row.
    c.find(Locator::Css(
        "#review-missions a[href^='/missions/MONUSCO/review']",
    ))
    .await
    .expect("MONUSCO's row links to its review")
    .click()
    .await
    .unwrap();
    url_until(&c, "on MONUSCO's review", |u| {
        u.contains("/missions/MONUSCO/review")
    })
    .await;
    let title = text_of(&c, "h1").await;
    assert!(title.contains("MONUSCO"), "{title}");
    axe(&c, &axe_js, "a mission's review in French").await;
}
