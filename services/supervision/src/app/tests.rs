//! The application layer against a real embedded store: access is decided here, whatever door
//! the caller comes through.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use cla_event_store::{EmbeddedStore, EventStore};
use cla_platform::projection::Projection;
use cla_platform::{ErrorCode, Principal, Role, Runtime};
use cla_registry::RegistryApp;
use cla_registry::app::{CreateMission, OpenFieldOffice};
use cla_registry::commands::StaffingPolicyChange;

use super::*;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

fn who(roles: &[Role], missions: &[&str]) -> Principal {
    Principal::new("u-1", "U", roles, missions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outsiders_are_refused_by_the_application_layer_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let registry = Arc::new(RegistryView::default());
    let staffing = Arc::new(StaffingView::default());
    let supervision = Arc::new(SupervisionView::default());
    let projections: Vec<Arc<dyn Projection>> =
        vec![registry.clone(), staffing.clone(), supervision.clone()];
    let runtime = Runtime::started(Arc::clone(&store), projections, Duration::from_secs(10));
    let admin = who(&[Role::Admin], &[]);
    let registry_app = RegistryApp::new(runtime.clone(), registry.clone(), None);
    registry_app
        .create_mission(
            &admin,
            CreateMission {
                code: "ALPHA".into(),
                name: "Alpha".into(),
                country: "Somewhere".into(),
                policy: StaffingPolicyChange::default(),
                effective: day(1, 1),
            },
        )
        .await
        .unwrap();
    let office = registry_app
        .open_field_office(
            &admin,
            OpenFieldOffice {
                mission_code: "ALPHA".into(),
                name: "Beni".into(),
                effective: day(1, 2),
            },
        )
        .await
        .unwrap();
    let app = SupervisionApp::new(runtime, registry, staffing, supervision);
    let appoint = AppointManager {
        field_office_id: office.id.clone(),
        name: "Amani".into(),
        kind: ManagerKind::InternationalStaff,
        staff_id: None,
        from: day(1, 3),
    };
    let other_ca = who(&[Role::CivilAffairs], &["BRAVO"]);
    let hq = who(&[Role::HqReviewer], &[]);
    let ca = who(&[Role::CivilAffairs], &["ALPHA"]);
    let everything = View {
        as_of: day(2, 1),
        known_at: None,
    };
    let code = |e: AppError| e.code;

    let before = store.head().await.unwrap();
    assert_eq!(
        code(
            app.management_coverage(&other_ca, "ALPHA", &everything)
                .unwrap_err()
        ),
        ErrorCode::Forbidden
    );
    assert!(app.management_coverage(&hq, "ALPHA", &everything).is_ok());
    for outsider in [&other_ca, &hq] {
        let refused = app.appoint_manager(outsider, appoint.clone()).await;
        assert_eq!(code(refused.unwrap_err()), ErrorCode::Forbidden);
    }
    assert_eq!(
        store.head().await.unwrap(),
        before,
        "refusals write nothing"
    );

    let appointed = app.appoint_manager(&ca, appoint).await.unwrap();
    let coverage = appointed.coverage;
    assert_eq!(coverage.mission.managers, 1);
    let manager = coverage.mission.spans[0].manager_id.clone();
    assert_eq!(
        appointed.manager.id, manager,
        "the answer names the manager made"
    );
    let written = store.head().await.unwrap();
    let leave = ManagerLeaves {
        manager_id: manager.clone(),
        on: day(1, 20),
    };
    for outsider in [&other_ca, &hq] {
        let refused = app.manager_leaves(outsider, leave.clone()).await;
        assert_eq!(code(refused.unwrap_err()), ErrorCode::Forbidden);
    }
    let unknown = app
        .assign_supervisor(
            &other_ca,
            AssignSupervisor {
                manager_id: "nobody".into(),
                staff_id: "s-1".into(),
                from: day(1, 20),
            },
        )
        .await;
    assert_eq!(code(unknown.unwrap_err()), ErrorCode::NotFound);
    assert_eq!(
        store.head().await.unwrap(),
        written,
        "refusals write nothing"
    );
    assert_eq!(
        app.manager_leaves(&ca, leave)
            .await
            .unwrap()
            .mission
            .managers,
        0
    );
}
