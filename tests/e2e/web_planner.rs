//! The rotation planner in a real Chromium: a manager of MONUSCO opens the calendar, considers
//! moving one of the two CLAs of a base, sees the gap it would open in words beside both bases'
//! forecasts (nothing written), in English and French, then plans it anyway and finds it on the
//! calendar; then reads the management coverage. axe-core checks the calendar, the preview and
//! the supervision page in both languages; screenshots `rotations`, `rotation-preview` and
//! `supervision` (and their French `-fr`) in `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`.

mod actions_support;
mod browser;
mod web_client;

use std::time::Duration;

use actions_support::{BaseOfTwo, base_of_two, planned_rotations};
use browser::*;
use cla_e2e::TestServer;
use fantoccini::{Client, Locator};
use serde_json::json;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Waits (with a deadline) for `css` on the page.
async fn shown(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("never {css}"));
}

/// Fills the planner's form and asks for the preview.
async fn consider(c: &Client, staff: &str, to: &str, date: chrono::NaiveDate) {
    for (id, value) in [("staffId", staff), ("toBaseId", to)] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    c.execute(
        "document.getElementById('date').value = arguments[0];",
        vec![json!(date.to_string())],
    )
    .await
    .unwrap();
    c.find(Locator::Css("form.action button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown(c, "#preview-gap").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_considers_a_rotation_that_would_open_a_gap_sees_the_warning_and_plans_it_anyway()
{
    let Some((driver, c, axe_js)) = start_browser().await else {
        return;
    };
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let base = server.base.clone();
    let BaseOfTwo {
        id: base_id,
        name: base_name,
        leaving,
        staying,
        other,
    } = base_of_two(&server).await;
    sign_in_by_link(&c, &server, web_client::mission_manager()).await;

    // The calendar, reached from the navigation.
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();
    c.find(Locator::LinkText("Rotations"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown(&c, "#planner-calendar").await;
    axe(&c, &axe_js, "the calendar").await;
    screenshot(&c, "rotations").await;

    // The planner: one of the two CLAs of a base to the larger base, in 20 days.
    c.find(Locator::LinkText("Plan a rotation"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown(&c, "form.action").await;
    axe(&c, &axe_js, "the planner's form").await;
    let date = today() + chrono::Duration::days(20);
    consider(&c, &leaving, &other, date).await;
    let warning = text_of(&c, "#preview-gap").await;
    assert!(
        warning.contains(&format!("This would leave {base_name} with 1 CLA on ")),
        "{warning}"
    );
    assert!(warning.contains("(minimum 2)."), "{warning}");
    assert!(
        planned_rotations(&server, &leaving).await.is_empty(),
        "nothing written"
    );
    let charts = c
        .find_all(Locator::Css("#rotation-preview svg[role=img]"))
        .await
        .unwrap();
    assert_eq!(charts.len(), 4, "both bases, without and with the move");
    axe(&c, &axe_js, "the preview").await;
    c.execute(
        "document.getElementById('rotation-preview').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "rotation-preview").await;

    // In French: the same warning, in French.
    switch_language(&c, "fr").await;
    shown(&c, "html[lang='fr'] form.action").await;
    consider(&c, &leaving, &other, date).await;
    let french = text_of(&c, "#preview-gap").await;
    assert!(
        french.contains(&format!(
            "{base_name} n’aurait plus qu’un seul CLA le {} (minimum 2).",
            date.format("%d/%m/%Y")
        )),
        "{french}"
    );
    axe(&c, &axe_js, "the preview in French").await;
    screenshot(&c, "rotation-preview-fr").await;

    // Plan it anyway: on the board, then on the calendar as planned.
    c.find(Locator::Css("#confirm button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "back on the board", |u| {
        u.contains("done=plan-rotation")
    })
    .await;
    assert_eq!(
        planned_rotations(&server, &leaving).await.len(),
        1,
        "planned"
    );
    c.goto(&format!("{base}/missions/MONUSCO/rotations"))
        .await
        .unwrap();
    shown(&c, "html[lang='fr'] #planner-calendar").await;
    let calendar = text_of(&c, "#planner-calendar").await;
    assert!(calendar.contains("Planifiée"), "{calendar}");
    let to_origin = format!("#planner-calendar a[href='/missions/MONUSCO/bases/{base_id}']");
    shown(&c, &to_origin).await;
    assert!(
        planned_rotations(&server, &staying).await.is_empty(),
        "only the one planned"
    );
    axe(&c, &axe_js, "the calendar in French").await;
    screenshot(&c, "rotations-fr").await;

    // Management coverage, from the navigation, in French and in English.
    c.find(Locator::LinkText("Encadrement"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown(&c, "html[lang='fr'] #supervision-mission").await;
    shown(&c, "#assign form.action").await;
    axe(&c, &axe_js, "the supervision page in French").await;
    screenshot(&c, "supervision-fr").await;
    switch_language(&c, "en").await;
    shown(&c, "html[lang='en'] #supervision-mission").await;
    assert!(
        text_of(&c, "#supervision-mission")
            .await
            .contains("Supervised")
    );
    axe(&c, &axe_js, "the supervision page").await;
    screenshot(&c, "supervision").await;

    c.close().await.unwrap();
    drop(driver);
}
