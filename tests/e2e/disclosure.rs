//! Counts that identify a person: a counts-only reader (MISSION_HR, HQ_REVIEWER) cannot single
//! out a lone CLA's risk status from the board, the risk register, the HQ review or their CSV
//! exports. Cells covering fewer than 3 CLAs are withheld, with the smallest neighbour beside them
//! so that no total minus the rest gives them away; those who see risk detail see every count.

use cla_e2e::{Role, TestServer, mission_with_base, open_base};
use serde_json::{Value, json};

struct World {
    server: TestServer,
    lone_cla: String,
    lone: String,
    big: String,
    mid: String,
    far: String,
}

async fn office(server: &TestServer, code: &str) -> String {
    server
        .ok(
            &server.admin(),
            "mutation($c: String!) { openFieldOffice(input: {missionCode: $c, name: \"Office\", effective: \"2024-01-01\"}) { id } }",
            json!({ "c": code }),
        )
        .await["openFieldOffice"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `n` active CLAs deployed at `base`; the first one's id.
async fn clas(server: &TestServer, base: &str, n: usize, index_from: usize) -> String {
    let admin = server.admin();
    let mut first = String::new();
    for i in 0..n {
        let id = server
            .ok(&admin, "mutation($b: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: \"Person\", gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "i": format!("{}", 500000 + index_from + i) }))
            .await["registerStaffMember"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        server
            .ok(&admin, "mutation($s: String!) { activateStaff(staffId: $s, effective: \"2024-02-16\") { id } }", json!({ "s": id }))
            .await;
        server
            .ok(&admin, "mutation($s: String!, $b: String!) { deployCla(staffId: $s, baseId: $b, from: \"2024-03-01\") { staffId } }", json!({ "s": id, "b": base }))
            .await;
        if first.is_empty() {
            first = id;
        }
    }
    first
}

/// Mission KANON: office one with LONE (1 CLA, who is flagged), BIG (4) and MID (3); office two
/// with FAR (3). Mission TINY: one CLA, flagged.
async fn world() -> World {
    let server = TestServer::start().await;
    let admin = server.admin();
    let (one, lone) = mission_with_base(&server, "KANON").await;
    let two = office(&server, "KANON").await;
    let big = open_base(&server, &admin, &one, "Big").await;
    let mid = open_base(&server, &admin, &one, "Mid").await;
    let far = open_base(&server, &admin, &two, "Far").await;
    let lone_cla = clas(&server, &lone, 1, 0).await;
    clas(&server, &big, 4, 10).await;
    clas(&server, &mid, 3, 20).await;
    clas(&server, &far, 3, 30).await;
    let (_, tiny_base) = mission_with_base(&server, "TINY").await;
    let tiny_cla = clas(&server, &tiny_base, 1, 40).await;
    for staff in [&lone_cla, &tiny_cla] {
        server
            .ok(&admin, "mutation($s: String!) { raiseRiskFlag(staffId: $s, category: SEEN_AS_INFORMANT, severity: HIGH) { id } }", json!({ "s": staff }))
            .await;
    }
    World {
        server,
        lone_cla,
        lone,
        big,
        mid,
        far,
    }
}

const BOARD: &str = "query { baseBoard(missionCode: \"KANON\") { edges { node { baseId deployed openFlags { withheld low medium high critical } } } } }";

/// The board's open flags by base id.
async fn board(w: &World, token: &str) -> std::collections::HashMap<String, Value> {
    let data = w.server.ok(token, BOARD, json!({})).await;
    data["baseBoard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["baseId"].as_str().unwrap().to_string(),
                e["node"]["openFlags"].clone(),
            )
        })
        .collect()
}

/// An export's text, as `token` gets it.
async fn csv(w: &World, path: &str, token: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}/export/{path}", w.server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lone_clas_risk_status_cannot_be_singled_out_by_a_counts_only_reader() {
    let w = world().await;
    let ca = w.server.token(Role::CivilAffairs, &["KANON"]);
    let hr = w.server.token(Role::MissionHr, &["KANON"]);
    let hq = w.server.token(Role::HqReviewer, &[]);

    // Those who see risk detail see the lone CLA's flag at their base.
    let detail = board(&w, &ca).await;
    assert_eq!(detail[&w.lone]["high"], 1);
    assert_eq!(detail[&w.lone]["withheld"], false);
    assert!(detail.values().all(|f| f["withheld"] == false));

    // Counts-only readers: the lone CLA's base is withheld, and the smallest base beside it in
    // the office (MID, 3 CLAs) with it, so the office's or mission's total cannot give it away.
    for token in [&hr, &hq] {
        let counts = board(&w, token).await;
        for base in [&w.lone, &w.mid] {
            assert_eq!(counts[base]["withheld"], true, "{base}: {counts:?}");
            assert_eq!(counts[base]["high"], 0);
        }
        for base in [&w.big, &w.far] {
            assert_eq!(counts[base]["withheld"], false, "{base}: {counts:?}");
        }
    }

    // The risk register: every withheld base listed, flagged or not; the mission's total stays.
    let register = "query { riskRegister(missionCode: \"KANON\") { open withheld bySeverity { high } byBase { placeId withheld counts { high } } byFieldOffice { placeId withheld counts { high } } } }";
    let r = &w.server.ok(&hr, register, json!({})).await["riskRegister"];
    assert_eq!(
        (r["open"].clone(), r["withheld"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(r["bySeverity"]["high"], 1);
    let by_base: Vec<&Value> = r["byBase"].as_array().unwrap().iter().collect();
    let lone_row = by_base
        .iter()
        .find(|p| p["placeId"] == w.lone.as_str())
        .unwrap();
    assert_eq!(
        (
            lone_row["withheld"].clone(),
            lone_row["counts"]["high"].clone()
        ),
        (json!(true), json!(0))
    );
    assert!(
        by_base
            .iter()
            .any(|p| p["placeId"] == w.mid.as_str() && p["withheld"] == true)
    );
    assert!(
        by_base
            .iter()
            .all(|p| p["withheld"] == true || p["counts"]["high"] == 0),
        "no published base shows the flag: {r}"
    );
    let r = &w.server.ok(&ca, register, json!({})).await["riskRegister"];
    let lone_row = r["byBase"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["placeId"] == w.lone.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            lone_row["withheld"].clone(),
            lone_row["counts"]["high"].clone()
        ),
        (json!(false), json!(1))
    );
    // And who it is, for them only.
    let flags = w.server.ok(&ca, "query { riskRegister(missionCode: \"KANON\") { flags { edges { node { staffId } } } } }", json!({})).await;
    assert_eq!(
        flags["riskRegister"]["flags"]["edges"][0]["node"]["staffId"],
        w.lone_cla.as_str()
    );

    // The board's CSV says "withheld" where the page does.
    let csv = csv(&w, "board.csv?missionCode=KANON", &hr).await;
    let lone_line = csv
        .lines()
        .find(|l| l.starts_with(w.lone.as_str()))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        lone_line.ends_with("withheld,withheld,withheld,withheld"),
        "{lone_line}"
    );
    let big_line = csv.lines().find(|l| l.starts_with(w.big.as_str())).unwrap();
    assert!(big_line.ends_with("0,0,0,0"), "{big_line}");

    // The HQ review: TINY (one CLA) is withheld, with KANON beside it; the total still counts both.
    let review = w
        .server
        .ok(&hq, "query { hqStaffingReview { overall { openFlagsHigh openFlagsWithheld } missions { scope clas openFlagsHigh openFlagsWithheld } } }", json!({}))
        .await;
    let missions = review["hqStaffingReview"]["missions"].as_array().unwrap();
    for m in missions {
        assert_eq!(
            (m["openFlagsWithheld"].clone(), m["openFlagsHigh"].clone()),
            (json!(true), json!(0)),
            "{m}"
        );
    }
    assert_eq!(missions.len(), 2);
    assert_eq!(review["hqStaffingReview"]["overall"]["openFlagsHigh"], 2);
    assert_eq!(
        review["hqStaffingReview"]["overall"]["openFlagsWithheld"],
        false
    );
    // ADMIN sees every mission's count.
    let review = w
        .server
        .ok(
            &w.server.admin(),
            "query { hqStaffingReview { missions { scope openFlagsHigh openFlagsWithheld } } }",
            json!({}),
        )
        .await;
    for m in review["hqStaffingReview"]["missions"].as_array().unwrap() {
        assert_eq!(
            (m["openFlagsWithheld"].clone(), m["openFlagsHigh"].clone()),
            (json!(false), json!(1)),
            "{m}"
        );
    }
    w.server.stop().await;
}

/// Check-in compliance by base says whether a lone CLA missed a check-in: it is withheld from
/// counts-only readers where it covers fewer than 3 CLAs, and so is the HQ review's percent for
/// a mission that small.
#[tokio::test]
async fn a_lone_clas_check_ins_cannot_be_singled_out_by_a_counts_only_reader() {
    let w = world().await;
    let ca = w.server.token(Role::CivilAffairs, &["KANON"]);
    let hr = w.server.token(Role::MissionHr, &["KANON"]);
    w.server
        .ok(&ca, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: RADIO, welfare: OK) { checkInId } }", json!({ "s": w.lone_cla }))
        .await;
    const COMPLIANCE: &str = "{ checkInCompliance(missionCode: \"KANON\") { overdueCount mission { made withheld } byBase { placeId made compliancePercent withheld } byFieldOffice { placeId made withheld } } }";
    let rows = |answer: &Value, list: &str| -> std::collections::HashMap<String, Value> {
        answer["checkInCompliance"][list]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["placeId"].as_str().unwrap().to_string(), r.clone()))
            .collect()
    };

    // Those who see risk detail see the lone CLA's check-in at the lone base.
    let detail = w.server.ok(&ca, COMPLIANCE, json!({})).await;
    let by_base = rows(&detail, "byBase");
    assert_eq!(
        (
            by_base[&w.lone]["made"].clone(),
            by_base[&w.lone]["withheld"].clone()
        ),
        (json!(1), json!(false)),
        "{detail}"
    );
    assert_eq!(detail["checkInCompliance"]["mission"]["made"], 1);

    // A counts-only reader: the lone base withheld, and MID (the smallest beside it) too; BIG and
    // FAR and the mission's total stand.
    let counts = w.server.ok(&hr, COMPLIANCE, json!({})).await;
    let by_base = rows(&counts, "byBase");
    for base in [&w.lone, &w.mid] {
        assert_eq!(
            (
                by_base[base]["withheld"].clone(),
                by_base[base]["made"].clone(),
                by_base[base]["compliancePercent"].clone()
            ),
            (json!(true), json!(0), Value::Null),
            "{base}: {counts}"
        );
    }
    for base in [&w.big, &w.far] {
        assert_eq!(by_base[base]["withheld"], false, "{base}: {counts}");
    }
    // Office one (LONE, BIG, MID: 8 CLAs) stands; so does the mission (11).
    assert!(
        rows(&counts, "byFieldOffice")
            .values()
            .all(|o| o["withheld"] == false),
        "{counts}"
    );
    assert_eq!(
        counts["checkInCompliance"]["mission"],
        json!({ "made": 1, "withheld": false })
    );

    // The HQ review: TINY's compliance is withheld from HQ, in the answer and in its CSV.
    let hq = w.server.token(Role::HqReviewer, &[]);
    let review = w
        .server
        .ok(&hq, "query { hqStaffingReview { missions { scope openFlagsWithheld checkInCompliancePercent } } }", json!({}))
        .await;
    for m in review["hqStaffingReview"]["missions"].as_array().unwrap() {
        assert_eq!(m["checkInCompliancePercent"], Value::Null, "{m}");
    }
    let csv = csv(&w, "hq-review.csv", &hq).await;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "check_in_compliance_percent")
        .unwrap_or_else(|| panic!("{csv}"));
    let tiny = csv
        .lines()
        .find(|l| l.split(',').nth(1) == Some("TINY"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert_eq!(tiny.split(',').nth(column), Some("withheld"), "{csv}");
    w.server.stop().await;
}
