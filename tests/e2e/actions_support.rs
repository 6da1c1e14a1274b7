//! What the staffing actions' tests share: the demo's board and a CLA's staffing through GraphQL,
//! and a base of exactly two whose CLAs are free to rotate and be absent.

use cla_e2e::TestServer;
use serde_json::{Value, json};

/// The board of MONUSCO as GraphQL answers it today.
pub async fn board(server: &TestServer) -> Vec<Value> {
    let data = server
        .ok(
            &server.admin(),
            "query { baseBoard(missionCode: \"MONUSCO\", first: 500) { edges { node { baseId name deployed effectiveStrength minimum clas { staffId name absent } } } } }",
            json!({}),
        )
        .await;
    data["baseBoard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A CLA's staffing today: base, absences, rotations.
pub async fn cla_staffing(server: &TestServer, staff: &str) -> Value {
    cla_staffing_in(server, staff, 0).await
}

/// A CLA's staffing as of `days` from today (absences count from the day they start).
pub async fn cla_staffing_in(server: &TestServer, staff: &str, days: i64) -> Value {
    let as_of = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    server
        .ok(
            &server.admin(),
            "query($s: String!, $d: Date) { claStaffing(staffId: $s, asOf: $d) { baseId absences { id from to } rotations { id state } } }",
            json!({ "s": staff, "d": as_of.to_string() }),
        )
        .await["claStaffing"]
        .clone()
}

/// A base of exactly two.
pub struct BaseOfTwo {
    pub id: String,
    pub name: String,
    /// The CLA whose deployment the tests end, and the one who stays.
    pub leaving: String,
    pub staying: String,
    /// Another base of the mission.
    pub other: String,
}

/// A base of exactly two (both present, minimum two) whose CLAs have no planned rotation and no
/// absence to come, so the tests' rotations and absences are theirs alone.
pub async fn base_of_two(server: &TestServer) -> BaseOfTwo {
    let rows = board(server).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let id = |v: &Value| v.as_str().unwrap().to_string();
    for row in &rows {
        let clas = row["clas"].as_array().unwrap();
        if row["deployed"] != 2
            || row["effectiveStrength"] != 2
            || row["minimum"] != 2
            || clas.iter().any(|c| c["absent"] == true)
        {
            continue;
        }
        let mut free = true;
        for cla in clas {
            // Two months ahead: any absence to come that the tests' could meet.
            let s = cla_staffing_in(server, cla["staffId"].as_str().unwrap(), 60).await;
            let busy_rotation = s["rotations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["state"] == "PLANNED" || r["state"] == "OVERDUE");
            let busy_absence = s["absences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["to"].as_str().unwrap() >= today.as_str());
            free &= !busy_rotation && !busy_absence;
        }
        if free {
            // An open base of three or more: it takes a rotation in.
            let other = rows
                .iter()
                .find(|r| {
                    r["baseId"] != row["baseId"] && r["effectiveStrength"].as_u64() >= Some(3)
                })
                .unwrap();
            return BaseOfTwo {
                id: id(&row["baseId"]),
                name: id(&row["name"]),
                leaving: id(&clas[0]["staffId"]),
                staying: id(&clas[1]["staffId"]),
                other: id(&other["baseId"]),
            };
        }
    }
    panic!("the demo has a base of exactly two whose CLAs are free");
}

/// The ids of a CLA's planned rotations.
pub async fn planned_rotations(server: &TestServer, staff: &str) -> Vec<String> {
    cla_staffing(server, staff).await["rotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "PLANNED")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}
