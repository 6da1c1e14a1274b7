//! Sign-in: bearer JWTs. HS256 with a configured secret, or one generated at first run and kept
//! in the data directory (mode 0600); or RS256/ES256 with an identity provider's public key, or
//! with its key set (JWKS, found directly or through OpenID discovery), kept fresh.
//!
//! Incoming tokens are read as a JSON map: the issuer and audience are checked where configured,
//! `exp` and `nbf` with 5 s leeway, and the roles and missions are read from configurable claims
//! (dotted paths reach nested ones, a string counts as a list of one).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cla_platform::cache::Kept;
use cla_platform::claims::ClaimsMapping;
use cla_platform::{AppError, Principal, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{Config, JwtAlgorithm, MIN_SECRET_BYTES};
use crate::jwks::Provider;

/// The claims of a token minted here.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub name: String,
    pub roles: Vec<String>,
    /// Mission codes of a mission-scoped role (ignored for ADMIN and HQ_REVIEWER).
    #[serde(default)]
    pub missions: Vec<String>,
    pub exp: u64,
}

/// The keys tokens are verified with.
enum Keys {
    /// A configured secret or public key.
    Fixed {
        algorithm: Algorithm,
        key: DecodingKey,
    },
    /// The identity provider's key set.
    Provider(Arc<Provider>),
}

pub struct Auth {
    keys: Keys,
    encoding: Option<(Algorithm, EncodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
    claims: ClaimsMapping,
    /// Tokens verified already, by their whole text: a client sends the same token with every
    /// request, and its signature and claims need checking once, not each time.
    verified: Mutex<Kept<String, Verified>>,
}

/// A token verified once: who it signs in, and the identity provider's key set it was verified
/// with (none for configured keys). It stays good until it expires, or until the provider's
/// keys are fetched again, when it is verified anew against them.
struct Verified {
    signed_in: SignedIn,
    keys: Option<Arc<crate::jwks::KeySet>>,
}

/// How many verified tokens are kept (the least recently used goes first): a mission's people
/// signed in at once, with room to spare. A token is a few hundred bytes.
const VERIFIED_TOKENS: usize = 4096;

/// The leeway on `exp` and `nbf`, in seconds, for clocks that differ a little.
const LEEWAY_SECONDS: u64 = 5;

/// A verified token: who holds it, and until when (seconds since the epoch).
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub principal: Principal,
    pub expires_at: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Key(String),
}

/// Why a token was refused, and whether fetching the provider's keys again might change that.
struct Refused {
    error: AppError,
    unknown_key: Option<Option<String>>,
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Self {
            error,
            unknown_key: None,
        }
    }
}

const SECRET_FILE: &str = "jwt-secret";

