//! Automatic persisted queries, as Apollo's clients speak them: a request may send, in place of
//! its query, the SHA-256 of the query's text (`extensions.persistedQuery`,
//! `{"version": 1, "sha256Hash": "…"}`). A hash this server does not know is answered
//! `PersistedQueryNotFound`; the client then sends the hash with the query, which is checked
//! against the hash and kept; from then on the hash alone runs it (a GET's URL stays short).
//!
//! The hash is turned back into the query's text here, before anything else reads the request,
//! so that every check made on a query's text holds for a persisted one too: a GET runs queries
//! only, the cap on root fields, the metric labels, the kept answers' keys, the idempotency
//! keys' fingerprints. (async-graphql's own `ApolloPersistedQueries` extension hands the engine a
//! parsed document instead, which the gateway's checks before execution and the idempotency
//! extension's `parse_query` hook never see: a hash-only GET could then run a mutation.)
//!
//! The queries are kept in memory, the least recently used forgotten first, at most
//! [`CAPACITY`] of at most [`MAX_QUERY_BYTES`] each: a restart forgets them, and clients send the
//! text again when asked to.

use std::sync::Mutex;

use cla_platform::cache::Kept;
use sha2::{Digest, Sha256};

/// How many queries are kept.
pub const CAPACITY: usize = 1024;

/// The longest query kept (longer ones run, and are not kept).
pub const MAX_QUERY_BYTES: usize = 32 * 1024;

/// The extension's name in a request's `extensions`.
pub const EXTENSION: &str = "persistedQuery";

/// Why a request's persisted query cannot run.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The hash alone, and no query known by it: the client is to send the query too.
    NotFound,
    /// The extension is not `{"version": 1, "sha256Hash": "<64 hex digits>"}`.
    Malformed(String),
    /// The query's SHA-256 is not the hash sent.
    HashMismatch,
}

impl Refused {
    /// The message and code a client reads (Apollo's own for a hash not known).
    pub fn message_and_code(&self) -> (String, &'static str) {
        match self {
            Refused::NotFound => ("PersistedQueryNotFound".into(), "PERSISTED_QUERY_NOT_FOUND"),
            Refused::Malformed(why) => (why.clone(), "BAD_REQUEST"),
            Refused::HashMismatch => (
                "provided sha does not match query".into(),
                "PERSISTED_QUERY_HASH_MISMATCH",
            ),
        }
    }
}

/// The queries known by their hash.
pub struct PersistedQueries {
    queries: Mutex<Kept<String, String>>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self {
            queries: Mutex::new(Kept::new(CAPACITY)),
        }
    }
}

impl PersistedQueries {
    /// The query a request runs: its own (checked against the hash and kept, where it sends a
    /// hash too), or the one known by its hash. `extension` is the request's
    /// `extensions.persistedQuery`, taken out of its extensions.
    pub fn resolve(
        &self,
        query: Option<String>,
        extension: &serde_json::Value,
    ) -> Result<String, Refused> {
        let hash = hash_of(extension)?;
        match query.filter(|q| !q.is_empty()) {
            Some(query) => {
                if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                    return Err(Refused::HashMismatch);
                }
                if query.len() <= MAX_QUERY_BYTES {
                    self.queries
                        .lock()
                        .expect("persisted queries lock")
                        .insert(hash, query.clone());
                }
                Ok(query)
            }
            None => self
                .queries
                .lock()
                .expect("persisted queries lock")
                .get(hash.as_str())
                .cloned()
                .ok_or(Refused::NotFound),
        }
    }
}

/// The extension's hash, in lower case.
fn hash_of(extension: &serde_json::Value) -> Result<String, Refused> {
    let malformed = |why: &str| Refused::Malformed(format!("extensions.persistedQuery: {why}"));
    let object = extension
        .as_object()
        .ok_or_else(|| malformed("a map of version and sha256Hash"))?;
    if object.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
        return Err(malformed("only version 1 is supported"));
    }
    let hash = object
        .get("sha256Hash")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| malformed("sha256Hash is the query's SHA-256 in hex"))?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("sha256Hash is the query's SHA-256 in hex"));
    }
    Ok(hash.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn extension(query: &str) -> serde_json::Value {
        json!({"version": 1, "sha256Hash": hex::encode(Sha256::digest(query.as_bytes()))})
    }

    #[test]
    fn a_hash_runs_its_query_once_the_query_was_sent_with_it() {
        let kept = PersistedQueries::default();
        let query = "{ missions { code } }";
        assert_eq!(
            kept.resolve(None, &extension(query)),
            Err(Refused::NotFound)
        );
        assert_eq!(
            kept.resolve(Some("{ other }".into()), &extension(query)),
            Err(Refused::HashMismatch)
        );
        assert_eq!(
            kept.resolve(None, &extension(query)),
            Err(Refused::NotFound)
        );
        assert_eq!(
            kept.resolve(Some(query.into()), &extension(query))
                .as_deref(),
            Ok(query)
        );
        assert_eq!(kept.resolve(None, &extension(query)).as_deref(), Ok(query));
        for bad in [
            json!("x"),
            json!({"version": 2, "sha256Hash": "ab"}),
            json!({"version": 1, "sha256Hash": "not hex"}),
            json!({"version": 1}),
        ] {
            assert!(matches!(
                kept.resolve(None, &bad),
                Err(Refused::Malformed(_))
            ));
        }
    }
}
