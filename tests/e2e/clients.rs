//! GraphQL as its clients expect it, over HTTP against the real server: GraphiQL served whole by
//! the binary (no CDN) with its introspection query answered; GET answers tagged and revalidated
//! (304), per caller; automatic persisted queries; mutations answering what they made, used by
//! its id; every share in percent; cancelled rotations listed when asked.

use std::path::Path;

use cla_e2e::{Role, TestServer, active_staff, day, deploy, mission_with_base, open_base};
use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const INTROSPECTION: &str = include_str!("introspection.graphql");

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// The `src` and `href` attributes of a page.
fn sources(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    out
}

#[tokio::test]
async fn graphiql_is_served_whole_by_the_server_and_introspects() {
    let server = TestServer::start().await;
    let page = client()
        .get(format!("{}/graphql", server.base))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<title>CLA workforce — GraphQL</title>"),
        "{html}"
    );
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "{html}"
    );

    // The policy allows this server only ('self'; data: for what the stylesheet carries inside).
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap();
        for source in words {
            assert!(
                matches!(source, "'self'" | "'none'" | "data:"),
                "{name} allows {source}: {csp}"
            );
        }
    }
    for needed in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
    ] {
        assert!(csp.contains(needed), "{csp}");
    }

    // Every file the page loads is the server's, the vendored file itself.
    let vendored =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/gateway/assets/graphiql");
    let loaded: Vec<String> = sources(&html)
        .into_iter()
        .filter(|s| !s.starts_with("data:"))
        .collect();
    assert_eq!(loaded.len(), 6, "two styles and four scripts: {loaded:?}");
    let mut plain = 0usize;
    let mut compressed = [("gzip", 0usize), ("br", 0usize)];
    for encoding in &mut compressed {
        let page = client()
            .get(format!("{}/graphql", server.base))
            .header(ACCEPT, "text/html")
            .header(ACCEPT_ENCODING, encoding.0)
            .send()
            .await
            .unwrap();
        encoding.1 += page.bytes().await.unwrap().len();
    }
    plain += html.len();
    for source in &loaded {
        assert!(source.starts_with("/graphiql/"), "{source}");
        let response = client()
            .get(format!("{}{source}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{source}");
        assert!(
            response.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let kind = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.bytes().await.unwrap();
        let stem = source.trim_start_matches("/graphiql/");
        let (name, rest) = stem.split_once('.').unwrap();
        let extension = rest.rsplit('.').next().unwrap();
        let file = match (name, extension) {
            ("graphiql", "js") => "graphiql.min.js",
            ("graphiql", "css") => "graphiql.min.css",
            ("react", _) => "react.production.min.js",
            ("react-dom", _) => "react-dom.production.min.js",
            ("start", _) => "start.js",
            ("page", _) => "page.css",
            other => panic!("an unknown file {other:?}"),
        };
        assert_eq!(
            body,
            std::fs::read(vendored.join(file)).unwrap(),
            "{source}"
        );
        plain += body.len();
        if extension == "css" {
            assert!(kind.starts_with("text/css"));
            let text = String::from_utf8_lossy(&body);
            assert!(!text.contains("@import"), "{source} imports");
            for (at, _) in text.match_indices("url(") {
                let target = text[at + 4..].trim_start_matches(['"', '\'']);
                assert!(
                    target.starts_with("data:"),
                    "{source} loads {}",
                    &target[..40]
                );
            }
        } else {
            assert!(kind.starts_with("text/javascript"));
        }
        for encoding in &mut compressed {
            let response = client()
                .get(format!("{}{source}", server.base))
                .header(ACCEPT_ENCODING, encoding.0)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.headers()[CONTENT_ENCODING].to_str().unwrap(),
                encoding.0
            );
            encoding.1 += response.bytes().await.unwrap().len();
        }
    }
    println!(
        "GraphiQL's page and files: {plain} bytes, {} gzip, {} brotli",
        compressed[0].1, compressed[1].1
    );
    for (encoding, bytes) in compressed {
        assert!(bytes < plain / 2, "{encoding}: {bytes} of {plain} bytes");
    }

    // The page opens with a mission's board and the token header's template.
    assert!(html.contains("baseBoard(missionCode:"), "{html}");
    assert!(html.contains("Bearer \\u003ctoken>"), "{html}");

    // The standard introspection query is answered, past the depth limit on questions about
    // the data; a deep question about the data is still refused.
    let admin = server.admin();
    let schema = server.ok(&admin, INTROSPECTION, json!({})).await;
    let types = schema["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "BaseBoardRow"));
    assert_eq!(schema["__schema"]["queryType"]["name"], "Query");
    let deep = server
        .gql(
            Some(&admin),
            "{ missions { totalCount } __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(deep.code(), "QUERY_TOO_DEEP", "{}", deep.body);
    let nested = "ofType { ".repeat(30) + "name" + &" }".repeat(30);
    let too_deep = server
        .gql(
            Some(&admin),
            &format!("{{ __schema {{ types {{ {nested} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(too_deep.code(), "QUERY_TOO_DEEP", "{}", too_deep.body);
    // Without a token, nothing.
    let anonymous = server.gql(None, INTROSPECTION, json!({})).await;
    assert_eq!(anonymous.status, 401);
    server.stop().await;
}

/// A GET of `query` as `token`, with `If-None-Match: tag` where given.
async fn get(
    server: &TestServer,
    token: &str,
    query: &str,
    tag: Option<&str>,
) -> reqwest::Response {
    let mut request = client()
        .get(format!("{}/graphql", server.base))
        .query(&[("query", query)])
        .bearer_auth(token);
    if let Some(tag) = tag {
        request = request.header(IF_NONE_MATCH, tag);
    }
    request.send().await.unwrap()
}

fn tag_of(response: &reqwest::Response) -> String {
    response.headers()[ETAG].to_str().unwrap().to_string()
}

#[tokio::test]
async fn get_answers_are_tagged_per_caller_and_revalidated() {
    let server = TestServer::start().await;
    let (office, _) = mission_with_base(&server, "ALPHA").await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    const BASES: &str =
        "{ bases(missionCode: \"ALPHA\") { totalCount edges { node { id name } } } }";

    let first = get(&server, &ca, BASES, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()[CACHE_CONTROL], "private, no-cache");
    let vary = first.headers()[VARY].to_str().unwrap().to_ascii_lowercase();
    assert!(vary.contains("authorization"), "{vary}");
    let tag = tag_of(&first);
    assert!(tag.starts_with("W/\""), "{tag}");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["data"]["bases"]["totalCount"], 1);

    // The same question, the same answer: 304, no body.
    let again = get(&server, &ca, BASES, Some(&tag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(tag_of(&again), tag);
    assert!(again.bytes().await.unwrap().is_empty());

    // Another caller with the same answer never matches the first caller's tag.
    let other = get(&server, &hr, BASES, Some(&tag)).await;
    assert_eq!(other.status(), StatusCode::OK);
    let other_tag = tag_of(&other);
    assert_ne!(other_tag, tag);
    let other_body: Value = other.json().await.unwrap();
    assert_eq!(
        other_body["data"], body["data"],
        "the same data, not the same tag"
    );

    // The read models move: the tag with them.
    open_base(&server, &server.admin(), &office, "Base Two").await;
    let moved = get(&server, &ca, BASES, Some(&tag)).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved_tag = tag_of(&moved);
    assert_ne!(moved_tag, tag);
    let moved_body: Value = moved.json().await.unwrap();
    assert_eq!(moved_body["data"]["bases"]["totalCount"], 2);
    let settled = get(&server, &ca, BASES, Some(&moved_tag)).await;
    assert_eq!(settled.status(), StatusCode::NOT_MODIFIED);

    // Mutations never over GET; POST answers carry no tag.
    let mutation = get(
        &server,
        &ca,
        "mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"X\"}) { id } }",
        None,
    )
    .await;
    assert_eq!(mutation.status(), StatusCode::METHOD_NOT_ALLOWED);
    let posted = client()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(&ca)
        .json(&json!({ "query": BASES }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    assert!(posted.headers().get(ETAG).is_none());
    server.stop().await;
}

fn sha256(query: &str) -> String {
    hex::encode(Sha256::digest(query.as_bytes()))
}

async fn post(server: &TestServer, token: &str, body: Value) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn persisted_queries_round_trip() {
    let server = TestServer::start().await;
    mission_with_base(&server, "ALPHA").await;
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let query = "query Bases { bases(missionCode: \"ALPHA\") { totalCount } }";
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } });

    // The hash alone, not known yet: the client is told to send the query.
    let (status, body) = post(&server, &ca, json!({ "extensions": persisted })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    // A query that is not the hash's is refused, and not kept.
    let (_, body) = post(
        &server,
        &ca,
        json!({ "query": "{ missions { code } }", "extensions": persisted }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
    // The hash with its query: run, and kept.
    let (status, body) = post(
        &server,
        &ca,
        json!({ "query": query, "extensions": persisted }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["bases"]["totalCount"], 1);
    // Then the hash alone runs it, by POST and by GET (a short URL), for another caller too.
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let (_, body) = post(&server, &hr, json!({ "extensions": persisted })).await;
    assert_eq!(body["data"]["bases"]["totalCount"], 1, "{body}");
    let response = client()
        .get(format!("{}/graphql", server.base))
        .query(&[("extensions", persisted.to_string())])
        .bearer_auth(&ca)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(ETAG).is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["bases"]["totalCount"], 1, "{body}");

    // A persisted mutation is still a mutation: never over GET, hash or not.
    let mutation =
        "mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"Y\"}) { id } }";
    let kept = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(mutation) } });
    let (status, body) = post(
        &server,
        &server.admin(),
        json!({ "query": mutation, "extensions": kept }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let response = client()
        .get(format!("{}/graphql", server.base))
        .query(&[("extensions", kept.to_string())])
        .bearer_auth(server.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let offices = server
        .ok(
            &ca,
            "{ mission(code: \"ALPHA\") { fieldOffices { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        offices["mission"]["fieldOffices"]["totalCount"], 2,
        "the office and Y, once"
    );
    // A malformed extension is refused, as a request that cannot run.
    let (_, body) = post(
        &server,
        &ca,
        json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "ab" } } }),
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    server.stop().await;
}

const REGISTER: &str = "mutation($base: String!, $name: String!, $index: String!, $gender: Gender!) { registerStaffMember(input: {baseId: $base, name: $name, gender: $gender, languages: [{language: \"Swahili\", level: \"FLUENT\"}], indexNumber: $index, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-02-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }";

#[tokio::test]
async fn mutations_answer_what_they_made_and_its_id_is_used() {
    let server = TestServer::start().await;
    let (office, base) = mission_with_base(&server, "ALPHA").await;
    let admin = server.admin();
    let other = open_base(&server, &admin, &office, "Base Two").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let staff = active_staff(
        &server,
        &hr,
        REGISTER,
        json!({ "base": base, "name": "Amani Furaha", "index": "IX0001", "gender": "FEMALE" }),
    )
    .await;
    deploy(&server, &ca, &staff, &base, "2024-03-01").await;

    // planRotation: the rotation, with its id, beside the staffing; cancelled by that id.
    let planned = server
        .ok(&ca, "mutation($s: String!, $f: String!, $t: String!, $d: Date!) { planRotation(staffId: $s, fromBaseId: $f, toBaseId: $t, date: $d) { rotation { id staffId fromBaseId toBaseId date state } staffing { staffId rotations { id } } } }", json!({ "s": staff, "f": base, "t": other, "d": day(20) }))
        .await["planRotation"]
        .clone();
    let rotation = planned["rotation"]["id"].as_str().unwrap().to_string();
    assert_eq!(planned["rotation"]["state"], "PLANNED");
    assert_eq!(planned["rotation"]["toBaseId"], other.as_str());
    assert_eq!(planned["rotation"]["date"], day(20));
    assert_eq!(planned["staffing"]["rotations"][0]["id"], rotation.as_str());
    let cancelled = server
        .ok(
            &ca,
            "mutation($r: String!) { cancelRotation(rotationId: $r, reason: \"plans changed\") { rotations { id state } } }",
            json!({ "r": rotation }),
        )
        .await;
    assert_eq!(
        cancelled["cancelRotation"]["rotations"][0]["state"],
        "CANCELLED"
    );

    // rotationCalendar lists cancelled rotations when asked, and only then.
    const CALENDAR: &str = "query($c: Boolean!) { rotationCalendar(missionCode: \"ALPHA\", includeCancelled: $c) { id state } }";
    let listed = server.ok(&ca, CALENDAR, json!({ "c": true })).await;
    assert_eq!(
        listed["rotationCalendar"],
        json!([{ "id": rotation, "state": "CANCELLED" }])
    );
    let default = server
        .ok(
            &ca,
            "{ rotationCalendar(missionCode: \"ALPHA\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(default["rotationCalendar"], json!([]));

    // recordAbsence: the absence with its id; cancelled by that id.
    let recorded = server
        .ok(&ca, "mutation($s: String!, $f: Date!, $t: Date!) { recordAbsence(staffId: $s, kind: TRAINING, from: $f, to: $t) { absence { id kind from to } staffing { absences { id } } } }", json!({ "s": staff, "f": day(3), "t": day(5) }))
        .await["recordAbsence"]
        .clone();
    let absence = recorded["absence"]["id"].as_str().unwrap().to_string();
    assert_eq!(recorded["absence"]["kind"], "TRAINING");
    assert_eq!(recorded["absence"]["from"], day(3));
    assert_eq!(recorded["staffing"]["absences"][0]["id"], absence.as_str());
    let after = server
        .ok(
            &ca,
            "mutation($a: String!) { cancelAbsence(absenceId: $a) { absences { id } } }",
            json!({ "a": absence }),
        )
        .await;
    assert_eq!(after["cancelAbsence"]["absences"], json!([]));

    // addCandidate: the candidate with their id; advanced by that id.
    let vacancy = server
        .ok(&hr, "mutation($b: String!) { openVacancy(input: {baseId: $b, title: \"CLA\", effective: \"2024-03-01\"}) { id } }", json!({ "b": base }))
        .await["openVacancy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let added = server
        .ok(&hr, "mutation($v: String!) { addCandidate(vacancyId: $v, input: {name: \"Neema\", gender: FEMALE, effective: \"2024-03-02\"}) { candidate { id name stage } vacancy { id candidates { totalCount } } } }", json!({ "v": vacancy }))
        .await["addCandidate"]
        .clone();
    let candidate = added["candidate"]["id"].as_str().unwrap().to_string();
    assert_eq!(added["candidate"]["name"], "Neema");
    assert_eq!(added["candidate"]["stage"], "APPLIED");
    assert_eq!(added["vacancy"]["id"], vacancy.as_str());
    let advanced = server
        .ok(&hr, "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: SCREENED, effective: \"2024-03-05\") { candidates { edges { node { id stage } } } } }", json!({ "v": vacancy, "c": candidate }))
        .await;
    assert_eq!(
        advanced["advanceCandidate"]["candidates"]["edges"][0]["node"],
        json!({ "id": candidate, "stage": "SCREENED" })
    );

    // appointManager: the manager with their id; supervising by that id.
    let appointed = server
        .ok(&ca, "mutation($o: String!) { appointManager(input: {fieldOfficeId: $o, name: \"Joseph\", kind: UN_VOLUNTEER, from: \"2024-03-01\"}) { manager { id name kind fieldOfficeId from to } coverage { mission { managers } } } }", json!({ "o": office }))
        .await["appointManager"]
        .clone();
    let manager = appointed["manager"]["id"].as_str().unwrap().to_string();
    assert_eq!(appointed["manager"]["kind"], "UN_VOLUNTEER");
    assert_eq!(appointed["manager"]["fieldOfficeId"], office.as_str());
    assert_eq!(appointed["manager"]["to"], Value::Null);
    assert_eq!(appointed["coverage"]["mission"]["managers"], 1);
    let supervised = server
        .ok(&ca, "mutation($m: String!, $s: String!) { assignSupervisor(managerId: $m, staffId: $s, from: \"2024-03-02\") { mission { unsupervised spans { managerId span } } } }", json!({ "m": manager, "s": staff }))
        .await;
    assert_eq!(
        supervised["assignSupervisor"]["mission"]["spans"],
        json!([{ "managerId": manager, "span": 1 }])
    );
    server.stop().await;
}

#[tokio::test]
async fn every_share_is_a_percent() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    for (name, index, gender) in [("Amani", "IX0001", "FEMALE"), ("Baraka", "IX0002", "MALE")] {
        active_staff(
            &server,
            &hr,
            REGISTER,
            json!({ "base": base, "name": name, "index": index, "gender": gender }),
        )
        .await;
    }
    // One post of one open; two candidates applied, one screened.
    let vacancy = server
        .ok(&hr, "mutation($b: String!) { openVacancy(input: {baseId: $b, title: \"CLA\", effective: \"2024-03-01\"}) { id } }", json!({ "b": base }))
        .await["openVacancy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut candidates = Vec::new();
    for name in ["C1", "C2"] {
        candidates.push(
            server
                .ok(&hr, "mutation($v: String!, $n: String!) { addCandidate(vacancyId: $v, input: {name: $n, gender: MALE, effective: \"2024-03-02\"}) { candidate { id } } }", json!({ "v": vacancy, "n": name }))
                .await["addCandidate"]["candidate"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    server
        .ok(&hr, "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: SCREENED, effective: \"2024-03-05\") { id } }", json!({ "v": vacancy, "c": candidates[0] }))
        .await;

    let review = server
        .ok(
            &server.admin(),
            "{ hqStaffingReview { overall { womenPercent vacancyPercent basesAtMinimumPercent } } }",
            json!({}),
        )
        .await;
    let overall = &review["hqStaffingReview"]["overall"];
    assert_eq!(overall["womenPercent"], 50.0, "one woman of two: {overall}");
    assert_eq!(overall["vacancyPercent"], 100.0, "one post of one open");
    let pipeline = server
        .ok(
            &hr,
            "{ recruitmentPipeline(missionCode: \"ALPHA\") { vacancyPercent conversion { from to conversionPercent } } }",
            json!({}),
        )
        .await;
    assert_eq!(pipeline["recruitmentPipeline"]["vacancyPercent"], 100.0);
    assert_eq!(
        pipeline["recruitmentPipeline"]["conversion"][0],
        json!({ "from": "APPLIED", "to": "SCREENED", "conversionPercent": 50.0 })
    );

    // Every fractional figure of the schema is named by its unit: no bare share or rate left.
    let schema = server
        .ok(
            &server.admin(),
            "{ __schema { types { name fields { name type { name ofType { name } } } } } }",
            json!({}),
        )
        .await;
    for ty in schema["__schema"]["types"].as_array().unwrap() {
        for field in ty["fields"].as_array().into_iter().flatten() {
            let named = field["type"]["name"]
                .as_str()
                .or(field["type"]["ofType"]["name"].as_str());
            if named != Some("Float") {
                continue;
            }
            let name = field["name"].as_str().unwrap();
            assert!(
                ["Percent", "Days", "Minutes", "Span"]
                    .iter()
                    .any(|unit| name.contains(unit)),
                "{}.{name} is a Float without a unit in its name",
                ty["name"]
            );
        }
    }
    server.stop().await;
}
