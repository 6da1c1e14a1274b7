//! Idempotency keys over HTTP against the real server: a mutation sent again with its key gets the
//! first answer, byte for byte, and writes nothing; the same key for another request is a
//! conflict; the argument form, two requests at once, a restart, another caller, the retention,
//! a refused request corrected under its key, and a websocket mutation with its key.

use std::sync::Arc;
use std::time::Duration;

use cla_e2e::{Role, TestServer, active_staff, connect, day, deploy, mission_with_base};
use cla_event_store::AllFrom;
use cla_platform::clock::ManualClock;
use serde_json::{Value, json};

const THREAT: &str = "mutation($s: String!, $n: String) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT, notes: $n) { checkInId at raisedFlagId } }";
const THREAT_WITH_ARGUMENT: &str = "mutation($s: String!, $k: String) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT, idempotencyKey: $k) { checkInId at raisedFlagId } }";

/// A raw answer: status and the body's bytes as sent.
struct Raw {
    status: u16,
    body: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    #[track_caller]
    fn code(&self) -> String {
        let body = self.json();
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code: {body}"))
            .to_string()
    }

    fn field(&self) -> Option<String> {
        self.json()["errors"][0]["extensions"]["field"]
            .as_str()
            .map(str::to_string)
    }

    #[track_caller]
    fn data(&self) -> Value {
        let body = self.json();
        assert_eq!(self.status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }
}

/// Posts a GraphQL request as `token`, with an `Idempotency-Key` header where `key` is given.
async fn post(
    server: &TestServer,
    token: &str,
    key: Option<&str>,
    query: &str,
    variables: Value,
) -> Raw {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("a body").to_vec();
    Raw { status, body }
}

/// A mission with one active CLA deployed to its base: the server, the civil affairs officer's
/// token and the CLA's id.
struct World {
    server: TestServer,
    ca: String,
    cla: String,
}

impl World {
    /// Posts a GraphQL request as the civil affairs officer.
    async fn send(&self, key: Option<&str>, query: &str, variables: Value) -> Raw {
        post(&self.server, &self.ca, key, query, variables).await
    }
}

async fn world(server: TestServer) -> World {
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let cla = active_staff(&server, &hr, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Amani\", gender: FEMALE, indexNumber: \"200001\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base })).await;
    deploy(&server, &ca, &cla, &base, &day(-10)).await;
    World { server, ca, cla }
}

/// How many events of `event_type` the store holds.
async fn stored(server: &TestServer, event_type: &str) -> usize {
    let store = &server.running.state.store;
    let mut count = 0;
    let mut from = AllFrom::Start;
    loop {
        let page = store.read_all(from, 1000).await.expect("the store reads");
        count += page
            .iter()
            .filter(|e| e.event_type.as_str() == event_type)
            .count();
        match page.last() {
            Some(last) if page.len() == 1000 => from = AllFrom::After(last.position),
            _ => return count,
        }
    }
}

async fn head(server: &TestServer) -> u64 {
    let head = server.running.state.store.head().await.expect("the head");
    head.map_or(0, |p| p.0)
}

async fn check_ins(server: &TestServer) -> (usize, usize) {
    (
        stored(server, "CheckInRecorded.v1").await,
        stored(server, "RiskFlagRaised.v1").await,
    )
}

#[tokio::test]
async fn a_threat_check_in_sent_twice_with_one_key_is_recorded_once() {
    let w = world(TestServer::start().await).await;
    let vars = json!({ "s": w.cla, "n": "followed home" });
    let first = w.send(Some("\"check-in-1\""), THREAT, vars.clone()).await;
    assert!(first.data()["recordCheckIn"]["raisedFlagId"].is_string());
    let after_first = head(&w.server).await;
    assert_eq!(check_ins(&w.server).await, (1, 1));

    let second = w.send(Some("\"check-in-1\""), THREAT, vars.clone()).await;
    assert_eq!(second.status, first.status);
    assert_eq!(second.body, first.body, "the first answer, byte for byte");
    assert_eq!(head(&w.server).await, after_first, "nothing written");
    assert_eq!(check_ins(&w.server).await, (1, 1));

    // The key as a bare header value is the same key.
    let bare = w.send(Some("check-in-1"), THREAT, vars).await;
    assert_eq!(bare.body, first.body);
    assert_eq!(head(&w.server).await, after_first);

    let (_, metrics) = w.server.metrics().await;
    assert!(
        metrics.contains("cla_idempotent_requests_total{outcome=\"replayed\"} 2"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("check-in-1"),
        "the key is never in the figures"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn the_same_key_for_a_different_request_is_a_conflict_and_writes_nothing() {
    let w = world(TestServer::start().await).await;
    w.send(Some("k-2"), THREAT, json!({ "s": w.cla, "n": "first" }))
        .await
        .data();
    let before = head(&w.server).await;
    let other = w
        .send(Some("k-2"), THREAT, json!({ "s": w.cla, "n": "second" }))
        .await;
    assert_eq!(other.status, 422, "{}", other.json());
    assert_eq!(other.code(), "CONFLICT");
    assert_eq!(other.field().as_deref(), Some("Idempotency-Key"));
    assert_eq!(head(&w.server).await, before, "nothing written");
    assert_eq!(check_ins(&w.server).await, (1, 1));

    // The same request laid out differently (white space, variables in another order) is the
    // same request.
    let relaid = THREAT.replace(", ", ",\n    ");
    let same = w
        .send(Some("k-2"), &relaid, json!({ "n": "first", "s": w.cla }))
        .await;
    assert_eq!(same.status, 200, "{}", same.json());
    assert_eq!(head(&w.server).await, before);
    w.server.stop().await;
}

#[tokio::test]
async fn the_argument_gives_the_key_and_must_agree_with_the_header() {
    let w = world(TestServer::start().await).await;
    let vars = json!({ "s": w.cla, "k": "arg-1" });
    let first = w.send(None, THREAT_WITH_ARGUMENT, vars.clone()).await;
    first.data();
    let before = head(&w.server).await;
    let again = w.send(None, THREAT_WITH_ARGUMENT, vars.clone()).await;
    assert_eq!(again.body, first.body);
    // The header with the same key agrees: the same answer.
    let agreeing = w.send(Some("arg-1"), THREAT_WITH_ARGUMENT, vars).await;
    assert_eq!(agreeing.body, first.body);
    assert_eq!(head(&w.server).await, before);

    let disagreeing = w
        .send(
            Some("header-1"),
            THREAT_WITH_ARGUMENT,
            json!({ "s": w.cla, "k": "arg-2" }),
        )
        .await;
    assert_eq!(disagreeing.status, 400, "{}", disagreeing.json());
    assert_eq!(disagreeing.code(), "VALIDATION");
    assert_eq!(disagreeing.field().as_deref(), Some("idempotencyKey"));

    // Malformed keys are refused before anything runs, in the header and in the argument.
    let long = "k".repeat(256);
    for (header, argument, field) in [
        (Some(long.as_str()), None, "Idempotency-Key"),
        (Some("tab\there"), None, "Idempotency-Key"),
        (None, Some(long.as_str()), "idempotencyKey"),
        (None, Some("bell\u{7}"), "idempotencyKey"),
    ] {
        let refused = w
            .send(
                header,
                THREAT_WITH_ARGUMENT,
                json!({ "s": w.cla, "k": argument }),
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.json());
        assert_eq!(refused.code(), "VALIDATION");
        assert_eq!(refused.field().as_deref(), Some(field));
    }
    assert_eq!(head(&w.server).await, before, "nothing written");
    assert_eq!(check_ins(&w.server).await, (1, 1));

    // A query with a key is simply run.
    let query = w
        .send(
            Some("q-1"),
            "{ riskRegister(missionCode: \"ALPHA\") { flags(first: 5) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(query.data()["riskRegister"]["flags"]["totalCount"], 1);
    assert_eq!(head(&w.server).await, before);
    w.server.stop().await;
}

#[tokio::test]
async fn two_requests_at_once_with_one_key_write_once() {
    let w = world(TestServer::start().await).await;
    let vars = json!({ "s": w.cla, "n": "at once" });
    let (a, b) = tokio::join!(
        w.send(Some("race-1"), THREAT, vars.clone()),
        w.send(Some("race-1"), THREAT, vars.clone()),
    );
    a.data();
    assert_eq!(b.status, 200, "{}", b.json());
    assert_eq!(a.body, b.body, "the second is given the first's answer");
    assert_eq!(check_ins(&w.server).await, (1, 1));
    w.server.stop().await;
}

#[tokio::test]
async fn a_kept_answer_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let w = world(TestServer::start_with(|c| c.data_dir = path.clone()).await).await;
    let vars = json!({ "s": w.cla, "n": "before the restart" });
    let first = w.send(Some("restart-1"), THREAT, vars.clone()).await;
    first.data();
    w.server.stop().await;

    let server = TestServer::start_with(|c| c.data_dir = path.clone()).await;
    server.ready().await;
    let before = head(&server).await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let again = post(&server, &ca, Some("restart-1"), THREAT, vars).await;
    assert_eq!(again.body, first.body, "the first answer, after a restart");
    assert_eq!(head(&server).await, before, "nothing written");
    assert_eq!(check_ins(&server).await, (1, 1));
    server.stop().await;
}

#[tokio::test]
async fn another_caller_s_same_key_is_another_key() {
    let w = world(TestServer::start().await).await;
    let vars = json!({ "s": w.cla, "n": "same words" });
    let first = w.send(Some("shared-1"), THREAT, vars.clone()).await;
    first.data();
    let colleague = w
        .server
        .auth
        .mint(
            "another-officer",
            "Another Officer",
            &[Role::CivilAffairs],
            &["ALPHA".to_string()],
            Duration::from_secs(3600),
        )
        .unwrap();
    let theirs = post(&w.server, &colleague, Some("shared-1"), THREAT, vars).await;
    theirs.data();
    assert_ne!(theirs.body, first.body, "their own check-in");
    assert_eq!(check_ins(&w.server).await.0, 2);
    w.server.stop().await;
}

#[tokio::test]
async fn past_the_retention_a_key_runs_again() {
    let clock = Arc::new(ManualClock::new(cla_e2e::eight_today()));
    let w = world(
        TestServer::start_with_clock(clock.clone(), |c| c.idempotency_retention_hours = 24).await,
    )
    .await;
    let vars = json!({ "s": w.cla, "n": "late" });
    let first = w.send(Some("old-1"), THREAT, vars.clone()).await;
    first.data();
    clock.advance(chrono::Duration::hours(23));
    let within = w.send(Some("old-1"), THREAT, vars.clone()).await;
    assert_eq!(within.body, first.body, "still kept");
    assert_eq!(check_ins(&w.server).await.0, 1);

    clock.advance(chrono::Duration::hours(2));
    let past = w.send(Some("old-1"), THREAT, vars.clone()).await;
    past.data();
    assert_ne!(past.body, first.body, "run again: a new check-in");
    assert_eq!(check_ins(&w.server).await.0, 2);
    let replayed = w.send(Some("old-1"), THREAT, vars).await;
    assert_eq!(replayed.body, past.body, "and kept again");
    assert_eq!(check_ins(&w.server).await.0, 2);
    w.server.stop().await;
}

#[tokio::test]
async fn a_refused_request_corrected_under_its_key_runs() {
    let w = world(TestServer::start().await).await;
    // A check-in in the future is refused, nothing written: the key is given back.
    let wrong = "mutation($s: String!, $at: DateTime) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: UNDER_THREAT) { checkInId at raisedFlagId } }";
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let refused = w
        .send(Some("fix-1"), wrong, json!({ "s": w.cla, "at": tomorrow }))
        .await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.code(), "VALIDATION", "{}", refused.json());
    assert_eq!(check_ins(&w.server).await, (0, 0));

    let corrected = w
        .send(Some("fix-1"), wrong, json!({ "s": w.cla, "at": null }))
        .await;
    corrected.data();
    assert_eq!(check_ins(&w.server).await, (1, 1));
    let again = w
        .send(Some("fix-1"), wrong, json!({ "s": w.cla, "at": null }))
        .await;
    assert_eq!(again.body, corrected.body);
    // The refused request, sent again, is now another request under a used key.
    let stale = w
        .send(Some("fix-1"), wrong, json!({ "s": w.cla, "at": tomorrow }))
        .await;
    assert_eq!(stale.status, 422);
    assert_eq!(check_ins(&w.server).await, (1, 1));
    w.server.stop().await;
}

#[tokio::test]
async fn a_websocket_mutation_with_a_key_in_its_extensions_is_recorded_once() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let w = world(TestServer::start().await).await;
    let mut socket = connect(&w.server, &w.ca).await;
    let mut answers = Vec::new();
    for id in ["1", "2"] {
        let subscribe = json!({
            "id": id,
            "type": "subscribe",
            "payload": {
                "query": THREAT,
                "variables": { "s": w.cla, "n": "by socket" },
                "extensions": { "idempotencyKey": "ws-1" },
            },
        });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let Message::Text(text) = socket.next().await.unwrap().unwrap() else {
                    continue;
                };
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] == "next" && message["id"] == id {
                    return message["payload"].clone();
                }
            }
        })
        .await
        .expect("an answer");
        assert!(answer.get("errors").is_none(), "{answer}");
        answers.push(answer);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(check_ins(&w.server).await, (1, 1));
    w.server.stop().await;
}

#[tokio::test]
async fn registering_a_staff_member_twice_with_its_key_registers_once() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "BRAVO").await;
    let hr = server.token(Role::MissionHr, &["BRAVO"]);
    let register = "mutation($b: String!, $k: String) { registerStaffMember(input: {baseId: $b, name: \"Baraka\", gender: MALE, indexNumber: \"300001\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}, idempotencyKey: $k) { id } }";
    let vars = json!({ "b": base, "k": "register-1" });
    let first = post(&server, &hr, None, register, vars.clone()).await;
    first.data();
    let again = post(&server, &hr, None, register, vars).await;
    assert_eq!(
        again.body, first.body,
        "the first answer, not a duplicate refused"
    );
    assert_eq!(stored(&server, "StaffMemberOnboarded.v1").await, 1);
    // Without a key the same registration is a duplicate index number, refused.
    let unkeyed = post(&server, &hr, None, register, json!({ "b": base })).await;
    assert_eq!(unkeyed.code(), "CONFLICT", "{}", unkeyed.json());
    server.stop().await;
}
