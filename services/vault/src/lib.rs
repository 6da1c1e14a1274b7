//! The keys of personal data (DESIGN.md §9). Each person (a staff member, a candidate) has a data
//! key of their own; their restricted fields are sealed with it (AES-256-GCM, `ring`) before an
//! event is stored, and the event keeps only the sealed text, which names the key. The data keys
//! live here, in a key store apart from the events, each wrapped by the master key. Destroying a
//! person's key (erasure) makes every copy of their sealed fields unreadable — the store, its WAL,
//! the read models' snapshot, backups, a KurrentDB cluster — while what is not sealed stays.
//!
//! - [`MasterKey`] wraps and unwraps data keys: [`LocalMasterKey`] holds one from a file or the
//!   environment; a KMS is another implementation of the trait. Losing the master key loses every
//!   sealed field; rotating it ([`KeyStore::rewrap`]) wraps the data keys again without touching
//!   an event.
//! - [`KeyStore`] is a SQLite file with `secure_delete` on, whose WAL is checkpointed and
//!   truncated after every destruction, so a destroyed key lingers neither in free pages nor in
//!   the journal.
//! - [`Sealed`] is the text an event holds: `v1.<key id>.<nonce and ciphertext, base64url>`; the
//!   key id, the person and the field's name are authenticated with it, so a sealed value moved
//!   to another field or another person does not open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

/// The key store's own index key's subject (see [`KeyStore::blind_index`]): not a person's.
pub const INDEX_SUBJECT: &str = "~blind-index";

/// Bytes of a data key and of a master key (AES-256).
pub const KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("master key {path}: {message}")]
    MasterKey { path: String, message: String },
    #[error(
        "a data key does not unwrap with the master key {master}: the wrong master key, or a damaged key store"
    )]
    Unwrap { master: String },
    #[error("no randomness from the system")]
    Random,
    #[error("not a sealed value")]
    NotSealed,
    #[error("a sealed value does not open with its key: it was changed or moved")]
    Tampered,
}

/// A data key, in memory only while used (zeroed when dropped).
pub struct DataKey {
    pub key_id: String,
    bytes: Zeroizing<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| VaultError::Random)?;
    Ok(bytes)
}

fn aead_key(bytes: &[u8; KEY_BYTES]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("a 32-byte AES-256 key"))
}

