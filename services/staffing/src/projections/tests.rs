//! The board and the forecast specified like deciders: given a history, then this view.

use chrono::NaiveDate;
use cla_contracts::cla::registry::v1 as registry;
use cla_contracts::cla::staff::v1 as staff;
use cla_event_store::RecordedEvent;
use cla_platform::projection::Projection;
use cla_platform::timeline::View;
use cla_platform::view_spec::{History, given};
use cla_registry::RegistryView;
use cla_registry::events::RegistryEvent;

use super::*;
use crate::events::{AbsenceKind, StaffingEvent, contract};

const MISSION: &str = "MONUSCO";
const STAFFING: &str = "staffing-MONUSCO";

pub(crate) fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).expect("a day of March 2026")
}

fn on(d: u32) -> View {
    View::on(day(d))
}

/// What the board and the forecast read: the registry's bases and staffing's own view.
#[derive(Default)]
struct Views {
    registry: RegistryView,
    staffing: StaffingView,
}

impl Projection for Views {
    fn name(&self) -> &'static str {
        "registry and staffing"
    }

    fn apply(&self, event: &RecordedEvent) {
        self.registry.apply(event);
        self.staffing.apply(event);
    }
}

/// A mission (minimum two per base) with the base Beni (Kinande and Swahili spoken around it)
/// and the base Oicha, open from 1 March.
pub(crate) fn mission() -> History {
    History::new()
        .event(
            "mission-MONUSCO",
            day(1),
            RegistryEvent::MissionCreated(registry::MissionCreated {
                code: MISSION.into(),
                name: "MONUSCO".into(),
                country: "COD".into(),
                policy: Some(cla_registry::events::default_policy()),
            }),
        )
        .event(
            "field-office-fo-1",
            day(1),
            RegistryEvent::FieldOfficeOpened(registry::FieldOfficeOpened {
                field_office_id: "fo-1".into(),
                mission_code: MISSION.into(),
                name: "Beni office".into(),
            }),
        )
        .event(
            "base-beni",
            day(1),
            base("beni", "Beni", &["Kinande", "Swahili"]),
        )
        .event("base-oicha", day(1), base("oicha", "Oicha", &[]))
}

fn base(id: &str, name: &str, languages: &[&str]) -> RegistryEvent {
    RegistryEvent::BaseOpened(registry::BaseOpened {
        base_id: id.into(),
        mission_code: MISSION.into(),
        field_office_id: "fo-1".into(),
        name: name.into(),
        local_languages: languages.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    })
}

/// An active CLA onboarded on 1 March, with an appointment ending on `appointment_end`.
pub(crate) fn cla(history: History, id: &str, name: &str, female: bool, language: &str) -> History {
    cla_until(history, id, name, female, language, "2027-12-31")
}

fn cla_until(
    history: History,
    id: &str,
    name: &str,
    female: bool,
    language: &str,
    appointment_end: &str,
) -> History {
    let gender = if female {
        staff::Gender::Female
    } else {
        staff::Gender::Male
    };
    let stream = format!("staff-{id}");
    history
        .event(
            &stream,
            day(1),
            StaffFact::Onboarded(staff::StaffMemberOnboarded {
                staff_id: id.into(),
                mission_code: MISSION.into(),
                field_office_id: "fo-1".into(),
                name: name.into(),
                gender: gender as i32,
                languages: vec![staff::Language {
                    language: language.into(),
                    level: "FLUENT".into(),
                }],
                appointment: Some(staff::Appointment {
                    r#type: staff::AppointmentType::FixedTerm as i32,
                    start: "2026-03-01".into(),
                    end: appointment_end.into(),
                }),
                ..Default::default()
            }),
        )
        .event(
            &stream,
            day(1),
            StaffFact::Activated(staff::StaffActivated {
                staff_id: id.into(),
            }),
        )
}

pub(crate) fn deployed(
    history: History,
    deployment: &str,
    staff: &str,
    base: &str,
    from: u32,
) -> History {
    history.event(
        STAFFING,
        day(from),
        StaffingEvent::ClaDeployed(contract::ClaDeployed {
            deployment_id: deployment.into(),
            staff_id: staff.into(),
            base_id: base.into(),
        }),
    )
}

/// Ana (a woman, Kinande) and Ben (Swahili) deployed at Beni from 1 March.
pub(crate) fn beni_with_two() -> History {
    let h = cla(mission(), "ana", "Ana", true, "Kinande");
    let h = cla(h, "ben", "Ben", false, "Swahili");
    let h = deployed(h, "d-ana", "ana", "beni", 1);
    deployed(h, "d-ben", "ben", "beni", 1)
}

fn at_beni(name: &str, staff_id: &str, absent: bool) -> BoardCla {
    BoardCla {
        staff_id: staff_id.into(),
        name: name.into(),
        since: day(1),
        tour_days: 4,
        rotation_due: false,
        absent,
    }
}