impl Auth {
    pub fn load(config: &Config) -> Result<Self, AuthSetupError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| AuthSetupError::Io {
                path: path.display().to_string(),
                source,
            })
        };
        let asymmetric = match config.jwt_algorithm {
            JwtAlgorithm::RS256 => Algorithm::RS256,
            _ => Algorithm::ES256,
        };
        let private_key = |path: &Path| -> Result<(Algorithm, EncodingKey), AuthSetupError> {
            let private = read(path)?;
            let key = match asymmetric {
                Algorithm::RS256 => EncodingKey::from_rsa_pem(&private),
                _ => EncodingKey::from_ec_pem(&private),
            }
            .map_err(|e| AuthSetupError::Key(format!("private key: {e}")))?;
            Ok((asymmetric, key))
        };
        let (keys, encoding) = if let Some(provider) = Provider::from_config(config) {
            let encoding = match &config.jwt_private_key_file {
                Some(path) => Some(private_key(path)?),
                None => None,
            };
            (Keys::Provider(Arc::new(provider)), encoding)
        } else if config.jwt_algorithm == JwtAlgorithm::HS256 {
            let secret = match &config.jwt_secret {
                Some(secret) => secret.expose().as_bytes().to_vec(),
                None => generated_secret(&config.data_dir)?,
            };
            (
                Keys::Fixed {
                    algorithm: Algorithm::HS256,
                    key: DecodingKey::from_secret(&secret),
                },
                Some((Algorithm::HS256, EncodingKey::from_secret(&secret))),
            )
        } else {
            let public = read(
                config
                    .jwt_public_key_file
                    .as_deref()
                    .expect("checked by config"),
            )?;
            let key = match asymmetric {
                Algorithm::RS256 => DecodingKey::from_rsa_pem(&public),
                _ => DecodingKey::from_ec_pem(&public),
            }
            .map_err(|e| AuthSetupError::Key(format!("public key: {e}")))?;
            let encoding = match &config.jwt_private_key_file {
                Some(path) => Some(private_key(path)?),
                None => None,
            };
            (
                Keys::Fixed {
                    algorithm: asymmetric,
                    key,
                },
                encoding,
            )
        };
        Ok(Self {
            keys,
            encoding,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            claims: ClaimsMapping {
                roles_claim: config.jwt_roles_claim.clone(),
                missions_claim: config.jwt_missions_claim.clone(),
            },
            verified: Mutex::new(Kept::new(VERIFIED_TOKENS)),
        })
    }

    /// Keeps the identity provider's keys fresh (see [`Provider::spawn`]); nothing to do where
    /// the keys are configured. Needs a Tokio runtime.
    pub fn keep_keys_fresh(&self) -> Option<tokio::task::JoinHandle<()>> {
        match &self.keys {
            Keys::Provider(provider) => Some(Arc::clone(provider).spawn()),
            Keys::Fixed { .. } => None,
        }
    }

    /// The identity provider's keys, where tokens are verified with them.
    pub fn provider(&self) -> Option<&Arc<Provider>> {
        match &self.keys {
            Keys::Provider(provider) => Some(provider),
            Keys::Fixed { .. } => None,
        }
    }

    /// Signs a token for the given person, roles and missions, valid for `ttl`. It names the
    /// configured issuer and audience, where set.
    pub fn mint(
        &self,
        sub: &str,
        name: &str,
        roles: &[Role],
        missions: &[String],
        ttl: Duration,
    ) -> Result<String, AuthSetupError> {
        let Some((algorithm, key)) = &self.encoding else {
            return Err(AuthSetupError::Key(
                "no signing key: tokens come from the identity provider (set jwt_private_key_file to mint here)".into(),
            ));
        };
        let claims = Claims {
            sub: sub.to_string(),
            name: name.to_string(),
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
            missions: missions.to_vec(),
            exp: now() + ttl.as_secs(),
        };
        let mut value =
            serde_json::to_value(&claims).map_err(|e| AuthSetupError::Key(e.to_string()))?;
        if let Some(issuer) = &self.issuer {
            value["iss"] = Value::from(issuer.as_str());
        }
        if let Some(audience) = &self.audience {
            value["aud"] = Value::from(audience.as_str());
        }
        jsonwebtoken::encode(&Header::new(*algorithm), &value, key)
            .map_err(|e| AuthSetupError::Key(e.to_string()))
    }

    /// Reads the `Authorization: Bearer …` header value into the caller. A token naming a key of
    /// the identity provider's not known here has the keys fetched again first (at most once per
    /// `jwt_jwks_unknown_key_refresh_seconds`).
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, AppError> {
        self.sign_in(header).await.map(|s| s.principal)
    }

    /// As [`Auth::authenticate`], with the token's expiry.
    pub async fn sign_in(&self, header: Option<&str>) -> Result<SignedIn, AppError> {
        let token = bearer(header)?;
        match self.check(token) {
            Ok(signed_in) => Ok(signed_in),
            Err(Refused {
                unknown_key: Some(kid),
                error,
            }) => match self.provider() {
                Some(provider) if provider.refresh_for(kid.as_deref()).await => {
                    self.check(token).map_err(|r| r.error)
                }
                _ => Err(error),
            },
            Err(refused) => Err(refused.error),
        }
    }

    /// Verifies a token with the keys held now (nothing is fetched).
    pub fn verify(&self, token: &str) -> Result<Principal, AppError> {
        self.check(token).map(|s| s.principal).map_err(|r| r.error)
    }

    /// The caller a token signs in: as verified before, while it has not expired and the keys it
    /// was verified with are the ones held; else verified now (see [`Auth::verify_now`]) and kept.
    fn check(&self, token: &str) -> Result<SignedIn, Refused> {
        let keys = self.provider().map(|provider| provider.keys());
        let same_keys = |kept: &Option<Arc<crate::jwks::KeySet>>| match (kept, &keys) {
            (Some(kept), Some(held)) => Arc::ptr_eq(kept, held),
            (None, None) => true,
            _ => false,
        };
        let now = now();
        {
            let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(kept) = verified.get(token) {
                if same_keys(&kept.keys) && now <= kept.signed_in.expires_at + LEEWAY_SECONDS {
                    return Ok(kept.signed_in.clone());
                }
                verified.retain(|_, v| {
                    same_keys(&v.keys) && now <= v.signed_in.expires_at + LEEWAY_SECONDS
                });
            }
        }
        let signed_in = self.verify_now(token)?;
        self.verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                token.to_string(),
                Verified {
                    signed_in: signed_in.clone(),
                    keys,
                },
            );
        Ok(signed_in)
    }

    /// Verifies a token's signature and claims with the keys held now.
    fn verify_now(&self, token: &str) -> Result<SignedIn, Refused> {
        let malformed = || AppError::unauthenticated("the token is malformed");
        let header = jsonwebtoken::decode_header(token).map_err(|_| malformed())?;
        let held;
        let (algorithm, key, issuer) = match &self.keys {
            Keys::Fixed { algorithm, key } => (*algorithm, key, self.issuer.as_deref()),
            Keys::Provider(provider) => {
                held = provider.keys();
                let Some(found) = held.find(header.kid.as_deref()) else {
                    let error = if !held.fetched {
                        AppError::unauthenticated(
                            "sign-in is not available yet: the identity provider's keys could \
                             not be fetched; try again shortly",
                        )
                    } else if header.kid.is_none() {
                        AppError::unauthenticated("the token names no signing key (kid)")
                    } else {
                        AppError::unauthenticated(
                            "the token's signing key (kid) is not one of the identity provider's",
                        )
                    };
                    return Err(Refused {
                        error,
                        unknown_key: Some(header.kid),
                    });
                };
                let issuer = self.issuer.as_deref().or(held.issuer.as_deref());
                (found.algorithm, &found.key, issuer)
            }
        };
        if header.alg != algorithm {
            return Err(
                AppError::unauthenticated("the token's signature is not valid here").into(),
            );
        }
        let mut validation = Validation::new(algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                AppError::unauthenticated(match e.kind() {
                    K::ExpiredSignature => "the token has expired; sign in again".to_string(),
                    K::ImmatureSignature => "the token is not valid yet (nbf)".to_string(),
                    K::InvalidIssuer => {
                        "the token's issuer (iss) is not the one trusted here".to_string()
                    }
                    K::InvalidAudience => {
                        "the token's audience (aud) is not this service".to_string()
                    }
                    K::MissingRequiredClaim(claim) => {
                        format!("the token has no {claim} claim, which is required here")
                    }
                    K::InvalidClaimFormat(claim) => {
                        format!("the token's {claim} claim is malformed")
                    }
                    K::InvalidSignature | K::InvalidAlgorithm => {
                        "the token's signature is not valid here".to_string()
                    }
                    _ => "the token is malformed".to_string(),
                })
            })?;
        self.principal(&data.claims).map_err(Refused::from)
    }

    /// The caller a verified token's claims name (the one mapping, shared with web sessions).
    fn principal(&self, claims: &Map<String, Value>) -> Result<SignedIn, AppError> {
        let mapped = self.claims.principal(claims)?;
        Ok(SignedIn {
            principal: mapped.principal,
            expires_at: mapped.expires_at,
        })
    }

    /// How claims map to the caller's roles and missions.
    pub fn claims_mapping(&self) -> &ClaimsMapping {
        &self.claims
    }
}

