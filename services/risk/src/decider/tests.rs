use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use cla_platform::ErrorCode;
use cla_platform::decider::{given, given_on};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap()
}

fn ctx() -> RiskContext {
    RiskContext {
        staff_id: "s-1".into(),
        mission: "MONUSCO".into(),
        base_id: "b-1".into(),
        now: now(),
    }
}

fn check_in(welfare: Welfare, at: DateTime<Utc>) -> RiskCommand {
    RiskCommand::RecordCheckIn {
        check_in_id: "c-1".into(),
        at,
        channel: Channel::Phone,
        welfare,
        notes: "".into(),
        flag_id: "f-1".into(),
    }
}

fn flag(category: Category, severity: Severity) -> RiskEvent {
    RiskEvent::RiskFlagRaised(contract::RiskFlagRaised {
        flag_id: "f-1".into(),
        staff_id: "s-1".into(),
        mission_code: "MONUSCO".into(),
        base_id: "b-1".into(),
        category: category as i32,
        severity: severity as i32,
        notes: "threat by phone".into(),
        review_due: (now().date_naive() + Duration::days(review_days(severity))).to_string(),
        cause: None,
    })
}

#[test]
fn check_ins_are_not_in_the_future_and_worrying_ones_raise_flags_at_once() {
    given::<RiskDecider>(vec![])
        .with(ctx())
        .when(check_in(Welfare::Ok, now() + Duration::minutes(1)))
        .then_error_on(ErrorCode::Validation, "at");
    let ok = given::<RiskDecider>(vec![])
        .with(ctx())
        .when(check_in(Welfare::Ok, now()))
        .then_any();
    assert_eq!(ok.len(), 1);
    for (welfare, category, severity) in [
        (
            Welfare::NeedsAssistance,
            Category::HealthWelfare,
            Severity::High,
        ),
        (
            Welfare::UnderThreat,
            Category::ThreatReceived,
            Severity::Critical,
        ),
    ] {
        let events = given::<RiskDecider>(vec![])
            .with(ctx())
            .when(check_in(welfare, now()))
            .then_any();
        assert_eq!(
            events.len(),
            2,
            "the check-in and its flag, in one decision"
        );
        let RiskEvent::RiskFlagRaised(f) = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!((f.category, f.severity), (category as i32, severity as i32));
        assert_eq!(f.cause.as_ref().unwrap().kind, "CHECK_IN");
        assert_eq!(
            f.review_due,
            (now().date_naive() + Duration::days(7)).to_string()
        );
    }
    given::<RiskDecider>(vec![])
        .with(ctx())
        .when(RiskCommand::RecordCheckIn {
            check_in_id: "c".into(),
            at: now(),
            channel: Channel::Unspecified,
            welfare: Welfare::Ok,
            notes: "".into(),
            flag_id: "f".into(),
        })
        .then_error_on(ErrorCode::Validation, "channel");
}

#[test]
fn a_flag_is_raised_escalated_mitigated_reviewed_and_closed() {
    let raise = RiskCommand::Raise {
        flag_id: "f-1".into(),
        category: Category::ThreatReceived,
        severity: Severity::Medium,
        notes: "threat by phone".into(),
    };
    given::<RiskDecider>(vec![])
        .with(ctx())
        .when(raise.clone())
        .then(vec![flag(Category::ThreatReceived, Severity::Medium)]);
    given::<RiskDecider>(vec![flag(Category::ThreatReceived, Severity::Medium)])
        .with(ctx())
        .when(raise)
        .then_error_on(ErrorCode::Conflict, "flagId");
    let raised = vec![flag(Category::ThreatReceived, Severity::Medium)];
    let escalated = given::<RiskDecider>(raised.clone())
        .with(ctx())
        .when(RiskCommand::ChangeSeverity {
            flag_id: "f-1".into(),
            severity: Severity::Critical,
            reason: "second threat".into(),
        })
        .then_any();
    let RiskEvent::RiskFlagSeverityChanged(e) = &escalated[0] else {
        panic!()
    };
    assert_eq!(
        e.review_due,
        (now().date_naive() + Duration::days(7)).to_string(),
        "serious flags are reviewed weekly"
    );
    given::<RiskDecider>(raised.clone())
        .with(ctx())
        .when(RiskCommand::ChangeSeverity {
            flag_id: "f-1".into(),
            severity: Severity::High,
            reason: " ".into(),
        })
        .then_error_on(ErrorCode::Validation, "reason");
    let mitigated = given::<RiskDecider>(raised.clone())
        .with(ctx())
        .when(RiskCommand::AddMitigation {
            flag_id: "f-1".into(),
            action: Mitigation::CommunicationMeans,
            notes: "satellite phone".into(),
        })
        .then_any();
    let mut events: Vec<_> = raised.clone();
    events.extend(mitigated);
    assert_eq!(
        RiskDecider::fold(
            &events
                .iter()
                .map(|e| (now().date_naive(), e.clone()))
                .collect::<Vec<_>>()
        )
        .flags["f-1"]
            .status,
        FlagStatus::Mitigating
    );
    let reviewed = given::<RiskDecider>(events.clone())
        .with(ctx())
        .when(RiskCommand::Review {
            flag_id: "f-1".into(),
            notes: "calmer".into(),
        })
        .then_any();
    let RiskEvent::RiskFlagReviewed(r) = &reviewed[0] else {
        panic!()
    };
    assert_eq!(
        r.next_review_due,
        (now().date_naive() + Duration::days(30)).to_string(),
        "medium flags are reviewed monthly"
    );
    given::<RiskDecider>(events.clone())
        .with(ctx())
        .when(RiskCommand::Close {
            flag_id: "f-1".into(),
            resolution: "".into(),
        })
        .then_error_on(ErrorCode::Validation, "resolution");
    let closed = given::<RiskDecider>(events.clone())
        .with(ctx())
        .when(RiskCommand::Close {
            flag_id: "f-1".into(),
            resolution: "relocated".into(),
        })
        .then_any();
    events.extend(closed);
    given::<RiskDecider>(events)
        .with(ctx())
        .when(RiskCommand::Review {
            flag_id: "f-1".into(),
            notes: "".into(),
        })
        .then_error_on(ErrorCode::Conflict, "flagId");
    given::<RiskDecider>(vec![])
        .with(ctx())
        .when(RiskCommand::Review {
            flag_id: "nope".into(),
            notes: "".into(),
        })
        .then_error_on(ErrorCode::NotFound, "flagId");
}

