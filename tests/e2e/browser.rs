//! What the browser journeys share: an OpenID Connect provider the test starts, chromedriver and
//! Chromium, axe-core, screenshots, and signing in and out. A journey file declares `mod browser;`.
//!
//! Without Chromium, chromedriver or axe-core a journey says "skipped" — and fails under
//! `CI=true`, where `.ci/run` installs them.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use cla_e2e::TestServer;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "cla-web";

pub fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// What the provider knows of one authorization under way.
pub struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
    user: Value,
}

#[derive(Default)]
pub struct IdpState {
    /// Who the next person to sign in is (the provider's own sign-in is not what is tested).
    next_user: Option<Value>,
    grants: HashMap<String, Grant>,
    /// Token requests whose PKCE verifier matched the challenge.
    verified: usize,
}

/// An OpenID Connect provider: discovery, the authorization endpoint (it signs in whoever
/// `sign_in_as` names), the token endpoint checking PKCE (S256), the key set; ID tokens RS256.
pub struct Idp {
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Idp {
    pub async fn start() -> Self {
        use axum::extract::{Form, Query, State};
        use axum::response::{IntoResponse, Redirect, Response};
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let issuer = format!("http://{addr}/realms/un");
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let jwk = json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "web-1",
            "n": b64url(public.modulus().big_endian_without_leading_zero()),
            "e": b64url(public.exponent().big_endian_without_leading_zero()),
        });
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(
            pem("PRIVATE KEY", pair.as_der().unwrap().as_ref()).as_bytes(),
        )
        .unwrap();
        let state: Arc<Mutex<IdpState>> = Arc::default();
        #[derive(Clone)]
        struct Shared {
            issuer: String,
            jwk: Value,
            key: jsonwebtoken::EncodingKey,
            state: Arc<Mutex<IdpState>>,
        }
        let shared = Shared {
            issuer: issuer.clone(),
            jwk,
            key,
            state: Arc::clone(&state),
        };
        async fn discovery(State(s): State<Shared>) -> Response {
            let i = &s.issuer;
            axum::Json(json!({
                "issuer": i,
                "authorization_endpoint": format!("{i}/auth"),
                "token_endpoint": format!("{i}/token"),
                "jwks_uri": format!("{i}/certs"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            }))
            .into_response()
        }
        async fn certs(State(s): State<Shared>) -> Response {
            axum::Json(json!({ "keys": [s.jwk] })).into_response()
        }
        async fn auth(
            State(s): State<Shared>,
            Query(q): Query<HashMap<String, String>>,
        ) -> Response {
            let field = |k: &str| q.get(k).cloned().unwrap_or_default();
            if field("client_id") != CLIENT_ID
                || field("response_type") != "code"
                || field("code_challenge_method") != "S256"
                || field("code_challenge").is_empty()
                || field("nonce").is_empty()
                || !field("scope").split(' ').any(|s| s == "openid")
            {
                return (
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("bad request: {q:?}"),
                )
                    .into_response();
            }
            let code = uuid::Uuid::now_v7().to_string();
            let mut state = s.state.lock().unwrap();
            let user = state
                .next_user
                .clone()
                .expect("the test names who signs in");
            state.grants.insert(
                code.clone(),
                Grant {
                    challenge: field("code_challenge"),
                    nonce: field("nonce"),
                    redirect_uri: field("redirect_uri"),
                    user,
                },
            );
            let back = format!(
                "{}?{}",
                field("redirect_uri"),
                serde_urlencoded::to_string([("code", code), ("state", field("state"))]).unwrap()
            );
            Redirect::to(&back).into_response()
        }
        async fn token(
            State(s): State<Shared>,
            Form(f): Form<HashMap<String, String>>,
        ) -> Response {
            let refuse = |why: &str| {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    axum::Json(json!({ "error": "invalid_grant", "error_description": why })),
                )
                    .into_response()
            };
            let field = |k: &str| f.get(k).cloned().unwrap_or_default();
            let mut state = s.state.lock().unwrap();
            let Some(grant) = state.grants.remove(&field("code")) else {
                return refuse("unknown or used code");
            };
            if field("grant_type") != "authorization_code"
                || field("redirect_uri") != grant.redirect_uri
            {
                return refuse("grant type or redirect");
            }
            if b64url(&Sha256::digest(field("code_verifier").as_bytes())) != grant.challenge {
                return refuse("PKCE verifier does not match");
            }
            state.verified += 1;
            let mut claims = grant.user.clone();
            claims["iss"] = json!(s.issuer);
            claims["aud"] = json!(CLIENT_ID);
            claims["iat"] = json!(now());
            claims["exp"] = json!(now() + 300);
            claims["nonce"] = json!(grant.nonce);
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some("web-1".into());
            let id_token = jsonwebtoken::encode(&header, &claims, &s.key).unwrap();
            axum::Json(json!({
                "access_token": uuid::Uuid::now_v7().to_string(),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }))
            .into_response()
        }
        let router = axum::Router::new()
            .route(
                "/realms/un/.well-known/openid-configuration",
                get(discovery),
            )
            .route("/realms/un/certs", get(certs))
            .route("/realms/un/auth", get(auth))
            .route("/realms/un/token", post(token))
            .with_state(shared);
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self { addr, state, task }
    }

    pub fn issuer(&self) -> String {
        format!("http://{}/realms/un", self.addr)
    }

    pub fn sign_in_as(&self, user: Value) {
        self.state.lock().unwrap().next_user = Some(user);
    }

    pub fn verified(&self) -> usize {
        self.state.lock().unwrap().verified
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// chromedriver on a free port, stopped when dropped.
pub struct Driver {
    child: std::process::Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn skip_or_fail(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing: .ci/run installs it (CI=true)");
    }
    eprintln!(
        "skipped: {what} is missing (apt-get install -y chromium chromium-driver; npm ci --prefix tests/web)"
    );
    true
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn axe_source() -> Option<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

pub async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{url}/status")).await.ok();
        if let Some(r) = ready
            && r.json::<Value>()
                .await
                .is_ok_and(|v| v["value"]["ready"] == json!(true))
        {
            break;
        }
        assert!(Instant::now() < until, "chromedriver never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Driver {
        child,
        url,
        _profile: tempfile::tempdir().unwrap(),
    }
}

pub async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1100,800", "--lang=en-GB",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ],
            "prefs": { "intl.accept_languages": "en-GB,en" },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("Chromium starts")
}

