//! The `cla` binary as a user runs it: `cla token` mints a token the server accepts; `cla schema`
//! prints the served schema; `cla serve` never prints a token; `cla import` and `cla export`
//! against a running server.

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
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("'GENERAL'") && said.contains("CIVIL_AFFAIRS"),
        "the choices are named: {said}"
    );
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

/// Where a JWT (three base64url parts, the first a JSON header) appears in `text`.
fn jwt_in(text: &str) -> Option<&str> {
    let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let candidate = &rest[at..];
        let end = candidate
            .find(|c: char| !(url_safe(c) || c == '.'))
            .unwrap_or(candidate.len());
        let word = &candidate[..end];
        let parts: Vec<&str> = word.split('.').collect();
        if parts.len() >= 3 && parts[..3].iter().all(|p| !p.is_empty()) {
            return Some(word);
        }
        rest = &candidate[3..];
    }
    None
}

#[test]
fn a_jwt_is_recognised() {
    assert!(jwt_in("token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln\n").is_some());
    assert!(jwt_in("eyJ alone, and eyJhbGciOiJIUzI1NiJ9 without its parts").is_none());
}

/// `cla serve --demo` loads the demo and says where its tokens are, but prints none, on either
/// stream; the tokens are in an owner-only file and sign in.
#[test]
fn serve_prints_no_token() {
    use std::io::{BufRead, Read};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cla"))
        .args(["serve", "--demo"])
        .env("CLA_DATA_DIR", dir.path())
        .env("CLA_LISTEN", "127.0.0.1:0")
        .env("CLA_SCAN_INTERVAL_SECONDS", "0")
        .env("CLA_LOG", "debug")
        .env_remove("CLA_JWT_SECRET")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cla runs");
    let mut stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let answered = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    // The banner is on standard error, beside the logs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let mut printed = String::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                printed.push_str(&line);
                printed.push('\n');
                // The banner's last line: the sign-in links are printed.
                if line.contains("/sign-in/") && line.contains("CIVIL_AFFAIRS") {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("cla serve --demo never finished its banner:\n{printed}");
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    printed.extend(lines.try_iter().map(|l| l + "\n"));
    let logged = answered.join().unwrap();
    assert!(
        logged.is_empty(),
        "standard output is for what a command answers: {logged}"
    );
    assert!(
        printed.contains("the store is empty: loading the demo dataset"),
        "{printed}"
    );

    assert!(printed.contains("demo loaded"), "{printed}");
    assert!(jwt_in(&printed).is_none(), "a token on stderr:\n{printed}");
    assert!(jwt_in(&logged).is_none(), "a token on stdout:\n{logged}");
    let file = dir.path().join("demo-tokens");
    assert!(
        printed.contains(&file.display().to_string()),
        "the banner names the tokens' file: {printed}"
    );
    assert!(printed.contains("-- token --role"), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&file).unwrap();
    let token = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .to_string()
    };
    let auth = Auth::load(&Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    })
    .unwrap();
    assert!(auth.verify(&token("ADMIN_TOKEN")).unwrap().has(Role::Admin));
    let scoped = auth.verify(&token("CIVIL_AFFAIRS_TOKEN")).unwrap();
    assert!(scoped.holds_for("MONUSCO", &[Role::CivilAffairs]));
}

