//! Email against a real SMTP server: aiosmtpd (`tests/smtp_sink.py`), started by each test on
//! 127.0.0.1, writing every message it accepts to a directory the test reads.
//!
//! Without aiosmtpd (`python3 -m pip install aiosmtpd`), the tests that need it say "skipped";
//! under `CI=true` they fail.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cla_notify::{Channel, EmailSettings, Notification, Notifier, Secret, Settings, SmtpTls};
use serde_json::Value;

#[path = "smtp_sink.rs"]
mod smtp_sink;

use smtp_sink::{SmtpSink, free_port};

/// aiosmtpd, started; `None` (and "skipped" said) where it is not installed, outside CI.
fn smtp_sink(test: &str) -> Option<SmtpSink> {
    SmtpSink::start(test)
}

/// The summaries of the messages received, once `count` have been (in the order received).
fn received(dir: &Path, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        if files.len() >= count {
            files.sort_by_key(|p| {
                p.file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(|s| s.parse::<u32>().ok())
            });
            return files
                .iter()
                .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "{count} messages expected, {} received",
            files.len()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn notifier(port: u16) -> Notifier {
    Notifier::new(Settings {
        email: Some(EmailSettings {
            message_id_domain: "alerts.cla.example.org".into(),
            timeout: Duration::from_secs(5),
            ..EmailSettings::plain("127.0.0.1", port, "CLA alerts <cla@example.org>")
        }),
        ..Settings::default()
    })
    .unwrap()
}

fn incident() -> Notification {
    Notification {
        id: "incident-01J2K.step-1.contact-2".into(),
        subject: "Kamango : CLA injoignable depuis 30 h".into(),
        text: "Un CLA de Kamango n'a pas donné de nouvelles.\nOuvrez l'incident pour accuser réception."
            .into(),
        link: Some("https://cla.example.org/incidents/01J2K".into()),
        payload: serde_json::json!({ "incident": "01J2K" }),
    }
}

#[tokio::test]
async fn an_email_reaches_a_real_smtp_server_named_by_its_notification() {
    let Some(sink) = smtp_sink("an_email_reaches_a_real_smtp_server_named_by_its_notification")
    else {
        return;
    };
    let notifier = notifier(sink.port);
    assert!(notifier.has(Channel::Email));
    assert!(!notifier.has(Channel::Webhook) && !notifier.has(Channel::Sms));
    let n = incident();
    notifier
        .send(Channel::Email, "duty.officer@example.org", &n)
        .await
        .unwrap();
    // A resend (the caller did not learn the first went through) carries the same id.
    notifier
        .send(Channel::Email, "duty.officer@example.org", &n)
        .await
        .unwrap();
    let messages = received(sink.dir.path(), 2);
    assert_eq!(messages.len(), 2);
    for m in &messages {
        assert_eq!(m["mail_from"], "cla@example.org");
        assert_eq!(
            m["rcpt_tos"],
            serde_json::json!(["duty.officer@example.org"])
        );
        let h = &m["headers"];
        assert_eq!(h["Subject"], n.subject, "{m}");
        assert_eq!(h["To"], "duty.officer@example.org");
        assert_eq!(h["From"], "CLA alerts <cla@example.org>");
        assert_eq!(
            h["Message-ID"],
            "<incident-01J2K.step-1.contact-2@alerts.cla.example.org>"
        );
        assert_eq!(h["X-CLA-Notification-Id"], n.id);
        assert_eq!(m["content_type"], "text/plain");
        let body = m["body"].as_str().unwrap().replace("\r\n", "\n");
        assert_eq!(
            body.trim_end(),
            format!("{}\n\n{}", n.text, n.link.as_deref().unwrap()),
            "the text, then the link on its own line"
        );
    }
}

#[tokio::test]
async fn smtp_refusals_are_permanent_or_retryable_as_their_codes_say() {
    let Some(sink) = smtp_sink("smtp_refusals_are_permanent_or_retryable_as_their_codes_say")
    else {
        return;
    };
    let notifier = notifier(sink.port);
    let n = incident();
    let permanent = notifier
        .send(Channel::Email, "reject@example.org", &n)
        .await
        .unwrap_err();
    assert!(!permanent.retryable, "{permanent}");
    assert_eq!(permanent.reason, "SMTP 550");
    let transient = notifier
        .send(Channel::Email, "later@example.org", &n)
        .await
        .unwrap_err();
    assert!(transient.retryable, "{transient}");
    assert_eq!(transient.reason, "SMTP 451");
    for e in [&permanent, &transient] {
        assert!(
            !e.reason.contains("example.org") && !e.reason.contains("mailbox"),
            "no address, no server text: {e}"
        );
    }
    let bad = notifier
        .send(Channel::Email, "not an address", &n)
        .await
        .unwrap_err();
    assert!(!bad.retryable);
    // The server took none of them.
    notifier
        .send(Channel::Email, "ok@example.org", &n)
        .await
        .unwrap();
    let messages = received(sink.dir.path(), 1);
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0]["rcpt_tos"],
        serde_json::json!(["ok@example.org"])
    );
}

#[tokio::test]
async fn an_smtp_server_that_is_down_or_silent_is_worth_another_attempt() {
    // Nothing listens: connection refused.
    let down = notifier(free_port())
        .send(Channel::Email, "duty.officer@example.org", &incident())
        .await
        .unwrap_err();
    assert!(down.retryable, "{down}");
    assert_eq!(down.reason, "connection failed");

    // A server that accepts the connection and never greets: the timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let silent = Notifier::new(Settings {
        email: Some(EmailSettings {
            timeout: Duration::from_millis(500),
            ..EmailSettings::plain("127.0.0.1", port, "cla@example.org")
        }),
        ..Settings::default()
    })
    .unwrap();
    let started = Instant::now();
    let e = silent
        .send(Channel::Email, "duty.officer@example.org", &incident())
        .await
        .unwrap_err();
    assert_eq!((e.retryable, e.reason.as_str()), (true, "timed out"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by the timeout"
    );
    held.abort();
}

#[test]
fn a_password_never_goes_in_clear_to_another_machine() {
    let e = Notifier::new(Settings {
        email: Some(EmailSettings {
            username: Some("cla".into()),
            password: Some(Secret::new("smtp-password")),
            ..EmailSettings::plain("smtp.example.org", 25, "cla@example.org")
        }),
        ..Settings::default()
    })
    .unwrap_err();
    assert_eq!(e.setting, "smtp_tls");
    assert!(!e.to_string().contains("smtp-password"));
    assert!(
        Notifier::new(Settings {
            email: Some(EmailSettings {
                tls: SmtpTls::Tls,
                port: 465,
                username: Some("cla".into()),
                password: Some(Secret::new("smtp-password")),
                ..EmailSettings::plain("smtp.example.org", 25, "cla@example.org")
            }),
            ..Settings::default()
        })
        .is_ok()
    );
}
