//! The system's watch over CLAs' safety, on a schedule and on the injected clock:
//!
//! - **Silences.** Each deployed, available CLA who is not absent is due to check in every
//!   `interval` hours, with the mission's grace. A silence is measured from the CLA's last
//!   check-in; a CLA with none since the obligation began (their deployment — from the later of
//!   its start and when it was recorded: the system cannot expect check-ins from before it knew
//!   where they were — or the end of their last absence) is first due one interval after that.
//!   The interval is at most 24 hours for a CLA with an open high or critical flag or alone at
//!   their base (effective strength 1). A silence past its first period plus grace raises **one**
//!   missed-check-in flag, HIGH, naming when the CLA was last heard from; each further period
//!   (every 24 hours at most: the flag is high) is counted on that flag, which escalates to
//!   CRITICAL at [`Detector::escalate_after_periods`] periods. The flag's id is derived from the
//!   CLA and when the silence began, and the CLA's stream decides: two scans at once, a second
//!   replica or a restart raise nothing twice. The next check-in closes it (see
//!   [`close_silences`]); a later silence is another flag.
//! - **Overdue reviews** are marked once per review date.
//! - **Base closures**: each CLA recorded as exposed by a base's closing gets a base-closure
//!   exposure flag (see [`spawn_closure_reactor`]).

use std::collections::HashMap;
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
use cla_platform::watch::Heartbeats;
use cla_registry::RegistryView;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;

use crate::commands::RiskCommand;
use crate::decider::{FlagStatus, RiskContext, RiskDecider};
use crate::events::stream;
use crate::projections::RiskView;

/// Check-in periods a silence misses before its flag escalates to critical, unless the detector
/// is configured otherwise.
pub const ESCALATE_AFTER_PERIODS: u32 = 3;

/// The detector's name among the periodic parts that are watched ([`cla_platform::watch`]).
pub const WATCHED_AS: &str = "detector";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Events recorded on silences' flags: raised, periods counted, escalated, closed.
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
    /// What a silence now is measured from: the last check-in, or where none came since the
    /// obligation began, its beginning.
    pub silent_since: DateTime<Utc>,
    /// The CLA's last check-in, if any.
    pub last_heard_at: Option<DateTime<Utc>>,
    /// The open flag of the silence since `silent_since`: its id, the periods it counts and
    /// how they fall (first due, hours between).
    pub silence: Option<SilenceFlag>,
    /// Open silences' flags of earlier silences, which a check-in since has ended.
    pub ended_silences: bool,
}

/// What a silence's flag already says.
#[derive(Clone, Debug, PartialEq)]
pub struct SilenceFlag {
    pub flag_id: String,
    pub closed: bool,
    pub periods_missed: u32,
    pub first_due_at: DateTime<Utc>,
    pub period_hours: i64,
}

/// The periods of a silence missed by `now`: the first due at `first_due`, each further one
/// `period_hours` later, each missed once past its grace.
pub fn periods_missed(
    first_due: DateTime<Utc>,
    period_hours: i64,
    grace_hours: i64,
    now: DateTime<Utc>,
) -> u32 {
    let late = now - first_due - Duration::hours(grace_hours);
    if late < Duration::zero() {
        return 0;
    }
    let further = late.num_seconds() / (period_hours.max(1) * 3600);
    u32::try_from(further + 1).unwrap_or(u32::MAX)
}

/// The id of the flag of a CLA's silence since `since`: the same whoever computes it.
pub fn silence_flag_id(staff_id: &str, since: DateTime<Utc>) -> String {
    let name = format!("missed-check-in/{staff_id}/{}", since.timestamp());
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()).to_string()
}

impl Obligation {
    /// No check-in by the due time plus grace.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.due_at + Duration::hours(self.grace_hours) <= now
    }

    /// The command that brings the silence's flag up to `now`, if it says less than is true.
    fn silence_command(&self, now: DateTime<Utc>, escalate_after: u32) -> Option<RiskCommand> {
        let (flag_id, first_due_at, period_hours, counted) = match &self.silence {
            Some(f) if f.closed => return None,
            Some(f) => (
                f.flag_id.clone(),
                f.first_due_at,
                f.period_hours,
                f.periods_missed,
            ),
            None => (
                silence_flag_id(&self.staff_id, self.silent_since),
                self.due_at,
                self.interval_hours.min(24),
                0,
            ),
        };
        let periods = periods_missed(first_due_at, period_hours, self.grace_hours, now);
        (periods > counted).then_some(RiskCommand::RaiseMissedCheckIn {
            flag_id,
            silent_since: self.silent_since,
            last_heard_at: self.last_heard_at,
            first_due_at,
            period_hours,
            periods,
            escalate_after,
        })
    }
}

