//! Real peers the server talks to, started by the tests on 127.0.0.1: an SMTP server (aiosmtpd,
//! `services/notify/tests/smtp_sink.py`) and a webhook receiver that checks each signature as
//! the documentation tells receivers to.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "../../services/notify/tests/smtp_sink.rs"]
mod smtp_sink;

pub use smtp_sink::{SmtpSink, free_port};

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
