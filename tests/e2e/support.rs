//! What the end-to-end tests share: a real server on an ephemeral port over a fresh embedded
//! store, tokens signed with its key, and GraphQL over HTTP.

use std::time::Duration;

use cla_gateway::auth::Auth;
use cla_gateway::config::Config;
use serde_json::{Value, json};

pub mod peers;

pub use cla_gateway::Running;
pub use cla_platform::Role;

pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub auth: Auth,
    pub config: Config,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A GraphQL answer: the HTTP status and the JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The data, asserting there were no errors.
    #[track_caller]
    pub fn data(&self) -> &Value {
        assert!(
            self.body
                .get("errors")
                .is_none_or(|e| e.as_array().is_some_and(|a| a.is_empty())),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The code of the first error, asserting there is one.
    #[track_caller]
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error with a code: {}", self.body))
    }

    /// The field of the first error.
    pub fn field(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["field"].as_str()
    }

    /// Of two answers to racing commands, asserts exactly one succeeded (`what` says what raced)
    /// and returns the other.
    pub fn one_wins(a: Answer, b: Answer, what: &str) -> Answer {
        assert!(a.is_ok() ^ b.is_ok(), "{what}: {} / {}", a.body, b.body);
        if a.is_ok() { b } else { a }
    }

    pub fn is_ok(&self) -> bool {
        self.status == 200 && self.body.get("errors").is_none()
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_clock(
            std::sync::Arc::new(cla_platform::clock::SystemClock),
            adjust,
        )
        .await
    }

    /// A server on the given clock (tests drive time with a manual one). Scans are driven by the
    /// test, not on a schedule.
    pub async fn start_with_clock(
        clock: std::sync::Arc<dyn cla_platform::clock::Clock>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        config.scan_interval_seconds = 0;
        // The tests ask many questions fast as one caller: the rate limit is for the tests that
        // look at it (they lower it).
        config.rate_limit_per_second = 1_000_000;
        config.rate_limit_burst = 1_000_000;
        adjust(&mut config);
        let running = cla_gateway::start_with_clock(&config, clock)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        let auth = Auth::load(&config).expect("the server's signing key");
        Self {
            running,
            base,
            auth,
            config,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// A token for the given role in the given missions.
    pub fn token(&self, role: Role, missions: &[&str]) -> String {
        self.token_for(role, missions, Duration::from_secs(3600))
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, &[])
    }

    /// Sends a GraphQL request with the given token (or none).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// Sends a GraphQL request as the given token and asserts success.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let answer = self.gql(Some(token), query, variables).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.data().clone()
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    /// `/metrics`, as ADMIN.
    pub async fn metrics(&self) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(self.admin())
            .send()
            .await
            .expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    /// Waits until `/readyz` answers 200 (the read models have caught up with the store).
    /// The position of the last event that changed something: the store's head, leaving out the
    /// records of who looked at restricted data (reading a page writes one, and "nothing
    /// written" means no change). `None` for a store with no change.
    pub async fn written_head(&self) -> Option<cla_event_store::Position> {
        use cla_event_store::{AllFrom, Position};
        let store = &self.running.state.store;
        let head = store.head().await.unwrap()?;
        let mut window = 64u64;
        loop {
            let from = head.0.saturating_sub(window);
            let start = if from == 0 {
                AllFrom::Start
            } else {
                AllFrom::After(Position(from))
            };
            let events = store.read_all(start, window as usize + 1).await.unwrap();
            if let Some(last) = events
                .iter()
                .rev()
                .find(|e| e.event_type.as_str() != "PersonalDataViewed.v1")
            {
                return Some(last.position);
            }
            if from == 0 {
                return None;
            }
            window *= 4;
        }
    }

    pub async fn ready(&self) {
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while self.get("/readyz").await.0 != 200 {
            assert!(std::time::Instant::now() < until, "never ready");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Loads the demo world through the server's schema, as `cla` does on an empty store; `None`
    /// where the store already holds data.
    pub async fn load_demo(&self) -> Option<cla_gateway::demo::Summary> {
        let state = &self.running.state;
        cla_gateway::demo::load_if_empty(
            &state.schema,
            state.store.as_ref(),
            chrono::Utc::now(),
            cla_gateway::demo::SEED,
        )
        .await
        .expect("the demo loads")
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// A mission with a field office and a base, made as ADMIN. Returns (field office id, base id).
pub async fn mission_with_base(server: &TestServer, code: &str) -> (String, String) {
    let admin = server.admin();
    server
        .ok(
            &admin,
            "mutation($code: String!) { createMission(input: {code: $code, name: \"Mission\", country: \"Country\", effective: \"2024-01-01\"}) { code } }",
            json!({ "code": code }),
        )
        .await;
    let office = server
        .ok(
            &admin,
            "mutation($code: String!) { openFieldOffice(input: {missionCode: $code, name: \"Office\", effective: \"2024-01-01\"}) { id } }",
            json!({ "code": code }),
        )
        .await;
    let office = office["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = open_base(server, &admin, &office, "Base One").await;
    (office, base)
}

/// Opens a base in a field office; returns its id.
pub async fn open_base(server: &TestServer, token: &str, office: &str, name: &str) -> String {
    let data = server
        .ok(
            token,
            "mutation($office: String!, $name: String!) { openBase(input: {fieldOfficeId: $office, name: $name, kind: COMPANY_OPERATING_BASE, localLanguages: [\"Swahili\"], effective: \"2024-02-01\"}) { id } }",
            json!({ "office": office, "name": name }),
        )
        .await;
    data["openBase"]["id"].as_str().unwrap().to_string()
}

/// A GraphQL websocket (graphql-transport-ws) with one subscription started.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects as `token`, waits for the server's acknowledgement and starts `query` (id "a").
pub async fn subscribe(server: &TestServer, token: &str, query: &str, variables: Value) -> Socket {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let mut socket = connect(server, token).await;
    socket
        .send(Message::text(
            json!({ "id": "a", "type": "subscribe", "payload": { "query": query, "variables": variables } })
                .to_string(),
        ))
        .await
        .unwrap();
    socket
}

/// The subscription's next message (`next`, `error` or `complete`), or none within the wait.
pub async fn next_message(socket: &mut Socket, within: Duration) -> Option<Value> {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let until = std::time::Instant::now() + within;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        let Message::Text(t) = tokio::time::timeout(left, socket.next())
            .await
            .ok()??
            .ok()?
        else {
            continue;
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        if matches!(v["type"].as_str(), Some("next" | "error" | "complete")) {
            return Some(v);
        }
    }
}

/// The data of the subscription's next message, or none within the wait. An error message from
/// the server fails the test.
pub async fn next_data(socket: &mut Socket, within: Duration) -> Option<Value> {
    let v = next_message(socket, within).await?;
    assert_eq!(
        v["type"], "next",
        "the subscription was refused or ended: {v}"
    );
    Some(v["payload"]["data"].clone())
}

impl TestServer {
    /// A token for the given role in the given missions, valid for `ttl` only.
    pub fn token_for(&self, role: Role, missions: &[&str], ttl: Duration) -> String {
        let missions: Vec<String> = missions.iter().map(|m| m.to_string()).collect();
        self.auth
            .mint(
                &format!("{}-user", role.as_str().to_lowercase()),
                "Test User",
                &[role],
                &missions,
                ttl,
            )
            .expect("mint a token")
    }
}

/// Connects a GraphQL websocket (graphql-transport-ws) as `token` and waits for the server's
/// acknowledgement; nothing is started.
pub async fn connect(server: &TestServer, token: &str) -> Socket {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/graphql/ws", server.running.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
                .to_string(),
        ))
        .await
        .unwrap();
    loop {
        let Message::Text(t) = socket.next().await.unwrap().unwrap() else {
            continue;
        };
        if serde_json::from_str::<Value>(&t).unwrap()["type"] == "connection_ack" {
            return socket;
        }
    }
}

/// `offset` days from today, as a GraphQL `Date`.
pub fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// Today at 08:00 UTC: a scenario's first moment.
pub fn eight_today() -> chrono::DateTime<chrono::Utc> {
    let eight = chrono::NaiveTime::from_hms_opt(8, 0, 0).expect("a valid time");
    chrono::Utc::now().date_naive().and_time(eight).and_utc()
}

/// Registers a staff member with `register` (a `registerStaffMember` mutation answering `id`) as
/// `hr`, and activates them on 2024-02-16; returns their id.
pub async fn active_staff(
    server: &TestServer,
    hr: &str,
    register: &str,
    variables: Value,
) -> String {
    let data = server.ok(hr, register, variables).await;
    let id = data["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    server
        .ok(
            hr,
            "mutation($s: String!) { activateStaff(staffId: $s, effective: \"2024-02-16\") { id } }",
            json!({ "s": id }),
        )
        .await;
    id
}

/// Deploys a CLA to a base from `from` (a date), as `ca`.
pub async fn deploy(server: &TestServer, ca: &str, staff: &str, base: &str, from: &str) {
    server
        .ok(
            ca,
            "mutation($s: String!, $b: String!, $f: Date!) { deployCla(staffId: $s, baseId: $b, from: $f) { baseId } }",
            json!({ "s": staff, "b": base, "f": from }),
        )
        .await;
}

/// The id of the manager named `name` in an `appointManager` answer's mission spans.
pub fn manager_named(data: &Value, name: &str) -> String {
    let spans = data["appointManager"]["coverage"]["mission"]["spans"]
        .as_array()
        .unwrap();
    let manager = spans.iter().find(|s| s["name"] == name).unwrap();
    manager["managerId"].as_str().unwrap().to_string()
}

/// What a log subscriber wrote, kept for a test to read (`telemetry::init_with_writer`).
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Twilio's recipe for `X-Twilio-Signature`: the URL, then each parameter sorted by name, name
/// then value; HMAC-SHA1 with the auth token; Base64.
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