/// Seals `plaintext` with `key` under `aad`: the nonce, then the ciphertext and its tag.
fn seal_bytes(key: &[u8; KEY_BYTES], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let nonce: [u8; NONCE_LEN] = random()?;
    let mut sealed = plaintext.to_vec();
    aead_key(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut sealed,
        )
        .map_err(|_| VaultError::Random)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_bytes(key: &[u8; KEY_BYTES], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let mut buffer = Zeroizing::new(rest.to_vec());
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let plain = aead_key(key)
        .open_in_place(nonce, Aad::from(aad), &mut buffer)
        .ok()?
        .len();
    buffer.truncate(plain);
    Some(buffer)
}

/// What wraps the data keys. An implementation backed by a KMS wraps and unwraps there.
pub trait MasterKey: Send + Sync {
    /// A name for this master key (not a secret): the key store records which one wrapped each
    /// data key.
    fn id(&self) -> &str;
    /// `data_key` wrapped for `key_id`.
    fn wrap(&self, key_id: &str, data_key: &[u8; KEY_BYTES]) -> Result<Vec<u8>, VaultError>;
    /// The data key `key_id` from what [`MasterKey::wrap`] gave.
    fn unwrap(
        &self,
        key_id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_BYTES]>, VaultError>;
}

/// A master key held by this process: 32 bytes, written as 64 hexadecimal digits in a file or an
/// environment variable.
pub struct LocalMasterKey {
    id: String,
    key: Zeroizing<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for LocalMasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalMasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Where the master key came from (for the start-up's words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterKeyOrigin {
    /// Read from this file.
    File(PathBuf),
    /// Generated just now into this file (development and the demo).
    Generated(PathBuf),
    /// Given in the environment or the configuration.
    Given,
}

impl LocalMasterKey {
    /// From its 64 hexadecimal digits (white space around them ignored).
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let bytes = hex::decode(text.trim()).map_err(|_| {
            "a master key is 64 hexadecimal digits (32 bytes); this is not hexadecimal".to_string()
        })?;
        let key: [u8; KEY_BYTES] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "a master key is 64 hexadecimal digits (32 bytes); this has {} bytes",
                b.len()
            )
        })?;
        Ok(Self::from_bytes(key))
    }

    fn from_bytes(key: [u8; KEY_BYTES]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, &key);
        Self {
            id: format!("mk-{}", hex::encode(&digest.as_ref()[..6])),
            key: Zeroizing::new(key),
        }
    }

    /// A new random master key.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self::from_bytes(random()?))
    }

    /// The key in `path`, refused where others than its owner may read it; where there is no
    /// such file and `generate` holds, a new one written there (mode 0600).
    pub fn load_or_generate(
        path: &Path,
        generate: bool,
    ) -> Result<(Self, MasterKeyOrigin), VaultError> {
        let failed = |message: String| VaultError::MasterKey {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(path)
                        .map_err(|e| failed(e.to_string()))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(failed(format!(
                            "may be read by others than its owner (mode {:o}); a master key others could read must be replaced",
                            mode & 0o777
                        )));
                    }
                }
                let key = Self::from_hex(&text).map_err(failed)?;
                Ok((key, MasterKeyOrigin::File(path.to_path_buf())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && generate => {
                let key = Self::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
                }
                write_private(path, &hex::encode(*key.key)).map_err(|e| failed(e.to_string()))?;
                Ok((key, MasterKeyOrigin::Generated(path.to_path_buf())))
            }
            Err(e) => Err(failed(e.to_string())),
        }
    }

    /// The key as 64 hexadecimal digits, to be kept (written out once, by its owner).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.key))
    }
}

/// Writes `text` to a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

impl MasterKey for LocalMasterKey {
    fn id(&self) -> &str {
        &self.id
    }

    fn wrap(&self, key_id: &str, data_key: &[u8; KEY_BYTES]) -> Result<Vec<u8>, VaultError> {
        seal_bytes(&self.key, key_id.as_bytes(), data_key)
    }

    fn unwrap(
        &self,
        key_id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_BYTES]>, VaultError> {
        let plain = open_bytes(&self.key, key_id.as_bytes(), wrapped).ok_or_else(|| {
            VaultError::Unwrap {
                master: self.id.clone(),
            }
        })?;
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        if plain.len() != KEY_BYTES {
            return Err(VaultError::Unwrap {
                master: self.id.clone(),
            });
        }
        key.copy_from_slice(&plain);
        Ok(key)
    }
}

/// A sealed field as an event holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    sealed: Vec<u8>,
}

const SEALED_PREFIX: &str = "v1.";

impl Sealed {
    /// The text stored: `v1.<key id>.<base64url>`.
    pub fn to_text(&self) -> String {
        format!(
            "{SEALED_PREFIX}{}.{}",
            self.key_id,
            URL_SAFE_NO_PAD.encode(&self.sealed)
        )
    }

    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let rest = text
            .strip_prefix(SEALED_PREFIX)
            .ok_or(VaultError::NotSealed)?;
        let (key_id, body) = rest.split_once('.').ok_or(VaultError::NotSealed)?;
        if key_id.is_empty() {
            return Err(VaultError::NotSealed);
        }
        let sealed = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| VaultError::NotSealed)?;
        Ok(Self {
            key_id: key_id.to_string(),
            sealed,
        })
    }

    /// Whether `text` is a sealed value (rather than text written before sealing began).
    pub fn is_sealed(text: &str) -> bool {
        Self::parse(text).is_ok()
    }
}

/// What a sealed field is bound to: its key, its person and its field.
fn aad(key_id: &str, subject: &str, field: &str) -> Vec<u8> {
    format!("{key_id}\u{0}{subject}\u{0}{field}").into_bytes()
}

