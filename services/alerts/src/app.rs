//! The application layer of alerts: the alerts active in a mission, and the feed of alerts as
//! they are raised, taking the caller. Access is decided here, for every door:
//!
//! - a mission named: every reader of that mission, FORBIDDEN to anyone else; no mission named:
//!   every mission in the caller's scope, and nothing of another;
//! - whose risk flag an alert is about (`subject_id`, `staff_id`, `flag_id`) only for those who see
//!   risk detail ([`DETAIL_ROLES`]: CIVIL_AFFAIRS of the mission, ADMIN); everyone else gets the
//!   alert without it.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::{AllFrom, EventStore, Position, RecordedEvent};
use cla_platform::app::authorize;
use cla_platform::clock::Clock;
use cla_platform::codec::decode_recorded;
use cla_platform::{AppError, AppResult, Principal, Restricted, Role, Runtime};
use cla_risk::RiskView;
use cla_risk::app::DETAIL_ROLES;
use cla_risk::projections::risk_alert;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::broadcast;
use uuid::Uuid;

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

    /// Alerts as they are raised, each once and in log order, as `who` may see them: for
    /// `mission` or every mission in the caller's scope, of `kinds` or all. From now on, or, given
    /// `after` (the id of the last alert a subscriber saw), every alert raised since, then on
    /// live with no gap and no duplicate. Refused before anything is sent: an `after` that is not
    /// an alert the caller may see is unknown, whatever it is.
    pub async fn alerts(
        &self,
        who: &Principal,
        mission: Option<String>,
        kinds: Option<Vec<Kind>>,
        after: Option<&str>,
    ) -> AppResult<BoxStream<'static, Alert>> {
        if let Some(m) = &mission {
            authorize(who, m, READERS)?;
        }
        if kinds.as_ref().is_some_and(|k| k.is_empty()) {
            return Err(AppError::validation(
                "kinds",
                "name at least one kind, or none for all",
            ));
        }
        // Subscribed before anything is read, so that nothing falls between what is read from
        // the store and what the broadcast brings.
        let live = self.runtime.hub.changes();
        // Everything up to here has been applied by the read models, so it reads as it was seen.
        let applied = Position(self.runtime.hub.position());
        let (last, until) = match after {
            Some(id) => (self.position_of(who, id).await?, Some(applied)),
            None => (applied, None),
        };
        let feed = Feed {
            store: Arc::clone(&self.runtime.store),
            live,
            last,
            until,
            gap: true,
            read: VecDeque::new(),
            held: None,
        };
        let who = who.clone();
        let risk = Arc::clone(&self.risk);
        let events = futures::stream::unfold(feed, |mut feed| async move {
            let event = feed.next().await?;
            Some((event, feed))
        });
        Ok(events
            .filter_map(move |recorded| {
                let alert = alert_of(&recorded, &risk, &who).filter(|a| {
                    mission.as_ref().is_none_or(|m| *m == a.mission_code)
                        && kinds.as_ref().is_none_or(|k| k.contains(&a.kind))
                });
                async move { alert }
            })
            .boxed())
    }

    /// The log position of the alert `id`, where it is one `who` may see; unknown otherwise, with
    /// the same answer for an alert outside the caller's scope as for none at all.
    async fn position_of(&self, who: &Principal, id: &str) -> AppResult<Position> {
        let unknown = || {
            AppError::validation(
                "after",
                "no alert with this id: resume after an alert this subscription gave",
            )
        };
        let parsed = Uuid::parse_str(id)
            .map_err(|_| AppError::validation("after", "an alert id is a UUID"))?;
        let position = self.alerts.position_of(&parsed).ok_or_else(unknown)?;
        let from = match position.0.checked_sub(1) {
            Some(before) => AllFrom::After(Position(before)),
            None => AllFrom::Start,
        };
        let raised = self.runtime.store.read_all(from, 1).await?;
        let alert = raised
            .first()
            .filter(|e| e.position == position)
            .and_then(|e| alert_of(e, &self.risk, who))
            .ok_or_else(unknown)?;
        if Uuid::parse_str(&alert.alert_id).ok() != Some(parsed) {
            return Err(unknown());
        }
        Ok(position)
    }
}

/// How many events a catch-up reads from the store at a time.
const PAGE: usize = 256;

