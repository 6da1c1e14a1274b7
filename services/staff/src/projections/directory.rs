//! The staff directory and the vacancy list of a mission, filtered; appointments ending soon.

use chrono::{Duration, NaiveDate};

use crate::decider::{StaffMember, StaffStatus, Vacancy, VacancyStatus};
use crate::events::Gender;

/// A grade's category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradeCategory {
    /// General service, GS-1 … GS-7.
    GeneralService,
    /// National officer, NO-A … NO-E.
    NationalOfficer,
}

impl GradeCategory {
    pub fn of(grade: &str) -> Self {
        if grade.starts_with("NO") {
            Self::NationalOfficer
        } else {
            Self::GeneralService
        }
    }
}

/// Which staff members of a mission to list; every part is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaffFilter {
    pub field_office_id: Option<String>,
    pub status: Option<StaffStatus>,
    pub category: Option<GradeCategory>,
    /// Spoken at any level (case does not matter).
    pub language: Option<String>,
    pub gender: Option<Gender>,
    /// Appointments ending before this day.
    pub appointment_ending_before: Option<NaiveDate>,
}

impl StaffFilter {
    pub fn admits(&self, m: &StaffMember) -> bool {
        self.field_office_id
            .as_ref()
            .is_none_or(|f| &m.place.field_office_id == f)
            && self.status.is_none_or(|s| m.status == s)
            && self
                .category
                .is_none_or(|c| GradeCategory::of(&m.grade) == c)
            && self.language.as_ref().is_none_or(|l| {
                m.languages
                    .iter()
                    .any(|x| x.language.eq_ignore_ascii_case(l))
            })
            && self.gender.is_none_or(|g| m.gender == g)
            && self
                .appointment_ending_before
                .is_none_or(|d| m.appointment.end < d)
    }
}

/// Which vacancies of a mission to list; every part is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VacancyFilter {
    pub status: Option<VacancyStatus>,
    pub base_id: Option<String>,
    pub field_office_id: Option<String>,
    /// Open, and open longer than this many days as of the asked date.
    pub open_longer_than_days: Option<i64>,
}

impl VacancyFilter {
    pub fn admits(&self, v: &Vacancy, as_of: NaiveDate) -> bool {
        self.status.is_none_or(|s| v.status == s)
            && self.base_id.as_ref().is_none_or(|b| &v.place.base_id == b)
            && self
                .field_office_id
                .as_ref()
                .is_none_or(|f| &v.place.field_office_id == f)
            && self.open_longer_than_days.is_none_or(|d| {
                v.status == VacancyStatus::Open && (as_of - v.opened_on).num_days() > d
            })
    }
}

/// Staff members not separated whose appointment ends from `as_of` to `within_days` after it,
/// soonest first (then by name).
pub fn appointments_ending(
    members: &[StaffMember],
    as_of: NaiveDate,
    within_days: i64,
) -> Vec<StaffMember> {
    let until = as_of + Duration::days(within_days);
    let mut out: Vec<StaffMember> = members
        .iter()
        .filter(|m| {
            m.status != StaffStatus::Separated
                && m.appointment.end >= as_of
                && m.appointment.end <= until
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        a.appointment
            .end
            .cmp(&b.appointment.end)
            .then(a.name.cmp(&b.name))
    });
    out
}
