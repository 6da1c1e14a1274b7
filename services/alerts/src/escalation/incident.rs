//! One incident, decided on its `incident-<INCIDENT>` stream: opened once, its steps started in
//! order (a step and its notifications in one append, so a step is never half-decided), each
//! notification taken by one worker at a time (a lease), delivered or failed with a retry time,
//! acknowledged once, resolved once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::AppError;
use cla_platform::decider::Decider;

use super::events::{IncidentEvent, contract};

/// A notification is tried at most this many times.
pub const MAX_ATTEMPTS: u32 = 8;

// A command lives for one decision and is never stored or kept in bulk: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum IncidentCommand {
    Open(contract::IncidentOpened),
    StartStep {
        step: u32,
        round: u32,
        at: DateTime<Utc>,
        unreachable: Vec<String>,
        notifications: Vec<contract::NotificationDecided>,
    },
    /// Notifications outside the steps (a channel's failure told on another channel).
    Notify {
        notifications: Vec<contract::NotificationDecided>,
    },
    Attempt {
        notification_id: String,
        worker: String,
        now: DateTime<Utc>,
        lease: Duration,
    },
    Delivered {
        notification_id: String,
        attempt: u32,
    },
    Failed {
        notification_id: String,
        attempt: u32,
        reason: String,
        retry_at: Option<DateTime<Utc>>,
    },
    Acknowledge {
        by: String,
        channel: String,
        notification_id: String,
    },
    Resolve {
        outcome: String,
        by: String,
        channel: String,
    },
}

/// What the decisions need to know of a notification.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Note {
    pub decided: contract::NotificationDecided,
    pub attempts: u32,
    pub lease_until: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    pub delivered: bool,
    /// Failed with no further attempt.
    pub given_up: bool,
}

