use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_platform::decider::given_on;

use super::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn ctx() -> StaffingContext {
    let mut c = StaffingContext {
        mission: "MONUSCO".into(),
        ..Default::default()
    };
    for (id, name) in [("b-1", "Kamango"), ("b-2", "Eringeti")] {
        c.bases.insert(
            id.into(),
            BaseFacts {
                mission: "MONUSCO".into(),
                name: name.into(),
                open: true,
                minimum: 2,
            },
        );
    }
    c.bases.insert(
        "b-x".into(),
        BaseFacts {
            mission: "MINUSCA".into(),
            name: "Bangui".into(),
            open: true,
            minimum: 2,
        },
    );
    c.bases.insert(
        "b-closed".into(),
        BaseFacts {
            mission: "MONUSCO".into(),
            name: "Closed".into(),
            open: false,
            minimum: 2,
        },
    );
    for id in ["s-1", "s-2", "s-3"] {
        c.staff.insert(
            id.into(),
            StaffFacts {
                mission: "MONUSCO".into(),
                name: id.into(),
                active: true,
            },
        );
    }
    c.staff.insert(
        "s-new".into(),
        StaffFacts {
            mission: "MONUSCO".into(),
            name: "new".into(),
            active: false,
        },
    );
    c
}

fn deployed(id: &str, staff: &str, base: &str) -> StaffingEvent {
    StaffingEvent::ClaDeployed(contract::ClaDeployed {
        deployment_id: id.into(),
        staff_id: staff.into(),
        base_id: base.into(),
    })
}

/// Three CLAs at b-1 from 1 March: s-1, s-2, s-3.
fn three_at_base() -> Vec<(NaiveDate, StaffingEvent)> {
    vec![
        (day(1), deployed("d-1", "s-1", "b-1")),
        (day(1), deployed("d-2", "s-2", "b-1")),
        (day(1), deployed("d-3", "s-3", "b-1")),
    ]
}

fn two_at_base() -> Vec<(NaiveDate, StaffingEvent)> {
    three_at_base().into_iter().take(2).collect()
}

fn end(staff: &str, on: NaiveDate, accept: Option<&str>) -> StaffingCommand {
    StaffingCommand::EndDeployment {
        staff_id: staff.into(),
        on,
        reason: "contract".into(),
        accept_gap: accept.map(|r| Acceptance {
            reason: r.into(),
            by: "manager-1".into(),
        }),
    }
}

#[test]
fn only_active_clas_deploy_to_open_bases_of_their_mission_once() {
    let deploy = |staff: &str, base: &str| StaffingCommand::Deploy {
        deployment_id: "d-9".into(),
        staff_id: staff.into(),
        base_id: base.into(),
        from: day(5),
    };
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-1", "b-1"))
        .then(vec![deployed("d-9", "s-1", "b-1")]);
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-new", "b-1"))
        .then_error_on(ErrorCode::Conflict, "staffId");
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-404", "b-1"))
        .then_error_on(ErrorCode::NotFound, "staffId");
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-1", "b-404"))
        .then_error_on(ErrorCode::NotFound, "baseId");
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-1", "b-x"))
        .then_error_on(ErrorCode::Validation, "baseId");
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(deploy("s-1", "b-closed"))
        .then_error_on(ErrorCode::Conflict, "baseId");
    // At most one deployment at a time.
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(deploy("s-1", "b-2"))
        .then_error_on(ErrorCode::Conflict, "staffId");
}