fn beni_row(effective_strength: u32, status: Coverage, clas: Vec<BoardCla>) -> BoardRow {
    BoardRow {
        base_id: "beni".into(),
        name: "Beni".into(),
        field_office_id: "fo-1".into(),
        deployed: 2,
        effective_strength,
        minimum: 2,
        status,
        women: 1,
        local_languages: vec!["Kinande".into(), "Swahili".into()],
        languages_covered: vec!["Kinande".into(), "Swahili".into()],
        languages_missing: vec![],
        rotation_due: vec![],
        clas,
        open_flags: FlagCounts::default(),
    }
}

fn oicha_empty() -> BoardRow {
    BoardRow {
        base_id: "oicha".into(),
        name: "Oicha".into(),
        field_office_id: "fo-1".into(),
        deployed: 0,
        effective_strength: 0,
        minimum: 2,
        status: Coverage::Empty,
        women: 0,
        local_languages: vec![],
        languages_covered: vec![],
        languages_missing: vec![],
        rotation_due: vec![],
        clas: vec![],
        open_flags: FlagCounts::default(),
    }
}

fn board_on(views: &Views, d: u32) -> Vec<BoardRow> {
    let rows = board(
        &views.registry,
        &views.staffing,
        MISSION,
        &on(d),
        &crate::BaseRiskCounts::default(),
    );
    board::select(rows, &BoardFilter::default())
}

#[test]
fn a_base_with_two_clas_is_covered() {
    given(beni_with_two()).then_view(
        &Views::default(),
        |v| board_on(v, 5),
        vec![
            beni_row(
                2,
                Coverage::Ok,
                vec![at_beni("Ana", "ana", false), at_beni("Ben", "ben", false)],
            ),
            oicha_empty(),
        ],
    );
}

#[test]
fn one_of_two_absent_puts_the_base_below_its_minimum() {
    let history = beni_with_two().event(
        STAFFING,
        day(2),
        StaffingEvent::AbsenceRecorded(contract::AbsenceRecorded {
            absence_id: "a-1".into(),
            staff_id: "ben".into(),
            kind: AbsenceKind::Leave as i32,
            from: "2026-03-04".into(),
            to: "2026-03-06".into(),
        }),
    );
    let spec = given(history);
    let views = Views::default();
    spec.then_view(
        &views,
        |v| board_on(v, 5),
        vec![
            beni_row(
                1,
                Coverage::BelowMinimum,
                vec![at_beni("Ana", "ana", false), at_beni("Ben", "ben", true)],
            ),
            oicha_empty(),
        ],
    );
    // The day after the absence, both count again.
    let beni = &board_on(&views, 7)[0];
    assert_eq!((beni.effective_strength, beni.status), (2, Coverage::Ok));
    // Only the bases below their minimum, weakest first.
    let short = board::select(
        board(
            &views.registry,
            &views.staffing,
            MISSION,
            &on(5),
            &crate::BaseRiskCounts::default(),
        ),
        &BoardFilter {
            status: Some(Coverage::BelowMinimum),
            order: BoardOrder::Strength,
            ..Default::default()
        },
    );
    assert_eq!(
        short.iter().map(|r| r.base_id.as_str()).collect::<Vec<_>>(),
        ["beni"]
    );
}

fn forecast_days(from: u32, strengths: &[u32]) -> Vec<ForecastDay> {
    strengths
        .iter()
        .zip(from..)
        .map(|(&strength, d)| ForecastDay {
            date: day(d),
            strength,
            minimum: 2,
            below_minimum: strength < 2,
        })
        .collect()
}

fn beni_forecast(views: &Views, from: u32, days: i64) -> CoverageForecast {
    forecast(
        &views.registry,
        &views.staffing,
        "beni",
        day(from),
        days,
        None,
    )
    .expect("Beni exists")
}

#[test]
fn a_planned_rotation_opens_a_gap_from_its_date() {
    let history = beni_with_two().event(
        STAFFING,
        day(3),
        StaffingEvent::RotationPlanned(contract::RotationPlanned {
            rotation_id: "r-1".into(),
            staff_id: "ben".into(),
            from_base_id: "beni".into(),
            to_base_id: "oicha".into(),
            date: "2026-03-10".into(),
        }),
    );
    given(history).then_view(
        &Views::default(),
        |v| beni_forecast(v, 5, 10),
        CoverageForecast {
            base_id: "beni".into(),
            name: "Beni".into(),
            minimum: 2,
            days: forecast_days(5, &[2, 2, 2, 2, 2, 1, 1, 1, 1, 1]),
            gaps: vec![Gap {
                from: day(10),
                to: day(14),
                lowest_strength: 1,
                causes: vec![GapCause {
                    kind: CauseKind::Rotation,
                    staff_id: "ben".into(),
                    name: "Ben".into(),
                    reference: Some("r-1".into()),
                    detail: "rotates to oicha on 2026-03-10".into(),
                }],
            }],
        },
    );
}

