//! What users ask of the registry. Every command carries the business date it takes effect on.

use chrono::NaiveDate;

use crate::events::{BaseKind, StaffingPolicy};

#[derive(Clone, Debug, PartialEq)]
pub enum MissionCommand {
    Create {
        code: String,
        name: String,
        country: String,
        policy: StaffingPolicy,
        effective: NaiveDate,
    },
    Rename {
        name: String,
        country: String,
        effective: NaiveDate,
    },
    ChangePolicy {
        policy: StaffingPolicy,
        effective: NaiveDate,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum FieldOfficeCommand {
    Open {
        field_office_id: String,
        mission_code: String,
        name: String,
        effective: NaiveDate,
    },
    Rename {
        name: String,
        effective: NaiveDate,
    },
}

/// A base's details, as a command sets them.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseDetails {
    pub name: String,
    pub kind: BaseKind,
    pub field_office_id: String,
    pub contingent: String,
    pub local_languages: Vec<String>,
    pub alert_network_working: bool,
    /// The base's own minimum, overriding the mission's policy.
    pub minimum_override: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BaseCommand {
    Open {
        base_id: String,
        details: BaseDetails,
        effective: NaiveDate,
    },
    ChangeDetails {
        details: BaseDetails,
        effective: NaiveDate,
    },
    StartClosing {
        reason: String,
        effective: NaiveDate,
    },
    CancelClosing {
        reason: String,
        effective: NaiveDate,
    },
    Close {
        reason: String,
        effective: NaiveDate,
    },
}
