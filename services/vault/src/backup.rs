//! Backups of SQLite files, consistent and sealed with the master key (`cla backup`).
//!
//! - [`copy_consistent`] copies a live SQLite database (another process writing to it) with
//!   SQLite's online backup API: the copy is the database as it stood at one moment.
//! - [`seal_file`] encrypts a file for the backup: a fresh file key wrapped by the master key,
//!   the content in 1 MiB chunks each sealed with AES-256-GCM, every chunk bound to its place and
//!   the last marked as last, so a chunk moved, dropped or cut off does not open.
//!   [`open_file`] reverses it, with the same master key (or fails saying so).

use std::io::{Read, Write};
use std::path::Path;

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::{KEY_BYTES, MasterKey, VaultError, random};

const MAGIC: &[u8; 8] = b"CLABAK1\0";
const CHUNK: usize = 1 << 20;

fn io(path: &Path, e: impl std::fmt::Display) -> VaultError {
    VaultError::MasterKey {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Copies the SQLite database at `from` (in use or not) to `to`, consistently.
pub fn copy_consistent(from: &Path, to: &Path) -> Result<(), VaultError> {
    let source = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut target = rusqlite::Connection::open(to)?;
    let backup = rusqlite::backup::Backup::new(&source, &mut target)?;
    // Every page in one step: the copy is the database as of one read transaction. A writer
    // holding the database busy for a moment is waited out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => break,
            _ if std::time::Instant::now() > deadline => {
                return Err(VaultError::Store(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some("the database stayed busy for 30 s".into()),
                )));
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
    drop(backup);
    // One file, no journal beside it.
    target.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

fn nonce(prefix: &[u8; 4], counter: u64) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[..4].copy_from_slice(prefix);
    n[4..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn aad(counter: u64, last: bool) -> [u8; 9] {
    let mut a = [0u8; 9];
    a[..8].copy_from_slice(&counter.to_be_bytes());
    a[8] = u8::from(last);
    a
}

/// Encrypts `from` into `to` (created owner-only) under a fresh key wrapped by `master`.
pub fn seal_file(master: &dyn MasterKey, from: &Path, to: &Path) -> Result<u64, VaultError> {
    let file_key: Zeroizing<[u8; KEY_BYTES]> = Zeroizing::new(random()?);
    let key_id = format!("backup-{}", uuid::Uuid::now_v7().simple());
    let wrapped = master.wrap(&key_id, &file_key)?;
    let prefix: [u8; 4] = random()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, file_key.as_slice()).expect("a key"));
    let mut input = std::fs::File::open(from).map_err(|e| io(from, e))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = std::io::BufWriter::new(options.open(to).map_err(|e| io(to, e))?);
    let mut header = Vec::new();
    header.extend_from_slice(MAGIC);
    for part in [key_id.as_bytes(), master.id().as_bytes(), &wrapped, &prefix] {
        header.extend_from_slice(&(part.len() as u32).to_be_bytes());
        header.extend_from_slice(part);
    }
    out.write_all(&header).map_err(|e| io(to, e))?;
    let mut buffer = vec![0u8; CHUNK];
    let mut counter = 0u64;
    let mut total = 0u64;
    // Read one chunk ahead, to know which is the last.
    let mut current = read_chunk(&mut input, &mut buffer).map_err(|e| io(from, e))?;
    loop {
        let ahead = read_chunk(&mut input, &mut buffer).map_err(|e| io(from, e))?;
        let last = ahead.is_empty();
        total += current.len() as u64;
        let mut sealed = current;
        key.seal_in_place_append_tag(
            nonce(&prefix, counter),
            Aad::from(aad(counter, last)),
            &mut sealed,
        )
        .map_err(|_| VaultError::Random)?;
        out.write_all(&(sealed.len() as u32).to_be_bytes())
            .and_then(|()| out.write_all(&sealed))
            .map_err(|e| io(to, e))?;
        if last {
            break;
        }
        counter += 1;
        current = ahead;
    }
    let file = out.into_inner().map_err(|e| io(to, e.error()))?;
    file.sync_all().map_err(|e| io(to, e))?;
    Ok(total)
}

fn read_chunk(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<Vec<u8>> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(buffer[..filled].to_vec())
}

fn read_part(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > CHUNK + 64 {
        return Err(std::io::Error::other("a part longer than any written"));
    }
    let mut part = vec![0u8; len];
    input.read_exact(&mut part)?;
    Ok(part)
}

/// The master key's id a sealed backup file was written under.
pub fn sealed_with(path: &Path) -> Result<String, VaultError> {
    let mut input = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| io(path, e))?);
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(|e| io(path, e))?;
    if &magic != MAGIC {
        return Err(io(path, "not a backup file"));
    }
    read_part(&mut input).map_err(|e| io(path, e))?;
    let master = read_part(&mut input).map_err(|e| io(path, e))?;
    Ok(String::from_utf8_lossy(&master).into_owned())
}

/// Decrypts `from` (written by [`seal_file`]) into `to` (created owner-only).
pub fn open_file(master: &dyn MasterKey, from: &Path, to: &Path) -> Result<u64, VaultError> {
    let mut input = std::io::BufReader::new(std::fs::File::open(from).map_err(|e| io(from, e))?);
    let bad = |what: &str| io(from, format!("not a whole backup file: {what}"));
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(|_| bad("no header"))?;
    if &magic != MAGIC {
        return Err(bad("not a backup file"));
    }
    let key_id = read_part(&mut input).map_err(|_| bad("header"))?;
    let master_id = read_part(&mut input).map_err(|_| bad("header"))?;
    let wrapped = read_part(&mut input).map_err(|_| bad("header"))?;
    let prefix = read_part(&mut input).map_err(|_| bad("header"))?;
    let key_id = String::from_utf8_lossy(&key_id).into_owned();
    let file_key = master
        .unwrap(&key_id, &wrapped)
        .map_err(|_| VaultError::Unwrap {
            master: format!(
                "{} (the backup was written under {})",
                master.id(),
                String::from_utf8_lossy(&master_id)
            ),
        })?;
    let prefix: [u8; 4] = prefix.try_into().map_err(|_| bad("header"))?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, file_key.as_slice()).expect("a key"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = std::io::BufWriter::new(options.open(to).map_err(|e| io(to, e))?);
    let mut counter = 0u64;
    let mut total = 0u64;
    loop {
        let mut sealed = read_part(&mut input).map_err(|_| bad("cut short"))?;
        // The last chunk says so; any other opens only as not last.
        let (plain, last) = match key.open_in_place(
            nonce(&prefix, counter),
            Aad::from(aad(counter, false)),
            &mut sealed.clone(),
        ) {
            Ok(plain) => (plain.to_vec(), false),
            Err(_) => (
                key.open_in_place(
                    nonce(&prefix, counter),
                    Aad::from(aad(counter, true)),
                    &mut sealed,
                )
                .map_err(|_| VaultError::Tampered)?
                .to_vec(),
                true,
            ),
        };
        total += plain.len() as u64;
        out.write_all(&plain).map_err(|e| io(to, e))?;
        if last {
            break;
        }
        counter += 1;
    }
    let mut rest = [0u8; 1];
    if input.read(&mut rest).map_err(|e| io(from, e))? != 0 {
        return Err(bad("bytes after its last part"));
    }
    let file = out.into_inner().map_err(|e| io(to, e.error()))?;
    file.sync_all().map_err(|e| io(to, e))?;
    Ok(total)
}