pub struct Detector {
    pub runtime: Runtime,
    pub clock: Arc<dyn Clock>,
    pub registry: Arc<RegistryView>,
    pub staffing: Arc<StaffingView>,
    pub risk: Arc<RiskView>,
    /// Check-in periods a silence misses before its flag escalates to critical (default
    /// [`ESCALATE_AFTER_PERIODS`]).
    pub escalate_after_periods: u32,
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

/// Closes the flags of the CLA's silences that a check-in since has ended, as the system, with
/// the resolution "checked in at T (channel)". Nothing where there are none.
pub async fn close_silences(
    runtime: &Runtime,
    context: &RiskContext,
) -> cla_platform::AppResult<usize> {
    let handled = runtime
        .execute::<RiskDecider>(
            &stream(&context.staff_id),
            &RiskCommand::CloseSilences,
            context,
            &system_meta(context.now, None),
        )
        .await?;
    Ok(handled.events.len())
}

impl Detector {
    /// Every deployed, available, present CLA of a mission, with when their next check-in is due
    /// and what their silence's flag says.
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
        // Each CLA's last absence over by today: walked once for the mission.
        let mut absence_ended: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for a in staffing
            .absences()
            .values()
            .filter(|a| !a.cancelled && a.to < today)
        {
            let end = midnight(a.to + Duration::days(1));
            absence_ended
                .entry(a.staff_id.as_str())
                .and_modify(|e| *e = (*e).max(end))
                .or_insert(end);
        }
        let mut out = Vec::new();
        for base in self.registry.bases(mission, &view) {
            let lone = on_day.strength(&base.id) == 1;
            for d in on_day.deployed(&base.id) {
                if on_day.away(&d.staff_id) {
                    continue;
                }
                let risk = self.risk.flags_only(&d.staff_id, &view);
                let last_check_in = self.risk.last_check_in(&d.staff_id, &view);
                let serious = risk.has_open_serious_flag();
                let interval = if lone || serious {
                    policy_interval.min(24)
                } else {
                    policy_interval
                };
                // With no check-in since the deployment began, the obligation runs from the
                // later of its start and when it was recorded.
                let started = midnight(d.from);
                let deployed_from = if last_check_in.is_some_and(|t| t >= started) {
                    started
                } else {
                    self.risk
                        .deployment_recorded(&d.id)
                        .map_or(started, |r| r.max(started))
                };
                let anchor = [
                    last_check_in,
                    Some(deployed_from),
                    absence_ended.get(d.staff_id.as_str()).copied(),
                ]
                .into_iter()
                .flatten()
                .max()
                .expect("a start");
                let mut silence = None;
                let mut ended_silences = false;
                for f in risk.flags.values().filter(|f| f.is_silence()) {
                    let Some(since) = f.silent_since() else {
                        continue;
                    };
                    if since == anchor {
                        let cause = f.cause.as_ref().expect("a silence's cause");
                        let first = DateTime::parse_from_rfc3339(&cause.period_due_at)
                            .map_or(anchor + Duration::hours(interval), |t| t.to_utc());
                        silence = Some(SilenceFlag {
                            flag_id: f.id.clone(),
                            closed: f.status == FlagStatus::Closed,
                            periods_missed: f.periods_missed,
                            first_due_at: first,
                            period_hours: if cause.period_hours > 0 {
                                cause.period_hours
                            } else {
                                interval.min(24)
                            },
                        });
                    } else if f.status != FlagStatus::Closed
                        && last_check_in.is_some_and(|t| t > since)
                    {
                        ended_silences = true;
                    }
                }
                // An open silence's flag keeps the periods it counts as they began, whatever
                // its own (high) severity does to the interval.
                let due_at = match &silence {
                    Some(f) if !f.closed => f.first_due_at,
                    _ => anchor + Duration::hours(interval),
                };
                out.push(Obligation {
                    staff_id: d.staff_id.clone(),
                    mission: mission.to_string(),
                    base_id: base.id.clone(),
                    interval_hours: interval,
                    grace_hours: grace,
                    due_at,
                    silent_since: anchor,
                    last_heard_at: last_check_in,
                    silence,
                    ended_silences,
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
                let context = RiskContext {
                    staff_id: o.staff_id.clone(),
                    mission: o.mission.clone(),
                    base_id: o.base_id.clone(),
                    now,
                };
                if o.ended_silences {
                    // A check-in whose closing did not get recorded (a crash between the two).
                    match close_silences(&self.runtime, &context).await {
                        Ok(n) => report.missed_check_ins += n,
                        Err(e) => {
                            tracing::error!(error = ?e, staff = %o.staff_id, "could not close a silence's flag")
                        }
                    }
                }
                let Some(command) = o.silence_command(now, self.escalate_after_periods) else {
                    continue;
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
                        tracing::error!(error = ?e, staff = %o.staff_id, "could not record a missed check-in")
                    }
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

    /// Scans every `every` on a schedule, until the task is stopped, marking each scan it
    /// completes in `heartbeats` (as [`WATCHED_AS`]).
    pub fn spawn(
        self: Arc<Self>,
        every: StdDuration,
        heartbeats: &Arc<Heartbeats>,
    ) -> tokio::task::JoinHandle<()> {
        let heartbeat = heartbeats.register(WATCHED_AS, every, self.clock.now());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let report = self.scan().await;
                heartbeat.beat(self.clock.now());
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_silence_misses_a_period_once_past_its_grace_then_one_a_period() {
        let due = Utc.with_ymd_and_hms(2026, 5, 10, 8, 0, 0).unwrap();
        let at = |h: i64, m: i64| due + Duration::hours(h) + Duration::minutes(m);
        assert_eq!(periods_missed(due, 24, 6, at(5, 59)), 0);
        assert_eq!(periods_missed(due, 24, 6, at(6, 0)), 1);
        assert_eq!(periods_missed(due, 24, 6, at(29, 59)), 1);
        assert_eq!(periods_missed(due, 24, 6, at(30, 0)), 2);
        assert_eq!(periods_missed(due, 24, 6, at(24 * 88 + 6, 0)), 89);
        // Hours between periods are at least one.
        assert_eq!(periods_missed(due, 0, 0, at(2, 0)), 3);
    }

    #[test]
    fn a_silences_flag_id_is_the_same_whoever_computes_it_and_another_for_another_silence() {
        let since = Utc.with_ymd_and_hms(2026, 5, 10, 8, 0, 0).unwrap();
        assert_eq!(silence_flag_id("s-1", since), silence_flag_id("s-1", since));
        assert_ne!(
            silence_flag_id("s-1", since),
            silence_flag_id("s-1", since + Duration::hours(1))
        );
        assert_ne!(silence_flag_id("s-1", since), silence_flag_id("s-2", since));
    }
}
