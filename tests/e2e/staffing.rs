//! Staffing through GraphQL over HTTP: a base going from 3 CLAs to 1 through a rotation, an
//! absence and a separation, checked on the board and the forecast day by day; two managers taking
//! CLAs from one base at the same moment, many times; asOf on the board for a back-dated
//! deployment; refusals, base closure, and access.

use std::sync::Arc;

use chrono::Utc;
use cla_e2e::{Answer, Role, TestServer, active_staff, day, mission_with_base, open_base};
use serde_json::{Value, json};

struct Mission {
    hr: String,
    ca: String,
    office: String,
    base: String,
}

async fn mission(server: &TestServer) -> Mission {
    let (office, base) = mission_with_base(server, "ALPHA").await;
    Mission {
        hr: server.token(Role::MissionHr, &["ALPHA"]),
        ca: server.token(Role::CivilAffairs, &["ALPHA"]),
        office,
        base,
    }
}

/// An active CLA of mission ALPHA (registered and activated long ago).
async fn cla(
    server: &TestServer,
    m: &Mission,
    name: &str,
    index: &str,
    gender: &str,
    language: &str,
) -> String {
    active_staff(
        server,
        &m.hr,
        "mutation($base: String!, $name: String!, $index: String!, $gender: Gender!, $lang: String!) { registerStaffMember(input: {baseId: $base, name: $name, gender: $gender, languages: [{language: $lang, level: \"FLUENT\"}], indexNumber: $index, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-02-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }",
        json!({ "base": m.base, "name": name, "index": index, "gender": gender, "lang": language }),
    )
    .await
}

async fn deploy(server: &TestServer, m: &Mission, staff: &str, base: &str, from: &str) {
    cla_e2e::deploy(server, &m.ca, staff, base, from).await;
}

