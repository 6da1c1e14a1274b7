//! What is true in staffing, as of any business date and as known at any time: each mission's
//! staffing (folded with the decider's own `evolve`), and a roster of CLAs built from the staff
//! context's events — their contracts, not its code — for status, separation, appointment end,
//! gender and languages.
//!
//! The read computations over them, each returning plain domain structs:
//! - `board.rs` — the base board of a mission on a day;
//! - `forecast.rs` — a base's coverage forecast, its gaps and their causes;
//! - `rotations.rs` — a CLA's staffing, the rotation calendar, closure exposures.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use cla_contracts::cla::staff::v1 as staff;
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::decider::Decider;
use cla_platform::projection::Projection;
use cla_platform::timeline::{KeptFolds, KeptViews, Stamp, Timeline, View};

use crate::coverage::Availability;
use crate::decider::{Staffing, StaffingDecider};
use crate::events::StaffingEvent;

pub mod board;
pub mod forecast;
pub mod history;
pub mod rotations;
#[cfg(test)]
pub(crate) mod tests;

pub use board::{BoardCla, BoardFilter, BoardOrder, BoardRow, Coverage, FlagCounts, board};
pub use forecast::{
    CauseKind, CoverageForecast, ForecastDay, Gap, GapCause, forecast, forecast_with,
};
pub use history::{ClaChange, ClaHistoryEntry};
pub use rotations::{
    ClaAbsence, ClaDeployment, ClaStaffing, ClosureExposure, RotationEntry, RotationState,
    cla_staffing, closure_exposures, rotation_calendar,
};

cla_platform::event_enum! {
    /// The staff context's facts this context follows.
    pub enum StaffFact {
        Onboarded(staff::StaffMemberOnboarded),
        Activated(staff::StaffActivated),
        Suspended(staff::StaffSuspended),
        Reinstated(staff::StaffReinstated),
        Separated(staff::StaffSeparated),
        Renewed(staff::AppointmentRenewed),
        DetailsChanged(staff::StaffDetailsChanged),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaStatus {
    Onboarding,
    Active,
    Suspended,
    Separated,
}

/// A CLA as this context knows them.
#[derive(Clone, Debug, PartialEq)]
pub struct Cla {
    pub id: String,
    pub mission: String,
    pub name: String,
    pub female: bool,
    pub languages: Vec<String>,
    pub status: ClaStatus,
    pub separated_on: Option<NaiveDate>,
    pub appointment_end: Option<NaiveDate>,
}

fn fold_cla(timeline: &Timeline<StaffFact>, view: &View) -> Option<Cla> {
    timeline.fold(view, None, |cla: Option<Cla>, stamp, fact| {
        match (cla, fact) {
            (_, StaffFact::Onboarded(e)) => Some(Cla {
                id: e.staff_id.clone(),
                mission: e.mission_code.clone(),
                name: e.name.clone(),
                female: e.gender == staff::Gender::Female as i32,
                languages: e.languages.iter().map(|l| l.language.clone()).collect(),
                status: ClaStatus::Onboarding,
                separated_on: None,
                appointment_end: e.appointment.as_ref().and_then(|a| a.end.parse().ok()),
            }),
            (Some(mut c), fact) => {
                match fact {
                    StaffFact::Activated(_) | StaffFact::Reinstated(_) => {
                        c.status = ClaStatus::Active
                    }
                    StaffFact::Suspended(_) => c.status = ClaStatus::Suspended,
                    StaffFact::Separated(_) => {
                        c.status = ClaStatus::Separated;
                        c.separated_on = Some(stamp.effective);
                    }
                    StaffFact::Renewed(e) => {
                        if let Some(end) = e.appointment.as_ref().and_then(|a| a.end.parse().ok()) {
                            c.appointment_end = Some(end);
                        }
                    }
                    StaffFact::DetailsChanged(e) => {
                        c.name = e.name.clone();
                        c.languages = e.languages.iter().map(|l| l.language.clone()).collect();
                    }
                    StaffFact::Onboarded(_) => {}
                }
                Some(c)
            }
            (None, _) => None,
        }
    })
}

/// Separations (and, for forecasts, appointment ends) of the CLAs of a roster already folded.
pub fn availability_of(roster: &HashMap<String, Cla>, with_appointment_ends: bool) -> Availability {
    let mut a = Availability::default();
    for (id, cla) in roster {
        if let Some(s) = cla.separated_on {
            a.separated_on.insert(id.clone(), s);
        }
        if with_appointment_ends && let Some(e) = cla.appointment_end {
            a.appointment_ends.insert(id.clone(), e);
        }
    }
    a
}

#[derive(Default)]
struct State {
    missions: BTreeMap<String, Timeline<StaffingEvent>>,
    roster: BTreeMap<String, Timeline<StaffFact>>,
    cla_mission: HashMap<String, String>,
    rotation_mission: HashMap<String, String>,
    absence_mission: HashMap<String, String>,
    histories: history::Histories,
}

#[derive(Default)]
pub struct StaffingView {
    state: RwLock<State>,
    folds: KeptFolds<Staffing>,
    rosters: KeptViews<HashMap<String, Cla>>,
}

impl StaffingView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().expect("staffing view lock")
    }

    /// A mission's staffing as the view sees it. Folds for views that know everything are kept
    /// (a few per mission) and carried forward by the facts added after them, so asking again,
    /// or after a new fact, does not fold the mission's whole history.
    pub fn staffing(&self, mission: &str, view: &View) -> Arc<Staffing> {
        let s = self.read();
        let Some(timeline) = s.missions.get(mission) else {
            return Arc::default();
        };
        self.folds
            .fold(mission, timeline, view, StaffingDecider::evolve)
    }

    pub fn cla(&self, id: &str, view: &View) -> Option<Cla> {
        fold_cla(self.read().roster.get(id)?, view)
    }

    /// The mission's CLAs as the view sees them (kept until a CLA's facts change).
    pub fn roster(&self, mission: &str, view: &View) -> Arc<HashMap<String, Cla>> {
        let r = self.read();
        self.rosters.get(mission, view, || {
            r.roster
                .iter()
                .filter(|(id, _)| r.cla_mission.get(*id).is_some_and(|m| m == mission))
                .filter_map(|(id, t)| fold_cla(t, view).map(|c| (id.clone(), c)))
                .collect()
        })
    }

    /// Separations (and, for forecasts, appointment ends) of a mission's CLAs.
    pub fn availability(
        &self,
        mission: &str,
        view: &View,
        with_appointment_ends: bool,
    ) -> Availability {
        availability_of(&self.roster(mission, view), with_appointment_ends)
    }

    pub fn mission_of_cla(&self, id: &str) -> Option<String> {
        self.read().cla_mission.get(id).cloned()
    }

    pub fn mission_of_rotation(&self, id: &str) -> Option<String> {
        self.read().rotation_mission.get(id).cloned()
    }

    pub fn mission_of_absence(&self, id: &str) -> Option<String> {
        self.read().absence_mission.get(id).cloned()
    }

    /// A CLA's staffing history as the view sees it, in business order.
    pub fn history(&self, staff_id: &str, view: &View) -> Vec<history::ClaHistoryEntry> {
        let mut entries: Vec<history::ClaHistoryEntry> = self
            .read()
            .histories
            .entries
            .get(staff_id)
            .into_iter()
            .flatten()
            .filter(|h| view.sees(&h.stamp))
            .cloned()
            .collect();
        entries.sort_by_key(|h| (h.effective, h.position));
        entries
    }
}

