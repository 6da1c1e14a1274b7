//! Browser journeys through the web app in a real Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver: signing in through a real OpenID Connect flow
//! against an identity provider this test starts, French and English, the overview's links, what
//! an HQ reviewer may see, another mission's refusal, and the pages without JavaScript. axe-core
//! (npm, `tests/web`) checks every page; each screen is written to `target/screenshots/`.
//!
//! Without Chromium, chromedriver or axe-core the journeys say "skipped" — and fail under
//! `CI=true`, where `.ci/run` installs them.

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

const CLIENT_ID: &str = "cla-web";

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn pem(label: &str, der: &[u8]) -> String {
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

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// What the provider knows of one authorization under way.
struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
    user: Value,
}

#[derive(Default)]
struct IdpState {
    /// Who the next person to sign in is (the provider's own sign-in is not what is tested).
    next_user: Option<Value>,
    grants: HashMap<String, Grant>,
    /// Token requests whose PKCE verifier matched the challenge.
    verified: usize,
}

/// An OpenID Connect provider: discovery, the authorization endpoint (it signs in whoever
/// `sign_in_as` names), the token endpoint checking PKCE (S256), the key set; ID tokens RS256.
struct Idp {
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Idp {
    async fn start() -> Self {
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

    fn issuer(&self) -> String {
        format!("http://{}/realms/un", self.addr)
    }

    fn sign_in_as(&self, user: Value) {
        self.state.lock().unwrap().next_user = Some(user);
    }

    fn verified(&self) -> usize {
        self.state.lock().unwrap().verified
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
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

fn skip_or_fail(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is missing: .ci/run installs it (CI=true)");
    }
    eprintln!(
        "skipped: {what} is missing (apt-get install -y chromium chromium-driver; npm ci --prefix tests/web)"
    );
    true
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn axe_source() -> Option<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

async fn driver() -> Driver {
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

async fn browser(driver: &Driver) -> Client {
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
async fn url_until(c: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
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
async fn axe(c: &Client, source: &str, page: &str) {
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

async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .text()
        .await
        .unwrap()
}

/// Signs in through the provider as `user`, landing where the app sends them.
async fn sign_in(c: &Client, idp: &Idp, base: &str, user: Value) {
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
async fn switch_language(c: &Client, lang: &str) {
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

async fn sign_out(c: &Client) {
    c.find(Locator::Css("form[action='/sign-out'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(c, "signed out", |u| u.contains("/sign-in")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_a_real_browser() {
    let missing = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|p| !std::path::Path::new(p).exists());
    if let Some(missing) = missing {
        skip_or_fail(missing);
        return;
    }
    let Some(axe_js) = axe_source() else {
        skip_or_fail("axe-core (npm ci --prefix tests/web)");
        return;
    };
    let idp = Idp::start().await;
    let issuer = idp.issuer();
    let server = TestServer::start_with(move |c| {
        c.oidc_issuer_url = Some(issuer);
        c.web_oidc_client_id = Some(CLIENT_ID.into());
    })
    .await;
    let summary = server.load_demo().await.expect("an empty store");
    server.ready().await;
    let monusco = summary
        .missions
        .iter()
        .find(|m| m.code == "MONUSCO")
        .unwrap()
        .clone();
    let base = server.base.clone();
    let driver = driver().await;
    let c = browser(&driver).await;

    // The sign-in page, before anyone signs in.
    c.goto(&format!("{base}/sign-in")).await.unwrap();
    axe(&c, &axe_js, "the sign-in page").await;
    screenshot(&c, "sign-in").await;

    // 1. A civil affairs officer signs in through the provider and lands on the overview.
    let ca = json!({ "sub": "ca-7", "name": "Clémence Affaires", "roles": ["CIVIL_AFFAIRS"], "missions": ["MONUSCO"] });
    sign_in(&c, &idp, &base, ca.clone()).await;
    url_until(&c, "on MONUSCO's overview", |u| {
        u.ends_with("/missions/MONUSCO")
    })
    .await;
    let title = text_of(&c, "h1").await;
    assert!(title.contains("on "), "{title}");
    assert!(
        text_of(&c, "header .who")
            .await
            .contains("Clémence Affaires")
    );
    axe(&c, &axe_js, "the overview").await;
    screenshot(&c, "overview").await;
    // Who is overdue, as civil affairs sees them: the names an HQ reviewer must not see.
    c.goto(&format!("{base}/missions/MONUSCO/lists/overdue"))
        .await
        .unwrap();
    let mut overdue_names = Vec::new();
    for row in c.find_all(Locator::Css("tbody th")).await.unwrap() {
        overdue_names.push(row.text().await.unwrap());
    }
    assert!(
        overdue_names.len() >= monusco.stopped_checking_in,
        "{overdue_names:?}"
    );
    assert!(!overdue_names.is_empty());
    axe(&c, &axe_js, "the overdue list").await;
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();

    // 2. French: dates and numbers in French.
    switch_language(&c, "fr").await;
    let today = chrono::Utc::now().date_naive();
    let title = text_of(&c, "h1").await;
    assert!(
        title.contains(&today.format("%d/%m/%Y").to_string()),
        "{title}"
    );
    let source = c.source().await.unwrap();
    assert!(
        source.contains("Vue d'ensemble") || source.contains("Vue d&#39;ensemble"),
        "French navigation"
    );
    assert!(
        source.contains(",") && source.contains("\u{202F}%"),
        "a French percentage"
    );
    axe(&c, &axe_js, "the overview in French").await;
    screenshot(&c, "overview-fr").await;
    // Remembered: a new page is French too; then back to English.
    c.goto(&format!("{base}/missions/MONUSCO/board"))
        .await
        .unwrap();
    assert!(
        c.find(Locator::Css("html[lang='fr']")).await.is_ok(),
        "remembered"
    );
    switch_language(&c, "en").await;

    // 3. The overview's "bases below minimum" opens the board filtered to them.
    c.goto(&format!("{base}/missions/MONUSCO")).await.unwrap();
    let link = c
        .find(Locator::XPath(
            "//a[span[@class='label' and text()='bases below minimum']]",
        ))
        .await
        .unwrap();
    let shown: usize = link
        .find(Locator::Css("span.n"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    link.click().await.unwrap();
    url_until(&c, "on the board", |u| {
        u.contains("/board?status=below_minimum")
    })
    .await;
    let statuses = c
        .find_all(Locator::Css("#board tbody td .status"))
        .await
        .unwrap();
    assert_eq!(statuses.len(), shown, "as many rows as the overview said");
    for s in &statuses {
        assert_eq!(s.text().await.unwrap(), "▲ below minimum");
    }
    axe(&c, &axe_js, "the board").await;
    screenshot(&c, "board").await;
    // By keyboard: choose "empty" and submit with Enter (htmx swaps the table and the URL).
    let status = c.find(Locator::Css("#status")).await.unwrap();
    status.select_by_value("empty").await.unwrap();
    c.find(Locator::Css("form.filters button"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    url_until(&c, "filtered to empty bases", |u| {
        u.contains("status=empty")
    })
    .await;
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = c
            .find_all(Locator::Css("#board tbody td .status"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for r in &rows {
            texts.push(r.text().await.unwrap());
        }
        if !texts.is_empty() && texts.iter().all(|t| t == "✕ empty") {
            break;
        }
        assert!(Instant::now() < until, "never only empty bases: {texts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 6 (while signed in as civil affairs). Without JavaScript: the session cookie over plain HTTP.
    let cookie = c
        .get_named_cookie("cla_session")
        .await
        .expect("the session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/missions/MONUSCO", "/missions/MONUSCO/board?status=empty"] {
        let page = plain
            .get(format!("{base}{path}"))
            .header("cookie", format!("cla_session={}", cookie.value()))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 200, "{path}");
        let text = page.text().await.unwrap();
        assert!(
            text.contains("<table") || text.contains("class=\"figures\""),
            "{path} reads without a script"
        );
    }
    sign_out(&c).await;

    // 4. An HQ reviewer: counts, and no names on the risk figures.
    sign_in(
        &c,
        &idp,
        &base,
        json!({ "sub": "hq-1", "name": "Hana Quartier", "roles": ["HQ_REVIEWER"] }),
    )
    .await;
    url_until(&c, "on the missions", |u| u.ends_with(&format!("{base}/"))).await;
    c.find(Locator::Css("main a[href='/missions/MONUSCO']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    url_until(&c, "on MONUSCO's overview", |u| {
        u.ends_with("/missions/MONUSCO")
    })
    .await;
    let overdue: String = c
        .find(Locator::XPath(
            "//a[span[@class='label' and text()='CLAs overdue to check in']]/span[@class='n']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        overdue.parse::<usize>().is_ok(),
        "a count for the mission: {overdue}"
    );
    axe(&c, &axe_js, "the overview as an HQ reviewer").await;
    for path in [
        "/missions/MONUSCO/lists/overdue",
        "/missions/MONUSCO/lists/flags",
        "/missions/MONUSCO",
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let source = c.source().await.unwrap();
        for name in &overdue_names {
            assert!(
                !source.contains(name.as_str()),
                "{name} on {path} for an HQ reviewer"
            );
        }
    }
    c.goto(&format!("{base}/missions/MONUSCO/lists/overdue"))
        .await
        .unwrap();
    let source = c.source().await.unwrap();
    assert!(
        source.contains("shown to civil affairs of the mission only"),
        "{source}"
    );
    axe(&c, &axe_js, "the overdue list as an HQ reviewer").await;
    screenshot(&c, "overdue-hq").await;
    sign_out(&c).await;

    // 5. A session for another mission gets the refusal page.
    sign_in(&c, &idp, &base, json!({ "sub": "ca-9", "name": "Oumar Centrafrique", "roles": ["CIVIL_AFFAIRS"], "missions": ["MINUSCA"] })).await;
    url_until(&c, "on MINUSCA's overview", |u| {
        u.ends_with("/missions/MINUSCA")
    })
    .await;
    c.goto(&format!("{base}/missions/MONUSCO/board"))
        .await
        .unwrap();
    assert_eq!(text_of(&c, "h1").await, "Not open to you");
    assert!(
        text_of(&c, ".refusal")
            .await
            .contains("outside your access")
    );
    assert!(
        c.find_all(Locator::Css("table")).await.unwrap().is_empty(),
        "no board shown"
    );
    axe(&c, &axe_js, "the refusal").await;
    screenshot(&c, "refusal").await;

    c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}
