//! View specs of risk and welfare: given the events, the read computations answer this.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use cla_platform::disclosure::PlacesWithheld;
use cla_platform::timeline::View;
use cla_platform::view_spec::{History, first_recorded, given};
use cla_staffing::StaffingView;
use cla_staffing::events::{StaffingEvent, contract as staffing};

use super::*;
use crate::events::{Category, RiskEvent, Severity, contract};

fn d(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn on(as_of: &str) -> View {
    View::on(d(as_of))
}

fn deployed(h: History, staff: &str, base: &str, from: &str) -> History {
    h.event(
        "staffing-ALPHA",
        d(from),
        StaffingEvent::ClaDeployed(staffing::ClaDeployed {
            deployment_id: format!("dep-{staff}"),
            staff_id: staff.into(),
            base_id: base.into(),
        }),
    )
}

fn ended(h: History, staff: &str, base: &str, on: &str) -> History {
    h.event(
        "staffing-ALPHA",
        d(on),
        StaffingEvent::DeploymentEnded(staffing::DeploymentEnded {
            deployment_id: format!("dep-{staff}"),
            staff_id: staff.into(),
            base_id: base.into(),
            reason: "rotated".into(),
            gap_accepted: None,
        }),
    )
}

fn checked_in(h: History, staff: &str, at: &str) -> History {
    h.event(
        &format!("risk-{staff}"),
        d(&at[..10]),
        RiskEvent::CheckInRecorded(contract::CheckInRecorded {
            check_in_id: format!("{staff}-{at}"),
            staff_id: staff.into(),
            at: at.into(),
            ..Default::default()
        }),
    )
}

struct Raise<'a> {
    flag: &'a str,
    staff: &'a str,
    mission: &'a str,
    base: &'a str,
    category: Category,
    severity: Severity,
    on: &'a str,
    review_due: &'a str,
    cause: Option<&'a str>,
}

fn raised(h: History, r: Raise<'_>) -> History {
    h.event(
        &format!("risk-{}", r.staff),
        d(r.on),
        RiskEvent::RiskFlagRaised(contract::RiskFlagRaised {
            flag_id: r.flag.into(),
            staff_id: r.staff.into(),
            mission_code: r.mission.into(),
            base_id: r.base.into(),
            category: r.category as i32,
            severity: r.severity as i32,
            notes: "restricted".into(),
            review_due: r.review_due.into(),
            cause: r.cause.map(|kind| contract::Cause {
                kind: kind.into(),
                period_due_at: format!("{}T08:00:00Z", r.on),
                ..Default::default()
            }),
        }),
    )
}

fn missed(h: History, flag: &str, staff: &str, base: &str, on: &str) -> History {
    raised(
        h,
        Raise {
            flag,
            staff,
            mission: "ALPHA",
            base,
            category: Category::MissedCheckIn,
            severity: Severity::Medium,
            on,
            review_due: "2026-04-01",
            cause: Some("MISSED_CHECK_IN"),
        },
    )
}

fn counts(made: u32, missed: u32) -> CheckInCounts {
    CheckInCounts { made, missed }
}

fn place(id: &str, made: u32, missed: u32) -> PlaceCompliance {
    PlaceCompliance {
        place_id: id.into(),
        counts: counts(made, missed),
    }
}

/// A at Base One and C alone at Base Two over the 30 days to 1 March; D left Base One before
/// them. Check-ins before the window, and D's, count for nobody.
fn compliance_history() -> History {
    let mut h = History::new();
    h = deployed(h, "A", "B1", "2026-01-01");
    h = deployed(h, "C", "B2", "2026-01-01");
    h = deployed(h, "D", "B1", "2025-06-01");
    h = ended(h, "D", "B1", "2025-12-01");
    h = checked_in(h, "A", "2026-01-15T08:00:00Z");
    for at in [
        "2026-02-10T08:00:00Z",
        "2026-02-20T08:00:00Z",
        "2026-03-01T07:00:00Z",
    ] {
        h = checked_in(h, "A", at);
    }
    h = checked_in(h, "D", "2026-02-15T08:00:00Z");
    h = missed(h, "fa", "A", "B1", "2026-02-05");
    h = missed(h, "fc1", "C", "B2", "2026-02-12");
    h = missed(h, "fc2", "C", "B2", "2026-02-22");
    // Before the window: not counted.
    h = missed(h, "fc0", "C", "B2", "2026-01-20");
    h
}

