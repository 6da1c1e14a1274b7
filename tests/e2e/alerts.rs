//! Alerts through GraphQL over websockets and HTTP, on an injected clock: every kind of the watch
//! raised once however often it looks, cleared when no longer true and raised again when true
//! again, filtered by the subscriber's missions and the kinds asked for; the alerts active in a
//! mission as of a date and as known at a moment; the watch looking by itself after a change; and
//! a subscriber resuming after the last alert it saw, missing none and getting none twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use cla_e2e::{
    Role, Socket, TestServer, active_staff, day, deploy, eight_today, mission_with_base, next_data,
    next_message, open_base, subscribe,
};
use cla_platform::clock::ManualClock;
use serde_json::{Value, json};

/// Today at 08:00 UTC: the scenario's first moment.
fn start() -> DateTime<Utc> {
    eight_today()
}

const ALERTS: &str = "subscription($m: String, $k: [AlertKind!]) { alerts(missionCode: $m, kinds: $k) { alertId kind missionCode subject subjectId baseId staffId managerId flagId severity on detail at } }";

struct World {
    server: TestServer,
    ca: String,
    hr: String,
    base_one: String,
    base_two: String,
    base_three: String,
    bravo_base: String,
    b: String,
    c: String,
    e: String,
    m1: String,
}

async fn cla(w: &TestServer, hr: &str, base: &str, name: &str, index: &str, end: &str) -> String {
    active_staff(w, hr, "mutation($b: String!, $n: String!, $i: String!, $e: Date!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: $e}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": index, "e": end })).await
}

/// Mission ALPHA (minimum 2, span of control 1, a field visit every 30 days, tours of 6 months):
/// - Base One: A and B since 10 days; A is away on days 5 to 8 (a forecast gap); B's
///   appointment ends in 40 days.
/// - Base Two: C for 200 days (past the maximum tour) and D since 10 days.
/// - Base Three: E alone (below minimum).
/// - M1 supervises A and B (over span) and visited Base One 5 days ago; Bases Two and Three were
///   never visited.
///
/// Mission BRAVO: one base, nobody on it.
async fn world() -> (World, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start()));
    let server = TestServer::start_with_clock(clock.clone(), |_| {}).await;
    let admin = server.admin();
    let (office, base_one) = mission_with_base(&server, "ALPHA").await;
    server.ok(&admin, "mutation { changeMissionPolicy(code: \"ALPHA\", policy: {minimumClasPerBase: 2, maxSpanOfControl: 1, fieldVisitIntervalDays: 30, maxTourMonths: 6}) { code } }", json!({})).await;
    let base_two = open_base(&server, &admin, &office, "Base Two").await;
    let base_three = open_base(&server, &admin, &office, "Base Three").await;
    let (_, bravo_base) = mission_with_base(&server, "BRAVO").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let far = "2030-12-31";
    let a = cla(&server, &hr, &base_one, "A", "200001", far).await;
    let b = cla(&server, &hr, &base_one, "B", "200002", &day(40)).await;
    let c = cla(&server, &hr, &base_two, "C", "200003", far).await;
    let d = cla(&server, &hr, &base_two, "D", "200004", far).await;
    let e = cla(&server, &hr, &base_three, "E", "200005", far).await;
    for (who, base, from) in [
        (&a, &base_one, -10),
        (&b, &base_one, -10),
        (&c, &base_two, -200),
        (&d, &base_two, -10),
        (&e, &base_three, -10),
    ] {
        deploy(&server, &ca, who, base, &day(from)).await;
    }
    server.ok(&ca, "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: LEAVE, from: $f, to: $t) { staffing { staffId } } }", json!({ "s": a, "f": day(5), "t": day(8) })).await;
    let m1 = server
        .ok(&ca, "mutation($o: String!, $f: Date!) { appointManager(input: {fieldOfficeId: $o, name: \"M1\", kind: UN_VOLUNTEER, from: $f}) { coverage { mission { spans { managerId } } } } }", json!({ "o": office, "f": day(-30) }))
        .await["appointManager"]["coverage"]["mission"]["spans"][0]["managerId"]
        .as_str()
        .unwrap()
        .to_string();
    for who in [&a, &b] {
        server.ok(&ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": m1, "s": who, "f": day(-20) })).await;
    }
    visit(&server, &ca, &m1, &base_one, -5).await;
    let w = World {
        server,
        ca,
        hr,
        base_one,
        base_two,
        base_three,
        bravo_base,
        b,
        c,
        e,
        m1,
    };
    (w, clock)
}

