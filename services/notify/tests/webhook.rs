//! Signed webhooks against a real receiver: an axum server started by each test on 127.0.0.1,
//! which checks every request with `verify_webhook` as a receiver would, and records what it
//! accepted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cla_notify::{
    Channel, Notification, Notifier, Secret, Settings, WebhookSettings, verify_webhook,
};
use serde_json::{Value, json};

const SECRET: &str = "whsec-0123456789abcdef0123456789abcdef";

#[derive(Clone, Default)]
struct Receiver {
    accepted: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    refused: Arc<Mutex<u32>>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let ok = verify_webhook(
        SECRET,
        header(&headers, "x-cla-timestamp"),
        header(&headers, "x-cla-signature"),
        &body,
        chrono::Utc::now(),
        Duration::from_secs(300),
    );
    if !ok {
        *r.refused.lock().unwrap() += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let value: Value = serde_json::from_slice(&body).unwrap();
    r.accepted.lock().unwrap().push((headers, value));
    StatusCode::NO_CONTENT
}

/// The receiver's base URL.
async fn receiver(r: Receiver) -> String {
    let app = Router::new()
        .route("/hook", post(hook))
        .route(
            "/broken",
            post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route("/busy", post(|| async { StatusCode::TOO_MANY_REQUESTS }))
        .route("/refuses", post(|| async { StatusCode::BAD_REQUEST }))
        .route("/gone", post(|| async { StatusCode::GONE }))
        .route(
            "/moved",
            post(|| async {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [("location", "http://127.0.0.1:9/elsewhere")],
                )
            }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::OK
            }),
        )
        .with_state(r);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn notifier(secret: &str, timeout: Duration) -> Notifier {
    Notifier::new(Settings {
        webhook: Some(WebhookSettings {
            secret: Secret::new(secret),
            timeout,
        }),
        ..Settings::default()
    })
    .unwrap()
}

fn incident() -> Notification {
    Notification {
        id: "incident-42.step-2".into(),
        subject: "Kamango: duress".into(),
        text: "Acknowledge the incident.".into(),
        link: Some("https://cla.example.org/incidents/42".into()),
        payload: json!({ "incident": "42", "step": 2, "kind": "DURESS" }),
    }
}

#[tokio::test]
async fn a_signed_webhook_is_verified_and_received_with_its_id() {
    let r = Receiver::default();
    let base = receiver(r.clone()).await;
    let notifier = notifier(SECRET, Duration::from_secs(5));
    assert!(notifier.has(Channel::Webhook));
    let n = incident();
    let before = chrono::Utc::now().timestamp();
    notifier
        .send(Channel::Webhook, &format!("{base}/hook"), &n)
        .await
        .unwrap();
    notifier
        .send(Channel::Webhook, &format!("{base}/hook"), &n)
        .await
        .unwrap();
    let accepted = r.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 2);
    for (headers, body) in &accepted {
        assert_eq!(header(headers, "x-cla-notification-id"), n.id);
        assert_eq!(header(headers, "content-type"), "application/json");
        let ts: i64 = header(headers, "x-cla-timestamp").parse().unwrap();
        assert!(ts >= before && ts <= chrono::Utc::now().timestamp());
        assert!(header(headers, "x-cla-signature").starts_with("sha256="));
        assert_eq!(body["id"], n.id);
        assert_eq!(body["subject"], n.subject);
        assert_eq!(body["text"], n.text);
        assert_eq!(body["link"], n.link.as_deref().unwrap());
        assert_eq!(body["payload"], n.payload);
        let sent_at = chrono::DateTime::parse_from_rfc3339(body["sent_at"].as_str().unwrap())
            .unwrap()
            .timestamp();
        assert_eq!(sent_at, ts, "sent_at is the signed time");
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
    }
    // Without a link or payload: nulls, still signed.
    let bare = Notification {
        link: None,
        payload: Value::Null,
        ..incident()
    };
    notifier
        .send(Channel::Webhook, &format!("{base}/hook"), &bare)
        .await
        .unwrap();
    let last = r.accepted.lock().unwrap().last().unwrap().1.clone();
    assert_eq!(
        (last["link"].clone(), last["payload"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn a_webhook_signed_with_another_secret_fails_verification_and_is_not_retried() {
    let r = Receiver::default();
    let base = receiver(r.clone()).await;
    let impostor = notifier(
        "another-secret-another-secret-another",
        Duration::from_secs(5),
    );
    let e = impostor
        .send(Channel::Webhook, &format!("{base}/hook"), &incident())
        .await
        .unwrap_err();
    assert_eq!(e.reason, "HTTP 401");
    assert!(!e.retryable);
    assert_eq!(*r.refused.lock().unwrap(), 1);
    assert!(r.accepted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn receivers_answers_say_whether_another_attempt_may_succeed() {
    let base = receiver(Receiver::default()).await;
    let notifier = notifier(SECRET, Duration::from_millis(700));
    let n = incident();
    for (path, retryable, reason) in [
        ("/broken", true, "HTTP 500"),
        ("/busy", true, "HTTP 429"),
        ("/refuses", false, "HTTP 400"),
        ("/gone", false, "HTTP 410"),
        ("/moved", false, "HTTP 307"),
        ("/slow", true, "timed out"),
    ] {
        let url = format!("{base}{path}");
        let e = notifier.send(Channel::Webhook, &url, &n).await.unwrap_err();
        assert_eq!(
            (e.retryable, e.reason.as_str()),
            (retryable, reason),
            "{path}"
        );
        assert!(!e.reason.contains("127.0.0.1"), "no URL in the reason");
    }
    // Nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = notifier
        .send(
            Channel::Webhook,
            &format!("http://127.0.0.1:{port}/hook"),
            &n,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.retryable, e.reason.as_str()),
        (true, "connection failed")
    );
    // Personal data never goes in clear across a network.
    let e = notifier
        .send(Channel::Webhook, "http://ops.example.org/hook", &n)
        .await
        .unwrap_err();
    assert!(!e.retryable, "{e}");
}
