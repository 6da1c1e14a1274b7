//! SMS through the gateways' send APIs, as each documents them:
//!
//! - Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP
//!   Basic auth (Account SID and auth token), form fields `To`, `From` and `Body` (E.164 with
//!   `+`); `201 Created` with the message's `sid` is success;
//! - Vonage's SMS API: `POST {base}/sms/json`, form fields `api_key`, `api_secret`, `from`, `to`
//!   (no leading `+`), `text`, and `type=unicode` where the text does not fit the GSM 7-bit
//!   alphabet; success is every `messages[].status` being `"0"` (status 1, throttled, and the
//!   platform's own failures 5 and 10 are worth another attempt).
//!
//! Over HTTP: 5xx, 429, timeouts and connection failures are retryable, other 4xx are not.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Secret, SendError, SettingsError};

/// A gateway SMS can be sent through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsGateway {
    Twilio,
    Vonage,
}

impl SmsGateway {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsGateway::Twilio => "twilio",
            SmsGateway::Vonage => "vonage",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "twilio" => Some(Self::Twilio),
            "vonage" => Some(Self::Vonage),
            _ => None,
        }
    }
}

pub const TWILIO_API: &str = "https://api.twilio.com";
pub const VONAGE_API: &str = "https://rest.nexmo.com";

#[derive(Clone, Debug)]
pub struct TwilioApi {
    pub account_sid: String,
    pub auth_token: Secret,
    /// Default [`TWILIO_API`].
    pub base_url: String,
}

#[derive(Clone, Debug)]
pub struct VonageApi {
    pub api_key: String,
    pub api_secret: Secret,
    /// Default [`VONAGE_API`].
    pub base_url: String,
}

