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

/// Changes to a base's details: what is given replaces what the base has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaseDetailsPatch {
    pub name: Option<String>,
    pub kind: Option<BaseKind>,
    pub field_office_id: Option<String>,
    pub contingent: Option<String>,
    pub local_languages: Option<Vec<String>>,
    pub alert_network_working: Option<bool>,
    /// `Some(None)` removes the base's own minimum (it follows the mission's policy again).
    pub minimum_override: Option<Option<u32>>,
}

impl BaseDetailsPatch {
    pub fn apply(&self, details: &BaseDetails) -> BaseDetails {
        BaseDetails {
            name: self.name.clone().unwrap_or_else(|| details.name.clone()),
            kind: self.kind.unwrap_or(details.kind),
            field_office_id: self
                .field_office_id
                .clone()
                .unwrap_or_else(|| details.field_office_id.clone()),
            contingent: self
                .contingent
                .clone()
                .unwrap_or_else(|| details.contingent.clone()),
            local_languages: self
                .local_languages
                .clone()
                .unwrap_or_else(|| details.local_languages.clone()),
            alert_network_working: self
                .alert_network_working
                .unwrap_or(details.alert_network_working),
            minimum_override: self.minimum_override.unwrap_or(details.minimum_override),
        }
    }
}

impl From<BaseDetails> for BaseDetailsPatch {
    fn from(d: BaseDetails) -> Self {
        Self {
            name: Some(d.name),
            kind: Some(d.kind),
            field_office_id: Some(d.field_office_id),
            contingent: Some(d.contingent),
            local_languages: Some(d.local_languages),
            alert_network_working: Some(d.alert_network_working),
            minimum_override: Some(d.minimum_override),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum BaseCommand {
    Open {
        base_id: String,
        details: BaseDetails,
        effective: NaiveDate,
    },
    ChangeDetails {
        patch: BaseDetailsPatch,
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