impl DataKey {
    /// `plaintext` sealed as `subject`'s field `field` (both authenticated with it).
    fn seal(&self, subject: &str, field: &str, plaintext: &str) -> Result<Sealed, VaultError> {
        Ok(Sealed {
            key_id: self.key_id.clone(),
            sealed: seal_bytes(
                &self.bytes,
                &aad(&self.key_id, subject, field),
                plaintext.as_bytes(),
            )?,
        })
    }

    fn open(&self, subject: &str, field: &str, sealed: &Sealed) -> Result<String, VaultError> {
        let plain = open_bytes(
            &self.bytes,
            &aad(&self.key_id, subject, field),
            &sealed.sealed,
        )
        .ok_or(VaultError::Tampered)?;
        String::from_utf8(plain.to_vec()).map_err(|_| VaultError::Tampered)
    }
}

/// A sealed field, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    Plain(String),
    /// The person's key was destroyed: the field is gone for good.
    Erased,
}

/// The data keys, each wrapped by the master key, in their own SQLite file.
pub struct KeyStore {
    db: Mutex<Connection>,
    master: RwLock<Arc<dyn MasterKey>>,
    /// Unwrapped keys by key id, and key ids by person.
    keys: RwLock<HashMap<String, Arc<DataKey>>>,
    subjects: RwLock<HashMap<String, String>>,
}

