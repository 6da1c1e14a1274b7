//! A websocket lives no longer than the token it was opened with: at the token's expiry the
//! server closes it with 4403 (Forbidden), and what the client sends after that is not run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cla_e2e::{Role, TestServer, connect, mission_with_base};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const RENAME: &str = "mutation($n: String!) { renameMission(code: \"ALPHA\", name: $n, country: \"Country\") { name } }";

fn mutation(id: &str, name: &str) -> Message {
    Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": RENAME, "variables": { "n": name } } })
            .to_string(),
    )
}

/// Waits for the answer to operation `id`, asserting the socket stays open meanwhile.
async fn answer(socket: &mut cla_e2e::Socket, id: &str) -> Value {
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(until, socket.next())
            .await
            .expect("an answer")
            .unwrap()
            .unwrap();
        assert!(!matches!(message, Message::Close(_)), "closed: {message:?}");
        let Message::Text(text) = message else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "next" && v["id"] == id {
            return v;
        }
    }
}

async fn mission_name(server: &TestServer) -> String {
    let data = server
        .ok(
            &server.admin(),
            "{ mission(code: \"ALPHA\") { name } }",
            json!({}),
        )
        .await;
    data["mission"]["name"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_socket_is_closed_at_its_tokens_expiry_and_runs_nothing_sent_after() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    let token = server.token_for(Role::Admin, &[], Duration::from_secs(3));
    let expires_at = server
        .auth
        .sign_in(Some(&format!("Bearer {token}")))
        .await
        .expect("the token is valid now")
        .expires_at;
    let mut socket = connect(&server, &token).await;

    // While the token is valid, the socket runs what it is sent.
    socket
        .send(mutation("before", "Renamed in time"))
        .await
        .unwrap();
    let v = answer(&mut socket, "before").await;
    assert_eq!(
        v["payload"]["data"]["renameMission"]["name"], "Renamed in time",
        "{v}"
    );
    assert_eq!(mission_name(&server).await, "Renamed in time");

    // The token's expiry is what the test is about: let it pass (a second past it), then send.
    let expiry = UNIX_EPOCH + Duration::from_secs(expires_at) + Duration::from_secs(1);
    let left = expiry.duration_since(SystemTime::now()).unwrap_or_default();
    tokio::time::sleep(left).await;
    // The server may already have closed the socket: a refused send is as good as an unrun one.
    let _ = socket.send(mutation("after", "Renamed too late")).await;

    let until = tokio::time::Instant::now() + Duration::from_secs(15);
    let close = loop {
        let message = tokio::time::timeout_at(until, socket.next())
            .await
            .expect("the server closes the socket");
        match message {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(Message::Text(text))) => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(v["id"], "after", "nothing runs after the expiry: {v}");
            }
            Some(Ok(_)) => {}
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    };
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::from(4403), "{close:?}");
    assert!(close.reason.contains("expired"), "{close:?}");

    assert_eq!(
        mission_name(&server).await,
        "Renamed in time",
        "the mutation sent after the expiry left no trace"
    );
    server.stop().await;
}

/// A socket whose token is still valid is not closed by the watch over its expiry.
#[tokio::test]
async fn a_socket_with_a_valid_token_keeps_serving() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    let mut socket = connect(&server, &server.admin()).await;
    for i in 0..3 {
        socket
            .send(mutation(&format!("m{i}"), &format!("Name {i}")))
            .await
            .unwrap();
        answer(&mut socket, &format!("m{i}")).await;
    }
    assert_eq!(mission_name(&server).await, "Name 2");
    server.stop().await;
}
