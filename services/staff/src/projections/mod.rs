//! What is true in staff and recruitment, as of any business date and as known at any time.
//!
//! Vacancies and staff members each keep their events in a [`Timeline`] folded with the deciders'
//! own `evolve`; each staff member also keeps the full history of their events (type, effective
//! date, recorded time, actor) for the profile.
//!
//! - [`pipeline`] — recruitment figures: stage counts, conversion, time to fill, posts;
//! - [`directory`] — the filtered staff directory and vacancy list, appointments ending.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;
use cla_platform::timeline::{KeptViews, Stamp, Timeline, View, fold_decider};

use crate::decider::{StaffDecider, StaffMember, Vacancy, VacancyDecider};
use crate::events::StaffEvent;

pub mod access;
pub mod directory;
pub mod pipeline;
#[cfg(test)]
mod tests;

pub use directory::{GradeCategory, StaffFilter, VacancyFilter, appointments_ending};
pub use pipeline::{
    Conversion, PostCount, RecruitmentPipeline, StageCount, conversion, pipeline, stage_counts,
    time_to_fill,
};

/// One event in a staff member's history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub event_type: String,
    pub effective: NaiveDate,
    pub recorded: DateTime<Utc>,
    pub position: u64,
    pub actor_id: String,
    pub actor_role: String,
    pub stamp: Stamp,
}

/// A phone number a staff member held: from when it was registered to when it was released.
#[derive(Clone, Debug, PartialEq)]
pub struct PhoneNumberRecord {
    /// The number as stored (sealed), or as the application layer shows it to its caller.
    pub phone_number: String,
    /// The number's keyed hash: what its stream is named by and lookups go by.
    pub index: String,
    /// Empty for the mission's.
    pub language: String,
    pub from: DateTime<Utc>,
    /// Still theirs while `None`.
    pub to: Option<DateTime<Utc>>,
}

/// The current holder of a phone number, and the language replies to it are written in.
#[derive(Clone, Debug, PartialEq)]
pub struct PhoneHolder {
    pub staff_id: String,
    pub language: String,
}

#[derive(Default)]
struct Staff {
    phones: BTreeMap<String, PhoneHolder>,
    phone_history: BTreeMap<String, Vec<PhoneNumberRecord>>,
    duress: BTreeMap<String, String>,
    /// Staff members whose personal data is erased (whatever date a view is as of).
    erased: BTreeSet<String>,
    vacancies: BTreeMap<String, Timeline<StaffEvent>>,
    members: BTreeMap<String, Timeline<StaffEvent>>,
    histories: BTreeMap<String, Vec<HistoryEntry>>,
    vacancy_mission: BTreeMap<String, String>,
    member_mission: BTreeMap<String, String>,
    vacancies_by_mission: BTreeMap<String, BTreeSet<String>>,
    members_by_mission: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Default)]
pub struct StaffView {
    state: RwLock<Staff>,
    kept_members: KeptViews<Vec<StaffMember>>,
    kept_vacancies: KeptViews<Vec<Vacancy>>,
}

