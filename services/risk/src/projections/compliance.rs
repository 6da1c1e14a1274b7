//! Check-in compliance: check-ins made and due periods missed over the 30 days to a date, per
//! base, field office and mission. Counts only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use cla_platform::disclosure::PlacesWithheld;
use cla_platform::timeline::View;
use cla_staffing::StaffingView;
use cla_staffing::coverage::Deployment;

use super::RiskView;
use crate::decider::Flag;

/// Check-ins made, and due periods missed (counted on the silences' missed-check-in flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckInCounts {
    pub made: u32,
    pub missed: u32,
}

impl CheckInCounts {
    /// made / (made + missed); none where nothing was due.
    pub fn share(&self) -> Option<f64> {
        let due = self.made + self.missed;
        (due > 0).then(|| f64::from(self.made) / f64::from(due))
    }

    fn add(&mut self, other: CheckInCounts) {
        self.made += other.made;
        self.missed += other.missed;
    }
}

/// The counts of one place: a base id, a field office id or the mission code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaceCompliance {
    pub place_id: String,
    pub counts: CheckInCounts,
}

/// A mission's compliance over the 30 days to the view's date.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComplianceCounts {
    pub mission: PlaceCompliance,
    /// By base id, in order; CLAs at no base count for the mission only.
    pub by_base: Vec<PlaceCompliance>,
    /// By field office id, in order.
    pub by_field_office: Vec<PlaceCompliance>,
    /// The CLAs each base's counts cover (the empty id for those at no base): what decides
    /// which counts a counts-only reader may see.
    pub people: BTreeMap<String, BTreeSet<String>>,
    /// The places (bases, field offices) whose counts are withheld from this reader: they stand
    /// in `by_base` and `by_field_office` with zero counts.
    pub withheld_places: BTreeSet<String>,
    /// The mission's own counts are withheld: they cover fewer than 3 CLAs.
    pub withheld: bool,
}

impl ComplianceCounts {
    /// What a counts-only reader may see: `places`' counts withheld (see
    /// [`cla_platform::disclosure`]).
    pub fn withholding(mut self, places: &PlacesWithheld) -> Self {
        let hide = |rows: &mut Vec<PlaceCompliance>, withheld: &BTreeSet<String>| {
            for row in rows.iter_mut().filter(|r| withheld.contains(&r.place_id)) {
                row.counts = CheckInCounts::default();
            }
        };
        hide(&mut self.by_base, &places.bases);
        hide(&mut self.by_field_office, &places.field_offices);
        self.withheld_places = places.places();
        if places.mission {
            self.mission.counts = CheckInCounts::default();
            self.withheld = true;
        }
        self
    }
}

