//! Versioned contracts of the events stored by the CLA workforce system.
//!
//! The contracts are written in protobuf under `proto/` at the repository
//! root (see `proto/README.md`). This crate compiles them at build time into:
//!
//! - one Rust module per proto package, nested like the package name:
//!   `cla.store.v1` becomes [`cla::store::v1`];
//! - a prost message struct per proto message, with serde impls that follow
//!   the proto3 JSON mapping (lowerCamelCase field names, int64 as strings,
//!   enums as names, default values omitted, unknown fields ignored);
//! - [`FILE_DESCRIPTOR_SET`], the compiled descriptors of every contract.
//!
//! Events are stored as JSON: use [`encode_json`] and [`decode_json`] for
//! event data and [`cla::store::v1::EventMetadata`]. A message that is stored
//! as an event implements [`EventContract`], which gives its stored type name
//! (`<MessageName>.v<N>`).

use serde::Serialize;
use serde::de::DeserializeOwned;

include!(concat!(env!("OUT_DIR"), "/contracts_modules.rs"));

/// Encoded `google.protobuf.FileDescriptorSet` of every contract under
/// `proto/` (with the well-known types they import), as compiled into this
/// crate.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));

/// A proto message that is stored in the event store as an event.
///
/// Implemented through the crate's `event_contracts!` macro, which derives both
/// names from the message's module path, so they always match the proto
/// package and version the Rust type was generated from.
pub trait EventContract: Serialize + DeserializeOwned {
    /// Type name the event is stored under: `<MessageName>.v<N>`, where `N` is
    /// the version of the message's proto package (`MissionCreated.v1`).
    const TYPE_NAME: &'static str;

    /// Fully qualified proto name of the message
    /// (`cla.registry.v1.MissionCreated`).
    const FULL_NAME: &'static str;
}

/// The names of one registered event contract, for code that needs the list
/// of every event type (see [`EVENT_CONTRACTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventContractInfo {
    /// Stored type name, as [`EventContract::TYPE_NAME`].
    pub type_name: &'static str,
    /// Fully qualified proto name, as [`EventContract::FULL_NAME`].
    pub full_name: &'static str,
}

impl EventContractInfo {
    /// The names of event contract `E`.
    pub const fn of<E: EventContract>() -> Self {
        Self {
            type_name: E::TYPE_NAME,
            full_name: E::FULL_NAME,
        }
    }
}

/// Implements [`EventContract`] for generated messages and lists them in an
/// `EVENT_CONTRACTS` constant of the invoking module.
///
/// Each message is named by its path in the generated module tree,
/// `cla::<context>::v<N>::<MessageName>`; the stored type name becomes
/// `<MessageName>.v<N>` and the proto name `cla.<context>.v<N>.<MessageName>`.
/// A test checks every registered name against [`FILE_DESCRIPTOR_SET`].
macro_rules! event_contracts {
    ($(cla :: $context:ident :: $version:ident :: $message:ident),* $(,)?) => {
        $(
            impl $crate::EventContract for $crate::cla::$context::$version::$message {
                const TYPE_NAME: &'static str =
                    concat!(stringify!($message), ".", stringify!($version));
                const FULL_NAME: &'static str = concat!(
                    "cla.",
                    stringify!($context),
                    ".",
                    stringify!($version),
                    ".",
                    stringify!($message)
                );
            }
        )*

        /// Every message registered as an event contract.
        pub const EVENT_CONTRACTS: &[$crate::EventContractInfo] = &[
            $($crate::EventContractInfo::of::<$crate::cla::$context::$version::$message>(),)*
        ];
    };
}

