//! The application layer against a real embedded store: access decided here, whoever the door;
//! partial changes merged on the state they are decided on; a base closes only once staffing has
//! nobody there.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use cla_event_store::{EmbeddedStore, EventStore};
use cla_platform::projection::Projection;
use cla_platform::{ErrorCode, Principal, Role, Runtime};

use super::*;
use crate::events::{BaseKind, DeploymentModel};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn who(roles: &[Role], missions: &[&str]) -> Principal {
    Principal::new("u-1", "U", roles, missions)
}

fn admin() -> Principal {
    who(&[Role::Admin], &[])
}

/// CLAs staffing says are deployed at any base asked about.
#[derive(Default)]
struct Occupancy(AtomicUsize);

impl BaseOccupancy for Occupancy {
    fn deployed(&self, _: &str, _: &str, _: NaiveDate) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

struct Fixture {
    app: RegistryApp,
    store: Arc<dyn EventStore>,
    occupancy: Arc<Occupancy>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let registry = Arc::new(RegistryView::default());
    let projections: Vec<Arc<dyn Projection>> = vec![registry.clone()];
    let runtime = Runtime::started(Arc::clone(&store), projections, Duration::from_secs(10));
    let occupancy = Arc::new(Occupancy::default());
    let app = RegistryApp::new(
        runtime,
        registry,
        Some(occupancy.clone() as Arc<dyn BaseOccupancy>),
    );
    Fixture {
        app,
        store,
        occupancy,
        _dir: dir,
    }
}

async fn head(store: &Arc<dyn EventStore>) -> Option<u64> {
    store.head().await.unwrap().map(|p| p.0)
}

async fn mission(f: &Fixture, code: &str) {
    f.app
        .create_mission(
            &admin(),
            CreateMission {
                code: code.into(),
                name: format!("Mission {code}"),
                country: "Somewhere".into(),
                policy: StaffingPolicyChange::default(),
                effective: day(2024, 1, 1),
            },
        )
        .await
        .unwrap();
}

async fn base(f: &Fixture, code: &str) -> String {
    let office = f
        .app
        .open_field_office(
            &admin(),
            OpenFieldOffice {
                mission_code: code.into(),
                name: "Beni".into(),
                effective: day(2024, 1, 2),
            },
        )
        .await
        .unwrap();
    f.app
        .open_base(
            &admin(),
            OpenBase {
                details: BaseDetails {
                    name: "Kamango COB".into(),
                    kind: BaseKind::CompanyOperatingBase,
                    field_office_id: office.id,
                    contingent: "NEPBATT".into(),
                    local_languages: vec!["Swahili".into()],
                    alert_network_working: true,
                    minimum_override: None,
                },
                effective: day(2024, 1, 3),
            },
        )
        .await
        .unwrap()
        .base
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_policy_changes_of_different_fields_both_hold() {
    let f = fixture().await;
    mission(&f, "ALPHA").await;
    let admin = admin();
    let span = f.app.change_mission_policy(
        &admin,
        ChangeMissionPolicy {
            code: "ALPHA".into(),
            change: StaffingPolicyChange {
                max_span_of_control: Some(7),
                ..Default::default()
            },
            effective: day(2024, 2, 1),
        },
    );
    let tour = f.app.change_mission_policy(
        &admin,
        ChangeMissionPolicy {
            code: "ALPHA".into(),
            change: StaffingPolicyChange {
                max_tour_months: Some(18),
                deployment_model: Some(DeploymentModel::RegionalOffices),
                ..Default::default()
            },
            effective: day(2024, 2, 1),
        },
    );
    let (a, b) = tokio::join!(span, tour);
    a.unwrap();
    b.unwrap();
    let policy = f.app.mission(&admin, "ALPHA", &ever()).unwrap().policy;
    assert_eq!(policy.max_span_of_control, 7);
    assert_eq!(policy.max_tour_months, 18);
    assert_eq!(
        policy.deployment_model,
        DeploymentModel::RegionalOffices as i32
    );
    assert_eq!(
        policy.minimum_clas_per_base,
        events::default_policy().minimum_clas_per_base,
        "what neither change gave stays as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partial_base_changes_of_different_fields_both_hold() {
    let f = fixture().await;
    mission(&f, "ALPHA").await;
    let id = base(&f, "ALPHA").await;
    let change = |patch| ChangeBase {
        base_id: id.clone(),
        patch,
        effective: day(2024, 2, 1),
    };
    let admin_ = admin();
    let (a, b) = tokio::join!(
        f.app.change_base(
            &admin_,
            change(BaseDetailsPatch {
                contingent: Some("PAKBATT".into()),
                ..Default::default()
            })
        ),
        f.app.change_base(
            &admin_,
            change(BaseDetailsPatch {
                minimum_override: Some(Some(3)),
                ..Default::default()
            })
        ),
    );
    a.unwrap();
    b.unwrap();
    let details = f.app.base_ever(&id).unwrap().details;
    assert_eq!(details.contingent, "PAKBATT");
    assert_eq!(details.minimum_override, Some(3));
    assert_eq!(details.name, "Kamango COB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outsiders_are_refused_by_the_application_layer_itself() {
    let f = fixture().await;
    mission(&f, "ALPHA").await;
    let id = base(&f, "ALPHA").await;
    let before = head(&f.store).await;
    let other_ca = who(&[Role::CivilAffairs], &["BRAVO"]);
    let hq = who(&[Role::HqReviewer], &[]);
    let ca = who(&[Role::CivilAffairs], &["ALPHA"]);
    let now = ever();
    let forbidden = |r: AppResult<_>| {
        let e = r.map(|_: ()| ()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    };
    forbidden(f.app.mission(&other_ca, "ALPHA", &now).map(drop));
    forbidden(f.app.base(&other_ca, &id, &now).map(drop));
    forbidden(
        f.app
            .bases(&other_ca, "ALPHA", &BaseFilter::default(), &now)
            .map(drop),
    );
    forbidden(f.app.registry_changes(&other_ca, "ALPHA").map(drop));
    assert!(f.app.missions(&other_ca, &now).is_empty());
    // Reading is for every role of the mission; changing is not.
    assert!(f.app.base(&hq, &id, &now).is_ok());
    let step = BaseStep {
        base_id: id.clone(),
        reason: "withdrawn".into(),
        effective: day(2024, 3, 1),
    };
    forbidden(f.app.start_closing_base(&hq, step.clone()).await.map(drop));
    forbidden(
        f.app
            .start_closing_base(&other_ca, step.clone())
            .await
            .map(drop),
    );
    forbidden(
        f.app
            .change_mission_policy(
                &ca,
                ChangeMissionPolicy {
                    code: "ALPHA".into(),
                    change: StaffingPolicyChange::default(),
                    effective: day(2024, 3, 1),
                },
            )
            .await
            .map(drop),
    );
    assert_eq!(head(&f.store).await, before, "no refusal writes anything");
    // The mission's own CIVIL_AFFAIRS manages its bases.
    let closing = f.app.start_closing_base(&ca, step).await.unwrap();
    assert_eq!(closing.base.status, BaseStatus::Closing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_closes_only_once_staffing_has_nobody_there_and_a_refusal_writes_nothing() {
    let f = fixture().await;
    mission(&f, "ALPHA").await;
    let id = base(&f, "ALPHA").await;
    let step = BaseStep {
        base_id: id.clone(),
        reason: "withdrawn".into(),
        effective: day(2024, 3, 1),
    };
    // Not closing yet: refused by the rules before staffing is asked.
    f.occupancy.0.store(2, Ordering::SeqCst);
    let before = head(&f.store).await;
    let e = f.app.close_base(&admin(), step.clone()).await.unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Conflict, Some("baseId"))
    );
    f.app
        .start_closing_base(&admin(), step.clone())
        .await
        .unwrap();
    let closing = head(&f.store).await;
    assert_ne!(closing, before);
    // Closing, but two CLAs are still there.
    let e = f.app.close_base(&admin(), step.clone()).await.unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::CoverageGap, Some("baseId"))
    );
    assert_eq!(
        head(&f.store).await,
        closing,
        "a refused closing writes nothing"
    );
    // Once they are rotated out, the same closing goes through.
    f.occupancy.0.store(0, Ordering::SeqCst);
    let closed = f.app.close_base(&admin(), step).await.unwrap();
    assert_eq!(closed.base.status, BaseStatus::Closed);
    assert_eq!(closed.base.closed_on, Some(day(2024, 3, 1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_set_up_a_mission_is_asked_as_the_commands_decide_it() {
    let f = fixture().await;
    let app = &f.app;
    let ca = who(&[Role::CivilAffairs], &["ALPHA"]);
    let hr = who(&[Role::MissionHr], &["ALPHA"]);
    let hq = who(&[Role::HqReviewer], &[]);
    assert!(app.may_administer(&admin()).is_ok());
    assert!(app.may_manage(&admin(), "ALPHA").is_ok());
    assert!(app.may_manage(&ca, "ALPHA").is_ok());
    for refused in [
        app.may_administer(&ca),
        app.may_manage(&ca, "BRAVO"),
        app.may_manage(&hr, "ALPHA"),
        app.may_manage(&hq, "ALPHA"),
        app.may_administer(&hq),
    ] {
        assert_eq!(refused.unwrap_err().code, ErrorCode::Forbidden);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missions_history_names_each_change_its_subject_and_actor_the_last_first() {
    let f = fixture().await;
    mission(&f, "ALPHA").await;
    mission(&f, "BRAVO").await;
    let id = base(&f, "ALPHA").await;
    let ca = Principal::new("ca-7", "C", &[Role::CivilAffairs], &["ALPHA"]);
    f.app
        .start_closing_base(
            &ca,
            BaseStep {
                base_id: id.clone(),
                reason: "withdrawn".into(),
                effective: day(2024, 3, 1),
            },
        )
        .await
        .unwrap();
    let history = f.app.mission_history(&ca, "ALPHA", &ever()).unwrap();
    let said: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|h| {
            (
                h.event_type.split('.').next().unwrap(),
                h.subject.as_str(),
                h.actor_id.as_str(),
            )
        })
        .collect();
    let office = &history[2].subject;
    assert_eq!(
        said,
        vec![
            ("BaseClosingStarted", id.as_str(), "ca-7"),
            ("BaseOpened", id.as_str(), "u-1"),
            ("FieldOfficeOpened", office.as_str(), "u-1"),
            ("MissionCreated", "ALPHA", "u-1"),
        ],
        "the last first, nothing of BRAVO's"
    );
    assert_eq!(history[0].actor_role, "CIVIL_AFFAIRS");
    assert_eq!(history[0].effective, day(2024, 3, 1));
    // As of a date before the closing took effect: not yet.
    let before = f
        .app
        .mission_history(&ca, "ALPHA", &View::on(day(2024, 2, 1)))
        .unwrap();
    assert_eq!(before.len(), 3, "{before:?}");
    // Another mission's reader is refused.
    let other = Principal::new("ca-8", "D", &[Role::CivilAffairs], &["BRAVO"]);
    let refused = f.app.mission_history(&other, "ALPHA", &ever()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
}
