//! Alerts in the GraphQL schema: the alerts active in a mission (with `asOf` and `knownAt`), and
//! the `alerts` subscription, which carries every kind of DESIGN.md §4 — the watch's (see
//! [`crate::monitor`]) and the risk alerts, which are risk events themselves. Each arrives once,
//! when it is recorded. Every reader of a mission gets its alerts; whose risk flag an alert is
//! about goes only to those who see risk detail (CIVIL_AFFAIRS of the mission, ADMIN).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use async_graphql::{Context, Enum, Object, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::access::{MissionGuard, check_mission, principal};
use cla_platform::clock::Clock;
use cla_platform::codec::decode_recorded;
use cla_platform::graphql::Date;
use cla_platform::projection::Projection;
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};
use cla_platform::{AppError, Role};
use cla_risk::RiskView;
use cla_risk::graphql::{CategoryValue, DETAIL_ROLES, RiskAlertKind, SeverityValue, risk_alert};
use futures::{Stream, StreamExt};

use crate::decider::{ActiveAlert, AlertsDecider};
use crate::events::{AlertEvent, AlertKind, STREAM_PREFIX};

const READERS: &[Role] = &Role::ALL;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AlertKind")]
pub enum AlertKindValue {
    BaseBelowMinimum,
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

impl AlertKindValue {
    fn of(kind: AlertKind) -> Option<Self> {
        Some(match kind {
            AlertKind::Unspecified => return None,
            AlertKind::BaseBelowMinimum => Self::BaseBelowMinimum,
            AlertKind::ForecastGap => Self::ForecastGap,
            AlertKind::RotationDue => Self::RotationDue,
            AlertKind::AppointmentEnding => Self::AppointmentEnding,
            AlertKind::ManagerOverSpan => Self::ManagerOverSpan,
            AlertKind::BaseNotVisited => Self::BaseNotVisited,
        })
    }

    fn of_risk(kind: RiskAlertKind) -> Self {
        match kind {
            RiskAlertKind::RiskFlagRaised => Self::RiskFlagRaised,
            RiskAlertKind::RiskFlagEscalated => Self::RiskFlagEscalated,
            RiskAlertKind::MissedCheckIn => Self::MissedCheckIn,
            RiskAlertKind::ReviewOverdue => Self::ReviewOverdue,
        }
    }

