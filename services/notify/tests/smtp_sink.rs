//! A real SMTP server for tests: aiosmtpd (`smtp_sink.py` beside this file) on 127.0.0.1,
//! writing every message it accepts to a directory as `<n>.json` (envelope, decoded headers,
//! body). Shared by the tests that send email (this crate's, the gateway's crash test, the
//! end-to-end escalation tests), each including this file as a module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running aiosmtpd, killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
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

/// Whether python3 can import aiosmtpd; where it cannot, `test` says "skipped", and under
/// `CI=true` fails (CI installs it: `.ci/run`).
pub fn aiosmtpd(test: &str) -> bool {
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
    }
    available
}

impl SmtpSink {
    /// aiosmtpd on a free port, once it listens; `None` where it is not installed (see
    /// [`aiosmtpd`]).
    pub fn start(test: &str) -> Option<Self> {
        aiosmtpd(test).then(|| Self::start_on(free_port()))
    }

    /// aiosmtpd on `port` (it must be installed), once it listens.
    pub fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // The including crate's directory, or one above it, holds the workspace's `services/`.
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("services/notify/tests/smtp_sink.py"))
            .find(|p| p.exists())
            .expect("services/notify/tests/smtp_sink.py");
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
        sink
    }

    /// Every message received so far, in the order received.
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
