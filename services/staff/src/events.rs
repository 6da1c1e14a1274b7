//! What can have happened in staff and recruitment: the contracts of `proto/cla/staff/v1`.

pub use cla_contracts::cla::staff::v1 as contract;
pub use contract::{AppointmentType, Gender, SeparationReason, Stage};

cla_platform::event_enum! {
    #[derive(Clone, Debug, PartialEq)]
    pub enum StaffEvent {
        VacancyOpened(contract::VacancyOpened),
        VacancyCancelled(contract::VacancyCancelled),
        CandidateApplied(contract::CandidateApplied),
        CandidateAdvanced(contract::CandidateAdvanced),
        CandidateVetted(contract::CandidateVetted),
        OfferMade(contract::OfferMade),
        OfferAccepted(contract::OfferAccepted),
        OfferDeclined(contract::OfferDeclined),
        CandidateRejected(contract::CandidateRejected),
        CandidateWithdrew(contract::CandidateWithdrew),
        CandidateHired(contract::CandidateHired),
        VacancyFilled(contract::VacancyFilled),
        StaffMemberOnboarded(contract::StaffMemberOnboarded),
        StaffActivated(contract::StaffActivated),
        StaffSuspended(contract::StaffSuspended),
        StaffReinstated(contract::StaffReinstated),
        StaffSeparated(contract::StaffSeparated),
        AppointmentRenewed(contract::AppointmentRenewed),
        GradeChanged(contract::GradeChanged),
        IndexNumberChanged(contract::IndexNumberChanged),
        StaffDetailsChanged(contract::StaffDetailsChanged),
        IndexNumberClaimed(contract::IndexNumberClaimed),
        IndexNumberReleased(contract::IndexNumberReleased),
    }
}

/// The streams of this context.
pub mod streams {
    use cla_event_store::StreamName;

    /// An index number's stream is named by the number, which is personal data: logs and
    /// messages show it as `index-number-…`.
    pub const INDEX_NUMBER_CATEGORY: &str = "index-number";

    /// Declares the context's personal stream categories (see [`INDEX_NUMBER_CATEGORY`]), so a
    /// stream read back from the store is shown withheld before any is named here.
    pub fn declare_personal() {
        StreamName::declare_personal_category(INDEX_NUMBER_CATEGORY);
    }

    pub fn vacancy(id: &str) -> StreamName {
        StreamName::new(format!("vacancy-{id}")).expect("ids make valid stream names")
    }

    pub fn staff(id: &str) -> StreamName {
        StreamName::new(format!("staff-{id}")).expect("ids make valid stream names")
    }

    pub fn index_number(number: &str) -> StreamName {
        StreamName::declare_personal_category(INDEX_NUMBER_CATEGORY);
        StreamName::new(format!("{INDEX_NUMBER_CATEGORY}-{number}"))
            .expect("index numbers make valid stream names")
    }
}
