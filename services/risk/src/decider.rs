//! The rules of risk and welfare, decided on one CLA's risk stream.
//!
//! - A check-in is not in the future; "needs assistance" raises a high health/welfare flag and
//!   "under threat" a critical threat flag, in the same decision; a check-in with the CLA's duress
//!   word is an ordinary "OK" one with a critical threat flag caused by `DURESS`.
//! - A flag is open → mitigating (once a mitigation is added) → closed; its severity moves up or
//!   down; each review sets the next (7 days for high and critical, 30 otherwise).
//! - The system's flags are raised once per silence (missed check-ins) or per closing (base-closure
//!   exposure): the stream holds them, so replicas and restarts cannot raise them twice. A
//!   silence's one flag counts the periods missed while it lasts, escalates to critical after a
//!   number of them, and is closed by the CLA's next check-in.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::AppError;
use cla_platform::decider::Decider;

use crate::commands::RiskCommand;
use crate::events::{
    Category, Channel, Mitigation, RiskEvent, Severity, Welfare, contract, review_days,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagStatus {
    Open,
    Mitigating,
    Closed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    pub id: String,
    pub staff_id: String,
    pub mission: String,
    pub base_id: String,
    pub category: Category,
    pub severity: Severity,
    pub status: FlagStatus,
    pub notes: String,
    pub raised_on: NaiveDate,
    pub review_due: NaiveDate,
    pub mitigations: Vec<(Mitigation, String)>,
    pub cause: Option<contract::Cause>,
    pub overdue_marked_for: Option<NaiveDate>,
    /// A silence's flag: the check-in periods missed so far (0 for every other flag).
    pub periods_missed: u32,
    /// How it was closed; none while open.
    pub resolution: Option<String>,
}

impl Flag {
    /// A missed-check-in flag: one silence's.
    pub fn is_silence(&self) -> bool {
        self.cause
            .as_ref()
            .is_some_and(|c| c.kind == MISSED_CHECK_IN)
    }

    /// A silence's flag: what the silence is measured from (its first missed period for flags
    /// that do not say).
    pub fn silent_since(&self) -> Option<DateTime<Utc>> {
        let cause = self.cause.as_ref().filter(|c| c.kind == MISSED_CHECK_IN)?;
        let since = if cause.silent_since.is_empty() {
            &cause.period_due_at
        } else {
            &cause.silent_since
        };
        DateTime::parse_from_rfc3339(since).ok().map(|t| t.to_utc())
    }
}

/// The kind of cause of a silence's flag.
pub const MISSED_CHECK_IN: &str = "MISSED_CHECK_IN";

/// A silence's flag's notes: when the CLA was last heard from, and how many periods are missed.
pub fn silence_notes(cause: &contract::Cause, periods: u32) -> String {
    let heard = if cause.last_heard_at.is_empty() {
        format!("no check-in yet (due since {})", cause.silent_since)
    } else {
        format!("last heard from at {}", cause.last_heard_at)
    };
    let periods = if periods == 1 {
        "1 check-in period missed".to_string()
    } else {
        format!("{periods} check-in periods missed")
    };
    format!(
        "{heard}; {periods}, the first due at {}",
        cause.period_due_at
    )
}

/// A channel as people read it: RADIO, SMS, PHONE, IN_PERSON, REPORT.
pub fn channel_name(channel: Channel) -> &'static str {
    let name = channel.as_str_name();
    name.strip_prefix("CHANNEL_").unwrap_or(name)
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckIn {
    pub id: String,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub welfare: Welfare,
}

/// One CLA's check-ins and flags.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Risk {
    pub check_ins: Vec<CheckIn>,
    /// The ids of `check_ins`, so a check-in sent again is known at once.
    pub check_in_ids: std::collections::HashSet<String>,
    pub flags: BTreeMap<String, Flag>,
}

impl Risk {
    pub fn last_check_in(&self) -> Option<DateTime<Utc>> {
        self.check_ins.iter().map(|c| c.at).max()
    }

    pub fn has_open_serious_flag(&self) -> bool {
        self.flags.values().any(|f| {
            f.status != FlagStatus::Closed
                && matches!(f.severity, Severity::High | Severity::Critical)
        })
    }
}

/// What a decision needs from outside the stream.
#[derive(Clone, Debug)]
pub struct RiskContext {
    pub staff_id: String,
    pub mission: String,
    /// The CLA's base now; empty where none.
    pub base_id: String,
    /// The injected clock's time.
    pub now: DateTime<Utc>,
}

impl Default for RiskContext {
    fn default() -> Self {
        Self {
            staff_id: String::new(),
            mission: String::new(),
            base_id: String::new(),
            now: DateTime::<Utc>::MIN_UTC,
        }
    }
}

