//! Telemetry as an operator reads it: one span per request with its route, status, operation,
//! caller and correlation id; command spans with their kind and stream, never their fields; and
//! one correlation id carried from the request into every event it caused (one registration: the
//! index number's claim and the onboarding).

use cla_e2e::{Captured, TestServer, mission_with_base};
use cla_event_store::{Direction, StreamFrom, StreamName};
use serde_json::json;

const MARKER_NAME: &str = "Zq7NameMarker";
const MARKER_HOME: &str = "Zq7HomeMarker";

#[tokio::test]
async fn a_request_is_one_span_and_one_correlation_id_and_its_fields_are_never_logged() {
    let captured = Captured::default();
    let log_config = cla_gateway::Config {
        log: "trace".into(),
        ..Default::default()
    };
    cla_gateway::telemetry::init_with_writer(&log_config, captured.clone());

    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = server.token(cla_e2e::Role::MissionHr, &["ALPHA"]);
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&hr)
        .json(&json!({
            "query": "mutation Register($base: String!, $name: String!, $home: String!) { registerStaffMember(input: {baseId: $base, name: $name, gender: FEMALE, languages: [{language: \"Swahili\", level: \"NATIVE\"}], homeCommunity: $home, indexNumber: \"770077\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }",
            "variables": { "base": base, "name": MARKER_NAME, "home": MARKER_HOME },
            "operationName": "Register",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response
        .headers()
        .get("x-request-id")
        .expect("the response names its correlation id")
        .to_str()
        .unwrap()
        .to_string();
    let body: serde_json::Value = response.json().await.unwrap();
    let staff_id = body["data"]["registerStaffMember"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();

    // The registration's events all carry the request's correlation id.
    let store = &server.running.state.store;
    let mut correlations = Vec::new();
    for stream in [
        format!("staff-{staff_id}"),
        "index-number-770077".to_string(),
    ] {
        let events = store
            .read_stream(
                &StreamName::new(&stream).unwrap(),
                StreamFrom::Start,
                Direction::Forwards,
                100,
            )
            .await
            .unwrap();
        assert!(!events.is_empty(), "{stream} was written");
        correlations.extend(events.iter().map(|e| e.metadata.correlation_id.to_string()));
    }
    assert!(
        correlations.iter().all(|c| *c == request_id),
        "{correlations:?} vs {request_id}"
    );

    // The same question asked twice (one that shows no personal data, whose answer is kept): the
    // second is the kept answer, given without reading the question again, and its request line names the operation as the first one's does.
    let mut asked = Vec::new();
    for _ in 0..2 {
        let response = reqwest::Client::new()
            .post(format!("{}/graphql", server.base))
            .bearer_auth(&hr)
            .json(&json!({
                "query": "query Who { __typename }",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["data"]["__typename"], "Query", "{body}");
        asked.push(id);
    }
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(server.admin())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let kept = metrics
        .lines()
        .find(|l| l.starts_with("cla_query_answers") && l.contains("outcome=\"kept\""))
        .unwrap_or_else(|| panic!("no kept answers counted in:\n{metrics}"));
    assert!(
        kept.ends_with(" 1"),
        "the second answer was not the kept one: {kept}"
    );

    server.stop().await;
    let logs = captured.text();
    for id in &asked {
        let line = logs
            .lines()
            .find(|l| l.contains("request served") && l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("no request line for {id} in:\n{logs}"));
        assert!(
            line.contains("operation=Who"),
            "operation missing from: {line}"
        );
    }
    let served = logs
        .lines()
        .find(|l| l.contains("request served") && l.contains(&request_id))
        .unwrap_or_else(|| panic!("no request line for {request_id} in:\n{logs}"));
    for part in [
        "method=POST",
        "route=/graphql",
        "operation=Register",
        "caller=mission_hr-user",
        "status=200",
        "latency_ms=",
    ] {
        assert!(served.contains(part), "{part} missing from: {served}");
    }
    let command = logs
        .lines()
        .find(|l| l.contains("command accepted") && l.contains("kind=Onboard"))
        .unwrap_or_else(|| panic!("no command line in:\n{logs}"));
    for part in [
        format!("stream=staff-{staff_id}"),
        format!("correlation_id={request_id}"),
        "expected=".to_string(),
        "position=".to_string(),
    ] {
        assert!(command.contains(&part), "{part} missing from: {command}");
    }
    for marker in [MARKER_NAME, MARKER_HOME] {
        assert!(
            !logs.contains(marker),
            "a command's field reached the log: {}",
            logs.lines().find(|l| l.contains(marker)).unwrap()
        );
    }
}

/// Mutations sent over one websocket carry the socket's one correlation id into their events.
#[tokio::test]
async fn websocket_mutations_carry_the_sockets_correlation_id() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    const CREATE: &str = "mutation($c: String!) { createMission(input: {code: $c, name: \"Mission\", country: \"Country\", effective: \"2024-01-01\"}) { code } }";
    let server = TestServer::start().await;
    let admin = server.admin();
    let wait = std::time::Duration::from_secs(10);
    let mut socket = cla_e2e::subscribe(&server, &admin, CREATE, json!({ "c": "WSA" })).await;
    let first = cla_e2e::next_data(&mut socket, wait)
        .await
        .expect("an answer");
    assert_eq!(first["createMission"]["code"], "WSA");
    socket
        .send(Message::text(
            json!({ "id": "b", "type": "subscribe", "payload": { "query": CREATE, "variables": { "c": "WSB" } } })
                .to_string(),
        ))
        .await
        .unwrap();
    let second = loop {
        let m = cla_e2e::next_message(&mut socket, wait)
            .await
            .expect("an answer");
        if m["id"] == "b" && m["type"] == "next" {
            break m;
        }
    };
    assert_eq!(second["payload"]["data"]["createMission"]["code"], "WSB");
    let mut ids = Vec::new();
    for code in ["WSA", "WSB"] {
        let events = server
            .running
            .state
            .store
            .read_stream(
                &StreamName::new(format!("mission-{code}")).unwrap(),
                StreamFrom::Start,
                Direction::Forwards,
                10,
            )
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        ids.push(events[0].metadata.correlation_id);
    }
    assert_eq!(ids[0], ids[1], "one socket, one correlation id");
    server.stop().await;
}
