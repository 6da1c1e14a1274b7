//! The application layer of alerts: the alerts active in a mission, and the feed of alerts as
//! they are raised, taking the caller. Access is decided here, for every door:
//!
//! - a mission named: every reader of that mission, FORBIDDEN to anyone else; no mission named:
//!   every mission in the caller's scope, and nothing of another;
//! - whose risk flag an alert is about (`subject_id`, `staff_id`, `flag_id`) only for those who see
//!   risk detail ([`DETAIL_ROLES`]: CIVIL_AFFAIRS of the mission, ADMIN); everyone else gets the
//!   alert without it.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::app::authorize;
use cla_platform::clock::Clock;
use cla_platform::codec::decode_recorded;
use cla_platform::{AppError, AppResult, Principal, Restricted, Role, Runtime};
use cla_risk::RiskView;
use cla_risk::app::DETAIL_ROLES;
use cla_risk::projections::risk_alert;
use futures::{Stream, StreamExt};

use crate::decider::{ActiveAlert, Condition};
use crate::events::{AlertEvent, AlertKind, STREAM_PREFIX};
use crate::projections::{Alert, AlertsView, Kind, Subject, watch_alert};

/// Who reads a mission's alerts: every role, in its scope.
pub const READERS: &[Role] = &Role::ALL;

/// The alerts application: cheap to clone.
#[derive(Clone)]
pub struct AlertsApp {
    runtime: Runtime,
    alerts: Arc<AlertsView>,
    risk: Arc<RiskView>,
    clock: Arc<dyn Clock>,
}

impl AlertsApp {
    pub fn new(
        runtime: Runtime,
        alerts: Arc<AlertsView>,
        risk: Arc<RiskView>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            runtime,
            alerts,
            risk,
            clock,
        }
    }

    /// The alerts of the watch active in a mission, oldest first, of `kinds` (all where none): as
    /// of a date (default the clock's today), as known at a moment (default now).
    pub fn active_alerts(
        &self,
        who: &Principal,
        mission: &str,
        as_of: Option<NaiveDate>,
        known_at: Option<DateTime<Utc>>,
        kinds: Option<&[Kind]>,
    ) -> AppResult<Vec<Alert>> {
        authorize(who, mission, READERS)?;
        let view = cla_platform::timeline::View {
            as_of: as_of.unwrap_or_else(|| self.clock.now().date_naive()),
            known_at,
        };
        Ok(self
            .alerts
            .active(mission, &view)
            .into_iter()
            .filter(|a| kinds.is_none_or(|k| k.contains(&a.kind)))
            .collect())
    }

    /// Alerts from now on, each once, as it is raised and as `who` may see it: for `mission` or
    /// every mission in the caller's scope, of `kinds` or all. Refused before anything is sent.
    pub fn alerts(
        &self,
        who: &Principal,
        mission: Option<String>,
        kinds: Option<Vec<Kind>>,
    ) -> AppResult<impl Stream<Item = Alert> + Send + 'static + use<>> {
        if let Some(m) = &mission {
            authorize(who, m, READERS)?;
        }
        if kinds.as_ref().is_some_and(|k| k.is_empty()) {
            return Err(AppError::validation(
                "kinds",
                "name at least one kind, or none for all",
            ));
        }
        let who = who.clone();
        let risk = Arc::clone(&self.risk);
        let changes = self.runtime.hub.changes();
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
                mission.as_ref().is_none_or(|m| *m == a.mission_code)
                    && kinds.as_ref().is_none_or(|k| k.contains(&a.kind))
            });
            async move { alert }
        }))
    }
}

