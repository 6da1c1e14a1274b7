//! The watch: what is true now in each mission, observed on the injected clock, turned into alerts
//! raised once and cleared when no longer true (see [`crate::decider`]).
//!
//! Observed, for each mission on the clock's today:
//! - **Base below minimum**: an open base whose effective strength (deployed, available, not
//!   absent) is below its minimum. Closing bases are being emptied on purpose and are left out.
//! - **Forecast gap**: an open base at its minimum today that its coverage forecast (planned
//!   rotations, absences, appointment ends, all as known now) shows below it on a day within the
//!   next 30.
//! - **Rotation due**: a deployed CLA past the mission's maximum tour at one base (as the staffing
//!   board shows it), or whose planned rotation's date has passed without it being completed.
//! - **Appointment ending**: a staff member, not separated, whose appointment ends within 60 days.
//! - **Manager over span**: a manager supervising more CLAs than the mission's span of control.
//! - **Base not visited**: a base not closed with no field visit within the mission's interval.
//!
//! The watch looks on a schedule (time alone makes some of these true) and soon after every change
//! recorded by another context, so an alert follows the change that caused it within a second or
//! so. Each look decides on the mission's alerts stream, so a repeated look, a second replica or a
//! restart raises nothing twice.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::Runtime;
use cla_platform::clock::Clock;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::watch::Heartbeats;
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;
use cla_staff::StaffView;
use cla_staff::decider::StaffStatus;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;
use cla_staffing::decider::RotationStatus;
use cla_supervision::SupervisionView;

use crate::decider::{AlertsCommand, AlertsDecider, Condition};
use crate::events::{AlertEvent, AlertKind, STREAM_PREFIX, stream};

/// How far ahead a forecast gap is watched for, in days.
pub const FORECAST_DAYS: i64 = 30;
/// How far ahead an appointment's end is watched for, in days.
pub const APPOINTMENT_DAYS: i64 = 60;
/// The watch's name among the periodic parts that are watched ([`cla_platform::watch`]).
pub const WATCHED_AS: &str = "monitor";
/// The least time between two looks prompted by changes.
const SETTLE: StdDuration = StdDuration::from_millis(500);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub raised: usize,
    pub cleared: usize,
}

pub struct Monitor {
    pub runtime: Runtime,
    pub clock: Arc<dyn Clock>,
    pub registry: Arc<RegistryView>,
    pub staff: Arc<StaffView>,
    pub staffing: Arc<StaffingView>,
    pub supervision: Arc<SupervisionView>,
}

fn system_meta(now: DateTime<Utc>) -> CommandMeta {
    CommandMeta {
        actor: cla_platform::reactor::system_actor(),
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: now.date_naive(),
    }
}

