//! The `cla` binary as a user runs it: `cla token` mints a token the server accepts; `cla schema`
//! prints the served schema.

use std::process::Command;

use cla_gateway::auth::Auth;
use cla_gateway::config::Config;
use cla_platform::Role;

fn cla(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cla"))
        .args(args)
        .env("CLA_DATA_DIR", data_dir)
        .env_remove("CLA_JWT_SECRET")
        .output()
        .expect("cla runs")
}

#[test]
fn token_mints_what_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = cla(
        dir.path(),
        &[
            "token",
            "--role",
            "CIVIL_AFFAIRS",
            "--mission",
            "MONUSCO",
            "--name",
            "A. Manager",
            "--ttl",
            "8h",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let who = Auth::load(&config).unwrap().verify(token.trim()).unwrap();
    assert_eq!(who.name, "A. Manager");
    assert!(who.holds_for("MONUSCO", &[Role::CivilAffairs]));
    assert!(!who.holds_for("MINUSCA", &[Role::CivilAffairs]));
    assert!(
        !String::from_utf8_lossy(&out.stderr)
            .contains(&std::fs::read_to_string(dir.path().join("jwt-secret")).unwrap())
    );

    let bad = cla(dir.path(), &["token", "--role", "GENERAL"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role GENERAL"));
    let bad = cla(dir.path(), &["token", "--role", "ADMIN", "--ttl", "soon"]);
    assert!(!bad.status.success());
}

#[test]
fn schema_prints_the_served_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = cla(dir.path(), &["schema"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        cla_gateway::schema::sdl()
    );
}

/// An empty, blank or short signing secret stops `cla serve` before it listens, with a message
/// that names the setting: with the empty key, anyone could sign an ADMIN token.
#[test]
fn serve_refuses_an_empty_or_short_signing_secret() {
    for weak in ["", "   ", "too-short-to-be-a-secret"] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_cla"))
            .args(["serve"])
            .env("CLA_DATA_DIR", dir.path())
            .env("CLA_LISTEN", "127.0.0.1:0")
            .env("CLA_JWT_SECRET", weak)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("cla runs");
        assert!(!out.status.success(), "a weak secret {weak:?} is refused");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("CLA_JWT_SECRET") && stderr.contains("at least 32 bytes"),
            "{stderr}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jwt-secret"), "  \n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("jwt-secret"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cla"))
        .args(["serve"])
        .env("CLA_DATA_DIR", dir.path())
        .env("CLA_LISTEN", "127.0.0.1:0")
        .env_remove("CLA_JWT_SECRET")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cla runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("cla serve started with an empty secret file");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert!(!status.success(), "an empty secret file is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("jwt-secret"));
}
