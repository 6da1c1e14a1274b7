//! The SMS gateways' inbound webhooks, each verified exactly as the gateway documents it, and
//! their reply formats. The secret of each gateway is configuration, never stored.
//!
//! - **Twilio** — "Webhooks security: validating requests" (twilio.com/docs/usage/webhooks/
//!   webhooks-security): a form-encoded POST; `X-Twilio-Signature` is the Base64 of the
//!   HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio called (with its query
//!   string) followed by every POST parameter sorted by name, each name then value with no
//!   delimiter. Twilio gives no sent time: the message's time is when it arrived. Replies are
//!   TwiML (`<Response><Message>…</Message></Response>`).
//! - **Vonage** (SMS API) — "Signing messages" (developer.vonage.com/en/getting-started/concepts/
//!   signing-messages), with the account's signature method set to SHA-256 HMAC: every parameter
//!   but `sig` sorted by name, each appended as `&name=value` with any `&` or `=` in the value
//!   replaced by `_`; `sig` is the hex HMAC-SHA256 of that string keyed with the signature secret
//!   (compared without regard to case). Parameters come form-encoded, as JSON, or in the query
//!   string, as the account is set. `message-timestamp` (UTC, `YYYY-MM-DD HH:MM:SS`) is the time
//!   Vonage gives for the message. The SMS API reads no reply from the answer: a 200 is all it
//!   needs.
//!
//! Africa's Talking and RapidPro/TextIt document no signature of their inbound SMS callbacks
//! (Africa's Talking advises allow-listing its addresses), so neither is offered here.
//!
//! A replayed request is a resend: the gateway's message id names the check-in it records, so it
//! counts once however often it comes.

use aws_lc_rs::hmac;
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gateway {
    Twilio,
    Vonage,
}

/// A message a gateway delivered, its signature checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Inbound {
    pub gateway: Gateway,
    /// The gateway's own id of the message: a resend carries the same one.
    pub message_id: String,
    /// The sender's number, E.164 (personal data).
    pub from: String,
    /// The number it was sent to (the mission's).
    pub to: String,
    pub text: String,
    /// When the gateway says it was sent, where it says.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Why a webhook request was refused. Carries no part of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    Unsigned,
    /// A signature that does not match the request.
    BadSignature,
    /// Signed, but not a message (the parameter missing).
    Malformed(&'static str),
}

impl Refusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature => "bad signature",
            Refusal::Malformed(_) => "not a message",
        }
    }
}

/// A webhook request as it came: the URL the gateway called (scheme, host, path and query), the
/// gateway's signature header where it has one, the content type and the raw body.
pub struct Request<'a> {
    pub url: &'a str,
    pub signature_header: Option<&'a str>,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

impl Gateway {
    pub const ALL: [Gateway; 2] = [Gateway::Twilio, Gateway::Vonage];

    pub fn name(self) -> &'static str {
        match self {
            Gateway::Twilio => "twilio",
            Gateway::Vonage => "vonage",
        }
    }

    pub fn parse(name: &str) -> Option<Gateway> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The header carrying the signature, for gateways that sign in a header.
    pub fn signature_header(self) -> Option<&'static str> {
        match self {
            Gateway::Twilio => Some("x-twilio-signature"),
            Gateway::Vonage => None,
        }
    }

    /// Whether the gateway reads the reply from the webhook's answer (Twilio's TwiML); else it is
    /// sent through the gateway's send API (Vonage).
    pub fn replies_in_answer(self) -> bool {
        match self {
            Gateway::Twilio => true,
            Gateway::Vonage => false,
        }
    }

    /// The gateway's send API.
    pub fn sender(self) -> cla_notify::SmsGateway {
        match self {
            Gateway::Twilio => cla_notify::SmsGateway::Twilio,
            Gateway::Vonage => cla_notify::SmsGateway::Vonage,
        }
    }

    /// Checks the request's signature with `secret` and reads the message.
    pub fn verify(self, secret: &str, request: &Request<'_>) -> Result<Inbound, Refusal> {
        match self {
            Gateway::Twilio => twilio(secret, request),
            Gateway::Vonage => vonage(secret, request),
        }
    }

    /// The answer carrying `reply` back to the sender: content type and body.
    pub fn reply(self, reply: &str) -> (&'static str, String) {
        match self {
            Gateway::Twilio => (
                "application/xml",
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
                    xml_escape(reply)
                ),
            ),
            Gateway::Vonage => ("text/plain", String::new()),
        }
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn form(body: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map_err(|_| Refusal::Malformed("body"))
}

fn param<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, Refusal> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .ok_or(Refusal::Malformed(name))
}

fn twilio(auth_token: &str, request: &Request<'_>) -> Result<Inbound, Refusal> {
    let signature = request
        .signature_header
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::Unsigned)?;
    let params = form(request.body).map_err(|_| Refusal::BadSignature)?;
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = request.url.to_string();
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    let tag = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| Refusal::BadSignature)?;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    hmac::verify(&key, data.as_bytes(), &tag).map_err(|_| Refusal::BadSignature)?;
    Ok(Inbound {
        gateway: Gateway::Twilio,
        message_id: param(&params, "MessageSid")?.to_string(),
        from: param(&params, "From")?.to_string(),
        to: param(&params, "To").unwrap_or_default().to_string(),
        text: params
            .iter()
            .find(|(k, _)| k == "Body")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        sent_at: None,
    })
}