/// Check-ins made and due periods missed over the 30 days to the view's date, per base (the CLA's
/// base on that date, else their last), for a mission: counted for the CLAs deployed at some time
/// in those days, the only ones with check-ins due. The mission's deployments are walked once;
/// CLAs long gone are not looked at.
pub fn compliance_by_base(
    risk: &RiskView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> BTreeMap<String, CheckInCounts> {
    check_ins_by_base(risk, staffing, mission, view)
        .into_iter()
        .map(|(base, (counts, _))| (base, counts))
        .collect()
}

/// [`compliance_by_base`], with the CLAs each base's counts cover.
fn check_ins_by_base(
    risk: &RiskView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> BTreeMap<String, (CheckInCounts, BTreeSet<String>)> {
    let since = view.as_of - Duration::days(30);
    let state = staffing.staffing(mission, view);
    // Per CLA: deployed in the window; the deployment on the date; the last one begun.
    let mut picks: HashMap<&str, (bool, Option<&Deployment>, &Deployment)> = HashMap::new();
    for d in state.deployments().values() {
        let in_window = d.from <= view.as_of && d.to.is_none_or(|to| to > since);
        let on_date = d.covers(view.as_of).then_some(d);
        picks
            .entry(d.staff_id.as_str())
            .and_modify(|(w, on, last)| {
                *w |= in_window;
                *on = on.or(on_date);
                if d.from >= last.from {
                    *last = d;
                }
            })
            .or_insert((in_window, on_date, d));
    }
    let mut per_base: BTreeMap<String, (CheckInCounts, BTreeSet<String>)> = BTreeMap::new();
    for (staff, (_, on, last)) in picks.into_iter().filter(|(_, p)| p.0) {
        let base = on.unwrap_or(last).base_id.clone();
        let made = risk.check_ins_between(staff, since, view.as_of, view);
        let missed = risk
            .flags_only(staff, view)
            .flags
            .values()
            .map(|f| periods_missed_between(f, since, view.as_of))
            .sum();
        let (counts, people) = per_base.entry(base).or_default();
        counts.add(CheckInCounts { made, missed });
        people.insert(staff.to_string());
    }
    per_base
}

/// The periods a silence's flag counts as missed that were due after the day `after` up to the
/// day `until` (0 for every other flag): the first due at its cause's `period_due_at`, each
/// further one `period_hours` later.
pub fn periods_missed_between(flag: &Flag, after: NaiveDate, until: NaiveDate) -> u32 {
    let Some(cause) = flag.cause.as_ref().filter(|_| flag.is_silence()) else {
        return 0;
    };
    let Ok(first) = DateTime::parse_from_rfc3339(&cause.period_due_at) else {
        return 0;
    };
    let first = first.to_utc();
    let step = cause.period_hours.max(1);
    let periods = i64::from(flag.periods_missed.max(1));
    // Periods k = 0..periods are due at first + k * step: those in the window's days.
    let start = (after + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    let end = (until + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    let index_from = |t: DateTime<Utc>| -> i64 {
        // The first k with first + k * step >= t.
        let secs = (t - first).num_seconds();
        if secs <= 0 {
            0
        } else {
            (secs + step * 3600 - 1) / (step * 3600)
        }
    };
    let lo = index_from(start).min(periods);
    let hi = index_from(end).min(periods);
    (hi - lo).max(0) as u32
}

/// A mission's check-ins made and periods missed over the 30 days to the view's date.
pub fn mission_check_ins(
    risk: &RiskView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> CheckInCounts {
    let mut total = CheckInCounts::default();
    compliance_by_base(risk, staffing, mission, view)
        .into_values()
        .for_each(|c| total.add(c));
    total
}

/// A mission's compliance by base, field office (`office_of` maps a base to its office) and for
/// the whole mission.
pub fn check_in_compliance(
    risk: &RiskView,
    staffing: &StaffingView,
    office_of: &BTreeMap<String, String>,
    mission: &str,
    view: &View,
) -> ComplianceCounts {
    let mut people = BTreeMap::new();
    let mut per_base = BTreeMap::new();
    for (base, (counts, covered)) in check_ins_by_base(risk, staffing, mission, view) {
        per_base.insert(base.clone(), counts);
        people.insert(base, covered);
    }
    let mut by_office: BTreeMap<String, CheckInCounts> = BTreeMap::new();
    let mut total = CheckInCounts::default();
    for (base, counts) in &per_base {
        total.add(*counts);
        if let Some(office) = office_of.get(base) {
            by_office.entry(office.clone()).or_default().add(*counts);
        }
    }
    let place = |(place_id, counts): (String, CheckInCounts)| PlaceCompliance { place_id, counts };
    ComplianceCounts {
        mission: PlaceCompliance {
            place_id: mission.to_string(),
            counts: total,
        },
        by_base: per_base
            .into_iter()
            .filter(|(b, _)| !b.is_empty())
            .map(place)
            .collect(),
        by_field_office: by_office.into_iter().map(place).collect(),
        people,
        withheld_places: BTreeSet::new(),
        withheld: false,
    }
}
