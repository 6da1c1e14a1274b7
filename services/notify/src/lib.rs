//! Outbound channels: how a notification leaves the system and reaches a person (DESIGN §8).
//!
//! - `email.rs` — email over SMTP (`lettre`, TLS by rustls), each message named by the
//!   notification's id (`Message-ID` and `X-CLA-Notification-Id`) so receivers deduplicate;
//! - `webhook.rs` — a signed JSON POST (`X-CLA-Signature`, HMAC-SHA256 over the timestamp and the
//!   body) and [`verify_webhook`], the check a receiver makes;
//! - `sms.rs` — SMS through the gateways' send APIs, as each documents it (Twilio's Messages API,
//!   Vonage's SMS API).
//!
//! [`Notifier::send`] makes one attempt and says whether another may succeed
//! ([`SendError::retryable`]); the caller schedules retries ([`backoff`]) and keeps the same
//! notification id on every resend. Nothing here logs or returns a notification's text, its
//! recipient or a credential: logs and errors carry the channel, the notification id and the
//! outcome only.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod email;
pub mod sms;
pub mod webhook;

pub use email::{EmailSettings, SmtpTls};
pub use sms::{SmsGateway, SmsSettings, TwilioApi, VonageApi};
pub use webhook::{WebhookSettings, sign_webhook, verify_webhook};

/// A channel a notification goes out by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }

    /// The channel a name (`email`, `sms`, `webhook`) stands for.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is sent. The same notification sent again carries the same `id`: receivers deduplicate
/// by it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Stable id: 1 to 200 characters, ASCII letters, digits, `-`, `_` and `.` ([`valid_id`]).
    pub id: String,
    /// The email's subject; the webhook's `subject`.
    pub subject: String,
    /// The plain text: the email's body, the SMS, the webhook's `text`.
    pub text: String,
    /// A link for the reader (the incident's page, an acknowledge link): its own line in an email,
    /// `link` in a webhook; not sent by SMS (put it in `text` where it should be).
    pub link: Option<String>,
    /// Extra JSON for webhooks (may be `Null`).
    pub payload: serde_json::Value,
}

/// Whether `id` may name a notification: 1 to 200 characters, ASCII letters, digits, `-`, `_`
/// and `.` (it becomes the local part of an email's `Message-ID`, and a header value).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Why a send failed: whether another attempt may succeed, and a reason that names no content,
/// address or credential (a status code, "timed out", "connection failed"…).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason} ({})", if *.retryable { "retryable" } else { "permanent" })]
pub struct SendError {
    pub retryable: bool,
    pub reason: String,
}

impl SendError {
    pub fn retryable(reason: impl Into<String>) -> Self {
        Self {
            retryable: true,
            reason: reason.into(),
        }
    }

    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            retryable: false,
            reason: reason.into(),
        }
    }
}

/// A secret (password, token, signing key): never printed, never logged.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The channels configured: any left `None` is not offered ([`Notifier::has`]).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub email: Option<EmailSettings>,
    pub webhook: Option<WebhookSettings>,
    pub sms: SmsSettings,
}

/// A setting that cannot work, named.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct SettingsError {
    pub setting: &'static str,
    pub message: String,
}

impl SettingsError {
    pub(crate) fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// Sends notifications by every configured channel. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    email: Option<email::Mailer>,
    webhook: Option<webhook::Hooks>,
    sms: sms::Sender,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.email.is_some())
            .field("webhook", &self.webhook.is_some())
            .field("sms", &self.sms.gateway())
            .finish()
    }
}

impl Notifier {
    /// Checks the settings and builds the clients (nothing is connected yet).
    pub fn new(settings: Settings) -> Result<Self, SettingsError> {
        Ok(Self {
            email: settings.email.map(email::Mailer::new).transpose()?,
            webhook: settings.webhook.map(webhook::Hooks::new).transpose()?,
            sms: sms::Sender::new(settings.sms)?,
        })
    }

    /// Whether `channel` is configured.
    pub fn has(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email.is_some(),
            Channel::Webhook => self.webhook.is_some(),
            Channel::Sms => self.sms.gateway().is_some(),
        }
    }

    /// Whether SMS can be sent through `gateway` (its send credentials are configured), from any
    /// number: replies go out through the gateway a message came in by.
    pub fn has_sms_gateway(&self, gateway: SmsGateway) -> bool {
        self.sms.has(gateway)
    }

    /// One attempt to send `n` to `to`: an email address, an E.164 phone number or a webhook URL.
    pub async fn send(
        &self,
        channel: Channel,
        to: &str,
        n: &Notification,
    ) -> Result<(), SendError> {
        let outcome = if !valid_id(&n.id) {
            Err(SendError::permanent(
                "the notification id is not 1-200 letters, digits, '-', '_' or '.'",
            ))
        } else {
            match channel {
                Channel::Email => match &self.email {
                    Some(mailer) => mailer.send(to, n).await,
                    None => Err(not_configured(channel)),
                },
                Channel::Webhook => match &self.webhook {
                    Some(hooks) => hooks.send(to, n).await,
                    None => Err(not_configured(channel)),
                },
                Channel::Sms => self.sms.send_configured(to, &n.text).await,
            }
        };
        log(channel, None, &n.id, &outcome);
        outcome
    }

    /// One attempt to send an SMS through `gateway` from `from` (a number of ours at that
    /// gateway, E.164 with or without `+`): a reply to a message that came in by it. `id` names it
    /// in the logs only.
    pub async fn send_sms_via(
        &self,
        gateway: SmsGateway,
        from: &str,
        to: &str,
        text: &str,
        id: &str,
    ) -> Result<(), SendError> {
        let outcome = self.sms.send_via(gateway, from, to, text).await;
        log(Channel::Sms, Some(gateway), id, &outcome);
        outcome
    }
}