#[test]
fn ending_a_deployment_that_leaves_a_base_below_its_minimum_needs_an_accepted_gap() {
    // 3 → 2: fine.
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(end("s-3", day(10), None))
        .then(vec![StaffingEvent::DeploymentEnded(
            contract::DeploymentEnded {
                deployment_id: "d-3".into(),
                staff_id: "s-3".into(),
                base_id: "b-1".into(),
                reason: "contract".into(),
                gap_accepted: None,
            },
        )]);
    // 2 → 1: refused, naming the base, the date and the strength.
    let refusal = given_on::<StaffingDecider>(two_at_base())
        .with(ctx())
        .when(end("s-2", day(10), None))
        .then_error_on(ErrorCode::CoverageGap, "acceptGap");
    assert!(refusal.message.contains("Kamango"), "{}", refusal.message);
    assert!(
        refusal.message.contains("2026-03-10"),
        "{}",
        refusal.message
    );
    assert!(
        refusal.message.contains("strength of 1"),
        "{}",
        refusal.message
    );
    // The same, as details a door words in its reader's language.
    for (name, value) in [
        ("rule", "coverage-gap"),
        ("baseId", "b-1"),
        ("baseName", "Kamango"),
        ("strength", "1"),
        ("minimum", "2"),
        ("on", "2026-03-10"),
    ] {
        assert_eq!(refusal.detail(name), Some(value), "{name} of {refusal:?}");
    }
    // Accepted with a reason: the event records the acceptance, who gave it and the figures.
    given_on::<StaffingDecider>(two_at_base())
        .with(ctx())
        .when(end("s-2", day(10), Some("replacement arrives next week")))
        .then(vec![StaffingEvent::DeploymentEnded(
            contract::DeploymentEnded {
                deployment_id: "d-2".into(),
                staff_id: "s-2".into(),
                base_id: "b-1".into(),
                reason: "contract".into(),
                gap_accepted: Some(contract::GapAcceptance {
                    reason: "replacement arrives next week".into(),
                    accepted_by: "manager-1".into(),
                    strength: 1,
                    minimum: 2,
                }),
            },
        )]);
    let blank = given_on::<StaffingDecider>(two_at_base())
        .with(ctx())
        .when(end("s-2", day(10), Some("  ")))
        .then_error_on(ErrorCode::Validation, "acceptGap");
    // Refused for the missing reason, it still says which gap it would open.
    assert_eq!(blank.detail("rule"), Some("gap-reason-needed"));
    assert_eq!(blank.detail("baseName"), Some("Kamango"));
    assert_eq!(blank.detail("strength"), Some("1"));
    // A base override of 3 makes 3 → 2 a gap too.
    let mut strict = ctx();
    strict.bases.get_mut("b-1").unwrap().minimum = 3;
    given_on::<StaffingDecider>(three_at_base())
        .with(strict)
        .when(end("s-3", day(10), None))
        .then_error(ErrorCode::CoverageGap);
    // Nothing to end, or an end on or before the start.
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(end("s-1", day(10), None))
        .then_error_on(ErrorCode::NotFound, "staffId");
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(end("s-3", day(1), None))
        .then_error_on(ErrorCode::Validation, "on");
}

