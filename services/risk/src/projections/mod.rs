//! What is true in risk and welfare, as of any date and as known at any time: each CLA's flags
//! (folded with the decider's own `evolve`), each flag's timeline, and when each CLA checked in;
//! and the read computations on them, returning domain structs:
//!
//! - `register.rs` — a mission's open flags and their counts (the register, the board, the HQ
//!   review);
//! - `compliance.rs` — check-ins made and periods missed, by base, field office and mission;
//! - `alert.rs` — the alert a risk event raises.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;
use cla_platform::snapshot::{self, Reader, SnapshotError, Writer};
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};

use crate::decider::{Risk, RiskDecider};
use crate::events::RiskEvent;

mod alert;
mod compliance;
mod register;
#[cfg(test)]
mod specs;

pub use alert::{RiskAlert, RiskAlertKind, risk_alert};
pub use compliance::{
    CheckInCounts, ComplianceCounts, PlaceCompliance, check_in_compliance, compliance_by_base,
    mission_check_ins,
};
pub use register::{
    FlagFilter, RegisterCounts, SeverityCounts, open_flag_counts, open_flags, open_flags_by_base,
    people_by_base, register_counts,
};

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

const CHECK_IN_RECORDED: &str =
    <crate::events::contract::CheckInRecorded as cla_contracts::EventContract>::TYPE_NAME;
const CLA_DEPLOYED: &str =
    <cla_contracts::cla::staffing::v1::ClaDeployed as cla_contracts::EventContract>::TYPE_NAME;
const ROTATION_COMPLETED: &str =
    <cla_contracts::cla::staffing::v1::RotationCompleted as cla_contracts::EventContract>::TYPE_NAME;

/// A CLA's check-ins as the read model keeps them, in order of when they were made: three
/// columns, 20 bytes a check-in. Years of daily check-ins are most of a mission's history; nothing
/// else of them is read.
#[derive(Default)]
struct Marks {
    /// When each was made (seconds since the epoch), ascending.
    at: Vec<i64>,
    /// When each was recorded (microseconds since the epoch).
    recorded: Vec<i64>,
    /// Each one's effective date (days since 1970-01-01).
    effective: Vec<i32>,
}

/// What a view sees of a check-in, in the marks' own units.
struct Sees {
    as_of: i32,
    known_at: i64,
}

impl Sees {
    fn of(view: &View) -> Self {
        Self {
            as_of: snapshot::days(view.as_of),
            known_at: view.known_at.map_or(i64::MAX, |t| t.timestamp_micros()),
        }
    }
}

