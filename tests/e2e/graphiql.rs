//! GraphiQL in a real Chromium (Debian's `chromium` and `chromium-driver`, over WebDriver): the
//! page at `/graphql` starts under its Content-Security-Policy with nothing but the server's own
//! files, opens with the example query and the token header's template, and runs a query once
//! the token is filled in. Its screen is written to `target/screenshots/graphiql.png`.
//!
//! Without Chromium or chromedriver the journey says "skipped" — and fails under `CI=true`, where
//! `.ci/run` installs them.

mod browser;

use std::time::{Duration, Instant};

use browser::*;
use cla_e2e::{TestServer, mission_with_base};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// Runs `script` until it returns something other than null or false, within a deadline.
async fn until(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = c.execute(script, vec![]).await.unwrap();
        if !matches!(value, Value::Null | Value::Bool(false)) {
            return value;
        }
        assert!(Instant::now() < deadline, "never {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of the CodeMirror editor inside `css`.
fn editor(css: &str) -> String {
    format!(
        "const e = document.querySelector('{css} .CodeMirror'); return e && e.CodeMirror.getValue();"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_offline_in_a_real_browser() {
    let missing = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|p| !std::path::Path::new(p).exists());
    if let Some(missing) = missing {
        skip_or_fail(missing);
        return;
    }
    let server = TestServer::start().await;
    mission_with_base(&server, "MONUSCO").await;
    let driver = driver().await;
    let c = browser(&driver).await;
    c.goto(&format!("{}/graphql", server.base)).await.unwrap();

    until(
        &c,
        "GraphiQL started",
        "return document.querySelector('.graphiql-container') !== null;",
    )
    .await;
    assert_eq!(c.title().await.unwrap(), "CLA workforce — GraphQL");
    let query = until(
        &c,
        "the query editor filled",
        &editor(".graphiql-query-editor"),
    )
    .await;
    assert!(
        query
            .as_str()
            .unwrap()
            .contains("baseBoard(missionCode: \"MONUSCO\""),
        "{query}"
    );
    let headers = until(
        &c,
        "the header editor filled",
        &editor(".graphiql-editor-tool .graphiql-editor:not(.hidden)"),
    )
    .await;
    assert!(
        headers
            .as_str()
            .unwrap()
            .contains("\"Authorization\": \"Bearer <token>\""),
        "{headers}"
    );

    // The token filled in, the example query runs and its answer shows.
    let token = server.admin();
    c.execute(
        "document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.setValue(arguments[0]);",
        vec![json!(format!("{{\"Authorization\": \"Bearer {token}\"}}"))],
    )
    .await
    .unwrap();
    c.find(Locator::Css(".graphiql-execute-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answer = until(
        &c,
        "the answer shown",
        "const e = document.querySelector('.result-window .CodeMirror'); const v = e && e.CodeMirror.getValue(); return v && v.includes('totalCount') ? v : null;",
    )
    .await;
    let answer: Value = serde_json::from_str(answer.as_str().unwrap()).unwrap();
    assert_eq!(answer["data"]["baseBoard"]["totalCount"], 1, "{answer}");
    screenshot(&c, "graphiql").await;

    // Everything the page loaded came from the server itself.
    let foreign = c
        .execute(
            "return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(foreign, json!([]), "loaded from elsewhere");
    c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}
