//! One-time sign-in codes, for the demo: `cla` prints a link per demo role
//! (`http://127.0.0.1:8080/sign-in/<code>`), and each works once, within its time. Only the
//! codes' SHA-256 digests are kept, in `<data_dir>/web-sign-in-codes` (owner-only): the file
//! holds nothing that signs anyone in. Codes are for a single server's data directory.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cla_platform::{Principal, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file the codes' digests are kept in.
pub const CODES_FILE: &str = "web-sign-in-codes";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Kept {
    digest: String,
    sub: String,
    name: String,
    roles: Vec<Role>,
    missions: Vec<String>,
    /// Seconds since the epoch.
    expires_at: i64,
}

/// The codes of one data directory; redeeming is serialised within the process.
pub struct Codes {
    path: PathBuf,
    lock: Mutex<()>,
}

fn digest(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

impl Codes {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(CODES_FILE),
            lock: Mutex::new(()),
        }
    }

    fn read(&self) -> Vec<Kept> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn write(&self, kept: &[Kept]) -> std::io::Result<()> {
        let temporary = self.path.with_extension("new");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        {
            use std::io::Write;
            let mut file = options.open(&temporary)?;
            file.write_all(&serde_json::to_vec(kept).expect("codes serialise"))?;
            file.sync_all()?;
        }
        std::fs::rename(&temporary, &self.path)
    }

    /// A new code for each person, valid until `expires_at` (seconds since the epoch); codes
    /// past their time are dropped.
    pub fn issue(
        &self,
        people: &[Principal],
        now: i64,
        expires_at: i64,
    ) -> std::io::Result<Vec<String>> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut kept: Vec<Kept> = self
            .read()
            .into_iter()
            .filter(|k| k.expires_at > now)
            .collect();
        let mut codes = Vec::new();
        for who in people {
            let code = format!(
                "{}{}",
                crate::session::random_token(),
                crate::session::random_token()
            );
            kept.push(Kept {
                digest: digest(&code),
                sub: who.id.clone(),
                name: who.name.clone(),
                roles: who.roles.iter().copied().collect(),
                missions: who.missions.iter().cloned().collect(),
                expires_at,
            });
            codes.push(code);
        }
        self.write(&kept)?;
        Ok(codes)
    }

    /// The person a code signs in, once: the code is used up (and expired ones dropped).
    pub fn redeem(&self, code: &str, now: i64) -> Option<Principal> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let wanted = digest(code);
        let mut found = None;
        let mut rest = Vec::new();
        for k in self.read() {
            if k.expires_at <= now {
                continue;
            }
            if found.is_none() && crate::session::same_token(&k.digest, &wanted) {
                found = Some(k);
            } else {
                rest.push(k);
            }
        }
        let k = found?;
        // Used up before it is honoured: a code that could not be struck off signs nobody in.
        self.write(&rest).ok()?;
        Some(Principal {
            id: k.sub,
            name: k.name,
            roles: k.roles.into_iter().collect(),
            missions: k.missions.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_signs_in_once_and_not_after_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let codes = Codes::new(dir.path());
        let who = Principal::new("demo-hr", "Demo HR", &[Role::MissionHr], &["MONUSCO"]);
        let issued = codes.issue(&[who.clone(), who.clone()], 100, 200).unwrap();
        let text = std::fs::read_to_string(dir.path().join(CODES_FILE)).unwrap();
        assert!(!text.contains(&issued[0]), "only digests are kept");
        assert_eq!(codes.redeem(&issued[0], 150), Some(who));
        assert_eq!(codes.redeem(&issued[0], 150), None, "once only");
        assert_eq!(codes.redeem(&issued[1], 200), None, "expired");
        assert_eq!(codes.redeem("made-up", 150), None);
    }
}
