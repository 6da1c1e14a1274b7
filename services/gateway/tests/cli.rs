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
