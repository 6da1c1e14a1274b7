use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_platform::decider::given;

use super::*;

fn condition(kind: AlertKind, subject: &str) -> Condition {
    Condition {
        kind,
        subject_id: subject.into(),
        base_id: "b-1".into(),
        on: NaiveDate::from_ymd_opt(2026, 5, 1),
        detail: "strength 1 of minimum 2".into(),
    }
}

fn observe(conditions: &[(&str, Condition)]) -> AlertsCommand {
    AlertsCommand::Reconcile {
        observed: conditions
            .iter()
            .map(|(id, c)| (id.to_string(), c.clone()))
            .collect(),
    }
}

fn raised(id: &str, c: &Condition) -> AlertEvent {
    AlertEvent::AlertRaised(contract::AlertRaised {
        alert_id: id.into(),
        kind: c.kind as i32,
        subject_id: c.subject_id.clone(),
        base_id: c.base_id.clone(),
        on: "2026-05-01".into(),
        detail: c.detail.clone(),
    })
}

fn cleared(id: &str, c: &Condition) -> AlertEvent {
    AlertEvent::AlertCleared(contract::AlertCleared {
        alert_id: id.into(),
        kind: c.kind as i32,
        subject_id: c.subject_id.clone(),
    })
}

#[test]
fn a_condition_observed_true_is_raised_once() {
    let below = condition(AlertKind::BaseBelowMinimum, "b-1");
    given::<AlertsDecider>(vec![])
        .when(observe(&[("a-1", below.clone())]))
        .then(vec![raised("a-1", &below)]);
    // Observed again (a later scan, another replica): nothing, whatever id the new look offers
    // and even if what it observed about it changed.
    let mut changed = below.clone();
    changed.detail = "strength 0 of minimum 2".into();
    given::<AlertsDecider>(vec![raised("a-1", &below)])
        .when(observe(&[("a-2", changed)]))
        .then(vec![]);
}

#[test]
fn a_condition_no_longer_observed_is_cleared_and_raised_again_when_it_returns() {
    let below = condition(AlertKind::BaseBelowMinimum, "b-1");
    given::<AlertsDecider>(vec![raised("a-1", &below)])
        .when(observe(&[]))
        .then(vec![cleared("a-1", &below)]);
    given::<AlertsDecider>(vec![raised("a-1", &below), cleared("a-1", &below)])
        .when(observe(&[("a-2", below.clone())]))
        .then(vec![raised("a-2", &below)]);
}

#[test]
fn conditions_are_one_kind_about_one_subject() {
    let below = condition(AlertKind::BaseBelowMinimum, "b-1");
    let not_visited = condition(AlertKind::BaseNotVisited, "b-1");
    let other_base = condition(AlertKind::BaseBelowMinimum, "b-2");
    let events = given::<AlertsDecider>(vec![raised("a-1", &below)])
        .when(observe(&[
            ("a-2", below.clone()),
            ("a-3", not_visited.clone()),
            ("a-4", other_base.clone()),
        ]))
        .then(vec![
            raised("a-3", &not_visited),
            raised("a-4", &other_base),
        ]);
    assert_eq!(events.len(), 2);
    // Cleared and raised in one decision: the clearing first.
    given::<AlertsDecider>(vec![raised("a-1", &below)])
        .when(observe(&[("a-3", not_visited.clone())]))
        .then(vec![cleared("a-1", &below), raised("a-3", &not_visited)]);
}

#[test]
fn an_observation_that_names_a_condition_twice_or_reuses_an_id_is_refused() {
    let below = condition(AlertKind::BaseBelowMinimum, "b-1");
    given::<AlertsDecider>(vec![])
        .when(observe(&[("a-1", below.clone()), ("a-2", below.clone())]))
        .then_error_on(ErrorCode::Validation, "observed");
    given::<AlertsDecider>(vec![])
        .when(observe(&[
            ("a-1", below.clone()),
            ("a-1", condition(AlertKind::ForecastGap, "b-1")),
        ]))
        .then_error_on(ErrorCode::Validation, "observed");
    given::<AlertsDecider>(vec![])
        .when(observe(&[(
            "a-1",
            condition(AlertKind::Unspecified, "b-1"),
        )]))
        .then_error_on(ErrorCode::Validation, "observed");
    given::<AlertsDecider>(vec![])
        .when(observe(&[(
            "a-1",
            condition(AlertKind::ManagerOverSpan, ""),
        )]))
        .then_error_on(ErrorCode::Validation, "observed");
}

#[test]
fn the_state_holds_what_is_active_since_when() {
    let below = condition(AlertKind::BaseBelowMinimum, "b-1");
    let gap = condition(AlertKind::ForecastGap, "b-2");
    let day = NaiveDate::from_ymd_opt(2026, 5, 3).unwrap();
    let state = AlertsDecider::fold(&[
        (day, raised("a-1", &below)),
        (day, raised("a-2", &gap)),
        (day, cleared("a-1", &below)),
    ]);
    assert_eq!(state.active.len(), 1);
    let active = &state.active[&gap.key()];
    assert_eq!(
        (active.alert_id.as_str(), active.since, &active.condition),
        ("a-2", day, &gap)
    );
}
