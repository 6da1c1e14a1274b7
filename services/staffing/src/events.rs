//! What can have happened in staffing: the contracts of `proto/cla/staffing/v1`.

pub use cla_contracts::cla::staffing::v1 as contract;
pub use contract::AbsenceKind;

cla_platform::event_enum! {
    pub enum StaffingEvent of contract {
        ClaDeployed, DeploymentEnded, RotationPlanned, RotationCompleted, RotationCancelled,
        AbsenceRecorded, AbsenceCutShort, AbsenceCancelled, ClasExposedByBaseClosing,
    }
}

/// The one stream of a mission's staffing: the consistency boundary of the two-per-base rule.
pub fn stream(mission: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed("staffing-", mission)
}