fn not_configured(channel: Channel) -> SendError {
    SendError::permanent(format!("the {channel} channel is not configured"))
}

fn log(channel: Channel, gateway: Option<SmsGateway>, id: &str, outcome: &Result<(), SendError>) {
    let (channel, gateway) = (channel.as_str(), gateway.map_or("", SmsGateway::as_str));
    match outcome {
        Ok(()) => tracing::info!(channel, gateway, notification = id, "notification sent"),
        Err(e) => tracing::warn!(
            channel,
            gateway,
            notification = id,
            retryable = e.retryable,
            reason = %e.reason,
            "notification not sent"
        ),
    }
}

/// How long to wait before attempt `attempt` + 1 after `attempt` failed ones (1 → 1 s, 2 → 2 s,
/// 3 → 4 s …), at most five minutes.
pub fn backoff(attempt: u32) -> Duration {
    const CAP: Duration = Duration::from_secs(300);
    let exponent = attempt.saturating_sub(1).min(16);
    Duration::from_secs(1u64 << exponent).min(CAP)
}

/// Sends `request`: a 2xx answer, or the failure as [`http_error`] and [`http_status_error`] say.
pub(crate) async fn post(request: reqwest::RequestBuilder) -> Result<reqwest::Response, SendError> {
    let response = request.send().await.map_err(|e| http_error(&e))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(http_status_error(response.status()))
    }
}

/// The text of an HTTP failure: its status, and whether another attempt may succeed (5xx and 429
/// may; other 4xx will not).
pub(crate) fn http_status_error(status: reqwest::StatusCode) -> SendError {
    let reason = format!("HTTP {}", status.as_u16());
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        SendError::retryable(reason)
    } else {
        SendError::permanent(reason)
    }
}

/// A transport failure, without its URL (it may hold a token): timeouts and connection errors
/// are retryable.
pub(crate) fn http_error(e: &reqwest::Error) -> SendError {
    if e.is_timeout() {
        SendError::retryable("timed out")
    } else if e.is_connect() {
        SendError::retryable("connection failed")
    } else if e.is_builder() {
        SendError::permanent("the request could not be built (bad URL?)")
    } else if e.is_redirect() {
        SendError::permanent("redirected (redirects are not followed)")
    } else if e.is_decode() || e.is_body() {
        SendError::retryable("the answer could not be read")
    } else {
        SendError::retryable("request failed")
    }
}

/// Whether `url` may carry personal data or credentials: `https://`, or `http://` to this
/// machine (never in clear across a network).
pub(crate) fn private_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => parsed.host_str().is_some(),
        "http" => matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
}

/// The HTTP client the channels share: no redirects (a signed request is never resent
/// elsewhere), bounded by `timeout`.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, SettingsError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cla-notify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| SettingsError::new("http", "the HTTP client could not be built"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let secs: Vec<u64> = (1..=12).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(u32::MAX), Duration::from_secs(300));
    }

    #[test]
    fn ids_are_safe_in_headers_and_message_ids() {
        assert!(valid_id("incident-01HZX.step-2_contact-3"));
        for bad in [
            "",
            "a b",
            "a\r\nBcc: x",
            "a@b",
            "a<b>",
            &"x".repeat(201),
            "é",
        ] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn channels_have_stable_names() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }

    #[tokio::test]
    async fn an_unconfigured_channel_or_a_bad_id_is_a_permanent_error() {
        let notifier = Notifier::new(Settings::default()).unwrap();
        for c in Channel::ALL {
            assert!(!notifier.has(c));
        }
        let n = Notification {
            id: "n-1".into(),
            subject: "s".into(),
            text: "t".into(),
            link: None,
            payload: serde_json::Value::Null,
        };
        let e = notifier
            .send(Channel::Email, "a@example.org", &n)
            .await
            .unwrap_err();
        assert!(!e.retryable && e.reason.contains("not configured"), "{e}");
        let bad = Notification {
            id: "n 1\r\n".into(),
            ..n
        };
        let e = notifier
            .send(Channel::Webhook, "https://example.org/hook", &bad)
            .await
            .unwrap_err();
        assert!(!e.retryable && e.reason.contains("id"), "{e}");
    }
}
