//! Secrets kept in the data directory: read back, or generated at first run (32 random bytes,
//! hex, mode 0600). The development signing secret and the web sessions' key are kept so: a
//! secret that others could read is no longer one, so a readable or short file is refused rather
//! than quietly narrowed.

use std::io::Write;
use std::path::Path;

use rand::RngCore;

#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Unsafe(String),
}

/// The secret in `dir/name`, generated there where there is none. `what` names it in errors
/// ("the signing secret"); `replacing` says what deleting it does ("signs out every token").
pub fn kept_or_generated(
    dir: &Path,
    name: &str,
    min_bytes: usize,
    what: &str,
    replacing: &str,
) -> Result<Vec<u8>, SecretFileError> {
    let path = dir.join(name);
    let io = |source| SecretFileError::Io {
        path: path.display().to_string(),
        source,
    };
    let kept = |text: &str| kept(&path, text, min_bytes, what, replacing);
    match std::fs::read_to_string(&path) {
        Ok(text) => return kept(&text),
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
            tracing::info!(path = %path.display(), "generated {what}");
            Ok(secret.into_bytes())
        }
        // Another process generated it at the same moment: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            kept(&std::fs::read_to_string(&path).map_err(io)?)
        }
        Err(e) => Err(io(e)),
    }
}

fn kept(
    path: &Path,
    text: &str,
    min_bytes: usize,
    what: &str,
    replacing: &str,
) -> Result<Vec<u8>, SecretFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| SecretFileError::Io {
                path: path.display().to_string(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SecretFileError::Unsafe(format!(
                "{} may be read by others (mode {:o}): {what} must be the owner's alone; replace \
                 it (delete the file to have a new one generated, which {replacing}) or run \
                 `chmod 600` on it if it was never exposed",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let secret = text.trim();
    if secret.len() < min_bytes {
        return Err(SecretFileError::Unsafe(format!(
            "{} holds {} bytes of secret; at least {min_bytes} are needed (an empty or short one \
             lets anyone forge what it signs): delete the file to have one generated",
            path.display(),
            secret.len()
        )));
    }
    Ok(secret.as_bytes().to_vec())
}
