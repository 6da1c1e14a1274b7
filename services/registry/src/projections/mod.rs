//! What is true in the registry, as of any business date and as known at any time.
//!
//! Each mission, field office and base keeps its events in a [`Timeline`]; a query folds the events
//! its [`View`] sees with the decider's own `evolve`, so the read model and the rules can never
//! disagree about what a mission or base is.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::RwLock;

use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};

use crate::decider::{Base, BaseDecider, FieldOffice, FieldOfficeDecider, Mission, MissionDecider};
use crate::events::RegistryEvent;

/// One change to a mission's registry (the mission, a field office or a base): what it was, what
/// it was about, when it took effect and was recorded, and who made it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// The stored event type (`BaseOpened.v1`).
    pub event_type: String,
    /// The mission's code, the field office's id or the base's id.
    pub subject: String,
    pub effective: chrono::NaiveDate,
    pub recorded: chrono::DateTime<chrono::Utc>,
    pub position: u64,
    pub actor_id: String,
    pub actor_role: String,
}

impl AuditEntry {
    fn stamp(&self) -> Stamp {
        Stamp {
            effective: self.effective,
            position: self.position,
            recorded: self.recorded,
        }
    }
}

#[derive(Default)]
struct Registry {
    missions: BTreeMap<String, Timeline<RegistryEvent>>,
    field_offices: BTreeMap<String, Timeline<RegistryEvent>>,
    bases: BTreeMap<String, Timeline<RegistryEvent>>,
    /// Each field office's and base's mission (fixed when it opens).
    office_mission: BTreeMap<String, String>,
    base_mission: BTreeMap<String, String>,
    offices_by_mission: BTreeMap<String, BTreeSet<String>>,
    bases_by_mission: BTreeMap<String, BTreeSet<String>>,
    /// Each mission's changes, in the order they were recorded.
    changes: BTreeMap<String, Vec<AuditEntry>>,
}

impl Registry {
    /// The mission and subject (mission code, field office id or base id) an event is about.
    fn subject_of(&self, event: &RegistryEvent) -> (Option<String>, String) {
        use RegistryEvent as E;
        let base = |id: &str| (self.base_mission.get(id).cloned(), id.to_string());
        let office = |id: &str| (self.office_mission.get(id).cloned(), id.to_string());
        match event {
            E::MissionCreated(e) => (Some(e.code.clone()), e.code.clone()),
            E::MissionRenamed(e) => (Some(e.code.clone()), e.code.clone()),
            E::MissionPolicyChanged(e) => (Some(e.code.clone()), e.code.clone()),
            E::FieldOfficeOpened(e) => (Some(e.mission_code.clone()), e.field_office_id.clone()),
            E::FieldOfficeRenamed(e) => office(&e.field_office_id),
            E::BaseOpened(e) => (Some(e.mission_code.clone()), e.base_id.clone()),
            E::BaseDetailsChanged(e) => base(&e.base_id),
            E::BaseClosingStarted(e) => base(&e.base_id),
            E::BaseClosingCancelled(e) => base(&e.base_id),
            E::BaseClosed(e) => base(&e.base_id),
        }
    }
}

/// The registry read model.
#[derive(Default)]
pub struct RegistryView {
    state: RwLock<Registry>,
}

