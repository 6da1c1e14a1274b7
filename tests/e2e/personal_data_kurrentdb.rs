//! Personal data sealed on the KurrentDB backend too (DESIGN.md §9): the server on KurrentDB
//! stores the same ciphertext as on the embedded store, and opens it at the door. Run when
//! `KURRENTDB_URL` names a server (see ops/kurrentdb); reported as skipped otherwise.

use cla_e2e::{TestServer, day, mission_with_base};
use cla_event_store::read_stream_to_end;
use serde_json::{Value, json};

#[tokio::test]
#[cfg_attr(not(kurrentdb_url), ignore = "skipped: KURRENTDB_URL is not set")]
async fn a_home_community_is_stored_sealed_in_kurrentdb_and_read_through_the_api() {
    let url = std::env::var("KURRENTDB_URL").expect("KURRENTDB_URL names the server");
    let server = TestServer::start_with(|c| {
        c.store = cla_gateway::config::Backend::Kurrentdb;
        c.kurrentdb_url = Some(cla_gateway::config::Secret::new(url.as_str()));
    })
    .await;
    // A mission code of its own: the cluster may hold earlier runs' streams.
    let code = format!("K{}", &uuid::Uuid::now_v7().simple().to_string()[20..26]).to_uppercase();
    let (_, base) = mission_with_base(&server, &code).await;
    let admin = server.admin();
    let home = format!("Zq4Kurrent{code}");
    let data = server
        .ok(
            &admin,
            "mutation($b: String!, $h: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: \"On Kurrent\", gender: FEMALE, homeCommunity: $h, indexNumber: \"4455667\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }",
            json!({ "b": base, "h": home, "f": day(-10) }),
        )
        .await;
    let staff = data["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = read_stream_to_end(
        server.running.state.store.as_ref(),
        &cla_event_store::StreamName::keyed("staff-", &staff),
    )
    .await
    .unwrap();
    let first: Value = serde_json::from_slice(&stored[0].data).unwrap();
    let sealed = first["homeCommunity"].as_str().unwrap();
    assert!(
        cla_platform::personal::Sealed::is_sealed(sealed) && !sealed.contains(&home),
        "{sealed}"
    );
    let read = server
        .ok(
            &admin,
            "query($s: String!) { staffMember(id: $s) { homeCommunity } }",
            json!({ "s": staff }),
        )
        .await;
    assert_eq!(read["staffMember"]["homeCommunity"], home.as_str());
    server.stop().await;
}
