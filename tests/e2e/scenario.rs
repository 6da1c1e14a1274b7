//! A small fixed world — two missions, four field offices, ten bases, thirty CLAs — built through
//! GraphQL over HTTP, with its management coverage and HQ staffing review checked against figures
//! worked out by hand; then facts recorded late, back-dated ten days, shown as of their dates and
//! hidden as known before they were recorded, on every read model.
//!
//! ALPHA (minimum 2, span of control 3, a field visit every 30 days, tours of 12 months):
//!
//! | office | base | CLAs deployed (today)            | strength | supervised by | last visit |
//! | ------ | ---- | -------------------------------- | -------- | ------------- | ---------- |
//! | A-1    | A1   | a1 a2 a3                         | 3        | M1: a1 a2 a3  | 10 days    |
//! | A-1    | A2   | a4 a5 (a5 on leave)              | 1        | M1: a4        | 40 days    |
//! | A-1    | A3   | a6 a7                            | 2        |               | never      |
//! | A-1    | A4   | a8                               | 1        |               | never      |
//! | A-2    | A5   | a9 (400 days) a10 a11            | 3        | M2: a9 a10    | 29 days    |
//! | A-2    | A6   | a12 a13                          | 2        |               | 31 days    |
//! | A-3    | A7   |                                  | 0        |               | 5 days     |
//!
//! a14–a18 active and not deployed; a19 separated; a20 hired through a vacancy (onboarding).
//! Women: a1–a8. Appointments ending: a3 in 30 days, a12 in 59 (a13 in 61 does not count).
//! Vacancies: three, one filled 31 days after it opened. Open flags: a6 medium, a1 high, a9
//! critical (a7's low one closed). Check-ins: a1 twice, a6 once.
//!
//! BRAVO (minimum 2, span of control 2, a field visit every 60 days):
//!
//! | office | base | CLAs deployed | supervised by  | last visit |
//! | ------ | ---- | ------------- | -------------- | ---------- |
//! | B-1    | B1   | b1 b2         | M4: b1 b2      | 50 days    |
//! | B-1    | B2   | b3 b4 b5      | M4: b3         | 61 days    |
//! | B-1    | B3   | b6            |                | never      |
//!
//! b7, b8, b10 active and not deployed (b7's appointment ends in 45 days); b9 separated. Women:
//! b1–b5. Open flags: b3 high. Check-ins: b1 once.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use cla_e2e::{Role, TestServer, active_staff, day, deploy, manager_named, open_base};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    hr: String,
    ca: String,
    offices: Vec<String>,
    bases: Vec<String>,
    a: Vec<String>,
    b: Vec<String>,
    managers: Vec<String>,
    flags: Vec<String>,
}

const REGISTER: &str = "mutation($b: String!, $n: String!, $g: Gender!, $i: String!, $e: Date!) { registerStaffMember(input: {baseId: $b, name: $n, gender: $g, languages: [{language: \"Swahili\", level: \"FLUENT\"}], indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: $e}, effective: \"2024-02-15\"}) { id } }";

