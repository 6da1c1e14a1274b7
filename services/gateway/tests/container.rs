//! The container image and the compose file say what operators rely on (neither is built here:
//! this repository's CI has no container engine). The image runs `cla serve` — never the demo,
//! which would print sign-in links into a production log — as a non-root user, its state in a
//! volume, healthy once `/readyz` answers; the compose file runs two replicas of it beside the
//! KurrentDB cluster; and every `CLA_` variable they set is a configuration key, which together
//! make a configuration the server accepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cla_gateway::config::{Config, keys};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `CLA_NAME: value` / `CLA_NAME=value` pairs a file sets, first value kept.
fn variables(text: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        for (at, _) in line.match_indices("CLA_") {
            let rest = &line[at..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let value = rest[name.len()..]
                .trim_start_matches([':', '='])
                .trim()
                .trim_end_matches('\\')
                .trim()
                .trim_matches('"')
                .to_string();
            found.entry(name).or_insert(value);
        }
    }
    found
}

/// Names set for the health check or for compose itself, not for the server.
const NOT_CONFIGURATION: &[&str] = &["CLA_HEALTH_ADDRESS", "CLA_KURRENTDB_IMAGE"];

fn check_keys(file: &str, vars: &BTreeMap<String, String>) {
    for name in vars.keys() {
        let key = name.trim_start_matches("CLA_").to_ascii_lowercase();
        assert!(
            keys().any(|k| k == key) || NOT_CONFIGURATION.contains(&name.as_str()),
            "{file} sets {name}, which the server does not read"
        );
    }
}

#[test]
fn the_image_serves_as_a_non_root_user_and_never_loads_the_demo() {
    let docker = read("Dockerfile");
    let last_stage = docker.rsplit("\nFROM ").next().unwrap();
    assert!(last_stage.contains("\nUSER cla\n"), "{last_stage}");
    assert!(last_stage.contains("useradd --system --uid 10001"));
    assert!(last_stage.contains("ENTRYPOINT [\"/usr/local/bin/cla\"]"));
    assert!(last_stage.contains("CMD [\"serve\"]"));
    assert!(!docker.contains("--demo"), "the image never loads the demo");
    assert!(last_stage.contains("VOLUME [\"/var/lib/cla\"]"));
    assert!(last_stage.contains("CLA_DATA_DIR=/var/lib/cla"));
    let health = last_stage
        .split("HEALTHCHECK")
        .nth(1)
        .expect("a health check");
    assert!(health.contains("/readyz"), "{health}");
    assert!(
        docker.contains("cargo build --release --locked"),
        "built from the lock file"
    );
    let vars = variables(&docker);
    assert!(vars.contains_key("CLA_LISTEN"), "{vars:?}");
    check_keys("Dockerfile", &vars);
    let ignored = read(".dockerignore");
    for kept_out in ["target", "data", "ops/secrets"] {
        assert!(
            ignored.lines().any(|l| l == kept_out),
            "{kept_out} in the build context"
        );
    }
}

#[test]
fn the_compose_file_runs_two_replicas_beside_the_cluster() {
    let compose = read("ops/docker-compose.yml");
    let included = compose
        .lines()
        .skip_while(|l| *l != "include:")
        .nth(1)
        .unwrap()
        .trim()
        .trim_start_matches("- ");
    assert!(
        repo().join("ops").join(included).exists(),
        "the included cluster file {included}"
    );
    let cluster = read(&format!("ops/{included}"));
    for node in ["node1:", "node2:", "node3:"] {
        assert!(cluster.contains(node) && compose.contains(node), "{node}");
    }
    let services: Vec<&str> = compose
        .lines()
        .skip_while(|l| *l != "services:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    assert_eq!(services, ["cla-1", "cla-2"], "two replicas");
    assert!(compose.contains("command: [\"serve\"]"));
    assert!(!compose.contains("--demo"));
    let listens: Vec<&str> = compose
        .lines()
        .filter_map(|l| l.trim().strip_prefix("CLA_LISTEN: "))
        .collect();
    assert_eq!(listens.len(), 2);
    assert_ne!(listens[0], listens[1], "each replica on its own port");

    // What the replicas are given is a configuration the server accepts.
    let vars = variables(&compose);
    check_keys("ops/docker-compose.yml", &vars);
    let mut env: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(name, _)| !NOT_CONFIGURATION.contains(&name.as_str()))
        .map(|(name, value)| {
            // `${CLA_JWT_SECRET:?…}`: the operator's secret, here a made-up one of the right size.
            let value = if value.starts_with("${") {
                if value.contains(":-") {
                    value
                        .split(":-")
                        .nth(1)
                        .unwrap()
                        .trim_end_matches('}')
                        .to_string()
                } else {
                    "ab".repeat(32)
                }
            } else {
                value
            };
            (name, value)
        })
        .collect();
    env.push(("CLA_DATA_DIR".into(), "/var/lib/cla".into()));
    let config = Config::load(None, env).expect("the compose file's configuration is accepted");
    assert_eq!(config.listen.port(), 8081);
    assert!(config.kurrentdb_url.is_some());
}
