//! The one error type at the edge. A refusal carries a stable code, a message for people and, where
//! one input is at fault, the field; an internal failure is logged with its cause and shown as a
//! generic message.

use std::fmt;

use cla_event_store::StoreError;

/// Stable error codes, part of the API (documented in the README and the schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An input is malformed or out of range.
    Validation,
    /// Something named does not exist (or not as of the asked date).
    NotFound,
    /// The request conflicts with the current state: a duplicate, a concurrent change, a
    /// transition the entity's lifecycle does not allow.
    Conflict,
    /// Signed in, but outside one's role or missions.
    Forbidden,
    /// No valid sign-in.
    Unauthenticated,
    /// The change would take a base below its minimum strength.
    CoverageGap,
    /// The store or a read model is not available now; try again.
    Unavailable,
    /// A failure of the system itself.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "VALIDATION",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::Forbidden => "FORBIDDEN",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::CoverageGap => "COVERAGE_GAP",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    pub const ALL: [ErrorCode; 8] = [
        Self::Validation,
        Self::NotFound,
        Self::Conflict,
        Self::Forbidden,
        Self::Unauthenticated,
        Self::CoverageGap,
        Self::Unavailable,
        Self::Internal,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal or failure, as every layer reports it.
///
/// Deliberately not `Display`: async-graphql turns any `Display` error into a GraphQL error without
/// a code, so the only way to the client is the conversion below, which keeps code and field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// The input at fault, as the client named it (`input.name`, `code`, `baseId`).
    pub field: Option<String>,
    /// What a door needs to word the refusal in its reader's language (the rule refused, the
    /// names, dates and figures in its message), by name; empty where the message says it all.
    pub details: Vec<(String, String)>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    /// This refusal with a detail (see [`AppError::details`]).
    pub fn with(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.details.push((name.into(), value.to_string()));
        self
    }

    /// A detail of this refusal, by name.
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn on(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message).on(field)
    }

    pub fn not_found(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message).on(field)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    /// An internal failure: the cause is logged here, the caller sees a generic message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let reference = uuid::Uuid::now_v7();
        tracing::error!(%reference, cause = %cause, "internal error");
        Self::new(
            ErrorCode::Internal,
            format!("internal error (reference {reference})"),
        )
    }

    /// One line for logs and messages: `CODE: message`.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }

    /// This error as GraphQL reports it: `extensions.code` and, where known, `extensions.field`.
    pub fn into_graphql(self) -> async_graphql::Error {
        let AppError {
            code,
            message,
            field,
            ..
        } = self;
        use async_graphql::ErrorExtensions;
        async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", code.as_str());
            if let Some(field) = &field {
                e.set("field", field.as_str());
            }
        })
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongExpectedRevision { .. } | StoreError::DuplicateEventId { .. } => {
                AppError::conflict(
                    "the record was changed by someone else at the same moment; reload and retry",
                )
            }
            StoreError::InvalidInput { field, message } => {
                AppError::validation(field.into_owned(), message.into_owned())
            }
            StoreError::Unavailable(_) | StoreError::Closed => {
                tracing::warn!(error = %e, "event store unavailable");
                AppError::new(
                    ErrorCode::Unavailable,
                    "the event store is unavailable; try again shortly",
                )
            }
            other => AppError::internal(other),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        e.into_graphql()
    }
}

pub type AppResult<T> = Result<T, AppError>;
