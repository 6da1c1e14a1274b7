//! The demo as a door onto the application layers: it is given the layers, never the schema, so
//! it cannot run a GraphQL request; what it made is what the layers answer. A check-in named by
//! its door is recorded once however often it is sent.

use chrono::Utc;
use cla_e2e::TestServer;
use cla_platform::timeline::View;
use cla_platform::{Principal, Role};
use cla_registry::app::BaseFilter;
use cla_registry::decider::BaseStatus;
use cla_risk::app::RecordCheckIn;
use cla_risk::events::{Channel, Welfare};
use cla_staff::projections::StaffFilter;

fn admin() -> Principal {
    Principal::new("devtools-test", "Devtools test", &[Role::Admin], &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_through_the_application_layers_alone() {
    let server = TestServer::start().await;
    let state = &server.running.state;
    // The layers alone: `cla_devtools` has no schema to run a request with.
    let apps = cla_gateway::demo::tool_apps(&state.apps);
    let summary = cla_devtools::demo::load_if_empty(
        &apps,
        state.store.as_ref(),
        Utc::now(),
        cla_devtools::demo::SEED,
    )
    .await
    .expect("the demo loads")
    .expect("the store was empty");
    assert!(summary.commands > 1_000, "{}", summary.commands);

    let who = admin();
    let today = View::on(Utc::now().date_naive());
    let missions: Vec<String> = apps
        .registry
        .missions(&who, &today)
        .into_iter()
        .map(|m| m.code)
        .collect();
    assert_eq!(missions, ["MINUSCA", "MINUSMA", "MONUSCO", "UNMISS"]);
    for m in &summary.missions {
        let open = BaseFilter {
            status: Some(BaseStatus::Open),
            ..Default::default()
        };
        let bases = apps.registry.bases(&who, &m.code, &open, &today).unwrap();
        assert_eq!(bases.len(), m.bases, "{}", m.code);
        let offices = apps.registry.field_offices(&who, &m.code, &today).unwrap();
        assert_eq!(offices.len(), m.field_offices, "{}", m.code);
    }
    assert_eq!(summary.missions[2].code, "UNMISS");

    // A store with data is never touched.
    let head = state.store.head().await.unwrap();
    let again = cla_devtools::demo::load_if_empty(
        &apps,
        state.store.as_ref(),
        Utc::now(),
        cla_devtools::demo::SEED,
    )
    .await
    .unwrap();
    assert_eq!(again, None);
    assert_eq!(state.store.head().await.unwrap(), head);

    // A check-in named by its door: the second sending writes nothing.
    let staff_id = apps
        .staff
        .staff_members(&who, "UNMISS", &StaffFilter::default(), &today)
        .unwrap()
        .into_iter()
        .map(|s| s.member.id)
        .find(|id| {
            apps.staffing
                .cla_staffing(&who, id, &today)
                .is_ok_and(|c| c.base_id.is_some())
        })
        .expect("a CLA deployed in UNMISS");
    let check_in = RecordCheckIn {
        staff_id,
        at: Some(Utc::now()),
        channel: Channel::Sms,
        welfare: Welfare::Ok,
        notes: String::new(),
    };
    let id = "0190a5c4-0000-7000-8000-000000000001".to_string();
    let first = apps
        .risk
        .record_named_check_in(&who, id.clone(), check_in.clone())
        .await
        .unwrap();
    assert_eq!(first.check_in_id, id);
    let after_first = state.store.head().await.unwrap();
    assert_ne!(after_first, head);
    apps.risk
        .record_named_check_in(&who, id, check_in)
        .await
        .unwrap();
    assert_eq!(state.store.head().await.unwrap(), after_first);
    server.stop().await;
}