async fn board_row(server: &TestServer, token: &str, base: &str, as_of: &str) -> Value {
    let data = server
        .ok(token, "query($d: Date!) { baseBoard(missionCode: \"ALPHA\", asOf: $d) { edges { node { baseId deployed effectiveStrength minimum status women languagesCovered languagesMissing clas { name absent } } } } }", json!({ "d": as_of }))
        .await;
    data["baseBoard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["baseId"] == base)
        .unwrap()
}

#[tokio::test]
async fn a_base_goes_from_three_to_one_through_a_rotation_an_absence_and_a_separation() {
    let server = TestServer::start().await;
    let m = mission(&server).await;
    let other = open_base(&server, &server.admin(), &m.office, "Base Two").await;
    let amani = cla(&server, &m, "Amani", "100001", "FEMALE", "Swahili").await;
    let bora = cla(&server, &m, "Bora", "100002", "MALE", "Lingala").await;
    let chausiku = cla(&server, &m, "Chausiku", "100003", "FEMALE", "Kinande").await;
    for who in [&amani, &bora, &chausiku] {
        deploy(&server, &m, who, &m.base, &day(-60)).await;
    }
    // Day -40: Chausiku rotates to Base Two (3 → 2, no gap).
    let planned = server
        .ok(&m.ca, "mutation($s: String!, $from: String!, $to: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $from, toBaseId: $to, date: $d) { staffing { rotations { id state } } } }", json!({ "s": chausiku, "from": m.base, "to": other, "d": day(-40) }))
        .await;
    let rotation = planned["planRotation"]["staffing"]["rotations"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        planned["planRotation"]["staffing"]["rotations"][0]["state"], "OVERDUE",
        "its date has passed uncompleted"
    );
    let calendar = server
        .ok(
            &m.hr,
            "query($f: Date!) { rotationCalendar(missionCode: \"ALPHA\", from: $f) { id state } }",
            json!({ "f": day(-90) }),
        )
        .await;
    assert_eq!(calendar["rotationCalendar"][0]["state"], "OVERDUE");
    server
        .ok(&m.ca, "mutation($r: String!, $d: Date!) { completeRotation(rotationId: $r, on: $d) { baseId } }", json!({ "r": rotation, "d": day(-40) }))
        .await;
    // Days -30 to -25: Bora on R&R (never refused; the gap shows).
    server
        .ok(&m.ca, "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: REST_AND_RECUPERATION, from: $f, to: $t) { staffing { absences { id } } } }", json!({ "s": bora, "f": day(-30), "t": day(-25) }))
        .await;
    // Day -20: Amani separates (recorded in the staff context, back-dated; never refused).
    server
        .ok(&m.hr, "mutation($s: String!, $d: Date!) { separateStaff(staffId: $s, reason: RELOCATED_FOR_SAFETY, effective: $d) { status } }", json!({ "s": amani, "d": day(-20) }))
        .await;

    let expected = |offset: i64| -> u32 {
        match offset {
            -60..=-41 => 3,
            -40..=-31 => 2,
            -30..=-25 => 1,
            -24..=-21 => 2,
            _ => 1,
        }
    };
    // The board, day by day.
    for offset in -62..=0 {
        let row = board_row(&server, &m.hr, &m.base, &day(offset)).await;
        let want = if offset < -60 { 0 } else { expected(offset) };
        assert_eq!(
            row["effectiveStrength"], want,
            "board on day {offset}: {row}"
        );
        let status = match want {
            0 => "EMPTY",
            1 => "BELOW_MINIMUM",
            _ => "OK",
        };
        assert_eq!(row["status"], status, "day {offset}");
    }
    let during_absence = board_row(&server, &m.hr, &m.base, &day(-28)).await;
    assert_eq!(during_absence["deployed"], 2);
    assert_eq!(during_absence["women"], 1);
    let on_day_50 = board_row(&server, &m.hr, &m.base, &day(-50)).await;
    assert_eq!(
        on_day_50["languagesCovered"],
        json!(["Swahili"]),
        "Base One's local language is Swahili"
    );
    assert_eq!(on_day_50["women"], 2);

    // The forecast from day -60 over 61 days, day by day, with the gaps and their causes.
    let forecast = server
        .ok(&m.hr, "query($b: String!, $f: Date!) { coverageForecast(baseId: $b, from: $f, days: 61) { minimum days { date strength belowMinimum } gaps { from to lowestStrength causes { kind name } } } }", json!({ "b": m.base, "f": day(-60) }))
        .await["coverageForecast"]
        .clone();
    let strengths: Vec<u32> = forecast["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["strength"].as_u64().unwrap() as u32)
        .collect();
    let want: Vec<u32> = (-60..=0).map(expected).collect();
    assert_eq!(strengths, want);
    let gaps = forecast["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 2, "{forecast}");
    assert_eq!(
        (
            gaps[0]["from"].as_str().unwrap(),
            gaps[0]["to"].as_str().unwrap()
        ),
        (day(-30).as_str(), day(-25).as_str())
    );
    assert_eq!(
        gaps[0]["causes"],
        json!([{ "kind": "ABSENCE", "name": "Bora" }, { "kind": "DEPLOYMENT_END", "name": "Chausiku" }])
    );
    assert_eq!(
        (
            gaps[1]["from"].as_str().unwrap(),
            gaps[1]["to"].as_str().unwrap()
        ),
        (day(-20).as_str(), day(0).as_str())
    );
    assert_eq!(
        gaps[1]["causes"],
        json!([{ "kind": "SEPARATION", "name": "Amani" }, { "kind": "DEPLOYMENT_END", "name": "Chausiku" }])
    );

    // Looking ahead: a planned rotation of the last CLA empties the base on its date.
    server
        .ok(&m.ca, "mutation($s: String!, $from: String!, $to: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $from, toBaseId: $to, date: $d) { staffing { id: staffId } } }", json!({ "s": bora, "from": m.base, "to": other, "d": day(5) }))
        .await;
    let ahead = server
        .ok(&m.hr, "query($b: String!) { coverageForecast(baseId: $b, days: 10) { days { strength } gaps { from causes { kind name } } } }", json!({ "b": m.base }))
        .await["coverageForecast"]
        .clone();
    let strengths: Vec<u64> = ahead["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["strength"].as_u64().unwrap())
        .collect();
    assert_eq!(strengths, vec![1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    assert!(
        ahead["gaps"][0]["causes"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "ROTATION", "name": "Bora" })),
        "{ahead}"
    );
    // The deployment history, on the staff profile too.
    let profile = server
        .ok(
            &m.hr,
            "query($s: String!) { staffMember(id: $s) { deployments { baseName from to } } }",
            json!({ "s": chausiku }),
        )
        .await;
    assert_eq!(
        profile["staffMember"]["deployments"],
        json!([{ "baseName": "Base One", "from": day(-60), "to": day(-40) }, { "baseName": "Base Two", "from": day(-40), "to": null }])
    );
    // The CLA's deployment history.
    let history = server.ok(&m.hr, "query($s: String!) { claStaffing(staffId: $s) { baseId deployments { baseName from to } } }", json!({ "s": chausiku })).await;
    assert_eq!(history["claStaffing"]["baseId"], other.as_str());
    assert_eq!(
        history["claStaffing"]["deployments"],
        json!([{ "baseName": "Base One", "from": day(-60), "to": day(-40) }, { "baseName": "Base Two", "from": day(-40), "to": null }])
    );
    server.stop().await;
}

#[tokio::test]
async fn the_two_per_base_rule_refuses_accepts_and_guards_closure() {
    let server = TestServer::start().await;
    let m = mission(&server).await;
    let a = cla(&server, &m, "A", "200001", "MALE", "French").await;
    let b = cla(&server, &m, "B", "200002", "FEMALE", "French").await;
    let idle = cla(&server, &m, "Idle", "200003", "MALE", "French").await;
    // Registered, never activated: only active CLAs deploy.
    let onboarding = server
        .ok(&m.hr, "mutation($base: String!) { registerStaffMember(input: {baseId: $base, name: \"New\", gender: MALE, indexNumber: \"200004\", grade: \"GS-3\", appointment: {type: FIXED_TERM, start: \"2024-02-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "base": m.base }))
        .await["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for who in [&a, &b] {
        deploy(&server, &m, who, &m.base, &day(-10)).await;
    }
    let end = "mutation($s: String!, $accept: String) { endDeployment(staffId: $s, reason: \"end of assignment\", acceptGap: $accept) { baseId deployments { to } } }";
    let refused = server.gql(Some(&m.ca), end, json!({ "s": a })).await;
    assert_eq!(
        (refused.code(), refused.field()),
        ("COVERAGE_GAP", Some("acceptGap")),
        "{}",
        refused.body
    );
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Base One")
            && message.contains(&day(0))
            && message.contains("strength of 1"),
        "{message}"
    );
    let accepted = server
        .ok(
            &m.ca,
            end,
            json!({ "s": a, "accept": "replacement arrives on Monday" }),
        )
        .await;
    assert_eq!(accepted["endDeployment"]["baseId"], Value::Null);
    // Other refusals.
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "mutation($s: String!, $b: String!) { deployCla(staffId: $s, baseId: $b) { baseId } }",
            json!({ "s": b, "b": m.base }),
            "CONFLICT",
            "staffId",
        ),
        (
            "mutation($b: String!) { deployCla(staffId: \"nope\", baseId: $b) { baseId } }",
            json!({ "b": m.base }),
            "NOT_FOUND",
            "staffId",
        ),
        (
            "mutation($s: String!) { deployCla(staffId: $s, baseId: \"nope\") { baseId } }",
            json!({ "s": idle }),
            "NOT_FOUND",
            "baseId",
        ),
        (
            "mutation($s: String!, $b: String!) { deployCla(staffId: $s, baseId: $b, from: \"2024-02-10\") { baseId } }",
            json!({ "s": idle, "b": m.base }),
            "VALIDATION",
            "from",
        ),
        (
            "mutation($s: String!, $b: String!) { deployCla(staffId: $s, baseId: $b) { baseId } }",
            json!({ "s": onboarding, "b": m.base }),
            "CONFLICT",
            "staffId",
        ),
        (
            "mutation($s: String!) { recordAbsence(staffId: $s, kind: LEAVE, from: \"2030-01-10\", to: \"2030-01-09\") { staffing { staffId } } }",
            json!({ "s": b }),
            "VALIDATION",
            "to",
        ),
        (
            "mutation($s: String!) { endDeployment(staffId: $s) { staffId } }",
            json!({ "s": idle }),
            "NOT_FOUND",
            "staffId",
        ),
        (
            "mutation { completeRotation(rotationId: \"nope\") { staffId } }",
            json!({}),
            "NOT_FOUND",
            "rotationId",
        ),
        (
            "query($b: String!) { coverageForecast(baseId: $b, days: 400) { minimum } }",
            json!({ "b": m.base }),
            "VALIDATION",
            "days",
        ),
    ];
    for (query, variables, code, field) in &cases {
        let answer = server.gql(Some(&m.ca), query, variables.clone()).await;
        assert_eq!(
            (answer.code(), answer.field()),
            (*code, Some(*field)),
            "{query}: {}",
            answer.body
        );
    }
    server
        .ok(&m.ca, "mutation($s: String!) { recordAbsence(staffId: $s, kind: TRAINING, from: \"2030-01-01\", to: \"2030-01-10\") { staffing { staffId } } }", json!({ "s": b }))
        .await;
    let overlap = server.gql(Some(&m.ca), "mutation($s: String!) { recordAbsence(staffId: $s, kind: LEAVE, from: \"2030-01-10\", to: \"2030-01-12\") { staffing { staffId } } }", json!({ "s": b })).await;
    assert_eq!(
        (overlap.code(), overlap.field()),
        ("CONFLICT", Some("from"))
    );

    // A base closes only once nobody is deployed there.
    let admin = server.admin();
    server.ok(&admin, "mutation($b: String!) { startClosingBase(baseId: $b, reason: \"contingent leaves\") { id } }", json!({ "b": m.base })).await;
    // The system records who is exposed by the closing (for the risk context): B, still there.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let exposures = server.ok(&m.hr, "{ baseClosureExposures(missionCode: \"ALPHA\") { baseId closingStartedOn staffIds } }", json!({})).await;
        if let Some(first) = exposures["baseClosureExposures"]
            .as_array()
            .and_then(|a| a.first())
        {
            assert_eq!(first["baseId"], m.base.as_str());
            assert_eq!(first["closingStartedOn"], day(0));
            assert_eq!(first["staffIds"], json!([b]));
            break;
        }
        assert!(std::time::Instant::now() < until, "no exposure recorded");
        tokio::task::yield_now().await;
    }
    let closing = server
        .gql(
            Some(&admin),
            "mutation($b: String!) { closeBase(baseId: $b, reason: \"withdrawn\") { id } }",
            json!({ "b": m.base }),
        )
        .await;
    assert_eq!(
        (closing.code(), closing.field()),
        ("COVERAGE_GAP", Some("baseId")),
        "{}",
        closing.body
    );
    server
        .ok(&m.ca, end, json!({ "s": b, "accept": "base closing" }))
        .await;
    let closed = server
        .ok(
            &admin,
            "mutation($b: String!) { closeBase(baseId: $b, reason: \"withdrawn\") { status } }",
            json!({ "b": m.base }),
        )
        .await;
    assert_eq!(closed["closeBase"]["status"], "CLOSED");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_managers_taking_clas_from_one_base_at_once_never_both_win() {
    let server = Arc::new(TestServer::start().await);
    let m = Arc::new(mission(&server).await);
    let admin = server.admin();
    let rounds = 8;
    for round in 0..rounds {
        let base = open_base(&server, &admin, &m.office, &format!("Contested {round}")).await;
        let mut clas = Vec::new();
        for i in 0..3 {
            let id = cla(
                &server,
                &m,
                &format!("R{round}C{i}"),
                &format!("3{round:02}{i:03}"),
                "MALE",
                "French",
            )
            .await;
            deploy(&server, &m, &id, &base, &day(-30)).await;
            clas.push(id);
        }
        // Base of three, minimum two: each change alone is fine; both together are not.
        let take = |staff: String| {
            let (server, m) = (Arc::clone(&server), Arc::clone(&m));
            tokio::spawn(async move {
                server.gql(Some(&m.ca), "mutation($s: String!) { endDeployment(staffId: $s, reason: \"reassigned\") { staffId } }", json!({ "s": staff })).await
            })
        };
        let (x, y) = tokio::join!(take(clas[0].clone()), take(clas[1].clone()));
        let what = format!("round {round}: exactly one succeeds");
        let loser = Answer::one_wins(x.unwrap(), y.unwrap(), &what);
        assert_eq!(
            loser.code(),
            "COVERAGE_GAP",
            "round {round}: {}",
            loser.body
        );
        let row = board_row(&server, &m.hr, &base, &day(0)).await;
        assert_eq!(row["effectiveStrength"], 2, "round {round}");
    }
}

#[tokio::test]
async fn the_board_as_of_a_date_shows_a_back_dated_deployment() {
    let server = TestServer::start().await;
    let m = mission(&server).await;
    let a = cla(&server, &m, "Late Report", "400001", "FEMALE", "Swahili").await;
    let before = Utc::now();
    // Recorded now, effective ten days ago: the deployment was reported late from the field.
    deploy(&server, &m, &a, &m.base, &day(-10)).await;
    assert_eq!(
        board_row(&server, &m.hr, &m.base, &day(-10)).await["deployed"],
        1,
        "as of its effective date"
    );
    assert_eq!(
        board_row(&server, &m.hr, &m.base, &day(-11)).await["deployed"],
        0,
        "not the day before"
    );
    let known_before = server
        .ok(&m.hr, "query($d: Date!, $k: DateTime!) { baseBoard(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { edges { node { deployed } } } }", json!({ "d": day(0), "k": before.to_rfc3339() }))
        .await;
    assert_eq!(
        known_before["baseBoard"]["edges"][0]["node"]["deployed"], 0,
        "as known before it was recorded"
    );
    let below = server
        .ok(
            &m.hr,
            "{ baseBoard(missionCode: \"ALPHA\", status: BELOW_MINIMUM) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        below["baseBoard"]["totalCount"], 1,
        "filtered to bases below minimum"
    );
    server.stop().await;
}

#[tokio::test]
async fn civil_affairs_writes_hr_and_hq_read_others_are_forbidden() {
    let server = TestServer::start().await;
    let m = mission(&server).await;
    mission_with_base(&server, "BRAVO").await;
    let a = cla(&server, &m, "A", "500001", "MALE", "French").await;
    let deploy_q =
        "mutation($s: String!, $b: String!) { deployCla(staffId: $s, baseId: $b) { baseId } }";
    let board_q = "{ baseBoard(missionCode: \"ALPHA\") { totalCount } }";
    let callers = [
        ("MISSION_HR", m.hr.clone(), false, true),
        (
            "HQ_REVIEWER",
            server.token(Role::HqReviewer, &[]),
            false,
            true,
        ),
        (
            "CIVIL_AFFAIRS away",
            server.token(Role::CivilAffairs, &["BRAVO"]),
            false,
            false,
        ),
        ("CIVIL_AFFAIRS home", m.ca.clone(), true, true),
    ];
    for (who, token, may_write, may_read) in &callers {
        let write = server
            .gql(Some(token), deploy_q, json!({ "s": a, "b": m.base }))
            .await;
        assert_eq!(write.is_ok(), *may_write, "{who} deploying: {}", write.body);
        if !may_write {
            assert_eq!(write.code(), "FORBIDDEN", "{who}");
        }
        let read = server.gql(Some(token), board_q, json!({})).await;
        assert_eq!(read.is_ok(), *may_read, "{who} reading: {}", read.body);
        if !may_read {
            assert_eq!(read.code(), "FORBIDDEN", "{who}");
        }
    }
    server.stop().await;
}
