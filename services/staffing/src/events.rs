//! What can have happened in staffing: the contracts of `proto/cla/staffing/v1`.

pub use cla_contracts::cla::staffing::v1 as contract;
pub use contract::AbsenceKind;

cla_platform::event_enum! {
    #[derive(Clone, Debug, PartialEq)]
    pub enum StaffingEvent {
        ClaDeployed(contract::ClaDeployed),
        DeploymentEnded(contract::DeploymentEnded),
        RotationPlanned(contract::RotationPlanned),
        RotationCompleted(contract::RotationCompleted),
        RotationCancelled(contract::RotationCancelled),
        AbsenceRecorded(contract::AbsenceRecorded),
        AbsenceCutShort(contract::AbsenceCutShort),
        AbsenceCancelled(contract::AbsenceCancelled),
        ClasExposedByBaseClosing(contract::ClasExposedByBaseClosing),
    }
}

/// The one stream of a mission's staffing: the consistency boundary of the two-per-base rule.
pub fn stream(mission: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::new(format!("staffing-{mission}"))
        .expect("mission codes make valid stream names")
}
