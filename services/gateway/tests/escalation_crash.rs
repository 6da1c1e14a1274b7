//! A notification decided survives a crash and arrives once. `cla serve` runs as an operator runs
//! it, from a configuration file in its data directory, emailing through an SMTP server that is
//! not there yet: a DANGER check-in opens an incident whose first step emails the duty officer, and
//! the first attempts fail. The server is killed with SIGKILL; the SMTP server (aiosmtpd,
//! `services/notify/tests/smtp_sink.py`) starts on that port; the server starts again on the same
//! data directory and the email arrives, named by one notification id (a second copy with the same
//! id would be allowed: the receiver deduplicates by it), and the incident's timeline says it was
//! delivered.
//!
//! Without aiosmtpd (`python3 -m pip install aiosmtpd`) the test says "skipped"; under `CI=true`
//! it fails.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const MISSION: &str = "CRASH";
const DUTY_EMAIL: &str = "duty.officer@example.org";
const MESSAGE_ID_DOMAIN: &str = "alerts.crash.example.org";

#[path = "support/banner.rs"]
mod banner;
#[path = "../../notify/tests/smtp_sink.rs"]
mod smtp_sink;

use smtp_sink::{SmtpSink, aiosmtpd, free_port};

fn cla() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cla"));
    command
        .env_remove("CLA_JWT_SECRET")
        .env_remove("CLA_CONFIG")
        .env_remove("RUST_LOG");
    command
}

/// `cla serve` on the configuration file, killed when dropped.
struct Served {
    child: Child,
    url: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(config: &Path) -> Served {
    let mut child = cla()
        .arg("--config")
        .arg(config)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cla serve runs");
    let (rx, stderr) = banner::watch(child.stderr.take().unwrap());
    let url = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "cla serve never named its address:\n{}",
                stderr.join().unwrap()
            );
        }
    };
    Served {
        child,
        url,
        stderr: Some(stderr),
    }
}

impl Served {
    /// SIGKILL: no shutdown, no snapshot, nothing flushed but what the store made durable.
    fn kill_9(mut self) -> String {
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "killed, not exited: {status}");
        self.stderr.take().unwrap().join().unwrap()
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    async fn run(&self, query: &str, variables: Value) -> Value {
        let body: Value = self
            .http
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON");
        assert!(body.get("errors").is_none(), "{query}: {body}");
        body["data"].clone()
    }

    /// The incident's timeline entries' kinds, oldest first.
    async fn timeline(&self, incident: &str) -> Vec<String> {
        let data = self
            .run(
                "query($i: ID!) { incident(id: $i) { timeline { kind attempt detail } } }",
                json!({ "i": incident }),
            )
            .await;
        data["incident"]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }

