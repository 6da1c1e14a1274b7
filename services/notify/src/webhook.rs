//! Signed webhooks. A notification is POSTed as JSON
//! `{"id","subject","text","link","payload","sent_at"}` with three headers:
//!
//! - `X-CLA-Notification-Id`: the id (the same on every resend: receivers deduplicate by it);
//! - `X-CLA-Timestamp`: when it was signed, in Unix seconds;
//! - `X-CLA-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the shared secret, of
//!   `{timestamp}.{body}` (the body's exact bytes).
//!
//! A receiver recomputes the signature ([`verify_webhook`]), compares it in constant time and
//! refuses a timestamp too far from its clock (a replayed request). 2xx is success; 5xx, 429,
//! timeouts and connection failures are worth another attempt; any other answer is not.
//! Redirects are not followed. URLs are `https://`, or `http://` to this machine only: the text
//! is personal data and must not cross a network in clear.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Notification, Secret, SendError, SettingsError};

pub const ID_HEADER: &str = "X-CLA-Notification-Id";
pub const TIMESTAMP_HEADER: &str = "X-CLA-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-CLA-Signature";

/// The shortest signing secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// The key every request is signed with (at least [`MIN_SECRET_BYTES`] bytes).
    pub secret: Secret,
    /// Longest one request may take.
    pub timeout: Duration,
}

impl WebhookSettings {
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Hooks {
    client: reqwest::Client,
    secret: Secret,
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-CLA-Signature` value of `body` signed at `timestamp` (Unix seconds).
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("sha256={}", hex::encode(tag))
}

/// Whether a webhook request is ours: `signature_header` is `sha256=<hex>` of `{timestamp}.{body}`
/// under `secret` (compared in constant time), and `timestamp_header` is within `tolerance` of
/// `now` either way.
pub fn verify_webhook(
    secret: &str,
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> bool {
    let timestamp = timestamp_header.trim();
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return false;
    };
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.timestamp().abs_diff(seconds) > tolerance.unsigned_abs() {
        return false;
    }
    let Some(tag) = signature_header
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
    else {
        return false;
    };
    mac(secret, timestamp, body).verify_slice(&tag).is_ok()
}

/// Whether `url` may receive personal data: `https://`, or `http://` to this machine.
fn allowed_url(url: &str) -> Result<(), SendError> {
    if crate::private_url(url) {
        Ok(())
    } else {
        Err(SendError::permanent(
            "the webhook URL must be https:// (plain http only to this machine)",
        ))
    }
}

/// The JSON a receiver gets.
pub fn body(n: &Notification, sent_at: DateTime<Utc>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": n.id,
        "subject": n.subject,
        "text": n.text,
        "link": n.link,
        "payload": n.payload,
        "sent_at": sent_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }))
    .expect("JSON values serialize")
}

impl Hooks {
    pub(crate) fn new(s: WebhookSettings) -> Result<Self, SettingsError> {
        if s.secret.expose().trim().len() < MIN_SECRET_BYTES {
            return Err(SettingsError::new(
                "webhook_signing_secret",
                format!("must hold at least {MIN_SECRET_BYTES} bytes"),
            ));
        }
        if s.timeout.is_zero() {
            return Err(SettingsError::new("webhook_timeout_ms", "must be positive"));
        }
        Ok(Self {
            client: crate::http_client(s.timeout)?,
            secret: s.secret,
        })
    }

    pub(crate) async fn send(&self, url: &str, n: &Notification) -> Result<(), SendError> {
        allowed_url(url)?;
        let now = Utc::now();
        let body = body(n, now);
        let timestamp = now.timestamp();
        let signature = sign_webhook(self.secret.expose(), timestamp, &body);
        crate::post(
            self.client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(ID_HEADER, &n.id)
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, signature)
                .body(body),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_a_fresh_timestamp() {
        let secret = "k".repeat(32);
        let now = Utc::now();
        let t = now.timestamp();
        let body = br#"{"id":"n-1"}"#;
        let sig = sign_webhook(&secret, t, body);
        let tolerance = Duration::from_secs(300);
        let ts = t.to_string();
        assert!(verify_webhook(&secret, &ts, &sig, body, now, tolerance));
        assert!(!verify_webhook("other", &ts, &sig, body, now, tolerance));
        assert!(!verify_webhook(
            &secret,
            &ts,
            &sig,
            br#"{"id":"n-2"}"#,
            now,
            tolerance
        ));
        assert!(!verify_webhook(
            &secret,
            &(t + 1).to_string(),
            &sig,
            body,
            now,
            tolerance
        ));
        let stale = now + chrono::Duration::seconds(301);
        assert!(!verify_webhook(&secret, &ts, &sig, body, stale, tolerance));
        let early = now - chrono::Duration::seconds(301);
        assert!(!verify_webhook(&secret, &ts, &sig, body, early, tolerance));
        assert!(!verify_webhook(
            &secret,
            &ts,
            &sig.replace("sha256=", ""),
            body,
            now,
            tolerance
        ));
        assert!(!verify_webhook(&secret, "soon", &sig, body, now, tolerance));
    }

    #[test]
    fn personal_data_goes_to_https_or_this_machine_only() {
        assert!(allowed_url("https://ops.example.org/hook").is_ok());
        assert!(allowed_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(allowed_url("http://localhost/hook").is_ok());
        for bad in [
            "http://ops.example.org/hook",
            "ftp://x/y",
            "ops.example.org",
        ] {
            assert!(!allowed_url(bad).unwrap_err().retryable, "{bad}");
        }
    }

    #[test]
    fn a_short_secret_is_refused() {
        let e = Hooks::new(WebhookSettings::new(Secret::new("short")))
            .err()
            .unwrap();
        assert_eq!(e.setting, "webhook_signing_secret");
    }
}
