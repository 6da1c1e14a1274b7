//! View specs of management coverage: given the registry's, staffing's and supervision's events,
//! then the coverage a day shows.

use std::sync::Arc;

use chrono::NaiveDate;
use cla_event_store::RecordedEvent;
use cla_platform::projection::Projection;
use cla_platform::timeline::View;
use cla_platform::view_spec::{History, given};
use cla_registry::RegistryView;
use cla_registry::events::{BaseKind, RegistryEvent, contract as registry, default_policy};
use cla_staffing::StaffingView;
use cla_staffing::events::{StaffingEvent, contract as staffing};

use super::*;
use crate::events::{ManagerKind, SupervisionEvent, contract};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

/// The read models management coverage is made from, fed the same events.
#[derive(Default)]
struct Models {
    registry: Arc<RegistryView>,
    staffing: Arc<StaffingView>,
    supervision: Arc<SupervisionView>,
}

impl Models {
    fn coverage(&self, as_of: NaiveDate) -> ManagementCoverage {
        let view = View {
            as_of,
            known_at: None,
        };
        management_coverage(
            &self.registry,
            &self.staffing,
            &self.supervision,
            "ALPHA",
            &view,
        )
        .unwrap()
    }
}

impl Projection for Models {
    fn name(&self) -> &'static str {
        "management coverage"
    }

    fn apply(&self, event: &RecordedEvent) {
        self.registry.apply(event);
        self.staffing.apply(event);
        self.supervision.apply(event);
    }
}

/// Mission ALPHA (span of control 1, visits every 30 days): field offices Beni (fo-1) and
/// Butembo (fo-2, nothing in it); under Beni, Kamango COB (b-1: s-1 and s-2 deployed) and Mutwanga
/// TOB (b-2: s-3). Manager m-1 of Beni supervises s-1 and s-2 and visits b-1 on 20–22 February.
fn mission() -> History {
    let mut policy = default_policy();
    policy.max_span_of_control = 1;
    policy.field_visit_interval_days = 30;
    let office = |id: &str, name: &str| {
        RegistryEvent::FieldOfficeOpened(registry::FieldOfficeOpened {
            field_office_id: id.into(),
            mission_code: "ALPHA".into(),
            name: name.into(),
        })
    };
    let base = |id: &str, name: &str| {
        RegistryEvent::BaseOpened(registry::BaseOpened {
            base_id: id.into(),
            mission_code: "ALPHA".into(),
            field_office_id: "fo-1".into(),
            name: name.into(),
            kind: BaseKind::CompanyOperatingBase as i32,
            contingent: String::new(),
            local_languages: vec![],
            alert_network_working: true,
            minimum_override: 0,
        })
    };
    let deployed = |staff: &str, base: &str| {
        StaffingEvent::ClaDeployed(staffing::ClaDeployed {
            deployment_id: format!("d-{staff}"),
            staff_id: staff.into(),
            base_id: base.into(),
        })
    };
    let supervises = |staff: &str| {
        SupervisionEvent::SupervisionStarted(contract::SupervisionStarted {
            supervision_id: format!("sup-{staff}"),
            manager_id: "m-1".into(),
            staff_id: staff.into(),
            ended_supervision_id: String::new(),
        })
    };
    History::new()
        .event(
            "mission-ALPHA",
            day(1, 1),
            RegistryEvent::MissionCreated(registry::MissionCreated {
                code: "ALPHA".into(),
                name: "Alpha".into(),
                country: "Somewhere".into(),
                policy: Some(policy),
            }),
        )
        .event("field-office-fo-1", day(1, 2), office("fo-1", "Beni"))
        .event("field-office-fo-2", day(1, 2), office("fo-2", "Butembo"))
        .event("base-b-1", day(1, 3), base("b-1", "Kamango COB"))
        .event("base-b-2", day(1, 3), base("b-2", "Mutwanga TOB"))
        .event("staffing-ALPHA", day(1, 10), deployed("s-1", "b-1"))
        .event("staffing-ALPHA", day(1, 10), deployed("s-2", "b-1"))
        .event("staffing-ALPHA", day(1, 10), deployed("s-3", "b-2"))
        .event(
            "management-ALPHA",
            day(1, 15),
            SupervisionEvent::ManagerAppointed(contract::ManagerAppointed {
                manager_id: "m-1".into(),
                field_office_id: "fo-1".into(),
                name: "Amani".into(),
                kind: ManagerKind::InternationalStaff as i32,
                staff_id: String::new(),
            }),
        )
        .event("management-ALPHA", day(1, 20), supervises("s-1"))
        .event("management-ALPHA", day(1, 20), supervises("s-2"))
        .event(
            "management-ALPHA",
            day(2, 20),
            SupervisionEvent::FieldVisitRecorded(contract::FieldVisitRecorded {
                visit_id: "v-1".into(),
                manager_id: "m-1".into(),
                base_id: "b-1".into(),
                from: "2024-02-20".into(),
                to: "2024-02-22".into(),
                purpose: "protection assessment".into(),
                notes: String::new(),
            }),
        )
}