impl StaffView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Staff> {
        self.state.read().expect("staff view lock")
    }

    pub fn vacancy(&self, id: &str, view: &View) -> Option<Vacancy> {
        fold_decider::<VacancyDecider>(self.read().vacancies.get(id)?, view).0
    }

    /// A mission's vacancies as the view sees them, by opening date (kept until a vacancy's
    /// facts change).
    pub fn vacancies(&self, mission: &str, view: &View) -> Arc<Vec<Vacancy>> {
        let r = self.read();
        self.kept_vacancies.get(mission, view, || {
            let mut out: Vec<Vacancy> = r
                .vacancies_by_mission
                .get(mission)
                .into_iter()
                .flatten()
                .filter_map(|id| fold_decider::<VacancyDecider>(r.vacancies.get(id)?, view).0)
                .collect();
            out.sort_by(|a, b| a.opened_on.cmp(&b.opened_on).then(a.id.cmp(&b.id)));
            out
        })
    }

    pub fn member(&self, id: &str, view: &View) -> Option<StaffMember> {
        fold_decider::<StaffDecider>(self.read().members.get(id)?, view).0
    }

    /// A mission's staff members as the view sees them, by name (kept until a member's facts
    /// change).
    pub fn members(&self, mission: &str, view: &View) -> Arc<Vec<StaffMember>> {
        let r = self.read();
        self.kept_members.get(mission, view, || {
            let mut out: Vec<StaffMember> = r
                .members_by_mission
                .get(mission)
                .into_iter()
                .flatten()
                .filter_map(|id| fold_decider::<StaffDecider>(r.members.get(id)?, view).0)
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            out
        })
    }

    /// Whether a staff member's personal data is erased (as of any date: it is gone for good).
    pub fn is_erased(&self, id: &str) -> bool {
        self.read().erased.contains(id)
    }

    /// Every staff member of every mission as the view sees them.
    pub fn every_member(&self, view: &View) -> Vec<StaffMember> {
        let r = self.read();
        r.members
            .values()
            .filter_map(|timeline| fold_decider::<StaffDecider>(timeline, view).0)
            .collect()
    }

    /// A staff member's history as the view sees it, in business order.
    pub fn history(&self, id: &str, view: &View) -> Vec<HistoryEntry> {
        let r = self.read();
        let mut entries: Vec<HistoryEntry> = r
            .histories
            .get(id)
            .into_iter()
            .flatten()
            .filter(|h| view.sees(&h.stamp))
            .cloned()
            .collect();
        entries.sort_by_key(|h| (h.effective, h.position));
        entries
    }

    /// Who holds a phone number now, by the number's keyed hash (its stream's name).
    pub fn phone_holder(&self, index: &str) -> Option<PhoneHolder> {
        self.read().phones.get(index).cloned()
    }

    /// Every phone number a staff member held, the current ones last released first.
    pub fn phone_numbers(&self, staff_id: &str) -> Vec<PhoneNumberRecord> {
        self.read()
            .phone_history
            .get(staff_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The hash of a CLA's duress word, where one is set.
    pub fn duress_hash(&self, staff_id: &str) -> Option<String> {
        self.read().duress.get(staff_id).cloned()
    }

    pub fn mission_of_vacancy(&self, id: &str) -> Option<String> {
        self.read().vacancy_mission.get(id).cloned()
    }

    pub fn mission_of_member(&self, id: &str) -> Option<String> {
        self.read().member_mission.get(id).cloned()
    }
}

/// A phone number's keyed hash: its stream's name after `phone-number-`.
fn phone_index(recorded: &RecordedEvent) -> String {
    recorded
        .stream
        .as_str()
        .strip_prefix("phone-number-")
        .unwrap_or_default()
        .to_string()
}

impl Projection for StaffView {
    fn name(&self) -> &'static str {
        "staff"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !<StaffEvent as cla_platform::codec::EventCodec>::reads(event.event_type.as_str())
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(event) = decode_recorded::<StaffEvent>(recorded) else {
            return;
        };
        let stamp = Stamp::of(recorded);
        let mut s = self.state.write().expect("staff view lock");
        use StaffEvent as E;
        match &event {
            E::PhoneNumberClaimed(e) => {
                let index = phone_index(recorded);
                s.phones.insert(
                    index.clone(),
                    PhoneHolder {
                        staff_id: e.staff_id.clone(),
                        language: e.language.clone(),
                    },
                );
                let history = s.phone_history.entry(e.staff_id.clone()).or_default();
                // A new language for a number still held closes its earlier registration.
                for r in history.iter_mut() {
                    if r.index == index && r.to.is_none() {
                        r.to = Some(recorded.recorded);
                    }
                }
                history.push(PhoneNumberRecord {
                    phone_number: e.phone_number.clone(),
                    index,
                    language: e.language.clone(),
                    from: recorded.recorded,
                    to: None,
                });
                return;
            }
            E::PhoneNumberReleased(e) => {
                let index = phone_index(recorded);
                s.phones.remove(&index);
                for r in s.phone_history.entry(e.staff_id.clone()).or_default() {
                    if r.index == index && r.to.is_none() {
                        r.to = Some(recorded.recorded);
                    }
                }
                return;
            }
            E::DuressWordSet(e) => {
                s.duress.insert(e.staff_id.clone(), e.hash.clone());
                return;
            }
            E::DuressWordCleared(e) => {
                s.duress.remove(&e.staff_id);
                return;
            }
            _ => {}
        }
        let vacancy_id = match &event {
            E::VacancyOpened(e) => {
                s.vacancy_mission
                    .insert(e.vacancy_id.clone(), e.mission_code.clone());
                s.vacancies_by_mission
                    .entry(e.mission_code.clone())
                    .or_default()
                    .insert(e.vacancy_id.clone());
                Some(e.vacancy_id.clone())
            }
            E::VacancyCancelled(e) => Some(e.vacancy_id.clone()),
            E::CandidateApplied(e) => Some(e.vacancy_id.clone()),
            E::CandidateAdvanced(e) => Some(e.vacancy_id.clone()),
            E::CandidateVetted(e) => Some(e.vacancy_id.clone()),
            E::OfferMade(e) => Some(e.vacancy_id.clone()),
            E::OfferAccepted(e) => Some(e.vacancy_id.clone()),
            E::OfferDeclined(e) => Some(e.vacancy_id.clone()),
            E::CandidateRejected(e) => Some(e.vacancy_id.clone()),
            E::CandidateWithdrew(e) => Some(e.vacancy_id.clone()),
            E::CandidateHired(e) => Some(e.vacancy_id.clone()),
            E::VacancyFilled(e) => Some(e.vacancy_id.clone()),
            _ => None,
        };
        if let Some(id) = vacancy_id {
            s.vacancies.entry(id).or_default().insert(stamp, event);
            self.kept_vacancies.changed();
            return;
        }
        let staff_id = match &event {
            E::StaffMemberOnboarded(e) => {
                s.member_mission
                    .insert(e.staff_id.clone(), e.mission_code.clone());
                s.members_by_mission
                    .entry(e.mission_code.clone())
                    .or_default()
                    .insert(e.staff_id.clone());
                Some(e.staff_id.clone())
            }
            E::StaffActivated(e) => Some(e.staff_id.clone()),
            E::StaffSuspended(e) => Some(e.staff_id.clone()),
            E::StaffReinstated(e) => Some(e.staff_id.clone()),
            E::StaffSeparated(e) => Some(e.staff_id.clone()),
            E::AppointmentRenewed(e) => Some(e.staff_id.clone()),
            E::GradeChanged(e) => Some(e.staff_id.clone()),
            E::IndexNumberChanged(e) => Some(e.staff_id.clone()),
            E::StaffDetailsChanged(e) => Some(e.staff_id.clone()),
            E::StaffPersonalDataErased(e) => {
                s.erased.insert(e.staff_id.clone());
                Some(e.staff_id.clone())
            }
            _ => None,
        };
        if let Some(id) = staff_id {
            s.histories
                .entry(id.clone())
                .or_default()
                .push(HistoryEntry {
                    event_type: recorded.event_type.to_string(),
                    effective: recorded.metadata.effective,
                    recorded: recorded.recorded,
                    position: recorded.position.0,
                    actor_id: recorded.metadata.actor.id.clone(),
                    actor_role: recorded.metadata.actor.role.clone(),
                    stamp,
                });
            s.members.entry(id).or_default().insert(stamp, event);
            self.kept_members.changed();
        }
    }
}