/// The token in an `Authorization: Bearer …` header value.
fn bearer(header: Option<&str>) -> Result<&str, AppError> {
    let Some(header) = header else {
        return Err(AppError::unauthenticated(
            "sign in: send Authorization: Bearer <token>",
        ));
    };
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| AppError::unauthenticated("the Authorization header must be Bearer <token>"))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The development signing secret: read from the data directory, or generated there at first run
/// with mode 0600 (see [`cla_platform::secret_file`]).
fn generated_secret(dir: &Path) -> Result<Vec<u8>, AuthSetupError> {
    data_dir_secret(
        dir,
        SECRET_FILE,
        "the signing secret",
        "signs out every token",
    )
}

/// A secret of the data directory's (`name`): read back, or generated there at first run (mode
/// 0600). `what` names it in errors; `replacing` says what deleting it does.
pub fn data_dir_secret(
    dir: &Path,
    name: &str,
    what: &str,
    replacing: &str,
) -> Result<Vec<u8>, AuthSetupError> {
    cla_platform::secret_file::kept_or_generated(dir, name, MIN_SECRET_BYTES, what, replacing)
        .map_err(|e| match e {
            cla_platform::secret_file::SecretFileError::Io { path, source } => {
                AuthSetupError::Io { path, source }
            }
            cla_platform::secret_file::SecretFileError::Unsafe(message) => {
                AuthSetupError::Key(message)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        }
    }

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let auth = Auth::load(&config(dir.path())).unwrap();
        let token = auth
            .mint(
                "u1",
                "A. Manager",
                &[Role::CivilAffairs],
                &["MONUSCO".into()],
                Duration::from_secs(60),
            )
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Auth::load(&config(dir.path())).unwrap();
        let who = again.verify(&token).unwrap();
        assert_eq!(who.id, "u1");
        assert!(who.holds_for("MONUSCO", &[Role::CivilAffairs]));
        let other = tempfile::tempdir().unwrap();
        let stranger = Auth::load(&config(other.path())).unwrap();
        assert!(
            stranger.verify(&token).is_err(),
            "another secret does not accept it"
        );
    }

    #[test]
    fn a_kept_secret_that_is_short_or_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let write = |dir: &Path, text: &str, mode: u32| {
            let path = dir.join(SECRET_FILE);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        for weak in ["", "\n", "   \t ", "0123456789abcdef"] {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), weak, 0o600);
            let e = Auth::load(&config(dir.path())).err().expect("refused");
            assert!(e.to_string().contains("jwt-secret"), "{e}");
            assert!(e.to_string().contains("at least 32"), "{e}");
        }
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &"ab".repeat(32), 0o644);
        let e = Auth::load(&config(dir.path())).err().expect("refused");
        assert!(e.to_string().contains("read by others"), "{e}");
        write(dir.path(), &"ab".repeat(32), 0o600);
        assert!(Auth::load(&config(dir.path())).is_ok());
    }

    /// A token signed with the empty key, as an attacker would forge one, never signs in.
    #[test]
    fn a_token_signed_with_an_empty_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let auth = Auth::load(&config(dir.path())).unwrap();
        let claims = Claims {
            sub: "attacker".into(),
            name: "x".into(),
            roles: vec!["ADMIN".into()],
            missions: vec![],
            exp: now() + 3600,
        };
        let forged =
            jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(b""))
                .unwrap();
        assert!(auth.verify(&forged).is_err());
    }

    #[test]
    fn many_unknown_roles_write_one_warning() {
        #[derive(Clone, Default)]
        struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let auth = Auth::load(&config(dir.path())).unwrap();
        let mut roles: Vec<String> = (0..50_000).map(|i| format!("ROLE_{i}")).collect();
        roles.push("ADMIN".into());
        let claims = Claims {
            sub: "u".into(),
            name: "n".into(),
            roles,
            missions: vec![],
            exp: now() + 60,
        };
        let secret = std::fs::read(dir.path().join(SECRET_FILE)).unwrap();
        let token = jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let who = tracing::subscriber::with_default(subscriber, || auth.verify(&token)).unwrap();
        assert!(who.has(Role::Admin));
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{}", &text[..text.len().min(500)]);
        assert!(text.contains("unknown=50000"), "{text}");
        assert!(!text.contains("ROLE_1"), "{text}");
    }

    #[test]
    fn bad_tokens_are_unauthenticated() {
        let dir = tempfile::tempdir().unwrap();
        let auth = Auth::load(&config(dir.path())).unwrap();
        assert!(bearer(None).is_err());
        assert!(bearer(Some("Basic abc")).is_err());
        assert!(auth.verify("not.a.token").is_err());
        let claims = Claims {
            sub: "u".into(),
            name: "n".into(),
            roles: vec!["ADMIN".into()],
            missions: vec![],
            exp: now() - 3600,
        };
        let secret = std::fs::read(dir.path().join(SECRET_FILE)).unwrap();
        let expired = jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        let e = auth.verify(&expired).unwrap_err();
        assert_eq!(e.code.as_str(), "UNAUTHENTICATED");
        assert!(e.message.contains("expired"));
    }

    /// A token is verified once and kept: given again, the kept caller answers (the signature is
    /// not checked again); once past its expiry, or verified with keys no longer held, it is
    /// verified anew; a refused token is never kept.
    #[test]
    fn a_verified_token_is_kept_until_it_expires_or_the_keys_change() {
        let dir = tempfile::tempdir().unwrap();
        let auth = Auth::load(&config(dir.path())).unwrap();
        let token = auth
            .mint(
                "u-1",
                "Amani",
                &[Role::Admin],
                &[],
                Duration::from_secs(600),
            )
            .unwrap();
        assert_eq!(auth.verify(&token).unwrap().id, "u-1");
        assert_eq!(auth.verified.lock().unwrap().len(), 1);
        // What is kept is what answers: marked here, the mark comes back.
        let mark = |expires_at: u64, keys: Option<Arc<crate::jwks::KeySet>>| {
            let mut verified = auth.verified.lock().unwrap();
            let kept = verified.get(token.as_str()).unwrap();
            kept.signed_in.principal.id = "kept".into();
            kept.signed_in.expires_at = expires_at;
            kept.keys = keys;
        };
        mark(now() + 600, None);
        assert_eq!(auth.verify(&token).unwrap().id, "kept");
        // Past its expiry (and the leeway), the kept caller no longer answers: the token is
        // read again, and what its signature holds answers.
        mark(now() - LEEWAY_SECONDS - 1, None);
        assert_eq!(auth.verify(&token).unwrap().id, "u-1");
        // Verified with another key set than the one held: read again.
        mark(now() + 600, Some(Arc::new(crate::jwks::KeySet::default())));
        assert_eq!(auth.verify(&token).unwrap().id, "u-1");
        assert_eq!(auth.verified.lock().unwrap().len(), 1);
        // A token signed with another secret is refused every time, and never kept.
        let forged = jsonwebtoken::encode(
            &Header::default(),
            &Claims {
                sub: "u-1".into(),
                name: "n".into(),
                roles: vec!["ADMIN".into()],
                missions: vec![],
                exp: now() + 600,
            },
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        for _ in 0..2 {
            assert!(auth.verify(&forged).is_err());
        }
        assert_eq!(auth.verified.lock().unwrap().len(), 1);
    }

    /// Development tokens name the configured issuer and audience; tokens naming others, or
    /// none, are refused with the claim named; `nbf` in the future is refused.
    #[test]
    fn issuer_audience_and_not_before_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let strict = Auth::load(&Config {
            jwt_issuer: Some("https://cla.example.org".into()),
            jwt_audience: Some("cla-workforce".into()),
            ..config(dir.path())
        })
        .unwrap();
        let token = strict
            .mint("u", "n", &[Role::Admin], &[], Duration::from_secs(60))
            .unwrap();
        assert!(strict.verify(&token).unwrap().has(Role::Admin));
        let lax = Auth::load(&config(dir.path())).unwrap();
        assert!(
            lax.verify(&token).is_ok(),
            "with none configured, iss and aud are not checked"
        );
        let unnamed = lax
            .mint("u", "n", &[Role::Admin], &[], Duration::from_secs(60))
            .unwrap();
        let e = strict.verify(&unnamed).unwrap_err();
        assert_eq!(e.code.as_str(), "UNAUTHENTICATED");
        // It lacks both; the message names one of them.
        assert!(
            e.message.contains("no iss claim") || e.message.contains("no aud claim"),
            "{}",
            e.message
        );

        let secret = std::fs::read(dir.path().join(SECRET_FILE)).unwrap();
        let sign = |claims: serde_json::Value| {
            jsonwebtoken::encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(&secret),
            )
            .unwrap()
        };
        let base = || {
            serde_json::json!({
                "sub": "u", "roles": ["ADMIN"], "exp": now() + 60,
                "iss": "https://cla.example.org", "aud": "cla-workforce",
            })
        };
        let mut other = base();
        other["aud"] = "another".into();
        assert!(
            strict
                .verify(&sign(other))
                .unwrap_err()
                .message
                .contains("audience (aud)")
        );
        let mut none = base();
        none.as_object_mut().unwrap().remove("aud");
        assert!(
            strict
                .verify(&sign(none))
                .unwrap_err()
                .message
                .contains("no aud claim")
        );
        let mut foreign = base();
        foreign["iss"] = "https://elsewhere.example.org".into();
        assert!(
            strict
                .verify(&sign(foreign))
                .unwrap_err()
                .message
                .contains("issuer (iss)")
        );
        let mut later = base();
        later["nbf"] = (now() + 60).into();
        assert!(
            strict
                .verify(&sign(later))
                .unwrap_err()
                .message
                .contains("nbf")
        );
        let who = strict.verify(&sign(base())).unwrap();
        assert_eq!(who.name, "u", "no name: the subject");
    }
}
