//! The registry through GraphQL over HTTP: the whole path, every bad input with its code and
//! field, concurrent conflicting commands, read-your-writes, and time travel (asOf / knownAt).

use chrono::{Duration, Utc};
use cla_e2e::{Answer, TestServer, mission_with_base, open_base};
use serde_json::json;

#[tokio::test]
async fn missions_offices_and_bases_from_creation_to_closure() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let created = server
        .ok(
            &admin,
            r#"mutation { createMission(input: {code: "MONUSCO", name: "Stabilization Mission in the DR Congo",
                country: "DR Congo", policy: {minimumClasPerBase: 3, maxSpanOfControl: 10}, effective: "2024-01-01"}) {
                code name country createdOn policy { minimumClasPerBase deploymentModel maxSpanOfControl
                checkInIntervalHours checkInGraceHours fieldVisitIntervalDays maxTourMonths } } }"#,
            json!({}),
        )
        .await;
    let m = &created["createMission"];
    assert_eq!(m["createdOn"], "2024-01-01");
    assert_eq!(m["policy"]["minimumClasPerBase"], 3);
    assert_eq!(m["policy"]["maxSpanOfControl"], 10);
    assert_eq!(
        m["policy"]["deploymentModel"], "CO_LOCATED",
        "defaults fill what is left out"
    );
    assert_eq!(m["policy"]["checkInIntervalHours"], 24);
    assert_eq!(m["policy"]["fieldVisitIntervalDays"], 30);
    assert_eq!(m["policy"]["maxTourMonths"], 24);

    let office = server
        .ok(&admin, r#"mutation { openFieldOffice(input: {missionCode: "MONUSCO", name: "Beni", effective: "2024-01-02"}) { id missionCode name openedOn } }"#, json!({}))
        .await["openFieldOffice"]
        .clone();
    let office_id = office["id"].as_str().unwrap();
    assert_eq!(office["missionCode"], "MONUSCO");

    let base = server
        .ok(
            &admin,
            r#"mutation($office: String!) { openBase(input: {fieldOfficeId: $office, name: "Kamango COB", kind: COMPANY_OPERATING_BASE,
                contingent: "NEPBATT", localLanguages: ["Swahili", "Kinande"], alertNetworkWorking: false, effective: "2024-02-01"}) {
                id name kind contingent localLanguages alertNetworkWorking minimum minimumOverride status openedOn fieldOffice { name } } }"#,
            json!({ "office": office_id }),
        )
        .await["openBase"]
        .clone();
    let base_id = base["id"].as_str().unwrap().to_string();
    assert_eq!(base["minimum"], 3, "the mission's policy applies");
    assert_eq!(base["minimumOverride"], serde_json::Value::Null);
    assert_eq!(base["status"], "OPEN");
    assert_eq!(base["localLanguages"], json!(["Swahili", "Kinande"]));
    assert_eq!(base["fieldOffice"]["name"], "Beni");

    // Read-your-writes: the next query sees each change at once.
    let changed = server
        .ok(&admin, r#"mutation($id: String!) { changeBase(baseId: $id, input: {minimumOverride: 2, alertNetworkWorking: true}) { minimum minimumOverride alertNetworkWorking name } }"#, json!({ "id": base_id }))
        .await;
    assert_eq!(changed["changeBase"]["minimum"], 2);
    assert_eq!(
        changed["changeBase"]["name"], "Kamango COB",
        "what is left out stays"
    );
    let listed = server
        .ok(&admin, r#"{ mission(code: "MONUSCO") { fieldOffices { totalCount edges { node { name bases { totalCount } } } } bases(status: OPEN) { totalCount edges { node { id minimum } } } } }"#, json!({}))
        .await;
    assert_eq!(listed["mission"]["fieldOffices"]["totalCount"], 1);
    assert_eq!(
        listed["mission"]["fieldOffices"]["edges"][0]["node"]["bases"]["totalCount"],
        1
    );
    assert_eq!(listed["mission"]["bases"]["edges"][0]["node"]["minimum"], 2);
    let reset = server
        .ok(&admin, r#"mutation($id: String!) { changeBase(baseId: $id, input: {minimumOverride: null}) { minimum minimumOverride } }"#, json!({ "id": base_id }))
        .await;
    assert_eq!(
        reset["changeBase"]["minimum"], 3,
        "null returns the base to its mission's policy"
    );

    let closing = server
        .ok(&admin, r#"mutation($id: String!) { startClosingBase(baseId: $id, reason: "contingent withdraws") { status closingSince } }"#, json!({ "id": base_id }))
        .await;
    assert_eq!(closing["startClosingBase"]["status"], "CLOSING");
    let closed = server
        .ok(&admin, r#"mutation($id: String!) { closeBase(baseId: $id, reason: "withdrawn") { status closedOn } }"#, json!({ "id": base_id }))
        .await;
    assert_eq!(closed["closeBase"]["status"], "CLOSED");
    assert_eq!(
        closed["closeBase"]["closedOn"],
        Utc::now().date_naive().to_string()
    );
    let open_now = server
        .ok(
            &admin,
            r#"{ bases(missionCode: "MONUSCO", status: OPEN) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(open_now["bases"]["totalCount"], 0);
    server.stop().await;
}

#[tokio::test]
async fn each_bad_input_is_a_typed_error_and_writes_nothing() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let (office, base) = mission_with_base(&server, "ALPHA").await;
    let before = server.metrics().await.1;
    let events_before = appended(&before);

    let cases: Vec<(&str, serde_json::Value, &str, Option<&str>)> = vec![
        (
            r#"mutation { createMission(input: {code: "ALPHA", name: "Again", country: "C"}) { code } }"#,
            json!({}),
            "CONFLICT",
            Some("code"),
        ),
        (
            r#"mutation { createMission(input: {code: "alpha-2", name: "N", country: "C"}) { code } }"#,
            json!({}),
            "VALIDATION",
            Some("code"),
        ),
        (
            r#"mutation { createMission(input: {code: "CHARLIE", name: "  ", country: "C"}) { code } }"#,
            json!({}),
            "VALIDATION",
            Some("name"),
        ),
        (
            r#"mutation { createMission(input: {code: "CHARLIE", name: "N", country: "C", policy: {minimumClasPerBase: 0}}) { code } }"#,
            json!({}),
            "VALIDATION",
            Some("minimumClasPerBase"),
        ),
        (
            r#"mutation { createMission(input: {code: "CHARLIE", name: "N", country: "C", policy: {minimumClasPerBase: -2}}) { code } }"#,
            json!({}),
            "VALIDATION",
            Some("minimumClasPerBase"),
        ),
        (
            r#"mutation { changeMissionPolicy(code: "ALPHA", policy: {minimumClasPerBase: 0}) { code } }"#,
            json!({}),
            "VALIDATION",
            Some("minimumClasPerBase"),
        ),
        (
            r#"mutation { renameMission(code: "NOSUCH", name: "N", country: "C") { code } }"#,
            json!({}),
            "NOT_FOUND",
            Some("code"),
        ),
        (
            r#"mutation { openFieldOffice(input: {missionCode: "NOSUCH", name: "Office"}) { id } }"#,
            json!({}),
            "NOT_FOUND",
            Some("missionCode"),
        ),
        (
            r#"mutation { openFieldOffice(input: {missionCode: "ALPHA", name: ""}) { id } }"#,
            json!({}),
            "VALIDATION",
            Some("name"),
        ),
        (
            r#"mutation { renameFieldOffice(fieldOfficeId: "nope", name: "x") { id } }"#,
            json!({}),
            "NOT_FOUND",
            Some("fieldOfficeId"),
        ),
        (
            r#"mutation { openBase(input: {fieldOfficeId: "nope", name: "B", kind: REGIONAL_OFFICE}) { id } }"#,
            json!({}),
            "NOT_FOUND",
            Some("fieldOfficeId"),
        ),
        (
            r#"mutation($o: String!) { openBase(input: {fieldOfficeId: $o, name: " ", kind: REGIONAL_OFFICE}) { id } }"#,
            json!({ "o": office }),
            "VALIDATION",
            Some("name"),
        ),
        (
            r#"mutation($o: String!) { openBase(input: {fieldOfficeId: $o, name: "B", kind: REGIONAL_OFFICE, minimumOverride: 0}) { id } }"#,
            json!({ "o": office }),
            "VALIDATION",
            Some("minimumOverride"),
        ),
        (
            r#"mutation($b: String!) { changeBase(baseId: $b, input: {minimumOverride: 0}) { id } }"#,
            json!({ "b": base }),
            "VALIDATION",
            Some("minimumOverride"),
        ),
        (
            r#"mutation($b: String!) { changeBase(baseId: $b, input: {name: "x", effective: "2023-01-01"}) { id } }"#,
            json!({ "b": base }),
            "VALIDATION",
            Some("effective"),
        ),
        (
            r#"mutation { changeBase(baseId: "nope", input: {name: "x"}) { id } }"#,
            json!({}),
            "NOT_FOUND",
            Some("baseId"),
        ),
        (
            r#"mutation($b: String!) { closeBase(baseId: $b, reason: "r") { id } }"#,
            json!({ "b": base }),
            "CONFLICT",
            Some("baseId"),
        ),
        (
            r#"mutation($b: String!) { cancelBaseClosing(baseId: $b, reason: "r") { id } }"#,
            json!({ "b": base }),
            "CONFLICT",
            Some("baseId"),
        ),
        (
            r#"mutation($b: String!) { startClosingBase(baseId: $b, reason: "  ") { id } }"#,
            json!({ "b": base }),
            "VALIDATION",
            Some("reason"),
        ),
        (
            r#"{ mission(code: "NOSUCH") { code } }"#,
            json!({}),
            "NOT_FOUND",
            Some("code"),
        ),
        (
            r#"{ base(id: "nope") { id } }"#,
            json!({}),
            "NOT_FOUND",
            Some("baseId"),
        ),
        (
            r#"{ missions(first: 1000) { totalCount } }"#,
            json!({}),
            "VALIDATION",
            Some("first"),
        ),
        (
            r#"{ missions(after: "garbage") { totalCount } }"#,
            json!({}),
            "VALIDATION",
            Some("after"),
        ),
    ];
    for (query, variables, code, field) in &cases {
        let answer = server.gql(Some(&admin), query, variables.clone()).await;
        assert_eq!(answer.code(), *code, "{query}: {}", answer.body);
        assert_eq!(answer.field(), *field, "{query}: {}", answer.body);
        assert!(
            answer.body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // A malformed date is refused by the schema itself.
    let answer = server
        .gql(
            Some(&admin),
            r#"{ missions(asOf: "31/12/2024") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(answer.code(), "GRAPHQL_VALIDATION");

    // Nothing was written by any refusal.
    let after = server.metrics().await.1;
    assert_eq!(appended(&after), events_before, "refusals append nothing");
    assert!(after.contains("cla_commands_total{outcome=\"refused\",code=\"VALIDATION\"}"));

    // Closing a closed base.
    for step in ["startClosingBase", "closeBase"] {
        server
            .ok(
                &admin,
                &format!(r#"mutation($b: String!) {{ {step}(baseId: $b, reason: "r") {{ id }} }}"#),
                json!({ "b": base }),
            )
            .await;
    }
    let again = server
        .gql(
            Some(&admin),
            r#"mutation($b: String!) { closeBase(baseId: $b, reason: "r") { id } }"#,
            json!({ "b": base }),
        )
        .await;
    assert_eq!(again.code(), "CONFLICT");
    assert_eq!(again.field(), Some("baseId"));
    server.stop().await;
}

fn appended(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("cla_events_appended_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("events appended figure")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conflicting_commands_never_both_win() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let admin = server.admin();

    // Eight administrators create the same mission at the same moment: one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let server = std::sync::Arc::clone(&server);
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            server
                .gql(Some(&admin), r#"mutation($n: String!) { createMission(input: {code: "RACE", name: $n, country: "C"}) { name } }"#, json!({ "n": format!("Racer {i}") }))
                .await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        if answer.is_ok() {
            winners.push(
                answer.data()["createMission"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        } else {
            assert_eq!(answer.code(), "CONFLICT", "{}", answer.body);
            assert_eq!(answer.field(), Some("code"));
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = server
        .ok(&admin, r#"{ mission(code: "RACE") { name } }"#, json!({}))
        .await;
    assert_eq!(
        stored["mission"]["name"], winners[0],
        "the winner's mission is the one stored"
    );

    // Two managers close the same closing base at once: one closes it, the other is told.
    let (office, _) = mission_with_base(&server, "DELTA").await;
    let base = open_base(&server, &admin, &office, "Contested").await;
    server
        .ok(
            &admin,
            r#"mutation($b: String!) { startClosingBase(baseId: $b, reason: "r") { id } }"#,
            json!({ "b": base }),
        )
        .await;
    let close = |server: std::sync::Arc<TestServer>, admin: String, base: String| async move {
        server
            .gql(
                Some(&admin),
                r#"mutation($b: String!) { closeBase(baseId: $b, reason: "r") { status } }"#,
                json!({ "b": base }),
            )
            .await
    };
    let (a, b) = tokio::join!(
        tokio::spawn(close(
            std::sync::Arc::clone(&server),
            admin.clone(),
            base.clone()
        )),
        tokio::spawn(close(
            std::sync::Arc::clone(&server),
            admin.clone(),
            base.clone()
        ))
    );
    let loser = Answer::one_wins(a.unwrap(), b.unwrap(), "exactly one closes it");
    assert_eq!(loser.code(), "CONFLICT");
}

#[tokio::test]
async fn as_of_and_known_at_answer_a_back_dated_change() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let (_, base) = mission_with_base(&server, "ECHO").await;
    let today = Utc::now().date_naive();
    let ten_days_ago = today - Duration::days(10);
    let eleven_days_ago = today - Duration::days(11);

    // Everything so far is recorded; remember the moment.
    let before_rename = Utc::now();
    // A rename recorded now, effective ten days ago (field data arriving late).
    server
        .ok(&admin, r#"mutation($b: String!, $on: Date!) { changeBase(baseId: $b, input: {name: "Renamed Late", effective: $on}) { name } }"#, json!({ "b": base, "on": ten_days_ago.to_string() }))
        .await;

    let name = |as_of: Option<String>, known_at: Option<String>| {
        let server = &server;
        let admin = admin.clone();
        let base = base.clone();
        async move {
            let data = server
                .ok(&admin, r#"query($b: String!, $asOf: Date, $knownAt: DateTime) { base(id: $b, asOf: $asOf, knownAt: $knownAt) { name } }"#, json!({ "b": base, "asOf": as_of, "knownAt": known_at }))
                .await;
            data["base"]["name"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(name(None, None).await, "Renamed Late");
    assert_eq!(
        name(Some(ten_days_ago.to_string()), None).await,
        "Renamed Late",
        "as of its effective date"
    );
    assert_eq!(
        name(Some(eleven_days_ago.to_string()), None).await,
        "Base One",
        "not before it"
    );
    assert_eq!(
        name(None, Some(before_rename.to_rfc3339())).await,
        "Base One",
        "as known before it was recorded"
    );

    // Before the base opened (2024-02-01) it does not exist; before the mission, neither does it.
    let answer = server
        .gql(
            Some(&admin),
            r#"query($b: String!) { base(id: $b, asOf: "2024-01-31") { name } }"#,
            json!({ "b": base }),
        )
        .await;
    assert_eq!(answer.code(), "NOT_FOUND");
    let missions = server
        .ok(
            &admin,
            r#"{ missions(asOf: "2023-12-31") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(missions["missions"]["totalCount"], 0);
    let missions = server
        .ok(
            &admin,
            r#"{ missions(asOf: "2024-01-01") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(missions["missions"]["totalCount"], 1);

    // A future-dated plan is not yet true today.
    let next_month = (today + Duration::days(30)).to_string();
    server
        .ok(&admin, r#"mutation($b: String!, $on: Date!) { changeBase(baseId: $b, input: {contingent: "RWABATT", effective: $on}) { contingent } }"#, json!({ "b": base, "on": next_month }))
        .await;
    let now = server
        .ok(
            &admin,
            r#"query($b: String!) { base(id: $b) { contingent } }"#,
            json!({ "b": base }),
        )
        .await;
    assert_eq!(now["base"]["contingent"], "");
    let then = server
        .ok(
            &admin,
            r#"query($b: String!, $on: Date!) { base(id: $b, asOf: $on) { contingent } }"#,
            json!({ "b": base, "on": next_month }),
        )
        .await;
    assert_eq!(then["base"]["contingent"], "RWABATT");
    server.stop().await;
}

#[tokio::test]
async fn lists_page_through_connections() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let (office, _) = mission_with_base(&server, "FOXTROT").await;
    for i in 0..6 {
        open_base(&server, &admin, &office, &format!("Base {i:02}")).await;
    }
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = server
            .ok(&admin, r#"query($after: String) { bases(missionCode: "FOXTROT", first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }"#, json!({ "after": after }))
            .await;
        let bases = &page["bases"];
        assert_eq!(bases["totalCount"], 7);
        names.extend(
            bases["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_string()),
        );
        if !bases["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = bases["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(names.len(), 7);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "bases come by name");
    server.stop().await;
}