impl Note {
    /// Whether it is still to be sent.
    pub fn pending(&self) -> bool {
        !self.delivered && !self.given_up
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Incident {
    pub opened: Option<contract::IncidentOpened>,
    /// The step started last (0: none yet) and its round.
    pub step: u32,
    pub round: u32,
    pub notifications: BTreeMap<String, Note>,
    pub acknowledged: Option<contract::IncidentAcknowledged>,
    pub resolved: bool,
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub struct IncidentDecider;

impl Decider for IncidentDecider {
    type Command = IncidentCommand;
    type Event = IncidentEvent;
    type State = Incident;
    type Context = ();

    fn decide(
        command: &IncidentCommand,
        state: &Incident,
        _: &(),
    ) -> Result<Vec<IncidentEvent>, AppError> {
        use IncidentCommand as C;
        if !matches!(command, C::Open(_)) && state.opened.is_none() {
            return Err(AppError::not_found("incidentId", "no such incident"));
        }
        let note = |id: &str| {
            state
                .notifications
                .get(id)
                .ok_or_else(|| AppError::not_found("notificationId", "no such notification"))
        };
        match command {
            C::Open(opened) => Ok(if state.opened.is_some() {
                vec![]
            } else {
                vec![IncidentEvent::IncidentOpened(opened.clone())]
            }),
            C::StartStep {
                step,
                round,
                at,
                unreachable,
                notifications,
            } => {
                // Another worker started it (or a later one) first; an acknowledged incident
                // goes no further.
                if (*step, *round) <= (state.step, state.round)
                    || state.acknowledged.is_some()
                    || state.resolved
                {
                    return Ok(vec![]);
                }
                let mut events = vec![IncidentEvent::IncidentStepStarted(
                    contract::IncidentStepStarted {
                        step: *step,
                        round: *round,
                        unreachable: unreachable.clone(),
                        started_at: at.to_rfc3339(),
                    },
                )];
                events.extend(
                    notifications
                        .iter()
                        .filter(|n| !state.notifications.contains_key(&n.notification_id))
                        .cloned()
                        .map(IncidentEvent::NotificationDecided),
                );
                Ok(events)
            }
            C::Notify { notifications } => Ok(notifications
                .iter()
                .filter(|n| !state.notifications.contains_key(&n.notification_id))
                .cloned()
                .map(IncidentEvent::NotificationDecided)
                .collect()),
            C::Attempt {
                notification_id,
                worker,
                now,
                lease,
            } => {
                let n = note(notification_id)?;
                if !n.pending() {
                    return Err(AppError::conflict("this notification is sent or given up"));
                }
                if n.lease_until.is_some_and(|until| until > *now) {
                    return Err(AppError::conflict("another worker is sending it"));
                }
                if n.retry_at.is_some_and(|at| at > *now) {
                    return Err(AppError::conflict("not due again yet"));
                }
                Ok(vec![IncidentEvent::NotificationAttempted(
                    contract::NotificationAttempted {
                        notification_id: notification_id.clone(),
                        attempt: n.attempts + 1,
                        worker: worker.clone(),
                        lease_until: (*now + *lease).to_rfc3339(),
                    },
                )])
            }
            C::Delivered {
                notification_id,
                attempt,
            } => {
                let n = note(notification_id)?;
                if n.delivered || *attempt != n.attempts {
                    return Ok(vec![]);
                }
                Ok(vec![IncidentEvent::NotificationDelivered(
                    contract::NotificationDelivered {
                        notification_id: notification_id.clone(),
                        attempt: *attempt,
                    },
                )])
            }
            C::Failed {
                notification_id,
                attempt,
                reason,
                retry_at,
            } => {
                let n = note(notification_id)?;
                if !n.pending() || *attempt != n.attempts {
                    return Ok(vec![]);
                }
                let retry_at = retry_at.filter(|_| *attempt < MAX_ATTEMPTS);
                Ok(vec![IncidentEvent::NotificationFailed(
                    contract::NotificationFailed {
                        notification_id: notification_id.clone(),
                        attempt: *attempt,
                        reason: reason.clone(),
                        retry_at: retry_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    },
                )])
            }
            C::Acknowledge {
                by,
                channel,
                notification_id,
            } => {
                if let Some(ack) = &state.acknowledged {
                    return Err(AppError::conflict(format!(
                        "already acknowledged by {} ({})",
                        ack.by,
                        ack.channel.to_lowercase()
                    )));
                }
                if state.resolved {
                    return Err(AppError::conflict("this incident is resolved"));
                }
                Ok(vec![IncidentEvent::IncidentAcknowledged(
                    contract::IncidentAcknowledged {
                        by: by.clone(),
                        channel: channel.clone(),
                        notification_id: notification_id.clone(),
                    },
                )])
            }
            C::Resolve {
                outcome,
                by,
                channel,
            } => {
                let outcome = outcome.trim();
                if outcome.is_empty() || outcome.chars().count() > 2000 {
                    return Err(AppError::validation(
                        "outcome",
                        "say what happened, in 1 to 2000 characters",
                    ));
                }
                if state.resolved {
                    return Err(AppError::conflict("this incident is resolved already"));
                }
                let mut events = Vec::new();
                if state.acknowledged.is_none() {
                    events.push(IncidentEvent::IncidentAcknowledged(
                        contract::IncidentAcknowledged {
                            by: by.clone(),
                            channel: channel.clone(),
                            notification_id: String::new(),
                        },
                    ));
                }
                events.push(IncidentEvent::IncidentResolved(
                    contract::IncidentResolved {
                        outcome: outcome.to_string(),
                        by: by.clone(),
                    },
                ));
                Ok(events)
            }
        }
    }

    fn evolve(mut state: Incident, event: &IncidentEvent, _: NaiveDate) -> Incident {
        match event {
            IncidentEvent::IncidentOpened(e) => state.opened = Some(e.clone()),
            IncidentEvent::IncidentStepStarted(e) => {
                state.step = e.step;
                state.round = e.round;
            }
            IncidentEvent::NotificationDecided(e) => {
                state.notifications.insert(
                    e.notification_id.clone(),
                    Note {
                        decided: e.clone(),
                        ..Default::default()
                    },
                );
            }
            IncidentEvent::NotificationAttempted(e) => {
                if let Some(n) = state.notifications.get_mut(&e.notification_id) {
                    n.attempts = e.attempt;
                    n.lease_until = time(&e.lease_until);
                }
            }
            IncidentEvent::NotificationDelivered(e) => {
                if let Some(n) = state.notifications.get_mut(&e.notification_id) {
                    n.delivered = true;
                    n.lease_until = None;
                }
            }
            IncidentEvent::NotificationFailed(e) => {
                if let Some(n) = state.notifications.get_mut(&e.notification_id) {
                    n.lease_until = None;
                    n.retry_at = time(&e.retry_at);
                    n.given_up = n.retry_at.is_none();
                }
            }
            IncidentEvent::IncidentAcknowledged(e) => state.acknowledged = Some(e.clone()),
            IncidentEvent::IncidentResolved(_) => state.resolved = true,
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::ErrorCode;
    use cla_platform::decider::given;

    use super::*;

    fn opened() -> IncidentEvent {
        IncidentEvent::IncidentOpened(contract::IncidentOpened {
            incident_id: "i1".into(),
            mission_code: "ALPHA".into(),
            ..Default::default()
        })
    }

    fn decided(id: &str) -> contract::NotificationDecided {
        contract::NotificationDecided {
            notification_id: id.into(),
            step: 1,
            ..Default::default()
        }
    }

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + minute * 60, 0).unwrap()
    }

    fn attempt(id: &str, now: DateTime<Utc>) -> IncidentCommand {
        IncidentCommand::Attempt {
            notification_id: id.into(),
            worker: "w".into(),
            now,
            lease: Duration::minutes(1),
        }
    }

    #[test]
    fn a_step_is_started_once_and_not_after_an_acknowledgement() {
        let start = IncidentCommand::StartStep {
            step: 1,
            round: 1,
            at: at(0),
            unreachable: vec![],
            notifications: vec![decided("n1")],
        };
        let events = given::<IncidentDecider>(vec![opened()])
            .when(start.clone())
            .then_any();
        assert_eq!(events.len(), 2);
        let mut history = vec![opened()];
        history.extend(events);
        given::<IncidentDecider>(history.clone())
            .when(start.clone())
            .then(vec![]);
        history.push(IncidentEvent::IncidentAcknowledged(
            contract::IncidentAcknowledged {
                by: "A".into(),
                channel: "WEB".into(),
                notification_id: String::new(),
            },
        ));
        given::<IncidentDecider>(history)
            .when(IncidentCommand::StartStep {
                step: 2,
                round: 1,
                at: at(0),
                unreachable: vec![],
                notifications: vec![decided("n2")],
            })
            .then(vec![]);
        given::<IncidentDecider>(vec![])
            .when(start)
            .then_error_on(ErrorCode::NotFound, "incidentId");
    }

    #[test]
    fn one_worker_at_a_time_sends_a_notification_and_a_failure_waits_its_retry() {
        let history = vec![
            opened(),
            IncidentEvent::NotificationDecided(decided("n1")),
            IncidentEvent::NotificationAttempted(contract::NotificationAttempted {
                notification_id: "n1".into(),
                attempt: 1,
                worker: "w".into(),
                lease_until: at(1).to_rfc3339(),
            }),
        ];
        given::<IncidentDecider>(history.clone())
            .when(attempt("n1", at(0)))
            .then_error(ErrorCode::Conflict);
        // The lease ran out (its worker died): another takes it, as attempt 2.
        let taken = given::<IncidentDecider>(history.clone())
            .when(attempt("n1", at(2)))
            .then_any();
        assert!(matches!(&taken[0], IncidentEvent::NotificationAttempted(a) if a.attempt == 2));
        let mut failed = history.clone();
        failed.push(IncidentEvent::NotificationFailed(
            contract::NotificationFailed {
                notification_id: "n1".into(),
                attempt: 1,
                reason: "connection refused".into(),
                retry_at: at(5).to_rfc3339(),
            },
        ));
        given::<IncidentDecider>(failed.clone())
            .when(attempt("n1", at(3)))
            .then_error(ErrorCode::Conflict);
        given::<IncidentDecider>(failed)
            .when(attempt("n1", at(5)))
            .then_any();
        let mut delivered = history;
        delivered.push(IncidentEvent::NotificationDelivered(
            contract::NotificationDelivered {
                notification_id: "n1".into(),
                attempt: 1,
            },
        ));
        given::<IncidentDecider>(delivered)
            .when(attempt("n1", at(9)))
            .then_error(ErrorCode::Conflict);
    }

    #[test]
    fn an_incident_is_acknowledged_once_and_resolving_it_acknowledges_it() {
        let events = given::<IncidentDecider>(vec![opened()])
            .when(IncidentCommand::Resolve {
                outcome: "reached by radio, safe".into(),
                by: "Amani".into(),
                channel: "WEB".into(),
            })
            .then_any();
        assert!(matches!(events[0], IncidentEvent::IncidentAcknowledged(_)));
        assert!(matches!(events[1], IncidentEvent::IncidentResolved(_)));
        let mut history = vec![opened()];
        history.extend(events);
        given::<IncidentDecider>(history.clone())
            .when(IncidentCommand::Acknowledge {
                by: "B".into(),
                channel: "EMAIL".into(),
                notification_id: String::new(),
            })
            .then_error(ErrorCode::Conflict);
        given::<IncidentDecider>(vec![opened()])
            .when(IncidentCommand::Resolve {
                outcome: "  ".into(),
                by: "A".into(),
                channel: "WEB".into(),
            })
            .then_error_on(ErrorCode::Validation, "outcome");
    }
}
