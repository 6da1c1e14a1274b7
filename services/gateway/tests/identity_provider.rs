//! Tokens from an organisation's identity provider: ES256 with a configured public key. The key
//! pair is generated for the test; no key is kept in the repository.

use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use cla_gateway::auth::Auth;
use cla_gateway::config::{Config, JwtAlgorithm};
use cla_platform::Role;

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

#[test]
fn es256_tokens_verify_with_the_providers_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let private = dir.path().join("idp.key");
    let public = dir.path().join("idp.pub");
    std::fs::write(
        &private,
        pem("PRIVATE KEY", pair.to_pkcs8v1().unwrap().as_ref()),
    )
    .unwrap();
    std::fs::write(
        &public,
        pem("PUBLIC KEY", pair.public_key().as_der().unwrap().as_ref()),
    )
    .unwrap();

    // The provider signs (here: a config that also holds the private key).
    let provider = Auth::load(&Config {
        data_dir: dir.path().to_path_buf(),
        jwt_algorithm: JwtAlgorithm::ES256,
        jwt_public_key_file: Some(public.clone()),
        jwt_private_key_file: Some(private),
        ..Config::default()
    })
    .unwrap();
    let token = provider
        .mint(
            "u-9",
            "I. Dentity",
            &[Role::HqReviewer],
            &[],
            Duration::from_secs(600),
        )
        .unwrap();

    // The server holds only the public key: it verifies but cannot mint.
    let server = Auth::load(&Config {
        data_dir: dir.path().to_path_buf(),
        jwt_algorithm: JwtAlgorithm::ES256,
        jwt_public_key_file: Some(public),
        ..Config::default()
    })
    .unwrap();
    let who = server.verify(&token).unwrap();
    assert_eq!(who.id, "u-9");
    assert!(who.has(Role::HqReviewer));
    assert!(
        server
            .mint("x", "x", &[Role::Admin], &[], Duration::from_secs(60))
            .is_err()
    );
    assert!(
        !dir.path().join("jwt-secret").exists(),
        "no HS256 secret is generated"
    );

    // An HS256 token is not accepted where ES256 is configured.
    let hs = Auth::load(&Config {
        data_dir: dir.path().join("hs"),
        ..Config::default()
    })
    .unwrap();
    let forged = hs
        .mint("u", "u", &[Role::Admin], &[], Duration::from_secs(60))
        .unwrap();
    let refused = server.verify(&forged).unwrap_err();
    assert_eq!(refused.code.as_str(), "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// A provider's key set (JWKS), served over HTTP on 127.0.0.1 by the test, found directly or
// through OpenID discovery.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::RsaKeyPair;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const AUDIENCE: &str = "cla-workforce";

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key of the provider's, and its public half as a JWK.
struct Signer {
    kid: String,
    algorithm: Algorithm,
    key: EncodingKey,
    jwk: Value,
}

impl Signer {
    fn es256(kid: &str) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        // Uncompressed point: 0x04, x, y.
        let point = pair.public_key().as_ref().to_vec();
        assert_eq!(point.len(), 65);
        Self {
            kid: kid.into(),
            algorithm: Algorithm::ES256,
            key: EncodingKey::from_ec_der(pair.to_pkcs8v1().unwrap().as_ref()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": b64url(&point[1..33]), "y": b64url(&point[33..]),
            }),
        }
    }

    fn rs256(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let pkcs8 = pair.as_der().unwrap();
        Self {
            kid: kid.into(),
            algorithm: Algorithm::RS256,
            key: EncodingKey::from_rsa_pem(pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes()).unwrap(),
            jwk: json!({
                "kty": "RSA", "use": "sig", "kid": kid,
                "n": b64url(public.modulus().big_endian_without_leading_zero()),
                "e": b64url(public.exponent().big_endian_without_leading_zero()),
            }),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims an identity provider puts in an access token for this service.
fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "idp-user-1", "name": "I. Dentity",
        "roles": ["ADMIN"], "exp": now() + 600, "iat": now(),
    })
}

