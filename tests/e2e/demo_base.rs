//! The demo's base the base-page tests follow: one of MONUSCO below its minimum today because a
//! CLA is on leave (the demo puts every 25th CLA of a base of two or more on leave).

use cla_e2e::TestServer;
use serde_json::json;

/// A base of MONUSCO below its minimum today because a CLA is away, and that CLA (id, name).
pub async fn base_below_minimum(server: &TestServer) -> (String, String, String, String) {
    let board = server
        .ok(
            &server.admin(),
            "{ baseBoard(missionCode: \"MONUSCO\", status: BELOW_MINIMUM) { edges { node { baseId name clas { staffId name absent } } } } }",
            json!({}),
        )
        .await;
    board["baseBoard"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| {
            let node = &e["node"];
            let away = node["clas"]
                .as_array()?
                .iter()
                .find(|c| c["absent"] == json!(true))?;
            Some((
                node["baseId"].as_str()?.to_string(),
                node["name"].as_str()?.to_string(),
                away["staffId"].as_str()?.to_string(),
                away["name"].as_str()?.to_string(),
            ))
        })
        .expect("the demo has a base below minimum with a CLA on leave")
}
