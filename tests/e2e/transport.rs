//! The transport: subscriptions over both websocket protocols, the limits (depth, complexity, body
//! size, request time), and the health, readiness, metrics and GraphiQL endpoints.

use std::time::{Duration, Instant};

use cla_e2e::{Role, TestServer, mission_with_base};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const DEADLINE: Duration = Duration::from_secs(20);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &TestServer, protocol: &str) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", server.running.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some(protocol),
        "the server speaks the asked protocol"
    );
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message that is not a keep-alive, or `None` at the deadline or close.
async fn next(socket: &mut Socket, within: Duration) -> Option<Value> {
    let until = Instant::now() + within;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if matches!(value["type"].as_str(), Some("ka" | "ping" | "pong")) {
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// Subscribes to a mission's registry changes over `protocol`, then renames a base until the
/// subscription delivers (the subscription is registered asynchronously: the first renames may
/// precede it). Returns the delivered changes' payloads.
async fn subscribe_and_change(
    server: &TestServer,
    protocol: &str,
    token: &str,
    base: &str,
) -> Vec<Value> {
    let mut socket = connect(server, protocol).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    let ack = next(&mut socket, DEADLINE)
        .await
        .expect("an answer to connection_init");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let (start, data) = if protocol == "graphql-ws" {
        ("start", "data")
    } else {
        ("subscribe", "next")
    };
    send(
        &mut socket,
        json!({ "id": "1", "type": start, "payload": { "query": "subscription { registryChanges(missionCode: \"ALPHA\") { eventType missionCode subjectId effective recordedAt position } }" } }),
    )
    .await;
    let admin = server.admin();
    let until = Instant::now() + DEADLINE;
    let mut delivered = Vec::new();
    let mut n = 0;
    while delivered.len() < 2 {
        assert!(
            Instant::now() < until,
            "no change delivered over {protocol}"
        );
        n += 1;
        server
            .ok(&admin, "mutation($b: String!, $n: String!) { changeBase(baseId: $b, input: {name: $n}) { id } }", json!({ "b": base, "n": format!("{protocol} {n}") }))
            .await;
        while let Some(message) = next(&mut socket, Duration::from_millis(200)).await {
            assert_eq!(message["type"], data, "{message}");
            assert_eq!(message["id"], "1");
            delivered.push(message["payload"]["data"]["registryChanges"].clone());
        }
    }
    delivered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_over_both_websocket_protocols() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let changes = subscribe_and_change(&server, protocol, &ca, &base).await;
        for change in &changes {
            assert_eq!(change["eventType"], "BaseDetailsChanged.v1");
            assert_eq!(change["missionCode"], "ALPHA");
            assert_eq!(change["subjectId"], base.as_str());
        }
        let positions: Vec<u64> = changes
            .iter()
            .map(|c| c["position"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "changes arrive in order"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn subscriptions_need_a_token_and_scope() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    // No valid token: the connection is refused.
    let mut socket = connect(&server, "graphql-transport-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } }),
    )
    .await;
    match next(&mut socket, DEADLINE).await {
        None => {}
        Some(answer) => assert_ne!(answer["type"], "connection_ack", "{answer}"),
    }
    // Signed in, but for another mission: the subscription is refused with FORBIDDEN.
    let away = server.token(Role::CivilAffairs, &["BRAVO"]);
    let mut socket = connect(&server, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {away}") } })).await;
    assert_eq!(
        next(&mut socket, DEADLINE).await.unwrap()["type"],
        "connection_ack"
    );
    send(&mut socket, json!({ "id": "7", "type": "subscribe", "payload": { "query": "subscription { registryChanges(missionCode: \"ALPHA\") { eventType } }" } })).await;
    let answer = next(&mut socket, DEADLINE).await.expect("an answer");
    let code = if answer["type"] == "error" {
        answer["payload"][0]["extensions"]["code"].clone()
    } else {
        answer["payload"]["errors"][0]["extensions"]["code"].clone()
    };
    assert_eq!(code, "FORBIDDEN", "{answer}");
    server.stop().await;
}

/// A query `levels` deep through base → fieldOffice → bases → … (small pages: a page counts its
/// selection once per ten items it may hold).
fn deep_query(levels: usize) -> String {
    let mut inner = "name".to_string();
    for _ in 0..levels {
        inner = format!("fieldOffice {{ bases(first: 10) {{ edges {{ node {{ {inner} }} }} }} }}");
    }
    format!("query($b: String!) {{ base(id: $b) {{ {inner} }} }}")
}

#[tokio::test]
async fn limits_refuse_deep_complex_and_large_requests() {
    let server = TestServer::start_with(|c| {
        c.max_query_complexity = 60;
        c.max_body_bytes = 4096;
    })
    .await;
    let admin = server.admin();
    let (_, base) = mission_with_base(&server, "ALPHA").await;

    // Depth: within the limit (12) passes, beyond it is refused with its code.
    let shallow = server
        .gql(Some(&admin), &deep_query(2), json!({ "b": base }))
        .await;
    assert!(shallow.is_ok(), "{}", shallow.body);
    let deep = server
        .gql(Some(&admin), &deep_query(3), json!({ "b": base }))
        .await;
    assert_eq!(deep.code(), "QUERY_TOO_DEEP", "{}", deep.body);
    assert!(deep.body["data"].is_null());

    // Complexity: 70 aliased fields against a limit of 60.
    let wide: String = (0..70).map(|i| format!("f{i}: name ")).collect();
    let complex = server
        .gql(
            Some(&admin),
            &format!("query($b: String!) {{ base(id: $b) {{ {wide} }} }}"),
            json!({ "b": base }),
        )
        .await;
    assert_eq!(complex.code(), "QUERY_TOO_COMPLEX", "{}", complex.body);

    // Body size: 5,000 bytes against 4,096.
    let padding = " ".repeat(5000);
    let large = server
        .gql(
            Some(&admin),
            &format!("{{ missions {{ totalCount }} }}{padding}"),
            json!({}),
        )
        .await;
    assert_eq!(large.status, 413);

    server.stop().await;
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_cut_off() {
    let server = TestServer::start_with(|c| c.request_timeout_ms = 300).await;
    let admin = server.admin();
    // A client that stops sending its body is cut off with 408.
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"query\":",
        server.running.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server answered a stalled request");
    let status_line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(status_line.contains("408"), "{status_line}");
    server.stop().await;
}

#[tokio::test]
async fn health_readiness_metrics_and_graphiql() {
    let server = TestServer::start().await;
    let (status, body) = server.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    mission_with_base(&server, "ALPHA").await;
    // Every mutation returned only once the projections showed it, so they have caught up.
    let (status, body) = server.get("/readyz").await;
    assert_eq!(status, 200, "{body}");

    let bad = server.gql(Some(&server.admin()), r#"mutation { createMission(input: {code: "ALPHA", name: "N", country: "C"}) { code } }"#, json!({})).await;
    assert_eq!(bad.code(), "CONFLICT");
    let named = server
        .gql(
            Some(&server.admin()),
            "query Everything { missions { totalCount } }",
            json!({}),
        )
        .await;
    assert!(named.is_ok());
    let by_root_field = server
        .gql(
            Some(&server.admin()),
            "query { missions { totalCount } }",
            json!({}),
        )
        .await;
    assert!(by_root_field.is_ok());
    let (status, metrics) = server.metrics().await;
    assert_eq!(status, 200);
    // A client-chosen operation name is not a label: it counts as `other`; a request without
    // one is labelled by its root field.
    assert!(
        metrics.contains("cla_requests_total{operation=\"other\",outcome=\"ok\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("Everything"), "{metrics}");
    assert!(
        metrics.contains("cla_requests_total{operation=\"missions\",outcome=\"ok\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("cla_request_duration_seconds_count{operation=\"other\"} 1"));
    assert!(
        metrics.contains("cla_requests_total{operation=\"createMission\",outcome=\"error\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cla_commands_total{outcome=\"accepted\",code=\"\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("cla_commands_total{outcome=\"refused\",code=\"CONFLICT\"} 1"));
    assert!(metrics.contains("cla_events_appended_total 3"));
    assert!(metrics.contains("cla_projection_lag_events{projection=\"registry\"} 0"));

    let page = reqwest::Client::new()
        .get(format!("{}/graphql", server.base))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("graphiql"),
        "GraphiQL is served to browsers"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_restarted_server_rebuilds_its_read_models_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_path_buf();
    let first = TestServer::start_with(|c| c.data_dir = data_dir.clone()).await;
    let (_, base) = mission_with_base(&first, "ALPHA").await;
    first.stop().await;
    let second = TestServer::start_with(|c| c.data_dir = data_dir.clone()).await;
    // Wait for readiness (the projections replay the store), then read.
    second.ready().await;
    let data = second
        .ok(
            &second.admin(),
            "query($b: String!) { base(id: $b) { name missionCode } }",
            json!({ "b": base }),
        )
        .await;
    assert_eq!(data["base"]["missionCode"], "ALPHA");
    second.stop().await;
}

fn answers(metrics: &str, outcome: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "cla_query_answers_total{{outcome=\"{outcome}\"}} "
            ))
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("answer figures in /metrics")
}

#[tokio::test]
async fn the_same_question_is_answered_again_only_while_nothing_has_changed() {
    let clock = std::sync::Arc::new(cla_platform::clock::ManualClock::new(chrono::Utc::now()));
    let server = TestServer::start_with_clock(clock.clone(), |_| {}).await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let admin = server.admin();
    let query = "query($b: String!) { base(id: $b) { name } }";
    let vars = json!({ "b": base });
    let figures = || async { server.metrics().await.1 };
    let (kept0, computed0) = {
        let m = figures().await;
        (answers(&m, "kept"), answers(&m, "computed"))
    };

    let first = server.ok(&admin, query, vars.clone()).await;
    assert_eq!(first["base"]["name"], "Base One");
    let again = server.ok(&admin, query, vars.clone()).await;
    assert_eq!(again, first);
    let m = figures().await;
    assert_eq!(answers(&m, "computed"), computed0 + 1);
    assert_eq!(answers(&m, "kept"), kept0 + 1, "the second answer was kept");

    // Another caller is never given it: their own scope decides.
    let outsider = server.token(Role::CivilAffairs, &["BRAVO"]);
    let refused = server.gql(Some(&outsider), query, vars.clone()).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let in_scope = server.token(Role::CivilAffairs, &["ALPHA"]);
    assert_eq!(server.ok(&in_scope, query, vars.clone()).await, first);

    // A change shows in the very next answer (read-your-writes).
    server
        .ok(
            &admin,
            "mutation($b: String!) { changeBase(baseId: $b, input: {name: \"Base Renamed\"}) { name } }",
            vars.clone(),
        )
        .await;
    let changed = server.ok(&admin, query, vars.clone()).await;
    assert_eq!(changed["base"]["name"], "Base Renamed");

    // Kept answers are not older than a second of the clock, and no-cache is always computed.
    let before = answers(&figures().await, "computed");
    server.ok(&admin, query, vars.clone()).await;
    assert_eq!(answers(&figures().await, "computed"), before, "kept");
    clock.advance(chrono::Duration::seconds(2));
    server.ok(&admin, query, vars.clone()).await;
    assert_eq!(
        answers(&figures().await, "computed"),
        before + 1,
        "the clock moved on"
    );
    let fresh = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&admin)
        .header("Cache-Control", "no-cache")
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
    let fresh: Value = fresh.json().await.unwrap();
    assert_eq!(fresh["data"]["base"]["name"], "Base Renamed");
    let m = figures().await;
    assert_eq!(
        answers(&m, "computed"),
        before + 1,
        "no-cache bypasses the kept answers"
    );
    server.stop().await;
}

/// GraphQL answers and CSV go out compressed as the client asks (gzip or brotli), decode to the
/// same answer, and stay plain for a client that asks for nothing.
#[tokio::test]
async fn answers_go_out_compressed_as_the_client_asks() {
    use std::io::Read;
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let client = reqwest::Client::builder().build().unwrap();
    let ask = |encoding: &'static str, path: &'static str| {
        let request = if path == "/graphql" {
            client
                .post(format!("{}{path}", server.base))
                .json(&json!({ "query": "{ baseBoard(missionCode: \"MONUSCO\") { baseId name deployed effectiveStrength minimum status } }" }))
        } else {
            client.get(format!("{}{path}", server.base))
        };
        request
            .bearer_auth(&token)
            .header("accept-encoding", encoding)
            .send()
    };
    for path in ["/graphql", "/export/board.csv?missionCode=MONUSCO"] {
        let plain = ask("identity", path).await.unwrap();
        assert_eq!(plain.status().as_u16(), 200, "{path}");
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain = plain.bytes().await.unwrap();
        let gzipped = ask("gzip", path).await.unwrap();
        assert_eq!(gzipped.headers()["content-encoding"], "gzip", "{path}");
        let gzipped = gzipped.bytes().await.unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain.to_vec(), "{path}: the same answer");
        assert!(
            gzipped.len() * 2 < plain.len(),
            "{path}: {} bytes gzipped of {}",
            gzipped.len(),
            plain.len()
        );
        let brotli = ask("br", path).await.unwrap();
        assert_eq!(brotli.headers()["content-encoding"], "br", "{path}");
        let brotli = brotli.bytes().await.unwrap();
        assert!(brotli.len() < plain.len(), "{path}");
        println!(
            "{path}: {} bytes, gzip {}, brotli {}",
            plain.len(),
            gzipped.len(),
            brotli.len()
        );
    }
    server.stop().await;
}