impl Marks {
    fn with_capacity(n: usize) -> Self {
        Self {
            at: Vec::with_capacity(n),
            recorded: Vec::with_capacity(n),
            effective: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.at.len()
    }

    /// Adds a check-in in its place by when it was made (nearly always the last).
    fn add(&mut self, at: i64, recorded: i64, effective: i32) {
        if self.at.last().is_none_or(|&last| last <= at) {
            self.at.push(at);
            self.recorded.push(recorded);
            self.effective.push(effective);
        } else {
            let i = self.at.partition_point(|&a| a <= at);
            self.at.insert(i, at);
            self.recorded.insert(i, recorded);
            self.effective.insert(i, effective);
        }
    }

    /// The index of the first check-in made at or after `t` (`at.partition_point(|&a| a < t)`).
    ///
    /// Check-ins come about daily, so where `t` falls is well guessed from the first and last:
    /// the search starts at the guess and widens from there (1, 2, 4, … places), touching a few
    /// nearby cache lines instead of halving years of history from the middle. Whatever the
    /// spacing, the answer is exact, in at most twice a binary search's steps.
    fn first_from(&self, t: i64) -> usize {
        let at = &self.at;
        let (Some(&first), Some(&last)) = (at.first(), at.last()) else {
            return 0;
        };
        if t <= first {
            return 0;
        }
        if t > last {
            return at.len();
        }
        // first < t <= last, so the answer is in 1..len.
        let share = (t as f64 - first as f64) / (last as f64 - first as f64);
        let guess = (share * (at.len() - 1) as f64) as usize;
        let guess = guess.clamp(1, at.len() - 1);
        // Bracket lo..=hi with at[lo - 1] < t <= at[hi], then halve the bracket.
        let (mut lo, mut hi) = if at[guess] < t {
            let mut step = 1;
            let mut lo = guess + 1;
            loop {
                let probe = (guess + step).min(at.len() - 1);
                if at[probe] >= t {
                    break (lo, probe);
                }
                lo = probe + 1;
                step *= 2;
            }
        } else {
            let mut step = 1;
            let mut hi = guess;
            loop {
                let probe = guess.saturating_sub(step).max(1);
                if at[probe - 1] < t {
                    break (probe, hi);
                }
                hi = probe - 1;
                step *= 2;
            }
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if at[mid] < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn seen(&self, i: usize, sees: &Sees) -> bool {
        self.effective[i] <= sees.as_of && self.recorded[i] <= sees.known_at
    }
}

#[derive(Default)]
struct State {
    flag_staff: HashMap<String, String>,
    flag_mission: HashMap<String, String>,
    timelines: HashMap<String, Vec<TimelineEntry>>,
    /// Staff ids by mission (from the flags raised; check-ins only name the CLA).
    missions: HashMap<String, std::collections::BTreeSet<String>>,
    /// Each CLA's events but check-ins: what their flags are folded from, without walking years
    /// of daily check-ins.
    flag_events: BTreeMap<String, Timeline<RiskEvent>>,
    /// Each CLA's check-ins by when they were made, in order, for counts over a window.
    check_ins: HashMap<String, Marks>,
    /// When each deployment was recorded, by deployment id: a CLA with no check-in yet is not
    /// due before the system learnt where they were.
    deployments_recorded: HashMap<String, DateTime<Utc>>,
}

#[derive(Default)]
pub struct RiskView {
    state: RwLock<State>,
}

impl RiskView {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().expect("risk view lock")
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
        let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
        let Some(start) = after.succ_opt().and_then(day_start) else {
            return 0;
        };
        let end = until.succ_opt().and_then(day_start).unwrap_or(i64::MAX);
        let sees = Sees::of(view);
        (list.first_from(start)..list.len())
            .take_while(|&i| list.at[i] < end)
            .filter(|&i| list.seen(i, &sees))
            .count() as u32
    }

    /// When the deployment `id` was recorded (its start, or the rotation that began it).
    pub fn deployment_recorded(&self, id: &str) -> Option<DateTime<Utc>> {
        self.read().deployments_recorded.get(id).copied()
    }

    /// A CLA's last check-in that the view sees.
    pub fn last_check_in(&self, staff_id: &str, view: &View) -> Option<DateTime<Utc>> {
        let s = self.read();
        let list = s.check_ins.get(staff_id)?;
        let sees = Sees::of(view);
        let i = (0..list.len()).rev().find(|&i| list.seen(i, &sees))?;
        DateTime::from_timestamp(list.at[i], 0)
    }

    /// The CLAs with a flag raised in a mission, by staff id.
    pub fn staff_with_flags(&self, mission: &str) -> Vec<String> {
        self.read()
            .missions
            .get(mission)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every CLA with a flag, by staff id.
    pub fn staff_ids(&self) -> Vec<String> {
        self.read().flag_events.keys().cloned().collect()
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

impl RiskView {
    /// Notes when a deployment began to be known: `ClaDeployed` and `RotationCompleted` (its
    /// new deployment), their id alone read.
    fn apply_deployment(&self, recorded: &RecordedEvent) {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Begun<'a> {
            #[serde(borrow, default)]
            deployment_id: Option<std::borrow::Cow<'a, str>>,
            #[serde(borrow, default)]
            new_deployment_id: Option<std::borrow::Cow<'a, str>>,
        }
        let kind = recorded.event_type.as_str();
        if kind != CLA_DEPLOYED && kind != ROTATION_COMPLETED {
            return;
        }
        let Ok(begun) = serde_json::from_slice::<Begun>(&recorded.data) else {
            return;
        };
        let id = if kind == CLA_DEPLOYED {
            begun.deployment_id
        } else {
            begun.new_deployment_id
        };
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            self.state
                .write()
                .expect("risk view lock")
                .deployments_recorded
                .entry(id.into_owned())
                .or_insert(recorded.recorded);
        }
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
        E::MissedCheckInsCounted(e) => &e.flag_id,
        E::CheckInRecorded(_) => return None,
    })
}

impl Projection for RiskView {
    fn name(&self) -> &'static str {
        "risk"
    }

    /// Check-ins are kept in the snapshot's own part: only their marks are read. Of other
    /// contexts, only the events that begin a deployment are read (when they were recorded).
    fn spares(&self, event: &RecordedEvent) -> bool {
        let kind = event.event_type.as_str();
        if event.stream.as_str().starts_with("risk-") {
            kind == CHECK_IN_RECORDED
        } else {
            kind != CLA_DEPLOYED && kind != ROTATION_COMPLETED
        }
    }

    fn save(&self) -> Vec<u8> {
        let s = self.read();
        let mut w = Writer::default();
        w.u64(s.check_ins.len() as u64);
        for (staff, marks) in &s.check_ins {
            w.str(staff);
            w.u64(marks.len() as u64);
            for i in 0..marks.len() {
                w.i64(marks.at[i]);
                w.i64(marks.recorded[i]);
                w.i32(marks.effective[i]);
            }
        }
        w.bytes
    }

    fn restore(&self, part: &[u8]) -> Result<(), SnapshotError> {
        let mut r = Reader::new(part);
        let staff = r.u64()?;
        let mut check_ins = HashMap::with_capacity(staff.min(1 << 20) as usize);
        for _ in 0..staff {
            let id = r.str()?.to_string();
            let n = r.u64()?;
            let mut marks = Marks::with_capacity(n.min(1 << 24) as usize);
            for _ in 0..n {
                let (at, recorded, effective) = (r.i64()?, r.i64()?, r.i32()?);
                marks.at.push(at);
                marks.recorded.push(recorded);
                marks.effective.push(effective);
            }
            check_ins.insert(id, marks);
        }
        if !r.is_empty() {
            return Err(SnapshotError::Damaged(
                "the risk part has bytes after its end",
            ));
        }
        self.state.write().expect("risk view lock").check_ins = check_ins;
        Ok(())
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(staff_id) = recorded.stream.as_str().strip_prefix("risk-") else {
            self.apply_deployment(recorded);
            return;
        };
        if recorded.event_type.as_str() == CHECK_IN_RECORDED {
            // Only when it was made is kept: read that field alone.
            #[derive(serde::Deserialize)]
            struct Made<'a> {
                #[serde(borrow)]
                at: std::borrow::Cow<'a, str>,
            }
            let made = serde_json::from_slice::<Made>(&recorded.data)
                .ok()
                .and_then(|m| DateTime::parse_from_rfc3339(&m.at).ok());
            let Some(at) = made else {
                tracing::error!(
                    position = recorded.position.0,
                    "a check-in without a readable time; skipped"
                );
                return;
            };
            let (at, effective) = (at.timestamp(), snapshot::days(recorded.metadata.effective));
            let recorded = recorded.recorded.timestamp_micros();
            let mut s = self.state.write().expect("risk view lock");
            let list = match s.check_ins.get_mut(staff_id) {
                Some(list) => list,
                None => s.check_ins.entry(staff_id.to_string()).or_default(),
            };
            list.add(at, recorded, effective);
            return;
        }
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
        s.flag_events
            .entry(staff_id.to_string())
            .or_default()
            .insert(stamp, event);
    }
}

