//! The staffing actions in a real Chromium: a manager of MONUSCO ends a deployment at a base of
//! exactly two — by keyboard alone (Tab, typing, Space, Enter) — is refused with the gap in words,
//! accepts it with a reason and sees the board change; plans a rotation and cancels it; records an
//! absence. axe-core checks every form and the refusal, in English and French; the refusal and
//! the acceptance are written to `target/screenshots/action-refused.png` and `action-accept.png`.
//!
//! Without Chromium, chromedriver or axe-core the journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

mod actions_support;
mod browser;

use std::time::{Duration, Instant};

use actions_support::{
    BaseOfTwo, base_of_two, board, cla_staffing, cla_staffing_in, planned_rotations,
};
use browser::*;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Types `text` on the keyboard, to whatever has the focus (WebDriver key actions: the keys a
/// person presses, no element picked).
async fn keys(c: &Client, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    c.perform_actions(actions).await.unwrap();
}

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// Presses Tab until the element with `id` has the focus (at most 60 times).
async fn tab_to(c: &Client, id: &str) {
    for _ in 0..60 {
        let focused = c
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await
            .unwrap();
        if focused == json!(id) {
            return;
        }
        keys(c, &key(Key::Tab)).await;
    }
    panic!("Tab never reaches #{id}");
}

/// Waits (with a deadline) for an element to be on the page.
async fn present(c: &Client, css: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_err() {
        assert!(Instant::now() < until, "never {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn submit(c: &Client) {
    c.find(Locator::Css("form.action button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_ends_a_deployment_accepting_the_gap_plans_and_cancels_a_rotation_and_records_an_absence()
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
    let manager = Principal::new(
        "ca-beni",
        "Béatrice Manager",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    );
    sign_in_by_link(&c, &server, manager).await;

    // Every form passes axe-core, in English and in French.
    let forms = [
        format!("/missions/MONUSCO/actions/deploy?base={base_id}"),
        format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}"),
        format!("/missions/MONUSCO/actions/plan-rotation?staff={staying}"),
        "/missions/MONUSCO/actions/complete-rotation".to_string(),
        "/missions/MONUSCO/actions/cancel-rotation".to_string(),
        format!("/missions/MONUSCO/actions/absence?staff={staying}"),
    ];
    for lang in ["en", "fr"] {
        for path in &forms {
            c.goto(&format!("{base}{path}")).await.unwrap();
            present(&c, &format!("html[lang='{lang}'] form.action")).await;
            axe(&c, &axe_js, &format!("{path} in {lang}")).await;
        }
        if lang == "en" {
            switch_language(&c, "fr").await;
        }
    }
    // The refusal in French: ending one of the two deployments.
    c.goto(&format!(
        "{base}/missions/MONUSCO/actions/end-deployment?staff={leaving}"
    ))
    .await
    .unwrap();
    present(&c, "html[lang='fr'] form.action").await;
    submit(&c).await;
    present(&c, "#acceptGap-error").await;
    let french = text_of(&c, "#acceptGap-error").await;
    assert_eq!(
        french,
        format!(
            "{base_name} n’aurait plus qu’un seul CLA le {} (minimum 2).",
            today().format("%d/%m/%Y")
        )
    );
    axe(&c, &axe_js, "the refusal in French").await;
    switch_language(&c, "en").await;

    // 1. By keyboard only: end the deployment (the CLA and today's date come preselected).
    c.goto(&format!(
        "{base}/missions/MONUSCO/actions/end-deployment?staff={leaving}"
    ))
    .await
    .unwrap();
    present(&c, "html[lang='en'] form.action").await;
    tab_to(&c, "reason").await;
    keys(&c, "end of assignment").await;
    keys(&c, &key(Key::Enter)).await;
    present(&c, "#acceptGap-error").await;
    let sentence = text_of(&c, "#acceptGap-error").await;
    assert!(
        sentence.starts_with(&format!("This would leave {base_name} with 1 CLA on ")),
        "{sentence}"
    );
    assert!(sentence.ends_with("(minimum 2)."), "{sentence}");
    assert!(
        text_of(&c, "#action-refused")
            .await
            .contains("Nothing was changed.")
    );
    assert_eq!(
        cla_staffing(&server, &leaving).await["baseId"],
        base_id.as_str(),
        "nothing written"
    );
    axe(&c, &axe_js, "the refusal").await;
    screenshot(&c, "action-refused").await;
    // Accept the gap: Tab to the box, Space ticks it, Tab to the reason, type, Enter.
    tab_to(&c, "acceptGap").await;
    keys(&c, &key(Key::Space)).await;
    tab_to(&c, "gapReason").await;
    keys(&c, "replacement arrives next week").await;
    let ticked = c
        .execute(
            "return document.getElementById('acceptGap').checked;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ticked, json!(true), "Space ticks the box");
    axe(&c, &axe_js, "the acceptance").await;
    screenshot(&c, "action-accept").await;
    keys(&c, &key(Key::Enter)).await;
    url_until(&c, "back on the board", |u| {
        u.ends_with("/missions/MONUSCO/board?done=end-deployment")
    })
    .await;
    assert_eq!(
        text_of(&c, "#action-done").await,
        "The deployment is ended."
    );
    // The board shows the base below its minimum, in words.
    let row = text_of(
        &c,
        &format!("#board tbody tr:nth-child({})", {
            // The board's rows are in name order; find this base's place.
            let names: Vec<String> = {
                let mut v = Vec::new();
                for th in c.find_all(Locator::Css("#board tbody th")).await.unwrap() {
                    v.push(th.text().await.unwrap());
                }
                v
            };
            names
                .iter()
                .position(|n| *n == base_name)
                .expect("the base is on the board")
                + 1
        }),
    )
    .await;
    assert!(row.contains("below minimum"), "{row}");
    assert!(row.contains("1 / 2"), "{row}");
    assert_eq!(cla_staffing(&server, &leaving).await["baseId"], Value::Null);

    // 2. Plan a rotation for the CLA who stayed, then cancel it.
    c.goto(&format!(
        "{base}/missions/MONUSCO/actions/plan-rotation?staff={staying}"
    ))
    .await
    .unwrap();
    c.find(Locator::Css("#toBaseId"))
        .await
        .unwrap()
        .select_by_value(&other)
        .await
        .unwrap();
    submit(&c).await;
    url_until(&c, "planned", |u| u.ends_with("done=plan-rotation")).await;
    assert_eq!(
        text_of(&c, "#action-done").await,
        "The rotation is planned."
    );
    let planned = planned_rotations(&server, &staying).await;
    assert_eq!(planned.len(), 1, "{planned:?}");
    let planned = planned[0].clone();
    c.goto(&format!(
        "{base}/missions/MONUSCO/actions/cancel-rotation?staff={staying}&rotation={planned}"
    ))
    .await
    .unwrap();
    axe(&c, &axe_js, "the cancel form with its rotation").await;
    c.find(Locator::Css("#reason"))
        .await
        .unwrap()
        .send_keys("the base needs them")
        .await
        .unwrap();
    submit(&c).await;
    url_until(&c, "cancelled", |u| u.ends_with("done=cancel-rotation")).await;
    let rotations = cla_staffing(&server, &staying).await["rotations"].clone();
    assert!(
        rotations
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == planned.as_str() && r["state"] == "CANCELLED"),
        "{rotations}"
    );

    // 3. Record an absence (today for a week, as the form offers).
    let absences = cla_staffing(&server, &staying).await["absences"]
        .as_array()
        .unwrap()
        .len();
    c.goto(&format!(
        "{base}/missions/MONUSCO/actions/absence?staff={staying}"
    ))
    .await
    .unwrap();
    c.find(Locator::Css("#kind"))
        .await
        .unwrap()
        .select_by_value("leave")
        .await
        .unwrap();
    submit(&c).await;
    url_until(&c, "recorded", |u| u.contains("done=absence")).await;
    assert_eq!(
        text_of(&c, "#action-done").await,
        "The absence is recorded."
    );
    // Still known on its last day.
    assert_eq!(
        cla_staffing_in(&server, &staying, 6).await["absences"]
            .as_array()
            .unwrap()
            .len(),
        absences + 1
    );
    // The base is now empty today: nobody present.
    let row = board(&server)
        .await
        .into_iter()
        .find(|r| r["baseId"] == base_id.as_str())
        .unwrap();
    assert_eq!(row["effectiveStrength"], 0);

    c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}
