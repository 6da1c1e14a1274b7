//! What can have happened in alerts: the contracts of `proto/cla/alerts/v1`.

pub use cla_contracts::cla::alerts::v1 as contract;
pub use contract::AlertKind;

cla_platform::event_enum! {
    pub enum AlertEvent of contract {
        AlertRaised, AlertCleared,
    }
}

/// The one alerts stream of a mission (see the contract for why).
pub fn stream(mission: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed("alerts-", mission)
}

/// The stream prefix of every mission's alerts.
pub const STREAM_PREFIX: &str = "alerts-";
