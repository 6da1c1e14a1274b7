//! What is true in alerts: each mission's alerts of the watch, folded from its alerts stream, and
//! the alert as a domain struct (the watch's and the risk alerts alike).

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use cla_contracts::EventContract;
use cla_event_store::{Position, RecordedEvent};
use cla_platform::codec::decode_recorded;
use cla_platform::graphql::{Date, date};
use cla_platform::projection::Projection;
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};
use cla_risk::events::{Category, Severity};
// The risk enums are reused for the schema's output only.
use cla_risk::events::contract as risk_contract;
use cla_risk::graphql::{CategoryValue, SeverityValue};
use cla_risk::projections::RiskAlertKind;
use uuid::Uuid;

use crate::decider::{ActiveAlert, AlertsDecider};
use crate::events::{AlertEvent, AlertKind, STREAM_PREFIX};

// Every kind of alert (DESIGN.md §4); the GraphQL enum `AlertKind`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AlertKind")]
pub enum Kind {
    BaseBelowMinimum,
    /// An open base with no CLA present.
    BaseEmpty,
    /// Within the next 30 days.
    ForecastGap,
    RiskFlagRaised,
    RiskFlagEscalated,
    MissedCheckIn,
    RotationDue,
    /// Within 60 days.
    AppointmentEnding,
    ReviewOverdue,
    ManagerOverSpan,
    BaseNotVisited,
}

impl Kind {
    /// The kind of an alert of the watch.
    pub fn of_watch(kind: AlertKind) -> Option<Self> {
        Some(match kind {
            AlertKind::Unspecified => return None,
            AlertKind::BaseBelowMinimum => Self::BaseBelowMinimum,
            AlertKind::BaseEmpty => Self::BaseEmpty,
            AlertKind::ForecastGap => Self::ForecastGap,
            AlertKind::RotationDue => Self::RotationDue,
            AlertKind::AppointmentEnding => Self::AppointmentEnding,
            AlertKind::ManagerOverSpan => Self::ManagerOverSpan,
            AlertKind::BaseNotVisited => Self::BaseNotVisited,
        })
    }

    pub fn of_risk(kind: RiskAlertKind) -> Self {
        match kind {
            RiskAlertKind::RiskFlagRaised => Self::RiskFlagRaised,
            RiskAlertKind::RiskFlagEscalated => Self::RiskFlagEscalated,
            RiskAlertKind::MissedCheckIn => Self::MissedCheckIn,
            RiskAlertKind::ReviewOverdue => Self::ReviewOverdue,
        }
    }

    /// What an alert of this kind is about.
    pub fn subject(self) -> Subject {
        match self {
            Self::BaseBelowMinimum | Self::BaseEmpty | Self::ForecastGap | Self::BaseNotVisited => {
                Subject::Base
            }
            Self::RotationDue | Self::AppointmentEnding => Subject::StaffMember,
            Self::ManagerOverSpan => Subject::Manager,
            Self::RiskFlagRaised
            | Self::RiskFlagEscalated
            | Self::MissedCheckIn
            | Self::ReviewOverdue => Subject::RiskFlag,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AlertSubject")]
pub enum Subject {
    Base,
    StaffMember,
    Manager,
    RiskFlag,
}

/// Something a mission must see to. `subjectId` names what it is about (see `subject`); for a
/// risk flag it, `staffId` and `flagId` are null for those who see counts only (MISSION_HR,
/// HQ_REVIEWER).
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Alert {
    /// Unique: an alert of the watch, or the risk event that raised it.
    pub alert_id: String,
    pub kind: Kind,
    pub mission_code: String,
    pub subject: Subject,
    pub subject_id: Option<String>,
    pub base_id: Option<String>,
    pub staff_id: Option<String>,
    pub manager_id: Option<String>,
    pub flag_id: Option<String>,
    /// Risk alerts: the flag's severity and category.
    #[graphql(
        skip,
        derived(
            name = "severity",
            into = "Option<SeverityValue>",
            with = "SeverityValue::of",
            owned = true
        )
    )]
    pub severity: Option<Severity>,
    #[graphql(
        skip,
        derived(
            name = "category",
            into = "Option<CategoryValue>",
            with = "CategoryValue::of",
            owned = true
        )
    )]
    pub category: Option<Category>,
    /// The date it is about: the first day of a forecast gap, the day a rotation fell due, the
    /// day an appointment ends, the last field visit.
    #[graphql(
        skip,
        derived(name = "on", into = "Option<Date>", with = "date", owned = true)
    )]
    pub on: Option<NaiveDate>,
    /// What was observed, for people.
    pub detail: String,
    /// When it was raised (recorded).
    pub at: DateTime<Utc>,
}

