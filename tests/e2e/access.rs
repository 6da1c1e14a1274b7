//! Who may do what: every role against every registry operation, bad and expired tokens, and
//! reads and writes outside one's missions — over HTTP against the real server.

use cla_e2e::{Role, TestServer, mission_with_base, open_base};
use serde_json::{Value, json};

const HOME: &str = "ALPHA";
const AWAY: &str = "BRAVO";

#[derive(Clone, Copy, Debug)]
enum Who {
    Admin,
    Hq,
    HrHome,
    CaHome,
    CaAway,
}

const EVERYONE: [Who; 5] = [Who::Admin, Who::Hq, Who::HrHome, Who::CaHome, Who::CaAway];

fn token(server: &TestServer, who: Who) -> String {
    match who {
        Who::Admin => server.token(Role::Admin, &[]),
        Who::Hq => server.token(Role::HqReviewer, &[]),
        Who::HrHome => server.token(Role::MissionHr, &[HOME]),
        Who::CaHome => server.token(Role::CivilAffairs, &[HOME]),
        Who::CaAway => server.token(Role::CivilAffairs, &[AWAY]),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Allowed,
    Forbidden,
}

use Expect::{Allowed, Forbidden};

/// What each role may do, operation by operation (DESIGN §5 and the registry's rules).
fn expected(op: &str, who: Who) -> Expect {
    let admin_only = matches!(
        op,
        "createMission" | "renameMission" | "changeMissionPolicy"
    );
    let manage = matches!(
        op,
        "openFieldOffice"
            | "renameFieldOffice"
            | "openBase"
            | "changeBase"
            | "startClosingBase"
            | "cancelBaseClosing"
            | "closeBase"
    );
    match who {
        Who::Admin => Allowed,
        _ if admin_only => Forbidden,
        Who::CaHome if manage => Allowed,
        _ if manage => Forbidden,
        // Reads of the home mission.
        Who::Hq | Who::HrHome | Who::CaHome => Allowed,
        Who::CaAway => Forbidden,
    }
}

/// Sets up what one attempt needs and returns the operation's query and variables.
async fn attempt(server: &TestServer, op: &str, office: &str, n: usize) -> (String, Value) {
    let admin = server.admin();
    let fresh_base =
        || async { open_base(server, &admin, office, &format!("Base {op} {n}")).await };
    let closing_base = || async {
        let base = open_base(server, &admin, office, &format!("Closing {op} {n}")).await;
        server
            .ok(&admin, "mutation($id: String!) { startClosingBase(baseId: $id, reason: \"contingent leaves\") { id } }", json!({ "id": base }))
            .await;
        base
    };
    match op {
        "createMission" => (
            "mutation($code: String!) { createMission(input: {code: $code, name: \"N\", country: \"C\"}) { code } }".into(),
            json!({ "code": format!("NEW{n}") }),
        ),
        "renameMission" => (
            "mutation($n: String!) { renameMission(code: \"ALPHA\", name: $n, country: \"C\") { name } }".into(),
            json!({ "n": format!("Alpha {n}") }),
        ),
        "changeMissionPolicy" => (
            "mutation($m: Int!) { changeMissionPolicy(code: \"ALPHA\", policy: {maxTourMonths: $m}) { policy { maxTourMonths } } }".into(),
            json!({ "m": 12 + n as i64 }),
        ),
        "openFieldOffice" => (
            "mutation($n: String!) { openFieldOffice(input: {missionCode: \"ALPHA\", name: $n}) { id } }".into(),
            json!({ "n": format!("Office {n}") }),
        ),
        "renameFieldOffice" => (
            "mutation($id: String!, $n: String!) { renameFieldOffice(fieldOfficeId: $id, name: $n) { name } }".into(),
            json!({ "id": office, "n": format!("Office renamed {n}") }),
        ),
        "openBase" => (
            "mutation($id: String!, $n: String!) { openBase(input: {fieldOfficeId: $id, name: $n, kind: TEMPORARY_OPERATING_BASE}) { id } }".into(),
            json!({ "id": office, "n": format!("New base {n}") }),
        ),
        "changeBase" => (
            "mutation($id: String!) { changeBase(baseId: $id, input: {contingent: \"PAKBATT\"}) { contingent } }".into(),
            json!({ "id": fresh_base().await }),
        ),
        "startClosingBase" => (
            "mutation($id: String!) { startClosingBase(baseId: $id, reason: \"r\") { status } }".into(),
            json!({ "id": fresh_base().await }),
        ),
        "cancelBaseClosing" => (
            "mutation($id: String!) { cancelBaseClosing(baseId: $id, reason: \"r\") { status } }".into(),
            json!({ "id": closing_base().await }),
        ),
        "closeBase" => (
            "mutation($id: String!) { closeBase(baseId: $id, reason: \"r\") { status } }".into(),
            json!({ "id": closing_base().await }),
        ),
        "mission" => ("{ mission(code: \"ALPHA\") { code policy { minimumClasPerBase } } }".into(), json!({})),
        "bases" => ("{ bases(missionCode: \"ALPHA\") { totalCount } }".into(), json!({})),
        "base" => (
            "query($id: String!) { base(id: $id) { name minimum } }".into(),
            json!({ "id": fresh_base().await }),
        ),
        "fieldOffice" => (
            "query($id: String!) { fieldOffice(id: $id) { name } }".into(),
            json!({ "id": office }),
        ),
        "registryChanges" => unreachable!("subscriptions are tested in transport.rs"),
        other => panic!("no attempt for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_registry_operation() {
    let server = TestServer::start().await;
    let (office, _) = mission_with_base(&server, HOME).await;
    mission_with_base(&server, AWAY).await;
    let operations = [
        "createMission",
        "renameMission",
        "changeMissionPolicy",
        "openFieldOffice",
        "renameFieldOffice",
        "openBase",
        "changeBase",
        "startClosingBase",
        "cancelBaseClosing",
        "closeBase",
        "mission",
        "bases",
        "base",
        "fieldOffice",
    ];
    let mut table = Vec::new();
    let mut n = 0;
    for op in operations {
        for who in EVERYONE {
            n += 1;
            let (query, variables) = attempt(&server, op, &office, n).await;
            let answer = server
                .gql(Some(&token(&server, who)), &query, variables)
                .await;
            let outcome = if answer.is_ok() {
                Allowed
            } else {
                assert_eq!(
                    answer.code(),
                    "FORBIDDEN",
                    "{op} as {who:?}: {}",
                    answer.body
                );
                assert!(
                    answer.body["data"].is_null(),
                    "a refusal returns no data: {}",
                    answer.body
                );
                Forbidden
            };
            table.push((op, who, outcome, expected(op, who)));
        }
    }
    let wrong: Vec<_> = table
        .iter()
        .filter(|(_, _, got, want)| got != want)
        .collect();
    assert!(
        wrong.is_empty(),
        "outcomes differing from the table: {wrong:#?}"
    );
    assert_eq!(table.len(), operations.len() * EVERYONE.len());
    server.stop().await;
}

#[tokio::test]
async fn missing_malformed_expired_and_foreign_tokens_are_401() {
    let server = TestServer::start().await;
    let query = "{ missions { totalCount } }";
    let expired = {
        let claims = json!({ "sub": "u", "name": "n", "roles": ["ADMIN"], "missions": [], "exp": 1_000_000_000u64 });
        // Signed with the server's own key, but long expired.
        let secret = std::fs::read(server.config.data_dir.join("jwt-secret")).unwrap();
        jsonwebtoken_sign(&claims, &secret)
    };
    let foreign = {
        let other = TestServer::start().await;
        let token = other.admin();
        other.stop().await;
        token
    };
    for (what, token) in [
        ("missing", None),
        ("malformed", Some("not-a-jwt".to_string())),
        ("expired", Some(expired)),
        ("signed elsewhere", Some(foreign)),
    ] {
        let answer = server.gql(token.as_deref(), query, json!({})).await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert_eq!(answer.code(), "UNAUTHENTICATED", "{what}");
    }
    // The same request with a good token passes.
    let answer = server.gql(Some(&server.admin()), query, json!({})).await;
    assert_eq!(answer.status, 200);
    server.stop().await;
}

/// HS256 by hand, so the test does not trust the code it tests to make its bad token.
fn jsonwebtoken_sign(claims: &Value, secret: &[u8]) -> String {
    cla_gateway_sign::sign(claims, secret)
}

mod cla_gateway_sign {
    use serde_json::Value;

    pub fn sign(claims: &Value, secret: &[u8]) -> String {
        let key = jsonwebtoken::EncodingKey::from_secret(secret);
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).unwrap()
    }
}

#[tokio::test]
async fn out_of_scope_reads_and_writes_are_forbidden_never_empty() {
    let server = TestServer::start().await;
    let (_, home_base) = mission_with_base(&server, HOME).await;
    let (away_office, away_base) = mission_with_base(&server, AWAY).await;
    let ca = server.token(Role::CivilAffairs, &[HOME]);

    // Listing shows only what the scope covers.
    let missions = server
        .ok(
            &ca,
            "{ missions { totalCount edges { node { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(missions["missions"]["totalCount"], 1);
    assert_eq!(missions["missions"]["edges"][0]["node"]["code"], HOME);

    for (query, variables) in [
        ("{ mission(code: \"BRAVO\") { code } }", json!({})),
        (
            "{ bases(missionCode: \"BRAVO\") { totalCount } }",
            json!({}),
        ),
        (
            "query($id: String!) { base(id: $id) { name } }",
            json!({ "id": away_base }),
        ),
        (
            "query($id: String!) { fieldOffice(id: $id) { name } }",
            json!({ "id": away_office }),
        ),
        (
            "mutation($id: String!) { changeBase(baseId: $id, input: {name: \"x\"}) { name } }",
            json!({ "id": away_base }),
        ),
        (
            "mutation($id: String!) { openBase(input: {fieldOfficeId: $id, name: \"x\", kind: REGIONAL_OFFICE}) { id } }",
            json!({ "id": away_office }),
        ),
    ] {
        let answer = server.gql(Some(&ca), query, variables).await;
        assert_eq!(answer.code(), "FORBIDDEN", "{query}: {}", answer.body);
    }
    // Moving a home base into the other mission's office is refused by the rules.
    let answer = server
        .gql(
            Some(&ca),
            "mutation($id: String!, $office: String!) { changeBase(baseId: $id, input: {fieldOfficeId: $office}) { name } }",
            json!({ "id": home_base, "office": away_office }),
        )
        .await;
    assert_eq!(answer.code(), "VALIDATION");
    assert_eq!(answer.field(), Some("fieldOfficeId"));
    // The away base is untouched.
    let admin = server.admin();
    let base = server
        .ok(
            &admin,
            "query($id: String!) { base(id: $id) { name } }",
            json!({ "id": away_base }),
        )
        .await;
    assert_eq!(base["base"]["name"], "Base One");
    server.stop().await;
}
