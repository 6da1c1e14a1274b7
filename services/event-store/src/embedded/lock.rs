//! One process owns a data directory at a time.
//!
//! The owner holds an exclusive advisory lock on `LOCK` and writes its process id there. The
//! kernel releases the lock when the process ends, however it ends, so a crash never leaves a
//! directory locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::StoreError;

pub(super) struct DirLock {
    _file: File,
}

impl DirLock {
    pub(super) fn acquire(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join("LOCK");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::Internal(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(StoreError::Locked {
                    pid: text.trim().parse().ok(),
                    path: dir.display().to_string(),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Internal(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        let write_pid = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{}", std::process::id())?;
            file.sync_all()
        };
        write_pid(&mut file)
            .map_err(|e| StoreError::Internal(format!("cannot write {}: {e}", path.display())))?;
        Ok(Self { _file: file })
    }
}