impl Monitor {
    /// Every condition true in a mission on `today`, as known now, in a stable order.
    pub fn conditions(&self, mission: &str, today: NaiveDate) -> Vec<Condition> {
        let view = View::on(today);
        let Some(m) = self.registry.mission(mission, &view) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let state = self.staffing.staffing(mission, &view);
        let availability = self.staffing.availability(mission, &view, false);
        let bases = self.registry.bases(mission, &view);
        let max_tour_days = i64::from(m.policy.max_tour_months) * 365 / 12;
        let on_day = OnDay::of(&state, today, &availability);

        for b in bases.iter().filter(|b| b.status == BaseStatus::Open) {
            let minimum = b
                .details
                .minimum_override
                .unwrap_or(m.policy.minimum_clas_per_base);
            let now = on_day.strength(&b.id);
            if now == 0 {
                out.push(Condition {
                    kind: AlertKind::BaseEmpty,
                    subject_id: b.id.clone(),
                    base_id: b.id.clone(),
                    on: Some(today),
                    detail: format!("{}: no CLA present", b.details.name),
                });
            }
            if now < minimum {
                out.push(Condition {
                    kind: AlertKind::BaseBelowMinimum,
                    subject_id: b.id.clone(),
                    base_id: b.id.clone(),
                    on: Some(today),
                    detail: format!("{}: strength {now} of minimum {minimum}", b.details.name),
                });
                continue;
            }
            let Ok(forecast) = cla_staffing::projections::forecast(
                &self.registry,
                &self.staffing,
                &b.id,
                today,
                FORECAST_DAYS + 1,
                None,
            ) else {
                continue;
            };
            if let Some(gap) = forecast.gaps.iter().find(|g| g.from > today) {
                out.push(Condition {
                    kind: AlertKind::ForecastGap,
                    subject_id: b.id.clone(),
                    base_id: b.id.clone(),
                    on: Some(gap.from),
                    detail: format!(
                        "{}: strength {} of minimum {minimum} from {}",
                        b.details.name, gap.lowest_strength, gap.from
                    ),
                });
            }
        }

        // Rotations due: past the maximum tour, or a planned rotation not completed on its date.
        let mut rotation_due = std::collections::BTreeMap::new();
        for b in bases.iter().filter(|b| b.status != BaseStatus::Closed) {
            for d in on_day.deployed(&b.id) {
                let tour_days = (today - d.from).num_days();
                if tour_days > max_tour_days {
                    rotation_due.insert(
                        d.staff_id.clone(),
                        Condition {
                            kind: AlertKind::RotationDue,
                            subject_id: d.staff_id.clone(),
                            base_id: b.id.clone(),
                            on: Some(d.from + Duration::days(max_tour_days + 1)),
                            detail: format!(
                                "{tour_days} days at {} (the mission's maximum tour is {} months)",
                                b.details.name, m.policy.max_tour_months
                            ),
                        },
                    );
                }
            }
        }
        for r in state
            .rotations
            .values()
            .filter(|r| r.status == RotationStatus::Planned && r.date < today)
        {
            rotation_due
                .entry(r.staff_id.clone())
                .or_insert_with(|| Condition {
                    kind: AlertKind::RotationDue,
                    subject_id: r.staff_id.clone(),
                    base_id: r.from_base_id.clone(),
                    on: Some(r.date),
                    detail: format!("rotation {} planned for {} is not completed", r.id, r.date),
                });
        }
        out.extend(rotation_due.into_values());

        for s in self.staff.members(mission, &view).iter() {
            if s.status == StaffStatus::Separated {
                continue;
            }
            let end = s.appointment.end;
            if end >= today && end <= today + Duration::days(APPOINTMENT_DAYS) {
                out.push(Condition {
                    kind: AlertKind::AppointmentEnding,
                    subject_id: s.id.clone(),
                    base_id: state
                        .deployment_on(&s.id, today)
                        .map(|d| d.base_id.clone())
                        .unwrap_or_default(),
                    on: Some(end),
                    detail: format!(
                        "{}'s appointment ends on {end}, in {} days",
                        s.name,
                        (end - today).num_days()
                    ),
                });
            }
        }

        if let Ok(coverage) = cla_supervision::projections::management_coverage(
            &self.registry,
            &self.staffing,
            &self.supervision,
            mission,
            &view,
        ) {
            for span in &coverage.mission.managers_over_span {
                out.push(Condition {
                    kind: AlertKind::ManagerOverSpan,
                    subject_id: span.manager_id.clone(),
                    base_id: String::new(),
                    on: Some(today),
                    detail: format!(
                        "{} supervises {} CLAs (the mission's span of control is {})",
                        span.name, span.span, coverage.max_span_of_control
                    ),
                });
            }
            for visit in &coverage.mission.not_visited {
                out.push(Condition {
                    kind: AlertKind::BaseNotVisited,
                    subject_id: visit.base_id.clone(),
                    base_id: visit.base_id.clone(),
                    on: visit.last_visit,
                    detail: match visit.days_since {
                        Some(days) => format!(
                            "{}: last field visit {days} days ago (the mission's interval is {} days)",
                            visit.name, coverage.field_visit_interval_days
                        ),
                        None => format!("{}: no field visit on record", visit.name),
                    },
                });
            }
        }
        out
    }

    /// One look at every mission at the clock's time.
    pub async fn scan(&self) -> ScanReport {
        let now = self.clock.now();
        let today = now.date_naive();
        let mut report = ScanReport::default();
        for mission in self.registry.missions(&View::on(today)) {
            let observed = self
                .conditions(&mission.code, today)
                .into_iter()
                .map(|c| (uuid::Uuid::now_v7().to_string(), c))
                .collect();
            match self
                .runtime
                .execute::<AlertsDecider>(
                    &stream(&mission.code),
                    &AlertsCommand::Reconcile { observed },
                    &(),
                    &system_meta(now),
                )
                .await
            {
                Ok(handled) => {
                    for e in &handled.events {
                        match e {
                            AlertEvent::AlertRaised(_) => report.raised += 1,
                            AlertEvent::AlertCleared(_) => report.cleared += 1,
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(mission = %mission.code, code = %e.code, message = %e.message, "alert watch")
                }
            }
        }
        report
    }

    /// Looks every `every`, and soon after each change recorded outside the alerts streams,
    /// marking each look it completes in `heartbeats` (as [`WATCHED_AS`]).
    pub fn spawn(
        self: Arc<Self>,
        every: StdDuration,
        heartbeats: &Arc<Heartbeats>,
    ) -> tokio::task::JoinHandle<()> {
        let heartbeat = heartbeats.register(WATCHED_AS, every, self.clock.now());
        tokio::spawn(async move {
            let mut changes = self.runtime.hub.changes();
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    change = changes.recv() => match change {
                        Ok(e) if e.stream.as_str().starts_with(STREAM_PREFIX) => continue,
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            // Let a burst of changes settle, then look once for all of them.
                            tokio::time::sleep(SETTLE).await;
                            changes = changes.resubscribe();
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    },
                }
                let report = self.scan().await;
                heartbeat.beat(self.clock.now());
                if report != ScanReport::default() {
                    tracing::info!(?report, "alert watch");
                }
            }
        })
    }
}