// Event contracts of every bounded context, as `cla::<context>::v<N>::<Message>`.
// A context registers its events here when it adds them to proto/.
event_contracts! {
    cla::registry::v1::MissionCreated,
    cla::registry::v1::MissionRenamed,
    cla::registry::v1::MissionPolicyChanged,
    cla::registry::v1::FieldOfficeOpened,
    cla::registry::v1::FieldOfficeRenamed,
    cla::registry::v1::BaseOpened,
    cla::registry::v1::BaseDetailsChanged,
    cla::registry::v1::BaseClosingStarted,
    cla::registry::v1::BaseClosingCancelled,
    cla::registry::v1::BaseClosed,
    cla::staff::v1::VacancyOpened,
    cla::staff::v1::VacancyCancelled,
    cla::staff::v1::CandidateApplied,
    cla::staff::v1::CandidateAdvanced,
    cla::staff::v1::CandidateVetted,
    cla::staff::v1::OfferMade,
    cla::staff::v1::OfferAccepted,
    cla::staff::v1::OfferDeclined,
    cla::staff::v1::CandidateRejected,
    cla::staff::v1::CandidateWithdrew,
    cla::staff::v1::CandidateHired,
    cla::staff::v1::VacancyFilled,
    cla::staff::v1::StaffMemberOnboarded,
    cla::staff::v1::StaffActivated,
    cla::staff::v1::StaffSuspended,
    cla::staff::v1::StaffReinstated,
    cla::staff::v1::StaffSeparated,
    cla::staff::v1::AppointmentRenewed,
    cla::staff::v1::GradeChanged,
    cla::staff::v1::IndexNumberChanged,
    cla::staff::v1::StaffDetailsChanged,
    cla::staff::v1::IndexNumberClaimed,
    cla::staff::v1::IndexNumberReleased,
    cla::staff::v1::PhoneNumberClaimed,
    cla::staff::v1::PhoneNumberReleased,
    cla::staff::v1::DuressWordSet,
    cla::staff::v1::DuressWordCleared,
    cla::staff::v1::StaffPersonalDataErased,
    cla::privacy::v1::PersonalDataViewed,
    cla::field::v1::UnmatchedSmsReceived,
    cla::field::v1::UnmatchedSmsAssigned,
    cla::field::v1::UnmatchedSmsDismissed,
    cla::staffing::v1::ClaDeployed,
    cla::staffing::v1::DeploymentEnded,
    cla::staffing::v1::RotationPlanned,
    cla::staffing::v1::RotationCompleted,
    cla::staffing::v1::RotationCancelled,
    cla::staffing::v1::AbsenceRecorded,
    cla::staffing::v1::AbsenceCutShort,
    cla::staffing::v1::AbsenceCancelled,
    cla::staffing::v1::ClasExposedByBaseClosing,
    cla::risk::v1::CheckInRecorded,
    cla::risk::v1::RiskFlagRaised,
    cla::risk::v1::RiskFlagSeverityChanged,
    cla::risk::v1::MitigationAdded,
    cla::risk::v1::RiskFlagReviewed,
    cla::risk::v1::RiskFlagClosed,
    cla::risk::v1::RiskReviewOverdue,
    cla::risk::v1::MissedCheckInsCounted,
    cla::supervision::v1::ManagerAppointed,
    cla::supervision::v1::ManagerLeft,
    cla::supervision::v1::SupervisionStarted,
    cla::supervision::v1::SupervisionEnded,
    cla::supervision::v1::FieldVisitRecorded,
    cla::alerts::v1::AlertRaised,
    cla::alerts::v1::AlertCleared,
    cla::alerts::v1::EscalationProcedureSet,
    cla::alerts::v1::EscalationProcedureRemoved,
    cla::alerts::v1::EscalationContactSet,
    cla::alerts::v1::EscalationContactRemoved,
    cla::alerts::v1::IncidentOpened,
    cla::alerts::v1::IncidentStepStarted,
    cla::alerts::v1::NotificationDecided,
    cla::alerts::v1::NotificationAttempted,
    cla::alerts::v1::NotificationDelivered,
    cla::alerts::v1::NotificationFailed,
    cla::alerts::v1::IncidentAcknowledged,
    cla::alerts::v1::IncidentResolved,
    cla::idempotency::v1::IdempotencyKeyClaimed,
    cla::idempotency::v1::IdempotentAnswerKept,
    cla::idempotency::v1::IdempotencyKeyReleased,
}

/// Error returned by [`decode_json`] for input that is not valid JSON for the
/// requested contract (malformed JSON, wrong value type, invalid enum name).
#[derive(Debug, thiserror::Error)]
#[error("invalid contract JSON: {0}")]
pub struct DecodeError(serde_json::Error);

/// Serializes a contract message to its stored JSON form (proto3 JSON
/// mapping).
///
/// # Panics
///
/// Panics if `value`'s `Serialize` impl fails, which the generated contract
/// messages never do.
pub fn encode_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("contract messages always serialize to JSON")
}

