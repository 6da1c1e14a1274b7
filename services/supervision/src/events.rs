//! What can have happened in supervision: the contracts of `proto/cla/supervision/v1`.

pub use cla_contracts::cla::supervision::v1 as contract;
pub use contract::ManagerKind;

cla_platform::event_enum! {
    pub enum SupervisionEvent of contract {
        ManagerAppointed, ManagerLeft, SupervisionStarted, SupervisionEnded, FieldVisitRecorded,
    }
}

/// The one management stream of a mission (see the contract for why).
pub fn stream(mission: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed("management-", mission)
}
