//! Sign-in: bearer JWTs. HS256 with a configured secret, or one generated at first run and kept
//! in the data directory (mode 0600); or RS256/ES256 with an identity provider's public key.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use cla_platform::{AppError, Principal, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::{Config, JwtAlgorithm, MIN_SECRET_BYTES};

/// The claims of a token.
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

pub struct Auth {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
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

const SECRET_FILE: &str = "jwt-secret";

impl Auth {
    pub fn load(config: &Config) -> Result<Self, AuthSetupError> {
        match config.jwt_algorithm {
            JwtAlgorithm::HS256 => {
                let secret = match &config.jwt_secret {
                    Some(secret) => secret.expose().as_bytes().to_vec(),
                    None => generated_secret(&config.data_dir)?,
                };
                Ok(Self {
                    algorithm: Algorithm::HS256,
                    decoding: DecodingKey::from_secret(&secret),
                    encoding: Some(EncodingKey::from_secret(&secret)),
                })
            }
            algorithm => {
                let algorithm = match algorithm {
                    JwtAlgorithm::RS256 => Algorithm::RS256,
                    _ => Algorithm::ES256,
                };
                let read = |path: &Path| {
                    std::fs::read(path).map_err(|source| AuthSetupError::Io {
                        path: path.display().to_string(),
                        source,
                    })
                };
                let public = read(
                    config
                        .jwt_public_key_file
                        .as_deref()
                        .expect("checked by config"),
                )?;
                let decoding = match algorithm {
                    Algorithm::RS256 => DecodingKey::from_rsa_pem(&public),
                    _ => DecodingKey::from_ec_pem(&public),
                }
                .map_err(|e| AuthSetupError::Key(format!("public key: {e}")))?;
                let encoding = match &config.jwt_private_key_file {
                    None => None,
                    Some(path) => {
                        let private = read(path)?;
                        Some(
                            match algorithm {
                                Algorithm::RS256 => EncodingKey::from_rsa_pem(&private),
                                _ => EncodingKey::from_ec_pem(&private),
                            }
                            .map_err(|e| AuthSetupError::Key(format!("private key: {e}")))?,
                        )
                    }
                };
                Ok(Self {
                    algorithm,
                    decoding,
                    encoding,
                })
            }
        }
    }

    /// Signs a token for the given person, roles and missions, valid for `ttl`.
    pub fn mint(
        &self,
        sub: &str,
        name: &str,
        roles: &[Role],
        missions: &[String],
        ttl: Duration,
    ) -> Result<String, AuthSetupError> {
        let Some(key) = &self.encoding else {
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
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|e| AuthSetupError::Key(e.to_string()))
    }

    /// Reads the `Authorization: Bearer …` header value into the caller.
    pub fn authenticate(&self, header: Option<&str>) -> Result<Principal, AppError> {
        let Some(header) = header else {
            return Err(AppError::unauthenticated(
                "sign in: send Authorization: Bearer <token>",
            ));
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                AppError::unauthenticated("the Authorization header must be Bearer <token>")
            })?;
        self.verify(token.trim())
    }

    pub fn verify(&self, token: &str) -> Result<Principal, AppError> {
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                AppError::unauthenticated(match e.kind() {
                    K::ExpiredSignature => "the token has expired; sign in again",
                    K::InvalidSignature | K::InvalidAlgorithm => {
                        "the token's signature is not valid here"
                    }
                    _ => "the token is malformed",
                })
            })?;
        let claims = data.claims;
        let mut roles = BTreeSet::new();
        let mut unknown = 0usize;
        for role in &claims.roles {
            match Role::parse(role) {
                Some(r) => {
                    roles.insert(r);
                }
                None => unknown += 1,
            }
        }
        if unknown > 0 {
            // One line however many: the names are the token's, not ours, and are not logged.
            tracing::warn!(unknown, caller = %claims.sub, "token names roles this system does not know; ignored");
        }
        if roles.is_empty() {
            return Err(AppError::unauthenticated("the token grants no known role"));
        }
        Ok(Principal {
            id: claims.sub,
            name: claims.name,
            roles,
            missions: claims.missions.into_iter().collect(),
        })
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The development signing secret: read from the data directory, or generated there at first run
/// with mode 0600.
fn generated_secret(dir: &Path) -> Result<Vec<u8>, AuthSetupError> {
    let path = dir.join(SECRET_FILE);
    let io = |source| AuthSetupError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => return kept_secret(&path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            tracing::info!(path = %path.display(), "generated a development signing secret");
            Ok(secret.into_bytes())
        }
        // Another process generated it at the same moment: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            kept_secret(&path, &std::fs::read_to_string(&path).map_err(io)?)
        }
        Err(e) => Err(io(e)),
    }
}

/// A secret read back from the data directory, refused where it is too short to resist guessing
/// or where others than the owner may read the file: a secret that others could read is no longer
/// a secret, and quietly narrowing the file's mode would not undo that.
fn kept_secret(path: &Path, text: &str) -> Result<Vec<u8>, AuthSetupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| AuthSetupError::Io {
                path: path.display().to_string(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(AuthSetupError::Key(format!(
                "{} may be read by others (mode {:o}): the signing secret must be the owner's \
                 alone; replace it (delete the file to have a new one generated, which signs out \
                 every token) or run `chmod 600` on it if it was never exposed",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let secret = text.trim();
    if secret.len() < MIN_SECRET_BYTES {
        return Err(AuthSetupError::Key(format!(
            "{} holds {} bytes of secret; at least {MIN_SECRET_BYTES} are needed (an empty or \
             short one lets anyone sign tokens): delete the file to have one generated",
            path.display(),
            secret.len()
        )));
    }
    Ok(secret.as_bytes().to_vec())
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
        assert!(auth.authenticate(None).is_err());
        assert!(auth.authenticate(Some("Basic abc")).is_err());
        assert!(auth.authenticate(Some("Bearer not.a.token")).is_err());
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
}