    /// What an alert of this kind is about.
    pub fn subject(self) -> AlertSubject {
        match self {
            Self::BaseBelowMinimum | Self::ForecastGap | Self::BaseNotVisited => AlertSubject::Base,
            Self::RotationDue | Self::AppointmentEnding => AlertSubject::StaffMember,
            Self::ManagerOverSpan => AlertSubject::Manager,
            Self::RiskFlagRaised
            | Self::RiskFlagEscalated
            | Self::MissedCheckIn
            | Self::ReviewOverdue => AlertSubject::RiskFlag,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AlertSubject {
    Base,
    StaffMember,
    Manager,
    RiskFlag,
}

/// Something a mission must see to. `subjectId` names what it is about (see `subject`); for a
/// risk flag it, `staffId` and `flagId` are null for those who see counts only (MISSION_HR,
/// HQ_REVIEWER).
#[derive(SimpleObject, Clone, Debug)]
pub struct Alert {
    /// Unique: an alert of the watch, or the risk event that raised it.
    pub alert_id: String,
    pub kind: AlertKindValue,
    pub mission_code: String,
    pub subject: AlertSubject,
    pub subject_id: Option<String>,
    pub base_id: Option<String>,
    pub staff_id: Option<String>,
    pub manager_id: Option<String>,
    pub flag_id: Option<String>,
    /// Risk alerts: the flag's severity and category.
    pub severity: Option<SeverityValue>,
    pub category: Option<CategoryValue>,
    /// The date it is about: the first day of a forecast gap, the day a rotation fell due, the
    /// day an appointment ends, the last field visit.
    pub on: Option<Date>,
    /// What was observed, for people.
    pub detail: String,
    /// When it was raised (recorded).
    pub at: DateTime<Utc>,
}

/// An alert of the watch, as raised.
fn watch_alert(mission: &str, alert: &ActiveAlert, at: DateTime<Utc>) -> Option<Alert> {
    let kind = AlertKindValue::of(alert.condition.kind)?;
    let subject = kind.subject();
    let id = alert.condition.subject_id.clone();
    Some(Alert {
        alert_id: alert.alert_id.clone(),
        kind,
        mission_code: mission.to_string(),
        subject,
        subject_id: Some(id.clone()),
        base_id: Some(alert.condition.base_id.clone()).filter(|b| !b.is_empty()),
        staff_id: (subject == AlertSubject::StaffMember).then(|| id.clone()),
        manager_id: (subject == AlertSubject::Manager).then_some(id),
        flag_id: None,
        severity: None,
        category: None,
        on: alert.condition.on.map(Date),
        detail: alert.condition.detail.clone(),
        at,
    })
}

#[derive(Default)]
struct State {
    missions: BTreeMap<String, Timeline<AlertEvent>>,
    raised_at: HashMap<String, DateTime<Utc>>,
}

/// Each mission's alerts of the watch, folded from its alerts stream.
#[derive(Default)]
pub struct AlertsView {
    state: RwLock<State>,
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
}

impl Projection for AlertsView {
    fn name(&self) -> &'static str {
        "alerts"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !event.stream.as_str().starts_with(STREAM_PREFIX)
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(mission) = recorded.stream.as_str().strip_prefix(STREAM_PREFIX) else {
            return;
        };
        let Some(event) = decode_recorded::<AlertEvent>(recorded) else {
            return;
        };
        let mut s = self.state.write().expect("alerts view lock");
        if let AlertEvent::AlertRaised(e) = &event {
            s.raised_at.insert(e.alert_id.clone(), recorded.recorded);
        }
        s.missions
            .entry(mission.to_string())
            .or_default()
            .insert(Stamp::of(recorded), event);
    }
}

#[derive(Default)]
pub struct AlertsQuery;

#[Object]
impl AlertsQuery {
    /// The alerts of the watch active in a mission (base below minimum, forecast gap, rotation
    /// due, appointment ending, manager over span, base not visited), oldest first: as of a date
    /// (default today), as known at a moment (default now). Risk alerts live on as open flags:
    /// see the risk register.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn active_alerts(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        kinds: Option<Vec<AlertKindValue>>,
    ) -> async_graphql::Result<Vec<Alert>> {
        let today = ctx.data_unchecked::<Arc<dyn Clock>>().now().date_naive();
        let view = View {
            as_of: as_of.map_or(today, |d| d.0),
            known_at,
        };
        Ok(ctx
            .data_unchecked::<Arc<AlertsView>>()
            .active(&mission_code, &view)
            .into_iter()
            .filter(|a| kinds.as_ref().is_none_or(|k| k.contains(&a.kind)))
            .collect())
    }
}

#[derive(Default)]
pub struct AlertsSubscription;

/// The alert a recorded event raises, as `who` may see it.
fn alert_of(
    recorded: &RecordedEvent,
    risk: &RiskView,
    who: &cla_platform::access::Principal,
) -> Option<Alert> {
    if let Some(mission) = recorded.stream.as_str().strip_prefix(STREAM_PREFIX) {
        let AlertEvent::AlertRaised(e) = decode_recorded::<AlertEvent>(recorded)? else {
            return None;
        };
        if !who.can_read(mission) {
            return None;
        }
        let active = ActiveAlert {
            alert_id: e.alert_id.clone(),
            condition: crate::decider::Condition {
                kind: AlertKind::try_from(e.kind).ok()?,
                subject_id: e.subject_id,
                base_id: e.base_id,
                on: e.on.parse::<NaiveDate>().ok(),
                detail: e.detail,
            },
            since: recorded.metadata.effective,
        };
        return watch_alert(mission, &active, recorded.recorded);
    }
    let r = risk_alert(risk, recorded)?;
    if !who.can_read(&r.mission_code) {
        return None;
    }
    let detail = who.holds_for(&r.mission_code, DETAIL_ROLES);
    let kind = AlertKindValue::of_risk(r.kind);
    let describe = format!(
        "{} flag{}{}",
        r.severity.map_or("", |s| s
            .to_domain()
            .as_str_name()
            .trim_start_matches("SEVERITY_")),
        r.category.map_or(String::new(), |c| format!(
            " ({})",
            c.to_domain().as_str_name().trim_start_matches("CATEGORY_")
        )),
        r.base_id
            .as_ref()
            .map_or(String::new(), |b| format!(" at base {b}")),
    );
    Some(Alert {
        alert_id: recorded.id.to_string(),
        kind,
        mission_code: r.mission_code,
        subject: AlertSubject::RiskFlag,
        subject_id: detail.then(|| r.flag_id.clone()),
        base_id: r.base_id,
        staff_id: detail.then_some(r.staff_id),
        manager_id: None,
        flag_id: detail.then_some(r.flag_id),
        severity: r.severity,
        category: r.category,
        on: Some(Date(recorded.metadata.effective)),
        detail: describe.trim().to_string(),
        at: recorded.recorded,
    })
}

#[Subscription]
impl AlertsSubscription {
    /// Alerts from now on, each once, as it is raised: for the given mission or every mission
    /// in the caller's scope, of the given kinds or all.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        mission_code: Option<String>,
        kinds: Option<Vec<AlertKindValue>>,
    ) -> async_graphql::Result<impl Stream<Item = Alert> + use<>> {
        let who = principal(ctx)?.clone();
        if let Some(m) = &mission_code {
            check_mission(&who, m, READERS)?;
        }
        if kinds.as_ref().is_some_and(|k| k.is_empty()) {
            return Err(
                AppError::validation("kinds", "name at least one kind, or none for all").into(),
            );
        }
        let risk = Arc::clone(ctx.data_unchecked::<Arc<RiskView>>());
        let changes = ctx.data_unchecked::<cla_platform::Runtime>().hub.changes();
        let feed = futures::stream::unfold(changes, |mut changes| async move {
            loop {
                match changes.recv().await {
                    Ok(event) => return Some((event, changes)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "an alerts subscriber fell behind")
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(feed.filter_map(move |recorded| {
            let alert = alert_of(&recorded, &risk, &who).filter(|a| {
                mission_code.as_ref().is_none_or(|m| *m == a.mission_code)
                    && kinds.as_ref().is_none_or(|k| k.contains(&a.kind))
            });
            async move { alert }
        }))
    }
}