#[cfg(test)]
mod tests {
    use super::Marks;

    /// `first_from` agrees with a plain binary search on daily, irregular, clustered and repeated
    /// times, for every time in and around them.
    #[test]
    fn the_guided_search_finds_what_a_binary_search_finds() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut shapes: Vec<Vec<i64>> = vec![
            vec![],
            vec![5],
            vec![5, 5, 5],
            (0..500).map(|d| d * 86_400 + 3_600).collect(),
        ];
        // Daily with missed days, late ones and bursts, then a long silence and a burst.
        let mut t = 0i64;
        let mut irregular = Vec::new();
        for _ in 0..2_000 {
            t += match next(10) {
                0 => 0,
                1 => 86_400 * (1 + next(40) as i64),
                _ => 86_400 + next(7_200) as i64,
            };
            irregular.push(t);
        }
        t += 86_400 * 3_000;
        irregular.extend((0..300).map(|i| t + i));
        shapes.push(irregular);
        for at in shapes {
            let marks = Marks {
                recorded: vec![0; at.len()],
                effective: vec![0; at.len()],
                at: at.clone(),
            };
            let mut probes: Vec<i64> = at.iter().flat_map(|&a| [a - 1, a, a + 1]).collect();
            probes.extend([i64::MIN, -1, 0, i64::MAX]);
            for _ in 0..2_000 {
                probes.push(next(at.last().map_or(10, |&l| l as u64 + 10)) as i64);
            }
            for t in probes {
                assert_eq!(
                    marks.first_from(t),
                    at.partition_point(|&a| a < t),
                    "at {t} in {} times",
                    at.len()
                );
            }
        }
    }
}
