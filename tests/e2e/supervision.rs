//! Supervision and management coverage through GraphQL over HTTP, on a small fixed scenario whose
//! figures are worked out by hand: two field offices, three bases, five CLAs, two managers.

use chrono::{Datelike, Duration, Utc};
use cla_e2e::{
    Role, TestServer, active_staff, day, deploy, manager_named, mission_with_base, open_base,
};
use serde_json::{Value, json};

const COVERAGE: &str = "query($d: Date, $k: DateTime) { managementCoverage(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { maxSpanOfControl mission { placeId managers clas maxSpan meanSpan managersOverSpan { name span } unsupervised notVisited { name daysSince } coveragePercent } byFieldOffice { placeId managers clas maxSpan meanSpan managersOverSpan { name } unsupervised notVisited { name daysSince } coveragePercent } } }";

struct Scenario {
    server: TestServer,
    ca: String,
    hr: String,
    office_one: String,
    office_two: String,
    clas: Vec<String>,
    m1: String,
    m2: String,
}

async fn scenario() -> Scenario {
    let server = TestServer::start().await;
    let admin = server.admin();
    let (office_one, base_one) = mission_with_base(&server, "ALPHA").await;
    server.ok(&admin, "mutation { changeMissionPolicy(code: \"ALPHA\", policy: {maxSpanOfControl: 2, fieldVisitIntervalDays: 30}) { code } }", json!({})).await;
    let base_two = open_base(&server, &admin, &office_one, "Base Two").await;
    let office_two = server
        .ok(&admin, "mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"Office Two\", effective: \"2024-01-01\"}) { id } }", json!({}))
        .await["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base_three = open_base(&server, &admin, &office_two, "Base Three").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let mut clas = Vec::new();
    for (i, base) in [&base_one, &base_one, &base_one, &base_two, &base_three]
        .iter()
        .enumerate()
    {
        let id = active_staff(&server, &hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: MALE, indexNumber: $i, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-02-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": format!("CLA {i}"), "i": format!("70000{i}") })).await;
        deploy(&server, &ca, &id, base, &day(-40)).await;
        clas.push(id);
    }
    let appoint = |office: String, name: &'static str, kind: &'static str| {
        let (server, ca) = (&server, ca.clone());
        async move {
            let data = server
                .ok(&ca, "mutation($o: String!, $n: String!, $k: ManagerKind!, $f: Date!) { appointManager(input: {fieldOfficeId: $o, name: $n, kind: $k, from: $f}) { coverage { mission { spans { managerId name } } } } }", json!({ "o": office, "n": name, "k": kind, "f": day(-40) }))
                .await;
            manager_named(&data, name)
        }
    };
    let m1 = appoint(office_one.clone(), "M1", "UN_VOLUNTEER").await;
    let m2 = appoint(office_two.clone(), "M2", "INTERNATIONAL_STAFF").await;
    for (manager, cla) in [
        (&m1, &clas[0]),
        (&m1, &clas[1]),
        (&m1, &clas[2]),
        (&m2, &clas[4]),
    ] {
        server.ok(&ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": manager, "s": cla, "f": day(-30) })).await;
    }
    let visit = "mutation($m: String!, $b: String!, $f: Date!, $t: Date!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $t, purpose: \"community protection committee\") { mission { clas } } }";
    server
        .ok(
            &ca,
            visit,
            json!({ "m": m1, "b": base_one, "f": day(-10), "t": day(-9) }),
        )
        .await;
    server
        .ok(
            &ca,
            visit,
            json!({ "m": m1, "b": base_two, "f": day(-36), "t": day(-35) }),
        )
        .await;
    Scenario {
        server,
        ca,
        hr,
        office_one,
        office_two,
        clas,
        m1,
        m2,
    }
}

fn by_office<'a>(coverage: &'a Value, office: &str) -> &'a Value {
    coverage["byFieldOffice"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["placeId"] == office)
        .unwrap()
}

#[tokio::test]
async fn management_coverage_matches_the_hand_computed_figures() {
    let s = scenario().await;
    let c = s.server.ok(&s.hr, COVERAGE, json!({})).await["managementCoverage"].clone();
    assert_eq!(c["maxSpanOfControl"], 2);
    // Office One: M1 supervises CLAs 0, 1, 2 (span 3 > 2); CLA 3 at Base Two has no supervisor;
    // Base One visited 9 days ago, Base Two 35 days ago (> 30): 3 of 4 supervised.
    let one = by_office(&c, &s.office_one);
    assert_eq!(
        (
            one["managers"].as_u64(),
            one["clas"].as_u64(),
            one["maxSpan"].as_u64()
        ),
        (Some(1), Some(4), Some(3))
    );
    assert_eq!(one["meanSpan"], 3.0);
    assert_eq!(one["managersOverSpan"], json!([{ "name": "M1" }]));
    assert_eq!(one["unsupervised"], json!([s.clas[3]]));
    assert_eq!(
        one["notVisited"],
        json!([{ "name": "Base Two", "daysSince": 35 }])
    );
    assert_eq!(one["coveragePercent"], 75.0);
    // Office Two: M2 supervises CLA 4; Base Three was never visited.
    let two = by_office(&c, &s.office_two);
    assert_eq!(
        (
            two["managers"].as_u64(),
            two["clas"].as_u64(),
            two["maxSpan"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(two["managersOverSpan"], json!([]));
    assert_eq!(
        two["notVisited"],
        json!([{ "name": "Base Three", "daysSince": null }])
    );
    assert_eq!(two["coveragePercent"], 100.0);
    // The mission: 2 managers, 5 CLAs, spans 3 and 1 (mean 2), 4 of 5 supervised.
    let m = &c["mission"];
    assert_eq!(
        (
            m["managers"].as_u64(),
            m["clas"].as_u64(),
            m["maxSpan"].as_u64()
        ),
        (Some(2), Some(5), Some(3))
    );
    assert_eq!(m["meanSpan"], 2.0);
    assert_eq!(m["coveragePercent"], 80.0);
    assert_eq!(m["notVisited"].as_array().unwrap().len(), 2);

    // Re-assigning CLA 2 to M2 ends M1's supervision of them in the same step: spans 2 and 2.
    let after = s.server
        .ok(&s.ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { maxSpan meanSpan managersOverSpan { name } } } }", json!({ "m": s.m2, "s": s.clas[2], "f": day(-5) }))
        .await;
    assert_eq!(
        after["assignSupervisor"]["mission"],
        json!({ "maxSpan": 2, "meanSpan": 2.0, "managersOverSpan": [] })
    );
    let before = s.server.ok(&s.hr, COVERAGE, json!({ "d": day(-6) })).await;
    assert_eq!(
        before["managementCoverage"]["mission"]["maxSpan"], 3,
        "as of the day before the re-assignment"
    );
    s.server.stop().await;
}

#[tokio::test]
async fn a_back_dated_supervision_shows_as_of_its_date_and_not_as_known_before() {
    let s = scenario().await;
    let recorded_before = Utc::now();
    // Recorded now, effective ten days ago.
    s.server
        .ok(&s.ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": s.m1, "s": s.clas[3], "f": day(-10) }))
        .await;
    let unsupervised = |c: &Value| {
        c["managementCoverage"]["mission"]["unsupervised"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        unsupervised(&s.server.ok(&s.hr, COVERAGE, json!({ "d": day(-10) })).await),
        0,
        "as of its effective date"
    );
    assert_eq!(
        unsupervised(&s.server.ok(&s.hr, COVERAGE, json!({ "d": day(-11) })).await),
        1,
        "not the day before"
    );
    assert_eq!(
        unsupervised(
            &s.server
                .ok(
                    &s.hr,
                    COVERAGE,
                    json!({ "k": recorded_before.to_rfc3339() })
                )
                .await
        ),
        1,
        "not as known before it was recorded"
    );
    s.server.stop().await;
}

#[tokio::test]
async fn supervision_refusals_and_access() {
    let s = scenario().await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "mutation($m: String!) { assignSupervisor(managerId: $m, staffId: \"nobody\") { mission { clas } } }",
            json!({ "m": s.m1 }),
            "NOT_FOUND",
            "staffId",
        ),
        (
            "mutation($m: String!, $s: String!) { assignSupervisor(managerId: $m, staffId: $s, from: \"2020-01-01\") { mission { clas } } }",
            json!({ "m": s.m1, "s": s.clas[3] }),
            "CONFLICT",
            "managerId",
        ),
        (
            "mutation($m: String!) { recordFieldVisit(managerId: $m, baseId: \"nope\", from: \"2030-01-02\", to: \"2030-01-03\", purpose: \"p\") { mission { clas } } }",
            json!({ "m": s.m1 }),
            "NOT_FOUND",
            "baseId",
        ),
        (
            "mutation { assignSupervisor(managerId: \"nope\", staffId: \"x\") { mission { clas } } }",
            json!({}),
            "NOT_FOUND",
            "managerId",
        ),
        (
            "mutation { appointManager(input: {fieldOfficeId: \"nope\", name: \"N\", kind: UN_VOLUNTEER}) { coverage { mission { clas } } } }",
            json!({}),
            "NOT_FOUND",
            "fieldOfficeId",
        ),
    ];
    for (query, variables, code, field) in &cases {
        let answer = s.server.gql(Some(&s.ca), query, variables.clone()).await;
        assert_eq!(
            (answer.code(), answer.field()),
            (*code, Some(*field)),
            "{query}: {}",
            answer.body
        );
    }
    // MISSION_HR and HQ read; only CIVIL_AFFAIRS of the mission (and ADMIN) write.
    let write = "mutation($m: String!, $s: String!) { assignSupervisor(managerId: $m, staffId: $s) { mission { clas } } }";
    for token in [
        s.hr.clone(),
        s.server.token(Role::HqReviewer, &[]),
        s.server.token(Role::CivilAffairs, &["BRAVO"]),
    ] {
        let answer = s
            .server
            .gql(Some(&token), write, json!({ "m": s.m2, "s": s.clas[3] }))
            .await;
        assert_eq!(answer.code(), "FORBIDDEN", "{}", answer.body);
    }
    assert!(
        s.server
            .gql(
                Some(&s.server.token(Role::HqReviewer, &[])),
                COVERAGE,
                json!({})
            )
            .await
            .is_ok()
    );
    let away = s
        .server
        .gql(
            Some(&s.server.token(Role::CivilAffairs, &["BRAVO"])),
            COVERAGE,
            json!({}),
        )
        .await;
    assert_eq!(away.code(), "FORBIDDEN");
    s.server.stop().await;
}

const REVIEW: &str = "query($d: Date) { hqStaffingReview(asOf: $d) { overall { scope clas deployed bases basesAtMinimum basesAtMinimumPercent womenPercent supervisionCoveragePercent rotationsDue appointmentsEnding60Days openFlagsHigh vacancyPercent checkInCompliancePercent } missions { scope clas deployed bases basesAtMinimum supervisionCoveragePercent } } }";

#[tokio::test]
async fn the_hq_review_matches_the_hand_computed_figures_and_covers_every_mission_for_hq() {
    let s = scenario().await;
    mission_with_base(&s.server, "BRAVO").await;
    let hq = s.server.token(Role::HqReviewer, &[]);
    let review = s.server.ok(&hq, REVIEW, json!({})).await["hqStaffingReview"].clone();
    let missions: Vec<&str> = review["missions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["scope"].as_str().unwrap())
        .collect();
    assert_eq!(missions, vec!["ALPHA", "BRAVO"], "HQ sees every mission");
    let alpha = &review["missions"][0];
    // 5 CLAs deployed over 3 bases: Base One (3) is at its minimum of 2; Base Two and Base Three
    // (1 each) are not. 4 of 5 supervised.
    assert_eq!(
        alpha,
        &json!({ "scope": "ALPHA", "clas": 5, "deployed": 5, "bases": 3, "basesAtMinimum": 1, "supervisionCoveragePercent": 80.0 })
    );
    let all = &review["overall"];
    assert_eq!(all["scope"], "ALL");
    // BRAVO adds one empty base.
    assert_eq!(
        (
            all["clas"].as_u64(),
            all["deployed"].as_u64(),
            all["bases"].as_u64(),
            all["basesAtMinimum"].as_u64()
        ),
        (Some(5), Some(5), Some(4), Some(1))
    );
    assert_eq!(all["basesAtMinimumPercent"], 25.0);
    assert_eq!(all["womenPercent"], 0.0);
    assert_eq!(all["supervisionCoveragePercent"], 80.0);
    assert_eq!(
        (
            all["rotationsDue"].as_u64(),
            all["appointmentsEnding60Days"].as_u64(),
            all["openFlagsHigh"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(
        (
            all["vacancyPercent"].clone(),
            all["checkInCompliancePercent"].clone()
        ),
        (Value::Null, Value::Null),
        "nothing budgeted, nothing due yet"
    );
    // A mission-scoped role sees its own missions only.
    let scoped = s.server.ok(&s.ca, REVIEW, json!({})).await;
    assert_eq!(
        scoped["hqStaffingReview"]["missions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.server.stop().await;
}

#[tokio::test]
async fn the_monthly_review_agrees_with_the_board_at_each_month_end() {
    let s = scenario().await;
    let today = Utc::now().date_naive();
    let from = (today - Duration::days(365)).to_string();
    let to = (today - Duration::days(today.day0() as i64 + 1)).to_string();
    let series = s.server
        .ok(&s.hr, "query($f: Date!, $t: Date!) { hqStaffingSeries(from: $f, to: $t) { monthEnd missions { scope deployed basesAtMinimum bases } } }", json!({ "f": from, "t": to }))
        .await["hqStaffingSeries"]
        .clone();
    let months = series.as_array().unwrap();
    assert!((12..=13).contains(&months.len()), "{}", months.len());
    let mut non_empty = 0;
    for month in months {
        let end = month["monthEnd"].as_str().unwrap();
        let board = s.server.ok(&s.hr, "query($d: Date!) { baseBoard(missionCode: \"ALPHA\", asOf: $d) { edges { node { deployed status } } } }", json!({ "d": end })).await;
        let rows = board["baseBoard"]["edges"].as_array().unwrap();
        let deployed: u64 = rows
            .iter()
            .map(|r| r["node"]["deployed"].as_u64().unwrap())
            .sum();
        let at_minimum = rows.iter().filter(|r| r["node"]["status"] == "OK").count() as u64;
        let alpha = &month["missions"][0];
        assert_eq!(
            alpha["deployed"].as_u64(),
            Some(deployed),
            "deployed at {end}"
        );
        assert_eq!(
            alpha["basesAtMinimum"].as_u64(),
            Some(at_minimum),
            "bases at minimum at {end}"
        );
        assert_eq!(
            alpha["bases"].as_u64(),
            Some(rows.len() as u64),
            "bases at {end}"
        );
        non_empty += usize::from(deployed > 0);
    }
    assert!(
        non_empty >= 1,
        "the deployments of the last weeks show in the series"
    );
    s.server.stop().await;
}
