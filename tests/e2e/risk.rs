//! Risk and welfare through GraphQL over HTTP and websockets, on an injected clock: a scenario
//! across several days (check-ins, missed periods, a lone CLA's tighter interval, an absence that
//! suspends the obligation, a serious flag that tightens it), the detector's idempotence across a
//! restart, the access table field by field, and alerts over the websocket.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveTime, Utc};
use cla_e2e::{
    Role, Socket, TestServer, active_staff, day, deploy, eight_today, mission_with_base, next_data,
    open_base,
};
use cla_platform::clock::ManualClock;
use serde_json::{Value, json};

/// Today at 08:00 UTC: the scenario's first moment.
fn start() -> DateTime<Utc> {
    eight_today()
}

struct World {
    server: TestServer,
    clock: Arc<ManualClock>,
    ca: String,
    hr: String,
    base_one: String,
    base_two: String,
    a: String,
    b: String,
    c: String,
    d: String,
}

async fn cla(server: &TestServer, hr: &str, base: &str, name: &str, index: &str) -> String {
    active_staff(server, hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": index })).await
}

/// Mission ALPHA (check-ins every 48 hours, 6 hours' grace): A, B and D at Base One, C alone at
/// Base Two; everyone checked in at the start.
async fn world_in(dir: Option<std::path::PathBuf>, clock: Arc<ManualClock>) -> World {
    let server = TestServer::start_with_clock(clock.clone(), |c| {
        if let Some(dir) = dir {
            c.data_dir = dir;
        }
    })
    .await;
    let (office, base_one) = mission_with_base(&server, "ALPHA").await;
    let admin = server.admin();
    server.ok(&admin, "mutation { changeMissionPolicy(code: \"ALPHA\", policy: {checkInIntervalHours: 48, checkInGraceHours: 6}) { code } }", json!({})).await;
    let base_two = open_base(&server, &admin, &office, "Base Two").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let a = cla(&server, &hr, &base_one, "A", "100001").await;
    let b = cla(&server, &hr, &base_one, "B", "100002").await;
    let c = cla(&server, &hr, &base_two, "C", "100003").await;
    let d = cla(&server, &hr, &base_one, "D", "100004").await;
    for (who, base) in [
        (&a, &base_one),
        (&b, &base_one),
        (&c, &base_two),
        (&d, &base_one),
    ] {
        deploy(&server, &ca, who, base, &day(-10)).await;
    }
    for who in [&a, &b, &c, &d] {
        server.ok(&ca, "mutation($s: String!, $at: DateTime!) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: OK) { checkInId } }", json!({ "s": who, "at": start().to_rfc3339() })).await;
    }
    World {
        server,
        clock,
        ca,
        hr,
        base_one,
        base_two,
        a,
        b,
        c,
        d,
    }
}

async fn flags_of(w: &World, staff: &str, category: &str) -> Vec<Value> {
    let data = w.server.ok(&w.ca, "{ riskRegister(missionCode: \"ALPHA\") { flags(first: 500) { edges { node { staffId category severity cause periodsMissed } } } } }", json!({})).await;
    data["riskRegister"]["flags"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["staffId"] == staff && n["category"] == category)
        .collect()
}

async fn scan(w: &World) -> usize {
    w.server
        .running
        .state
        .detector
        .scan()
        .await
        .missed_check_ins
}

#[tokio::test]
async fn check_ins_missed_periods_a_lone_cla_and_an_absence_across_days() {
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(None, clock.clone()).await;
    // B is on leave from tomorrow for five days.
    w.server
        .ok(&w.ca, "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: LEAVE, from: $f, to: $t) { staffing { staffId } } }", json!({ "s": w.b, "f": day(1), "t": day(5) }))
        .await;
    assert_eq!(scan(&w).await, 0, "everyone checked in");

    // +30h: C is alone at Base Two, so due every 24h (+6h grace): one missed period. A and B (48h) not yet.
    clock.set(start() + Duration::hours(30));
    assert_eq!(scan(&w).await, 1);
    assert_eq!(
        scan(&w).await,
        0,
        "one flag per silence, never one per scan"
    );
    let c_flags = flags_of(&w, &w.c, "MISSED_CHECK_IN").await;
    assert_eq!(c_flags.len(), 1);
    assert_eq!(c_flags[0]["severity"], "HIGH");
    assert!(
        c_flags[0]["cause"]
            .as_str()
            .unwrap()
            .contains(&(start() + Duration::hours(24)).to_rfc3339())
    );

    // +54h: A's and D's first 48h period is missed (a flag each); C's second period too, counted
    // on C's one flag; B is on leave and not due (A and D remain at Base One, so neither is
    // alone).
    clock.set(start() + Duration::hours(54));
    assert_eq!(scan(&w).await, 3);
    assert_eq!(flags_of(&w, &w.d, "MISSED_CHECK_IN").await.len(), 1);
    assert_eq!(flags_of(&w, &w.a, "MISSED_CHECK_IN").await.len(), 1);
    let c_flags = flags_of(&w, &w.c, "MISSED_CHECK_IN").await;
    assert_eq!(c_flags.len(), 1, "one silence, one flag");
    assert_eq!(c_flags[0]["periodsMissed"], 2);
    assert_eq!(
        flags_of(&w, &w.b, "MISSED_CHECK_IN").await.len(),
        0,
        "absent CLAs are not due"
    );

    // A checks in (at +60h): that ends A's silence and closes its flag, so A is due again in
    // 48 hours.
    clock.set(start() + Duration::hours(60));
    w.server.ok(&w.ca, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: RADIO, welfare: OK) { checkInId } }", json!({ "s": w.a })).await;
    assert!(flags_of(&w, &w.a, "MISSED_CHECK_IN").await.is_empty());
    let compliance = w.server.ok(&w.ca, "{ checkInCompliance(missionCode: \"ALPHA\") { overdueCount overdue { staffId intervalHours } mission { made missed compliancePercent } } }", json!({})).await;
    let overdue = compliance["checkInCompliance"]["overdue"]
        .as_array()
        .unwrap();
    let mut who: Vec<(&str, i64)> = overdue
        .iter()
        .map(|o| {
            (
                o["staffId"].as_str().unwrap(),
                o["intervalHours"].as_i64().unwrap(),
            )
        })
        .collect();
    who.sort();
    let mut want = vec![(w.c.as_str(), 24), (w.d.as_str(), 24)];
    want.sort();
    assert_eq!(
        who, want,
        "C (alone) and D (an open high flag) are overdue, on 24h intervals; A checked in; B is on leave: {compliance}"
    );
    assert_eq!(compliance["checkInCompliance"]["overdueCount"], 2);
    assert_eq!(
        compliance["checkInCompliance"]["mission"]["made"], 5,
        "four at the start and A's"
    );
    assert_eq!(
        compliance["checkInCompliance"]["mission"]["missed"], 4,
        "C's two periods, A's and D's one"
    );

    // Day 6, after B's leave: B is due 48h after the leave ended (day 6 00:00) — missed by day 8 06:00.
    let leave_over = Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc() + Duration::days(6);
    clock.set(leave_over + Duration::hours(53));
    scan(&w).await;
    assert_eq!(
        flags_of(&w, &w.b, "MISSED_CHECK_IN").await.len(),
        0,
        "not yet: due 48h after the leave, with 6h grace"
    );
    clock.set(leave_over + Duration::hours(54));
    scan(&w).await;
    assert_eq!(flags_of(&w, &w.b, "MISSED_CHECK_IN").await.len(), 1);

    // A check-in under threat raises a critical flag at once; a future check-in is refused.
    let threat = w.server.ok(&w.ca, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: IN_PERSON, welfare: UNDER_THREAT, notes: \"men asked about her\") { raisedFlagId } }", json!({ "s": w.b })).await;
    let flag = threat["recordCheckIn"]["raisedFlagId"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = w.server.ok(&w.ca, "query($f: String!) { riskFlag(id: $f) { category severity notes reviewDue timeline { eventType actorRole } } }", json!({ "f": flag })).await;
    assert_eq!(detail["riskFlag"]["category"], "THREAT_RECEIVED");
    assert_eq!(detail["riskFlag"]["severity"], "CRITICAL");
    assert_eq!(detail["riskFlag"]["notes"], "men asked about her");
    assert_eq!(
        detail["riskFlag"]["timeline"][0]["actorRole"],
        "CIVIL_AFFAIRS"
    );
    let future = w.server
        .gql(Some(&w.ca), "mutation($s: String!, $at: DateTime!) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: OK) { checkInId } }", json!({ "s": w.a, "at": (clock_now(&w) + Duration::minutes(5)).to_rfc3339() }))
        .await;
    assert_eq!((future.code(), future.field()), ("VALIDATION", Some("at")));
    // The board counts open flags per base, for those who see risk detail.
    let board_query = "query($d: Date!) { baseBoard(missionCode: \"ALPHA\", asOf: $d) { edges { node { baseId openFlags { withheld high critical } } } } }";
    let today = json!({ "d": clock_now(&w).date_naive().to_string() });
    let board = w.server.ok(&w.ca, board_query, today.clone()).await;
    let base = |board: &Value, id: &str| {
        board["baseBoard"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["baseId"] == id)
            .unwrap()["node"]["openFlags"]
            .clone()
    };
    // At Base One: B's threat, and A's and D's silences, past three periods each, critical;
    // B's silence was closed by the check-in.
    let one = base(&board, &w.base_one);
    assert_eq!(one["critical"], 3);
    assert_eq!(one["high"], 0);
    // HR sees counts only: C is alone at Base Two, so its counts are withheld, and Base One's
    // with them (the mission's total minus Base One would be C's).
    let board = w.server.ok(&w.hr, board_query, today).await;
    for id in [&w.base_one, &w.base_two] {
        assert_eq!(base(&board, id)["withheld"], true);
        assert_eq!(base(&board, id)["critical"], 0);
    }
    w.server.stop().await;
}

fn clock_now(w: &World) -> DateTime<Utc> {
    use cla_platform::clock::Clock;
    w.clock.now()
}

#[tokio::test]
async fn the_detector_raises_nothing_twice_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(Some(dir.path().to_path_buf()), clock.clone()).await;
    clock.set(start() + Duration::hours(80));
    let first = scan(&w).await;
    // By +80h: A, B and D missed +48h and (every 24h under their silence's high flag) +72h: a
    // flag raised and counted to 2 each; C, alone, missed +24h, +48h and +72h: raised, counted
    // to 3 and escalated.
    assert_eq!(first, 9);
    assert_eq!(scan(&w).await, 0, "the same scan again raises nothing");
    let (a, b, c) = (w.a.clone(), w.b.clone(), w.c.clone());
    w.server.stop().await;

    let again =
        TestServer::start_with_clock(clock.clone(), |cfg| cfg.data_dir = dir.path().to_path_buf())
            .await;
    again.ready().await;
    assert_eq!(
        again.running.state.detector.scan().await.missed_check_ins,
        0,
        "a restart raises nothing again"
    );
    let ca = again.token(Role::CivilAffairs, &["ALPHA"]);
    let data = again.ok(&ca, "{ riskRegister(missionCode: \"ALPHA\") { byCategory { category count } flags(first: 500) { totalCount edges { node { staffId } } } } }", json!({})).await;
    assert_eq!(
        data["riskRegister"]["flags"]["totalCount"], 4,
        "one flag per silence"
    );
    let staff: Vec<&str> = data["riskRegister"]["flags"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["staffId"].as_str().unwrap())
        .collect();
    for who in [&a, &b, &c] {
        assert!(staff.contains(&who.as_str()));
    }
    again.stop().await;
}

