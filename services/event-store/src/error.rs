//! The store's one error type.

use std::borrow::Cow;

use crate::types::{CurrentRevision, ExpectedRevision, StreamName};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream was not in the state the append expected; nothing was written.
    #[error("stream {stream} was expected at {expected} but is at {actual}")]
    WrongExpectedRevision {
        stream: StreamName,
        expected: ExpectedRevision,
        actual: CurrentRevision,
    },

    /// An event id is already stored, but not as part of this same append (a different stream,
    /// place or batch): ids are never reused. Nothing was written. Only the embedded store checks
    /// this; KurrentDB does not (see [`crate::EventStore::append`]).
    #[error("event id {id} is already stored elsewhere in the store")]
    DuplicateEventId { id: uuid::Uuid },

    /// The input cannot be stored as it is; `field` names the part at fault. Nothing was written.
    #[error("{field}: {message}")]
    InvalidInput {
        field: Cow<'static, str>,
        message: Cow<'static, str>,
    },

    /// Another process owns the data directory.
    #[error("store is locked by process {}: {path}", pid.map_or_else(|| "unknown".to_string(), |p| p.to_string()))]
    Locked { pid: Option<u32>, path: String },

    /// The store cannot be reached now (a lost connection being re-established); try again later.
    #[error("store unavailable: {0}")]
    Unavailable(String),

    /// The store has been closed.
    #[error("store is closed")]
    Closed,

    /// Anything else: an I/O failure, a corrupt record, a bug. Logged with its cause.
    #[error("event store failure: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn invalid(
        field: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A stable code for callers and the GraphQL edge.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongExpectedRevision { .. } => "CONFLICT",
            Self::DuplicateEventId { .. } => "CONFLICT",
            Self::InvalidInput { .. } => "VALIDATION",
            Self::Locked { .. } => "STORE_LOCKED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Closed => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(format!("embedded store: {e}"))
    }
}