#[test]
fn absences_and_separations_count_against_strength_but_are_never_refused() {
    let absence = |id: &str, staff: &str, from: u32, to: u32| StaffingCommand::RecordAbsence {
        absence_id: id.into(),
        staff_id: staff.into(),
        kind: AbsenceKind::Leave,
        from: day(from),
        to: day(to),
    };
    // An absence taking the base to 1 is recorded all the same.
    given_on::<StaffingDecider>(two_at_base())
        .with(ctx())
        .when(absence("a-1", "s-1", 10, 20))
        .then(vec![StaffingEvent::AbsenceRecorded(
            contract::AbsenceRecorded {
                absence_id: "a-1".into(),
                staff_id: "s-1".into(),
                kind: AbsenceKind::Leave as i32,
                from: day(10).to_string(),
                to: day(20).to_string(),
            },
        )]);
    // With s-1 absent, ending s-3 at a base of three is a gap (3 deployed, 1 absent, 1 leaves).
    let mut events = three_at_base();
    events.push((
        day(2),
        StaffingEvent::AbsenceRecorded(contract::AbsenceRecorded {
            absence_id: "a-1".into(),
            staff_id: "s-1".into(),
            kind: AbsenceKind::Medical as i32,
            from: day(10).to_string(),
            to: day(20).to_string(),
        }),
    ));
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(end("s-3", day(12), None))
        .then_error(ErrorCode::CoverageGap);
    // After the absence ends, it is not.
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(end("s-3", day(21), None))
        .then(vec![StaffingEvent::DeploymentEnded(
            contract::DeploymentEnded {
                deployment_id: "d-3".into(),
                staff_id: "s-3".into(),
                base_id: "b-1".into(),
                reason: "contract".into(),
                gap_accepted: None,
            },
        )]);
    // A separated CLA no longer counts.
    let mut separated = ctx();
    separated
        .availability
        .separated_on
        .insert("s-1".into(), day(5));
    given_on::<StaffingDecider>(three_at_base())
        .with(separated)
        .when(end("s-3", day(10), None))
        .then_error(ErrorCode::CoverageGap);
    // Absences of one CLA do not overlap, and end on or after they start.
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(absence("a-2", "s-1", 20, 25))
        .then_error_on(ErrorCode::Conflict, "from");
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(absence("a-2", "s-1", 25, 24))
        .then_error_on(ErrorCode::Validation, "to");
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(absence("a-2", "s-1", 21, 25))
        .then(vec![StaffingEvent::AbsenceRecorded(
            contract::AbsenceRecorded {
                absence_id: "a-2".into(),
                staff_id: "s-1".into(),
                kind: AbsenceKind::Leave as i32,
                from: day(21).to_string(),
                to: day(25).to_string(),
            },
        )]);
    // Cut short or cancelled.
    let cut = |to| StaffingCommand::CutAbsenceShort {
        absence_id: "a-1".into(),
        to: day(to),
        effective: day(12),
    };
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(cut(15))
        .then(vec![StaffingEvent::AbsenceCutShort(
            contract::AbsenceCutShort {
                absence_id: "a-1".into(),
                to: day(15).to_string(),
            },
        )]);
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(cut(20))
        .then_error_on(ErrorCode::Validation, "to");
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(cut(9))
        .then_error_on(ErrorCode::Validation, "to");
    let cancel = StaffingCommand::CancelAbsence {
        absence_id: "a-1".into(),
        effective: day(3),
    };
    given_on::<StaffingDecider>(events.clone())
        .with(ctx())
        .when(cancel.clone())
        .then(vec![StaffingEvent::AbsenceCancelled(
            contract::AbsenceCancelled {
                absence_id: "a-1".into(),
            },
        )]);
    let mut cancelled = events;
    cancelled.push((
        day(3),
        StaffingEvent::AbsenceCancelled(contract::AbsenceCancelled {
            absence_id: "a-1".into(),
        }),
    ));
    given_on::<StaffingDecider>(cancelled)
        .with(ctx())
        .when(cancel)
        .then_error_on(ErrorCode::NotFound, "absenceId");
}

fn plan(id: &str, staff: &str, from: &str, to: &str, date: NaiveDate) -> StaffingCommand {
    StaffingCommand::PlanRotation {
        rotation_id: id.into(),
        staff_id: staff.into(),
        from_base_id: from.into(),
        to_base_id: to.into(),
        date,
        effective: day(2),
    }
}

fn planned(id: &str, staff: &str, date: NaiveDate) -> StaffingEvent {
    StaffingEvent::RotationPlanned(contract::RotationPlanned {
        rotation_id: id.into(),
        staff_id: staff.into(),
        from_base_id: "b-1".into(),
        to_base_id: "b-2".into(),
        date: date.to_string(),
    })
}

#[test]
fn rotations_start_at_the_clas_base_go_to_another_open_base_and_do_not_overlap() {
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(plan("r-1", "s-3", "b-1", "b-2", day(20)))
        .then(vec![planned("r-1", "s-3", day(20))]);
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(plan("r-1", "s-3", "b-2", "b-1", day(20)))
        .then_error_on(ErrorCode::Validation, "fromBaseId");
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(plan("r-1", "s-3", "b-1", "b-1", day(20)))
        .then_error_on(ErrorCode::Validation, "toBaseId");
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(plan("r-1", "s-3", "b-1", "b-closed", day(20)))
        .then_error_on(ErrorCode::Conflict, "toBaseId");
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(plan("r-1", "s-3", "b-1", "b-x", day(20)))
        .then_error_on(ErrorCode::Validation, "toBaseId");
    let mut with_plan = three_at_base();
    with_plan.push((day(2), planned("r-1", "s-3", day(20))));
    given_on::<StaffingDecider>(with_plan)
        .with(ctx())
        .when(plan("r-2", "s-3", "b-1", "b-2", day(25)))
        .then_error_on(ErrorCode::Conflict, "staffId");
}

