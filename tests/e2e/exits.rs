//! The data directory as someone else on the machine would find it: the store, its WAL, the
//! snapshot, the reactors' checkpoints and the signing secret hold personal data, so the directory
//! and everything the server writes in it are the owner's alone (0700 / 0600), whatever the umask
//! the server was started with.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cla_e2e::{TestServer, mission_with_base};

fn walk(dir: &Path, found: &mut Vec<(String, u32, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let mode = meta.permissions().mode() & 0o777;
        found.push((entry.path().display().to_string(), mode, meta.is_dir()));
        if meta.is_dir() {
            walk(&entry.path(), found);
        }
    }
}

#[tokio::test]
async fn everything_in_the_data_directory_is_the_owners_alone() {
    // A permissive umask, as a careless service manager might leave it.
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc_umask(0o022);
    }
    let kept = tempfile::tempdir().unwrap();
    let dir = kept.path().join("data");
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.snapshot_every_events = 1;
    })
    .await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    assert!(!base.is_empty());
    server.stop().await;
    let mut found = Vec::new();
    walk(&dir, &mut found);
    let names: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    for expected in ["events", "jwt-secret", "snapshot.bin"] {
        assert!(
            names.iter().any(|n| n.ends_with(expected)),
            "{expected} not written: {names:?}"
        );
    }
    let top = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(top, 0o700, "the data directory");
    for (path, mode, is_dir) in &found {
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{path} has mode {mode:o}");
    }
}

unsafe extern "C" {
    #[link_name = "umask"]
    fn libc_umask(mask: u32) -> u32;
}

/// CORS: only the configured origins are let in; by default none.
#[tokio::test]
async fn only_configured_origins_may_call_from_a_browser() {
    async fn preflight(server: &TestServer, origin: &str) -> Option<String> {
        let response = reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", server.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    }
    let closed = TestServer::start().await;
    assert_eq!(
        preflight(&closed, "https://reports.example.org").await,
        None
    );
    closed.stop().await;
    let open = TestServer::start_with(|c| {
        c.cors_allowed_origins = vec!["https://reports.example.org".into()];
    })
    .await;
    assert_eq!(
        preflight(&open, "https://reports.example.org")
            .await
            .as_deref(),
        Some("https://reports.example.org")
    );
    assert_eq!(preflight(&open, "https://evil.example.com").await, None);
    open.stop().await;
}