fn missed(id: &str, since: DateTime<Utc>, periods: u32) -> RiskCommand {
    RiskCommand::RaiseMissedCheckIn {
        flag_id: id.into(),
        silent_since: since,
        last_heard_at: Some(since),
        first_due_at: since + Duration::hours(24),
        period_hours: 24,
        periods,
        escalate_after: 3,
    }
}

fn heard(id: &str, at: DateTime<Utc>, channel: Channel) -> RiskEvent {
    RiskEvent::CheckInRecorded(contract::CheckInRecorded {
        check_in_id: id.into(),
        staff_id: "s-1".into(),
        at: at.to_rfc3339(),
        channel: channel as i32,
        welfare: Welfare::Ok as i32,
        notes: "".into(),
    })
}

#[test]
fn a_silence_raises_one_flag_that_counts_its_periods_escalates_and_closes_at_the_next_check_in() {
    let since = now() - Duration::hours(80);
    let first = given::<RiskDecider>(vec![heard("c-0", since, Channel::Phone)])
        .with(ctx())
        .when(missed("f-1", since, 1))
        .then_any();
    assert_eq!(first.len(), 1);
    let RiskEvent::RiskFlagRaised(f) = &first[0] else {
        panic!()
    };
    assert_eq!(f.category, Category::MissedCheckIn as i32);
    assert_eq!(f.severity, Severity::High as i32);
    let cause = f.cause.as_ref().unwrap();
    assert_eq!(cause.last_heard_at, since.to_rfc3339());
    assert_eq!(cause.silent_since, since.to_rfc3339());
    assert_eq!(cause.period_hours, 24);
    assert!(f.notes.contains(&since.to_rfc3339()) && f.notes.contains("1 check-in period"));
    let mut history = vec![heard("c-0", since, Channel::Phone), first[0].clone()];
    // The same silence again (another replica, a restart, another id): nothing new.
    given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(missed("f-2", since, 1))
        .then(vec![]);
    // A second period: counted on the same flag.
    let second = given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(missed("f-2", since, 2))
        .then_any();
    assert_eq!(
        second,
        vec![RiskEvent::MissedCheckInsCounted(
            contract::MissedCheckInsCounted {
                flag_id: "f-1".into(),
                periods_missed: 2,
                last_period_due_at: (since + Duration::hours(48)).to_rfc3339(),
            }
        )]
    );
    history.extend(second);
    // The third: counted and escalated to critical, once.
    let third = given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(missed("f-1", since, 3))
        .then_any();
    assert_eq!(third.len(), 2);
    let RiskEvent::RiskFlagSeverityChanged(e) = &third[1] else {
        panic!("{third:?}")
    };
    assert_eq!(
        (e.severity, e.previous_severity),
        (Severity::Critical as i32, Severity::High as i32)
    );
    history.extend(third);
    let fourth = given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(missed("f-1", since, 4))
        .then_any();
    assert_eq!(fourth.len(), 1, "counted, not escalated again");
    // A check-in that came after all (recorded late) means the silence had ended.
    given::<RiskDecider>(vec![heard(
        "c-9",
        since + Duration::hours(1),
        Channel::Radio,
    )])
    .with(ctx())
    .when(missed("f-3", since, 2))
    .then(vec![]);
    // The next check-in closes it, naming when and how.
    history.push(heard("c-1", now() - Duration::hours(2), Channel::Radio));
    history.push(heard("c-2", now() - Duration::hours(1), Channel::Sms));
    let closed = given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(RiskCommand::CloseSilences)
        .then_any();
    assert_eq!(
        closed,
        vec![RiskEvent::RiskFlagClosed(contract::RiskFlagClosed {
            flag_id: "f-1".into(),
            resolution: format!(
                "checked in at {} (RADIO)",
                (now() - Duration::hours(2)).to_rfc3339()
            ),
        })]
    );
    history.extend(closed);
    given::<RiskDecider>(history.clone())
        .with(ctx())
        .when(RiskCommand::CloseSilences)
        .then(vec![]);
    // A closed silence's flag is not counted on again.
    given::<RiskDecider>(history)
        .with(ctx())
        .when(missed("f-1", since, 5))
        .then(vec![]);
}