/// Waits (with a deadline) until the page's URL satisfies `ok`.
pub async fn url_until(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let url = c.current_url().await.unwrap().to_string();
        if ok(&url) {
            return url;
        }
        assert!(Instant::now() < until, "never {what}: at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs axe-core on the page: no serious or critical violation.
pub async fn axe(c: &Client, source: &str, page: &str) {
    c.execute(source, vec![]).await.expect("axe-core loads");
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    assert_eq!(found, json!([]), "axe-core on {page}");
}

pub async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .text()
        .await
        .unwrap()
}

/// Signs in through the provider as `user`, landing where the app sends them.
pub async fn sign_in(c: &Client, idp: &Idp, base: &str, user: Value) {
    idp.sign_in_as(user);
    let before = idp.verified();
    c.goto(&format!("{base}/")).await.unwrap();
    url_until(c, "on the sign-in page", |u| u.ends_with("/sign-in")).await;
    c.find(Locator::Css("a.button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(c, "signed in", |u| {
        u.starts_with(base) && !u.contains("/sign-in")
    })
    .await;
    assert_eq!(
        idp.verified(),
        before + 1,
        "one code exchanged, its PKCE verifier checked"
    );
}

/// Presses the language switch, and waits for the page in `lang`.
pub async fn switch_language(c: &Client, lang: &str) {
    c.find(Locator::Css("form[action='/language'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while c
        .find(Locator::Css(&format!("html[lang='{lang}']")))
        .await
        .is_err()
    {
        assert!(Instant::now() < until, "never in {lang}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn sign_out(c: &Client) {
    c.find(Locator::Css("form[action='/sign-out'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(c, "signed out", |u| u.contains("/sign-in")).await;
}

/// Chromium under chromedriver, and axe-core's source — or `None` where they are missing (said
/// "skipped"; a failure under `CI=true`).
pub async fn start_browser() -> Option<(Driver, Client, String)> {
    let missing = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|p| !std::path::Path::new(p).exists());
    if let Some(missing) = missing {
        skip_or_fail(missing);
        return None;
    }
    let Some(axe_js) = axe_source() else {
        skip_or_fail("axe-core (npm ci --prefix tests/web)");
        return None;
    };
    let driver = driver().await;
    let c = browser(&driver).await;
    Some((driver, c, axe_js))
}

/// Signs in as `who` with a one-time sign-in link (the demo's way in), landing where the app sends
/// them: for journeys whose subject is not the identity provider.
pub async fn sign_in_by_link(c: &Client, server: &TestServer, who: cla_platform::Principal) {
    let codes =
        cla_web::issue_sign_in_codes(&server.config.data_dir, &[who], Duration::from_secs(600))
            .expect("a sign-in code");
    c.goto(&format!("{}/sign-in/{}", server.base, codes[0]))
        .await
        .unwrap();
    url_until(c, "signed in", |u| !u.contains("/sign-in")).await;
}

/// A DevTools protocol command, sent through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// Runs a DevTools protocol command on the page.
pub async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Chromium's network emulation: `latency_ms` round trip and `bytes_per_second` each way; `None`
/// lifts it.
pub async fn emulate_link(c: &Client, link: Option<(u32, u32)>) {
    cdp(c, "Network.enable", json!({})).await;
    let (latency, throughput) = match link {
        Some((latency, bytes)) => (json!(latency), json!(bytes)),
        None => (json!(0), json!(-1)),
    };
    cdp(
        c,
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": latency, "downloadThroughput": throughput, "uploadThroughput": throughput }),
    )
    .await;
}

/// What a first view cost: milliseconds from navigation to the load event, and the bytes the
/// page and its assets took on the wire.
pub struct FirstView {
    pub load_ms: f64,
    pub content_loaded_ms: f64,
    pub bytes: u64,
}

/// Opens `url` with an empty cache and reads the navigation's timing.
pub async fn first_view(c: &Client, url: &str) -> FirstView {
    cdp(c, "Network.clearBrowserCache", json!({})).await;
    c.goto(url).await.unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let t = c
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 const assets = performance.getEntriesByType('resource')
                   .reduce((sum, r) => sum + r.transferSize, 0);
                 return [n.loadEventEnd, n.domContentLoadedEventEnd, n.transferSize + assets];",
                vec![],
            )
            .await
            .unwrap();
        let load = t[0].as_f64().unwrap_or(0.0);
        if load > 0.0 {
            return FirstView {
                load_ms: load,
                content_loaded_ms: t[1].as_f64().unwrap_or(0.0),
                bytes: t[2].as_f64().unwrap_or(0.0) as u64,
            };
        }
        assert!(Instant::now() < until, "{url} never loaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (with a deadline) until an element matching `css` is on the page.
pub async fn until_present(c: &Client, css: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_err() {
        assert!(Instant::now() < until, "never {css}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fills a form's inputs, each named by its id: a select by its option's value, any other input
/// by typing the text in (after clearing it).
pub async fn fill_in(c: &Client, fields: &[(&str, &str)]) {
    for (id, value) in fields {
        let field = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("no #{id}"));
        if field.tag_name().await.unwrap() == "select" {
            field.select_by_value(value).await.unwrap();
        } else {
            field.clear().await.unwrap();
            field.send_keys(value).await.unwrap();
        }
    }
}

/// Clicks the first element matching `css`.
pub async fn press(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

/// Chromium signed in as `who` (by a one-time link) to a server with the demo loaded, and
/// axe-core's source — or `None` where Chromium or axe-core is missing (see [`start_browser`]).
pub async fn signed_in_to_demo(
    who: cla_platform::Principal,
) -> Option<(Driver, Client, String, TestServer)> {
    let (driver, c, axe_js) = start_browser().await?;
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    sign_in_by_link(&c, &server, who).await;
    Some((driver, c, axe_js, server))
}
