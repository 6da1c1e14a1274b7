//! What managers ask of staffing.

use chrono::NaiveDate;

use crate::events::AbsenceKind;

/// An explicit acceptance of the coverage gap a change opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub reason: String,
    /// The user who accepts it.
    pub by: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StaffingCommand {
    /// Deploys an active CLA to an open base of the mission from a date.
    Deploy {
        deployment_id: String,
        staff_id: String,
        base_id: String,
        from: NaiveDate,
    },
    /// Ends a CLA's deployment on a date (from which they are no longer at the base).
    EndDeployment {
        staff_id: String,
        on: NaiveDate,
        reason: String,
        accept_gap: Option<Acceptance>,
    },
    PlanRotation {
        rotation_id: String,
        staff_id: String,
        from_base_id: String,
        to_base_id: String,
        date: NaiveDate,
        /// The day the plan is made.
        effective: NaiveDate,
    },
    /// The rotation happened on `on`: ends one deployment and starts the next in one decision.
    CompleteRotation {
        rotation_id: String,
        new_deployment_id: String,
        on: NaiveDate,
        accept_gap: Option<Acceptance>,
    },
    CancelRotation {
        rotation_id: String,
        reason: String,
        effective: NaiveDate,
    },
    /// Leave, R&R, training, medical or security relocation, from–to (both days included). Never
    /// refused for coverage: the gap it opens shows and alerts.
    RecordAbsence {
        absence_id: String,
        staff_id: String,
        kind: AbsenceKind,
        from: NaiveDate,
        to: NaiveDate,
    },
    CutAbsenceShort {
        absence_id: String,
        to: NaiveDate,
        effective: NaiveDate,
    },
    CancelAbsence {
        absence_id: String,
        effective: NaiveDate,
    },
    /// Records who was deployed at a base the day it started closing (the system does this when
    /// the closing arrives). Once per base and closing date.
    RecordClosureExposure {
        base_id: String,
        closing_started_on: NaiveDate,
        cause_event_id: String,
    },
}