/// Deserializes a contract message from its stored JSON form.
///
/// Accepts both lowerCamelCase and original proto field names, treats missing
/// fields as default values, and ignores unknown fields, so a reader built
/// against an older contract reads events written by a newer, additive
/// revision of the same version. `null` is rejected for scalar fields (writers
/// omit default values instead).
pub fn decode_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(DecodeError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cla::store::v1::EventMetadata;
    use prost::Message as _;
    use prost_types::FileDescriptorSet;

    /// Registers `EventMetadata` as if it were an event, to test the macro.
    /// (Metadata is not an event; production code never registers it.)
    mod registered {
        event_contracts! { cla::store::v1::EventMetadata }
    }

    fn metadata() -> EventMetadata {
        EventMetadata {
            actor_id: "user-42".into(),
            actor_role: "supervisor".into(),
            correlation_id: "0195a3b8-7c4e-7d1a-9f3e-2b6c8d0e1f23".into(),
            causation_id: String::new(),
            effective: "2025-03-01".into(),
        }
    }

    /// Checks a registered contract against the compiled descriptors: the
    /// message exists, and its type name is `<MessageName>.v<N>` with `N` the
    /// version of its package.
    fn check_contract(contract: &EventContractInfo, fds: &FileDescriptorSet) -> Result<(), String> {
        let (package, message) = contract
            .full_name
            .rsplit_once('.')
            .ok_or_else(|| format!("{}: full name has no package", contract.full_name))?;
        let file = fds
            .file
            .iter()
            .find(|f| f.package() == package && f.message_type.iter().any(|m| m.name() == message))
            .ok_or_else(|| format!("{}: no such message in the contracts", contract.full_name))?;
        let version = file.package().rsplit('.').next().unwrap_or_default();
        let expected = format!("{message}.{version}");
        if contract.type_name != expected {
            return Err(format!(
                "{}: stored type name is `{}`, expected `{expected}`",
                contract.full_name, contract.type_name
            ));
        }
        Ok(())
    }

    fn descriptors() -> FileDescriptorSet {
        FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).expect("descriptor set decodes")
    }

    #[test]
    fn registered_contracts_match_descriptors() {
        let fds = descriptors();
        for contract in EVENT_CONTRACTS.iter().chain(registered::EVENT_CONTRACTS) {
            check_contract(contract, &fds).unwrap();
        }
    }

    #[test]
    fn registered_type_names_are_unique() {
        let mut names: Vec<_> = EVENT_CONTRACTS.iter().map(|c| c.type_name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(
            before,
            names.len(),
            "two event contracts share a stored type name"
        );
    }

    #[test]
    fn macro_derives_names_from_module_path() {
        assert_eq!(EventMetadata::TYPE_NAME, "EventMetadata.v1");
        assert_eq!(EventMetadata::FULL_NAME, "cla.store.v1.EventMetadata");
        assert_eq!(
            registered::EVENT_CONTRACTS,
            &[EventContractInfo {
                type_name: "EventMetadata.v1",
                full_name: "cla.store.v1.EventMetadata",
            }]
        );
    }

    #[test]
    fn check_contract_rejects_mismatches() {
        let fds = descriptors();
        let wrong_version = EventContractInfo {
            type_name: "EventMetadata.v2",
            full_name: "cla.store.v1.EventMetadata",
        };
        let err = check_contract(&wrong_version, &fds).unwrap_err();
        assert!(err.contains("expected `EventMetadata.v1`"), "{err}");

        let missing = EventContractInfo {
            type_name: "Nothing.v1",
            full_name: "cla.store.v1.Nothing",
        };
        let err = check_contract(&missing, &fds).unwrap_err();
        assert!(err.contains("no such message"), "{err}");
    }

    #[test]
    fn metadata_json_is_proto3_json() {
        let json = encode_json(&metadata());
        assert_eq!(
            std::str::from_utf8(&json).unwrap(),
            r#"{"actorId":"user-42","actorRole":"supervisor","correlationId":"0195a3b8-7c4e-7d1a-9f3e-2b6c8d0e1f23","effective":"2025-03-01"}"#
        );
        assert_eq!(decode_json::<EventMetadata>(&json).unwrap(), metadata());

        let caused = EventMetadata {
            causation_id: "0195a3b8-7c4e-7d1a-9f3e-2b6c8d0e1f24".into(),
            ..metadata()
        };
        let json = encode_json(&caused);
        assert_eq!(
            std::str::from_utf8(&json).unwrap(),
            r#"{"actorId":"user-42","actorRole":"supervisor","correlationId":"0195a3b8-7c4e-7d1a-9f3e-2b6c8d0e1f23","causationId":"0195a3b8-7c4e-7d1a-9f3e-2b6c8d0e1f24","effective":"2025-03-01"}"#
        );
        assert_eq!(decode_json::<EventMetadata>(&json).unwrap(), caused);
    }

    #[test]
    fn default_metadata_is_an_empty_object() {
        assert_eq!(encode_json(&EventMetadata::default()), b"{}");
        assert_eq!(
            decode_json::<EventMetadata>(b"{}").unwrap(),
            EventMetadata::default()
        );
    }

    #[test]
    fn decoding_ignores_unknown_fields() {
        let json = br#"{"actorId":"user-42","addedLater":{"x":[1,2]},"effective":"2025-03-01"}"#;
        let decoded: EventMetadata = decode_json(json).unwrap();
        assert_eq!(decoded.actor_id, "user-42");
        assert_eq!(decoded.effective, "2025-03-01");
    }

    #[test]
    fn decoding_accepts_proto_field_names() {
        let json = br#"{"actor_id":"user-42","causation_id":"c"}"#;
        let decoded: EventMetadata = decode_json(json).unwrap();
        assert_eq!(decoded.actor_id, "user-42");
        assert_eq!(decoded.causation_id, "c");
    }

    #[test]
    fn decoding_rejects_null_for_scalar_fields() {
        // Writers omit default values; they never write `null`.
        let err = decode_json::<EventMetadata>(br#"{"causationId":null}"#).unwrap_err();
        assert!(err.to_string().contains("null"), "{err}");
    }

    #[test]
    fn decoding_rejects_wrong_types() {
        let err = decode_json::<EventMetadata>(br#"{"actorId":42}"#).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid contract JSON:"),
            "{err}"
        );
        assert!(decode_json::<EventMetadata>(b"not json").is_err());
    }
}
