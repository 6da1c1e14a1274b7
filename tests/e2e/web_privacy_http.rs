//! The personal-data screen (ADMIN), over HTTP without JavaScript: who looked at a CLA's
//! restricted data, through which door (a look through the web app is recorded as one), and the
//! erasure form — refused without a reason (400, the words beside the field, nothing written),
//! done with one (303, then shown as erased), refused to anyone but ADMIN (403, nothing written).

mod web_client;

use cla_e2e::{TestServer, day, mission_with_base};
use cla_platform::{Principal, Role};
use serde_json::json;
use web_client::{beside, csrf, get, get_in, post, session, wire};

const REGISTER: &str = "mutation($b: String!, $h: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: \"Amani Looked\", gender: FEMALE, homeCommunity: $h, indexNumber: \"6612345\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }";

#[tokio::test]
async fn admin_sees_who_looked_and_erases_with_a_reason_and_no_one_else_may() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "PRIV").await;
    let data = server
        .ok(
            &server.admin(),
            REGISTER,
            json!({ "b": base, "h": "Zq6WebHome", "f": day(-20) }),
        )
        .await;
    let staff = data["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hr = session(
        &server,
        Principal::new("hr-priv", "Hawa Ressources", &[Role::MissionHr], &["PRIV"]),
    )
    .await;
    let admin = session(
        &server,
        Principal::new("admin-priv", "Ada Admin", &[Role::Admin], &[]),
    )
    .await;
    // HR reads the profile in the web app: a look through the web.
    let (status, profile) = get(&server, &format!("/missions/PRIV/staff/{staff}"), &hr).await;
    assert_eq!(status, 200);
    assert!(profile.contains("Zq6WebHome"));
    assert!(
        !profile.contains("profile-privacy"),
        "the link is for ADMIN"
    );
    let path = format!("/missions/PRIV/staff/{staff}/privacy");
    let (status, _) = get(&server, &path, &hr).await;
    assert_eq!(status, 403, "HR may not see who looked");

    let (status, profile) = get(&server, &format!("/missions/PRIV/staff/{staff}"), &admin).await;
    assert_eq!(status, 200);
    assert!(profile.contains("profile-privacy"));
    let (status, page) = get(&server, &path, &admin).await;
    assert_eq!(status, 200);
    let looks = web_client::section(&page, "id=\"privacy-looks\"", "</table>");
    assert!(looks.contains("hr-priv"), "{looks}");
    assert!(looks.contains("web"), "through the web app: {looks}");
    assert!(looks.contains("home community"), "{looks}");
    let (_, french) = get_in(&server, &path, &admin, "fr").await;
    assert!(french.contains("Qui a consulté ses données restreintes"));
    assert!(wire(&server, &path, &admin).await <= 60 * 1024);

    // HR may not erase: refused.
    let (status, _, _) = post(
        &server,
        &path,
        &hr,
        &[("csrf", &csrf(&page)), ("reason", "asked")],
    )
    .await;
    assert_eq!(status, 403);
    // Without a reason: the form again, the words beside the field, nothing written.
    let (status, _, refused) = post(
        &server,
        &path,
        &admin,
        &[("csrf", &csrf(&page)), ("reason", " ")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&refused, "reason-error"),
        "Give the reason for the erasure."
    );
    // Looks are recorded as pages are read, but nothing of the person's record is written.
    let (_, history) = get(&server, &format!("/missions/PRIV/staff/{staff}"), &admin).await;
    assert!(!history.contains("StaffPersonalDataErased"));
    let (status, location, _) = post(
        &server,
        &path,
        &admin,
        &[("csrf", &csrf(&page)), ("reason", "asked by the person")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/privacy?done=erased"), "{location}");
    let (_, erased) = get(&server, &location, &admin).await;
    assert!(erased.contains("personal data is erased"), "{erased}");
    assert!(!erased.contains("name=\"reason\""), "no form once erased");
    let (_, profile) = get(&server, &format!("/missions/PRIV/staff/{staff}"), &hr).await;
    assert!(!profile.contains("Zq6WebHome"));
    assert!(
        profile.contains("erased (personal data erased)"),
        "shown as erased"
    );
    server.stop().await;
}
