//! What users ask of the registry. Every command carries the business date it takes effect on.

use chrono::NaiveDate;

use crate::events::{BaseKind, DeploymentModel, StaffingPolicy};

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
    /// What the change gives replaces what the mission's policy has; the rest stays as it is, on
    /// the policy the change is decided on.
    ChangePolicy {
        change: StaffingPolicyChange,
        effective: NaiveDate,
    },
}

/// Changes to a staffing policy: what is given replaces what the policy has.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StaffingPolicyChange {
    pub minimum_clas_per_base: Option<u32>,
    pub deployment_model: Option<DeploymentModel>,
    pub max_span_of_control: Option<u32>,
    pub check_in_interval_hours: Option<u32>,
    pub check_in_grace_hours: Option<u32>,
    pub field_visit_interval_days: Option<u32>,
    pub max_tour_months: Option<u32>,
}

impl StaffingPolicyChange {
    /// `policy` with this change made to it.
    pub fn over(&self, policy: &StaffingPolicy) -> StaffingPolicy {
        StaffingPolicy {
            minimum_clas_per_base: self
                .minimum_clas_per_base
                .unwrap_or(policy.minimum_clas_per_base),
            deployment_model: self
                .deployment_model
                .map_or(policy.deployment_model, |m| m as i32),
            max_span_of_control: self
                .max_span_of_control
                .unwrap_or(policy.max_span_of_control),
            check_in_interval_hours: self
                .check_in_interval_hours
                .unwrap_or(policy.check_in_interval_hours),
            check_in_grace_hours: self
                .check_in_grace_hours
                .unwrap_or(policy.check_in_grace_hours),
            field_visit_interval_days: self
                .field_visit_interval_days
                .unwrap_or(policy.field_visit_interval_days),
            max_tour_months: self.max_tour_months.unwrap_or(policy.max_tour_months),
        }
    }
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
