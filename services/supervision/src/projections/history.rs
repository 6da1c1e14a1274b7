//! A CLA's supervision history: who began supervising them and when it ended, with when each was
//! recorded and by whom — for the profile's timeline.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::timeline::Stamp;

use crate::events::SupervisionEvent;

/// What changed in a CLA's supervision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupervisionChange {
    /// The manager (by name) supervises the CLA from the entry's date.
    Started { manager: String },
    /// The supervision ended (the manager, by name, left or it was ended).
    Ended { manager: String },
}

/// One change in a CLA's supervision, stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisionHistoryEntry {
    pub change: SupervisionChange,
    pub effective: NaiveDate,
    pub recorded: DateTime<Utc>,
    pub actor_id: String,
    pub actor_role: String,
    pub stamp: Stamp,
}

/// The histories, and what later events name only by id.
#[derive(Default)]
pub(crate) struct Histories {
    pub(crate) entries: HashMap<String, Vec<SupervisionHistoryEntry>>,
    managers: HashMap<String, String>,
    /// Supervision id → (staff id, manager id).
    supervisions: HashMap<String, (String, String)>,
}

impl Histories {
    pub(crate) fn add(&mut self, recorded: &RecordedEvent, event: &SupervisionEvent) {
        let name = |h: &Self, manager: &str| {
            h.managers
                .get(manager)
                .cloned()
                .unwrap_or_else(|| manager.to_string())
        };
        let ended = |h: &Self, id: &str| {
            h.supervisions.get(id).map(|(staff, manager)| {
                (
                    staff.clone(),
                    SupervisionChange::Ended {
                        manager: name(h, manager),
                    },
                )
            })
        };
        let changes: Vec<(String, SupervisionChange)> = match event {
            SupervisionEvent::ManagerAppointed(e) => {
                self.managers.insert(e.manager_id.clone(), e.name.clone());
                Vec::new()
            }
            SupervisionEvent::ManagerLeft(e) => e
                .ended_supervision_ids
                .iter()
                .filter_map(|id| ended(self, id))
                .collect(),
            SupervisionEvent::SupervisionStarted(e) => {
                let mut out: Vec<_> = ended(self, &e.ended_supervision_id).into_iter().collect();
                self.supervisions.insert(
                    e.supervision_id.clone(),
                    (e.staff_id.clone(), e.manager_id.clone()),
                );
                out.push((
                    e.staff_id.clone(),
                    SupervisionChange::Started {
                        manager: name(self, &e.manager_id),
                    },
                ));
                out
            }
            SupervisionEvent::SupervisionEnded(e) => {
                ended(self, &e.supervision_id).into_iter().collect()
            }
            SupervisionEvent::FieldVisitRecorded(_) => Vec::new(),
        };
        let stamp = Stamp::of(recorded);
        for (staff, change) in changes {
            self.entries
                .entry(staff)
                .or_default()
                .push(SupervisionHistoryEntry {
                    change,
                    effective: stamp.effective,
                    recorded: stamp.recorded,
                    actor_id: recorded.metadata.actor.id.clone(),
                    actor_role: recorded.metadata.actor.role.clone(),
                    stamp,
                });
        }
    }
}
