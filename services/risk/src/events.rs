//! What can have happened in risk and welfare: the contracts of `proto/cla/risk/v1`.

pub use cla_contracts::cla::risk::v1 as contract;
pub use contract::{Category, Channel, Mitigation, Severity, Welfare};

cla_platform::event_enum! {
    pub enum RiskEvent of contract {
        CheckInRecorded, RiskFlagRaised, RiskFlagSeverityChanged, MitigationAdded, RiskFlagReviewed,
        RiskFlagClosed, RiskReviewOverdue, MissedCheckInsCounted,
    }
}

/// The risk stream of one CLA: the consistency boundary of their flags.
pub fn stream(staff_id: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed(STREAM_PREFIX, staff_id)
}

/// The stream prefix of every CLA's risk stream.
pub const STREAM_PREFIX: &str = "risk-";

/// Days to the next review: 7 for high and critical flags, 30 otherwise.
pub fn review_days(severity: Severity) -> i64 {
    if matches!(severity, Severity::High | Severity::Critical) {
        7
    } else {
        30
    }
}
