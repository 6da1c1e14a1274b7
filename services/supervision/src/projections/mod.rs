//! What is true in supervision: each mission's management, folded from its stream with the
//! decider's own `evolve`, as of any date and as known at any time; and the read computations made
//! from it (`coverage`: management coverage).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::decider::Decider;
use cla_platform::projection::Projection;
use cla_platform::timeline::{KeptFolds, Stamp, Timeline, View};

use crate::decider::{Management, SupervisionDecider};
use crate::events::SupervisionEvent;

pub mod coverage;
pub mod history;

pub use coverage::{BaseVisit, CoverageRow, ManagementCoverage, ManagerSpan, management_coverage};
pub use history::{SupervisionChange, SupervisionHistoryEntry};

#[derive(Default)]
struct Managements {
    missions: BTreeMap<String, Timeline<SupervisionEvent>>,
    manager_mission: HashMap<String, String>,
    histories: history::Histories,
}

/// Each mission's management, folded from its stream.
#[derive(Default)]
pub struct SupervisionView {
    state: RwLock<Managements>,
    folds: KeptFolds<Management>,
}

impl SupervisionView {
    /// A mission's management as the view sees it (its folds kept, as staffing's are).
    pub fn management(&self, mission: &str, view: &View) -> Arc<Management> {
        let s = self.state.read().expect("supervision view lock");
        let Some(timeline) = s.missions.get(mission) else {
            return Arc::default();
        };
        self.folds
            .fold(mission, timeline, view, SupervisionDecider::evolve)
    }

    /// A CLA's supervision history as the view sees it, in business order.
    pub fn history(&self, staff_id: &str, view: &View) -> Vec<history::SupervisionHistoryEntry> {
        let s = self.state.read().expect("supervision view lock");
        let mut entries: Vec<history::SupervisionHistoryEntry> = s
            .histories
            .entries
            .get(staff_id)
            .into_iter()
            .flatten()
            .filter(|h| view.sees(&h.stamp))
            .cloned()
            .collect();
        entries.sort_by_key(|h| (h.effective, h.stamp.position));
        entries
    }

    pub fn mission_of_manager(&self, id: &str) -> Option<String> {
        self.state
            .read()
            .expect("supervision view lock")
            .manager_mission
            .get(id)
            .cloned()
    }
}

impl Projection for SupervisionView {
    fn name(&self) -> &'static str {
        "supervision"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !event.stream.as_str().starts_with("management-")
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(mission) = recorded.stream.as_str().strip_prefix("management-") else {
            return;
        };
        let Some(event) = decode_recorded::<SupervisionEvent>(recorded) else {
            return;
        };
        let mut s = self.state.write().expect("supervision view lock");
        if let SupervisionEvent::ManagerAppointed(e) = &event {
            s.manager_mission
                .insert(e.manager_id.clone(), mission.to_string());
        }
        s.histories.add(recorded, &event);
        let at = s
            .missions
            .entry(mission.to_string())
            .or_default()
            .insert(Stamp::of(recorded), event);
        self.folds.inserted(mission, at);
    }
}

#[cfg(test)]
mod tests;