impl RegistryView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.state.read().expect("registry view lock")
    }

    pub fn mission(&self, code: &str, view: &View) -> Option<Mission> {
        let r = self.read();
        fold_decider::<MissionDecider>(r.missions.get(code)?, view).0
    }

    /// Every mission that exists in the view, by code.
    pub fn missions(&self, view: &View) -> Vec<Mission> {
        let r = self.read();
        r.missions
            .values()
            .filter_map(|t| fold_decider::<MissionDecider>(t, view).0)
            .collect()
    }

    pub fn field_office(&self, id: &str, view: &View) -> Option<FieldOffice> {
        let r = self.read();
        fold_decider::<FieldOfficeDecider>(r.field_offices.get(id)?, view).0
    }

    /// A mission's field offices in the view, by name.
    pub fn field_offices(&self, mission: &str, view: &View) -> Vec<FieldOffice> {
        let r = self.read();
        let mut offices: Vec<FieldOffice> = r
            .offices_by_mission
            .get(mission)
            .into_iter()
            .flatten()
            .filter_map(|id| fold_decider::<FieldOfficeDecider>(r.field_offices.get(id)?, view).0)
            .collect();
        offices.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        offices
    }

    pub fn base(&self, id: &str, view: &View) -> Option<Base> {
        let r = self.read();
        fold_decider::<BaseDecider>(r.bases.get(id)?, view).0
    }

    /// A mission's bases in the view, by name.
    pub fn bases(&self, mission: &str, view: &View) -> Vec<Base> {
        let r = self.read();
        let mut bases: Vec<Base> = r
            .bases_by_mission
            .get(mission)
            .into_iter()
            .flatten()
            .filter_map(|id| fold_decider::<BaseDecider>(r.bases.get(id)?, view).0)
            .collect();
        bases.sort_by(|a, b| a.details.name.cmp(&b.details.name).then(a.id.cmp(&b.id)));
        bases
    }

    /// The mission a base belongs to, whatever the date (for access checks).
    pub fn mission_of_base(&self, id: &str) -> Option<String> {
        self.read().base_mission.get(id).cloned()
    }

    /// The mission a field office belongs to, whatever the date (for access checks).
    pub fn mission_of_field_office(&self, id: &str) -> Option<String> {
        self.read().office_mission.get(id).cloned()
    }

    /// The mission and subject (mission code, field office id or base id) an event is about.
    pub fn subject_of(&self, event: &RegistryEvent) -> (Option<String>, String) {
        self.read().subject_of(event)
    }

    /// A mission's changes the view sees (the mission's, its field offices' and its bases'),
    /// the last recorded first.
    pub fn changes(&self, mission: &str, view: &View) -> Vec<AuditEntry> {
        let r = self.read();
        r.changes
            .get(mission)
            .into_iter()
            .flatten()
            .rev()
            .filter(|c| view.sees(&c.stamp()))
            .cloned()
            .collect()
    }
}

impl Projection for RegistryView {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !<RegistryEvent as cla_platform::codec::EventCodec>::reads(event.event_type.as_str())
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(event) = decode_recorded::<RegistryEvent>(recorded) else {
            return;
        };
        let stamp = Stamp::of(recorded);
        let mut r = self.state.write().expect("registry view lock");
        let about = r.subject_of(&event);
        use RegistryEvent as E;
        let (map, id) = match &event {
            E::MissionCreated(e) => (&mut r.missions, e.code.clone()),
            E::MissionRenamed(e) => (&mut r.missions, e.code.clone()),
            E::MissionPolicyChanged(e) => (&mut r.missions, e.code.clone()),
            E::FieldOfficeOpened(e) => {
                let id = e.field_office_id.clone();
                r.office_mission.insert(id.clone(), e.mission_code.clone());
                r.offices_by_mission
                    .entry(e.mission_code.clone())
                    .or_default()
                    .insert(id.clone());
                (&mut r.field_offices, id)
            }
            E::FieldOfficeRenamed(e) => (&mut r.field_offices, e.field_office_id.clone()),
            E::BaseOpened(e) => {
                let id = e.base_id.clone();
                r.base_mission.insert(id.clone(), e.mission_code.clone());
                r.bases_by_mission
                    .entry(e.mission_code.clone())
                    .or_default()
                    .insert(id.clone());
                (&mut r.bases, id)
            }
            E::BaseDetailsChanged(e) => (&mut r.bases, e.base_id.clone()),
            E::BaseClosingStarted(e) => (&mut r.bases, e.base_id.clone()),
            E::BaseClosingCancelled(e) => (&mut r.bases, e.base_id.clone()),
            E::BaseClosed(e) => (&mut r.bases, e.base_id.clone()),
        };
        map.entry(id).or_default().insert(stamp, event);
        if let (Some(mission), subject) = about {
            r.changes.entry(mission).or_default().push(AuditEntry {
                event_type: recorded.event_type.to_string(),
                subject,
                effective: recorded.metadata.effective,
                recorded: recorded.recorded,
                position: recorded.position.0,
                actor_id: recorded.metadata.actor.id.clone(),
                actor_role: recorded.metadata.actor.role.clone(),
            });
        }
    }
}