    /// Polls the timeline until `done` holds of it, or fails at the deadline.
    async fn timeline_until(
        &self,
        incident: &str,
        within: Duration,
        what: &str,
        done: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let timeline = self.timeline(incident).await;
            if done(&timeline) {
                return timeline;
            }
            assert!(
                Instant::now() < deadline,
                "{what} within {within:?}; the timeline: {timeline:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn count(timeline: &[String], kind: &str) -> usize {
    timeline.iter().filter(|k| *k == kind).count()
}

/// A mission with a CLA deployed, the duty officer as a named contact by email, and a procedure
/// whose first step emails them for a DANGER check-in; returns the CLA.
async fn set_up(c: &Client) -> String {
    c.run(
        "mutation($m: String!, $f: Date!) { createMission(input: {code: $m, name: \"Mission\", country: \"Country\", effective: $f}) { code } }",
        json!({ "m": MISSION, "f": day(-400) }),
    )
    .await;
    let office = c
        .run(
            "mutation($m: String!, $f: Date!) { openFieldOffice(input: {missionCode: $m, name: \"Office\", effective: $f}) { id } }",
            json!({ "m": MISSION, "f": day(-400) }),
        )
        .await["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = c
        .run(
            "mutation($o: String!, $f: Date!) { openBase(input: {fieldOfficeId: $o, name: \"Base\", kind: COMPANY_OPERATING_BASE, effective: $f}) { id } }",
            json!({ "o": office, "f": day(-400) }),
        )
        .await["openBase"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let staff = c
        .run(
            "mutation($b: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: \"CLA\", gender: FEMALE, indexNumber: \"400001\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }",
            json!({ "b": base, "f": day(-300) }),
        )
        .await["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.run(
        "mutation($s: String!, $f: Date!) { activateStaff(staffId: $s, effective: $f) { id } }",
        json!({ "s": staff, "f": day(-290) }),
    )
    .await;
    c.run(
        "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { staffId } }",
        json!({ "s": staff, "b": base, "f": day(-10) }),
    )
    .await;
    c.run(
        "mutation($m: String!, $e: String!) { setEscalationContact(missionCode: $m, contactId: \"duty-officer\", name: \"Duty officer\", email: $e) { missionCode } }",
        json!({ "m": MISSION, "e": DUTY_EMAIL }),
    )
    .await;
    c.run(
        "mutation($m: String!) { setEscalationProcedure(missionCode: $m, kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"duty-officer\", needToKnow: true}], channels: [EMAIL], waitMinutes: 30}]) { missionCode } }",
        json!({ "m": MISSION }),
    )
    .await;
    staff
}

fn header<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message["headers"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_notification_survives_sigkill_and_arrives_once() {
    let test = "a_decided_notification_survives_sigkill_and_arrives_once";
    if !aiosmtpd(test) {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let smtp_port = free_port();
    let config = data.path().join("cla.toml");
    std::fs::write(
        &config,
        format!(
            r#"[server]
listen = "127.0.0.1:0"
data_dir = "{}"
log = "info"

[projections]
scan_interval_seconds = 0

[channels]
escalation_interval_ms = 200
notification_lease_seconds = 2
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_tls = "none"
smtp_from = "CLA alerts <cla@example.org>"
smtp_message_id_domain = "{MESSAGE_ID_DOMAIN}"
smtp_timeout_ms = 5000
"#,
            data.path().join("data").display()
        ),
    )
    .unwrap();
    let out = cla()
        .arg("--config")
        .arg(&config)
        .args([
            "token", "--role", "ADMIN", "--name", "Operator", "--ttl", "1h",
        ])
        .output()
        .expect("cla runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();

    // The first run: the notification is decided, and every attempt fails (nothing listens).
    let first = serve(&config);
    let c = Client {
        http: reqwest::Client::new(),
        url: first.url.clone(),
        token: token.clone(),
    };
    let staff = set_up(&c).await;
    c.run(
        "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }",
        json!({ "s": staff }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let incident = loop {
        let data = c
            .run(
                "query($m: String!) { incidents(missionCode: $m) { id kind staffId } }",
                json!({ "m": MISSION }),
            )
            .await;
        if let Some(i) = data["incidents"].as_array().unwrap().first() {
            assert_eq!(i["kind"], "UNDER_THREAT", "{i}");
            assert_eq!(i["staffId"], staff.as_str(), "{i}");
            break i["id"].as_str().unwrap().to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the DANGER check-in opened no incident within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let before = c
        .timeline_until(
            &incident,
            Duration::from_secs(30),
            "a failed attempt",
            |t| count(t, "NOTIFICATION_FAILED") >= 1,
        )
        .await;
    assert_eq!(count(&before, "NOTIFICATION_DECIDED"), 1, "{before:?}");
    assert_eq!(count(&before, "NOTIFICATION_DELIVERED"), 0, "{before:?}");
    let logged = first.kill_9();
    assert!(
        logged.contains("a notification could not be sent"),
        "the failed attempt is logged:\n{logged}"
    );
    assert!(
        !logged.contains(DUTY_EMAIL),
        "the address is not logged:\n{logged}"
    );

    // The SMTP server comes up on that port; the server starts again on the same data directory.
    let sink = SmtpSink::start_on(smtp_port);
    assert!(sink.messages().is_empty());
    let second = serve(&config);
    let c = Client {
        http: reqwest::Client::new(),
        url: second.url.clone(),
        token,
    };
    let after = c
        .timeline_until(
            &incident,
            Duration::from_secs(60),
            "the notification delivered after the restart",
            |t| count(t, "NOTIFICATION_DELIVERED") >= 1,
        )
        .await;
    assert_eq!(count(&after, "NOTIFICATION_DECIDED"), 1, "{after:?}");
    assert_eq!(count(&after, "NOTIFICATION_DELIVERED"), 1, "{after:?}");
    assert!(
        count(&after, "NOTIFICATION_FAILED") >= count(&before, "NOTIFICATION_FAILED"),
        "the failures before the crash are still there: {after:?}"
    );

    // Delivered means the SMTP server accepted it: it is in the sink's directory already.
    let received = sink.messages();
    assert!(!received.is_empty(), "delivered, yet nothing received");
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .map(|m| header(m, "X-CLA-Notification-Id").expect("X-CLA-Notification-Id"))
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one notification, one id (copies share it): {ids:?}"
    );
    let id = *ids.iter().next().unwrap();
    for m in &received {
        assert_eq!(
            header(m, "Message-ID"),
            Some(format!("<{id}@{MESSAGE_ID_DOMAIN}>").as_str()),
            "a copy is the same message: {m}"
        );
        assert_eq!(m["rcpt_tos"], json!([DUTY_EMAIL]), "{m}");
        let subject = header(m, "Subject").unwrap_or_default();
        assert!(subject.starts_with("[CLA]"), "{subject}");
    }
    let body = received[0]["body"].as_str().unwrap();
    assert!(body.contains("/ack/"), "the acknowledge link: {body}");
    assert!(body.contains(&format!("/incidents/{incident}")), "{body}");
    drop(second);
}