/// An alert of the watch, as raised. Nothing in it is restricted.
pub fn watch_alert(mission: &str, alert: &ActiveAlert, at: DateTime<Utc>) -> Option<Alert> {
    let kind = Kind::of_watch(alert.condition.kind)?;
    let subject = kind.subject();
    let id = alert.condition.subject_id.clone();
    Some(Alert {
        alert_id: alert.alert_id.clone(),
        kind,
        mission_code: mission.to_string(),
        subject,
        subject_id: Some(id.clone()),
        base_id: Some(alert.condition.base_id.clone()).filter(|b| !b.is_empty()),
        staff_id: (subject == Subject::StaffMember).then(|| id.clone()),
        manager_id: (subject == Subject::Manager).then_some(id),
        flag_id: None,
        severity: None,
        category: None,
        on: alert.condition.on,
        detail: alert.condition.detail.clone(),
        at,
    })
}

#[derive(Default)]
struct State {
    missions: BTreeMap<String, Timeline<AlertEvent>>,
    raised_at: HashMap<String, DateTime<Utc>>,
    /// Where in the log each alert was raised, by its id: the watch's by `alert_id`, the risk
    /// alerts by the id of the risk event (a subscriber resumes after one).
    positions: HashMap<Uuid, Position>,
}

/// Each mission's alerts of the watch, folded from its alerts stream, and the log position of
/// every alert (the watch's and the risk alerts alike).
#[derive(Default)]
pub struct AlertsView {
    state: RwLock<State>,
}

/// The stored types of the risk events that may raise an alert (see
/// [`cla_risk::projections::risk_alert`]).
const RISK_ALERT_TYPES: [&str; 3] = [
    <risk_contract::RiskFlagRaised as EventContract>::TYPE_NAME,
    <risk_contract::RiskFlagSeverityChanged as EventContract>::TYPE_NAME,
    <risk_contract::RiskReviewOverdue as EventContract>::TYPE_NAME,
];

/// Whether a recorded event may be a risk alert: a risk event of a type that raises one.
fn may_be_risk_alert(recorded: &RecordedEvent) -> bool {
    recorded
        .stream
        .as_str()
        .starts_with(cla_risk::events::STREAM_PREFIX)
        && RISK_ALERT_TYPES.contains(&recorded.event_type.as_str())
}

impl AlertsView {
    /// The alerts active in a mission as a view sees them, oldest first.
    pub fn active(&self, mission: &str, view: &View) -> Vec<Alert> {
        let s = self.state.read().expect("alerts view lock");
        let Some(timeline) = s.missions.get(mission) else {
            return Vec::new();
        };
        let mut out: Vec<Alert> = fold_decider::<AlertsDecider>(timeline, view)
            .active
            .values()
            .filter_map(|a| {
                let at = s.raised_at.get(&a.alert_id).copied()?;
                watch_alert(mission, a, at)
            })
            .collect();
        out.sort_by(|a, b| (a.at, &a.alert_id).cmp(&(b.at, &b.alert_id)));
        out
    }

    /// How many alerts are active now, by kind, over every mission (for the metrics: no
    /// mission, no person).
    pub fn active_by_kind(&self) -> BTreeMap<String, u64> {
        let missions: Vec<String> = {
            let s = self.state.read().expect("alerts view lock");
            s.missions.keys().cloned().collect()
        };
        let mut counts = BTreeMap::new();
        for mission in missions {
            for alert in self.active(&mission, &View::now()) {
                *counts.entry(kind_label(alert.kind)).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The log position of the event that raised the alert `alert_id`, if it is one: what it is
    /// and who may see it, the caller reads at that position.
    pub fn position_of(&self, alert_id: &Uuid) -> Option<Position> {
        let s = self.state.read().expect("alerts view lock");
        s.positions.get(alert_id).copied()
    }
}

/// `BaseBelowMinimum` as `base_below_minimum`.
fn kind_label(kind: Kind) -> String {
    let mut label = String::new();
    for (i, c) in format!("{kind:?}").chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            label.push('_');
        }
        label.push(c.to_ascii_lowercase());
    }
    label
}

impl Projection for AlertsView {
    fn name(&self) -> &'static str {
        "alerts"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !event.stream.as_str().starts_with(STREAM_PREFIX) && !may_be_risk_alert(event)
    }

    fn apply(&self, recorded: &RecordedEvent) {
        if may_be_risk_alert(recorded) {
            let mut s = self.state.write().expect("alerts view lock");
            s.positions.insert(recorded.id, recorded.position);
            return;
        }
        let Some(mission) = recorded.stream.as_str().strip_prefix(STREAM_PREFIX) else {
            return;
        };
        let Some(event) = decode_recorded::<AlertEvent>(recorded) else {
            return;
        };
        let mut s = self.state.write().expect("alerts view lock");
        if let AlertEvent::AlertRaised(e) = &event {
            s.raised_at.insert(e.alert_id.clone(), recorded.recorded);
            if let Ok(id) = Uuid::parse_str(&e.alert_id) {
                s.positions.insert(id, recorded.position);
            }
        }
        s.missions
            .entry(mission.to_string())
            .or_default()
            .insert(Stamp::of(recorded), event);
    }
}
