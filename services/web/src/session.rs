//! Web sessions: the signed-in person in a cookie sealed (encrypted and authenticated) with a key
//! kept in the data directory, so that a session survives a restart and works on every replica
//! sharing that directory's key; nothing is held in one process's memory. A session carries its
//! expiry and its CSRF token; the cookie is HttpOnly, SameSite=Lax, and Secure behind TLS.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cla_platform::{Principal, Role};
use rand::RngCore;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cla_session";
/// The sign-in in progress (PKCE verifier, nonce, state), for the provider's answer.
pub const SIGN_IN_COOKIE: &str = "cla_sign_in";
/// The CSRF token of someone not signed in (the sign-in page's forms).
pub const ANON_COOKIE: &str = "cla_csrf";
/// The language chosen.
pub const LANG_COOKIE: &str = "cla_lang";

/// The key file in the data directory.
pub const KEY_FILE: &str = "web-session-key";

/// A signed-in person, as the cookie holds them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub sub: String,
    pub name: String,
    pub roles: BTreeSet<Role>,
    pub missions: BTreeSet<String>,
    /// Seconds since the epoch after which the session is over.
    pub expires_at: i64,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl Session {
    pub fn new(principal: Principal, expires_at: i64) -> Self {
        Self {
            sub: principal.id,
            name: principal.name,
            roles: principal.roles,
            missions: principal.missions,
            expires_at,
            csrf: random_token(),
        }
    }

    pub fn principal(&self) -> Principal {
        Principal {
            id: self.sub.clone(),
            name: self.name.clone(),
            roles: self.roles.clone(),
            missions: self.missions.clone(),
        }
    }
}

/// 16 random bytes, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seals and opens cookies with the data directory's key.
pub struct Sealer {
    key: LessSafeKey,
}

#[derive(Debug, thiserror::Error)]
#[error("web session key: {0}")]
pub struct KeyError(String);

impl Sealer {
    /// The key in `<data_dir>/web-session-key`, generated at first run (mode 0600).
    pub fn load(data_dir: &Path) -> Result<Self, KeyError> {
        let text = cla_platform::secret_file::kept_or_generated(
            data_dir,
            KEY_FILE,
            64,
            "the web sessions' key",
            "signs everyone out of the web app",
        )
        .map_err(|e| KeyError(e.to_string()))?;
        let bytes = hex::decode(String::from_utf8_lossy(&text).trim())
            .map_err(|_| KeyError(format!("{KEY_FILE} is not 64 hex digits")))?;
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes[..32])
            .map_err(|_| KeyError(format!("{KEY_FILE} is not a key")))?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// `value` sealed for the cookie `name` (it opens under that name only).
    pub fn seal<T: Serialize>(&self, name: &str, value: &T) -> String {
        let mut plain = serde_json::to_vec(value).expect("a session serialises");
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut plain,
            )
            .expect("sealing cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&plain);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The value sealed in a cookie, where it was sealed with this key for this name.
    pub fn open<T: DeserializeOwned>(&self, name: &str, sealed: &str) -> Option<T> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.trim()).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, rest) = bytes.split_at(12);
        let mut rest = rest.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut rest)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }
}

/// How cookies are set: `Secure` where the app is served over TLS.
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    /// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=`path`, for `max_age` seconds.
    pub fn set(&self, name: &str, value: &str, path: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, name: &str, path: &str) -> String {
        self.set(name, "", path, 0)
    }
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether two tokens are the same, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_session_opens_with_the_same_key_only_and_under_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load(dir.path()).unwrap();
        let who = Principal::new("u1", "Amina", &[Role::CivilAffairs], &["MONUSCO"]);
        let session = Session::new(who.clone(), 4_000_000_000);
        let sealed = sealer.seal(SESSION_COOKIE, &session);
        assert!(
            !sealed.contains("Amina"),
            "the cookie does not show its content"
        );
        let again = Sealer::load(dir.path()).unwrap();
        let opened: Session = again.open(SESSION_COOKIE, &sealed).unwrap();
        assert_eq!(opened.principal(), who);
        assert!(again.open::<Session>(SIGN_IN_COOKIE, &sealed).is_none());
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            again
                .open::<Session>(SESSION_COOKIE, std::str::from_utf8(&tampered).unwrap())
                .is_none()
        );
        let other = tempfile::tempdir().unwrap();
        let stranger = Sealer::load(other.path()).unwrap();
        assert!(
            stranger
                .open::<Session>(SESSION_COOKIE, &again.seal(SESSION_COOKIE, &session))
                .is_none()
        );
    }
}