/// The alert a recorded event raises, as `who` may see it: none for an event that raises none or
/// for a mission outside `who`'s scope.
pub fn alert_of(recorded: &RecordedEvent, risk: &RiskView, who: &Principal) -> Option<Alert> {
    if let Some(mission) = recorded.stream.as_str().strip_prefix(STREAM_PREFIX) {
        let AlertEvent::AlertRaised(e) = decode_recorded::<AlertEvent>(recorded)? else {
            return None;
        };
        if !who.can_read(mission) {
            return None;
        }
        let active = ActiveAlert {
            alert_id: e.alert_id.clone(),
            condition: Condition {
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
    // A counts-only reader learns the mission and the severity, nothing that could single out
    // the person (a lone CLA's base, the category, a missed check-in).
    let whose = Restricted::for_caller(who, &r.mission_code, DETAIL_ROLES, || {
        (
            r.flag_id.clone(),
            r.staff_id.clone(),
            r.base_id.clone(),
            r.category,
        )
    });
    let (flag_id, staff_id, base_id, category, kind) = match whose.shown() {
        Some((flag, staff, base, category)) => (
            Some(flag),
            Some(staff),
            base,
            category,
            Kind::of_risk(r.kind),
        ),
        None => (None, None, None, None, Kind::of_risk(r.kind.counts_only())),
    };
    let describe = format!(
        "{} flag{}{}",
        r.severity
            .map_or("", |s| s.as_str_name().trim_start_matches("SEVERITY_")),
        category.map_or(String::new(), |c| format!(
            " ({})",
            c.as_str_name().trim_start_matches("CATEGORY_")
        )),
        base_id
            .as_ref()
            .map_or(String::new(), |b| format!(" at base {b}")),
    );
    Some(Alert {
        alert_id: recorded.id.to_string(),
        kind,
        mission_code: r.mission_code,
        subject: Subject::RiskFlag,
        subject_id: flag_id.clone(),
        base_id,
        staff_id,
        manager_id: None,
        flag_id,
        severity: r.severity,
        category,
        on: Some(recorded.metadata.effective),
        detail: describe.trim().to_string(),
        at: recorded.recorded,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use cla_platform::view_spec::History;
    use cla_risk::events::{Category, RiskEvent, Severity, contract};

    use super::*;

    fn who(role: Role, missions: &[&str]) -> Principal {
        Principal::new("u", "U", &[role], missions)
    }

    #[test]
    fn a_risk_alert_names_the_person_only_to_those_who_see_risk_detail() {
        let history = History::new().event(
            "risk-A",
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            RiskEvent::RiskFlagRaised(contract::RiskFlagRaised {
                flag_id: "f1".into(),
                staff_id: "A".into(),
                mission_code: "ALPHA".into(),
                base_id: "B1".into(),
                category: Category::ThreatReceived as i32,
                severity: Severity::High as i32,
                notes: "restricted".into(),
                review_due: "2026-02-08".into(),
                cause: None,
            }),
        );
        let risk = RiskView::default();
        history.apply_to(&risk);
        let raised = &history.events()[0];
        let detail = alert_of(raised, &risk, &who(Role::CivilAffairs, &["ALPHA"])).unwrap();
        assert_eq!(
            (detail.flag_id.as_deref(), detail.staff_id.as_deref()),
            (Some("f1"), Some("A"))
        );
        assert_eq!(detail.detail, "HIGH flag (THREAT_RECEIVED) at base B1");
        for counts_only in [who(Role::MissionHr, &["ALPHA"]), who(Role::HqReviewer, &[])] {
            let alert = alert_of(raised, &risk, &counts_only).unwrap();
            assert_eq!(alert.kind, Kind::RiskFlagRaised);
            assert_eq!(alert.severity, Some(Severity::High));
            assert_eq!(
                (alert.subject_id, alert.flag_id, alert.staff_id),
                (None, None, None),
                "no personal risk detail for {counts_only:?}"
            );
            // The mission and the severity only: a lone CLA's base or the category would name them.
            assert_eq!(alert.mission_code, "ALPHA");
            assert_eq!((alert.base_id, alert.category), (None, None));
            assert_eq!(alert.detail, "HIGH flag");
        }
        assert_eq!(
            alert_of(raised, &risk, &who(Role::CivilAffairs, &["BRAVO"])),
            None,
            "nothing of another mission"
        );
    }

    fn app(dir: &std::path::Path) -> AlertsApp {
        let store: Arc<dyn cla_event_store::EventStore> =
            Arc::new(cla_event_store::EmbeddedStore::open(dir).unwrap());
        let runtime = Runtime {
            hub: cla_platform::projection::ProjectionHub::new(Arc::clone(&store), vec![], None),
            store,
            metrics: Default::default(),
            settle_timeout: std::time::Duration::from_secs(1),
            states: Default::default(),
        };
        let clock: Arc<dyn Clock> = Arc::new(cla_platform::clock::ManualClock::new(
            chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        ));
        AlertsApp::new(runtime, Default::default(), Default::default(), clock)
    }

    #[tokio::test]
    async fn another_missions_reader_is_refused_before_anything_is_answered() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let away = who(Role::MissionHr, &["BRAVO"]);
        let code = |e: AppError| e.code.as_str();
        assert_eq!(
            app.active_alerts(&away, "ALPHA", None, None, None)
                .map_err(code),
            Err("FORBIDDEN")
        );
        assert_eq!(
            app.alerts(&away, Some("ALPHA".into()), None)
                .err()
                .map(code),
            Some("FORBIDDEN")
        );
        assert_eq!(
            app.alerts(&away, None, Some(vec![])).err().map(|e| e.field),
            Some(Some("kinds".to_string()))
        );
        let home = who(Role::MissionHr, &["ALPHA"]);
        assert_eq!(
            app.active_alerts(&home, "ALPHA", None, None, None),
            Ok(vec![])
        );
        assert!(app.alerts(&home, None, None).is_ok());
    }
}