#[test]
fn completing_a_rotation_moves_the_cla_in_one_decision_and_keeps_two_per_base() {
    let complete = |accept: Option<&str>| StaffingCommand::CompleteRotation {
        rotation_id: "r-1".into(),
        new_deployment_id: "d-new".into(),
        on: day(21),
        accept_gap: accept.map(|r| Acceptance {
            reason: r.into(),
            by: "manager-1".into(),
        }),
    };
    let mut from_three = three_at_base();
    from_three.push((day(2), planned("r-1", "s-3", day(20))));
    let events = given_on::<StaffingDecider>(from_three.clone())
        .with(ctx())
        .when(complete(None))
        .then(vec![StaffingEvent::RotationCompleted(
            contract::RotationCompleted {
                rotation_id: "r-1".into(),
                staff_id: "s-3".into(),
                from_base_id: "b-1".into(),
                to_base_id: "b-2".into(),
                ended_deployment_id: "d-3".into(),
                new_deployment_id: "d-new".into(),
                gap_accepted: None,
            },
        )]);
    let mut after: Vec<(NaiveDate, StaffingEvent)> = from_three.clone();
    after.push((day(21), events[0].clone()));
    let state = StaffingDecider::fold(&after);
    assert_eq!(state.deployment_on("s-3", day(20)).unwrap().base_id, "b-1");
    assert_eq!(state.deployment_on("s-3", day(21)).unwrap().base_id, "b-2");
    assert_eq!(
        state.rotations["r-1"].status,
        RotationStatus::Completed(day(21))
    );
    // Completed once.
    given_on::<StaffingDecider>(after)
        .with(ctx())
        .when(complete(None))
        .then_error_on(ErrorCode::Conflict, "rotationId");
    // From a base of two, it is a gap unless accepted.
    let mut from_two = two_at_base();
    from_two.push((
        day(2),
        StaffingEvent::RotationPlanned(contract::RotationPlanned {
            rotation_id: "r-1".into(),
            staff_id: "s-2".into(),
            from_base_id: "b-1".into(),
            to_base_id: "b-2".into(),
            date: day(20).to_string(),
        }),
    ));
    given_on::<StaffingDecider>(from_two.clone())
        .with(ctx())
        .when(complete(None))
        .then_error_on(ErrorCode::CoverageGap, "acceptGap");
    let accepted = given_on::<StaffingDecider>(from_two)
        .with(ctx())
        .when(complete(Some("b-2 needs her more")))
        .then_any();
    assert!(
        matches!(&accepted[0], StaffingEvent::RotationCompleted(e) if e.gap_accepted.as_ref().is_some_and(|g| g.strength == 1))
    );
    // Cancelled rotations are done with.
    let cancel = StaffingCommand::CancelRotation {
        rotation_id: "r-1".into(),
        reason: "plans changed".into(),
        effective: day(3),
    };
    given_on::<StaffingDecider>(from_three.clone())
        .with(ctx())
        .when(cancel.clone())
        .then(vec![StaffingEvent::RotationCancelled(
            contract::RotationCancelled {
                rotation_id: "r-1".into(),
                reason: "plans changed".into(),
            },
        )]);
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(cancel)
        .then_error_on(ErrorCode::NotFound, "rotationId");
}

#[test]
fn a_closing_base_records_the_clas_exposed_once() {
    let record = StaffingCommand::RecordClosureExposure {
        base_id: "b-1".into(),
        closing_started_on: day(10),
        cause_event_id: "e-1".into(),
    };
    let exposed = StaffingEvent::ClasExposedByBaseClosing(contract::ClasExposedByBaseClosing {
        base_id: "b-1".into(),
        closing_started_on: day(10).to_string(),
        staff_ids: vec!["s-1".into(), "s-2".into(), "s-3".into()],
        cause_event_id: "e-1".into(),
    });
    given_on::<StaffingDecider>(three_at_base())
        .with(ctx())
        .when(record.clone())
        .then(vec![exposed.clone()]);
    let mut recorded = three_at_base();
    recorded.push((day(10), exposed));
    given_on::<StaffingDecider>(recorded)
        .with(ctx())
        .when(record.clone())
        .then(vec![]);
    given_on::<StaffingDecider>(vec![])
        .with(ctx())
        .when(record)
        .then(vec![]);
}