#[tokio::test]
async fn risk_details_are_for_civil_affairs_of_the_mission_and_admin_only() {
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(None, clock.clone()).await;
    mission_with_base(&w.server, "BRAVO").await;
    let flag = w.server
        .ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: SEEN_AS_INFORMANT, severity: HIGH, notes: \"named at the market\") { id } }", json!({ "s": w.a }))
        .await["raiseRiskFlag"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let callers = [
        ("ADMIN", w.server.admin()),
        ("CIVIL_AFFAIRS home", w.ca.clone()),
        ("MISSION_HR home", w.hr.clone()),
        ("HQ_REVIEWER", w.server.token(Role::HqReviewer, &[])),
        (
            "CIVIL_AFFAIRS away",
            w.server.token(Role::CivilAffairs, &["BRAVO"]),
        ),
    ];
    // (what, query, allowed for each caller above)
    let table: Vec<(&str, &str, [bool; 5])> = vec![
        (
            "register counts",
            "{ riskRegister(missionCode: \"ALPHA\") { open bySeverity { high } byCategory { category count } byBase { placeId } overdueReviews } }",
            [true, true, true, true, false],
        ),
        (
            "register flags",
            "{ riskRegister(missionCode: \"ALPHA\") { flags { totalCount } } }",
            [true, true, false, false, false],
        ),
        (
            "flag notes",
            "query($f: String!) { riskFlag(id: $f) { notes } }",
            [true, true, false, false, false],
        ),
        (
            "flag timeline",
            "query($f: String!) { riskFlag(id: $f) { timeline { eventType } } }",
            [true, true, false, false, false],
        ),
        (
            "compliance counts",
            "{ checkInCompliance(missionCode: \"ALPHA\") { overdueCount mission { compliancePercent } } }",
            [true, true, true, true, false],
        ),
        (
            "who is overdue",
            "{ checkInCompliance(missionCode: \"ALPHA\") { overdue { staffId } } }",
            [true, true, false, false, false],
        ),
        (
            "board counts",
            "{ baseBoard(missionCode: \"ALPHA\") { edges { node { openFlags { high } } } } }",
            [true, true, true, true, false],
        ),
        (
            "add mitigation",
            "mutation($f: String!) { addMitigation(flagId: $f, action: COMMUNICATION_MEANS, notes: \"radio\") { status } }",
            [true, true, false, false, false],
        ),
        (
            "record check-in",
            "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: OK) { checkInId } }",
            [true, true, false, false, false],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, query, allowed) in &table {
        for ((who, token), ok) in callers.iter().zip(allowed) {
            let answer = w
                .server
                .gql(Some(token), query, json!({ "f": flag, "s": w.a }))
                .await;
            if *ok && !answer.is_ok() {
                wrong.push(format!("{what} as {who}: refused {}", answer.body));
            }
            if !*ok && (answer.is_ok() || answer.code() != "FORBIDDEN") {
                wrong.push(format!(
                    "{what} as {who}: expected FORBIDDEN, got {}",
                    answer.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // HR's counts answer carries the count, and the refusal of the flags names that field.
    let counts = w
        .server
        .ok(
            &w.hr,
            "{ riskRegister(missionCode: \"ALPHA\") { open bySeverity { high } } }",
            json!({}),
        )
        .await;
    assert_eq!(counts["riskRegister"]["bySeverity"]["high"], 1);
    let refused = w
        .server
        .gql(
            Some(&w.hr),
            "{ riskRegister(missionCode: \"ALPHA\") { open flags { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refused.body["errors"][0]["path"],
        json!(["riskRegister", "flags"])
    );
    w.server.stop().await;
}

async fn subscribe(server: &TestServer, token: &str) -> Socket {
    cla_e2e::subscribe(
        server,
        token,
        "subscription { alerts(missionCode: \"ALPHA\") { kind severity category baseId staffId flagId missionCode } }",
        json!({}),
    )
    .await
}

/// The next alert, or none within the wait.
async fn next_alert(socket: &mut Socket, within: StdDuration) -> Option<Value> {
    Some(next_data(socket, within).await?["alerts"].clone())
}

/// Waits for an alert matching `want`, skipping others.
async fn alert_where(socket: &mut Socket, want: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + StdDuration::from_secs(20);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let alert = next_alert(socket, left).await.expect("the alert arrives");
        if want(&alert) {
            return alert;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_arrive_over_the_websocket_with_detail_only_for_those_allowed() {
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(None, clock.clone()).await;
    let mut ca = subscribe(&w.server, &w.ca).await;
    let mut hq = subscribe(&w.server, &w.server.token(Role::HqReviewer, &[])).await;
    // The subscriptions register asynchronously: raise low flags until both have seen one.
    let until = Instant::now() + StdDuration::from_secs(20);
    let (mut ca_ready, mut hq_ready) = (false, false);
    while !(ca_ready && hq_ready) {
        assert!(Instant::now() < until, "alerts never arrived");
        w.server.ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: OTHER, severity: LOW) { id } }", json!({ "s": w.b })).await;
        ca_ready |= next_alert(&mut ca, StdDuration::from_millis(200))
            .await
            .is_some();
        hq_ready |= next_alert(&mut hq, StdDuration::from_millis(200))
            .await
            .is_some();
    }

    // Raised.
    let raised = w.server.ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: SECURITY_INCIDENT, severity: MEDIUM, notes: \"shots near base\") { id } }", json!({ "s": w.a })).await;
    let flag = raised["raiseRiskFlag"]["id"].as_str().unwrap().to_string();
    let for_ca = alert_where(&mut ca, |a| a["flagId"] == flag.as_str()).await;
    assert_eq!(
        (for_ca["kind"].as_str(), for_ca["staffId"].as_str()),
        (Some("RISK_FLAG_RAISED"), Some(w.a.as_str()))
    );
    let for_hq = alert_where(&mut hq, |a| a["severity"] == "MEDIUM").await;
    assert_eq!(for_hq["kind"], "RISK_FLAG_RAISED");
    assert_eq!(
        (for_hq["staffId"].clone(), for_hq["flagId"].clone()),
        (Value::Null, Value::Null),
        "counts-only roles get no personal detail"
    );
    // The mission and the severity only: the base and the category could name the person.
    assert_eq!(for_hq["missionCode"], "ALPHA");
    assert_eq!(
        (for_hq["baseId"].clone(), for_hq["category"].clone()),
        (Value::Null, Value::Null),
        "{for_hq}"
    );
    // Escalated.
    w.server.ok(&w.ca, "mutation($f: String!) { changeRiskSeverity(flagId: $f, severity: CRITICAL, reason: \"second incident\") { severity } }", json!({ "f": flag })).await;
    let escalated = alert_where(&mut ca, |a| a["kind"] == "RISK_FLAG_ESCALATED").await;
    assert_eq!(
        (escalated["flagId"].as_str(), escalated["severity"].as_str()),
        (Some(flag.as_str()), Some("CRITICAL"))
    );
    // Missed check-in (C, alone, after 30 hours).
    clock.set(start() + Duration::hours(30));
    scan(&w).await;
    // (A's critical flag puts A on 24h too: A's missed period comes as well.)
    let missed = alert_where(&mut ca, |a| {
        a["kind"] == "MISSED_CHECK_IN" && a["staffId"] == w.c.as_str()
    })
    .await;
    assert_eq!(missed["severity"], "HIGH");
    // To a counts-only reader a missed check-in is a flag like any other: its kind would tell.
    let missed_for_hq = alert_where(&mut hq, |a| {
        a["kind"] == "RISK_FLAG_RAISED" && a["severity"] == "HIGH"
    })
    .await;
    assert!(missed_for_hq["staffId"].is_null() && missed_for_hq["baseId"].is_null());
    // Review overdue: the critical flag's review falls due in 7 days.
    clock.set(start() + Duration::days(9));
    w.server.running.state.detector.scan().await;
    let overdue = alert_where(&mut ca, |a| {
        a["kind"] == "REVIEW_OVERDUE" && a["flagId"] == flag.as_str()
    })
    .await;
    assert_eq!(overdue["missionCode"], "ALPHA");
    w.server.stop().await;
}

#[tokio::test]
async fn clas_at_a_base_that_starts_closing_are_flagged_by_the_system() {
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(None, clock.clone()).await;
    let admin = w.server.admin();
    w.server
        .ok(&admin, "mutation($b: String!) { startClosingBase(baseId: $b, reason: \"contingent withdraws\") { status } }", json!({ "b": w.base_two }))
        .await;
    // Two reactions follow, each by the system: staffing records who is exposed, risk flags them.
    let until = Instant::now() + StdDuration::from_secs(20);
    let flags = loop {
        let flags = flags_of(&w, &w.c, "BASE_CLOSURE_EXPOSURE").await;
        if !flags.is_empty() {
            break flags;
        }
        assert!(Instant::now() < until, "no base-closure exposure flag");
        tokio::task::yield_now().await;
    };
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0]["severity"], "HIGH");
    assert!(
        flags[0]["cause"]
            .as_str()
            .unwrap()
            .starts_with(&format!("BASE_CLOSURE {}", w.base_two))
    );
    // Only C was there; the timeline names the system as actor.
    for other in [&w.a, &w.b, &w.d] {
        assert!(
            flags_of(&w, other, "BASE_CLOSURE_EXPOSURE")
                .await
                .is_empty()
        );
    }
    let data = w.server.ok(&w.ca, "{ riskRegister(missionCode: \"ALPHA\") { flags(category: BASE_CLOSURE_EXPOSURE) { edges { node { id timeline { actorId actorRole } } } } } }", json!({})).await;
    assert_eq!(
        data["riskRegister"]["flags"]["edges"][0]["node"]["timeline"][0],
        json!({ "actorId": "system", "actorRole": "SYSTEM" })
    );
    w.server.stop().await;
}

/// Waits until `staff` has a flag of `category`; returns the flags.
async fn flagged(w: &World, staff: &str, category: &str) -> Vec<Value> {
    let until = Instant::now() + StdDuration::from_secs(20);
    loop {
        let flags = flags_of(w, staff, category).await;
        if !flags.is_empty() {
            return flags;
        }
        assert!(Instant::now() < until, "no {category} flag");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_closure_reactors_resume_after_a_restart_and_react_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(Some(data.clone()), clock.clone()).await;
    let admin = w.server.admin();
    w.server
        .ok(&admin, "mutation($b: String!) { startClosingBase(baseId: $b, reason: \"contingent withdraws\") { status } }", json!({ "b": w.base_two }))
        .await;
    assert_eq!(flagged(&w, &w.c, "BASE_CLOSURE_EXPOSURE").await.len(), 1);
    // Each reactor kept where it got to once it had acted.
    for name in ["base-closing-exposures", "closure-exposure-flags"] {
        let kept = std::fs::read_to_string(data.join("reactors").join(name))
            .unwrap_or_default()
            .trim()
            .parse::<u64>()
            .unwrap_or(0);
        assert!(kept > 0, "{name} keeps its checkpoint");
    }
    let World {
        server,
        clock,
        ca,
        hr,
        base_one,
        base_two,
        a,
        b,
        c,
        d,
    } = w;
    server.stop().await;

    let server =
        TestServer::start_with_clock(clock.clone(), |config| config.data_dir = data.clone()).await;
    server.ready().await;
    let w = World {
        server,
        clock,
        ca,
        hr,
        base_one,
        base_two,
        a,
        b,
        c,
        d,
    };
    // After the restart the reactors go on from their checkpoints: a new closing is reacted to,
    // the one before is not reacted to again.
    w.server
        .ok(
            &admin,
            "mutation($b: String!) { startClosingBase(baseId: $b, reason: \"merged\") { status } }",
            json!({ "b": w.base_one }),
        )
        .await;
    for who in [&w.a, &w.b, &w.d] {
        assert_eq!(flagged(&w, who, "BASE_CLOSURE_EXPOSURE").await.len(), 1);
    }
    assert_eq!(
        flags_of(&w, &w.c, "BASE_CLOSURE_EXPOSURE").await.len(),
        1,
        "the closing before the restart is flagged once"
    );
    w.server.stop().await;
}

/// The application layer alone decides access: called directly, with no GraphQL guard in front of
/// it, an outsider is refused (FORBIDDEN) or gets the restricted parts withheld, and a refused
/// change writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_layer_alone_refuses_outsiders_and_withholds_detail() {
    use cla_platform::{Principal, Restricted};
    use cla_risk::app::{AddMitigation, RecordCheckIn};
    use cla_risk::events::{Channel, Mitigation, Welfare};

    let clock = Arc::new(ManualClock::new(start()));
    let w = world_in(None, clock.clone()).await;
    mission_with_base(&w.server, "BRAVO").await;
    let flag = w.server
        .ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: SEEN_AS_INFORMANT, severity: HIGH, notes: \"named at the market\") { id } }", json!({ "s": w.a }))
        .await["raiseRiskFlag"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = &w.server.running.state.detector;
    let app = cla_risk::RiskApp::new(
        d.runtime.clone(),
        d.risk.clone(),
        d.staffing.clone(),
        d.registry.clone(),
        d.clock.clone(),
        d.clone(),
    );
    let who = |role: Role, missions: &[&str]| {
        Principal::new(format!("{role}"), "Caller", &[role], missions)
    };
    let away_ca = who(Role::CivilAffairs, &["BRAVO"]);
    let hq = who(Role::HqReviewer, &[]);
    let hr = who(Role::MissionHr, &["ALPHA"]);
    let home_ca = who(Role::CivilAffairs, &["ALPHA"]);
    let view = app.view(None, None);
    let store = &w.server.running.state.store;
    let head = store.head().await.unwrap();

    // The register: counts for every reader of the mission, the flags for CIVIL_AFFAIRS only.
    for reader in [&hq, &hr] {
        let register = app.risk_register(reader, "ALPHA", &view).unwrap();
        assert_eq!(register.counts.by_severity.high, 1);
        assert_eq!(register.flags, Restricted::Withheld);
        assert_eq!(
            register
                .flags
                .or_forbidden("flags")
                .unwrap_err()
                .code
                .as_str(),
            "FORBIDDEN"
        );
    }
    let register = app.risk_register(&home_ca, "ALPHA", &view).unwrap();
    assert_eq!(
        register.flags.shown().map(|f| f.len()),
        Some(1),
        "CIVIL_AFFAIRS of the mission sees the flag"
    );
    let refused = app.risk_register(&away_ca, "ALPHA", &view).unwrap_err();
    assert_eq!(refused.code.as_str(), "FORBIDDEN");

    // A flag, its timeline and a change to it: FORBIDDEN to everyone but CIVIL_AFFAIRS of the
    // mission and ADMIN.
    for outsider in [&away_ca, &hq, &hr] {
        let code = |e: cla_platform::AppError| e.code.as_str().to_string();
        assert_eq!(
            app.risk_flag(outsider, &flag, &view).map_err(code),
            Err("FORBIDDEN".into())
        );
        assert_eq!(
            app.flag_timeline(outsider, &flag, &view).map_err(code),
            Err("FORBIDDEN".into())
        );
        let change = app
            .add_mitigation(
                outsider,
                AddMitigation {
                    flag_id: flag.clone(),
                    action: Mitigation::CommunicationMeans,
                    notes: "radio".into(),
                },
            )
            .await;
        assert_eq!(change.map_err(code), Err("FORBIDDEN".into()));
        let check_in = app
            .record_check_in(
                outsider,
                RecordCheckIn {
                    staff_id: w.a.clone(),
                    at: None,
                    channel: Channel::Phone,
                    welfare: Welfare::UnderThreat,
                    notes: String::new(),
                },
            )
            .await;
        assert_eq!(check_in.map_err(code), Err("FORBIDDEN".into()));
    }
    assert_eq!(
        store.head().await.unwrap(),
        head,
        "a refusal writes nothing"
    );
    assert_eq!(
        app.risk_flag(&home_ca, &flag, &view).unwrap().flag.notes,
        "named at the market"
    );
    // An unknown flag is NOT_FOUND, whoever asks.
    assert_eq!(
        app.risk_flag(&hq, "no-such-flag", &view)
            .unwrap_err()
            .code
            .as_str(),
        "NOT_FOUND"
    );

    // Compliance: the count for every reader, who is overdue for CIVIL_AFFAIRS only.
    let compliance = app.check_in_compliance(&hr, "ALPHA", &view).unwrap();
    assert!(compliance.overdue.is_withheld());
    let shown = app.check_in_compliance(&home_ca, "ALPHA", &view).unwrap();
    assert_eq!(
        shown.overdue.shown().map(|o| o.len()),
        Some(compliance.overdue_count)
    );
    assert_eq!(
        app.check_in_compliance(&away_ca, "ALPHA", &view)
            .unwrap_err()
            .code
            .as_str(),
        "FORBIDDEN"
    );
    w.server.stop().await;
}
