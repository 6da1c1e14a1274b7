//! What users ask of staff and recruitment. Every command carries the business date it takes
//! effect on.

use chrono::NaiveDate;

use crate::events::{Gender, SeparationReason};

/// A language and how well it is spoken: BASIC, WORKING, FLUENT or NATIVE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language {
    pub language: String,
    pub level: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppointmentKind {
    /// At most 364 days.
    Temporary,
    FixedTerm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appointment {
    pub kind: AppointmentKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Where a vacancy's post is, as the registry knows it (looked up before deciding).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PostPlace {
    pub mission_code: String,
    pub field_office_id: String,
    /// Empty for a post at the field office.
    pub base_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VacancyCommand {
    Open {
        vacancy_id: String,
        /// `None` where the registry does not know the named base or field office.
        place: Option<PostPlace>,
        title: String,
        required_languages: Vec<String>,
        notes: String,
        effective: NaiveDate,
    },
    Cancel {
        reason: String,
        effective: NaiveDate,
    },
    Apply {
        candidate_id: String,
        name: String,
        gender: Gender,
        languages: Vec<Language>,
        effective: NaiveDate,
    },
    /// To SCREENED or INTERVIEWED, each from the stage before it.
    Advance {
        candidate_id: String,
        to: CandidateStage,
        effective: NaiveDate,
    },
    /// Vetting passed (a failed vetting is a rejection).
    Vet {
        candidate_id: String,
        notes: String,
        effective: NaiveDate,
    },
    Offer {
        candidate_id: String,
        grade: String,
        appointment: Appointment,
        effective: NaiveDate,
    },
    AnswerOffer {
        candidate_id: String,
        accepted: bool,
        reason: String,
        effective: NaiveDate,
    },
    Reject {
        candidate_id: String,
        reason: String,
        effective: NaiveDate,
    },
    Withdraw {
        candidate_id: String,
        reason: String,
        effective: NaiveDate,
    },
    Hire {
        candidate_id: String,
        staff_id: String,
        index_number: String,
        effective: NaiveDate,
    },
}

// The pipeline's stages, in order; the GraphQL enum `Stage`.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[graphql(name = "Stage")]
pub enum CandidateStage {
    Applied,
    Screened,
    Interviewed,
    Vetted,
    Offered,
    Hired,
}

impl CandidateStage {
    pub const ALL: [CandidateStage; 6] = [
        Self::Applied,
        Self::Screened,
        Self::Interviewed,
        Self::Vetted,
        Self::Offered,
        Self::Hired,
    ];

    pub fn next(self) -> Option<Self> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(i + 1).copied()
    }
}

/// A new staff member's record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewStaff {
    pub place: Option<PostPlace>,
    pub vacancy_id: String,
    pub candidate_id: String,
    pub name: String,
    pub gender: Gender,
    pub languages: Vec<Language>,
    pub home_community: String,
    pub index_number: String,
    pub grade: String,
    pub appointment: Appointment,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StaffCommand {
    Onboard {
        staff_id: String,
        staff: Box<NewStaff>,
        effective: NaiveDate,
    },
    Activate {
        effective: NaiveDate,
    },
    Suspend {
        reason: String,
        effective: NaiveDate,
    },
    Reinstate {
        reason: String,
        effective: NaiveDate,
    },
    Separate {
        reason: SeparationReason,
        notes: String,
        effective: NaiveDate,
    },
    RenewAppointment {
        appointment: Appointment,
        effective: NaiveDate,
    },
    ChangeGrade {
        grade: String,
        effective: NaiveDate,
    },
    /// The new number must have been claimed for this staff member first.
    ChangeIndexNumber {
        index_number: String,
        effective: NaiveDate,
    },
    ChangeDetails {
        name: Option<String>,
        languages: Option<Vec<Language>>,
        home_community: Option<String>,
        effective: NaiveDate,
    },
    /// Erases the staff member's personal data (the app destroys their data key once recorded).
    ErasePersonalData {
        reason: String,
        by_retention: bool,
        effective: NaiveDate,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum IndexNumberCommand {
    Claim { staff_id: String },
    Release { staff_id: String },
}

/// A phone number (E.164) on its own stream: held by one current staff member at a time.
#[derive(Clone, Debug, PartialEq)]
pub enum PhoneNumberCommand {
    /// `language` is what replies to the number are written in; empty for the mission's.
    Claim {
        staff_id: String,
        language: String,
    },
    Release {
        staff_id: String,
    },
}

/// A CLA's duress word: only its salted hash is ever handed to a command.
#[derive(Clone, Debug, PartialEq)]
pub enum DuressCommand {
    Set { hash: String },
    Clear,
}
