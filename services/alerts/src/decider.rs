//! The alerts rule, decided on a mission's alerts stream: given everything observed true now, an
//! alert is raised for each condition not already active and cleared for each active one no longer
//! observed. A condition is one kind about one subject (a base, a staff member, a manager); it is
//! raised once however often it is observed, and again only after it has been cleared.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use cla_platform::AppError;
use cla_platform::decider::Decider;

use crate::events::{AlertEvent, AlertKind, contract};

/// One condition observed true.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub kind: AlertKind,
    pub subject_id: String,
    pub base_id: String,
    pub on: Option<NaiveDate>,
    pub detail: String,
}

impl Condition {
    pub fn key(&self) -> (i32, String) {
        (self.kind as i32, self.subject_id.clone())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AlertsCommand {
    /// Everything observed true now in the mission, of every kind the monitor watches. Each
    /// condition comes with the id its alert takes if it is raised now.
    Reconcile { observed: Vec<(String, Condition)> },
}

/// An alert raised and not cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveAlert {
    pub alert_id: String,
    pub condition: Condition,
    /// The day it was raised.
    pub since: NaiveDate,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alerts {
    /// By (kind, subject).
    pub active: BTreeMap<(i32, String), ActiveAlert>,
}

pub struct AlertsDecider;

impl Decider for AlertsDecider {
    type Command = AlertsCommand;
    type Event = AlertEvent;
    type State = Alerts;
    type Context = ();

    fn decide(
        command: &AlertsCommand,
        state: &Alerts,
        _: &(),
    ) -> Result<Vec<AlertEvent>, AppError> {
        let AlertsCommand::Reconcile { observed } = command;
        let mut seen = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (id, c) in observed {
            if c.kind == AlertKind::Unspecified || c.subject_id.is_empty() {
                return Err(AppError::validation(
                    "observed",
                    "every condition has a kind and a subject",
                ));
            }
            if !seen.insert(c.key()) {
                return Err(AppError::validation(
                    "observed",
                    format!(
                        "{} about {} is observed twice",
                        c.kind.as_str_name(),
                        c.subject_id
                    ),
                ));
            }
            if id.is_empty() || !ids.insert(id.as_str()) {
                return Err(AppError::validation(
                    "observed",
                    "every condition comes with an alert id of its own",
                ));
            }
        }
        let mut events = Vec::new();
        for (key, alert) in &state.active {
            if !seen.contains(key) {
                events.push(AlertEvent::AlertCleared(contract::AlertCleared {
                    alert_id: alert.alert_id.clone(),
                    kind: key.0,
                    subject_id: key.1.clone(),
                }));
            }
        }
        for (id, c) in observed {
            if state.active.contains_key(&c.key()) {
                continue;
            }
            events.push(AlertEvent::AlertRaised(contract::AlertRaised {
                alert_id: id.clone(),
                kind: c.kind as i32,
                subject_id: c.subject_id.clone(),
                base_id: c.base_id.clone(),
                on: c.on.map(|d| d.to_string()).unwrap_or_default(),
                detail: c.detail.clone(),
            }));
        }
        Ok(events)
    }

    fn evolve(mut state: Alerts, event: &AlertEvent, on: NaiveDate) -> Alerts {
        match event {
            AlertEvent::AlertRaised(e) => {
                let condition = Condition {
                    kind: AlertKind::try_from(e.kind).unwrap_or(AlertKind::Unspecified),
                    subject_id: e.subject_id.clone(),
                    base_id: e.base_id.clone(),
                    on: e.on.parse().ok(),
                    detail: e.detail.clone(),
                };
                state.active.insert(
                    condition.key(),
                    ActiveAlert {
                        alert_id: e.alert_id.clone(),
                        condition,
                        since: on,
                    },
                );
            }
            AlertEvent::AlertCleared(e) => {
                state.active.remove(&(e.kind, e.subject_id.clone()));
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