pub struct RiskDecider;

fn raised(
    ctx: &RiskContext,
    flag_id: &str,
    category: Category,
    severity: Severity,
    notes: String,
    cause: Option<contract::Cause>,
) -> RiskEvent {
    RiskEvent::RiskFlagRaised(contract::RiskFlagRaised {
        flag_id: flag_id.to_string(),
        staff_id: ctx.staff_id.clone(),
        mission_code: ctx.mission.clone(),
        base_id: ctx.base_id.clone(),
        category: category as i32,
        severity: severity as i32,
        notes,
        review_due: (ctx.now.date_naive() + Duration::days(review_days(severity))).to_string(),
        cause,
    })
}

fn live<'a>(state: &'a Risk, id: &str) -> Result<&'a Flag, AppError> {
    let flag = state
        .flags
        .get(id)
        .ok_or_else(|| AppError::not_found("flagId", "no such risk flag"))?;
    if flag.status == FlagStatus::Closed {
        return Err(AppError::conflict("the flag is closed").on("flagId"));
    }
    Ok(flag)
}

fn text(field: &str, value: &str, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::validation(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > 4000 {
        return Err(AppError::validation(
            field,
            format!("{field} is at most 4000 characters"),
        ));
    }
    Ok(value.to_string())
}

impl Decider for RiskDecider {
    type Command = RiskCommand;
    type Event = RiskEvent;
    type State = Risk;
    type Context = RiskContext;

    fn decide(
        command: &RiskCommand,
        state: &Risk,
        ctx: &RiskContext,
    ) -> Result<Vec<RiskEvent>, AppError> {
        use RiskCommand as C;
        match command {
            C::RecordCheckIn {
                check_in_id,
                at,
                channel,
                welfare,
                notes,
                flag_id,
            } => {
                if *at > ctx.now {
                    return Err(AppError::validation(
                        "at",
                        "a check-in is not in the future",
                    ));
                }
                if *channel == Channel::Unspecified {
                    return Err(AppError::validation(
                        "channel",
                        "give the channel of the check-in",
                    ));
                }
                if *welfare == Welfare::Unspecified {
                    return Err(AppError::validation(
                        "welfare",
                        "give the CLA's welfare status",
                    ));
                }
                if state.check_in_ids.contains(check_in_id) {
                    return Ok(vec![]);
                }
                let notes = text("notes", notes, false)?;
                let mut events = vec![RiskEvent::CheckInRecorded(contract::CheckInRecorded {
                    check_in_id: check_in_id.clone(),
                    staff_id: ctx.staff_id.clone(),
                    at: at.to_rfc3339(),
                    channel: *channel as i32,
                    welfare: *welfare as i32,
                    notes: notes.clone(),
                })];
                let worry = match welfare {
                    Welfare::NeedsAssistance => Some((Category::HealthWelfare, Severity::High)),
                    Welfare::UnderThreat => Some((Category::ThreatReceived, Severity::Critical)),
                    _ => None,
                };
                if let Some((category, severity)) = worry {
                    let cause = contract::Cause {
                        kind: "CHECK_IN".into(),
                        event_id: check_in_id.clone(),
                        ..Default::default()
                    };
                    events.push(raised(ctx, flag_id, category, severity, notes, Some(cause)));
                }
                Ok(events)
            }
            C::RecordDuressCheckIn {
                check_in_id,
                at,
                channel,
                flag_id,
            } => {
                let ordinary = C::RecordCheckIn {
                    check_in_id: check_in_id.clone(),
                    at: *at,
                    channel: *channel,
                    welfare: Welfare::Ok,
                    notes: String::new(),
                    flag_id: flag_id.clone(),
                };
                let mut events = Self::decide(&ordinary, state, ctx)?;
                if events.is_empty() {
                    return Ok(events);
                }
                let cause = contract::Cause {
                    kind: "DURESS".into(),
                    event_id: check_in_id.clone(),
                    ..Default::default()
                };
                let notes = "the CLA's duress word was received".to_string();
                events.push(raised(
                    ctx,
                    flag_id,
                    Category::ThreatReceived,
                    Severity::Critical,
                    notes,
                    Some(cause),
                ));
                Ok(events)
            }
            C::Raise {
                flag_id,
                category,
                severity,
                notes,
            } => {
                if *category == Category::Unspecified {
                    return Err(AppError::validation(
                        "category",
                        "choose the flag's category",
                    ));
                }
                if *severity == Severity::Unspecified {
                    return Err(AppError::validation(
                        "severity",
                        "choose the flag's severity",
                    ));
                }
                if state.flags.contains_key(flag_id) {
                    return Err(AppError::conflict("this flag already exists").on("flagId"));
                }
                Ok(vec![raised(
                    ctx,
                    flag_id,
                    *category,
                    *severity,
                    text("notes", notes, false)?,
                    None,
                )])
            }
            C::ChangeSeverity {
                flag_id,
                severity,
                reason,
            } => {
                let flag = live(state, flag_id)?;
                if *severity == Severity::Unspecified {
                    return Err(AppError::validation(
                        "severity",
                        "choose the flag's severity",
                    ));
                }
                if *severity == flag.severity {
                    return Ok(vec![]);
                }
                Ok(vec![RiskEvent::RiskFlagSeverityChanged(
                    contract::RiskFlagSeverityChanged {
                        flag_id: flag_id.clone(),
                        severity: *severity as i32,
                        reason: text("reason", reason, true)?,
                        review_due: (ctx.now.date_naive() + Duration::days(review_days(*severity)))
                            .to_string(),
                        previous_severity: flag.severity as i32,
                    },
                )])
            }
            C::AddMitigation {
                flag_id,
                action,
                notes,
            } => {
                live(state, flag_id)?;
                if *action == Mitigation::Unspecified {
                    return Err(AppError::validation("action", "choose the mitigation"));
                }
                Ok(vec![RiskEvent::MitigationAdded(
                    contract::MitigationAdded {
                        flag_id: flag_id.clone(),
                        action: *action as i32,
                        notes: text("notes", notes, false)?,
                    },
                )])
            }
            C::Review { flag_id, notes } => {
                let flag = live(state, flag_id)?;
                Ok(vec![RiskEvent::RiskFlagReviewed(
                    contract::RiskFlagReviewed {
                        flag_id: flag_id.clone(),
                        notes: text("notes", notes, false)?,
                        next_review_due: (ctx.now.date_naive()
                            + Duration::days(review_days(flag.severity)))
                        .to_string(),
                    },
                )])
            }
            C::Close {
                flag_id,
                resolution,
            } => {
                live(state, flag_id)?;
                Ok(vec![RiskEvent::RiskFlagClosed(contract::RiskFlagClosed {
                    flag_id: flag_id.clone(),
                    resolution: text("resolution", resolution, true)?,
                })])
            }
            C::RaiseMissedCheckIn {
                flag_id,
                silent_since,
                last_heard_at,
                first_due_at,
                period_hours,
                periods,
                escalate_after,
            } => {
                if *periods == 0 || state.check_ins.iter().any(|c| c.at > *silent_since) {
                    return Ok(vec![]);
                }
                // The silence's flag, whatever id a scan gave it.
                let existing = state.flags.values().find(|f| {
                    f.id == *flag_id || (f.is_silence() && f.silent_since() == Some(*silent_since))
                });
                let mut events = Vec::new();
                let (id, before, severity) = match existing {
                    Some(f) if f.status == FlagStatus::Closed => return Ok(vec![]),
                    Some(f) => (f.id.clone(), f.periods_missed, f.severity),
                    None => {
                        let cause = contract::Cause {
                            kind: MISSED_CHECK_IN.into(),
                            period_due_at: first_due_at.to_rfc3339(),
                            last_heard_at: last_heard_at
                                .map(|t| t.to_rfc3339())
                                .unwrap_or_default(),
                            silent_since: silent_since.to_rfc3339(),
                            period_hours: *period_hours,
                            ..Default::default()
                        };
                        let notes = silence_notes(&cause, 1);
                        events.push(raised(
                            ctx,
                            flag_id,
                            Category::MissedCheckIn,
                            Severity::High,
                            notes,
                            Some(cause),
                        ));
                        (flag_id.clone(), 0, Severity::High)
                    }
                };
                if *periods > before.max(1) {
                    let last =
                        *first_due_at + Duration::hours(*period_hours * i64::from(*periods - 1));
                    events.push(RiskEvent::MissedCheckInsCounted(
                        contract::MissedCheckInsCounted {
                            flag_id: id.clone(),
                            periods_missed: *periods,
                            last_period_due_at: last.to_rfc3339(),
                        },
                    ));
                }
                if before < *escalate_after
                    && *periods >= *escalate_after
                    && severity != Severity::Critical
                {
                    events.push(RiskEvent::RiskFlagSeverityChanged(
                        contract::RiskFlagSeverityChanged {
                            flag_id: id,
                            severity: Severity::Critical as i32,
                            reason: format!("{periods} check-in periods missed"),
                            review_due: (ctx.now.date_naive()
                                + Duration::days(review_days(Severity::Critical)))
                            .to_string(),
                            previous_severity: severity as i32,
                        },
                    ));
                }
                Ok(events)
            }
            C::CloseSilences => Ok(state
                .flags
                .values()
                .filter(|f| f.status != FlagStatus::Closed)
                .filter_map(|f| {
                    let since = f.silent_since()?;
                    let next = state
                        .check_ins
                        .iter()
                        .filter(|c| c.at > since)
                        .min_by_key(|c| c.at)?;
                    Some(RiskEvent::RiskFlagClosed(contract::RiskFlagClosed {
                        flag_id: f.id.clone(),
                        resolution: format!(
                            "checked in at {} ({})",
                            next.at.to_rfc3339(),
                            channel_name(next.channel)
                        ),
                    }))
                })
                .collect()),
            C::RaiseClosureExposure {
                flag_id,
                base_id,
                cause_event_id,
            } => {
                if state.flags.values().any(|f| {
                    f.cause
                        .as_ref()
                        .is_some_and(|c| c.kind == "BASE_CLOSURE" && c.event_id == *cause_event_id)
                }) {
                    return Ok(vec![]);
                }
                let cause = contract::Cause {
                    kind: "BASE_CLOSURE".into(),
                    event_id: cause_event_id.clone(),
                    base_id: base_id.clone(),
                    ..Default::default()
                };
                let notes = "deployed at a base that started closing".to_string();
                Ok(vec![raised(
                    ctx,
                    flag_id,
                    Category::BaseClosureExposure,
                    Severity::High,
                    notes,
                    Some(cause),
                )])
            }
            C::MarkReviewOverdue { flag_id } => {
                let flag = live(state, flag_id)?;
                if flag.review_due >= ctx.now.date_naive()
                    || flag.overdue_marked_for == Some(flag.review_due)
                {
                    return Ok(vec![]);
                }
                Ok(vec![RiskEvent::RiskReviewOverdue(
                    contract::RiskReviewOverdue {
                        flag_id: flag_id.clone(),
                        review_due: flag.review_due.to_string(),
                    },
                )])
            }
        }
    }

    fn evolve(mut state: Risk, event: &RiskEvent, on: NaiveDate) -> Risk {
        use RiskEvent as E;
        let date = |t: &str| t.parse::<NaiveDate>().unwrap_or(on);
        match event {
            E::CheckInRecorded(e) => {
                if let Ok(at) = DateTime::parse_from_rfc3339(&e.at) {
                    state.check_in_ids.insert(e.check_in_id.clone());
                    state.check_ins.push(CheckIn {
                        id: e.check_in_id.clone(),
                        at: at.to_utc(),
                        channel: Channel::try_from(e.channel).unwrap_or(Channel::Report),
                        welfare: Welfare::try_from(e.welfare).unwrap_or(Welfare::Ok),
                    });
                }
            }
            E::RiskFlagRaised(e) => {
                state.flags.insert(
                    e.flag_id.clone(),
                    Flag {
                        id: e.flag_id.clone(),
                        staff_id: e.staff_id.clone(),
                        mission: e.mission_code.clone(),
                        base_id: e.base_id.clone(),
                        category: Category::try_from(e.category).unwrap_or(Category::Other),
                        severity: Severity::try_from(e.severity).unwrap_or(Severity::Medium),
                        status: FlagStatus::Open,
                        notes: e.notes.clone(),
                        raised_on: on,
                        review_due: date(&e.review_due),
                        mitigations: Vec::new(),
                        cause: e.cause.clone(),
                        overdue_marked_for: None,
                        periods_missed: u32::from(
                            e.cause.as_ref().is_some_and(|c| c.kind == MISSED_CHECK_IN),
                        ),
                        resolution: None,
                    },
                );
            }
            E::RiskFlagSeverityChanged(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.severity = Severity::try_from(e.severity).unwrap_or(f.severity);
                    f.review_due = date(&e.review_due);
                }
            }
            E::MitigationAdded(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.mitigations.push((
                        Mitigation::try_from(e.action).unwrap_or(Mitigation::Other),
                        e.notes.clone(),
                    ));
                    f.status = FlagStatus::Mitigating;
                }
            }
            E::RiskFlagReviewed(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.review_due = date(&e.next_review_due);
                }
            }
            E::RiskFlagClosed(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.status = FlagStatus::Closed;
                    f.resolution = Some(e.resolution.clone());
                }
            }
            E::MissedCheckInsCounted(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.periods_missed = e.periods_missed;
                    if let Some(cause) = &f.cause {
                        f.notes = silence_notes(cause, e.periods_missed);
                    }
                }
            }
            E::RiskReviewOverdue(e) => {
                if let Some(f) = state.flags.get_mut(&e.flag_id) {
                    f.overdue_marked_for = Some(date(&e.review_due));
                }
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