/// The identity provider: its discovery document and its key set, over HTTP, counting the key
/// set's fetches.
struct Idp {
    addr: SocketAddr,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Idp {
    async fn start() -> Self {
        Self::start_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    fn start_on(listener: tokio::net::TcpListener) -> Self {
        use axum::routing::get;
        let addr = listener.local_addr().unwrap();
        let keys: Arc<Mutex<Vec<Value>>> = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let issuer = format!("http://{addr}/realms/un");
        let router = axum::Router::new()
            .route(
                "/realms/un/.well-known/openid-configuration",
                get({
                    let issuer = issuer.clone();
                    move || async move {
                        axum::Json(json!({
                            "issuer": issuer,
                            "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                        }))
                    }
                }),
            )
            .route(
                "/realms/un/protocol/openid-connect/certs",
                get({
                    let keys = Arc::clone(&keys);
                    let fetches = Arc::clone(&fetches);
                    move || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        let keys = keys.lock().unwrap().clone();
                        axum::Json(json!({ "keys": keys }))
                    }
                }),
            );
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            addr,
            keys,
            fetches,
            task,
        }
    }

    fn issuer(&self) -> String {
        format!("http://{}/realms/un", self.addr)
    }

    fn jwks_url(&self) -> String {
        format!("{}/protocol/openid-connect/certs", self.issuer())
    }

    /// Publishes these keys (and only these), plus an encryption key that must be ignored.
    fn publish(&self, signers: &[&Signer]) {
        let mut keys: Vec<Value> = signers.iter().map(|s| s.jwk.clone()).collect();
        keys.push(json!({
            "kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "encryption",
            "n": "sXch", "e": "AQAB",
        }));
        *self.keys.lock().unwrap() = keys;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server over a fresh store, with the given sign-in settings.
async fn server(adjust: impl FnOnce(&mut Config)) -> (cla_gateway::Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        scan_interval_seconds: 0,
        ..Config::default()
    };
    adjust(&mut config);
    let running = cla_gateway::start(&config).await.expect("server starts");
    (running, dir)
}

/// Asks the server who may list missions, as the token's holder: the HTTP status and the body.
async fn ask(running: &cla_gateway::Running, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{}/graphql", running.addr))
        .bearer_auth(token)
        .json(&json!({ "query": "{ missions { edges { node { code } } } }" }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[track_caller]
fn refused(answer: &(u16, Value), says: &str) {
    assert_eq!(answer.0, 401, "{}", answer.1);
    assert_eq!(
        answer.1["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{}",
        answer.1
    );
    let message = answer.1["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

/// Polls `condition` until it holds, failing after 30 s.
async fn eventually<F: Future<Output = bool>>(what: &str, mut condition: impl FnMut() -> F) {
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while !condition().await {
        assert!(std::time::Instant::now() < until, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for the server's first fetch of the provider's keys (made at start-up, in the
/// background), before any token asks for one.
async fn fetched(running: &cla_gateway::Running) {
    let provider = running.state.auth.provider().expect("keys from a provider");
    eventually("the provider's keys are fetched", || async {
        provider.keys().fetched
    })
    .await;
}

#[tokio::test]
async fn tokens_of_a_discovered_provider_sign_in_when_issuer_audience_and_time_hold() {
    let idp = Idp::start().await;
    let key = Signer::rs256("rsa-1");
    idp.publish(&[&key]);
    let (running, _dir) = server(|c| {
        c.oidc_issuer_url = Some(idp.issuer());
        c.jwt_audience = Some(AUDIENCE.into());
    })
    .await;
    let good = key.sign(&claims(&idp.issuer()));
    fetched(&running).await;
    assert_eq!(ask(&running, &good).await.0, 200);
    let (status, body) = ask(&running, &good).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");

    let with = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(&idp.issuer());
        change(&mut c);
        key.sign(&c)
    };
    let wrong_issuer = with(&|c| c["iss"] = json!("https://login.example.org/other"));
    refused(&ask(&running, &wrong_issuer).await, "issuer (iss)");
    let no_issuer = with(&|c| {
        c.as_object_mut().unwrap().remove("iss");
    });
    refused(&ask(&running, &no_issuer).await, "no iss claim");
    let wrong_audience = with(&|c| c["aud"] = json!("another-service"));
    refused(&ask(&running, &wrong_audience).await, "audience (aud)");
    let no_audience = with(&|c| {
        c.as_object_mut().unwrap().remove("aud");
    });
    refused(&ask(&running, &no_audience).await, "no aud claim");
    let later = with(&|c| c["nbf"] = json!(now() + 120));
    refused(&ask(&running, &later).await, "not valid yet (nbf)");
    let within_leeway = with(&|c| c["nbf"] = json!(now() + 2));
    assert_eq!(ask(&running, &within_leeway).await.0, 200);
    let among_audiences = with(&|c| c["aud"] = json!(["account", AUDIENCE]));
    assert_eq!(ask(&running, &among_audiences).await.0, 200);
    // A token signed with a key the provider never published, under a published kid.
    let forger = Signer::rs256("rsa-1");
    refused(
        &ask(&running, &forger.sign(&claims(&idp.issuer()))).await,
        "signature",
    );
    // The symmetric algorithm is never accepted from a provider's key set.
    let hs = jsonwebtoken::encode(
        &Header {
            kid: Some("rsa-1".into()),
            ..Header::new(Algorithm::HS256)
        },
        &claims(&idp.issuer()),
        &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
    )
    .unwrap();
    refused(&ask(&running, &hs).await, "signature");
    running.stop().await;
}

#[tokio::test]
async fn rotated_keys_are_picked_up_and_removed_ones_refused_without_a_restart() {
    let idp = Idp::start().await;
    let old = Signer::es256("2025-key");
    idp.publish(&[&old]);
    let (running, _dir) = server(|c| {
        c.jwt_jwks_url = Some(idp.jwks_url());
        c.jwt_issuer = Some(idp.issuer());
        c.jwt_jwks_refresh_seconds = 1;
    })
    .await;
    let old_token = old.sign(&claims(&idp.issuer()));
    fetched(&running).await;
    assert_eq!(ask(&running, &old_token).await.0, 200);

    // The provider adds a key and signs with it: the token naming it has the keys fetched again.
    let new = Signer::rs256("2026-key");
    idp.publish(&[&old, &new]);
    let new_token = new.sign(&claims(&idp.issuer()));
    let (status, body) = ask(&running, &new_token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ask(&running, &old_token).await.0, 200);

    // The provider drops the old key: once fetched again, its tokens are refused.
    idp.publish(&[&new]);
    eventually("the removed key's tokens are refused", || async {
        ask(&running, &old_token).await.0 == 401
    })
    .await;
    refused(&ask(&running, &old_token).await, "kid");
    assert_eq!(ask(&running, &new_token).await.0, 200);

    // A kid the provider never published.
    refused(
        &ask(&running, &new.sign_as("made-up", &claims(&idp.issuer()))).await,
        "signing key (kid)",
    );
    running.stop().await;
}

#[tokio::test]
async fn tokens_naming_unknown_keys_fetch_the_keys_at_most_once_per_interval() {
    let idp = Idp::start().await;
    let key = Signer::es256("k1");
    idp.publish(&[&key]);
    let (running, _dir) = server(|c| {
        c.jwt_jwks_url = Some(idp.jwks_url());
        c.jwt_jwks_unknown_key_refresh_seconds = 3600;
    })
    .await;
    let good = key.sign(&claims(&idp.issuer()));
    fetched(&running).await;
    assert_eq!(ask(&running, &good).await.0, 200);
    let before = idp.fetches();
    for i in 0..20 {
        let garbage = key.sign_as(&format!("garbage-{i}"), &claims(&idp.issuer()));
        refused(&ask(&running, &garbage).await, "kid");
    }
    assert_eq!(
        idp.fetches(),
        before + 1,
        "twenty unknown kids cost the provider one fetch"
    );
    let garbage = key.sign_as("garbage-again", &claims(&idp.issuer()));
    refused(&ask(&running, &garbage).await, "kid");
    assert_eq!(idp.fetches(), before + 1, "still one");
    assert_eq!(ask(&running, &good).await.0, 200);
    running.stop().await;
}

#[tokio::test]
async fn the_server_starts_while_the_provider_is_down_and_signs_in_once_it_is_up() {
    // A port nothing listens on (yet).
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let issuer = format!("http://{addr}/realms/un");
    let (running, _dir) = server(|c| {
        c.oidc_issuer_url = Some(issuer.clone());
    })
    .await;
    let key = Signer::es256("k1");
    let token = key.sign(&claims(&issuer));
    refused(&ask(&running, &token).await, "not available yet");

    let idp = Idp::start_on(tokio::net::TcpListener::bind(addr).await.unwrap());
    idp.publish(&[&key]);
    eventually("the provider's keys arrive", || async {
        ask(&running, &token).await.0 == 200
    })
    .await;
    running.stop().await;
}

/// Roles and missions where Keycloak and Entra ID put them; the name from `preferred_username`
/// where there is no `name`, else the subject.
#[tokio::test]
async fn roles_and_missions_are_read_from_the_configured_claims() {
    let idp = Idp::start().await;
    let key = Signer::rs256("k1");
    idp.publish(&[&key]);
    let auth = |roles: &str, missions: &str| {
        Auth::load(&Config {
            jwt_jwks_url: Some(idp.jwks_url()),
            jwt_roles_claim: roles.into(),
            jwt_missions_claim: missions.into(),
            ..Config::default()
        })
        .unwrap()
    };

    // Keycloak: realm roles nested, missions in a user attribute mapped to a string claim.
    let keycloak = auth("realm_access.roles", "mission");
    assert_eq!(keycloak.provider().unwrap().refresh().await.unwrap(), 1);
    let token = key.sign(&json!({
        "sub": "f81d4fae", "preferred_username": "a.manager", "exp": now() + 600,
        "realm_access": { "roles": ["offline_access", "CIVIL_AFFAIRS", "uma_authorization"] },
        "resource_access": { "account": { "roles": ["manage-account"] } },
        "mission": "MONUSCO",
    }));
    let who = keycloak.verify(&token).unwrap();
    assert_eq!(who.id, "f81d4fae");
    assert_eq!(who.name, "a.manager");
    assert!(who.holds_for("MONUSCO", &[Role::CivilAffairs]));
    assert!(!who.holds_for("MINUSCA", &[Role::CivilAffairs]));
    assert!(!who.has(Role::Admin));
    // The same token read with the default claims grants nothing.
    let e = auth("roles", "missions").verify(&token);
    assert!(e.is_err(), "no roles claim at the top");

    // Entra ID: app roles in `roles`, a namespaced claim for missions (its name holds dots).
    let entra = auth("roles", "https://cla.example.org/missions");
    entra.provider().unwrap().refresh().await.unwrap();
    let token = key.sign(&json!({
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "exp": now() + 600,
        "roles": ["MISSION_HR"],
        "https://cla.example.org/missions": ["MINUSCA", "UNMISS"],
    }));
    let who = entra.verify(&token).unwrap();
    assert_eq!(
        who.name, "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "no name: the subject"
    );
    assert!(who.holds_for("MINUSCA", &[Role::MissionHr]));
    assert!(who.holds_for("UNMISS", &[Role::MissionHr]));
    assert!(!who.holds_for("MONUSCO", &[Role::MissionHr]));
    // One role as a string.
    let token =
        key.sign(&json!({ "sub": "s", "name": "N", "exp": now() + 600, "roles": "HQ_REVIEWER" }));
    assert!(entra.verify(&token).unwrap().has(Role::HqReviewer));
}