fn vonage_params(request: &Request<'_>) -> Result<Vec<(String, String)>, Refusal> {
    if request.content_type.starts_with("application/json") {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(request.body).map_err(|_| Refusal::Malformed("body"))?;
        return Ok(object
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                serde_json::Value::Bool(b) => Some((k, b.to_string())),
                _ => None,
            })
            .collect());
    }
    if !request.body.is_empty() {
        return form(request.body);
    }
    let query = request.url.split_once('?').map_or("", |(_, q)| q);
    form(query.as_bytes())
}

fn vonage(secret: &str, request: &Request<'_>) -> Result<Inbound, Refusal> {
    let params = vonage_params(request).map_err(|_| Refusal::Unsigned)?;
    let signature = params
        .iter()
        .find(|(k, _)| k == "sig")
        .map(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or(Refusal::Unsigned)?;
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "sig").collect();
    sorted.sort();
    let mut data = String::new();
    for (name, value) in sorted {
        data.push('&');
        data.push_str(name);
        data.push('=');
        data.push_str(&value.replace(['&', '='], "_"));
    }
    let tag = hex::decode(signature.trim()).map_err(|_| Refusal::BadSignature)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::verify(&key, data.as_bytes(), &tag).map_err(|_| Refusal::BadSignature)?;
    let msisdn = param(&params, "msisdn")?;
    let sent_at = param(&params, "message-timestamp")
        .ok()
        .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
        .map(|t| t.and_utc());
    Ok(Inbound {
        gateway: Gateway::Vonage,
        message_id: param(&params, "messageId")?.to_string(),
        from: if msisdn.starts_with('+') {
            msisdn.to_string()
        } else {
            format!("+{msisdn}")
        },
        to: param(&params, "to").unwrap_or_default().to_string(),
        text: params
            .iter()
            .find(|(k, _)| k == "text")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
        sent_at,
    })
}

#[cfg(test)]
mod tests {
    use ::hmac::{Hmac, Mac};

    use super::*;

    /// Twilio's own example in its security documentation.
    #[test]
    fn twilio_signatures_are_checked_as_twilio_documents_them() {
        let url = "https://example.com/myapp";
        let body = "MessageSid=SM1&From=%2B14158675309&To=%2B18005551212&Body=OK";
        let mut data = url.to_string();
        for (k, v) in [
            ("Body", "OK"),
            ("From", "+14158675309"),
            ("MessageSid", "SM1"),
            ("To", "+18005551212"),
        ] {
            data.push_str(k);
            data.push_str(v);
        }
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"12345").unwrap();
        mac.update(data.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let request = |sig: Option<&'static str>, url: &'static str| Request {
            url,
            signature_header: sig,
            content_type: "application/x-www-form-urlencoded",
            body: body.as_bytes(),
        };
        let leaked: &'static str = Box::leak(signature.into_boxed_str());
        let inbound = Gateway::Twilio
            .verify("12345", &request(Some(leaked), url))
            .unwrap();
        assert_eq!(inbound.from, "+14158675309");
        assert_eq!(inbound.text, "OK");
        assert_eq!(
            Gateway::Twilio.verify("54321", &request(Some(leaked), url)),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            Gateway::Twilio.verify("12345", &request(Some(leaked), "https://example.com/other")),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            Gateway::Twilio.verify("12345", &request(None, url)),
            Err(Refusal::Unsigned)
        );
    }

    #[test]
    fn vonage_signatures_are_checked_as_vonage_documents_them() {
        let params = [
            ("message-timestamp", "2026-05-10 11:58:00"),
            ("messageId", "0A0000001"),
            ("msisdn", "243815550101"),
            ("nonce", "n-1"),
            ("text", "aide a=b&c"),
            ("timestamp", "1778414280"),
            ("to", "243900000000"),
            ("type", "text"),
        ];
        let mut data = String::new();
        for (k, v) in params {
            data.push_str(&format!("&{k}={}", v.replace(['&', '='], "_")));
        }
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"vonage-secret").unwrap();
        mac.update(data.as_bytes());
        let sig = hex::encode_upper(mac.finalize().into_bytes());
        let mut form: Vec<(&str, &str)> = params.to_vec();
        form.push(("sig", &sig));
        let body = serde_urlencoded::to_string(&form).unwrap();
        let request = Request {
            url: "https://example.com/sms/vonage",
            signature_header: None,
            content_type: "application/x-www-form-urlencoded",
            body: body.as_bytes(),
        };
        let inbound = Gateway::Vonage.verify("vonage-secret", &request).unwrap();
        assert_eq!(inbound.from, "+243815550101");
        assert_eq!(inbound.text, "aide a=b&c");
        assert_eq!(
            inbound.sent_at.unwrap().to_rfc3339(),
            "2026-05-10T11:58:00+00:00"
        );
        assert_eq!(
            Gateway::Vonage.verify("other", &request),
            Err(Refusal::BadSignature)
        );
    }
}