/// The field offices of the compliance history's bases.
fn compliance_offices() -> BTreeMap<String, String> {
    [("B1", "O1"), ("B2", "O2")]
        .map(|(b, o)| (b.to_string(), o.to_string()))
        .into()
}

#[test]
fn compliance_counts_made_and_missed_per_base_office_and_mission() {
    let h = compliance_history();
    let staffing = StaffingView::default();
    h.apply_to(&staffing);
    let office_of = compliance_offices();
    given(h).then_view(
        &RiskView::default(),
        |risk| check_in_compliance(risk, &staffing, &office_of, "ALPHA", &on("2026-03-01")),
        ComplianceCounts {
            mission: place("ALPHA", 3, 3),
            by_base: vec![place("B1", 3, 1), place("B2", 0, 2)],
            by_field_office: vec![place("O1", 3, 1), place("O2", 0, 2)],
            people: [("B1", "A"), ("B2", "C")]
                .map(|(b, s)| (b.to_string(), BTreeSet::from([s.to_string()])))
                .into(),
            ..ComplianceCounts::default()
        },
    );
}

#[test]
fn compliance_withheld_from_a_counts_only_reader_covers_fewer_than_three() {
    let h = compliance_history();
    let staffing = StaffingView::default();
    h.apply_to(&staffing);
    let office_of = compliance_offices();
    // One CLA a base, two in the mission: nothing can be published.
    given(h).then_view(
        &RiskView::default(),
        |risk| {
            let counts =
                check_in_compliance(risk, &staffing, &office_of, "ALPHA", &on("2026-03-01"));
            let places = PlacesWithheld::of(&counts.people, &office_of);
            let withheld = counts.withholding(&places);
            (
                withheld.mission,
                withheld.by_base,
                withheld.withheld_places,
                withheld.withheld,
            )
        },
        (
            place("ALPHA", 0, 0),
            vec![place("B1", 0, 0), place("B2", 0, 0)],
            ["B1", "B2", "O1", "O2"].map(String::from).into(),
            true,
        ),
    );
}

#[test]
fn compliance_is_as_known_at_a_moment_and_as_of_a_date() {
    let h = compliance_history();
    let staffing = StaffingView::default();
    h.apply_to(&staffing);
    let risk = RiskView::default();
    let spec = given(h);
    // Before the check-ins and flags were recorded, only the deployments were known.
    let before = View {
        as_of: d("2026-03-01"),
        known_at: Some(first_recorded() + chrono::TimeDelta::seconds(3)),
    };
    spec.then_view(
        &risk,
        |risk| mission_check_ins(risk, &staffing, "ALPHA", &before),
        counts(0, 0),
    );
    // As of 15 February: A's check-in of 10 February (that of 15 January is before the 30 days)
    // and the three missed periods flagged in those days.
    assert_eq!(
        mission_check_ins(&risk, &staffing, "ALPHA", &on("2026-02-15")),
        counts(1, 3)
    );
    assert_eq!(counts(3, 1).share(), Some(0.75));
    assert_eq!(counts(0, 0).share(), None);
}

