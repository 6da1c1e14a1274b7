//! The system's watch over CLAs' safety, on a schedule and on the injected clock:
//!
//! - **Missed check-ins.** Each deployed, available CLA who is not absent is due to check in every
//!   `interval` hours after their last check-in (or after their deployment or last absence began
//!   the obligation), with the mission's grace. The interval is at most 24 hours for a CLA with an
//!   open high or critical flag or alone at their base (effective strength 1). Each period missed
//!   by more than the grace raises one missed-check-in flag — identified by the period, so a scan
//!   repeated, a second replica or a restart raises nothing twice.
//! - **Overdue reviews** are marked once per review date.
//! - **Base closures**: each CLA recorded as exposed by a base's closing gets a base-closure
//!   exposure flag (see [`spawn_closure_reactor`]).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use cla_contracts::EventContract;
use cla_contracts::cla::staffing::v1::ClasExposedByBaseClosing;
use cla_event_store::EventStore;
use cla_platform::Runtime;
use cla_platform::clock::Clock;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_registry::RegistryView;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;

use crate::commands::RiskCommand;
use crate::decider::{FlagStatus, RiskContext, RiskDecider};
use crate::events::stream;
use crate::projections::RiskView;

/// Missed periods raised for one CLA in one scan at the most (the next scan goes on).
const PERIODS_PER_SCAN: usize = 31;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub missed_check_ins: usize,
    pub overdue_reviews: usize,
}

/// A CLA's check-in obligation now.
#[derive(Clone, Debug, PartialEq)]
pub struct Obligation {
    pub staff_id: String,
    pub mission: String,
    pub base_id: String,
    pub interval_hours: i64,
    pub grace_hours: i64,
    /// When a check-in was due after the last one (or since the obligation began).
    pub due_at: DateTime<Utc>,
    /// The next period not yet flagged as missed: after the last check-in, or after the last
    /// period already flagged.
    pub next_period_at: DateTime<Utc>,
}

impl Obligation {
    /// No check-in by the due time plus grace.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.due_at + Duration::hours(self.grace_hours) <= now
    }
}

pub struct Detector {
    pub runtime: Runtime,
    pub clock: Arc<dyn Clock>,
    pub registry: Arc<RegistryView>,
    pub staffing: Arc<StaffingView>,
    pub risk: Arc<RiskView>,
}

