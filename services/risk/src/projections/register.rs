//! A mission's open risk flags, and what every reader may see of them: counts by severity,
//! category and place. The flags themselves are for the application layer to hand out (see
//! [`crate::app`]); nothing here decides who sees what.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use cla_platform::disclosure::PlacesWithheld;
use cla_platform::timeline::View;
use cla_staffing::StaffingView;

use super::RiskView;
use crate::decider::{Flag, FlagStatus};
use crate::events::{Category, Severity};

/// Open flags by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

impl SeverityCounts {
    /// Counts one flag of `severity` (an unspecified severity counts nowhere).
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Low => self.low += 1,
            Severity::Medium => self.medium += 1,
            Severity::High => self.high += 1,
            Severity::Critical => self.critical += 1,
            Severity::Unspecified => {}
        }
    }

    /// Low, medium, high, critical.
    pub fn as_array(&self) -> [u32; 4] {
        [self.low, self.medium, self.high, self.critical]
    }

    fn plus(self, other: Self) -> Self {
        Self {
            low: self.low + other.low,
            medium: self.medium + other.medium,
            high: self.high + other.high,
            critical: self.critical + other.critical,
        }
    }
}

/// The open (and mitigating) flags of a mission as the view sees them.
pub fn open_flags(risk: &RiskView, mission: &str, view: &View) -> Vec<Flag> {
    let mut out = Vec::new();
    for staff in risk.staff_with_flags(mission) {
        out.extend(
            risk.flags_only(&staff, view)
                .flags
                .into_values()
                .filter(|f| f.mission == mission && f.status != FlagStatus::Closed),
        );
    }
    out
}

/// Open flags of a mission by base and severity: counts only. Flags raised where the CLA was at
/// no base count under the empty base id; a base appears only with a flag of a known severity.
pub fn open_flags_by_base(
    risk: &RiskView,
    mission: &str,
    view: &View,
) -> HashMap<String, SeverityCounts> {
    let mut out: HashMap<String, SeverityCounts> = HashMap::new();
    for staff in risk.staff_with_flags(mission) {
        for f in risk.flags_only(&staff, view).flags.values() {
            if f.mission != mission
                || f.status == FlagStatus::Closed
                || f.severity == Severity::Unspecified
            {
                continue;
            }
            out.entry(f.base_id.clone()).or_default().add(f.severity);
        }
    }
    out
}

/// Open flags of a mission by severity: counts only.
pub fn open_flag_counts(risk: &RiskView, mission: &str, view: &View) -> SeverityCounts {
    open_flags_by_base(risk, mission, view)
        .into_values()
        .fold(SeverityCounts::default(), SeverityCounts::plus)
}

/// The people each base's risk counts cover on the view's date: the CLAs deployed there, and
/// whoever has an open flag raised there (under the empty id: at no base).
pub fn people_by_base(
    risk: &RiskView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut people: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in staffing.staffing(mission, view).deployments().values() {
        if d.covers(view.as_of) {
            people
                .entry(d.base_id.clone())
                .or_default()
                .insert(d.staff_id.clone());
        }
    }
    for f in open_flags(risk, mission, view) {
        people.entry(f.base_id).or_default().insert(f.staff_id);
    }
    people
}

/// What every reader of a mission sees of its open flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegisterCounts {
    /// Open and mitigating flags.
    pub open: usize,
    pub by_severity: SeverityCounts,
    /// By category, in the categories' order; flags of no known category left out.
    pub by_category: Vec<(Category, u32)>,
    /// By base id, in order; flags raised at no base left out.
    pub by_base: Vec<(String, SeverityCounts)>,
    /// By field office id, in order, for flags at a base the office has.
    pub by_field_office: Vec<(String, SeverityCounts)>,
    /// Flags whose review was due before `today`.
    pub overdue_reviews: usize,
    /// The places (bases, field offices) whose counts are withheld from this reader: they stand
    /// in `by_base` and `by_field_office` with no count.
    pub withheld_places: BTreeSet<String>,
    /// The mission's own counts are withheld: it has fewer than 3 CLAs.
    pub withheld: bool,
}

impl RegisterCounts {
    /// What a counts-only reader may see: `places`' counts withheld (see
    /// [`cla_platform::disclosure`]), every withheld place listed, with or without flags.
    pub fn withholding(mut self, places: &PlacesWithheld) -> Self {
        let hide = |rows: Vec<(String, SeverityCounts)>, withheld: &BTreeSet<String>| {
            let mut rows: BTreeMap<String, SeverityCounts> = rows
                .into_iter()
                .filter(|(place, _)| !withheld.contains(place))
                .collect();
            for place in withheld {
                rows.insert(place.clone(), SeverityCounts::default());
            }
            rows.into_iter().collect::<Vec<_>>()
        };
        self.by_base = hide(self.by_base, &places.bases);
        self.by_field_office = hide(self.by_field_office, &places.field_offices);
        self.withheld_places = places.places();
        if places.mission {
            self.open = 0;
            self.by_severity = SeverityCounts::default();
            self.by_category.clear();
            self.overdue_reviews = 0;
            self.withheld = true;
        }
        self
    }
}

/// Counts of `flags` (open flags of one mission); `office_of` maps a base to its field office.
pub fn register_counts(
    flags: &[Flag],
    office_of: &BTreeMap<String, String>,
    today: NaiveDate,
) -> RegisterCounts {
    let mut by_severity = SeverityCounts::default();
    let mut by_category: BTreeMap<i32, u32> = BTreeMap::new();
    let mut by_base: BTreeMap<String, SeverityCounts> = BTreeMap::new();
    let mut by_office: BTreeMap<String, SeverityCounts> = BTreeMap::new();
    for f in flags {
        by_severity.add(f.severity);
        *by_category.entry(f.category as i32).or_default() += 1;
        if !f.base_id.is_empty() {
            by_base
                .entry(f.base_id.clone())
                .or_default()
                .add(f.severity);
        }
        if let Some(office) = office_of.get(&f.base_id) {
            by_office.entry(office.clone()).or_default().add(f.severity);
        }
    }
    RegisterCounts {
        open: flags.len(),
        by_severity,
        by_category: by_category
            .into_iter()
            .filter_map(|(c, n)| {
                Category::try_from(c)
                    .ok()
                    .filter(|c| *c != Category::Unspecified)
                    .map(|c| (c, n))
            })
            .collect(),
        by_base: by_base.into_iter().collect(),
        by_field_office: by_office.into_iter().collect(),
        overdue_reviews: flags.iter().filter(|f| f.review_due < today).count(),
        withheld_places: BTreeSet::new(),
        withheld: false,
    }
}

/// Which of a register's flags to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlagFilter {
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    pub base_id: Option<String>,
    /// Only flags whose review was due before the register's date.
    pub overdue_only: bool,
}

impl FlagFilter {
    /// The flags that pass, most severe first, then oldest first.
    pub fn select(&self, flags: &[Flag], today: NaiveDate) -> Vec<Flag> {
        let mut items: Vec<Flag> = flags
            .iter()
            .filter(|f| self.severity.is_none_or(|s| f.severity == s))
            .filter(|f| self.category.is_none_or(|c| f.category == c))
            .filter(|f| self.base_id.as_ref().is_none_or(|b| &f.base_id == b))
            .filter(|f| !self.overdue_only || f.review_due < today)
            .cloned()
            .collect();
        items.sort_by(|a, b| {
            (b.severity as i32)
                .cmp(&(a.severity as i32))
                .then(a.raised_on.cmp(&b.raised_on))
        });
        items
    }
}
