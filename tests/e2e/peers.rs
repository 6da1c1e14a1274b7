//! Real peers the server talks to, started by the tests on 127.0.0.1: an SMTP server (aiosmtpd,
//! `services/notify/tests/smtp_sink.py`) and a webhook receiver that checks each signature as
//! the documentation tells receivers to.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running aiosmtpd, killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// aiosmtpd on a free port; `None` (and "skipped" said) where python3 cannot import it,
    /// outside CI (under `CI=true` that fails the test).
    pub fn start(test: &str) -> Option<Self> {
        Self::start_on(test, free_port())
    }

    pub fn start_on(test: &str, port: u16) -> Option<Self> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: aiosmtpd is not importable by python3; CI must install it (.ci/run)"
            );
            eprintln!("{test}: skipped (python3 cannot import aiosmtpd)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/notify/tests/smtp_sink.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let sink = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        Some(sink)
    }

    /// Every message received so far, in order: envelope, headers, body.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u32>().ok())
        });
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }

    /// The messages once at least `count` have been received, waiting up to `within`.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{count} emails expected, {} received: {messages:?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One webhook call received: its body and whether its signature checked out.
#[derive(Clone, Debug)]
pub struct Hook {
    pub body: Value,
    pub id: String,
    pub signed: bool,
}

/// A webhook receiver on 127.0.0.1: keeps every call, checking `X-CLA-Signature` with `secret`.
pub struct WebhookReceiver {
    pub url: String,
    received: Arc<Mutex<Vec<Hook>>>,
}

impl WebhookReceiver {
    pub async fn start(secret: &str) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&received);
        let secret = secret.to_string();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let keep = Arc::clone(&keep);
                    let secret = secret.clone();
                    async move {
                        let header = |n: &str| {
                            headers
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string()
                        };
                        let signed = cla_notify::verify_webhook(
                            &secret,
                            &header("x-cla-timestamp"),
                            &header("x-cla-signature"),
                            &body,
                            chrono::Utc::now(),
                            Duration::from_secs(300),
                        );
                        keep.lock().unwrap().push(Hook {
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            id: header("x-cla-notification-id"),
                            signed,
                        });
                        axum::http::StatusCode::OK
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, received }
    }

    pub fn received(&self) -> Vec<Hook> {
        self.received.lock().unwrap().clone()
    }

    /// The calls once at least `count` have come, waiting up to `within`.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Hook> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{count} webhook calls expected, {} received",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