fn flags_history() -> History {
    let raise = |h, flag, staff, mission, base, category, severity, review_due| {
        raised(
            h,
            Raise {
                flag,
                staff,
                mission,
                base,
                category,
                severity,
                on: "2026-02-01",
                review_due,
                cause: None,
            },
        )
    };
    let mut h = History::new();
    h = raise(
        h,
        "f1",
        "A",
        "ALPHA",
        "B1",
        Category::ThreatReceived,
        Severity::High,
        "2026-02-08",
    );
    h = raise(
        h,
        "f2",
        "A",
        "ALPHA",
        "B1",
        Category::HealthWelfare,
        Severity::Low,
        "2026-03-03",
    );
    h = raise(
        h,
        "f3",
        "C",
        "ALPHA",
        "B2",
        Category::ThreatReceived,
        Severity::Critical,
        "2026-02-08",
    );
    h = raise(
        h,
        "f4",
        "C",
        "ALPHA",
        "B2",
        Category::Other,
        Severity::Medium,
        "2026-03-03",
    );
    h = raise(
        h,
        "f5",
        "E",
        "ALPHA",
        "",
        Category::Other,
        Severity::Medium,
        "2026-03-03",
    );
    h = raise(
        h,
        "f6",
        "Z",
        "BRAVO",
        "X1",
        Category::Other,
        Severity::Critical,
        "2026-03-03",
    );
    h.event(
        "risk-C",
        d("2026-02-10"),
        RiskEvent::RiskFlagClosed(contract::RiskFlagClosed {
            flag_id: "f4".into(),
            resolution: "relocated".into(),
        }),
    )
}

fn sev(low: u32, medium: u32, high: u32, critical: u32) -> SeverityCounts {
    SeverityCounts {
        low,
        medium,
        high,
        critical,
    }
}

#[test]
fn open_flag_counts_leave_out_closed_flags_and_other_missions() {
    let spec = given(flags_history());
    let risk = RiskView::default();
    spec.then_view(
        &risk,
        |risk| open_flag_counts(risk, "ALPHA", &on("2026-03-01")),
        sev(1, 1, 1, 1),
    );
    assert_eq!(
        open_flags_by_base(&risk, "ALPHA", &on("2026-03-01")),
        HashMap::from([
            ("B1".to_string(), sev(1, 0, 1, 0)),
            ("B2".to_string(), sev(0, 0, 0, 1)),
            (String::new(), sev(0, 1, 0, 0)),
        ])
    );
    // Before it was closed, f4 was open.
    assert_eq!(
        open_flag_counts(&risk, "ALPHA", &on("2026-02-05")),
        sev(1, 2, 1, 1)
    );
}

#[test]
fn the_register_counts_by_category_place_and_overdue_review() {
    let office_of: BTreeMap<String, String> = [("B1", "O1"), ("B2", "O1")]
        .map(|(b, o)| (b.to_string(), o.to_string()))
        .into();
    let view = on("2026-03-01");
    given(flags_history()).then_view(
        &RiskView::default(),
        |risk| register_counts(&open_flags(risk, "ALPHA", &view), &office_of, view.as_of),
        RegisterCounts {
            open: 4,
            by_severity: sev(1, 1, 1, 1),
            by_category: vec![
                (Category::ThreatReceived, 2),
                (Category::HealthWelfare, 1),
                (Category::Other, 1),
            ],
            by_base: vec![
                ("B1".to_string(), sev(1, 0, 1, 0)),
                ("B2".to_string(), sev(0, 0, 0, 1)),
            ],
            by_field_office: vec![("O1".to_string(), sev(1, 0, 1, 1))],
            overdue_reviews: 2,
            withheld_places: Default::default(),
            withheld: false,
        },
    );
}

#[test]
fn a_register_filter_lists_the_most_severe_first() {
    let risk = RiskView::default();
    let view = on("2026-03-01");
    let flags = given(flags_history()).then(&risk, |risk| open_flags(risk, "ALPHA", &view));
    let ids = |filter: FlagFilter| -> Vec<String> {
        filter
            .select(&flags, view.as_of)
            .into_iter()
            .map(|f| f.id)
            .collect()
    };
    assert_eq!(ids(FlagFilter::default()), ["f3", "f1", "f5", "f2"]);
    assert_eq!(
        ids(FlagFilter {
            overdue_only: true,
            ..Default::default()
        }),
        ["f3", "f1"]
    );
    assert_eq!(
        ids(FlagFilter {
            base_id: Some("B1".into()),
            category: Some(Category::HealthWelfare),
            ..Default::default()
        }),
        ["f2"]
    );
}