/// The recorded events of one subscriber, in log order, each once: read from the store after its
/// last position where the broadcast may not have them (a catch-up, the start of the broadcast, a
/// fall behind it), from the broadcast otherwise.
struct Feed {
    store: Arc<dyn EventStore>,
    live: broadcast::Receiver<Arc<RecordedEvent>>,
    /// The position of the last event given (or the one to give events after).
    last: Position,
    /// Read the store up to here (inclusive) before anything else.
    until: Option<Position>,
    /// Whether events may lie between `last` and the broadcast's next: at the start (the broadcast
    /// begins at some event no one knows in advance) and after falling behind it.
    gap: bool,
    read: VecDeque<RecordedEvent>,
    /// A broadcast event to give once the store has been read up to it.
    held: Option<Arc<RecordedEvent>>,
}

impl Feed {
    async fn next(&mut self) -> Option<Arc<RecordedEvent>> {
        loop {
            if let Some(event) = self.read.pop_front() {
                self.last = event.position;
                return Some(Arc::new(event));
            }
            if let Some(until) = self.until {
                if until <= self.last {
                    self.until = None;
                    continue;
                }
                let page = match self.store.read_all(AllFrom::After(self.last), PAGE).await {
                    Ok(page) => page,
                    Err(e) => {
                        // The subscriber resumes with `after` once the store answers again.
                        tracing::warn!(error = %e, "an alerts subscription could not read the store; it ends");
                        return None;
                    }
                };
                self.read
                    .extend(page.into_iter().filter(|e| e.position <= until));
                // A page short of full, or reaching past `until`: the store is read up to it.
                if self.read.len() < PAGE {
                    self.until = None;
                }
                continue;
            }
            if let Some(event) = self.held.take() {
                if event.position > self.last {
                    self.last = event.position;
                    return Some(event);
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) if event.position <= self.last => {}
                Ok(event) if self.gap => {
                    // Whatever lies before the broadcast's first event has been applied: read it.
                    self.gap = false;
                    self.until = event.position.0.checked_sub(1).map(Position);
                    self.held = Some(event);
                }
                Ok(event) => {
                    self.last = event.position;
                    return Some(event);
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "an alerts subscriber fell behind; it reads what it missed from the store"
                    );
                    self.gap = true;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
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
            personal: cla_platform::personal::PersonalData::disabled(),
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
            app.alerts(&away, Some("ALPHA".into()), None, None)
                .await
                .err()
                .map(code),
            Some("FORBIDDEN")
        );
        assert_eq!(
            app.alerts(&away, None, Some(vec![]), None)
                .await
                .err()
                .map(|e| e.field),
            Some(Some("kinds".to_string()))
        );
        let home = who(Role::MissionHr, &["ALPHA"]);
        assert_eq!(
            app.active_alerts(&home, "ALPHA", None, None, None),
            Ok(vec![])
        );
        assert!(app.alerts(&home, None, None, None).await.is_ok());
    }

    /// An app whose alerts view is fed from a fresh store.
    fn fed(dir: &std::path::Path) -> (AlertsApp, Arc<dyn cla_event_store::EventStore>) {
        let store: Arc<dyn cla_event_store::EventStore> =
            Arc::new(cla_event_store::EmbeddedStore::open(dir).unwrap());
        let alerts = Arc::new(AlertsView::default());
        let runtime = Runtime::started(
            Arc::clone(&store),
            vec![alerts.clone()],
            std::time::Duration::from_secs(10),
        );
        let clock: Arc<dyn Clock> = Arc::new(cla_platform::clock::ManualClock::new(
            chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        ));
        (
            AlertsApp::new(runtime, alerts, Default::default(), clock),
            store,
        )
    }

    /// Appends `count` alerts of the watch to `mission`'s stream, `batch` to an append; their ids.
    async fn raise(
        store: &dyn cla_event_store::EventStore,
        mission: &str,
        count: usize,
        batch: usize,
    ) -> Vec<String> {
        use cla_platform::codec::EventCodec;
        let mut ids = Vec::new();
        for chunk in (0..count).collect::<Vec<_>>().chunks(batch) {
            let events = chunk
                .iter()
                .map(|i| {
                    let id = Uuid::now_v7().to_string();
                    ids.push(id.clone());
                    let event = AlertEvent::AlertRaised(crate::events::contract::AlertRaised {
                        alert_id: id,
                        kind: AlertKind::BaseBelowMinimum as i32,
                        subject_id: format!("base-{i}"),
                        base_id: format!("base-{i}"),
                        on: "2026-01-01".into(),
                        detail: "strength 0 of minimum 2".into(),
                    });
                    cla_event_store::NewEvent::new(
                        cla_event_store::EventType::parse(event.event_type()).unwrap(),
                        event.encode(),
                        cla_event_store::Metadata {
                            actor: cla_event_store::Actor {
                                id: "system".into(),
                                role: "SYSTEM".into(),
                            },
                            correlation_id: Uuid::now_v7(),
                            causation_id: None,
                            effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                        },
                    )
                })
                .collect();
            store
                .append(
                    &crate::events::stream(mission),
                    cla_event_store::ExpectedRevision::Any,
                    events,
                )
                .await
                .unwrap();
        }
        ids
    }

    /// The next `n` alerts of a feed, each within a few seconds.
    async fn take(feed: &mut BoxStream<'static, Alert>, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..n {
            let next = tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
                .await
                .expect("the next alert arrives")
                .expect("the feed goes on");
            out.push(next.alert_id);
        }
        out
    }