fn midnight(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

fn system_meta(now: DateTime<Utc>, causation: Option<uuid::Uuid>) -> CommandMeta {
    CommandMeta {
        actor: cla_platform::reactor::system_actor(),
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: causation,
        effective: now.date_naive(),
    }
}

impl Detector {
    /// Every deployed, available, present CLA of a mission, with when their next check-in is due.
    pub fn obligations(&self, mission: &str, now: DateTime<Utc>) -> Vec<Obligation> {
        let today = now.date_naive();
        let view = View::on(today);
        let Some(m) = self.registry.mission(mission, &view) else {
            return Vec::new();
        };
        let policy_interval = i64::from(m.policy.check_in_interval_hours.max(1));
        let grace = i64::from(m.policy.check_in_grace_hours);
        let staffing = self.staffing.staffing(mission, &view);
        let availability = self.staffing.availability(mission, &view, false);
        let on_day = OnDay::of(&staffing, today, &availability);
        let mut out = Vec::new();
        for base in self.registry.bases(mission, &view) {
            let lone = on_day.strength(&base.id) == 1;
            for d in on_day.deployed(&base.id) {
                if on_day.away(&d.staff_id) {
                    continue;
                }
                let risk = self.risk.flags_only(&d.staff_id, &view);
                let last_check_in = self.risk.last_check_in(&d.staff_id, &view);
                let interval = if lone || risk.has_open_serious_flag() {
                    policy_interval.min(24)
                } else {
                    policy_interval
                };
                let last_absence_end = staffing
                    .absences()
                    .values()
                    .filter(|a| a.staff_id == d.staff_id && !a.cancelled && a.to < today)
                    .map(|a| midnight(a.to + Duration::days(1)))
                    .max();
                let anchor = [last_check_in, Some(midnight(d.from)), last_absence_end]
                    .into_iter()
                    .flatten()
                    .max()
                    .expect("a start");
                // Periods already flagged are not counted again, whatever the interval now.
                let last_flagged = risk
                    .flags
                    .values()
                    .filter_map(|f| f.cause.as_ref().filter(|c| c.kind == "MISSED_CHECK_IN"))
                    .filter_map(|c| DateTime::parse_from_rfc3339(&c.period_due_at).ok())
                    .map(|t| t.to_utc())
                    .filter(|t| *t > anchor)
                    .max();
                out.push(Obligation {
                    staff_id: d.staff_id.clone(),
                    mission: mission.to_string(),
                    base_id: base.id.clone(),
                    interval_hours: interval,
                    grace_hours: grace,
                    due_at: anchor + Duration::hours(interval),
                    next_period_at: last_flagged.unwrap_or(anchor) + Duration::hours(interval),
                });
            }
        }
        out
    }

    /// One scan at the clock's time.
    pub async fn scan(&self) -> ScanReport {
        let now = self.clock.now();
        let today = now.date_naive();
        let mut report = ScanReport::default();
        for mission in self.registry.missions(&View::on(today)) {
            for o in self.obligations(&mission.code, now) {
                let mut due = o.next_period_at;
                let mut interval = o.interval_hours;
                let mut periods = 0;
                while due + Duration::hours(o.grace_hours) <= now && periods < PERIODS_PER_SCAN {
                    let context = RiskContext {
                        staff_id: o.staff_id.clone(),
                        mission: o.mission.clone(),
                        base_id: o.base_id.clone(),
                        now,
                    };
                    let command = RiskCommand::RaiseMissedCheckIn {
                        flag_id: uuid::Uuid::now_v7().to_string(),
                        period_due_at: due,
                    };
                    match self
                        .runtime
                        .execute::<RiskDecider>(
                            &stream(&o.staff_id),
                            &command,
                            &context,
                            &system_meta(now, None),
                        )
                        .await
                    {
                        Ok(handled) => report.missed_check_ins += handled.events.len(),
                        Err(e) => {
                            tracing::error!(error = ?e, staff = %o.staff_id, "could not raise a missed check-in")
                        }
                    }
                    // The flag just raised is high: from here the CLA is due at least every 24h.
                    interval = interval.min(24);
                    due += Duration::hours(interval);
                    periods += 1;
                }
            }
        }
        for staff_id in self.risk.staff_ids() {
            let risk = self.risk.flags_only(&staff_id, &View::on(today));
            for flag in risk
                .flags
                .values()
                .filter(|f| f.status != FlagStatus::Closed && f.review_due < today)
            {
                let context = RiskContext {
                    staff_id: staff_id.clone(),
                    mission: flag.mission.clone(),
                    base_id: flag.base_id.clone(),
                    now,
                };
                let command = RiskCommand::MarkReviewOverdue {
                    flag_id: flag.id.clone(),
                };
                match self
                    .runtime
                    .execute::<RiskDecider>(
                        &stream(&staff_id),
                        &command,
                        &context,
                        &system_meta(now, None),
                    )
                    .await
                {
                    Ok(handled) => report.overdue_reviews += handled.events.len(),
                    Err(e) => {
                        tracing::error!(error = ?e, flag = %flag.id, "could not mark a review overdue")
                    }
                }
            }
        }
        report
    }

    /// Scans every `every` on a schedule, until the task is stopped.
    pub fn spawn(self: Arc<Self>, every: StdDuration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let report = self.scan().await;
                if report != ScanReport::default() {
                    tracing::info!(?report, "risk scan");
                }
            }
        })
    }
}

/// Raises a base-closure exposure flag for each CLA staffing records as exposed by a closing,
/// once per closing event, following the store with its own subscription to those events alone,
/// from its checkpoint.
pub fn spawn_closure_reactor(
    store: Arc<dyn EventStore>,
    runtime: Runtime,
    clock: Arc<dyn Clock>,
    checkpoint: cla_platform::reactor::ReactorCheckpoint,
) -> tokio::task::JoinHandle<()> {
    cla_platform::reactor::spawn_reactor(
        "base-closure-exposure-flags",
        store,
        &[ClasExposedByBaseClosing::TYPE_NAME],
        checkpoint,
        move |event| {
            let runtime = runtime.clone();
            let now = clock.now();
            async move { flag_exposures(&runtime, now, &event).await }
        },
    )
}

async fn flag_exposures(
    runtime: &Runtime,
    now: chrono::DateTime<chrono::Utc>,
    event: &cla_event_store::RecordedEvent,
) {
    let Ok(exposed) = cla_contracts::decode_json::<ClasExposedByBaseClosing>(&event.data) else {
        return;
    };
    let mission = event
        .stream
        .as_str()
        .trim_start_matches("staffing-")
        .to_string();
    for staff_id in &exposed.staff_ids {
        let context = RiskContext {
            staff_id: staff_id.clone(),
            mission: mission.clone(),
            base_id: exposed.base_id.clone(),
            now,
        };
        let command = RiskCommand::RaiseClosureExposure {
            flag_id: uuid::Uuid::now_v7().to_string(),
            base_id: exposed.base_id.clone(),
            cause_event_id: event.id.to_string(),
        };
        let mut meta = system_meta(now, Some(event.id));
        meta.correlation_id = event.metadata.correlation_id;
        if let Err(e) = runtime
            .execute::<RiskDecider>(&stream(staff_id), &command, &context, &meta)
            .await
        {
            tracing::error!(error = ?e, staff = %staff_id, "could not flag a base-closure exposure");
        }
    }
}
