//! What is true in risk and welfare, as of any date and as known at any time: each CLA's check-ins
//! and flags (folded with the decider's own `evolve`), and each flag's timeline.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};

use crate::decider::{Risk, RiskDecider};
use crate::events::RiskEvent;

/// One event in a flag's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub event_type: String,
    pub effective: NaiveDate,
    pub recorded: DateTime<Utc>,
    pub actor_id: String,
    pub actor_role: String,
    pub stamp: Stamp,
}

#[derive(Default)]
struct State {
    risks: BTreeMap<String, Timeline<RiskEvent>>,
    flag_staff: HashMap<String, String>,
    flag_mission: HashMap<String, String>,
    timelines: HashMap<String, Vec<TimelineEntry>>,
    /// Staff ids by mission (from the flags raised; check-ins only name the CLA).
    missions: HashMap<String, std::collections::BTreeSet<String>>,
    /// Each CLA's events but check-ins: what their flags are folded from, without walking years
    /// of daily check-ins.
    flag_events: BTreeMap<String, Timeline<RiskEvent>>,
    /// Each CLA's check-ins by when they were made, in order, for counts over a window.
    check_ins: HashMap<String, Vec<(DateTime<Utc>, Stamp)>>,
}

#[derive(Default)]
pub struct RiskView {
    state: RwLock<State>,
}

impl RiskView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().expect("risk view lock")
    }

    /// A CLA's check-ins and flags as the view sees them.
    pub fn risk(&self, staff_id: &str, view: &View) -> Risk {
        self.read()
            .risks
            .get(staff_id)
            .map(|t| fold_decider::<RiskDecider>(t, view))
            .unwrap_or_default()
    }

    /// A CLA's flags as the view sees them (the returned record holds no check-ins): folded
    /// from the flag events alone.
    pub fn flags_only(&self, staff_id: &str, view: &View) -> Risk {
        self.read()
            .flag_events
            .get(staff_id)
            .map(|t| fold_decider::<RiskDecider>(t, view))
            .unwrap_or_default()
    }

    /// How many check-ins a CLA made after `after` up to `until` (days, by when they were made)
    /// that the view sees.
    pub fn check_ins_between(
        &self,
        staff_id: &str,
        after: NaiveDate,
        until: NaiveDate,
        view: &View,
    ) -> u32 {
        let s = self.read();
        let Some(list) = s.check_ins.get(staff_id) else {
            return 0;
        };
        let start = after
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        let from = start.map_or(list.len(), |t| list.partition_point(|(at, _)| *at < t));
        list[from..]
            .iter()
            .take_while(|(at, _)| at.date_naive() <= until)
            .filter(|(_, stamp)| view.sees(stamp))
            .count() as u32
    }

    /// A CLA's last check-in that the view sees.
    pub fn last_check_in(&self, staff_id: &str, view: &View) -> Option<DateTime<Utc>> {
        self.read()
            .check_ins
            .get(staff_id)?
            .iter()
            .rev()
            .find(|(_, stamp)| view.sees(stamp))
            .map(|(at, _)| *at)
    }

    /// The CLAs with a flag raised in a mission, by staff id.
    pub fn staff_with_flags(&self, mission: &str) -> Vec<String> {
        self.read()
            .missions
            .get(mission)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every CLA with a risk record, by staff id.
    pub fn staff_ids(&self) -> Vec<String> {
        self.read().risks.keys().cloned().collect()
    }

    pub fn staff_of_flag(&self, flag_id: &str) -> Option<String> {
        self.read().flag_staff.get(flag_id).cloned()
    }

    pub fn mission_of_flag(&self, flag_id: &str) -> Option<String> {
        self.read().flag_mission.get(flag_id).cloned()
    }

    pub fn timeline(&self, flag_id: &str, view: &View) -> Vec<TimelineEntry> {
        let mut out: Vec<TimelineEntry> = self
            .read()
            .timelines
            .get(flag_id)
            .into_iter()
            .flatten()
            .filter(|t| view.sees(&t.stamp))
            .cloned()
            .collect();
        out.sort_by_key(|t| (t.effective, t.stamp.position));
        out
    }
}

fn flag_of(event: &RiskEvent) -> Option<&str> {
    use RiskEvent as E;
    Some(match event {
        E::RiskFlagRaised(e) => &e.flag_id,
        E::RiskFlagSeverityChanged(e) => &e.flag_id,
        E::MitigationAdded(e) => &e.flag_id,
        E::RiskFlagReviewed(e) => &e.flag_id,
        E::RiskFlagClosed(e) => &e.flag_id,
        E::RiskReviewOverdue(e) => &e.flag_id,
        E::CheckInRecorded(_) => return None,
    })
}

impl Projection for RiskView {
    fn name(&self) -> &'static str {
        "risk"
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(staff_id) = recorded.stream.as_str().strip_prefix("risk-") else {
            return;
        };
        let Some(event) = decode_recorded::<RiskEvent>(recorded) else {
            return;
        };
        let stamp = Stamp::of(recorded);
        let mut s = self.state.write().expect("risk view lock");
        if let RiskEvent::RiskFlagRaised(e) = &event {
            s.flag_staff.insert(e.flag_id.clone(), staff_id.to_string());
            s.flag_mission
                .insert(e.flag_id.clone(), e.mission_code.clone());
            s.missions
                .entry(e.mission_code.clone())
                .or_default()
                .insert(staff_id.to_string());
        }
        if let Some(flag) = flag_of(&event) {
            s.timelines
                .entry(flag.to_string())
                .or_default()
                .push(TimelineEntry {
                    event_type: recorded.event_type.to_string(),
                    effective: recorded.metadata.effective,
                    recorded: recorded.recorded,
                    actor_id: recorded.metadata.actor.id.clone(),
                    actor_role: recorded.metadata.actor.role.clone(),
                    stamp,
                });
        }
        if let RiskEvent::CheckInRecorded(e) = &event {
            if let Ok(at) = DateTime::parse_from_rfc3339(&e.at) {
                let at = at.to_utc();
                let list = s.check_ins.entry(staff_id.to_string()).or_default();
                let i = list.partition_point(|(t, _)| *t <= at);
                list.insert(i, (at, stamp));
            }
        } else {
            s.flag_events
                .entry(staff_id.to_string())
                .or_default()
                .insert(stamp, event.clone());
        }
        s.risks
            .entry(staff_id.to_string())
            .or_default()
            .insert(stamp, event);
    }
}