#[test]
fn a_silence_first_seen_late_is_raised_counted_and_escalated_at_once() {
    let since = now() - Duration::days(5);
    let events = given::<RiskDecider>(vec![])
        .with(ctx())
        .when(missed("f-1", since, 4))
        .then_any();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            RiskEvent::RiskFlagRaised(_) => "raised",
            RiskEvent::MissedCheckInsCounted(_) => "counted",
            RiskEvent::RiskFlagSeverityChanged(_) => "escalated",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["raised", "counted", "escalated"]);
}

#[test]
fn the_system_raises_each_closure_once() {
    // Base closure: once per closing event.
    let exposure = |id: &str| RiskCommand::RaiseClosureExposure {
        flag_id: id.into(),
        base_id: "b-1".into(),
        cause_event_id: "e-7".into(),
    };
    let raised = given::<RiskDecider>(vec![])
        .with(ctx())
        .when(exposure("f-4"))
        .then_any();
    let RiskEvent::RiskFlagRaised(f) = &raised[0] else {
        panic!()
    };
    assert_eq!(f.category, Category::BaseClosureExposure as i32);
    assert_eq!(f.cause.as_ref().unwrap().event_id, "e-7");
    given::<RiskDecider>(raised)
        .with(ctx())
        .when(exposure("f-5"))
        .then(vec![]);
}

#[test]
fn an_overdue_review_is_marked_once_per_due_date() {
    let past = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let mark = RiskCommand::MarkReviewOverdue {
        flag_id: "f-1".into(),
    };
    let events = vec![(past, flag(Category::Other, Severity::High))];
    // Raised with a review due on 17 May (7 days after 10 May): not yet overdue.
    given_on::<RiskDecider>(events.clone())
        .with(ctx())
        .when(mark.clone())
        .then(vec![]);
    let later = RiskContext {
        now: now() + Duration::days(8),
        ..ctx()
    };
    let marked = given_on::<RiskDecider>(events.clone())
        .with(later.clone())
        .when(mark.clone())
        .then_any();
    assert_eq!(marked.len(), 1);
    let mut after = events;
    after.push((past, marked[0].clone()));
    given_on::<RiskDecider>(after)
        .with(later)
        .when(mark)
        .then(vec![]);
}

#[test]
fn a_duress_check_in_is_an_ordinary_ok_with_a_critical_duress_flag_once() {
    let duress = RiskCommand::RecordDuressCheckIn {
        check_in_id: "sms-1".into(),
        at: now(),
        channel: Channel::Sms,
        flag_id: "f-9".into(),
    };
    let events = given::<RiskDecider>(vec![])
        .with(ctx())
        .when(duress.clone())
        .then_any();
    let [RiskEvent::CheckInRecorded(c), RiskEvent::RiskFlagRaised(f)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(c.welfare, Welfare::Ok as i32, "recorded as an ordinary OK");
    assert_eq!(c.notes, "");
    assert_eq!(
        (f.category, f.severity),
        (Category::ThreatReceived as i32, Severity::Critical as i32)
    );
    let cause = f.cause.as_ref().unwrap();
    assert_eq!(
        (cause.kind.as_str(), cause.event_id.as_str()),
        ("DURESS", "sms-1")
    );
    given::<RiskDecider>(events.clone())
        .with(ctx())
        .when(duress)
        .then(vec![]);
    let unknown = given::<RiskDecider>(vec![])
        .with(ctx())
        .when(check_in(Welfare::Unknown, now()))
        .then_any();
    assert_eq!(unknown.len(), 1, "an unrecognised text raises no flag");
}
