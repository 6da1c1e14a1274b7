//! The demo dataset: it loads through the real commands on an empty store, never on a store with
//! data, is the same for one seed, and what it claims is what readers see.

use chrono::Utc;
use cla_e2e::{Role, TestServer};
use serde_json::{Value, json};

const BOARD: &str = "query($m: String!) { baseBoard(missionCode: $m, first: 500) { totalCount edges { node { status effectiveStrength } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_on_an_empty_store_and_shows_what_it_claims() {
    let server = TestServer::start().await;
    let state = &server.running.state;
    let summary = server.load_demo().await.expect("the store was empty");
    println!(
        "demo: {} commands in {:.1} s",
        summary.commands, summary.seconds
    );
    let hq = server.token(Role::HqReviewer, &[]);
    let review = server
        .ok(&hq, "{ hqStaffingReview { missions { scope clas deployed bases basesAtMinimum appointmentsEnding60Days openFlagsLow openFlagsMedium openFlagsHigh openFlagsCritical } } }", json!({}))
        .await["hqStaffingReview"]["missions"]
        .clone();
    let row = |code: &str| -> Value {
        review
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["scope"] == code)
            .unwrap_or_else(|| panic!("{code} in the review"))
            .clone()
    };
    for claimed in &summary.missions {
        let code = claimed.code.as_str();
        let r = row(code);
        let board = server.ok(&hq, BOARD, json!({ "m": code })).await["baseBoard"].clone();
        let rows: Vec<&Value> = board["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .collect();
        let below = rows.iter().filter(|n| n["status"] != "OK").count();
        let lone = rows.iter().filter(|n| n["effectiveStrength"] == 1).count();
        assert_eq!(
            (
                r["clas"].as_u64().unwrap() as usize,
                r["deployed"].as_u64().unwrap() as usize,
                r["bases"].as_u64().unwrap() as usize,
                rows.len(),
                below,
                lone,
                r["appointmentsEnding60Days"].as_u64().unwrap() as usize,
            ),
            (
                claimed.clas,
                claimed.deployed,
                claimed.bases,
                claimed.bases,
                claimed.below_minimum,
                claimed.lone,
                claimed.appointments_ending,
            ),
            "{code}: CLAs, deployed, bases, board rows, below minimum, lone, appointments ending"
        );
        let flags: u64 = [
            "openFlagsLow",
            "openFlagsMedium",
            "openFlagsHigh",
            "openFlagsCritical",
        ]
        .iter()
        .map(|k| r[*k].as_u64().unwrap())
        .sum();
        assert_eq!(flags as usize, claimed.open_flags, "{code}: open flags");
    }
    // The shape of the programme.
    let monusco = summary
        .missions
        .iter()
        .find(|m| m.code == "MONUSCO")
        .unwrap();
    assert_eq!(monusco.field_offices, 7);
    assert!(
        monusco.bases > 70 && (190..=210).contains(&monusco.clas),
        "{monusco:?}"
    );
    assert!(
        monusco.below_minimum > 0
            && monusco.lone > 0
            && monusco.stopped_checking_in > 0
            && monusco.appointments_ending > 0,
        "{monusco:?}"
    );
    let minusca = summary
        .missions
        .iter()
        .find(|m| m.code == "MINUSCA")
        .unwrap();
    assert_eq!((minusca.bases, minusca.clas), (44, 78));
    let unmiss = server
        .ok(
            &hq,
            "{ mission(code: \"UNMISS\") { policy { deploymentModel } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unmiss["mission"]["policy"]["deploymentModel"],
        "REGIONAL_OFFICES"
    );
    // MINUSMA: closed, every base closed and every CLA separated.
    let minusma = row("MINUSMA");
    assert_eq!(
        (minusma["clas"].clone(), minusma["bases"].clone()),
        (json!(0), json!(0))
    );
    let closed = server.ok(&hq, "{ bases(missionCode: \"MINUSMA\", status: CLOSED) { totalCount } staffMembers(missionCode: \"MINUSMA\", status: SEPARATED) { totalCount } }", json!({})).await;
    assert_eq!(
        (
            closed["bases"]["totalCount"].clone(),
            closed["staffMembers"]["totalCount"].clone()
        ),
        (json!(12), json!(30))
    );
    // Management problems a manager must see: someone over span, someone unsupervised.
    let coverage = server.ok(&hq, "{ managementCoverage(missionCode: \"MONUSCO\") { mission { managersOverSpan { name } unsupervised } } }", json!({})).await;
    let m = &coverage["managementCoverage"]["mission"];
    assert!(
        !m["managersOverSpan"].as_array().unwrap().is_empty()
            && !m["unsupervised"].as_array().unwrap().is_empty(),
        "{m}"
    );
    // The detector finds the CLAs who stopped checking in.
    let now = Utc::now();
    let overdue = server
        .ok(
            &server.admin(),
            "{ checkInCompliance(missionCode: \"MONUSCO\") { overdue { staffId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overdue["checkInCompliance"]["overdue"]
            .as_array()
            .unwrap()
            .len(),
        monusco.stopped_checking_in,
        "at {now}"
    );

    // A store with data is never touched.
    let head = state.store.head().await.unwrap();
    assert_eq!(server.load_demo().await, None);
    assert_eq!(state.store.head().await.unwrap(), head);
    server.stop().await;
}
