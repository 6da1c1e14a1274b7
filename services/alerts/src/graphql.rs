//! Alerts in the GraphQL schema: the alerts active in a mission (with `asOf` and `knownAt`), and
//! the `alerts` subscription, which carries every kind of DESIGN.md §4 — the watch's (see
//! [`crate::monitor`]) and the risk alerts, which are risk events themselves. Each arrives once,
//! when it is recorded. Mapping only: [`AlertsApp`] decides which missions a caller hears of, and
//! that whose risk flag an alert is about goes only to those who see risk detail (CIVIL_AFFAIRS of
//! the mission, ADMIN).

use async_graphql::{Context, Enum, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use cla_platform::access::{MissionGuard, principal};
use cla_platform::graphql::Date;
// The risk enums are reused for the schema's output only.
use cla_risk::graphql::{CategoryValue, SeverityValue};
use futures::{Stream, StreamExt};

use crate::app::{AlertsApp, READERS};
use crate::projections::{self, Kind, Subject};

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

macro_rules! kinds {
    ($($variant:ident),*) => {
        impl AlertKindValue {
            fn of(kind: Kind) -> Self {
                match kind { $(Kind::$variant => Self::$variant),* }
            }
            fn to_domain(self) -> Kind {
                match self { $(Self::$variant => Kind::$variant),* }
            }
        }
    };
}

kinds!(
    BaseBelowMinimum,
    ForecastGap,
    RiskFlagRaised,
    RiskFlagEscalated,
    MissedCheckIn,
    RotationDue,
    AppointmentEnding,
    ReviewOverdue,
    ManagerOverSpan,
    BaseNotVisited
);

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AlertSubject {
    Base,
    StaffMember,
    Manager,
    RiskFlag,
}

impl From<Subject> for AlertSubject {
    fn from(s: Subject) -> Self {
        match s {
            Subject::Base => Self::Base,
            Subject::StaffMember => Self::StaffMember,
            Subject::Manager => Self::Manager,
            Subject::RiskFlag => Self::RiskFlag,
        }
    }
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

impl From<projections::Alert> for Alert {
    fn from(a: projections::Alert) -> Self {
        Self {
            alert_id: a.alert_id,
            kind: AlertKindValue::of(a.kind),
            mission_code: a.mission_code,
            subject: a.subject.into(),
            subject_id: a.subject_id,
            base_id: a.base_id,
            staff_id: a.staff_id,
            manager_id: a.manager_id,
            flag_id: a.flag_id,
            severity: a.severity.and_then(SeverityValue::from_domain),
            category: a.category.and_then(CategoryValue::from_domain),
            on: a.on.map(Date),
            detail: a.detail,
            at: a.at,
        }
    }
}

fn alerts<'a>(ctx: &'a Context<'_>) -> &'a AlertsApp {
    ctx.data_unchecked::<AlertsApp>()
}

fn kinds_of(kinds: Option<Vec<AlertKindValue>>) -> Option<Vec<Kind>> {
    kinds.map(|k| k.into_iter().map(AlertKindValue::to_domain).collect())
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
        let kinds = kinds_of(kinds);
        let active = alerts(ctx).active_alerts(
            principal(ctx)?,
            &mission_code,
            as_of.map(|d| d.0),
            known_at,
            kinds.as_deref(),
        )?;
        Ok(active.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct AlertsSubscription;

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
        let feed = alerts(ctx).alerts(principal(ctx)?, mission_code, kinds_of(kinds))?;
        Ok(feed.map(Alert::from))
    }
}