async fn visit(server: &TestServer, ca: &str, manager: &str, base: &str, on: i64) {
    server.ok(ca, "mutation($m: String!, $b: String!, $f: Date!) { recordFieldVisit(managerId: $m, baseId: $b, from: $f, to: $f, purpose: \"committee meeting\") { mission { clas } } }", json!({ "m": manager, "b": base, "f": day(on) })).await;
}

/// Raises a low risk flag on E until every socket shows one: the subscriptions are live.
async fn until_live(w: &World, sockets: &mut [&mut Socket]) {
    let until = Instant::now() + StdDuration::from_secs(20);
    let mut live = vec![false; sockets.len()];
    while live.contains(&false) {
        assert!(Instant::now() < until, "the subscriptions never went live");
        w.server.ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: OTHER, severity: LOW) { id } }", json!({ "s": w.e })).await;
        for (i, socket) in sockets.iter_mut().enumerate() {
            while let Some(data) = next_data(socket, StdDuration::from_millis(200)).await {
                live[i] |= data["alerts"]["kind"] == "RISK_FLAG_RAISED";
                if live[i] {
                    break;
                }
            }
        }
    }
}

type Seen = BTreeMap<(String, String), Vec<Value>>;

/// Raises a medium security flag on E (a mark in the stream of alerts) and returns, for each
/// socket, every alert of the watch it got before the mark, by (kind, subject id). Alerts arrive
/// in the order they were recorded, so nothing recorded before the mark is still to come. Every
/// socket read again later must be drained here, so that its next mark is the next one raised.
async fn alerts_until_mark(w: &World, sockets: &mut [&mut Socket]) -> Vec<Seen> {
    w.server.ok(&w.ca, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: SECURITY_INCIDENT, severity: MEDIUM) { id } }", json!({ "s": w.e })).await;
    let mut all = Vec::new();
    for socket in sockets.iter_mut() {
        let mut out = Seen::new();
        loop {
            let data = next_data(socket, StdDuration::from_secs(20))
                .await
                .expect("the mark arrives");
            let alert = data["alerts"].clone();
            if alert["kind"] == "RISK_FLAG_RAISED" {
                // The mark is the one medium flag (counts-only readers see its severity only).
                if alert["severity"] == "MEDIUM" {
                    break;
                }
                continue;
            }
            out.entry((
                alert["kind"].as_str().unwrap().to_string(),
                alert["subjectId"].as_str().unwrap_or("").to_string(),
            ))
            .or_default()
            .push(alert);
        }
        all.push(out);
    }
    all
}