impl Projection for StaffingView {
    fn name(&self) -> &'static str {
        "staffing"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !event.stream.as_str().starts_with("staffing-")
            && !<StaffFact as cla_platform::codec::EventCodec>::reads(event.event_type.as_str())
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let stamp = Stamp::of(recorded);
        if let Some(mission) = recorded.stream.as_str().strip_prefix("staffing-") {
            let Some(event) = decode_recorded::<StaffingEvent>(recorded) else {
                return;
            };
            let mut s = self.state.write().expect("staffing view lock");
            match &event {
                StaffingEvent::RotationPlanned(e) => {
                    s.rotation_mission
                        .insert(e.rotation_id.clone(), mission.to_string());
                }
                StaffingEvent::AbsenceRecorded(e) => {
                    s.absence_mission
                        .insert(e.absence_id.clone(), mission.to_string());
                }
                _ => {}
            }
            s.histories.add(recorded, stamp, &event);
            let at = s
                .missions
                .entry(mission.to_string())
                .or_default()
                .insert(stamp, event);
            self.folds.inserted(mission, at);
            return;
        }
        let Some(fact) = decode_recorded::<StaffFact>(recorded) else {
            return;
        };
        let id = match &fact {
            StaffFact::Onboarded(e) => e.staff_id.clone(),
            StaffFact::Activated(e) => e.staff_id.clone(),
            StaffFact::Suspended(e) => e.staff_id.clone(),
            StaffFact::Reinstated(e) => e.staff_id.clone(),
            StaffFact::Separated(e) => e.staff_id.clone(),
            StaffFact::Renewed(e) => e.staff_id.clone(),
            StaffFact::DetailsChanged(e) => e.staff_id.clone(),
        };
        let mut s = self.state.write().expect("staffing view lock");
        if let StaffFact::Onboarded(e) = &fact {
            s.cla_mission.insert(id.clone(), e.mission_code.clone());
        }
        s.roster.entry(id).or_default().insert(stamp, fact);
        self.rosters.changed();
    }
}

/// Answers the registry's question before a base closes: who is deployed there on a day.
impl cla_registry::BaseOccupancy for StaffingView {
    fn deployed(&self, mission: &str, base_id: &str, on: NaiveDate) -> usize {
        let view = View::on(on);
        let staffing = self.staffing(mission, &view);
        let availability = self.availability(mission, &view, false);
        crate::coverage::deployed(staffing.deployments().values(), base_id, on, &availability).len()
    }
}

/// Answers the staff profile's question: where was this CLA deployed, from–to.
pub struct ProfileDeployments {
    pub staffing: std::sync::Arc<StaffingView>,
    pub registry: std::sync::Arc<cla_registry::RegistryView>,
}

impl cla_staff::DeploymentHistory for ProfileDeployments {
    fn deployments(&self, staff_id: &str, view: &View) -> Vec<cla_staff::DeploymentRecord> {
        let Some(mission) = self.staffing.mission_of_cla(staff_id) else {
            return Vec::new();
        };
        let state = self.staffing.staffing(&mission, view);
        let mut out: Vec<cla_staff::DeploymentRecord> = state
            .deployments()
            .values()
            .filter(|d| d.staff_id == staff_id)
            .map(|d| cla_staff::DeploymentRecord {
                base_id: d.base_id.clone(),
                base_name: self
                    .registry
                    .base(&d.base_id, view)
                    .map_or_else(|| d.base_id.clone(), |b| b.details.name),
                from: cla_platform::graphql::Date(d.from),
                to: d.to.map(cla_platform::graphql::Date),
            })
            .collect();
        out.sort_by_key(|d| d.from);
        out
    }
}