/// C's silence from 30 November: one flag, its first period due 1 December at 08:00, counted
/// daily up to 89 periods by 27 February.
fn long_silence() -> History {
    let mut h = History::new();
    h = deployed(h, "C", "B2", "2025-11-01");
    h = checked_in(h, "C", "2025-11-30T08:00:00Z");
    h = h.event(
        "risk-C",
        d("2025-12-02"),
        RiskEvent::RiskFlagRaised(contract::RiskFlagRaised {
            flag_id: "fs".into(),
            staff_id: "C".into(),
            mission_code: "ALPHA".into(),
            base_id: "B2".into(),
            category: Category::MissedCheckIn as i32,
            severity: Severity::High as i32,
            notes: "restricted".into(),
            review_due: "2025-12-09".into(),
            cause: Some(contract::Cause {
                kind: "MISSED_CHECK_IN".into(),
                period_due_at: "2025-12-01T08:00:00+00:00".into(),
                last_heard_at: "2025-11-30T08:00:00+00:00".into(),
                silent_since: "2025-11-30T08:00:00+00:00".into(),
                period_hours: 24,
                ..Default::default()
            }),
        }),
    );
    h.event(
        "risk-C",
        d("2026-02-27"),
        RiskEvent::MissedCheckInsCounted(contract::MissedCheckInsCounted {
            flag_id: "fs".into(),
            periods_missed: 89,
            last_period_due_at: "2026-02-27T08:00:00+00:00".into(),
        }),
    )
}

#[test]
fn compliance_counts_only_the_periods_of_a_silence_due_inside_its_window() {
    let h = long_silence();
    let staffing = StaffingView::default();
    h.apply_to(&staffing);
    let risk = RiskView::default();
    // 30 days to 1 March: the periods due 31 January to 27 February, not the 89.
    given(h).then_view(
        &risk,
        |risk| mission_check_ins(risk, &staffing, "ALPHA", &on("2026-03-01")),
        counts(0, 28),
    );
    // The flag as it stood on 15 February counted one period (1 December): none in the window.
    assert_eq!(
        mission_check_ins(&risk, &staffing, "ALPHA", &on("2026-02-15")),
        counts(0, 0)
    );
    // As of 27 February: the periods due 29 January to 27 February.
    assert_eq!(
        mission_check_ins(&risk, &staffing, "ALPHA", &on("2026-02-27")),
        counts(0, 30)
    );
    // The flag itself says how many periods it counts, and when C was last heard from.
    let flag = risk
        .flags_only("C", &on("2026-03-01"))
        .flags
        .remove("fs")
        .unwrap();
    assert_eq!(flag.periods_missed, 89);
    assert!(flag.notes.contains("89 check-in periods missed"));
    assert!(
        flag.notes
            .contains("last heard from at 2025-11-30T08:00:00+00:00")
    );
}

#[test]
fn the_view_knows_when_each_deployment_was_recorded() {
    let recorded = first_recorded() + chrono::TimeDelta::days(90);
    let h = History::new()
        .event_recorded(
            "staffing-ALPHA",
            d("2025-10-01"),
            recorded,
            StaffingEvent::ClaDeployed(staffing::ClaDeployed {
                deployment_id: "dep-A".into(),
                staff_id: "A".into(),
                base_id: "B1".into(),
            }),
        )
        .event(
            "staffing-ALPHA",
            d("2026-01-05"),
            StaffingEvent::RotationCompleted(staffing::RotationCompleted {
                rotation_id: "r-1".into(),
                staff_id: "A".into(),
                from_base_id: "B1".into(),
                to_base_id: "B2".into(),
                ended_deployment_id: "dep-A".into(),
                new_deployment_id: "dep-A2".into(),
                gap_accepted: None,
            }),
        );
    given(h).then_view(
        &RiskView::default(),
        |risk| {
            (
                risk.deployment_recorded("dep-A"),
                risk.deployment_recorded("dep-A2").is_some(),
                risk.deployment_recorded("dep-B"),
            )
        },
        (Some(recorded), true, None),
    );
}
