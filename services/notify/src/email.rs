//! Email over SMTP. Each message is named by its notification: `Message-ID: <{id}@{domain}>` and
//! `X-CLA-Notification-Id: {id}`, so a receiver (a person's client, a ticketing system) sees a
//! resend as the same message. The body is plain text, the link on its own line.
//!
//! One attempt per send: a refused or dropped connection, a timeout, a TLS failure in the
//! middle of a session and a transient (4xx) reply are retryable; a permanent (5xx) reply, a bad
//! address or a TLS setup the server does not offer are not.

use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::{Notification, Secret, SendError, SettingsError};

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: a relay on this machine or a trusted network only.
    None,
    /// Plain connection upgraded with STARTTLS, required (never falls back to plain text).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl SmtpTls {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "starttls" => Some(Self::Starttls),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Both or neither: SMTP AUTH (only over TLS or STARTTLS, or to this machine).
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, `cla@example.org` or `CLA alerts <cla@example.org>`.
    pub from: String,
    /// The domain of every `Message-ID` (default `cla.invalid`).
    pub message_id_domain: String,
    /// Longest one SMTP exchange may take.
    pub timeout: Duration,
}

impl EmailSettings {
    /// `host:port`, plain text, from `from`: the shape tests and local relays use.
    pub fn plain(host: impl Into<String>, port: u16, from: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: from.into(),
            message_id_domain: "cla.invalid".into(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// `X-CLA-Notification-Id`: the notification's id, for receivers to deduplicate by.
#[derive(Clone)]
struct NotificationId(String);

impl Header for NotificationId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-CLA-Notification-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    timeout: Duration,
}

fn is_local(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]")
}

impl Mailer {
    pub(crate) fn new(s: EmailSettings) -> Result<Self, SettingsError> {
        let host = s.host.trim().to_string();
        if host.is_empty() {
            return Err(SettingsError::new("smtp_host", "no SMTP host"));
        }
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|_| SettingsError::new("smtp_from", "not an email address"))?;
        let domain = s.message_id_domain.trim().to_string();
        if domain.is_empty()
            || !domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        {
            return Err(SettingsError::new(
                "smtp_message_id_domain",
                "not a domain name",
            ));
        }
        if s.timeout.is_zero() {
            return Err(SettingsError::new("smtp_timeout_ms", "must be positive"));
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(s.port)
            .timeout(Some(s.timeout));
        builder = match s.tls {
            SmtpTls::None => builder.tls(Tls::None),
            SmtpTls::Starttls | SmtpTls::Tls => {
                let parameters = TlsParameters::new(host.clone())
                    .map_err(|_| SettingsError::new("smtp_tls", "TLS could not be set up"))?;
                builder.tls(if s.tls == SmtpTls::Tls {
                    Tls::Wrapper(parameters)
                } else {
                    Tls::Required(parameters)
                })
            }
        };
        match (s.username, s.password) {
            (Some(user), Some(password)) => {
                if s.tls == SmtpTls::None && !is_local(&host) {
                    return Err(SettingsError::new(
                        "smtp_tls",
                        "a password is sent only over TLS or STARTTLS (or to this machine)",
                    ));
                }
                builder = builder.credentials(Credentials::new(user, password.expose().into()));
            }
            (None, None) => {}
            _ => {
                return Err(SettingsError::new(
                    "smtp_username",
                    "set both smtp_username and smtp_password, or neither",
                ));
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
            domain,
            timeout: s.timeout,
        })
    }

    fn message(&self, to: &str, n: &Notification) -> Result<Message, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::permanent("the recipient is not an email address"))?;
        let mut body = n.text.trim_end().to_string();
        if let Some(link) = n.link.as_deref().filter(|l| !l.is_empty()) {
            body.push_str("\n\n");
            body.push_str(link);
        }
        body.push('\n');
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(n.subject.clone())
            .message_id(Some(format!("<{}@{}>", n.id, self.domain)))
            .header(NotificationId(n.id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|_| SendError::permanent("the email could not be built"))
    }

    pub(crate) async fn send(&self, to: &str, n: &Notification) -> Result<(), SendError> {
        let message = self.message(to, n)?;
        // The transport's timeout bounds the connection only: a server that connects and then
        // says nothing is bounded here.
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent.map(|_| ()).map_err(|e| classify(&e)),
            Err(_) => Err(SendError::retryable("timed out")),
        }
    }
}

/// The SMTP failure as a reason naming only the kind and the reply code (a server's reply text
/// may repeat the address).
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = e.status() {
        let reason = format!("SMTP {code}");
        return if e.is_permanent() {
            SendError::permanent(reason)
        } else {
            SendError::retryable(reason)
        };
    }
    if e.is_timeout() {
        return SendError::retryable("timed out");
    }
    if e.is_tls() {
        return SendError::retryable("TLS failed");
    }
    if e.is_client() {
        return SendError::permanent("the SMTP exchange could not go on (TLS not offered?)");
    }
    if e.is_response() {
        return SendError::retryable("the server's answer could not be read");
    }
    SendError::retryable("connection failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n() -> Notification {
        Notification {
            id: "incident-7.step-1".into(),
            subject: "Kamango: CLA silent 30 h".into(),
            text: "Open the incident.".into(),
            link: Some("https://cla.example.org/incidents/7".into()),
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_message_is_named_by_its_notification_and_carries_the_link_on_its_own_line() {
        let mailer = Mailer::new(EmailSettings::plain("127.0.0.1", 25, "cla@example.org")).unwrap();
        let raw = String::from_utf8(
            mailer
                .message("duty@example.org", &n())
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(
            raw.contains("Message-ID: <incident-7.step-1@cla.invalid>"),
            "{raw}"
        );
        assert!(
            raw.contains("X-CLA-Notification-Id: incident-7.step-1"),
            "{raw}"
        );
        assert!(
            raw.contains(
                "\r\n\r\nOpen the incident.\r\n\r\nhttps://cla.example.org/incidents/7\r\n"
            ),
            "{raw}"
        );
        assert!(mailer.message("not an address", &n()).is_err());
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        let base = EmailSettings::plain("smtp.example.org", 587, "cla@example.org");
        let refused = |s: EmailSettings| Mailer::new(s).err().map(|e| e.setting);
        assert_eq!(
            refused(EmailSettings {
                from: "nobody".into(),
                ..base.clone()
            }),
            Some("smtp_from")
        );
        assert_eq!(
            refused(EmailSettings {
                username: Some("u".into()),
                password: Some(Secret::new("p")),
                ..base.clone()
            }),
            Some("smtp_tls"),
            "no password in plain text to another machine"
        );
        assert_eq!(
            refused(EmailSettings {
                username: Some("u".into()),
                ..base.clone()
            }),
            Some("smtp_username")
        );
        assert!(
            Mailer::new(EmailSettings {
                tls: SmtpTls::Starttls,
                username: Some("u".into()),
                password: Some(Secret::new("p")),
                ..base
            })
            .is_ok()
        );
    }
}