fn key(kind: &str, subject: &str) -> (String, String) {
    (kind.to_string(), subject.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_the_watch_is_raised_once_cleared_and_raised_again() {
    let (w, _clock) = world().await;
    let mut ca = subscribe(&w.server, &w.ca, ALERTS, json!({})).await;
    let hq_token = w.server.token(Role::HqReviewer, &[]);
    let mut hq = subscribe(&w.server, &hq_token, ALERTS, json!({})).await;
    let mut spans = subscribe(
        &w.server,
        &w.ca,
        ALERTS,
        json!({ "k": ["MANAGER_OVER_SPAN"] }),
    )
    .await;
    until_live(&w, &mut [&mut ca, &mut hq]).await;

    let monitor = &w.server.running.state.monitor;
    let first = monitor.scan().await;
    let again = monitor.scan().await;
    assert_eq!(
        (first.raised, first.cleared),
        (10, 0),
        "seven in ALPHA, three in BRAVO"
    );
    assert_eq!(
        (again.raised, again.cleared),
        (0, 0),
        "a second look raises nothing"
    );

    let expected = [
        key("BASE_BELOW_MINIMUM", &w.base_three),
        key("FORECAST_GAP", &w.base_one),
        key("ROTATION_DUE", &w.c),
        key("APPOINTMENT_ENDING", &w.b),
        key("MANAGER_OVER_SPAN", &w.m1),
        key("BASE_NOT_VISITED", &w.base_two),
        key("BASE_NOT_VISITED", &w.base_three),
    ];
    let mut marked = alerts_until_mark(&w, &mut [&mut ca, &mut hq]).await;
    let for_hq = marked.pop().unwrap();
    let seen = marked.pop().unwrap();
    assert_eq!(
        seen.keys().cloned().collect::<Vec<_>>(),
        {
            let mut e = expected.to_vec();
            e.sort();
            e
        },
        "ALPHA's alerts, and none of BRAVO's, for a CIVIL_AFFAIRS officer of ALPHA"
    );
    for (k, alerts) in &seen {
        assert_eq!(alerts.len(), 1, "{k:?} raised once, not on every look");
        assert_eq!(alerts[0]["missionCode"], "ALPHA");
    }
    let one = |kind: &str, subject: &str| seen[&key(kind, subject)][0].clone();
    let gap = one("FORECAST_GAP", &w.base_one);
    assert_eq!(
        (gap["on"].as_str(), gap["subject"].as_str()),
        (Some(day(5).as_str()), Some("BASE"))
    );
    let ending = one("APPOINTMENT_ENDING", &w.b);
    assert_eq!(
        (
            ending["on"].as_str(),
            ending["staffId"].as_str(),
            ending["baseId"].as_str()
        ),
        (
            Some(day(40).as_str()),
            Some(w.b.as_str()),
            Some(w.base_one.as_str())
        )
    );
    let rotation = one("ROTATION_DUE", &w.c);
    // Six months are 182 days: due on day 183 of the tour, which began 200 days ago.
    assert_eq!(rotation["on"].as_str(), Some(day(-200 + 183).as_str()));
    let span = one("MANAGER_OVER_SPAN", &w.m1);
    assert_eq!(
        (span["managerId"].as_str(), span["subject"].as_str()),
        (Some(w.m1.as_str()), Some("MANAGER"))
    );
    assert!(
        span["detail"]
            .as_str()
            .unwrap()
            .contains("supervises 2 CLAs"),
        "{span}"
    );
    let below = one("BASE_BELOW_MINIMUM", &w.base_three);
    assert!(
        below["detail"]
            .as_str()
            .unwrap()
            .contains("strength 1 of minimum 2"),
        "{below}"
    );
    assert_eq!(
        one("BASE_NOT_VISITED", &w.base_two)["on"],
        Value::Null,
        "never visited"
    );

    // HQ_REVIEWER sees every mission: ALPHA's seven and BRAVO's three (its base empty, below
    // minimum and never visited).
    assert_eq!(for_hq.len(), 10);
    assert!(for_hq.values().all(|a| a.len() == 1));
    assert_eq!(
        for_hq[&key("BASE_BELOW_MINIMUM", &w.bravo_base)][0]["missionCode"],
        "BRAVO"
    );
    assert_eq!(
        for_hq[&key("BASE_EMPTY", &w.bravo_base)][0]["detail"],
        "Base One: no CLA present"
    );
    // Asked for one kind: that kind only.
    let only = next_data(&mut spans, StdDuration::from_secs(20))
        .await
        .expect("the span alert")["alerts"]
        .clone();
    assert_eq!(
        (only["kind"].as_str(), only["subjectId"].as_str()),
        (Some("MANAGER_OVER_SPAN"), Some(w.m1.as_str()))
    );

    // Base Three reaches its minimum: cleared. Then it falls below again: raised again, once,
    // as a new alert.
    let f = cla(&w.server, &w.hr, &w.base_three, "F", "200006", "2030-12-31").await;
    deploy(&w.server, &w.ca, &f, &w.base_three, &day(-1)).await;
    visit(&w.server, &w.ca, &w.m1, &w.base_two, 0).await;
    let cleared = monitor.scan().await;
    assert_eq!(
        (cleared.raised, cleared.cleared),
        (0, 2),
        "below minimum and not visited"
    );
    w.server.ok(&w.ca, "mutation($s: String!) { endDeployment(staffId: $s, reason: \"transfer\", acceptGap: \"transfer approved by the head of office\") { staffId } }", json!({ "s": f })).await;
    let back = monitor.scan().await;
    assert_eq!((back.raised, back.cleared), (1, 0));
    assert_eq!(monitor.scan().await.raised, 0);
    let seen_again = alerts_until_mark(&w, &mut [&mut ca]).await.remove(0);
    assert_eq!(
        seen_again.keys().cloned().collect::<Vec<_>>(),
        vec![key("BASE_BELOW_MINIMUM", &w.base_three)]
    );
    let raised_again = &seen_again[&key("BASE_BELOW_MINIMUM", &w.base_three)];
    assert_eq!(raised_again.len(), 1);
    assert_ne!(
        raised_again[0]["alertId"], below["alertId"],
        "a new alert, not the old one repeated"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn alerts_pass_and_clear_with_time() {
    let (w, clock) = world().await;
    let monitor = &w.server.running.state.monitor;
    monitor.scan().await;
    let active = |as_of: Option<String>| {
        let (server, hr) = (&w.server, w.hr.clone());
        async move {
            let data = server.ok(&hr, "query($d: Date) { activeAlerts(missionCode: \"ALPHA\", asOf: $d) { kind subjectId } }", json!({ "d": as_of })).await;
            data["activeAlerts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    key(
                        a["kind"].as_str().unwrap(),
                        a["subjectId"].as_str().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(active(None).await.len(), 7);
    // Eight days on, A's absence is under way: Base One is below its minimum now, and its gap
    // is no longer a forecast. B's appointment still ends within 60 days.
    clock.set(start() + Duration::days(6));
    let report = monitor.scan().await;
    assert_eq!((report.raised, report.cleared), (1, 1));
    let now = active(Some(day(6))).await;
    assert!(now.contains(&key("BASE_BELOW_MINIMUM", &w.base_one)));
    assert!(!now.contains(&key("FORECAST_GAP", &w.base_one)));
    // A is back on day 9: cleared again.
    clock.set(start() + Duration::days(9));
    let report = monitor.scan().await;
    assert_eq!((report.raised, report.cleared), (0, 1));
    // B's appointment is renewed: no longer ending.
    w.server.ok(&w.hr, "mutation($s: String!) { renewAppointment(staffId: $s, appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}) { id } }", json!({ "s": w.b })).await;
    let report = monitor.scan().await;
    assert_eq!((report.raised, report.cleared), (0, 1));
    assert!(
        !active(Some(day(9)))
            .await
            .contains(&key("APPOINTMENT_ENDING", &w.b))
    );
    // As of the first day, the seven of that day, whatever came since.
    assert_eq!(active(Some(day(0))).await.len(), 7);
    w.server.stop().await;
}

#[tokio::test]
async fn active_alerts_travel_in_time_and_keep_to_the_missions_in_scope() {
    let (w, _clock) = world().await;
    let before = Utc::now();
    w.server.running.state.monitor.scan().await;
    let query = "query($m: String!, $d: Date, $k: DateTime, $kinds: [AlertKind!]) { activeAlerts(missionCode: $m, asOf: $d, knownAt: $k, kinds: $kinds) { alertId kind subjectId } }";
    let now = w.server.ok(&w.ca, query, json!({ "m": "ALPHA" })).await;
    assert_eq!(now["activeAlerts"].as_array().unwrap().len(), 7);
    let then = w
        .server
        .ok(
            &w.ca,
            query,
            json!({ "m": "ALPHA", "k": before.to_rfc3339() }),
        )
        .await;
    assert_eq!(
        then["activeAlerts"],
        json!([]),
        "known before the watch looked: nothing"
    );
    let yesterday = w
        .server
        .ok(&w.ca, query, json!({ "m": "ALPHA", "d": day(-1) }))
        .await;
    assert_eq!(
        yesterday["activeAlerts"],
        json!([]),
        "raised today, not yesterday"
    );
    let spans = w
        .server
        .ok(
            &w.ca,
            query,
            json!({ "m": "ALPHA", "kinds": ["MANAGER_OVER_SPAN"] }),
        )
        .await;
    assert_eq!(
        spans["activeAlerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["subjectId"].clone())
            .collect::<Vec<_>>(),
        vec![json!(w.m1)]
    );
    // Another mission's officer: refused, on the mission.
    let bravo = w.server.token(Role::MissionHr, &["BRAVO"]);
    let refused = w
        .server
        .gql(Some(&bravo), query, json!({ "m": "ALPHA" }))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    // A subscription to another mission's alerts: refused too, before anything is sent.
    let mut socket = subscribe(&w.server, &bravo, ALERTS, json!({ "m": "ALPHA" })).await;
    let refusal = next_message(&mut socket, StdDuration::from_secs(20))
        .await
        .expect("an answer");
    assert_eq!(
        refusal["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refusal}"
    );
    assert_eq!(refusal["payload"]["data"], Value::Null);
    // Naming no kind at all is a mistake, not a way to hear nothing.
    let mut socket = subscribe(&w.server, &w.ca, ALERTS, json!({ "k": [] })).await;
    let refusal = next_message(&mut socket, StdDuration::from_secs(20))
        .await
        .expect("an answer");
    let error = &refusal["payload"]["errors"][0]["extensions"];
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("VALIDATION"), Some("kinds")),
        "{refusal}"
    );
    w.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_looks_by_itself_soon_after_a_change() {
    let clock = Arc::new(ManualClock::new(start()));
    // An hour between scheduled looks: what arrives here comes from the change.
    let server = TestServer::start_with_clock(clock, |c| c.scan_interval_seconds = 3600).await;
    let admin = server.admin();
    let (office, base_one) = mission_with_base(&server, "ALPHA").await;
    let mut socket = subscribe(
        &server,
        &admin,
        ALERTS,
        json!({ "m": "ALPHA", "k": ["BASE_BELOW_MINIMUM"] }),
    )
    .await;
    // The subscription goes live at some point: open bases until an alert about one arrives.
    let until = Instant::now() + StdDuration::from_secs(30);
    let mut opened = vec![base_one];
    let alert = loop {
        assert!(Instant::now() < until, "no alert followed the changes");
        opened.push(
            open_base(
                &server,
                &admin,
                &office,
                &format!("Base {}", opened.len() + 1),
            )
            .await,
        );
        if let Some(data) = next_data(&mut socket, StdDuration::from_secs(2)).await {
            break data["alerts"].clone();
        }
    };
    assert_eq!(alert["kind"], "BASE_BELOW_MINIMUM");
    assert!(
        alert["subjectId"]
            .as_str()
            .is_some_and(|s| opened.iter().any(|o| o == s)),
        "{alert}"
    );
    server.stop().await;
}

const RESUME: &str = "subscription($m: String, $after: ID) { alerts(missionCode: $m, after: $after) { alertId kind missionCode subjectId baseId staffId flagId severity at } }";

/// Raises a flag on `staff` as `ca`; its id.
async fn flag(server: &TestServer, ca: &str, staff: &str, severity: &str) -> String {
    let query = format!(
        "mutation($s: String!) {{ raiseRiskFlag(staffId: $s, category: OTHER, severity: {severity}) {{ id }} }}"
    );
    server.ok(ca, &query, json!({ "s": staff })).await["raiseRiskFlag"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The next `n` alerts of a subscription.
async fn next_alerts(socket: &mut Socket, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let data = next_data(socket, StdDuration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("alert {} of {n} arrives; so far {out:?}", out.len() + 1));
        out.push(data["alerts"].clone());
    }
    out
}

fn ids(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| a["alertId"].as_str().unwrap().to_string())
        .collect()
}

/// The ids of the alerts of the watch active in a mission.
async fn active_ids(server: &TestServer, token: &str, mission: &str) -> Vec<String> {
    let data = server
        .ok(
            token,
            "query($m: String!) { activeAlerts(missionCode: $m) { alertId } }",
            json!({ "m": mission }),
        )
        .await;
    ids(data["activeAlerts"].as_array().unwrap())
}

/// A subscription started with `after` is refused: its error's (code, field, message).
async fn refused_after(server: &TestServer, token: &str, after: &str) -> (Value, Value, Value) {
    let mut socket = subscribe(server, token, RESUME, json!({ "after": after })).await;
    let refusal = next_message(&mut socket, StdDuration::from_secs(20))
        .await
        .expect("an answer");
    assert_eq!(refusal["payload"]["data"], Value::Null, "{refusal}");
    let error = &refusal["payload"]["errors"][0];
    (
        error["extensions"]["code"].clone(),
        error["extensions"]["field"].clone(),
        error["message"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_resumes_after_the_last_alert_it_saw() {
    let clock = Arc::new(ManualClock::new(start()));
    let server = TestServer::start_with_clock(clock, |_| {}).await;
    let (_, alpha_base) = mission_with_base(&server, "ALPHA").await;
    let (_, bravo_base) = mission_with_base(&server, "BRAVO").await;
    let alpha_hr = server.token(Role::MissionHr, &["ALPHA"]);
    let alpha_ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let bravo_hr = server.token(Role::MissionHr, &["BRAVO"]);
    let bravo_ca = server.token(Role::CivilAffairs, &["BRAVO"]);
    let far = "2030-12-31";
    let x = cla(&server, &alpha_hr, &alpha_base, "X", "300001", far).await;
    let y = cla(&server, &bravo_hr, &bravo_base, "Y", "300002", far).await;
    deploy(&server, &alpha_ca, &x, &alpha_base, &day(-10)).await;
    deploy(&server, &bravo_ca, &y, &bravo_base, &day(-10)).await;

    // A subscription goes live (flags on X until one arrives), sees alerts up to a mark, and
    // loses its link.
    let mut first = subscribe(&server, &alpha_ca, RESUME, json!({})).await;
    let until = Instant::now() + StdDuration::from_secs(30);
    let mut seen = Vec::new();
    while seen.is_empty() {
        assert!(Instant::now() < until, "the subscription never went live");
        flag(&server, &alpha_ca, &x, "LOW").await;
        if let Some(data) = next_data(&mut first, StdDuration::from_millis(500)).await {
            seen.push(data["alerts"].clone());
        }
    }
    let mark = flag(&server, &alpha_ca, &x, "MEDIUM").await;
    while seen.last().unwrap()["flagId"] != mark.as_str() {
        seen.extend(next_alerts(&mut first, 1).await);
    }
    let last_seen = seen.last().unwrap()["alertId"]
        .as_str()
        .unwrap()
        .to_string();
    drop(first);

    // While it is away: alerts of both missions, of the risk register and of the watch.
    let f1 = flag(&server, &alpha_ca, &x, "HIGH").await;
    flag(&server, &bravo_ca, &y, "HIGH").await;
    server.running.state.monitor.scan().await;
    let f2 = flag(&server, &alpha_ca, &x, "CRITICAL").await;
    let watch_alpha = active_ids(&server, &alpha_hr, "ALPHA").await;
    let watch_bravo = active_ids(&server, &bravo_hr, "BRAVO").await;
    assert!(!watch_alpha.is_empty() && !watch_bravo.is_empty());

    // Back, after the last alert it saw: what ALPHA raised meanwhile, in the order recorded,
    // nothing of BRAVO, then on live with nothing twice.
    let mut back = subscribe(&server, &alpha_ca, RESUME, json!({ "after": last_seen })).await;
    let missed = next_alerts(&mut back, watch_alpha.len() + 2).await;
    assert_eq!(missed[0]["flagId"], f1.as_str(), "{missed:?}");
    assert_eq!(missed.last().unwrap()["flagId"], f2.as_str(), "{missed:?}");
    let mut of_the_watch = ids(&missed[1..missed.len() - 1]);
    of_the_watch.sort();
    let mut expected = watch_alpha.clone();
    expected.sort();
    assert_eq!(of_the_watch, expected);
    assert!(
        missed.iter().all(|a| a["missionCode"] == "ALPHA"),
        "{missed:?}"
    );
    let at: Vec<&str> = missed.iter().map(|a| a["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "in order: {at:?}");
    let before = ids(&seen);
    assert!(ids(&missed).iter().all(|id| !before.contains(id)));
    // Live: a flag, then a mark; a duplicate would come between them.
    let f3 = flag(&server, &alpha_ca, &x, "LOW").await;
    let f4 = flag(&server, &alpha_ca, &x, "MEDIUM").await;
    let live = next_alerts(&mut back, 2).await;
    assert_eq!(
        (live[0]["flagId"].as_str(), live[1]["flagId"].as_str()),
        (Some(f3.as_str()), Some(f4.as_str()))
    );
    let everything: Vec<String> = ids(&missed).into_iter().chain(ids(&live)).collect();

    // Resumed after an alert of the watch: from there on.
    let mut again = subscribe(
        &server,
        &alpha_ca,
        RESUME,
        json!({ "after": everything[1] }),
    )
    .await;
    assert_eq!(
        ids(&next_alerts(&mut again, everything.len() - 2).await),
        everything[2..].to_vec()
    );

    // A counts-only reader resumes just as well, with the alerts as it may see them.
    let mut counts = subscribe(&server, &alpha_hr, RESUME, json!({ "after": last_seen })).await;
    let redacted = next_alerts(&mut counts, everything.len()).await;
    assert_eq!(ids(&redacted), everything);
    for a in redacted.iter().filter(|a| a["kind"] == "RISK_FLAG_RAISED") {
        assert_eq!(
            (&a["flagId"], &a["staffId"], &a["subjectId"], &a["baseId"]),
            (&Value::Null, &Value::Null, &Value::Null, &Value::Null),
            "{a}"
        );
    }
    assert_eq!(redacted[0]["severity"], "HIGH");

    // An id it never saw is refused before anything is sent; another mission's alert is no
    // better known than an id made up.
    let unknown = refused_after(&server, &alpha_ca, &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(
        (unknown.0.as_str(), unknown.1.as_str()),
        (Some("VALIDATION"), Some("after")),
        "{unknown:?}"
    );
    assert_eq!(
        refused_after(&server, &alpha_ca, &watch_bravo[0]).await,
        unknown
    );
    let malformed = refused_after(&server, &alpha_ca, "not an id").await;
    assert_eq!(
        (malformed.0.as_str(), malformed.1.as_str()),
        (Some("VALIDATION"), Some("after"))
    );
    server.stop().await;
}
