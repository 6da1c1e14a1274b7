//! No request can starve the others, and GraphQL over HTTP as its specification says: metric
//! labels from a fixed set, `/metrics` behind a token or on its own listener, caps on root fields,
//! a time budget per query, a rate per caller, header and idle timeouts, the websocket's message
//! limit, the media types and methods, and every engine refusal naming its field.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cla_e2e::{Role, TestServer, mission_with_base};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEADLINE: Duration = Duration::from_secs(20);

fn series(aliases: usize) -> String {
    let fields: Vec<String> = (0..aliases)
        .map(|i| {
            format!(
                "s{i}: hqStaffingSeries(from: \"2023-01-01\", to: \"2025-12-31\") {{ monthEnd overall {{ clas }} }}"
            )
        })
        .collect();
    format!("{{ {} }}", fields.join(" "))
}

/// The operation labels `/metrics` shows.
fn labels(metrics: &str) -> BTreeSet<String> {
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("cla_requests_total{operation=\""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn client_chosen_operation_names_never_become_series() {
    let server = TestServer::start().await;
    let admin = server.admin();
    for i in 0..200u64 {
        // Names a client might choose: random, and some very long.
        let name = if i % 10 == 0 {
            format!("Op{}{}", "x".repeat(200), i)
        } else {
            format!("Random{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        };
        let answer = server
            .gql(
                Some(&admin),
                &format!("query {name} {{ missions {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert!(answer.is_ok(), "{}", answer.body);
    }
    // A known root field gets its own label, by name or without one.
    server
        .ok(&admin, "query { missions { totalCount } }", json!({}))
        .await;
    let named = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&admin)
        .json(&json!({ "query": "query bases { missions { totalCount } }", "operationName": "bases" }))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 200);
    let (status, metrics) = server.metrics().await;
    assert_eq!(status, 200);
    let seen = labels(&metrics);
    let expected: BTreeSet<String> = ["missions", "bases", "other"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(seen, expected, "{metrics}");
    assert!(
        metrics.contains("cla_requests_total{operation=\"other\",outcome=\"ok\"} 200"),
        "{metrics}"
    );
    server.stop().await;
}

async fn get_metrics(url: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn metrics_are_for_admins_and_the_metrics_token() {
    let scraper = format!("scrape-{}", uuid::Uuid::new_v4().simple());
    let secret = scraper.clone();
    let server = TestServer::start_with(move |c| {
        c.metrics_token = Some(cla_gateway::config::Secret::new(secret))
    })
    .await;
    let url = format!("{}/metrics", server.base);
    let (status, body) = get_metrics(&url, None).await;
    assert_eq!(status, 401, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(get_metrics(&url, Some("not-the-token")).await.0, 401);
    assert_eq!(
        get_metrics(&url, Some(&format!("{scraper}x"))).await.0,
        401,
        "a near miss is no token"
    );
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    assert_eq!(get_metrics(&url, Some(&ca)).await.0, 403);
    let (status, text) = get_metrics(&url, Some(&server.admin())).await;
    assert_eq!(status, 200);
    assert!(text.contains("cla_build_info"), "{text}");
    let (status, text) = get_metrics(&url, Some(&scraper)).await;
    assert_eq!(status, 200);
    assert!(text.contains("cla_projection_lag_events"), "{text}");
    server.stop().await;
}

/// `/metrics` as an OpenMetrics scraper asks for it: the text, its lines.
async fn open_metrics(server: &TestServer) -> (String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(server.admin())
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (kind, response.text().await.unwrap())
}

/// The value of the sample `name` (with its labels) in an exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_show_the_build_the_process_appends_each_projection_websockets_and_alerts() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    server.running.state.monitor.scan().await;
    let (kind, text) = open_metrics(&server).await;
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.lines()
            .any(|l| l == format!("cla_build_info{{version=\"{version}\",backend=\"embedded\"}} 1")),
        "{text}"
    );
    assert!(
        sample(&text, "process_resident_memory_bytes").unwrap() > 0.0,
        "{text}"
    );
    assert!(sample(&text, "process_open_fds").unwrap() > 0.0, "{text}");
    assert!(
        sample(&text, "process_start_time_seconds").unwrap() > 1.7e9,
        "{text}"
    );
    // Each append the mission and its base took, timed.
    let appends = sample(
        &text,
        "cla_store_append_duration_seconds_count{outcome=\"ok\"}",
    )
    .expect("appends timed");
    assert!(appends >= 3.0, "{text}");
    // One lag per projection, measured: nothing left to apply once ready.
    server.ready().await;
    let (_, text) = open_metrics(&server).await;
    for projection in server.running.state.hub.names() {
        let lag = sample(
            &text,
            &format!("cla_projection_lag_events{{projection=\"{projection}\"}}"),
        );
        assert_eq!(lag, Some(0.0), "{projection} in {text}");
    }
    assert_eq!(sample(&text, "cla_store_reachable"), Some(1.0));
    // The empty base is an active alert of the watch, counted by kind with no mission or place.
    assert_eq!(
        sample(&text, "cla_active_alerts{kind=\"base_empty\"}"),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("ALPHA"), "no mission in the metrics: {text}");

    // A websocket counts while open, and no longer once closed.
    assert_eq!(
        sample(&text, "cla_websocket_connections"),
        Some(0.0),
        "{text}"
    );
    let mut socket = cla_e2e::connect(&server, &server.admin()).await;
    let (_, text) = open_metrics(&server).await;
    assert_eq!(
        sample(&text, "cla_websocket_connections"),
        Some(1.0),
        "{text}"
    );
    socket.close(None).await.unwrap();
    drop(socket);
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, text) = open_metrics(&server).await;
        if sample(&text, "cla_websocket_connections") == Some(0.0) {
            break;
        }
        assert!(
            Instant::now() < until,
            "the websocket is still counted: {text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Without an OpenMetrics Accept, the Prometheus text format: the same figures, no `# EOF`.
    let (status, text) = server.metrics().await;
    assert_eq!(status, 200);
    assert!(!text.contains("# EOF"), "{text}");
    assert!(
        sample(&text, "cla_events_appended_total").unwrap() >= 3.0,
        "{text}"
    );
    server.stop().await;
}

#[tokio::test]
async fn metrics_on_their_own_listener_are_served_there_only() {
    let server =
        TestServer::start_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let at = server
        .running
        .metrics_addr
        .expect("the metrics listener is bound");
    assert_ne!(at, server.running.addr);
    let (status, text) = get_metrics(&format!("http://{at}/metrics"), None).await;
    assert_eq!(status, 200, "unauthenticated on its own listener");
    assert!(text.contains("cla_build_info"), "{text}");
    let (status, _) = get_metrics(&format!("{}/metrics", server.base), Some(&server.admin())).await;
    assert_eq!(status, 404, "not on the main listener");
    let (status, _) = get_metrics(&format!("http://{at}/graphql"), None).await;
    assert_eq!(status, 404, "the metrics listener serves nothing else");
    server.stop().await;
}

#[tokio::test]
async fn five_hundred_aliases_are_refused_before_running() {
    let server = TestServer::start().await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let answer = server.gql(Some(&ca), &series(500), json!({})).await;
    assert_eq!(answer.code(), "QUERY_TOO_MANY_ALIASES", "{}", answer.body);
    let message = answer.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("20") && message.contains("500"),
        "{message}"
    );
    assert!(answer.body.get("data").is_none_or(Value::is_null));
    // Spread through fragments, they count the same.
    let fragment = format!(
        "query {{ ...A ...A }} fragment A on Query {{ {} }}",
        (0..11)
            .map(|i| format!("m{i}: missions {{ totalCount }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let answer = server.gql(Some(&ca), &fragment, json!({})).await;
    assert_eq!(answer.code(), "QUERY_TOO_MANY_ALIASES", "{}", answer.body);
    // Twenty are fine.
    let twenty = format!(
        "{{ {} }}",
        (0..20)
            .map(|i| format!("m{i}: missions {{ totalCount }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(server.gql(Some(&ca), &twenty, json!({})).await.is_ok());
    server.stop().await;
}

#[tokio::test]
async fn series_and_connections_cost_what_they_compute() {
    let server = TestServer::start().await;
    let hq = server.token(Role::HqReviewer, &[]);
    // Twenty series with a wide selection cost more than the limit allows.
    let wide: Vec<String> = (0..20)
        .map(|i| format!("s{i}: hqStaffingSeries(from: \"2023-01-01\", to: \"2025-12-31\") {{ monthEnd overall {{ clas deployed bases basesAtMinimum }} missions {{ scope clas deployed }} }}"))
        .collect();
    let answer = server
        .gql(Some(&hq), &format!("{{ {} }}", wide.join(" ")), json!({}))
        .await;
    assert_eq!(answer.code(), "QUERY_TOO_COMPLEX", "{}", answer.body);
    let pages: Vec<String> = (0..16)
        .map(|i| format!("b{i}: bases(missionCode: \"ALPHA\", first: 500) {{ edges {{ node {{ id name kind status missionCode }} }} }}"))
        .collect();
    let answer = server
        .gql(Some(&hq), &format!("{{ {} }}", pages.join(" ")), json!({}))
        .await;
    assert_eq!(answer.code(), "QUERY_TOO_COMPLEX", "{}", answer.body);
    server.stop().await;
}

/// A server over the demo world, and the demo's missions.
async fn demo_server(adjust: impl FnOnce(&mut cla_gateway::Config)) -> (TestServer, Vec<String>) {
    let server = TestServer::start_with(adjust).await;
    let summary = server.load_demo().await.expect("the store was empty");
    let missions = summary.missions.into_iter().map(|m| m.code).collect();
    (server, missions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abusive_queries_are_refused_or_cut_off_while_health_answers() {
    let (server, missions) = demo_server(|c| c.query_budget_ms = 100).await;
    let missions: Vec<&str> = missions.iter().map(String::as_str).collect();
    let ca = server.token(Role::CivilAffairs, &missions);
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", server.base);
    let mut abuse = Vec::new();
    for i in 0..8 {
        let query = if i % 2 == 0 { series(500) } else { series(20) };
        let request = client
            .post(&url)
            .bearer_auth(&ca)
            .header("Cache-Control", "no-cache")
            .json(&json!({ "query": query }));
        abuse.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (i, status, body)
        }));
    }
    // /healthz answers while they run.
    let mut answered = 0;
    while abuse.iter().any(|a| !a.is_finished()) {
        let (status, body) = server.get("/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok"));
        answered += 1;
    }
    assert!(answered > 0 || abuse.iter().all(|a| a.is_finished()));
    for a in abuse {
        let (i, status, body) = a.await.unwrap();
        let code = body["errors"][0]["extensions"]["code"].as_str();
        if i % 2 == 0 {
            assert_eq!(
                (status, code),
                (200, Some("QUERY_TOO_MANY_ALIASES")),
                "{body}"
            );
        } else {
            assert_eq!((status, code), (503, Some("QUERY_TIMEOUT")), "{body}");
        }
    }
    // The server is free again: a cheap question gets its answer.
    let (status, body) = server.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let ok = server
        .gql(Some(&ca), "{ missions { totalCount } }", json!({}))
        .await;
    assert!(ok.is_ok(), "{}", ok.body);
    server.stop().await;
}

#[tokio::test]
async fn a_caller_over_its_rate_gets_429_and_others_do_not() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_per_second = 1;
        c.rate_limit_burst = 3;
    })
    .await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", server.base);
    let mut refused = None;
    for _ in 0..10 {
        let response = client
            .post(&url)
            .bearer_auth(&ca)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), 200);
    }
    let refused = refused.expect("the fourth request within a second is refused");
    let wait: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!(wait >= 1, "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    // Another caller has their own rate.
    let admin = server.admin();
    let other = server.gql(Some(&admin), "{ __typename }", json!({})).await;
    assert!(other.is_ok(), "{}", other.body);
    // The CSV doors count too.
    let csv = client
        .get(format!(
            "{}/export/staff.csv?missionCode=ALPHA",
            server.base
        ))
        .bearer_auth(&ca)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 429);
    server.stop().await;
}

/// Waits until the server closes `stream` (a read gives end of file or an error), writing one
/// byte of `trickle` before each wait; true if closed before the deadline.
async fn closed_within(
    stream: &mut tokio::net::TcpStream,
    trickle: &[u8],
    deadline: Duration,
) -> bool {
    let until = Instant::now() + deadline;
    let mut next = 0;
    let mut buf = [0u8; 4096];
    while Instant::now() < until {
        if next < trickle.len() {
            if stream.write_all(&trickle[next..next + 1]).await.is_err() {
                return true;
            }
            next += 1;
        }
        match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => {}
        }
    }
    false
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    let server = TestServer::start_with(|c| c.header_read_timeout_ms = 1000).await;
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    assert!(
        closed_within(&mut stream, request, DEADLINE).await,
        "the connection stayed open while its headers trickled in"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = TestServer::start_with(|c| {
        c.idle_timeout_ms = 500;
        c.header_read_timeout_ms = 60_000;
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).ends_with("ok") {
        let n = tokio::time::timeout(DEADLINE, stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before answering");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut stream, b"", DEADLINE).await,
        "the idle connection stayed open"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_oversized_websocket_message_closes_the_socket_and_runs_nothing() {
    use tokio_tungstenite::tungstenite::Message;
    let server = TestServer::start_with(|c| c.max_body_bytes = 64 * 1024).await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let admin = server.admin();
    let mut socket = cla_e2e::connect(&server, &admin).await;
    // A mutation padded past the limit with a long comment: were it run, the base's name would
    // change.
    let padding = "#".repeat(128 * 1024);
    let query = format!(
        "mutation {{ changeBase(baseId: \"{base}\", input: {{name: \"Renamed Over The Socket\"}}) {{ id }} }}\n{padding}"
    );
    let _ = socket
        .send(Message::text(
            json!({ "id": "big", "type": "subscribe", "payload": { "query": query } }).to_string(),
        ))
        .await;
    let until = Instant::now() + DEADLINE;
    let closed = loop {
        assert!(Instant::now() < until, "the socket stayed open");
        match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
            Err(_) => continue,
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break true,
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                assert_ne!(v["type"], "next", "the oversized request ran: {v}");
            }
            Ok(Some(Ok(_))) => {}
        }
    };
    assert!(closed);
    let data = server
        .ok(
            &admin,
            "query($b: String!) { base(id: $b) { name } }",
            json!({ "b": base }),
        )
        .await;
    assert_eq!(data["base"]["name"], "Base One", "nothing ran");
    server.stop().await;
}

/// Sends the request; its status, content type and body (as JSON where it is).
async fn answer(request: reqwest::RequestBuilder) -> (u16, String, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let ct = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post(
    server: &TestServer,
    token: Option<&str>,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (u16, String, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(ct) = content_type {
        request = request.header("Content-Type", ct);
    }
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    answer(request).await
}

async fn get(
    server: &TestServer,
    token: Option<&str>,
    query: &str,
    accept: &str,
) -> (u16, String, Value) {
    let mut request = reqwest::Client::new()
        .get(format!("{}/graphql", server.base))
        .query(&[("query", query)])
        .header("Accept", accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request).await
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error with a code: {body}"))
}

#[tokio::test]
async fn graphql_over_http_media_types_and_methods() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let token = Some(admin.as_str());
    let query = r#"{"query": "{ missions { totalCount } }"}"#;

    let (status, ct, body) = post(
        &server,
        token,
        Some("application/json"),
        Some("application/json"),
        query,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    let (status, ct, _) = post(
        &server,
        token,
        Some("application/json; charset=utf-8"),
        Some("application/graphql-response+json"),
        query,
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/graphql-response+json"), "{ct}");

    // Anything but a JSON body is refused: a browser's cross-site form can send none of these.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=latin1"),
        None,
    ] {
        let (status, _, body) = post(&server, token, content_type, None, query).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert_eq!(code(&body), "UNSUPPORTED_MEDIA_TYPE");
    }
    // Sign-in comes first.
    let (status, _, body) = post(&server, None, Some("text/plain"), None, query).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));

    // GET runs queries, never mutations.
    let (status, _, body) = get(
        &server,
        token,
        "{ missions { totalCount } }",
        "application/json",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["missions"]["totalCount"].is_number(), "{body}");
    let (status, _, body) = get(
        &server,
        token,
        "mutation { createMission(input: {code: \"GETM\", name: \"N\", country: \"C\"}) { code } }",
        "application/graphql-response+json",
    )
    .await;
    assert_eq!((status, code(&body)), (405, "METHOD_NOT_ALLOWED"), "{body}");
    let (status, _, body) = get(
        &server,
        token,
        "{ missions(first: 1) { totalCount } }",
        "application/json",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["missions"]["totalCount"], 0,
        "the mutation did not run"
    );
    // GraphiQL only to a browser asking for a page.
    let page = reqwest::Client::new()
        .get(format!("{}/graphql", server.base))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    let no_query = reqwest::Client::new()
        .get(format!("{}/graphql", server.base))
        .bearer_auth(&admin)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(no_query.status(), 400);

    // What cannot run is 400 in application/graphql-response+json, without data.
    let gr = Some("application/graphql-response+json");
    let json_ct = Some("application/json");
    for bad in [r#"{"query": "{"}"#, r#"{"query": "{ noSuchField }"}"#] {
        let (status, _, body) = post(&server, token, json_ct, gr, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(code(&body), "GRAPHQL_VALIDATION");
        let (status, _, body) = post(&server, token, json_ct, Some("application/json"), bad).await;
        assert_eq!(status, 200, "{bad}: {body}");
        assert!(body["errors"].is_array());
    }
    // Malformed requests: a JSON error, never engine debug text.
    for bad in [
        r#"{"notquery": "{ missions { totalCount } }"}"#,
        r#"{"query": "{ missions { totalCount } }", "unknown": 1}"#,
        r#"{"query": "{ missions { totalCount } }", "variables": "{}"}"#,
        r#"[{"query": "{ missions { totalCount } }"}, {"query": "{ missions { totalCount } }"}]"#,
        "{ \"not json",
        "",
    ] {
        let (status, ct, body) = post(&server, token, json_ct, None, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(code(&body), "BAD_REQUEST", "{bad}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.contains("Error(") && !message.contains("{ "),
            "{message}"
        );
    }
    let (_, _, body) = post(&server, token, json_ct, None, r#"[{"query": "{ a }"}]"#).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("batched"),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_scalars_enum_values_and_variables_name_their_field() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let cases: Vec<(&str, String, Value, &str)> = vec![
        (
            "a date that is no date",
            "mutation { deployCla(staffId: \"s\", baseId: \"b\", from: \"2021-02-30\") { baseId } }".into(),
            json!({}),
            "from",
        ),
        (
            "a date in a variable",
            "mutation($from: Date!) { deployCla(staffId: \"s\", baseId: \"b\", from: $from) { baseId } }".into(),
            json!({ "from": "2021-02-30" }),
            "from",
        ),
        (
            "an enum value that is none",
            format!("mutation {{ registerStaffMember(input: {{baseId: \"{base}\", name: \"X\", gender: ALIEN, indexNumber: \"300003\", grade: \"GS-4\", appointment: {{type: FIXED_TERM, start: \"2024-01-01\", end: \"2025-01-01\"}}}}) {{ id }} }}"),
            json!({}),
            "gender",
        ),
        (
            "an enum value in a variable",
            format!("mutation($g: Gender!) {{ registerStaffMember(input: {{baseId: \"{base}\", name: \"X\", gender: $g, indexNumber: \"300003\", grade: \"GS-4\", appointment: {{type: FIXED_TERM, start: \"2024-01-01\", end: \"2025-01-01\"}}}}) {{ id }} }}"),
            json!({ "g": "ALIEN" }),
            "g",
        ),
        (
            "a nested enum value",
            format!("mutation {{ registerStaffMember(input: {{baseId: \"{base}\", name: \"X\", gender: MALE, indexNumber: \"300003\", grade: \"GS-4\", appointment: {{type: FOREVER, start: \"2024-01-01\", end: \"2025-01-01\"}}}}) {{ id }} }}"),
            json!({}),
            "appointment.type",
        ),
    ];
    for (what, query, variables, field) in &cases {
        let token = if query.contains("deployCla") {
            &ca
        } else {
            &hr
        };
        let answer = server.gql(Some(token), query, variables.clone()).await;
        assert_eq!(
            answer.code(),
            "GRAPHQL_VALIDATION",
            "{what}: {}",
            answer.body
        );
        assert_eq!(answer.field(), Some(*field), "{what}: {}", answer.body);
    }
    let answer = server
        .gql(
            Some(&hr),
            "{ vacancies(missionCode: \"ALPHA\", openLongerThanDays: -1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (answer.code(), answer.field()),
        ("VALIDATION", Some("openLongerThanDays")),
        "{}",
        answer.body
    );
    // Nothing was written.
    let staff = server
        .ok(
            &hr,
            "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(staff["staffMembers"]["totalCount"], 0);
    server.stop().await;
}