#[derive(Clone, Debug)]
pub struct SmsSettings {
    /// The gateway notifications ([`crate::Channel::Sms`]) go out by; `None`: that channel is off.
    pub send: Option<SmsGateway>,
    /// The number notifications are sent from (E.164), at the `send` gateway.
    pub from: Option<String>,
    pub twilio: Option<TwilioApi>,
    pub vonage: Option<VonageApi>,
    /// Longest one request may take.
    pub timeout: Duration,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            send: None,
            from: None,
            twilio: None,
            vonage: None,
            timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Sender {
    client: Option<reqwest::Client>,
    send: Option<(SmsGateway, String)>,
    twilio: Option<TwilioApi>,
    vonage: Option<VonageApi>,
}

/// A number as E.164 digits without the `+`: 8 to 15 digits, the first not 0.
fn e164_digits(number: &str) -> Option<&str> {
    let digits = number.trim().strip_prefix('+').unwrap_or(number.trim());
    (digits.len() >= 8
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0'))
    .then_some(digits)
}

/// Whether every character of `text` is in the GSM 03.38 alphabet (basic set or its extension
/// table): else the SMS is sent as Unicode.
pub fn is_gsm7(text: &str) -> bool {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "\u{c}^{}\\[~]|€";
    text.chars()
        .all(|c| BASIC.contains(c) || EXTENSION.contains(c))
}

impl Sender {
    pub(crate) fn new(s: SmsSettings) -> Result<Self, SettingsError> {
        if let Some(t) = &s.twilio {
            if t.account_sid.trim().is_empty()
                || !t.account_sid.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(SettingsError::new(
                    "sms_twilio_account_sid",
                    "not an Account SID (letters and digits, AC…)",
                ));
            }
            if t.auth_token.expose().trim().is_empty() {
                return Err(SettingsError::new("sms_twilio_auth_token", "empty"));
            }
            check_base("sms_twilio_api_url", &t.base_url)?;
        }
        if let Some(v) = &s.vonage {
            if v.api_key.trim().is_empty() {
                return Err(SettingsError::new("sms_vonage_api_key", "empty"));
            }
            if v.api_secret.expose().trim().is_empty() {
                return Err(SettingsError::new("sms_vonage_api_secret", "empty"));
            }
            check_base("sms_vonage_api_url", &v.base_url)?;
        }
        let send = match s.send {
            None => None,
            Some(gateway) => {
                let configured = match gateway {
                    SmsGateway::Twilio => s.twilio.is_some(),
                    SmsGateway::Vonage => s.vonage.is_some(),
                };
                if !configured {
                    return Err(SettingsError::new(
                        "sms_send_gateway",
                        format!("{} has no send credentials", gateway.as_str()),
                    ));
                }
                let from = s.from.as_deref().and_then(e164_digits).ok_or_else(|| {
                    SettingsError::new(
                        "sms_send_from",
                        "the number SMS are sent from (E.164, +243…) is needed",
                    )
                })?;
                Some((gateway, from.to_string()))
            }
        };
        if s.timeout.is_zero() {
            return Err(SettingsError::new("sms_timeout_ms", "must be positive"));
        }
        let client = (s.twilio.is_some() || s.vonage.is_some())
            .then(|| crate::http_client(s.timeout))
            .transpose()?;
        Ok(Self {
            client,
            send,
            twilio: s.twilio,
            vonage: s.vonage,
        })
    }

    pub(crate) fn gateway(&self) -> Option<SmsGateway> {
        self.send.as_ref().map(|(g, _)| *g)
    }

    pub(crate) fn has(&self, gateway: SmsGateway) -> bool {
        match gateway {
            SmsGateway::Twilio => self.twilio.is_some(),
            SmsGateway::Vonage => self.vonage.is_some(),
        }
    }

    pub(crate) async fn send_configured(&self, to: &str, text: &str) -> Result<(), SendError> {
        let Some((gateway, from)) = &self.send else {
            return Err(SendError::permanent("the sms channel is not configured"));
        };
        self.send_via(*gateway, from, to, text).await
    }

    pub(crate) async fn send_via(
        &self,
        gateway: SmsGateway,
        from: &str,
        to: &str,
        text: &str,
    ) -> Result<(), SendError> {
        let to = e164_digits(to)
            .ok_or_else(|| SendError::permanent("the recipient is not an E.164 number"))?;
        let from = from.trim().strip_prefix('+').unwrap_or(from.trim());
        if from.is_empty() {
            return Err(SendError::permanent("no number to send from"));
        }
        if text.is_empty() {
            return Err(SendError::permanent("empty text"));
        }
        let client = self.client.as_ref().ok_or_else(|| {
            SendError::permanent(format!("{} is not configured", gateway.as_str()))
        })?;
        match gateway {
            SmsGateway::Twilio => {
                let api = self
                    .twilio
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("twilio is not configured"))?;
                twilio(client, api, from, to, text).await
            }
            SmsGateway::Vonage => {
                let api = self
                    .vonage
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("vonage is not configured"))?;
                vonage(client, api, from, to, text).await
            }
        }
    }
}

/// A send API's base URL carries credentials: `https://`, or `http://` to this machine.
fn check_base(setting: &'static str, url: &str) -> Result<(), SettingsError> {
    if crate::private_url(url) && !url.contains(['?', '#']) {
        Ok(())
    } else {
        Err(SettingsError::new(
            setting,
            "must be an https:// base URL (plain http only to this machine)",
        ))
    }
}

async fn twilio(
    client: &reqwest::Client,
    api: &TwilioApi,
    from: &str,
    to: &str,
    text: &str,
) -> Result<(), SendError> {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        api.base_url.trim_end_matches('/'),
        api.account_sid
    );
    let (from, to) = (plus(from), format!("+{to}"));
    let response = crate::post(
        client
            .post(url)
            .basic_auth(&api.account_sid, Some(api.auth_token.expose()))
            .form(&[("To", to.as_str()), ("From", from.as_str()), ("Body", text)]),
    )
    .await?;
    let status = response.status();
    #[derive(Deserialize)]
    struct Created {
        sid: Option<String>,
    }
    match response.json::<Created>().await {
        Ok(Created { sid: Some(_) }) => Ok(()),
        // Accepted, but not in the documented shape: sending again could send twice.
        _ => Err(SendError::permanent(format!(
            "HTTP {} without a message sid",
            status.as_u16()
        ))),
    }
}

fn plus(number: &str) -> String {
    if number.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{number}")
    } else {
        // An alphanumeric sender id.
        number.to_string()
    }
}

