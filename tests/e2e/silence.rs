//! Silences and roll calls through GraphQL over HTTP, on an injected clock: one missed-check-in
//! flag per silence (its periods counted, escalated to critical after three, closed by the next
//! check-in), a back-dated deployment not due before the system knew of it, compliance counting
//! only the periods inside its window, scans racing and a restart raising nothing twice, and a
//! field office's radio roll call, refused whole where any line is bad.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use cla_e2e::{Role, TestServer, active_staff, day, deploy, eight_today, mission_with_base};
use cla_platform::clock::ManualClock;
use serde_json::{Value, json};

/// Mission SIL (check-ins every 24 hours, 6 hours' grace): A and B at its base, deployed ten days
/// ago, checked in at `start`.
struct World {
    server: TestServer,
    clock: Arc<ManualClock>,
    ca: String,
    hr: String,
    office: String,
    base: String,
    a: String,
    b: String,
}

const CHECK_IN: &str = "mutation($s: String!, $at: DateTime, $c: CheckInChannel!) { recordCheckIn(staffId: $s, at: $at, channel: $c, welfare: OK) { checkInId } }";

async fn cla(server: &TestServer, hr: &str, base: &str, name: &str, index: &str) -> String {
    active_staff(server, hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": index })).await
}

async fn world(
    dir: Option<std::path::PathBuf>,
    start: DateTime<Utc>,
    deployed_from: &str,
    check_in: bool,
) -> World {
    let clock = Arc::new(ManualClock::new(start));
    let server = TestServer::start_with_clock(clock.clone(), |c| {
        if let Some(dir) = dir {
            c.data_dir = dir;
        }
    })
    .await;
    let (office, base) = mission_with_base(&server, "SIL").await;
    let admin = server.admin();
    server.ok(&admin, "mutation { changeMissionPolicy(code: \"SIL\", policy: {checkInIntervalHours: 24, checkInGraceHours: 6}) { code } }", json!({})).await;
    let hr = server.token(Role::MissionHr, &["SIL"]);
    let ca = server.token(Role::CivilAffairs, &["SIL"]);
    let a = cla(&server, &hr, &base, "A", "200001").await;
    let b = cla(&server, &hr, &base, "B", "200002").await;
    for who in [&a, &b] {
        deploy(&server, &ca, who, &base, deployed_from).await;
        if check_in {
            server
                .ok(
                    &ca,
                    CHECK_IN,
                    json!({ "s": who, "at": start.to_rfc3339(), "c": "PHONE" }),
                )
                .await;
        }
    }
    World {
        server,
        clock,
        ca,
        hr,
        office,
        base,
        a,
        b,
    }
}

impl World {
    async fn scan(&self) -> usize {
        self.server
            .running
            .state
            .detector
            .scan()
            .await
            .missed_check_ins
    }

    fn at(&self, offset: Duration, start: DateTime<Utc>) {
        self.clock.set(start + offset);
    }

    /// A CLA's open missed-check-in flags, from the register.
    async fn silences(&self, staff: &str) -> Vec<Value> {
        let data = self.server.ok(&self.ca, "{ riskRegister(missionCode: \"SIL\") { flags(first: 500, category: MISSED_CHECK_IN) { edges { node { id staffId severity status periodsMissed lastHeardAt notes cause } } } } }", json!({})).await;
        data["riskRegister"]["flags"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .filter(|n| n["staffId"] == staff)
            .collect()
    }

    async fn flag(&self, id: &str) -> Value {
        self.server.ok(&self.ca, "query($f: String!) { riskFlag(id: $f) { id status severity periodsMissed resolution timeline { eventType actorRole } } }", json!({ "f": id })).await["riskFlag"].clone()
    }

    async fn compliance(&self) -> Value {
        self.server.ok(&self.ca, "{ checkInCompliance(missionCode: \"SIL\") { mission { made missed } overdueCount overdue { staffId dueAt } } }", json!({})).await["checkInCompliance"].clone()
    }
}

/// The one open silence flag of a CLA, asserting there is exactly one.
async fn the_silence(w: &World, staff: &str) -> Value {
    let flags = w.silences(staff).await;
    assert_eq!(flags.len(), 1, "one flag for the silence: {flags:?}");
    flags[0].clone()
}

#[tokio::test]
async fn a_five_day_silence_raises_one_flag_counting_escalating_and_closed_by_the_next_check_in() {
    let start = eight_today();
    let w = world(None, start, &day(-10), true).await;
    let hours = Duration::hours;
    assert_eq!(w.scan().await, 0, "everyone checked in");
    w.at(hours(29), start);
    assert_eq!(w.scan().await, 0, "due at +24h, with 6 hours' grace");

    // +30h: the first period is missed: one HIGH flag, naming when A was last heard from.
    w.at(hours(30), start);
    assert_eq!(w.scan().await, 2, "one flag each for A and B");
    assert_eq!(w.scan().await, 0, "a scan again raises nothing");
    let flag = the_silence(&w, &w.a).await;
    let id = flag["id"].as_str().unwrap().to_string();
    assert_eq!(flag["severity"], "HIGH");
    assert_eq!(flag["periodsMissed"], 1);
    let heard = DateTime::parse_from_rfc3339(flag["lastHeardAt"].as_str().unwrap()).unwrap();
    assert_eq!(heard, start);
    assert!(
        flag["notes"]
            .as_str()
            .unwrap()
            .contains(&start.to_rfc3339())
            && flag["notes"]
                .as_str()
                .unwrap()
                .contains("1 check-in period missed"),
        "{flag}"
    );

    // Each further day counts on the same flag; at the third period it is CRITICAL.
    for (offset, periods, severity) in [
        (54, 2, "HIGH"),
        (78, 3, "CRITICAL"),
        (102, 4, "CRITICAL"),
        (126, 5, "CRITICAL"),
    ] {
        w.at(hours(offset), start);
        assert!(w.scan().await > 0);
        assert_eq!(w.scan().await, 0, "nothing twice at +{offset}h");
        let flag = the_silence(&w, &w.a).await;
        assert_eq!(flag["id"], id.as_str(), "the same flag");
        assert_eq!(flag["periodsMissed"], periods, "at +{offset}h");
        assert_eq!(flag["severity"], severity, "at +{offset}h");
    }
    // Five days: the escalation is recorded once, by the system.
    let detail = w.flag(&id).await;
    let events: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.starts_with("RiskFlagSeverityChanged"))
            .count(),
        1
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.starts_with("RiskFlagRaised"))
            .count(),
        1
    );

    // A's next check-in (by radio, at +127h) closes it, as the system, naming when and how.
    let back = start + hours(127);
    w.at(hours(127), start);
    w.server
        .ok(
            &w.ca,
            CHECK_IN,
            json!({ "s": w.a, "at": back.to_rfc3339(), "c": "RADIO" }),
        )
        .await;
    let closed = w.flag(&id).await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(
        closed["resolution"],
        format!("checked in at {} (RADIO)", back.to_rfc3339())
    );
    let last = closed["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["eventType"]
            .as_str()
            .unwrap()
            .starts_with("RiskFlagClosed")
    );
    assert_eq!(last["actorRole"], "SYSTEM");
    assert!(w.silences(&w.a).await.is_empty());
    assert_eq!(
        w.scan().await,
        0,
        "A checked in; B's flag already counts +126h"
    );

    // A later silence is a new flag: due +151h, missed past +157h.
    w.at(hours(157) + Duration::minutes(1), start);
    w.scan().await;
    let again = the_silence(&w, &w.a).await;
    assert_ne!(again["id"], id.as_str());
    assert_eq!(again["periodsMissed"], 1);
    assert_eq!(again["severity"], "HIGH");
    assert_eq!(
        w.flag(&id).await["status"],
        "CLOSED",
        "the old one stays closed"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn a_deployment_back_dated_ninety_days_is_first_due_one_interval_after_it_was_recorded() {
    // The clock at the wall clock's time: the deployment is recorded now.
    let start = Utc::now();
    let w = world(None, start, &day(-90), false).await;
    assert_eq!(w.scan().await, 0);
    let compliance = w.compliance().await;
    assert_eq!(compliance["mission"]["missed"], 0, "{compliance}");
    assert_eq!(compliance["overdueCount"], 0, "{compliance}");
    assert!(w.silences(&w.a).await.is_empty());

    // Not before one interval and the grace from when the system learnt of it.
    w.at(Duration::hours(30) - Duration::minutes(1), start);
    assert_eq!(w.scan().await, 0);
    assert_eq!(w.compliance().await["overdueCount"], 0);

    w.at(Duration::hours(30) + Duration::minutes(1), start);
    assert_eq!(w.scan().await, 2, "one flag each for A and B");
    let flag = the_silence(&w, &w.a).await;
    assert_eq!(flag["periodsMissed"], 1, "one period, not 89 days");
    assert_eq!(flag["lastHeardAt"], Value::Null, "never checked in");
    let compliance = w.compliance().await;
    assert_eq!(compliance["mission"]["missed"], 2, "{compliance}");
    assert_eq!(compliance["overdueCount"], 2, "{compliance}");
    w.server.stop().await;
}

#[tokio::test]
async fn compliance_counts_only_the_missed_periods_inside_its_thirty_days() {
    let start = eight_today();
    let w = world(None, start, &day(-10), true).await;
    // B keeps checking in; A is silent for 40 days.
    for d in 1..=40 {
        w.at(Duration::days(d), start);
        w.server
            .ok(
                &w.ca,
                CHECK_IN,
                json!({ "s": w.b, "at": (start + Duration::days(d)).to_rfc3339(), "c": "SMS" }),
            )
            .await;
    }
    w.at(Duration::days(40), start);
    w.scan().await;
    let flag = the_silence(&w, &w.a).await;
    // Periods due from day 1 at 08:00 daily, each missed past its grace: 39 by day 40 08:00.
    assert_eq!(flag["periodsMissed"], 39);
    assert!(w.silences(&w.b).await.is_empty(), "B checked in daily");
    let compliance = w.compliance().await;
    // The 30 days to day 40 are days 11 to 40: A's periods due on days 11 to 39, B's 30
    // check-ins.
    assert_eq!(compliance["mission"]["missed"], 29, "{compliance}");
    assert_eq!(compliance["mission"]["made"], 30, "{compliance}");
    w.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scans_at_once_and_a_restart_raise_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let start = eight_today();
    let w = world(Some(dir.path().to_path_buf()), start, &day(-10), true).await;
    // +80h: three periods missed (+24h, +48h, +72h, each with 6 hours' grace): per CLA, one flag
    // raised, counted to 3 and escalated.
    w.at(Duration::hours(80), start);
    let scans: Vec<_> = (0..2)
        .map(|_| {
            let detector = w.server.running.state.detector.clone();
            tokio::spawn(async move { detector.scan().await.missed_check_ins })
        })
        .collect();
    let mut total = 0;
    for scan in scans {
        total += scan.await.unwrap();
    }
    assert_eq!(
        total, 6,
        "three events for each of A and B, whichever scan wrote them"
    );
    let mut ids = Vec::new();
    for who in [&w.a, &w.b] {
        let flag = the_silence(&w, who).await;
        assert_eq!(flag["periodsMissed"], 3);
        assert_eq!(flag["severity"], "CRITICAL");
        ids.push(flag["id"].clone());
    }
    let head = w.server.written_head().await;
    let (a, b) = (w.a.clone(), w.b.clone());
    let clock = w.clock.clone();
    w.server.stop().await;

    // The same data, started again: the scan raises nothing, and later periods count on the
    // same flags.
    let again =
        TestServer::start_with_clock(clock.clone(), |c| c.data_dir = dir.path().to_path_buf())
            .await;
    again.ready().await;
    assert_eq!(
        again.running.state.detector.scan().await.missed_check_ins,
        0
    );
    assert_eq!(again.written_head().await, head);
    clock.set(start + Duration::hours(104));
    assert_eq!(
        again.running.state.detector.scan().await.missed_check_ins,
        2
    );
    let ca = again.token(Role::CivilAffairs, &["SIL"]);
    let data = again.ok(&ca, "{ riskRegister(missionCode: \"SIL\") { flags(first: 500, category: MISSED_CHECK_IN) { totalCount edges { node { id staffId periodsMissed } } } } }", json!({})).await;
    let flags = data["riskRegister"]["flags"]["edges"].as_array().unwrap();
    assert_eq!(flags.len(), 2, "{data}");
    for (who, id) in [(&a, &ids[0]), (&b, &ids[1])] {
        let node = &flags
            .iter()
            .find(|e| e["node"]["staffId"] == who.as_str())
            .unwrap()["node"];
        assert_eq!(&node["id"], id);
        assert_eq!(node["periodsMissed"], 4);
    }
    again.stop().await;
}

const ROLL_CALL: &str = "mutation($o: String!, $at: DateTime, $heard: [HeardInput!]!) { recordRollCall(input: {fieldOfficeId: $o, at: $at, heard: $heard}) { staffId checkInId at raisedFlagId } }";

/// The CLA's check-ins as stored: (channel, welfare) each.
async fn stored_check_ins(server: &TestServer, staff: &str) -> Vec<(String, String)> {
    let stream = cla_event_store::StreamName::keyed("risk-", staff);
    cla_event_store::read_stream_to_end(server.running.state.store.as_ref(), &stream)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type.as_str().starts_with("CheckInRecorded"))
        .map(|e| {
            let data: Value = serde_json::from_slice(&e.data).unwrap();
            (
                data["channel"].as_str().unwrap_or_default().to_string(),
                data["welfare"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_roll_call_records_a_radio_check_in_for_each_cla_heard_or_nothing() {
    let start = eight_today();
    let w = world(None, start, &day(-10), false).await;
    // C is registered at the base but not deployed; D is deployed in another mission.
    let c = cla(&w.server, &w.hr, &w.base, "C", "200003").await;
    let (_, other_base) = mission_with_base(&w.server, "OTHER").await;
    let other_hr = w.server.token(Role::MissionHr, &["OTHER"]);
    let other_ca = w.server.token(Role::CivilAffairs, &["OTHER"]);
    let d = cla(&w.server, &other_hr, &other_base, "D", "200004").await;
    deploy(&w.server, &other_ca, &d, &other_base, &day(-10)).await;
    // A has been silent since the deployment: a flag the roll call closes.
    w.at(Duration::days(2), start);
    w.scan().await;
    let silence = the_silence(&w, &w.a).await;
    let at = start + Duration::days(2) - Duration::minutes(30);
    let store = &w.server.running.state.store;

    // One bad line or more: refused whole, each bad line named, nothing written.
    let head = store.head().await.unwrap();
    let bad = w
        .server
        .gql(
            Some(&w.ca),
            ROLL_CALL,
            json!({ "o": w.office, "at": at.to_rfc3339(), "heard": [
                { "staffId": w.a, "welfare": "OK" },
                { "staffId": "no-such-cla", "welfare": "OK" },
                { "staffId": w.b, "welfare": "OK" },
                { "staffId": w.a, "welfare": "OK" },
                { "staffId": c, "welfare": "OK" },
                { "staffId": d, "welfare": "OK" },
            ] }),
        )
        .await;
    assert_eq!(bad.code(), "VALIDATION", "{}", bad.body);
    assert_eq!(bad.field(), Some("heard[1].staffId"));
    let lines: Vec<&str> = bad.body["errors"][0]["extensions"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "heard[1].staffId",
            "heard[3].staffId",
            "heard[4].staffId",
            "heard[5].staffId"
        ]
    );
    let message = bad.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("listed twice"), "{message}");
    assert!(message.contains("not deployed"), "{message}");
    // Unknown and another mission's CLA read alike.
    assert!(
        message.contains(&format!("no CLA {d} in mission SIL")),
        "{message}"
    );
    assert_eq!(store.head().await.unwrap(), head, "nothing written");

    // A roll call in the future: refused on `at`, nothing written.
    let future = w
        .server
        .gql(
            Some(&w.ca),
            ROLL_CALL,
            json!({ "o": w.office, "at": (start + Duration::days(3)).to_rfc3339(), "heard": [{ "staffId": w.a, "welfare": "OK" }] }),
        )
        .await;
    assert_eq!((future.code(), future.field()), ("VALIDATION", Some("at")));
    // Those who may not record check-ins for the mission: refused, nothing written.
    for token in [&w.hr, &other_ca] {
        let refused = w
            .server
            .gql(
                Some(token),
                ROLL_CALL,
                json!({ "o": w.office, "heard": [{ "staffId": w.a, "welfare": "OK" }] }),
            )
            .await;
        assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.body);
    }
    assert_eq!(store.head().await.unwrap(), head, "nothing written");

    // All good: one RADIO check-in each, with its welfare.
    let done = w
        .server
        .ok(
            &w.ca,
            ROLL_CALL,
            json!({ "o": w.office, "at": at.to_rfc3339(), "heard": [
                { "staffId": w.a, "welfare": "OK" },
                { "staffId": w.b, "welfare": "NEEDS_ASSISTANCE", "notes": "asks for a doctor" },
            ] }),
        )
        .await;
    let done = done["recordRollCall"].as_array().unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0]["staffId"], w.a.as_str());
    assert_eq!(
        DateTime::parse_from_rfc3339(done[0]["at"].as_str().unwrap()).unwrap(),
        at
    );
    assert!(done[0]["raisedFlagId"].is_null());
    assert!(
        done[1]["raisedFlagId"].is_string(),
        "needs assistance raises a flag"
    );
    assert_eq!(
        stored_check_ins(&w.server, &w.a).await,
        [("CHANNEL_RADIO".to_string(), "WELFARE_OK".to_string())]
    );
    assert_eq!(
        stored_check_ins(&w.server, &w.b).await,
        [(
            "CHANNEL_RADIO".to_string(),
            "WELFARE_NEEDS_ASSISTANCE".to_string()
        )]
    );
    // A's silence is over: closed by the roll call's check-in.
    let closed = w.flag(silence["id"].as_str().unwrap()).await;
    assert_eq!(
        closed["resolution"],
        format!("checked in at {} (RADIO)", at.to_rfc3339())
    );
    w.server.stop().await;
}