/// `cla import` against a running server: a summary, every error of a file as a table (line,
/// column, message) and exit 1, nothing written; `cla export` with its choices named by `--help`
/// and refused by name; a server that is not there named by its address.
#[test]
fn import_and_export_speak_in_tables_and_choices() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        ..Config::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = runtime.block_on(cla_gateway::start(&config)).unwrap();
    let server = format!("http://{}", running.addr);
    let auth = Auth::load(&config).unwrap();
    let admin = auth
        .mint(
            "admin",
            "Admin",
            &[Role::Admin],
            &[],
            std::time::Duration::from_secs(600),
        )
        .unwrap();
    let hr = auth
        .mint(
            "hr",
            "HR",
            &[Role::MissionHr],
            &["ALPHA".to_string()],
            std::time::Duration::from_secs(600),
        )
        .unwrap();
    let gql = |query: &str| {
        let body = serde_json::json!({ "query": query });
        runtime.block_on(async {
            reqwest::Client::new()
                .post(format!("{server}/graphql"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        })
    };
    gql(
        "mutation { createMission(input: {code: \"ALPHA\", name: \"Mission\", country: \"Country\", effective: \"2020-01-01\"}) { code } }",
    );
    let office = gql("mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"Beni\", effective: \"2020-01-01\"}) { id } }")["data"]["openFieldOffice"]["id"].as_str().unwrap().to_string();
    gql(&format!(
        "mutation {{ openBase(input: {{fieldOfficeId: \"{office}\", name: \"COB Oicha\", kind: COMPANY_OPERATING_BASE, effective: \"2020-01-01\"}}) {{ id }} }}"
    ));

    let header = "index_number,name,gender,grade,appointment_type,appointment_start,appointment_end,base,languages,home_community,status,effective";
    let bad = format!(
        "{header}\n4510001,Neema Kavira,FEMALE,GS-9,FIXED_TERM,2023-03-01,2027-02-28,COB Oicha,Swahili:NATIVE,Oicha,ACTIVE,2023-03-01\n4510002,Baraka Paluku,MALE\n4510003,Esther Masika,FEMALE,GS-5,FIXED_TERM,2024-01-08,2027-01-07,Nowhere,Swahili:FLUENT,Eringeti,ACTIVE,2024-01-08\n"
    );
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, bad).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cla"))
            .args(args)
            .env("CLA_DATA_DIR", dir.path())
            .env("CLA_SERVER", &server)
            .env("CLA_TOKEN", &hr)
            .output()
            .expect("cla runs")
    };
    let file_arg = file.display().to_string();
    let out = run(&["import", "staff", "--mission", "ALPHA", "--file", &file_arg]);
    assert_eq!(out.status.code(), Some(1));
    let summary = String::from_utf8_lossy(&out.stdout);
    let table = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("3 rows, 3 errors; nothing was written"),
        "{summary}"
    );
    let lines: Vec<&str> = table
        .lines()
        .skip_while(|l| !(l.contains("line") && l.contains("column") && l.contains("message")))
        .collect();
    assert!(
        lines[0].contains("line") && lines[0].contains("column") && lines[0].contains("message"),
        "{table}"
    );
    // Every error, the ragged row's among the others, in line order.
    assert!(lines[1].trim_start().starts_with("2  grade"), "{table}");
    assert!(
        lines[2].trim_start().starts_with("3  -")
            && lines[2].contains("3 cells where the header has 12"),
        "{table}"
    );
    assert!(
        lines[3].trim_start().starts_with("4  base") && lines[3].contains("Nowhere"),
        "{table}"
    );
    assert!(!table.contains('{'), "a table, not JSON: {table}");

    // The same as JSON where asked; then a good file, dry run and for real.
    let out = run(&[
        "import",
        "staff",
        "--mission",
        "ALPHA",
        "--file",
        &file_arg,
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 3);
    std::fs::write(
        &file,
        format!("{header}\n4510001,Neema Kavira,FEMALE,GS-5,FIXED_TERM,2023-03-01,2027-02-28,COB Oicha,Swahili:NATIVE,Oicha,ACTIVE,2023-03-01\n"),
    )
    .unwrap();
    let out = run(&[
        "import",
        "staff",
        "--mission",
        "ALPHA",
        "--file",
        &file_arg,
        "--dry-run",
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("1 would be created, 0 already there; a dry run, nothing written")
    );
    let out = run(&["import", "staff", "--mission", "ALPHA", "--file", &file_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 rows: 1 created, 0 already there"));
    let out = run(&["export", "staff", "--mission", "ALPHA", "--locale", "fr"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("\u{feff}index_number;name;"));

    // Choices by name.
    let out = run(&["export", "everything"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("board") && said.contains("hq-review"),
        "{said}"
    );
    let help = String::from_utf8_lossy(&run(&["export", "--help"]).stdout).to_string();
    for option in ["--mission", "--as-of", "--locale", "--server", "--token"] {
        let line = help
            .lines()
            .find(|l| l.contains(option))
            .unwrap_or_else(|| panic!("{option}: {help}"));
        let described = line
            .split(option)
            .nth(1)
            .map(|rest| rest.split_whitespace().count())
            .unwrap_or(0)
            + help
                .lines()
                .skip_while(|l| !l.contains(option))
                .nth(1)
                .map_or(0, |next| next.split_whitespace().count());
        assert!(described > 1, "{option} has help text: {help}");
    }

    runtime.block_on(running.stop());
    // No server there: the address tried is said.
    let out = run(&["export", "board", "--mission", "ALPHA"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("no server answered at {server}")),
        "{said}"
    );
}
