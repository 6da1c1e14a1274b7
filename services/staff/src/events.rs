//! What can have happened in staff and recruitment: the contracts of `proto/cla/staff/v1`.

pub use cla_contracts::cla::staff::v1 as contract;
pub use contract::{AppointmentType, Gender, SeparationReason, Stage};

cla_platform::event_enum! {
    pub enum StaffEvent of contract {
        VacancyOpened, VacancyCancelled, CandidateApplied, CandidateAdvanced, CandidateVetted,
        OfferMade, OfferAccepted, OfferDeclined, CandidateRejected, CandidateWithdrew,
        CandidateHired, VacancyFilled, StaffMemberOnboarded, StaffActivated, StaffSuspended,
        StaffReinstated, StaffSeparated, AppointmentRenewed, GradeChanged, IndexNumberChanged,
        StaffDetailsChanged, IndexNumberClaimed, IndexNumberReleased,
    }
}

/// The streams of this context.
pub mod streams {
    use cla_event_store::StreamName;

    pub fn vacancy(id: &str) -> StreamName {
        StreamName::keyed("vacancy-", id)
    }

    pub fn staff(id: &str) -> StreamName {
        StreamName::keyed("staff-", id)
    }

    pub fn index_number(number: &str) -> StreamName {
        StreamName::keyed("index-number-", number)
    }
}
