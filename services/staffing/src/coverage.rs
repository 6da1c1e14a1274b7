//! Who is at a base on a day, and the base's effective strength: the arithmetic the two-per-base
//! rule, the board and the forecast share.
//!
//! A deployment covers the days from its start up to, not including, its end. An absence covers
//! its days from–to, both included. A separated CLA is at no base from the separation date.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::events::AbsenceKind;

#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub staff_id: String,
    pub base_id: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Deployment {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day < to)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Absence {
    pub id: String,
    pub staff_id: String,
    pub kind: AbsenceKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cancelled: bool,
}

impl Absence {
    pub fn covers(&self, day: NaiveDate) -> bool {
        !self.cancelled && self.from <= day && day <= self.to
    }
}

/// When each CLA stops being available: separation, or the end of their appointment (the day
/// after it ends).
#[derive(Clone, Debug, Default)]
pub struct Availability {
    pub separated_on: HashMap<String, NaiveDate>,
    /// The last day of each CLA's appointment, where the forecast should count it.
    pub appointment_ends: HashMap<String, NaiveDate>,
}

impl Availability {
    pub fn available(&self, staff: &str, day: NaiveDate) -> bool {
        self.separated_on.get(staff).is_none_or(|s| day < *s)
            && self.appointment_ends.get(staff).is_none_or(|e| day <= *e)
    }
}

/// The CLAs deployed at `base` on `day` (deployed and available), by staff id.
pub fn deployed<'a>(
    deployments: impl IntoIterator<Item = &'a Deployment>,
    base: &str,
    day: NaiveDate,
    availability: &Availability,
) -> Vec<&'a Deployment> {
    deployments
        .into_iter()
        .filter(|d| d.base_id == base && d.covers(day) && availability.available(&d.staff_id, day))
        .collect()
}

/// Whether a CLA is absent on a day.
pub fn absent<'a>(
    absences: impl IntoIterator<Item = &'a Absence>,
    staff: &str,
    day: NaiveDate,
) -> Option<&'a Absence> {
    absences
        .into_iter()
        .find(|a| a.staff_id == staff && a.covers(day))
}

/// Effective strength: deployed minus absent.
pub fn strength<'a>(
    deployments: impl IntoIterator<Item = &'a Deployment>,
    absences: &BTreeMap<String, Absence>,
    base: &str,
    day: NaiveDate,
    availability: &Availability,
) -> u32 {
    deployed(deployments, base, day, availability)
        .into_iter()
        .filter(|d| absent(absences.values(), &d.staff_id, day).is_none())
        .count() as u32
}
