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