    /// Nothing more within a moment: no duplicate, nothing unasked for.
    async fn nothing_more(feed: &mut BoxStream<'static, Alert>) {
        let more = tokio::time::timeout(std::time::Duration::from_millis(300), feed.next()).await;
        assert!(more.is_err(), "nothing more: {:?}", more.ok().flatten());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_subscriber_that_falls_behind_the_broadcast_misses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (app, store) = fed(dir.path());
        let admin = who(Role::Admin, &[]);
        let mut feed = app.alerts(&admin, None, None, None).await.unwrap();
        // On live first: the broadcast has given it events.
        let first = raise(store.as_ref(), "ALPHA", 3, 1).await;
        assert_eq!(take(&mut feed, 3).await, first);
        // Then more than the broadcast keeps, while the subscriber reads nothing.
        let raised = raise(store.as_ref(), "ALPHA", 5000, 250).await;
        let head = store.head().await.unwrap().unwrap();
        app.runtime
            .hub
            .wait_for(head, std::time::Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(take(&mut feed, raised.len()).await, raised);
        nothing_more(&mut feed).await;
        // And on live after that.
        let then = raise(store.as_ref(), "ALPHA", 3, 3).await;
        assert_eq!(take(&mut feed, 3).await, then);
        nothing_more(&mut feed).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_subscriber_resumes_after_the_last_alert_it_saw_in_its_scope() {
        let dir = tempfile::tempdir().unwrap();
        let (app, store) = fed(dir.path());
        let alpha = who(Role::MissionHr, &["ALPHA"]);
        let seen = raise(store.as_ref(), "ALPHA", 3, 1).await;
        let bravo = raise(store.as_ref(), "BRAVO", 2, 1).await;
        let missed = raise(store.as_ref(), "ALPHA", 600, 100).await;
        let head = store.head().await.unwrap().unwrap();
        let settle = std::time::Duration::from_secs(10);
        app.runtime.hub.wait_for(head, settle).await.unwrap();
        let mut feed = app
            .alerts(&alpha, None, None, Some(&seen[2]))
            .await
            .unwrap();
        // Caught up over more than one page of the store, BRAVO's left out.
        assert_eq!(take(&mut feed, missed.len()).await, missed);
        let live = raise(store.as_ref(), "ALPHA", 2, 1).await;
        assert_eq!(take(&mut feed, 2).await, live);
        nothing_more(&mut feed).await;

        let refused = |e: AppError| (e.code.as_str(), e.field, e.message);
        let unknown = app
            .alerts(&alpha, None, None, Some(&Uuid::now_v7().to_string()))
            .await
            .err()
            .map(refused)
            .unwrap();
        assert_eq!(
            (unknown.0, unknown.1.as_deref()),
            ("VALIDATION", Some("after"))
        );
        // Another mission's alert is as unknown as none at all.
        let other = app
            .alerts(&alpha, None, None, Some(&bravo[0]))
            .await
            .err()
            .map(refused)
            .unwrap();
        assert_eq!(other, unknown);
        let malformed = app
            .alerts(&alpha, None, None, Some("not an id"))
            .await
            .err()
            .map(refused)
            .unwrap();
        assert_eq!(
            (malformed.0, malformed.1.as_deref()),
            ("VALIDATION", Some("after"))
        );
    }
}
