//! `cla backup <dir>` and `cla restore <dir>` (DESIGN.md §9): a consistent online copy of the
//! embedded store and of the key store, taken while the server serves, sealed with the master
//! key; and bringing it back into a new data directory.
//!
//! The store is copied first, then the key store (SQLite's online backup API, each as of one
//! moment): every event in the copy finds its key, except a person's erased between the two
//! copies, who stays erased. Each copy is sealed (see `cla_vault::backup`) beside a manifest
//! naming the master key and the store's last position; the plaintext copies are made in the
//! data directory (owner-only, where the same data already is) and removed once sealed. A backup
//! opens only with the master key it was made under: keep the master key apart from the
//! backups, and both, or neither opens.

use std::path::{Path, PathBuf};

use crate::config::{Backend, Config};
use crate::server::{events_path, key_store_path, master_key};
use cla_vault::MasterKey;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Vault(#[from] cla_vault::VaultError),
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What a backup or a restore wrote.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub master_key_id: String,
    /// The store's last position in the copy (none for an empty store).
    pub last_position: Option<u64>,
    pub events: u64,
    /// Bytes of each copy before sealing.
    pub store_bytes: u64,
    pub key_store_bytes: u64,
}

const STORE: &str = "events.db.sealed";
const KEYS: &str = "keys.db.sealed";
const MANIFEST: &str = "manifest.json";

fn private_dir(dir: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).map_err(io(dir))
}

fn last_position(db: &Path) -> Result<(Option<u64>, u64), BackupError> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (max, count): (Option<i64>, i64) =
        conn.query_row("SELECT MAX(position), COUNT(*) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok((max.map(|m| m as u64), count as u64))
}

/// Backs up the configured data directory's store and key store into `into` (a new or empty
/// directory), while the server may be serving.
pub fn backup(config: &Config, into: &Path) -> Result<Manifest, BackupError> {
    if config.store != Backend::Embedded {
        return Err(BackupError::Refused(
            "the KurrentDB store is backed up by its cluster's own tools; `cla backup` copies the \
             embedded store and the key store"
                .into(),
        ));
    }
    let (events, keys) = (events_path(config), key_store_path(config));
    for (path, what) in [(&events, "store"), (&keys, "key store")] {
        if !path.exists() {
            return Err(BackupError::Refused(format!(
                "no {what} at {}: is the data directory right?",
                path.display()
            )));
        }
    }
    if into.exists() && std::fs::read_dir(into).map_err(io(into))?.next().is_some() {
        return Err(BackupError::Refused(format!(
            "{} is not empty: a backup goes into a new directory",
            into.display()
        )));
    }
    let master = master_key(config, false)?;
    private_dir(into)?;
    let work = config
        .data_dir
        .join(format!("backup-{}", uuid::Uuid::now_v7().simple()));
    private_dir(&work)?;
    let outcome = (|| {
        let (store_copy, keys_copy) = (work.join("events.db"), work.join("keys.db"));
        // The store first: the key store copied after it holds every key its events name.
        cla_vault::backup::copy_consistent(&events, &store_copy)?;
        cla_vault::backup::copy_consistent(&keys, &keys_copy)?;
        let (last, count) = last_position(&store_copy)?;
        let store_bytes = cla_vault::backup::seal_file(&master, &store_copy, &into.join(STORE))?;
        let key_store_bytes = cla_vault::backup::seal_file(&master, &keys_copy, &into.join(KEYS))?;
        let manifest = Manifest {
            created_at: chrono::Utc::now(),
            master_key_id: master.id().to_string(),
            last_position: last,
            events: count,
            store_bytes,
            key_store_bytes,
        };
        let path = into.join(MANIFEST);
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&manifest).expect("a manifest"),
        )
        .map_err(io(&path))?;
        Ok(manifest)
    })();
    let _ = std::fs::remove_dir_all(&work);
    outcome
}

/// Restores the backup in `from` into the configured data directory, which must hold no store
/// yet; the read models are rebuilt from the store at the next start.
pub fn restore(config: &Config, from: &Path) -> Result<Manifest, BackupError> {
    let path = from.join(MANIFEST);
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(&path).map_err(io(&path))?)
        .map_err(|e| {
            BackupError::Refused(format!("{}: not a backup's manifest: {e}", path.display()))
        })?;
    let (events, keys) = (events_path(config), key_store_path(config));
    for path in [&events, &keys] {
        if path.exists() {
            return Err(BackupError::Refused(format!(
                "{} exists: a backup is restored into a new data directory",
                path.display()
            )));
        }
    }
    let master = master_key(config, false).map_err(|e| {
        BackupError::Refused(format!(
            "{e}: the backup opens only with the master key it was made under ({})",
            manifest.master_key_id
        ))
    })?;
    if master.id() != manifest.master_key_id {
        return Err(BackupError::Refused(format!(
            "the backup was made under master key {}, not {}: configure that one",
            manifest.master_key_id,
            master.id()
        )));
    }
    crate::server::keep_private(&config.data_dir)
        .map_err(|e| BackupError::Refused(e.to_string()))?;
    let placed: Vec<PathBuf> = vec![events.clone(), keys.clone()];
    let outcome = (|| {
        for (sealed, to) in [(STORE, &events), (KEYS, &keys)] {
            private_dir(to.parent().expect("a file in a directory"))?;
            cla_vault::backup::open_file(&master, &from.join(sealed), to)?;
        }
        let (last, count) = last_position(&events)?;
        if last != manifest.last_position || count != manifest.events {
            return Err(BackupError::Refused(format!(
                "the restored store ends at {last:?} with {count} events, the manifest says {:?} and {}",
                manifest.last_position, manifest.events
            )));
        }
        Ok(manifest)
    })();
    if outcome.is_err() {
        for path in placed {
            let _ = std::fs::remove_file(path);
        }
    }
    outcome
}

/// Rotates the master key: every data key in the key store wrapped again with the key in
/// `new_key_file` (owner-only), in one transaction; no event is touched. The server must be
/// stopped (it holds the old key in memory). How many keys were wrapped again.
pub fn rotate_master_key(config: &Config, new_key_file: &Path) -> Result<usize, BackupError> {
    if config.store == Backend::Embedded {
        // The store's lock says whether a server runs on this data directory.
        match cla_event_store::EmbeddedStore::open(config.data_dir.join("events")) {
            Ok(store) => drop(store),
            Err(e) => {
                return Err(BackupError::Refused(format!("stop the server first: {e}")));
            }
        }
    }
    let keys = key_store_path(config);
    if !keys.exists() {
        return Err(BackupError::Refused(format!(
            "no key store at {}",
            keys.display()
        )));
    }
    let old = master_key(config, false)?;
    let (new, _) = cla_vault::LocalMasterKey::load_or_generate(new_key_file, false)?;
    let store = cla_vault::KeyStore::open(&keys, std::sync::Arc::new(old))?;
    Ok(store.rewrap(std::sync::Arc::new(new))?)
}
