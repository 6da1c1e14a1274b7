//! What can have happened in staff and recruitment: the contracts of `proto/cla/staff/v1`.

pub use cla_contracts::cla::staff::v1 as contract;
pub use contract::{AppointmentType, Gender, SeparationReason, Stage};

cla_platform::event_enum! {
    pub enum StaffEvent of contract {
        VacancyOpened, VacancyCancelled, CandidateApplied, CandidateAdvanced, CandidateVetted,
        OfferMade, OfferAccepted, OfferDeclined, CandidateRejected, CandidateWithdrew,
        CandidateHired, VacancyFilled, StaffMemberOnboarded, StaffActivated, StaffSuspended,
        StaffReinstated, StaffSeparated, AppointmentRenewed, GradeChanged, IndexNumberChanged,
        StaffDetailsChanged, IndexNumberClaimed, IndexNumberReleased, PhoneNumberClaimed,
        PhoneNumberReleased, DuressWordSet, DuressWordCleared, StaffPersonalDataErased,
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
        StreamName::declare_personal_category(PHONE_NUMBER_CATEGORY);
    }

    /// A phone number's stream is named by the number's keyed hash (never the number: see
    /// `PersonalData::blind_index`), and still shown as `phone-number-…`.
    pub const PHONE_NUMBER_CATEGORY: &str = "phone-number";

    pub fn phone_number(index: &str) -> StreamName {
        StreamName::declare_personal_category(PHONE_NUMBER_CATEGORY);
        StreamName::keyed("phone-number-", index)
    }

    /// A CLA's duress word (its hash).
    pub fn duress(staff_id: &str) -> StreamName {
        StreamName::keyed("duress-", staff_id)
    }

    pub fn vacancy(id: &str) -> StreamName {
        StreamName::keyed("vacancy-", id)
    }

    pub fn staff(id: &str) -> StreamName {
        StreamName::keyed("staff-", id)
    }

    pub fn index_number(number: &str) -> StreamName {
        StreamName::declare_personal_category(INDEX_NUMBER_CATEGORY);
        StreamName::keyed("index-number-", number)
    }
}