#[test]
fn an_appointment_ending_opens_a_gap_the_day_after() {
    let h = cla_until(mission(), "ana", "Ana", true, "Kinande", "2026-03-07");
    let h = cla(h, "ben", "Ben", false, "Swahili");
    let h = deployed(h, "d-ana", "ana", "beni", 1);
    let h = deployed(h, "d-ben", "ben", "beni", 1);
    let spec = given(h);
    let views = Views::default();
    spec.then_view(
        &views,
        |v| beni_forecast(v, 5, 5),
        CoverageForecast {
            base_id: "beni".into(),
            name: "Beni".into(),
            minimum: 2,
            days: forecast_days(5, &[2, 2, 2, 1, 1]),
            gaps: vec![Gap {
                from: day(8),
                to: day(9),
                lowest_strength: 1,
                causes: vec![GapCause {
                    kind: CauseKind::AppointmentEnd,
                    staff_id: "ana".into(),
                    name: "Ana".into(),
                    reference: None,
                    detail: "appointment ended on 2026-03-07".into(),
                }],
            }],
        },
    );
    // The board counts who is deployed on its day: the appointment's end is the forecast's concern.
    assert_eq!(board_on(&views, 8)[0].effective_strength, 2);
}

#[test]
fn an_absence_and_a_rotation_in_one_gap_are_both_its_causes() {
    let history = beni_with_two()
        .event(
            STAFFING,
            day(2),
            StaffingEvent::AbsenceRecorded(contract::AbsenceRecorded {
                absence_id: "a-1".into(),
                staff_id: "ana".into(),
                kind: AbsenceKind::Training as i32,
                from: "2026-03-08".into(),
                to: "2026-03-09".into(),
            }),
        )
        .event(
            STAFFING,
            day(3),
            StaffingEvent::RotationPlanned(contract::RotationPlanned {
                rotation_id: "r-1".into(),
                staff_id: "ben".into(),
                from_base_id: "beni".into(),
                to_base_id: "oicha".into(),
                date: "2026-03-09".into(),
            }),
        );
    let spec = given(history);
    let views = Views::default();
    let got = spec.then(&views, |v| beni_forecast(v, 7, 4));
    assert_eq!(
        got.days.iter().map(|d| d.strength).collect::<Vec<_>>(),
        [2, 1, 0, 1]
    );
    assert_eq!(got.gaps.len(), 1, "the 8th to the 10th, one gap");
    let gap = &got.gaps[0];
    assert_eq!(
        (gap.from, gap.to, gap.lowest_strength),
        (day(8), day(10), 0)
    );
    let causes: Vec<(CauseKind, &str)> = gap
        .causes
        .iter()
        .map(|c| (c.kind, c.staff_id.as_str()))
        .collect();
    assert_eq!(
        causes,
        [(CauseKind::Absence, "ana"), (CauseKind::Rotation, "ben")]
    );
}

/// A CLA's history: each staffing change of theirs, with the actor, in business order, the later
/// events named by id (an absence cancelled) found their CLA; what the view does not see is not
/// there.
#[test]
fn a_clas_history_holds_their_staffing_changes_in_business_order() {
    let history = beni_with_two()
        .event(
            STAFFING,
            day(8),
            StaffingEvent::AbsenceRecorded(contract::AbsenceRecorded {
                absence_id: "a-1".into(),
                staff_id: "ben".into(),
                kind: AbsenceKind::Training as i32,
                from: "2026-03-08".into(),
                to: "2026-03-09".into(),
            }),
        )
        .event(
            STAFFING,
            day(3),
            StaffingEvent::AbsenceCancelled(contract::AbsenceCancelled {
                absence_id: "a-1".into(),
            }),
        );
    let views = Views::default();
    let spec = given(history);
    let changes = |v: &Views, d: u32| -> Vec<(NaiveDate, ClaChange, String)> {
        v.staffing
            .history("ben", &on(d))
            .into_iter()
            .map(|h| (h.effective, h.change, h.actor_id))
            .collect()
    };
    spec.then_view(
        &views,
        |v| changes(v, 31),
        vec![
            (
                day(1),
                ClaChange::Deployed {
                    base_id: "beni".into(),
                },
                "spec".into(),
            ),
            (
                day(3),
                ClaChange::AbsenceCancelled {
                    absence_id: "a-1".into(),
                },
                "spec".into(),
            ),
            (
                day(8),
                ClaChange::AbsenceRecorded {
                    absence_id: "a-1".into(),
                    kind: AbsenceKind::Training,
                    from: Some(day(8)),
                    to: Some(day(9)),
                },
                "spec".into(),
            ),
        ],
    );
    // As of 5 March the absence (effective on the 8th) is not seen yet.
    assert_eq!(changes(&views, 5).len(), 2);
    assert_eq!(views.staffing.history("ana", &on(31)).len(), 1);
}
