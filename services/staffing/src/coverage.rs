//! Who is at a base on a day, and the base's effective strength: the arithmetic the two-per-base
//! rule, the board and the forecast share.
//!
//! A deployment covers the days from its start up to, not including, its end. An absence covers
//! its days from–to, both included. A separated CLA is at no base from the separation date.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::decider::Staffing;
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

/// Who is at each base on one day and who is away, worked out once from a mission's staffing: its
/// history holds many more deployments and absences than the day does, so asking base by base
/// with [`deployed`] and [`strength`] would walk that history once per base. The day is found
/// among the deployments and absences not over by it ([`Staffing::not_ended_by`]), not among all.
pub struct OnDay<'a> {
    at: HashMap<&'a str, Vec<&'a Deployment>>,
    away: HashSet<&'a str>,
}

impl<'a> OnDay<'a> {
    /// The deployments covering `day` of CLAs then available, by base (in order of deployment id, as the staffing keeps them),
    /// and the CLAs absent that day.
    pub fn of(staffing: &'a Staffing, day: NaiveDate, availability: &Availability) -> Self {
        let mut at: HashMap<&str, Vec<&Deployment>> = HashMap::new();
        for d in staffing
            .not_ended_by(day)
            .filter(|d| d.covers(day) && availability.available(&d.staff_id, day))
        {
            at.entry(d.base_id.as_str()).or_default().push(d);
        }
        for here in at.values_mut() {
            here.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        }
        let away = staffing
            .absences_lasting_to(day)
            .filter(|a| a.covers(day))
            .map(|a| a.staff_id.as_str())
            .collect();
        Self { at, away }
    }

    /// The CLAs deployed at a base (as [`deployed`] gives them).
    pub fn deployed(&self, base: &str) -> &[&'a Deployment] {
        self.at.get(base).map_or(&[], Vec::as_slice)
    }

    pub fn away(&self, staff: &str) -> bool {
        self.away.contains(staff)
    }

    /// A base's effective strength (as [`strength`] gives it).
    pub fn strength(&self, base: &str) -> u32 {
        self.deployed(base)
            .iter()
            .filter(|d| !self.away(&d.staff_id))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn deployment(id: &str, staff: &str, base: &str, from: u32, to: Option<u32>) -> Deployment {
        Deployment {
            id: id.into(),
            staff_id: staff.into(),
            base_id: base.into(),
            from: day(from),
            to: to.map(day),
        }
    }

    fn absence(id: &str, staff: &str, from: u32, to: u32, cancelled: bool) -> Absence {
        Absence {
            id: id.into(),
            staff_id: staff.into(),
            kind: AbsenceKind::Leave,
            from: day(from),
            to: day(to),
            cancelled,
        }
    }

    #[test]
    fn the_day_worked_out_once_agrees_with_asking_base_by_base() {
        let mut s = Staffing::default();
        for d in [
            deployment("d1", "ana", "north", 1, Some(10)),
            deployment("d2", "ana", "south", 10, None),
            deployment("d3", "ben", "north", 1, None),
            deployment("d4", "cy", "north", 2, None),
            deployment("d5", "dee", "south", 1, None),
            deployment("d6", "eli", "south", 20, None),
        ] {
            s.deploy(d);
        }
        for a in [
            absence("a1", "ben", 5, 12, false),
            absence("a2", "cy", 5, 12, true),
            absence("a3", "ana", 15, 16, false),
        ] {
            s.record_absence(a);
        }
        let mut availability = Availability::default();
        availability.separated_on.insert("dee".into(), day(8));
        let agree = |s: &Staffing| {
            let mut seen = 0;
            for d in [1, 5, 8, 9, 10, 12, 15, 20] {
                let on = OnDay::of(s, day(d), &availability);
                for base in ["north", "south", "west"] {
                    let one_by_one =
                        deployed(s.deployments().values(), base, day(d), &availability);
                    assert_eq!(on.deployed(base), one_by_one.as_slice(), "{base} on {d}");
                    assert_eq!(
                        on.strength(base),
                        strength(
                            s.deployments().values(),
                            s.absences(),
                            base,
                            day(d),
                            &availability
                        ),
                        "{base} on {d}"
                    );
                    seen += one_by_one.len();
                }
            }
            seen
        };
        assert!(agree(&s) > 10, "the cases deploy someone");
        // Ends and last days moved after the fact: the day's view follows them.
        let mut moved = s.clone();
        moved.end_deployment("d3", day(9));
        moved.end_deployment("d2", day(15));
        moved.cut_absence_short("a1", day(6));
        assert!(agree(&moved) > 10);
        let on = OnDay::of(&moved, day(8), &availability);
        assert_eq!(
            on.strength("north"),
            3,
            "ben's absence cut short to the 6th"
        );
        let on = OnDay::of(&moved, day(9), &availability);
        let north: Vec<&str> = on
            .deployed("north")
            .iter()
            .map(|d| d.staff_id.as_str())
            .collect();
        assert_eq!(north, ["ana", "cy"], "ben's deployment ended on the 9th");
    }
}