fn amani(span: u32) -> ManagerSpan {
    ManagerSpan {
        manager_id: "m-1".into(),
        name: "Amani".into(),
        span,
        over_span: span > 1,
    }
}

fn never_visited(id: &str, name: &str) -> BaseVisit {
    BaseVisit {
        base_id: id.into(),
        name: name.into(),
        last_visit: None,
        days_since: None,
    }
}

fn empty_row(place: &str) -> CoverageRow {
    CoverageRow {
        place_id: place.into(),
        managers: 0,
        clas: 0,
        max_span: 0,
        mean_span: None,
        managers_over_span: vec![],
        spans: vec![],
        unsupervised: vec![],
        not_visited: vec![],
        coverage_percent: None,
    }
}

#[test]
fn coverage_shows_managers_spans_unsupervised_clas_and_bases_not_visited() {
    let beni = |place: &str| CoverageRow {
        place_id: place.into(),
        managers: 1,
        clas: 3,
        max_span: 2,
        mean_span: Some(2.0),
        managers_over_span: vec![amani(2)],
        spans: vec![amani(2)],
        unsupervised: vec!["s-3".into()],
        // Kamango was visited 8 days before: within the interval.
        not_visited: vec![never_visited("b-2", "Mutwanga TOB")],
        coverage_percent: Some(100.0 * 2.0 / 3.0),
    };
    given(mission()).then_view(
        &Models::default(),
        |m| m.coverage(day(3, 1)),
        ManagementCoverage {
            mission_code: "ALPHA".into(),
            as_of: day(3, 1),
            max_span_of_control: 1,
            field_visit_interval_days: 30,
            mission: beni("ALPHA"),
            by_field_office: vec![beni("fo-1"), empty_row("fo-2")],
        },
    );
}

#[test]
fn a_visit_counts_from_its_last_day_and_only_once_begun() {
    let spec = given(mission());
    let models = Models::default();
    // Before the visit began, neither base has been visited.
    let before = spec.then(&models, |m| m.coverage(day(2, 19)));
    assert_eq!(
        before.mission.not_visited,
        vec![
            never_visited("b-1", "Kamango COB"),
            never_visited("b-2", "Mutwanga TOB")
        ]
    );
    // 31 days after its last day, Kamango is overdue again.
    let overdue = models.coverage(day(3, 24));
    assert_eq!(
        overdue.mission.not_visited[0],
        BaseVisit {
            base_id: "b-1".into(),
            name: "Kamango COB".into(),
            last_visit: Some(day(2, 22)),
            days_since: Some(31),
        }
    );
    assert_eq!(models.coverage(day(3, 23)).mission.not_visited.len(), 1);
}

#[test]
fn a_manager_who_leaves_takes_their_supervisions_with_them() {
    let history = mission().event(
        "management-ALPHA",
        day(2, 25),
        SupervisionEvent::ManagerLeft(contract::ManagerLeft {
            manager_id: "m-1".into(),
            ended_supervision_ids: vec!["sup-s-1".into(), "sup-s-2".into()],
        }),
    );
    let coverage = given(history).then(&Models::default(), |m| m.coverage(day(3, 1)));
    let row = coverage.mission;
    assert_eq!(row.managers, 0);
    assert_eq!(row.spans, vec![]);
    assert_eq!(row.unsupervised, vec!["s-1", "s-2", "s-3"]);
    assert_eq!(row.coverage_percent, Some(0.0));
}

/// A CLA's supervision history: the manager who began supervising them, by name, and the end of
/// it when the manager left; another CLA's is their own; the view sees only what took effect.
#[test]
fn a_clas_supervision_history_names_the_manager_and_ends_when_they_leave() {
    let history = mission().event(
        "management-ALPHA",
        day(3, 1),
        SupervisionEvent::ManagerLeft(contract::ManagerLeft {
            manager_id: "m-1".into(),
            ended_supervision_ids: vec!["sup-s-1".into(), "sup-s-2".into()],
        }),
    );
    let models = Models::default();
    let spec = given(history);
    let changes = |m: &Models, as_of: NaiveDate| -> Vec<(NaiveDate, SupervisionChange)> {
        m.supervision
            .history("s-1", &View::on(as_of))
            .into_iter()
            .map(|h| (h.effective, h.change))
            .collect()
    };
    spec.then_view(
        &models,
        |m| changes(m, day(12, 31)),
        vec![
            (
                day(1, 20),
                SupervisionChange::Started {
                    manager: "Amani".into(),
                },
            ),
            (
                day(3, 1),
                SupervisionChange::Ended {
                    manager: "Amani".into(),
                },
            ),
        ],
    );
    assert_eq!(changes(&models, day(2, 1)).len(), 1, "not yet ended then");
    assert!(
        models
            .supervision
            .history("s-3", &View::on(day(12, 31)))
            .is_empty()
    );
}
