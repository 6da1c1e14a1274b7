use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_platform::decider::given_on;

use super::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
}

fn ctx() -> SupervisionContext {
    SupervisionContext {
        field_offices: ["fo-1".to_string()].into(),
        bases: ["b-1".to_string()].into(),
        staff: ["s-1".to_string(), "s-2".to_string()].into(),
    }
}

fn appointed(id: &str) -> SupervisionEvent {
    SupervisionEvent::ManagerAppointed(contract::ManagerAppointed {
        manager_id: id.into(),
        field_office_id: "fo-1".into(),
        name: format!("Manager {id}"),
        kind: ManagerKind::UnVolunteer as i32,
        staff_id: String::new(),
    })
}

fn two_managers() -> Vec<(NaiveDate, SupervisionEvent)> {
    vec![(day(1), appointed("m-1")), (day(1), appointed("m-2"))]
}

fn assign(manager: &str, from: u32) -> SupervisionCommand {
    SupervisionCommand::Assign {
        supervision_id: format!("sv-{manager}-{from}"),
        manager_id: manager.into(),
        staff_id: "s-1".into(),
        from: day(from),
    }
}

#[test]
fn managers_are_appointed_to_a_field_office_of_the_mission() {
    let appoint = |office: &str, kind| SupervisionCommand::Appoint {
        manager_id: "m-1".into(),
        field_office_id: office.into(),
        name: "Manager m-1".into(),
        kind,
        staff_id: String::new(),
        from: day(1),
    };
    given_on::<SupervisionDecider>(vec![])
        .with(ctx())
        .when(appoint("fo-1", ManagerKind::UnVolunteer))
        .then(vec![appointed("m-1")]);
    given_on::<SupervisionDecider>(vec![])
        .with(ctx())
        .when(appoint("fo-9", ManagerKind::UnVolunteer))
        .then_error_on(ErrorCode::NotFound, "fieldOfficeId");
    given_on::<SupervisionDecider>(vec![])
        .with(ctx())
        .when(appoint("fo-1", ManagerKind::Unspecified))
        .then_error_on(ErrorCode::Validation, "kind");
    given_on::<SupervisionDecider>(vec![])
        .with(ctx())
        .when(appoint("fo-1", ManagerKind::SeniorCla))
        .then_error_on(ErrorCode::NotFound, "staffId");
    given_on::<SupervisionDecider>(two_managers())
        .with(ctx())
        .when(appoint("fo-1", ManagerKind::UnVolunteer))
        .then_error_on(ErrorCode::Conflict, "managerId");
}

#[test]
fn a_cla_has_one_supervisor_at_a_time_and_reassignment_ends_the_previous_in_one_decision() {
    let first = given_on::<SupervisionDecider>(two_managers())
        .with(ctx())
        .when(assign("m-1", 2))
        .then_any();
    let mut events = two_managers();
    events.push((day(2), first[0].clone()));
    let second = given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(assign("m-2", 10))
        .then_any();
    let SupervisionEvent::SupervisionStarted(e) = &second[0] else {
        panic!()
    };
    assert_eq!(e.ended_supervision_id, "sv-m-1-2");
    events.push((day(10), second[0].clone()));
    let state = SupervisionDecider::fold(&events);
    assert_eq!(state.current("s-1", day(9)).unwrap().manager_id, "m-1");
    assert_eq!(state.current("s-1", day(10)).unwrap().manager_id, "m-2");
    assert_eq!(
        state
            .supervisions
            .values()
            .filter(|s| s.covers(day(12)))
            .count(),
        1
    );
    // The same supervisor again changes nothing; an unknown CLA or inactive manager is refused.
    given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(assign("m-2", 11))
        .then(vec![]);
    given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(SupervisionCommand::Assign {
            supervision_id: "x".into(),
            manager_id: "m-1".into(),
            staff_id: "s-9".into(),
            from: day(12),
        })
        .then_error_on(ErrorCode::NotFound, "staffId");
    given_on::<SupervisionDecider>(vec![])
        .with(ctx())
        .when(assign("m-1", 2))
        .then_error_on(ErrorCode::NotFound, "managerId");
    let mut left = events;
    left.push((
        day(15),
        SupervisionEvent::ManagerLeft(contract::ManagerLeft {
            manager_id: "m-1".into(),
            ended_supervision_ids: vec![],
        }),
    ));
    given_on::<SupervisionDecider>(left)
        .with(ctx())
        .when(assign("m-1", 16))
        .then_error_on(ErrorCode::Conflict, "managerId");
}

#[test]
fn a_manager_leaving_ends_their_supervisions_and_visits_need_an_active_manager() {
    let mut events = two_managers();
    events.push((
        day(2),
        SupervisionEvent::SupervisionStarted(contract::SupervisionStarted {
            supervision_id: "sv-1".into(),
            manager_id: "m-1".into(),
            staff_id: "s-1".into(),
            ended_supervision_id: String::new(),
        }),
    ));
    given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(SupervisionCommand::Leave {
            manager_id: "m-1".into(),
            on: day(20),
        })
        .then(vec![SupervisionEvent::ManagerLeft(contract::ManagerLeft {
            manager_id: "m-1".into(),
            ended_supervision_ids: vec!["sv-1".into()],
        })]);
    let visit = |base: &str, from: u32, to: u32| SupervisionCommand::RecordVisit {
        visit_id: "v-1".into(),
        manager_id: "m-2".into(),
        base_id: base.into(),
        from: day(from),
        to: day(to),
        purpose: "community meeting".into(),
        notes: String::new(),
    };
    given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(visit("b-1", 5, 6))
        .then_any();
    given_on::<SupervisionDecider>(events.clone())
        .with(ctx())
        .when(visit("b-9", 5, 6))
        .then_error_on(ErrorCode::NotFound, "baseId");
    given_on::<SupervisionDecider>(events)
        .with(ctx())
        .when(visit("b-1", 6, 5))
        .then_error_on(ErrorCode::Validation, "to");
}

/// When a base was last visited by a day, from the index kept by base, agrees with looking at
/// every visit, with visits recorded out of order, overlapping, long and short.
#[test]
fn the_last_visit_by_a_day_agrees_with_every_visit() {
    let d = |n: i64| NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n);
    let spans = [
        (40, 42),
        (10, 11),
        (12, 90),
        (5, 5),
        (60, 61),
        (12, 13),
        (100, 100),
        (95, 120),
    ];
    let mut index = VisitDays::default();
    let mut seen: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (from, to) in spans {
        index.add(d(from), d(to));
        seen.push((d(from), d(to)));
        for day in -2..130 {
            let expected = seen
                .iter()
                .filter(|(f, _)| *f <= d(day))
                .map(|(_, t)| (*t).min(d(day)))
                .max();
            assert_eq!(
                index.last_on_or_before(d(day)),
                expected,
                "day {day} after {} visits",
                seen.len()
            );
        }
    }
}