async fn vonage(
    client: &reqwest::Client,
    api: &VonageApi,
    from: &str,
    to: &str,
    text: &str,
) -> Result<(), SendError> {
    let url = format!("{}/sms/json", api.base_url.trim_end_matches('/'));
    let mut form = vec![
        ("api_key", api.api_key.as_str()),
        ("api_secret", api.api_secret.expose()),
        ("from", from),
        ("to", to),
        ("text", text),
    ];
    if !is_gsm7(text) {
        form.push(("type", "unicode"));
    }
    let response = crate::post(client.post(url).form(&form)).await?;
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        messages: Vec<Part>,
    }
    #[derive(Deserialize)]
    struct Part {
        status: String,
        #[serde(rename = "error-text")]
        error_text: Option<String>,
    }
    let answer: Answer = response
        .json()
        .await
        .map_err(|_| SendError::retryable("the answer could not be read"))?;
    if answer.messages.is_empty() {
        return Err(SendError::retryable("Vonage answered no message status"));
    }
    match answer.messages.iter().find(|m| m.status != "0") {
        None => Ok(()),
        Some(part) => {
            let text = part
                .error_text
                .as_deref()
                .filter(|t| safe_error_text(t))
                .map(|t| format!(": {t}"))
                .unwrap_or_default();
            let reason = format!("Vonage status {}{text}", part.status);
            Err(match part.status.as_str() {
                // Throttled; internal error; too many binds: back off and retry.
                "1" | "5" | "10" => SendError::retryable(reason),
                _ => SendError::permanent(reason),
            })
        }
    }
}

/// An error text short and free of anything like a number (it could repeat the recipient's).
fn safe_error_text(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 5 {
            return false;
        }
    }
    text.len() <= 100 && !text.contains(['+', '@'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_e164() {
        assert_eq!(e164_digits("+243815550101"), Some("243815550101"));
        assert_eq!(e164_digits("243815550101"), Some("243815550101"));
        for bad in ["0815550101", "+24381555010199999", "+243 81", "", "+abc"] {
            assert_eq!(e164_digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn gsm_texts_go_as_text_others_as_unicode() {
        assert!(is_gsm7("Received, thank you. Stay safe."));
        assert!(is_gsm7("Répondez à [x] {y} €5 ~ | ^ \\"));
        assert!(
            !is_gsm7("Reçu, merci."),
            "a lower-case ç is not in GSM 03.38"
        );
        assert!(!is_gsm7("`"));
        assert!(!is_gsm7("مرحبا"));
    }

    #[test]
    fn error_texts_that_might_hold_a_number_are_dropped() {
        assert!(safe_error_text("Throttled"));
        assert!(!safe_error_text(
            "Non White-listed Destination 243815550101"
        ));
        assert!(!safe_error_text("to +2438"));
    }

    #[test]
    fn sending_needs_credentials_and_a_number_and_bases_carry_no_credentials_in_clear() {
        let vonage = VonageApi {
            api_key: "k".into(),
            api_secret: Secret::new("s"),
            base_url: VONAGE_API.into(),
        };
        let refused = |s: SmsSettings| Sender::new(s).err().map(|e| e.setting);
        assert_eq!(
            refused(SmsSettings {
                send: Some(SmsGateway::Twilio),
                from: Some("+243900000001".into()),
                vonage: Some(vonage.clone()),
                ..SmsSettings::default()
            }),
            Some("sms_send_gateway")
        );
        assert_eq!(
            refused(SmsSettings {
                send: Some(SmsGateway::Vonage),
                vonage: Some(vonage.clone()),
                ..SmsSettings::default()
            }),
            Some("sms_send_from")
        );
        assert_eq!(
            refused(SmsSettings {
                vonage: Some(VonageApi {
                    base_url: "http://rest.example.org".into(),
                    ..vonage.clone()
                }),
                ..SmsSettings::default()
            }),
            Some("sms_vonage_api_url")
        );
        let replies_only = Sender::new(SmsSettings {
            vonage: Some(vonage),
            ..SmsSettings::default()
        })
        .unwrap();
        assert!(replies_only.has(SmsGateway::Vonage) && !replies_only.has(SmsGateway::Twilio));
        assert_eq!(replies_only.gateway(), None, "no notification channel");
    }
}
