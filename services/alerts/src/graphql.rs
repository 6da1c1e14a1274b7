//! Alerts in the GraphQL schema: the alerts active in a mission (with `asOf` and `knownAt`), and
//! the `alerts` subscription, which carries every kind of DESIGN.md §4 — the watch's (see
//! [`crate::monitor`]) and the risk alerts, which are risk events themselves. Each arrives once,
//! when it is recorded; a subscriber that lost its link resumes after the last one it saw.
//! Mapping only: [`AlertsApp`] decides which missions a caller hears of, and
//! that whose risk flag an alert is about goes only to those who see risk detail (CIVIL_AFFAIRS of
//! the mission, ADMIN).

use async_graphql::{Context, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use cla_platform::access::{MissionGuard, principal};
use cla_platform::graphql::Date;
use futures::Stream;

use crate::app::{AlertsApp, READERS};

use crate::projections::{Alert, Kind};

fn alerts<'a>(ctx: &'a Context<'_>) -> &'a AlertsApp {
    ctx.data_unchecked::<AlertsApp>()
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
        kinds: Option<Vec<Kind>>,
    ) -> async_graphql::Result<Vec<Alert>> {
        let active = alerts(ctx).active_alerts(
            principal(ctx)?,
            &mission_code,
            as_of.map(|d| d.0),
            known_at,
            kinds.as_deref(),
        )?;
        Ok(active)
    }
}

#[derive(Default)]
pub struct AlertsSubscription;

#[Subscription]
impl AlertsSubscription {
    /// Alerts as they are raised, each once and in the order they were recorded: for the given
    /// mission or every mission in the caller's scope, of the given kinds or all. From now on, or
    /// after the alert `after` (the `alertId` of the last one a subscriber saw): every alert
    /// raised since, then on as they are raised, with none missed and none twice. An `after` that
    /// is not an alert the caller may see is refused (VALIDATION, field `after`).
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        mission_code: Option<String>,
        kinds: Option<Vec<Kind>>,
        after: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Alert> + use<>> {
        let after = after.as_ref().map(|id| id.as_str());
        Ok(alerts(ctx)
            .alerts(principal(ctx)?, mission_code, kinds, after)
            .await?)
    }
}
