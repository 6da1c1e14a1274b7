//! Through the real server: a refused registration writes nothing at all — the store's head does
//! not move, and no index number is claimed and given back.

use cla_e2e::{Role, TestServer, mission_with_base};
use cla_event_store::{StreamName, read_stream_to_end};
use serde_json::json;

const REGISTER: &str = "mutation($base: String!, $name: String!, $index: String!, $grade: String!, $kind: AppointmentType!, $start: Date!, $end: Date!) { registerStaffMember(input: {baseId: $base, name: $name, gender: FEMALE, languages: [{language: \"Swahili\", level: \"FLUENT\"}], homeCommunity: \"Beni\", indexNumber: $index, grade: $grade, appointment: {type: $kind, start: $start, end: $end}, effective: \"2024-02-15\"}) { id indexNumber } }";

#[tokio::test]
async fn a_refused_registration_writes_nothing() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let store = server.running.state.store.clone();
    let register = |name: &str, index: &str, grade: &str, kind: &str, start: &str, end: &str| json!({ "base": base, "name": name, "index": index, "grade": grade, "kind": kind, "start": start, "end": end });
    let refused = [
        (
            "grade GS-9",
            register(
                "Amani K.",
                "880001",
                "GS-9",
                "FIXED_TERM",
                "2024-01-01",
                "2025-12-31",
            ),
            "grade",
        ),
        (
            "a blank name",
            register(
                "   ",
                "880002",
                "GS-4",
                "FIXED_TERM",
                "2024-01-01",
                "2025-12-31",
            ),
            "name",
        ),
        (
            "an appointment ending before it starts",
            register(
                "Amani K.",
                "880003",
                "GS-4",
                "FIXED_TERM",
                "2024-06-01",
                "2024-05-31",
            ),
            "appointment.end",
        ),
        (
            "a two-year temporary appointment",
            register(
                "Amani K.",
                "880004",
                "GS-4",
                "TEMPORARY",
                "2024-01-01",
                "2025-12-31",
            ),
            "appointment.end",
        ),
    ];
    for (what, variables, field) in refused {
        let index = variables["index"].as_str().unwrap().to_string();
        let before = store.head().await.unwrap();
        let answer = server.gql(Some(&hr), REGISTER, variables).await;
        assert_eq!(
            (answer.code(), answer.field()),
            ("VALIDATION", Some(field)),
            "{what}: {}",
            answer.body
        );
        assert_eq!(
            store.head().await.unwrap(),
            before,
            "{what}: the store's head moved"
        );
        let claims = read_stream_to_end(
            store.as_ref(),
            &StreamName::new(format!("index-number-{index}")).unwrap(),
        )
        .await
        .unwrap();
        assert!(
            claims.is_empty(),
            "{what}: index number {index} was written to"
        );
    }

    // The same registration made right writes: the claim and the staff member.
    let before = store.head().await.unwrap().unwrap();
    let data = server
        .ok(
            &hr,
            REGISTER,
            register(
                "Amani K.",
                "880001",
                "GS-4",
                "TEMPORARY",
                "2024-01-01",
                "2024-12-01",
            ),
        )
        .await;
    assert_eq!(data["registerStaffMember"]["indexNumber"], "880001");
    assert!(store.head().await.unwrap().unwrap().0 >= before.0 + 2);
    let claims = read_stream_to_end(
        store.as_ref(),
        &StreamName::new("index-number-880001").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(claims.len(), 1, "claimed once, and kept");
    server.stop().await;
}