async fn mission(server: &TestServer, code: &str, policy: Value, offices: &[&str]) -> Vec<String> {
    let admin = server.admin();
    server.ok(&admin, "mutation($c: String!) { createMission(input: {code: $c, name: \"Mission\", country: \"Country\", effective: \"2024-01-01\"}) { code } }", json!({ "c": code })).await;
    server.ok(&admin, "mutation($c: String!, $p: StaffingPolicyInput!) { changeMissionPolicy(code: $c, policy: $p, effective: \"2024-01-01\") { code } }", json!({ "c": code, "p": policy })).await;
    let mut out = Vec::new();
    for name in offices {
        out.push(
            server
                .ok(&admin, "mutation($c: String!, $n: String!) { openFieldOffice(input: {missionCode: $c, name: $n, effective: \"2024-01-01\"}) { id } }", json!({ "c": code, "n": name }))
                .await["openFieldOffice"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    out
}

async fn person(
    w: &TestServer,
    hr: &str,
    base: &str,
    name: &str,
    female: bool,
    ends_in: Option<i64>,
) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(300_000);
    let index = NEXT
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    let end = ends_in.map_or_else(|| "2030-12-31".to_string(), day);
    active_staff(w, hr, REGISTER, json!({ "b": base, "n": name, "g": if female { "FEMALE" } else { "MALE" }, "i": index, "e": end })).await
}

async fn manager(w: &TestServer, ca: &str, office: &str, name: &str) -> String {
    let data = w
        .ok(ca, "mutation($o: String!, $n: String!, $f: Date!) { appointManager(input: {fieldOfficeId: $o, name: $n, kind: INTERNATIONAL_STAFF, from: $f}) { coverage { mission { spans { managerId name } } } } }", json!({ "o": office, "n": name, "f": day(-100) }))
        .await;
    manager_named(&data, name)
}

async fn supervise(w: &TestServer, ca: &str, manager: &str, staff: &str) {
    w.ok(ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": manager, "s": staff, "f": day(-20) })).await;
}

async fn visit(w: &TestServer, ca: &str, manager: &str, base: &str, ago: i64) {
    w.ok(ca, "mutation($m: String!, $b: String!, $f: Date!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $f, purpose: \"protection committee\") { mission { clas } } }", json!({ "m": manager, "b": base, "f": day(-ago) })).await;
}

async fn flag(w: &TestServer, ca: &str, staff: &str, severity: &str) -> String {
    w.ok(ca, "mutation($s: String!, $v: Severity!) { raiseRiskFlag(staffId: $s, category: SECURITY_INCIDENT, severity: $v) { id } }", json!({ "s": staff, "v": severity }))
        .await["raiseRiskFlag"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn check_in(w: &TestServer, ca: &str, staff: &str, ago_hours: i64) {
    let at = Utc::now() - Duration::hours(ago_hours);
    w.ok(ca, "mutation($s: String!, $at: DateTime!) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: OK) { checkInId } }", json!({ "s": staff, "at": at.to_rfc3339() })).await;
}

async fn world() -> World {
    world_in(None).await
}

/// The world, in `data_dir` where one is given (for restarts).
async fn world_in(data_dir: Option<std::path::PathBuf>) -> World {
    let server = match data_dir {
        Some(dir) => TestServer::start_with(|c| c.data_dir = dir).await,
        None => TestServer::start().await,
    };
    let admin = server.admin();
    let hr = server.token(Role::MissionHr, &["ALPHA", "BRAVO"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA", "BRAVO"]);
    let mut offices = mission(&server, "ALPHA", json!({ "minimumClasPerBase": 2, "maxSpanOfControl": 3, "fieldVisitIntervalDays": 30, "maxTourMonths": 12 }), &["A-1", "A-2", "A-3"]).await;
    offices.extend(
        mission(
            &server,
            "BRAVO",
            json!({ "minimumClasPerBase": 2, "maxSpanOfControl": 2, "fieldVisitIntervalDays": 60 }),
            &["B-1"],
        )
        .await,
    );
    let mut bases = Vec::new();
    for (office, name) in [
        (0, "A1"),
        (0, "A2"),
        (0, "A3"),
        (0, "A4"),
        (1, "A5"),
        (1, "A6"),
        (2, "A7"),
        (3, "B1"),
        (3, "B2"),
        (3, "B3"),
    ] {
        bases.push(open_base(&server, &admin, &offices[office], name).await);
    }
    // ALPHA's people: a1..a19 registered (a20 comes through a vacancy).
    let ends = |n: usize| match n {
        3 => Some(30),
        12 => Some(59),
        13 => Some(61),
        19 => Some(10),
        _ => None,
    };
    let mut a = vec![String::new()];
    for n in 1..=19 {
        a.push(person(&server, &hr, &bases[0], &format!("a{n}"), n <= 8, ends(n)).await);
    }
    let mut b = vec![String::new()];
    for n in 1..=10 {
        b.push(
            person(
                &server,
                &hr,
                &bases[7],
                &format!("b{n}"),
                n <= 5,
                (n == 7).then_some(45),
            )
            .await,
        );
    }
    // Deployments.
    for (staff, base, from) in [
        (1, 0, -40),
        (2, 0, -40),
        (3, 0, -40),
        (4, 1, -40),
        (5, 1, -40),
        (6, 2, -40),
        (7, 2, -40),
        (8, 3, -40),
        (9, 4, -400),
        (10, 4, -40),
        (11, 4, -40),
        (12, 5, -40),
        (13, 5, -40),
    ] {
        deploy(&server, &ca, &a[staff], &bases[base], &day(from)).await;
    }
    for (staff, base) in [(1, 7), (2, 7), (3, 8), (4, 8), (5, 8), (6, 9)] {
        deploy(&server, &ca, &b[staff], &bases[base], &day(-40)).await;
    }
    server.ok(&ca, "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: LEAVE, from: $f, to: $t) { staffing { staffId } } }", json!({ "s": a[5], "f": day(-2), "t": day(3) })).await;
    for staff in [&a[19], &b[9]] {
        server.ok(&hr, "mutation($s: String!, $e: Date!) { separateStaff(staffId: $s, reason: RESIGNED, effective: $e) { status } }", json!({ "s": staff, "e": day(-5) })).await;
    }
    // Recruitment: three posts at A7, one filled 31 days after it opened (a20).
    let mut vacancies = Vec::new();
    for _ in 0..3 {
        vacancies.push(
            server
                .ok(&hr, "mutation($b: String!) { openVacancy(input: {baseId: $b, title: \"Community Liaison Assistant\", effective: \"2024-03-01\"}) { id } }", json!({ "b": bases[6] }))
                .await["openVacancy"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let v = &vacancies[0];
    let c = server
        .ok(&hr, "mutation($v: String!) { addCandidate(vacancyId: $v, input: {name: \"a20\", gender: MALE, effective: \"2024-03-02\"}) { vacancy { candidates { edges { node { id } } } } } }", json!({ "v": v }))
        .await["addCandidate"]["vacancy"]["candidates"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for stage in ["SCREENED", "INTERVIEWED"] {
        server.ok(&hr, "mutation($v: String!, $c: String!, $s: Stage!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: $s, effective: \"2024-03-10\") { id } }", json!({ "v": v, "c": c, "s": stage })).await;
    }
    server.ok(&hr, "mutation($v: String!, $c: String!) { recordVetting(vacancyId: $v, candidateId: $c, passed: true, notes: \"references checked\", effective: \"2024-03-20\") { id } }", json!({ "v": v, "c": c })).await;
    server.ok(&hr, "mutation($v: String!, $c: String!) { makeOffer(vacancyId: $v, candidateId: $c, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-04-01\", end: \"2030-03-31\"}, effective: \"2024-03-25\") { id } }", json!({ "v": v, "c": c })).await;
    server.ok(&hr, "mutation($v: String!, $c: String!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: true, effective: \"2024-03-26\") { id } }", json!({ "v": v, "c": c })).await;
    let a20 = server
        .ok(&hr, "mutation($v: String!, $c: String!) { hireCandidate(vacancyId: $v, candidateId: $c, input: {indexNumber: \"399999\", effective: \"2024-04-01\"}) { id } }", json!({ "v": v, "c": c }))
        .await["hireCandidate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.push(a20);
    // Management.
    let managers = vec![
        manager(&server, &ca, &offices[0], "M1").await,
        manager(&server, &ca, &offices[1], "M2").await,
        manager(&server, &ca, &offices[2], "M3").await,
        manager(&server, &ca, &offices[3], "M4").await,
    ];
    for (m, staff) in [(0, 1), (0, 2), (0, 3), (0, 4), (1, 9), (1, 10)] {
        supervise(&server, &ca, &managers[m], &a[staff]).await;
    }
    for staff in [1, 2, 3] {
        supervise(&server, &ca, &managers[3], &b[staff]).await;
    }
    for (m, base, ago) in [
        (0, 0, 10),
        (0, 1, 40),
        (1, 4, 29),
        (1, 5, 31),
        (2, 6, 5),
        (3, 7, 50),
        (3, 8, 61),
    ] {
        visit(&server, &ca, &managers[m], &bases[base], ago).await;
    }
    // Risk.
    let mut flags = Vec::new();
    for (staff, severity) in [
        (&a[6], "MEDIUM"),
        (&a[1], "HIGH"),
        (&a[9], "CRITICAL"),
        (&b[3], "HIGH"),
    ] {
        flags.push(flag(&server, &ca, staff, severity).await);
    }
    let low = flag(&server, &ca, &a[7], "LOW").await;
    server.ok(&ca, "mutation($f: String!) { closeRiskFlag(flagId: $f, resolution: \"resolved with the community\") { id } }", json!({ "f": low })).await;
    check_in(&server, &ca, &a[1], 30).await;
    check_in(&server, &ca, &a[1], 2).await;
    check_in(&server, &ca, &a[6], 50).await;
    check_in(&server, &ca, &b[1], 20).await;
    World {
        server,
        hr,
        ca,
        offices,
        bases,
        a,
        b,
        managers,
        flags,
    }
}

const COVERAGE: &str = "query($m: String!, $d: Date, $k: DateTime) { managementCoverage(missionCode: $m, asOf: $d, knownAt: $k) { mission { placeId managers clas maxSpan meanSpan managersOverSpan { managerId span } unsupervised notVisited { baseId daysSince } coveragePercent } byFieldOffice { placeId managers clas maxSpan meanSpan managersOverSpan { managerId span } unsupervised notVisited { baseId daysSince } coveragePercent } } }";

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn visits(v: &Value) -> Vec<(String, Option<i64>)> {
    let mut out: Vec<(String, Option<i64>)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["baseId"].as_str().unwrap().to_string(),
                x["daysSince"].as_i64(),
            )
        })
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<(String, Option<i64>)>) -> Vec<(String, Option<i64>)> {
    v.sort();
    v
}

fn close(actual: &Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("a number, not {actual}"));
    assert!((a - expected).abs() < 1e-9, "{a} is not {expected}");
}

#[tokio::test]
async fn management_coverage_of_the_fixed_world_is_as_worked_out_by_hand() {
    let w = world().await;
    let (a, bases, m) = (&w.a, &w.bases, &w.managers);
    let alpha =
        w.server.ok(&w.hr, COVERAGE, json!({ "m": "ALPHA" })).await["managementCoverage"].clone();
    let row = |place: &str| -> Value {
        alpha["byFieldOffice"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["placeId"] == place)
            .unwrap()
            .clone()
    };
    // M1 supervises a1–a4 (span 4 > 3); eight deployed at A1–A4; a5–a8 unsupervised; A2
    // last visited 40 days ago, A3 and A4 never.
    let one = row(&w.offices[0]);
    assert_eq!(
        (
            one["managers"].as_u64(),
            one["clas"].as_u64(),
            one["maxSpan"].as_u64()
        ),
        (Some(1), Some(8), Some(4))
    );
    close(&one["meanSpan"], 4.0);
    assert_eq!(
        one["managersOverSpan"],
        json!([{ "managerId": m[0], "span": 4 }])
    );
    assert_eq!(
        ids(&one["unsupervised"]),
        set(&[&a[5], &a[6], &a[7], &a[8]])
    );
    assert_eq!(
        visits(&one["notVisited"]),
        sorted(vec![
            (bases[1].clone(), Some(40)),
            (bases[2].clone(), None),
            (bases[3].clone(), None)
        ])
    );
    close(&one["coveragePercent"], 50.0);
    // M2 supervises a9, a10; five deployed at A5, A6; A6 visited 31 days ago (> 30), A5 29.
    let two = row(&w.offices[1]);
    assert_eq!(
        (
            two["managers"].as_u64(),
            two["clas"].as_u64(),
            two["maxSpan"].as_u64()
        ),
        (Some(1), Some(5), Some(2))
    );
    close(&two["meanSpan"], 2.0);
    assert_eq!(two["managersOverSpan"], json!([]));
    assert_eq!(ids(&two["unsupervised"]), set(&[&a[11], &a[12], &a[13]]));
    assert_eq!(
        visits(&two["notVisited"]),
        vec![(bases[5].clone(), Some(31))]
    );
    close(&two["coveragePercent"], 40.0);
    // M3 with nobody to supervise; A7 empty, visited 5 days ago.
    let three = row(&w.offices[2]);
    assert_eq!(
        (
            three["managers"].as_u64(),
            three["clas"].as_u64(),
            three["maxSpan"].as_u64()
        ),
        (Some(1), Some(0), Some(0))
    );
    close(&three["meanSpan"], 0.0);
    assert_eq!(
        (
            three["notVisited"].clone(),
            three["coveragePercent"].clone()
        ),
        (json!([]), Value::Null)
    );
    // The mission: 3 managers, 13 deployed, spans 4, 2, 0; 6 of 13 supervised.
    let mission = &alpha["mission"];
    assert_eq!(
        (
            mission["placeId"].as_str(),
            mission["managers"].as_u64(),
            mission["clas"].as_u64(),
            mission["maxSpan"].as_u64()
        ),
        (Some("ALPHA"), Some(3), Some(13), Some(4))
    );
    close(&mission["meanSpan"], 2.0);
    assert_eq!(ids(&mission["unsupervised"]).len(), 7);
    assert_eq!(visits(&mission["notVisited"]).len(), 4);
    close(&mission["coveragePercent"], 600.0 / 13.0);

    // BRAVO: M4 supervises b1–b3 (span 3 > 2); 6 deployed; B2 61 days (> 60), B3 never.
    let bravo = w.server.ok(&w.hr, COVERAGE, json!({ "m": "BRAVO" })).await["managementCoverage"]["mission"].clone();
    assert_eq!(
        (
            bravo["managers"].as_u64(),
            bravo["clas"].as_u64(),
            bravo["maxSpan"].as_u64()
        ),
        (Some(1), Some(6), Some(3))
    );
    assert_eq!(
        bravo["managersOverSpan"],
        json!([{ "managerId": m[3], "span": 3 }])
    );
    assert_eq!(
        ids(&bravo["unsupervised"]),
        set(&[&w.b[4], &w.b[5], &w.b[6]])
    );
    assert_eq!(
        visits(&bravo["notVisited"]),
        sorted(vec![(bases[8].clone(), Some(61)), (bases[9].clone(), None)])
    );
    close(&bravo["coveragePercent"], 50.0);
    w.server.stop().await;
}

const REVIEW: &str = "query($d: Date, $k: DateTime) { hqStaffingReview(asOf: $d, knownAt: $k) { overall { ...F } missions { ...F } } } fragment F on ReviewFigures { scope clas deployed bases basesAtMinimum basesAtMinimumPercent vacancyPercent meanTimeToFillDays womenPercent openFlagsLow openFlagsMedium openFlagsHigh openFlagsCritical supervisionCoveragePercent checkInCompliancePercent rotationsDue appointmentsEnding60Days }";

#[tokio::test]
async fn the_hq_review_of_the_fixed_world_is_as_worked_out_by_hand() {
    let w = world().await;
    let hq = w.server.token(Role::HqReviewer, &[]);
    let review = w.server.ok(&hq, REVIEW, json!({})).await["hqStaffingReview"].clone();
    let missions = review["missions"].as_array().unwrap();
    assert_eq!(
        missions
            .iter()
            .map(|m| m["scope"].clone())
            .collect::<Vec<_>>(),
        vec![json!("ALPHA"), json!("BRAVO")],
        "HQ sees every mission"
    );
    let (alpha, bravo, all) = (&missions[0], &missions[1], &review["overall"]);
    let counts = |f: &Value| -> Vec<u64> {
        [
            "clas",
            "deployed",
            "bases",
            "basesAtMinimum",
            "openFlagsLow",
            "openFlagsMedium",
            "openFlagsHigh",
            "openFlagsCritical",
            "rotationsDue",
            "appointmentsEnding60Days",
        ]
        .iter()
        .map(|k| f[k].as_u64().unwrap_or_else(|| panic!("{k} in {f}")))
        .collect()
    };
    // ALPHA: 19 not separated (a1–a18, a20), 13 deployed, 7 bases of which A1, A3, A5, A6 at
    // minimum; flags medium, high, critical; a9 due for rotation; a3 and a12 ending.
    assert_eq!(counts(alpha), vec![19, 13, 7, 4, 0, 1, 1, 1, 1, 2]);
    close(&alpha["basesAtMinimumPercent"], 400.0 / 7.0);
    close(&alpha["vacancyPercent"], 200.0 / 3.0);
    close(&alpha["meanTimeToFillDays"], 31.0);
    close(&alpha["womenPercent"], 800.0 / 19.0);
    close(&alpha["supervisionCoveragePercent"], 600.0 / 13.0);
    close(&alpha["checkInCompliancePercent"], 100.0);
    // BRAVO: 9 not separated, 6 deployed, B1 and B2 at minimum of 3; one high flag; b7 ending.
    assert_eq!(counts(bravo), vec![9, 6, 3, 2, 0, 0, 1, 0, 0, 1]);
    close(&bravo["basesAtMinimumPercent"], 200.0 / 3.0);
    assert_eq!(
        (
            bravo["vacancyPercent"].clone(),
            bravo["meanTimeToFillDays"].clone()
        ),
        (Value::Null, Value::Null),
        "no posts, no rate"
    );
    close(&bravo["womenPercent"], 500.0 / 9.0);
    close(&bravo["supervisionCoveragePercent"], 50.0);
    close(&bravo["checkInCompliancePercent"], 100.0);
    // Together.
    assert_eq!(all["scope"], "ALL");
    assert_eq!(counts(all), vec![28, 19, 10, 6, 0, 1, 2, 1, 1, 3]);
    close(&all["basesAtMinimumPercent"], 60.0);
    close(&all["vacancyPercent"], 200.0 / 3.0);
    close(&all["meanTimeToFillDays"], 31.0);
    close(&all["womenPercent"], 1300.0 / 28.0);
    close(&all["supervisionCoveragePercent"], 900.0 / 19.0);
    close(&all["checkInCompliancePercent"], 100.0);
    // 35 days back, before any check-in: no compliance to speak of; a9's tour was then exactly
    // 365 days (twelve months), not yet past it.
    let earlier =
        w.server.ok(&hq, REVIEW, json!({ "d": day(-35) })).await["hqStaffingReview"]["missions"][0]
            .clone();
    assert_eq!(earlier["checkInCompliancePercent"], Value::Null);
    assert_eq!(earlier["rotationsDue"], 0);
    assert_eq!(earlier["deployed"], 13);
    // HQ sees counts, never whose flag: the flags themselves are refused.
    let detail = w.server.gql(Some(&hq), "{ riskRegister(missionCode: \"ALPHA\") { open flags(first: 10) { edges { node { staffId } } } } }", json!({})).await;
    assert_eq!(detail.code(), "FORBIDDEN");
    let counts_only = w.server.ok(&hq, "{ riskRegister(missionCode: \"ALPHA\") { open bySeverity { low medium high critical } } }", json!({})).await;
    assert_eq!(counts_only["riskRegister"]["open"], 3);
    let flag = w
        .server
        .gql(
            Some(&hq),
            "query($f: String!) { riskFlag(id: $f) { notes } }",
            json!({ "f": w.flags[0] }),
        )
        .await;
    assert_eq!(flag.code(), "FORBIDDEN");
    w.server.stop().await;
}

/// Asks `query` as of `as_of`, as known now and as known at `before`, and returns both answers'
/// data at `path`.
async fn both(
    w: &World,
    token: &str,
    query: &str,
    mut vars: Value,
    before: &str,
    path: &[&str],
) -> (Value, Value) {
    let pick = |mut v: Value| {
        for p in path {
            v = v[*p].clone();
        }
        v
    };
    let now = w.server.ok(token, query, vars.clone()).await;
    vars["k"] = json!(before);
    let then = w.server.ok(token, query, vars).await;
    (pick(now), pick(then))
}

fn count(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn facts_recorded_late_show_as_of_their_dates_and_not_as_known_before() {
    let w = world().await;
    let admin = w.server.admin();
    let before = Utc::now().to_rfc3339();
    let hq = w.server.token(Role::HqReviewer, &[]);
    // Recorded now, effective ten days ago: a field office, a base in it, a CLA registered,
    // activated and deployed there, a post opened there, a supervisor, a field visit and a
    // check-in. Recorded now and effective now: a rotation planned and a risk flag.
    let office = w
        .server
        .ok(&admin, "mutation($e: Date!) { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"A-4\", effective: $e}) { id } }", json!({ "e": day(-10) }))
        .await["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = w
        .server
        .ok(&admin, "mutation($o: String!, $e: Date!) { openBase(input: {fieldOfficeId: $o, name: \"A8\", kind: TEMPORARY_OPERATING_BASE, effective: $e}) { id } }", json!({ "o": office, "e": day(-10) }))
        .await["openBase"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let late = w
        .server
        .ok(&w.hr, "mutation($b: String!, $e: Date!) { registerStaffMember(input: {baseId: $b, name: \"a21\", gender: FEMALE, indexNumber: \"388888\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $e, end: \"2030-12-31\"}, effective: $e}) { id } }", json!({ "b": base, "e": day(-10) }))
        .await["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.server
        .ok(
            &w.hr,
            "mutation($s: String!, $e: Date!) { activateStaff(staffId: $s, effective: $e) { id } }",
            json!({ "s": late, "e": day(-10) }),
        )
        .await;
    deploy(&w.server, &w.ca, &late, &base, &day(-10)).await;
    w.server.ok(&w.hr, "mutation($b: String!, $e: Date!) { openVacancy(input: {baseId: $b, title: \"Community Liaison Assistant\", effective: $e}) { id } }", json!({ "b": base, "e": day(-10) })).await;
    w.server.ok(&w.ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": w.managers[2], "s": late, "f": day(-10) })).await;
    visit(&w.server, &w.ca, &w.managers[2], &base, 10).await;
    check_in(&w.server, &w.ca, &late, 24 * 10).await;
    w.server.ok(&w.ca, "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { staffing { staffId } } }", json!({ "s": late, "f": base, "t": w.bases[6], "d": day(5) })).await;
    flag(&w.server, &w.ca, &w.a[2], "LOW").await;
    let then = day(-5);

    // Registry: missions, one mission, a field office, bases, one base.
    let (now_, old) = both(&w, &w.hr, "query($d: Date, $k: DateTime) { mission(code: \"ALPHA\", asOf: $d, knownAt: $k) { fieldOffices { totalCount } } }", json!({ "d": then }), &before, &["mission", "fieldOffices", "totalCount"]).await;
    assert_eq!((now_, old), (json!(4), json!(3)), "mission's field offices");
    let (now_, old) = both(&w, &w.hr, "query($d: Date, $k: DateTime) { bases(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { totalCount } }", json!({ "d": then }), &before, &["bases", "totalCount"]).await;
    assert_eq!((now_, old), (json!(8), json!(7)), "bases");
    let eleven = w
        .server
        .ok(
            &w.hr,
            "query($d: Date) { bases(missionCode: \"ALPHA\", asOf: $d) { totalCount } }",
            json!({ "d": day(-11) }),
        )
        .await;
    assert_eq!(
        eleven["bases"]["totalCount"], 7,
        "not yet open eleven days ago"
    );
    let known = w.server.gql(Some(&w.hr), "query($b: String!, $d: Date, $k: DateTime) { base(id: $b, asOf: $d, knownAt: $k) { name } }", json!({ "b": base, "d": then, "k": before })).await;
    assert_eq!(known.code(), "NOT_FOUND", "base as known before");
    let known = w.server.gql(Some(&w.hr), "query($o: String!, $d: Date, $k: DateTime) { fieldOffice(id: $o, asOf: $d, knownAt: $k) { name } }", json!({ "o": office, "d": then, "k": before })).await;
    assert_eq!(known.code(), "NOT_FOUND", "field office as known before");

    // Staff: the directory, one member, the pipeline.
    let (now_, old) = both(&w, &w.hr, "query($d: Date, $k: DateTime) { staffMembers(missionCode: \"ALPHA\", asOf: $d, knownAt: $k, first: 100) { totalCount } }", json!({ "d": then }), &before, &["staffMembers", "totalCount"]).await;
    assert_eq!(
        now_.as_u64().unwrap(),
        old.as_u64().unwrap() + 1,
        "staff directory"
    );
    let (now_, old) = both(&w, &w.hr, "query($d: Date, $k: DateTime) { recruitmentPipeline(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { postsBudgeted } }", json!({ "d": then }), &before, &["recruitmentPipeline", "postsBudgeted"]).await;
    assert_eq!((now_, old), (json!(4), json!(3)), "recruitment pipeline");
    let (now_, old) = both(&w, &w.hr, "query($d: Date, $k: DateTime) { vacancies(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { totalCount } }", json!({ "d": then }), &before, &["vacancies", "totalCount"]).await;
    assert_eq!((now_, old), (json!(4), json!(3)), "vacancies");

    let member = "query($s: String!, $d: Date, $k: DateTime) { staffMember(id: $s, asOf: $d, knownAt: $k) { status baseId } }";
    let shown = w
        .server
        .ok(&w.hr, member, json!({ "s": late, "d": then }))
        .await;
    assert_eq!(
        shown["staffMember"]["status"], "ACTIVE",
        "one staff member as of the date"
    );
    let hidden = w
        .server
        .gql(
            Some(&w.hr),
            member,
            json!({ "s": late, "d": then, "k": before }),
        )
        .await;
    assert_eq!(
        hidden.code(),
        "NOT_FOUND",
        "one staff member as known before"
    );
    let missions = "query($d: Date) { missions(asOf: $d) { totalCount } }";
    let (now_, old) = (
        w.server.ok(&hq, missions, json!({ "d": then })).await,
        w.server
            .ok(&hq, missions, json!({ "d": "2023-12-31" }))
            .await,
    );
    assert_eq!(
        (
            now_["missions"]["totalCount"].clone(),
            old["missions"]["totalCount"].clone()
        ),
        (json!(2), json!(0)),
        "missions, created on 2024-01-01"
    );

    // Staffing: the board, one CLA's staffing, the forecast, the rotation calendar.
    let board = "query($d: Date, $k: DateTime) { baseBoard(missionCode: \"ALPHA\", asOf: $d, knownAt: $k, first: 100) { edges { node { baseId deployed } } } }";
    let (now_, old) = both(
        &w,
        &w.hr,
        board,
        json!({ "d": then }),
        &before,
        &["baseBoard", "edges"],
    )
    .await;
    let a8 = |rows: &Value| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["baseId"] == base.as_str())
            .map(|e| e["node"]["deployed"].clone())
    };
    assert_eq!((a8(&now_), a8(&old)), (Some(json!(1)), None), "board");
    let staffing = "query($s: String!, $d: Date) { claStaffing(staffId: $s, asOf: $d) { baseId } }";
    let at = |d: String| {
        let (server, hr, late) = (&w.server, w.hr.clone(), late.clone());
        async move {
            server
                .gql(Some(&hr), staffing, json!({ "s": late, "d": d }))
                .await
        }
    };
    assert_eq!(
        at(then.clone()).await.data()["claStaffing"]["baseId"],
        json!(base),
        "a CLA's staffing as of a date"
    );
    assert_eq!(at(day(-11)).await.code(), "NOT_FOUND", "not yet registered");
    let known = w.server.gql(Some(&w.hr), "query($s: String!, $d: Date, $k: DateTime) { claStaffing(staffId: $s, asOf: $d, knownAt: $k) { baseId } }", json!({ "s": late, "d": then, "k": before })).await;
    assert_eq!(
        known.code(),
        "NOT_FOUND",
        "a CLA's staffing as known before"
    );
    let forecast = "query($b: String!, $f: Date, $k: DateTime) { coverageForecast(baseId: $b, from: $f, days: 10, knownAt: $k) { days { strength } } }";
    let (now_, old) = both(
        &w,
        &w.hr,
        forecast,
        json!({ "b": w.bases[6], "f": day(0) }),
        &before,
        &["coverageForecast", "days"],
    )
    .await;
    let strengths = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["strength"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strengths(&now_),
        vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        "A7's forecast with the rotation in"
    );
    assert_eq!(
        strengths(&old),
        vec![0; 10],
        "A7's forecast as known before"
    );
    let (now_, old) = both(&w, &w.hr, "query($f: Date, $t: Date, $k: DateTime) { rotationCalendar(missionCode: \"ALPHA\", from: $f, to: $t, knownAt: $k) { staffId } }", json!({ "f": day(-20), "t": day(20) }), &before, &["rotationCalendar"]).await;
    assert_eq!((count(&now_), count(&old)), (1, 0), "rotation calendar");

    // Risk: the register (raised today, so not as of yesterday), check-in compliance.
    let (now_, old) = both(&w, &w.ca, "query($d: Date, $k: DateTime) { riskRegister(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { open } }", json!({}), &before, &["riskRegister", "open"]).await;
    assert_eq!((now_, old), (json!(4), json!(3)), "risk register");
    let yesterday = w
        .server
        .ok(
            &w.ca,
            "query($d: Date) { riskRegister(missionCode: \"ALPHA\", asOf: $d) { open } }",
            json!({ "d": day(-1) }),
        )
        .await;
    assert_eq!(yesterday["riskRegister"]["open"], 0, "raised today");
    let one_flag = w
        .server
        .gql(
            Some(&w.ca),
            "query($f: String!, $d: Date) { riskFlag(id: $f, asOf: $d) { severity } }",
            json!({ "f": w.flags[0], "d": day(-1) }),
        )
        .await;
    assert_eq!(
        one_flag.code(),
        "NOT_FOUND",
        "one flag, not yet raised yesterday"
    );
    let (now_, old) = both(&w, &w.ca, "query($d: Date, $k: DateTime) { checkInCompliance(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { mission { made } } }", json!({ "d": then }), &before, &["checkInCompliance", "mission", "made"]).await;
    assert_eq!((now_, old), (json!(1), json!(0)), "check-in compliance");

    // Supervision.
    let coverage = "query($d: Date, $k: DateTime) { managementCoverage(missionCode: \"ALPHA\", asOf: $d, knownAt: $k) { mission { clas coveragePercent } } }";
    let (now_, old) = both(
        &w,
        &w.hr,
        coverage,
        json!({ "d": then }),
        &before,
        &["managementCoverage", "mission"],
    )
    .await;
    assert_eq!(
        (now_["clas"].clone(), old["clas"].clone()),
        (json!(14), json!(13)),
        "management coverage"
    );
    close(&now_["coveragePercent"], 700.0 / 14.0);

    // The HQ review, as of the date and as known before.
    let review = "query($d: Date, $k: DateTime) { hqStaffingReview(asOf: $d, knownAt: $k) { overall { deployed bases } } }";
    let (now_, old) = both(
        &w,
        &hq,
        review,
        json!({ "d": then }),
        &before,
        &["hqStaffingReview", "overall"],
    )
    .await;
    assert_eq!(
        (now_, old),
        (
            json!({ "deployed": 20, "bases": 11 }),
            json!({ "deployed": 19, "bases": 10 })
        ),
        "HQ review"
    );
    let series = "query($f: Date!, $t: Date!, $k: DateTime) { hqStaffingSeries(from: $f, to: $t, knownAt: $k) { overall { bases } } }";
    let (now_, old) = both(
        &w,
        &hq,
        series,
        json!({ "f": day(0), "t": day(0) }),
        &before,
        &["hqStaffingSeries"],
    )
    .await;
    let last = |v: &Value| v.as_array().unwrap().last().unwrap()["overall"]["bases"].clone();
    assert_eq!(
        (last(&now_), last(&old)),
        (json!(11), json!(10)),
        "HQ series"
    );
    w.server.stop().await;
}

/// What the restart tests compare: the fixed world through every read model, today and as of a
/// past date as known before the late facts.
async fn every_answer(server: &TestServer, ca: &str, before: &str) -> Vec<Value> {
    let hq = server.token(Role::HqReviewer, &[]);
    let mut out = Vec::new();
    for (d, k) in [(day(0), None), (day(-20), Some(before.to_string()))] {
        let vars = json!({ "d": d, "k": k });
        out.push(server.ok(&hq, REVIEW, vars.clone()).await);
        for m in ["ALPHA", "BRAVO"] {
            let vars = json!({ "m": m, "d": d, "k": k });
            out.push(server.ok(ca, "query($m: String!, $d: Date, $k: DateTime) { baseBoard(missionCode: $m, asOf: $d, knownAt: $k, first: 100) { totalCount edges { node { baseId deployed effectiveStrength status clas { staffId } } } } }", vars.clone()).await);
            out.push(server.ok(ca, "query($m: String!, $d: Date, $k: DateTime) { checkInCompliance(missionCode: $m, asOf: $d, knownAt: $k) { mission { made missed compliancePercent } byBase { placeId made missed } overdueCount } }", vars.clone()).await);
            out.push(server.ok(ca, "query($m: String!, $d: Date, $k: DateTime) { riskRegister(missionCode: $m, asOf: $d, knownAt: $k) { open bySeverity { low medium high critical } overdueReviews } }", vars.clone()).await);
            out.push(server.ok(ca, COVERAGE, vars.clone()).await);
            out.push(server.ok(ca, "query($m: String!, $d: Date, $k: DateTime) { recruitmentPipeline(missionCode: $m, asOf: $d, knownAt: $k) { postsBudgeted postsFilled postsOpen } staffMembers(missionCode: $m, asOf: $d, knownAt: $k, first: 100) { totalCount edges { node { id status } } } }", vars).await);
        }
    }
    out
}

async fn restored_from(server: &TestServer) -> u64 {
    let (_, metrics) = server.metrics().await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("cla_projections_restored_position "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the restored position is in /metrics")
}

#[tokio::test]
async fn a_restart_reads_the_projections_back_from_their_snapshot_and_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let w = world_in(Some(data.clone())).await;
    let before = Utc::now().to_rfc3339();
    // A late fact, so the past answers as known before it differ from today's knowledge.
    check_in(&w.server, &w.ca, &w.a[2], 24 * 21).await;
    let ca = w.ca.clone();
    let first = every_answer(&w.server, &ca, &before).await;
    assert_eq!(
        restored_from(&w.server).await,
        0,
        "a new store is read from the start"
    );
    w.server.stop().await;
    let file = data.join("projections").join("snapshot.bin");
    assert!(
        file.exists(),
        "the server wrote its snapshot when it stopped"
    );

    // Restored from the snapshot: the same answers, and what comes after it is applied.
    let second = TestServer::start_with(|c| c.data_dir = data.clone()).await;
    second.ready().await;
    assert!(
        restored_from(&second).await > 0,
        "the read models start from the snapshot's checkpoint"
    );
    assert_eq!(every_answer(&second, &ca, &before).await, first);
    let made = |v: &Value| v["checkInCompliance"]["mission"]["made"].as_u64().unwrap();
    let compliance = "query { checkInCompliance(missionCode: \"ALPHA\") { mission { made } } }";
    let was = made(&second.ok(&ca, compliance, json!({})).await);
    check_in(&second, &ca, &w.a[3], 3).await;
    assert_eq!(
        made(&second.ok(&ca, compliance, json!({})).await),
        was + 1,
        "a check-in after the checkpoint counts"
    );
    let after = every_answer(&second, &ca, &before).await;
    assert_ne!(after, first, "the new check-in shows");
    second.stop().await;

    // A damaged snapshot is not used: rebuilt from the store, the same answers.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&file, &bytes).unwrap();
    let third = TestServer::start_with(|c| c.data_dir = data.clone()).await;
    third.ready().await;
    assert_eq!(
        restored_from(&third).await,
        0,
        "the damaged snapshot is not used"
    );
    assert_eq!(every_answer(&third, &ca, &before).await, after);
    third.stop().await;

    // Another store's snapshot is not used either.
    let other_dir = tempfile::tempdir().unwrap();
    let other = TestServer::start_with(|c| c.data_dir = other_dir.path().to_path_buf()).await;
    cla_e2e::mission_with_base(&other, "OTHER").await;
    other.stop().await;
    std::fs::copy(
        other_dir.path().join("projections").join("snapshot.bin"),
        &file,
    )
    .unwrap();
    let fourth = TestServer::start_with(|c| c.data_dir = data.clone()).await;
    fourth.ready().await;
    assert_eq!(
        restored_from(&fourth).await,
        0,
        "another store's snapshot is not used"
    );
    assert_eq!(every_answer(&fourth, &ca, &before).await, after);
    fourth.stop().await;
}
