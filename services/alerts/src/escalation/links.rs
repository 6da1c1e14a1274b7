//! The links and codes a notification carries: an acknowledge link that needs no sign-in beyond
//! its own token (an HMAC of the notification's id under the server's link key, so a resend after
//! a restart carries the same link and nothing secret is stored), the incident's page, and the
//! short code an "ACK <code>" SMS reply gives.

use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct Links {
    key: Vec<u8>,
    /// Where people reach the server: `https://cla.monusco.example` (no trailing slash).
    public_url: String,
    /// How long an acknowledge link works after its notification was decided.
    pub ttl: Duration,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("public_url", &self.public_url)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Links {
    pub fn new(key: &[u8], public_url: &str, ttl: Duration) -> Self {
        Self {
            key: key.to_vec(),
            public_url: public_url.trim_end_matches('/').to_string(),
            ttl,
        }
    }

    fn mac(&self, purpose: &str, id: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The token of a notification's acknowledge link.
    pub fn token(&self, notification_id: &str) -> String {
        let mac = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(&self.mac("ack", notification_id)[..18]);
        format!("{notification_id}.{mac}")
    }

    /// The notification a token is for, where it is genuine.
    pub fn verify(&self, token: &str) -> Option<String> {
        let (id, _) = token.rsplit_once('.')?;
        let expected = self.token(id);
        let same =
            expected.len() == token.len() && subtle_eq(expected.as_bytes(), token.as_bytes());
        same.then(|| id.to_string())
    }

    pub fn ack_url(&self, notification_id: &str) -> String {
        format!("{}/ack/{}", self.public_url, self.token(notification_id))
    }

    pub fn incident_url(&self, incident_id: &str) -> String {
        format!("{}/incidents/{incident_id}", self.public_url)
    }

    /// The code an SMS notification asks to be replied with: six letters and digits, without
    /// those easily confused (0/O, 1/I).
    pub fn sms_code(&self, notification_id: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        self.mac("sms", notification_id)
            .iter()
            .take(6)
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect()
    }
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_the_notifications_alone_and_cannot_be_forged() {
        let links = Links::new(b"k", "https://cla.example/", Duration::hours(72));
        let token = links.token("n1");
        assert_eq!(links.verify(&token).as_deref(), Some("n1"));
        assert!(
            links
                .ack_url("n1")
                .starts_with("https://cla.example/ack/n1.")
        );
        let other = Links::new(b"other key", "https://cla.example", Duration::hours(72));
        assert_eq!(other.verify(&token), None, "another server's key");
        let forged = format!("n2.{}", token.rsplit_once('.').unwrap().1);
        assert_eq!(
            links.verify(&forged),
            None,
            "one notification's mac on another"
        );
        assert_eq!(links.verify("garbage"), None);
        let code = links.sms_code("n1");
        assert_eq!(code.len(), 6);
        assert_ne!(code, links.sms_code("n2"));
    }
}