impl KeyStore {
    /// Opens (or creates) the key store at `path`, its keys wrapped by `master`.
    pub fn open(path: &Path, master: Arc<dyn MasterKey>) -> Result<Self, VaultError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| VaultError::MasterKey {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let db = Connection::open(path)?;
        // A deleted key is overwritten with zeros in the file, not left in a free page.
        db.pragma_update(None, "secure_delete", "ON")?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS data_keys (
                 key_id TEXT PRIMARY KEY,
                 subject TEXT NOT NULL UNIQUE,
                 master_id TEXT NOT NULL,
                 wrapped BLOB NOT NULL
             )",
        )?;
        Ok(Self {
            db: Mutex::new(db),
            master: RwLock::new(master),
            keys: RwLock::default(),
            subjects: RwLock::default(),
        })
    }

    fn master(&self) -> Arc<dyn MasterKey> {
        Arc::clone(&self.master.read().expect("master key lock"))
    }

    fn unwrapped(&self, key_id: &str, wrapped: &[u8]) -> Result<Arc<DataKey>, VaultError> {
        let bytes = self.master().unwrap(key_id, wrapped)?;
        let key = Arc::new(DataKey {
            key_id: key_id.to_string(),
            bytes,
        });
        self.keys
            .write()
            .expect("data keys lock")
            .insert(key_id.to_string(), Arc::clone(&key));
        Ok(key)
    }

    /// The data key of `subject` (a staff member's or a candidate's id), made at its first use.
    pub fn key_for(&self, subject: &str) -> Result<Arc<DataKey>, VaultError> {
        let known = self
            .subjects
            .read()
            .expect("subjects lock")
            .get(subject)
            .cloned();
        if let Some(key_id) = known
            && let Some(key) = self.keys.read().expect("data keys lock").get(&key_id)
        {
            return Ok(Arc::clone(key));
        }
        let db = self.db.lock().expect("key store lock");
        let stored: Option<(String, Vec<u8>)> = db
            .query_row(
                "SELECT key_id, wrapped FROM data_keys WHERE subject = ?1",
                params![subject],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let key = match stored {
            Some((key_id, wrapped)) => self.unwrapped(&key_id, &wrapped)?,
            None => {
                let key_id = format!("dk-{}", uuid::Uuid::now_v7().simple());
                let bytes: Zeroizing<[u8; KEY_BYTES]> = Zeroizing::new(random()?);
                let master = self.master();
                let wrapped = master.wrap(&key_id, &bytes)?;
                db.execute(
                    "INSERT INTO data_keys (key_id, subject, master_id, wrapped) VALUES (?1, ?2, ?3, ?4)",
                    params![key_id, subject, master.id(), wrapped],
                )?;
                let key = Arc::new(DataKey {
                    key_id: key_id.clone(),
                    bytes,
                });
                self.keys
                    .write()
                    .expect("data keys lock")
                    .insert(key_id, Arc::clone(&key));
                key
            }
        };
        self.subjects
            .write()
            .expect("subjects lock")
            .insert(subject.to_string(), key.key_id.clone());
        Ok(key)
    }

    /// `plaintext` sealed for `subject` as the field `field`.
    pub fn seal(&self, subject: &str, field: &str, plaintext: &str) -> Result<String, VaultError> {
        Ok(self
            .key_for(subject)?
            .seal(subject, field, plaintext)?
            .to_text())
    }

    /// Opens `subject`'s sealed field `field`: its text, or [`Opened::Erased`] where its key was
    /// destroyed.
    pub fn unseal(&self, subject: &str, field: &str, text: &str) -> Result<Opened, VaultError> {
        let sealed = Sealed::parse(text)?;
        let cached = self
            .keys
            .read()
            .expect("data keys lock")
            .get(&sealed.key_id)
            .cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                let wrapped: Option<Vec<u8>> = self
                    .db
                    .lock()
                    .expect("key store lock")
                    .query_row(
                        "SELECT wrapped FROM data_keys WHERE key_id = ?1",
                        params![sealed.key_id],
                        |r| r.get(0),
                    )
                    .optional()?;
                match wrapped {
                    Some(wrapped) => self.unwrapped(&sealed.key_id, &wrapped)?,
                    None => return Ok(Opened::Erased),
                }
            }
        };
        Ok(Opened::Plain(key.open(subject, field, &sealed)?))
    }

    /// A keyed hash of `value` (HMAC-SHA-256 under the key store's own index key, hex): what a
    /// lookup by a personal value (a phone number) is keyed by, in stream names and read models,
    /// so the value itself is never a key. The index key is wrapped by the master key like the
    /// data keys, and is never destroyed by an erasure.
    pub fn blind_index(&self, value: &str) -> Result<String, VaultError> {
        let key = self.key_for(INDEX_SUBJECT)?;
        let tag = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.bytes.as_slice()),
            value.as_bytes(),
        );
        Ok(hex::encode(&tag.as_ref()[..16]))
    }

    /// Destroys `subject`'s data key: every field sealed with it is unreadable from now on, in
    /// every copy. The row is overwritten in the file (`secure_delete`) and the WAL checkpointed
    /// and truncated, so the key lingers nowhere in the key store's files. Whether there was one.
    pub fn destroy(&self, subject: &str) -> Result<bool, VaultError> {
        if subject == INDEX_SUBJECT {
            return Ok(false);
        }
        let db = self.db.lock().expect("key store lock");
        let key_id: Option<String> = db
            .query_row(
                "SELECT key_id FROM data_keys WHERE subject = ?1",
                params![subject],
                |r| r.get(0),
            )
            .optional()?;
        let Some(key_id) = key_id else {
            return Ok(false);
        };
        db.execute("DELETE FROM data_keys WHERE key_id = ?1", params![key_id])?;
        db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.keys.write().expect("data keys lock").remove(&key_id);
        self.subjects
            .write()
            .expect("subjects lock")
            .remove(subject);
        Ok(true)
    }

    /// Wraps every data key again with `new` (rotating the master key), in one transaction; no
    /// event is touched. From then on `new` is the master key. How many keys were wrapped.
    pub fn rewrap(&self, new: Arc<dyn MasterKey>) -> Result<usize, VaultError> {
        let old = self.master();
        let mut db = self.db.lock().expect("key store lock");
        let tx = db.transaction()?;
        let rows: Vec<(String, Vec<u8>)> = {
            let mut statement = tx.prepare("SELECT key_id, wrapped FROM data_keys")?;
            statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        for (key_id, wrapped) in &rows {
            let key = old.unwrap(key_id, wrapped)?;
            let again = new.wrap(key_id, &key)?;
            tx.execute(
                "UPDATE data_keys SET wrapped = ?1, master_id = ?2 WHERE key_id = ?3",
                params![again, new.id(), key_id],
            )?;
        }
        tx.commit()?;
        db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        *self.master.write().expect("master key lock") = new;
        Ok(rows.len())
    }
}

pub mod backup;

#[cfg(test)]
mod tests;
