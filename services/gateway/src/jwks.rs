//! An identity provider's signing keys (a JWKS), fetched from its key set URL or found through
//! its OpenID discovery document, kept in memory and fetched again: on a schedule, and when a
//! token names a key not known here (at most once per configured interval, so that tokens naming
//! made-up keys cannot make the server hammer the provider).

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::config::Config;

/// Where the keys are found.
#[derive(Clone, Debug)]
enum Source {
    /// The key set's own URL.
    KeySet(String),
    /// The issuer URL: its discovery document names the key set's URL and the issuer.
    Discovery(String),
}

/// One verifying key.
pub struct Key {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The keys as last fetched.
#[derive(Default)]
pub struct KeySet {
    pub keys: Vec<Key>,
    /// The issuer the discovery document names (with `oidc_issuer_url`).
    pub issuer: Option<String>,
    /// Whether any fetch has succeeded yet.
    pub fetched: bool,
}

impl KeySet {
    /// The key a token's header names: by `kid`; a token naming none is verified with the only
    /// key where the set holds exactly one.
    pub fn find(&self, kid: Option<&str>) -> Option<&Key> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }
}

/// Fetch failures: the message names the URL and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(String);

pub struct Provider {
    source: Source,
    client: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    /// Held while fetching (one fetch at a time); the last fetch a token naming an unknown key
    /// caused.
    fetching: tokio::sync::Mutex<Option<Instant>>,
    every: Duration,
    unknown_key_every: Duration,
}

/// The longest wait between two attempts while the provider cannot be reached.
const MAX_RETRY: Duration = Duration::from_secs(30);
/// The largest key set or discovery document read.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

impl Provider {
    /// The provider the configuration names, if any. Nothing is fetched yet.
    pub fn from_config(config: &Config) -> Option<Self> {
        let source = match (&config.jwt_jwks_url, &config.oidc_issuer_url) {
            (Some(url), _) => Source::KeySet(url.clone()),
            (None, Some(url)) => Source::Discovery(url.clone()),
            (None, None) => return None,
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Some(Self {
            source,
            client,
            keys: RwLock::new(Arc::new(KeySet::default())),
            fetching: tokio::sync::Mutex::new(None),
            every: Duration::from_secs(config.jwt_jwks_refresh_seconds.max(1)),
            unknown_key_every: Duration::from_secs(config.jwt_jwks_unknown_key_refresh_seconds),
        })
    }

    /// The keys as last fetched.
    pub fn keys(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Fetches the keys now and keeps them (where the fetch fails, the keys held are kept).
    pub async fn refresh(&self) -> Result<usize, FetchError> {
        let _one_at_a_time = self.fetching.lock().await;
        self.fetch_and_keep().await
    }

    /// Fetches the keys again because a token names `kid`, which is not among them, unless
    /// another fetch found it meanwhile or one was made for the same reason within the interval.
    /// Returns whether the key is known now.
    pub async fn refresh_for(&self, kid: Option<&str>) -> bool {
        let mut last = self.fetching.lock().await;
        if self.keys().find(kid).is_some() {
            return true;
        }
        if last.is_some_and(|at| at.elapsed() < self.unknown_key_every) {
            return false;
        }
        *last = Some(Instant::now());
        if let Err(e) = self.fetch_and_keep().await {
            tracing::warn!(error = %e, "could not fetch the identity provider's keys");
        }
        self.keys().find(kid).is_some()
    }

    /// Keeps the keys fresh: fetches them now, then every `jwt_jwks_refresh_seconds`; while the
    /// provider cannot be reached, again after 1 s, 2 s, 4 s … up to 30 s.
    pub fn spawn(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut retry = Duration::from_secs(1);
            loop {
                let wait = match self.refresh().await {
                    Ok(_) => {
                        retry = Duration::from_secs(1);
                        self.every
                    }
                    Err(e) => {
                        let held = self.keys();
                        if held.fetched {
                            tracing::warn!(error = %e, keys = held.keys.len(), "could not fetch the identity provider's keys; the keys held are kept");
                        } else {
                            tracing::warn!(error = %e, "could not fetch the identity provider's keys; tokens are refused until they arrive");
                        }
                        let wait = retry.min(self.every);
                        retry = (retry * 2).min(MAX_RETRY);
                        wait
                    }
                };
                tokio::time::sleep(wait).await;
            }
        })
    }

    async fn fetch_and_keep(&self) -> Result<usize, FetchError> {
        let (url, issuer) = match &self.source {
            Source::KeySet(url) => (url.clone(), None),
            Source::Discovery(issuer) => {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                );
                let document = self.get_json(&url).await?;
                let jwks_uri = document
                    .get("jwks_uri")
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| FetchError(format!("{url}: the document names no jwks_uri")))?
                    .to_string();
                let named = document
                    .get("issuer")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                if let Some(named) = &named
                    && named.trim_end_matches('/') != issuer.trim_end_matches('/')
                {
                    tracing::warn!(configured = %issuer, discovered = %named, "the discovery document names another issuer than the configured URL; tokens must name the document's");
                }
                (jwks_uri, named)
            }
        };
        let document = self.get_json(&url).await?;
        let keys = parse_key_set(&document).map_err(|e| FetchError(format!("{url}: {e}")))?;
        let count = keys.len();
        let previous = self.keys();
        if previous.keys.len() != count || !previous.fetched {
            tracing::info!(url = %url, keys = count, "fetched the identity provider's keys");
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(KeySet {
            keys,
            issuer,
            fetched: true,
        });
        Ok(count)
    }

    async fn get_json(&self, url: &str) -> Result<serde_json::Value, FetchError> {
        let failed = |e: &dyn std::fmt::Display| FetchError(format!("{url}: {e}"));
        let response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| failed(&e))?;
        if !response.status().is_success() {
            return Err(failed(&format!("HTTP {}", response.status())));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(failed(&"the document is too large"));
        }
        let body = response.bytes().await.map_err(|e| failed(&e))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(failed(&"the document is too large"));
        }
        serde_json::from_slice(&body).map_err(|e| failed(&e))
    }
}

/// The signing keys of a JWKS document that verify RS256 or ES256 tokens. Keys of other kinds
/// (encryption keys, other algorithms and curves) are left out, one by one: one such key does not
/// cost the others.
pub fn parse_key_set(document: &serde_json::Value) -> Result<Vec<Key>, String> {
    let listed = document
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("not a key set: no \"keys\" list")?;
    let mut keys = Vec::new();
    for value in listed {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value.clone()) else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
            continue;
        }
        let Some(algorithm) = algorithm_of(&jwk) else {
            continue;
        };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key,
        });
    }
    Ok(keys)
}

/// RS256 for an RSA key, ES256 for a P-256 key; the key's own `alg` where it names one (another
/// algorithm than these two leaves the key out).
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    let by_kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(by_kind),
        Some(KeyAlgorithm::RS256) if by_kind == Algorithm::RS256 => Some(by_kind),
        Some(KeyAlgorithm::ES256) if by_kind == Algorithm::ES256 => Some(by_kind),
        Some(_) => None,
    }
}
