//! What each error the `kurrentdb` client reports means for the caller and for the connection.
//!
//! The client folds gRPC statuses before we see them (its `Error::from_grpc`): `UNAVAILABLE`,
//! `UNKNOWN`, `INTERNAL` and `DATA_LOSS` all become `ServerError`, which is how a node that went
//! away or restarted answers; a follower's refusal becomes `NotLeaderException` with the leader's
//! address. After a `ServerError` the client keeps calling the node it has, so the client must be
//! rebuilt to find another; after a `NotLeaderException` it moves to the named leader itself.

use crate::StoreError;
use crate::types::{CurrentRevision, ExpectedRevision, StreamName};

/// What a client error means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The stream is not as the append expected; nothing was written.
    Conflict(CurrentRevision),
    /// The stream does not exist: it reads as empty.
    Missing,
    /// The stream was deleted for good: it reads as empty and cannot be written again.
    Deleted,
    /// The server refused the input as it is (an append over its size limit, a bad request).
    Refused(String),
    /// The store cannot be reached through this client now. With `rebuild`, the client will not
    /// find another node by itself (it stays on a node that is gone, or has stopped altogether).
    Outage { rebuild: bool, cause: String },
    /// The node is not the leader and named the one that is; the client has moved to it.
    Moved(kurrentdb::Endpoint),
    /// Anything else: a bug, a refusal of our credentials, a server answer we cannot use.
    Internal(String),
}

/// Classifies every error the client can report. No wildcard: a variant added by a client upgrade
/// must be classified here before the backend builds.
pub(crate) fn classify(e: &kurrentdb::Error) -> Fault {
    use kurrentdb::Error as E;
    let outage = |rebuild: bool| Fault::Outage {
        rebuild,
        cause: e.to_string(),
    };
    match e {
        E::ServerError(_) | E::ConnectionClosed | E::GrpcConnectionError(_) => outage(true),
        E::DeadlineExceeded => outage(false),
        E::NotLeaderException(leader) => Fault::Moved(leader.clone()),
        E::WrongExpectedVersion { current, .. } => Fault::Conflict(match current {
            kurrentdb::CurrentRevision::Current(r) => CurrentRevision::Current(*r),
            kurrentdb::CurrentRevision::NoStream => CurrentRevision::NoStream,
        }),
        E::ResourceNotFound => Fault::Missing,
        E::ResourceDeleted => Fault::Deleted,
        E::Grpc { code, message } => grpc(*code, message, e),
        E::AccessDenied => Fault::Internal(
            "KurrentDB denied access: check the connection string's credentials".into(),
        ),
        E::ResourceAlreadyExists
        | E::InternalParsingError(_)
        | E::UnsupportedFeature
        | E::InternalClientError
        | E::InitializationError(_)
        | E::IllegalStateError(_) => Fault::Internal(format!("KurrentDB: {e}")),
    }
}

/// The statuses the client passes through as they are.
fn grpc(code: tonic::Code, message: &str, e: &kurrentdb::Error) -> Fault {
    use tonic::Code as C;
    let outage = |rebuild: bool| Fault::Outage {
        rebuild,
        cause: e.to_string(),
    };
    match code {
        // The client maps these to `ServerError`; classified alike should it ever pass one on.
        C::Unavailable | C::Unknown | C::Internal | C::DataLoss => outage(true),
        // The call was cut off (a node shutting down resets its streams).
        C::Cancelled => outage(true),
        // Busy, or a call the server gave up on: the node is there, try again later.
        C::ResourceExhausted | C::Aborted | C::DeadlineExceeded => outage(false),
        // KurrentDB answers an append over its `MaxAppendSize` so, naming the limit.
        C::InvalidArgument => Fault::Refused(format!("KurrentDB refused the append: {message}")),
        C::NotFound => Fault::Missing,
        C::Ok
        | C::AlreadyExists
        | C::PermissionDenied
        | C::Unauthenticated
        | C::FailedPrecondition
        | C::OutOfRange
        | C::Unimplemented => Fault::Internal(format!("KurrentDB: {e}")),
    }
}

