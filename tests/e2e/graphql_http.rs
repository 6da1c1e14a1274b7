//! The graphql-http project's server audits (its conformance checks of the GraphQL over HTTP
//! specification) against the real server: none may fail, not even a recommendation. They run
//! in Node (`tests/graphql-http`, installed with `npm ci --prefix tests/graphql-http`); without
//! Node or the package the test says it skipped, except in CI, where it fails.

use std::path::PathBuf;
use std::process::Command;

use cla_e2e::TestServer;

fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{what}: the GraphQL over HTTP audits cannot run (npm ci --prefix tests/graphql-http)"
        );
    }
    println!("skipped: {what} (npm ci --prefix tests/graphql-http)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_passes_every_graphql_over_http_audit() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("graphql-http");
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        return missing("node is not installed");
    }
    if !dir.join("node_modules/graphql-http/package.json").exists() {
        return missing("the graphql-http package is not installed");
    }
    let server = TestServer::start().await;
    let url = format!("{}/graphql", server.base);
    let token = server.admin();
    let output = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(&url)
        .arg(&token)
        .current_dir(&dir)
        .output()
        .await
        .expect("node runs the audits");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "the audits did not run: {stderr}");
    let counts: serde_json::Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no counts from the audits: {stdout} {stderr}"));
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("ERROR ") || l.starts_with("WARN "))
        .collect();
    assert!(
        counts["ok"].as_u64().unwrap_or(0) > 0,
        "no audit passed: {stdout}"
    );
    assert_eq!(
        (counts["error"].as_u64(), counts["warn"].as_u64()),
        (Some(0), Some(0)),
        "failed audits:\n{}",
        failed.join("\n")
    );
    server.stop().await;
}