impl Fault {
    /// The trait's error for this fault; `append` names the append it answers, if any.
    pub(crate) fn into_store_error(
        self,
        append: Option<(&StreamName, ExpectedRevision)>,
    ) -> StoreError {
        match (self, append) {
            (Self::Conflict(actual), Some((stream, expected))) => {
                StoreError::WrongExpectedRevision {
                    stream: stream.clone(),
                    expected,
                    actual,
                }
            }
            (Self::Conflict(actual), None) => StoreError::Internal(format!(
                "KurrentDB reported a conflict ({actual}) on a read"
            )),
            (Self::Deleted, Some((stream, _))) => StoreError::invalid(
                "stream",
                format!("stream {stream} was deleted in KurrentDB and cannot be written again"),
            ),
            (Self::Deleted, None) => {
                StoreError::Internal("KurrentDB: the stream was deleted".into())
            }
            (Self::Missing, _) => StoreError::Internal("KurrentDB: not found".into()),
            (Self::Refused(message), _) => StoreError::invalid("events", message),
            (Self::Outage { cause, .. }, _) => StoreError::Unavailable(cause),
            (Self::Moved(leader), _) => StoreError::Unavailable(format!(
                "the KurrentDB node is not the leader; moving to {}:{}",
                leader.host, leader.port
            )),
            (Self::Internal(message), _) => StoreError::Internal(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leader() -> kurrentdb::Endpoint {
        kurrentdb::Endpoint {
            host: "10.0.0.2".into(),
            port: 2113,
        }
    }

    fn grpc(code: tonic::Code) -> kurrentdb::Error {
        kurrentdb::Error::Grpc {
            code,
            message: "from the server".into(),
        }
    }

    /// Every variant of the client's error, as the trait's error code and what becomes of the
    /// client: kept, moved by itself, or rebuilt.
    #[test]
    fn every_client_error_has_one_meaning() {
        use kurrentdb::Error as E;
        use kurrentdb::GrpcConnectionError as C;
        #[derive(Debug, PartialEq)]
        enum Then {
            Keep,
            Moves,
            Rebuild,
        }
        let stream = StreamName::new("s").unwrap();
        let table: Vec<(kurrentdb::Error, &str, Then)> = vec![
            // What a restarted or dead node is reported as.
            (
                E::ServerError("status: Unavailable".into()),
                "UNAVAILABLE",
                Then::Rebuild,
            ),
            (
                E::ServerError("status: Internal".into()),
                "UNAVAILABLE",
                Then::Rebuild,
            ),
            (E::ConnectionClosed, "UNAVAILABLE", Then::Rebuild),
            (
                E::GrpcConnectionError(C::MaxDiscoveryAttemptReached(3)),
                "UNAVAILABLE",
                Then::Rebuild,
            ),
            (
                E::GrpcConnectionError(C::Grpc("refused".into())),
                "UNAVAILABLE",
                Then::Rebuild,
            ),
            (E::DeadlineExceeded, "UNAVAILABLE", Then::Keep),
            (E::NotLeaderException(leader()), "UNAVAILABLE", Then::Moves),
            (
                E::WrongExpectedVersion {
                    expected: kurrentdb::StreamState::NoStream,
                    current: kurrentdb::CurrentRevision::Current(4),
                },
                "CONFLICT",
                Then::Keep,
            ),
            (E::ResourceDeleted, "VALIDATION", Then::Keep),
            (E::ResourceNotFound, "INTERNAL", Then::Keep),
            (E::AccessDenied, "INTERNAL", Then::Keep),
            (E::ResourceAlreadyExists, "INTERNAL", Then::Keep),
            (E::InternalParsingError("x".into()), "INTERNAL", Then::Keep),
            (E::UnsupportedFeature, "INTERNAL", Then::Keep),
            (E::InternalClientError, "INTERNAL", Then::Keep),
            (E::InitializationError("x".into()), "INTERNAL", Then::Keep),
            (E::IllegalStateError("x".into()), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::Unavailable), "UNAVAILABLE", Then::Rebuild),
            (grpc(tonic::Code::Unknown), "UNAVAILABLE", Then::Rebuild),
            (grpc(tonic::Code::Internal), "UNAVAILABLE", Then::Rebuild),
            (grpc(tonic::Code::DataLoss), "UNAVAILABLE", Then::Rebuild),
            (grpc(tonic::Code::Cancelled), "UNAVAILABLE", Then::Rebuild),
            (
                grpc(tonic::Code::ResourceExhausted),
                "UNAVAILABLE",
                Then::Keep,
            ),
            (grpc(tonic::Code::Aborted), "UNAVAILABLE", Then::Keep),
            (
                grpc(tonic::Code::DeadlineExceeded),
                "UNAVAILABLE",
                Then::Keep,
            ),
            (grpc(tonic::Code::InvalidArgument), "VALIDATION", Then::Keep),
            (grpc(tonic::Code::NotFound), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::Ok), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::AlreadyExists), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::PermissionDenied), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::Unauthenticated), "INTERNAL", Then::Keep),
            (
                grpc(tonic::Code::FailedPrecondition),
                "INTERNAL",
                Then::Keep,
            ),
            (grpc(tonic::Code::OutOfRange), "INTERNAL", Then::Keep),
            (grpc(tonic::Code::Unimplemented), "INTERNAL", Then::Keep),
        ];
        for (error, code, then) in table {
            let fault = classify(&error);
            let after = match &fault {
                Fault::Outage { rebuild: true, .. } => Then::Rebuild,
                Fault::Moved(_) => Then::Moves,
                _ => Then::Keep,
            };
            assert_eq!(after, then, "{error:?}");
            let store_error = fault.into_store_error(Some((&stream, ExpectedRevision::Exact(1))));
            assert_eq!(store_error.code(), code, "{error:?} became {store_error:?}");
            assert_eq!(
                store_error.is_transient(),
                code == "UNAVAILABLE",
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_conflict_carries_the_actual_revision_and_a_move_the_leader() {
        let stream = StreamName::new("s").unwrap();
        let conflict = classify(&kurrentdb::Error::WrongExpectedVersion {
            expected: kurrentdb::StreamState::StreamRevision(1),
            current: kurrentdb::CurrentRevision::NoStream,
        });
        match conflict.into_store_error(Some((&stream, ExpectedRevision::Exact(1)))) {
            StoreError::WrongExpectedRevision {
                actual, expected, ..
            } => {
                assert_eq!(actual, CurrentRevision::NoStream);
                assert_eq!(expected, ExpectedRevision::Exact(1));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify(&kurrentdb::Error::NotLeaderException(leader())),
            Fault::Moved(leader())
        );
        let refused = classify(&grpc(tonic::Code::InvalidArgument)).into_store_error(None);
        assert!(refused.to_string().contains("from the server"), "{refused}");
    }
}
