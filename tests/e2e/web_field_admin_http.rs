//! The field channels' screens over plain HTTP (no JavaScript): the real server, sessions made
//! through one-time sign-in links. The incidents list: those under way before those resolved,
//! each linking to its page, its status in words; what happened withheld from HR; refused to
//! another mission's reader and to a reader who does not answer incidents; French; the wire.
//!
//! The SMS inbox and a CLA's channels: messages from unknown numbers (posted as Twilio posts
//! them, signed) assigned and dismissed by HR, check-ins to follow up for civil affairs; phone
//! numbers registered and released, a duress word set and cleared and never in a page; every
//! refusal in words beside its field with nothing written; other missions and readers who may
//! not act refused; French; the wire.

mod web_client;

use std::time::{Duration, Instant};

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use serde_json::json;
use web_client::*;

fn ca() -> Principal {
    Principal::new(
        "ca-1",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

fn hr() -> Principal {
    Principal::new(
        "hr-1",
        "Henriette Ressources",
        &[Role::MissionHr],
        &["MONUSCO"],
    )
}

/// A mission with one base, two CLAs deployed there, and a procedure for UNDER_THREAT.
struct World {
    server: TestServer,
    staff: Vec<String>,
    ca_token: String,
    /// The Twilio auth token the server checks SMS webhooks with.
    twilio: String,
    /// The mission's field office ("Office").
    office: String,
}

/// The number SMS to the mission are sent to.
const MISSION_NUMBER: &str = "+243900000001";

async fn world() -> World {
    let (server, twilio) = server_taking_sms(MISSION_NUMBER, "MONUSCO").await;
    let (office, base) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let mut staff = Vec::new();
    for (i, name) in ["Espérance Kavira", "Jean-Paul Mumbere"].iter().enumerate() {
        let id = cla_e2e::active_staff(&server, &hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": format!("41000{i}") })).await;
        cla_e2e::deploy(&server, &ca_token, &id, &base, &cla_e2e::day(-10)).await;
        staff.push(id);
    }
    server.ok(&ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", json!({})).await;
    server.ok(&ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", json!({})).await;
    World {
        server,
        staff,
        ca_token,
        twilio,
        office,
    }
}

/// The CLA checks in with DANGER; the incident it opens, waited for (with a deadline).
async fn danger(w: &World, staff: &str) -> String {
    let known: Vec<String> = incident_ids(w).await;
    w.server.ok(&w.ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", json!({ "s": staff })).await;
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(id) = incident_ids(w)
            .await
            .into_iter()
            .find(|i| !known.contains(i))
        {
            return id;
        }
        assert!(Instant::now() < until, "no incident opened for {staff}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn incident_ids(w: &World) -> Vec<String> {
    let data = w
        .server
        .ok(
            &w.ca_token,
            "{ incidents(missionCode: \"MONUSCO\") { id } }",
            json!({}),
        )
        .await;
    data["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_incidents_list_shows_those_under_way_first_in_words_and_withholds_what_from_hr() {
    let w = world().await;
    let server = &w.server;
    let cookie = session(server, ca()).await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No incident under way."), "{page}");
    assert!(page.contains("No incident resolved."), "{page}");
    assert!(
        page.contains("href=\"/missions/MONUSCO/incidents\""),
        "in the navigation: {page}"
    );

    let first = danger(&w, &w.staff[0]).await;
    server.ok(&w.ca_token, "mutation($i: ID!) { resolveIncident(incidentId: $i, outcome: \"Moved to the base\") { id } }", json!({ "i": first })).await;
    let second = danger(&w, &w.staff[1]).await;

    let (status, page) = get(server, "/missions/MONUSCO/incidents", &cookie).await;
    assert_eq!(status, 200, "{page}");
    let open = section(&page, "id=\"incidents-open\"", "</table>");
    let resolved = section(&page, "id=\"incidents-resolved\"", "</table>");
    assert!(
        page.find("id=\"incidents-open\"") < page.find("id=\"incidents-resolved\""),
        "under way first"
    );
    assert!(
        open.contains(&format!("href=\"/incidents/{second}\"")),
        "{open}"
    );
    assert!(!open.contains(&first), "{open}");
    assert!(open.contains("Under way (1)"), "{open}");
    assert!(open.contains("Under threat (DANGER)"), "{open}");
    assert!(
        open.contains("Notified: waiting for an acknowledgement")
            || open.contains("Open: nobody told yet"),
        "the status in words: {open}"
    );
    assert!(
        resolved.contains(&format!("href=\"/incidents/{first}\"")),
        "{resolved}"
    );
    assert!(resolved.contains("Resolved (1)"), "{resolved}");
    assert!(resolved.contains(">Resolved</span>"), "{resolved}");
    assert!(
        resolved.contains("Test User, "),
        "who resolved it (the token's user): {resolved}"
    );
    // The link opens the incident's page.
    let (status, incident) = get(server, &format!("/incidents/{second}"), &cookie).await;
    assert_eq!(status, 200, "{incident}");

    // HR answers incidents but does not see what happened.
    let hr_cookie = session(server, hr()).await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &hr_cookie).await;
    assert_eq!(status, 200, "{page}");
    let open = section(&page, "id=\"incidents-open\"", "</table>");
    assert!(
        open.contains(&format!("href=\"/incidents/{second}\"")),
        "{open}"
    );
    assert!(!page.contains("Under threat (DANGER)"), "{page}");
    assert!(open.contains("class=\"withheld\""), "{open}");

    // French.
    let (status, page) = get_in(server, "/missions/MONUSCO/incidents", &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("En cours (1)"), "{page}");
    assert!(page.contains("Résolus (1)"), "{page}");
    assert!(page.contains("Sous menace (DANGER)"), "{page}");
    assert!(!page.contains("Under way"), "{page}");

    let bytes = wire(server, "/missions/MONUSCO/incidents", &cookie).await;
    println!("wire: incidents {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    w.server.stop().await;
}

#[tokio::test]
async fn the_incidents_list_is_refused_to_another_mission_and_to_who_does_not_answer_incidents() {
    let w = world().await;
    let server = &w.server;
    danger(&w, &w.staff[0]).await;
    let other = session(
        server,
        Principal::new("ca-2", "Autre Mission", &[Role::CivilAffairs], &["MINUSCA"]),
    )
    .await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &other).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("/incidents/"), "{page}");
    let hq = session(
        server,
        Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, page) = get(server, "/missions/MONUSCO/incidents", &hq).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("href=\"/incidents/"), "{page}");
    w.server.stop().await;
}

fn other_hr() -> Principal {
    Principal::new("hr-2", "Autre Mission", &[Role::MissionHr], &["MINUSCA"])
}

/// The messages the mission's HR sees (open and resolved), as the API answers them.
async fn unmatched(w: &World) -> serde_json::Value {
    let hr = w.server.token(Role::MissionHr, &["MONUSCO"]);
    w.server
        .ok(
            &hr,
            "{ unmatchedSmsMessages(missionCode: \"MONUSCO\", resolvedToo: true) { messageId status staffId } }",
            json!({}),
        )
        .await["unmatchedSmsMessages"]
        .clone()
}

#[tokio::test]
async fn an_administrator_assigns_and_dismisses_messages_to_a_number_of_no_mission() {
    let w = world().await;
    let server = &w.server;
    let stranger = "+243815558888";
    // To a gateway number no mission is configured with.
    let nowhere = "+243900000777";
    for (sid, text) in [("SMn1", "OK ici Grace"), ("SMn2", "promo!")] {
        let status = twilio_sms(server, &w.twilio, nowhere, (sid, stranger, text)).await;
        assert_eq!(status, 200);
    }
    let admin = session(
        server,
        Principal::new("admin-1", "Ada Admin", &[Role::Admin], &[]),
    )
    .await;
    let (_, home) = get(server, "/", &admin).await;
    assert!(home.contains("href=\"/unmatched-sms\""), "linked: {home}");
    let (status, page) = get(server, "/unmatched-sms", &admin).await;
    assert_eq!(status, 200, "{page}");
    let inbox = section(&page, "id=\"sms-unmatched-title\"", "</section>");
    assert!(
        inbox.contains("Messages from unknown numbers (2)") && inbox.contains("OK ici Grace"),
        "{inbox}"
    );
    assert!(
        inbox.contains("Jean-Paul Mumbere — MONUSCO"),
        "the CLAs of every mission, with their mission: {inbox}"
    );
    assert!(
        inbox.contains("action=\"/unmatched-sms/assign\""),
        "{inbox}"
    );
    // Not on the mission's inbox, and not for the mission's HR.
    let hr_cookie = session(server, hr()).await;
    let (_, mission_inbox) = get(server, "/missions/MONUSCO/sms", &hr_cookie).await;
    assert!(!mission_inbox.contains("OK ici Grace"), "{mission_inbox}");
    let (status, _) = get(server, "/unmatched-sms", &hr_cookie).await;
    assert_eq!(status, 403);
    let token = csrf(&page);
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        "/unmatched-sms/dismiss",
        &hr_cookie,
        &[
            ("csrf", &csrf(&mission_inbox)),
            ("messageId", "twilio-SMn2"),
            ("reason", "spam"),
        ],
    )
    .await;
    assert_eq!(status, 403, "HR may not resolve it: {refused}");
    let (status, _, refused) = post(
        server,
        "/unmatched-sms/dismiss",
        &admin,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMn2"),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        !beside(&refused, "reason-twilio-SMn2-error").is_empty(),
        "the words beside the reason: {refused}"
    );
    assert_eq!(store_head(server).await, head, "nothing written");

    // Assigned to a MONUSCO CLA, dismissed with a reason.
    let (status, to, _) = post(
        server,
        "/unmatched-sms/assign",
        &admin,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMn1"),
            ("staffId", &w.staff[1]),
        ],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/unmatched-sms?done=assign"));
    let (status, to, _) = post(
        server,
        "/unmatched-sms/dismiss",
        &admin,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMn2"),
            ("reason", "advertising"),
        ],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/unmatched-sms?done=dismiss"));
    let (_, page) = get(server, &to, &admin).await;
    assert!(page.contains("Messages from unknown numbers (0)"), "{page}");
    let resolved = w
        .server
        .ok(
            &w.server.admin(),
            "{ unmatchedSmsMessages(resolvedToo: true) { messageId status staffId } }",
            json!({}),
        )
        .await["unmatchedSmsMessages"]
        .clone();
    assert_eq!(
        resolved,
        json!([
            { "messageId": "twilio-SMn1", "status": "ASSIGNED", "staffId": w.staff[1] },
            { "messageId": "twilio-SMn2", "status": "DISMISSED", "staffId": null }
        ]),
        "{resolved}"
    );
    // In French.
    let (_, page) = get_in(server, "/unmatched-sms", &admin, "fr").await;
    assert!(
        page.contains("SMS reçus sur des numéros d’aucune mission"),
        "{page}"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn hr_assigns_and_dismisses_messages_from_unknown_numbers_on_the_sms_inbox() {
    let w = world().await;
    let server = &w.server;
    let stranger = "+243815559999";
    for (sid, text) in [("SMu1", "OK c'est Marie"), ("SMu2", "hello? <b>")] {
        let status = twilio_sms(server, &w.twilio, MISSION_NUMBER, (sid, stranger, text)).await;
        assert_eq!(status, 200);
    }
    let cookie = session(server, hr()).await;
    let (status, page) = get(server, "/missions/MONUSCO/sms", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("href=\"/missions/MONUSCO/sms\""),
        "in the navigation: {page}"
    );
    let inbox = section(&page, "id=\"sms-unmatched-title\"", "</section>");
    assert!(
        inbox.contains("Messages from unknown numbers (2)"),
        "{inbox}"
    );
    assert!(inbox.contains(stranger), "{inbox}");
    assert!(inbox.contains(&escaped("OK c'est Marie")), "{inbox}");
    assert!(inbox.contains("hello? &lt;b&gt;"), "escaped: {inbox}");
    assert!(
        inbox.contains(&format!("value=\"{}\"", w.staff[1])) && inbox.contains("Jean-Paul Mumbere"),
        "the mission's CLAs to choose from: {inbox}"
    );
    assert!(
        !page.contains("id=\"sms-follow-ups\""),
        "HR does not read check-in notes: {page}"
    );
    // Asked for another date: the travel form keeps it, and the page says the inbox is now's.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (status, then) = get(
        server,
        &format!("/missions/MONUSCO/sms?asOf={yesterday}"),
        &cookie,
    )
    .await;
    assert_eq!(status, 200, "{then}");
    assert!(
        then.contains("id=\"sms-live-now\"") && then.contains(&format!("value=\"{yesterday}\"")),
        "{then}"
    );

    // Refused: no CLA chosen; a reason too long (kept as typed). Nothing written.
    let head = store_head(server).await;
    let token = csrf(&page);
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/assign",
        &cookie,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMu1"),
            ("staffId", ""),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "staffId-twilio-SMu1-error"),
        "Choose a CLA of this mission."
    );
    assert!(refused.contains("Nothing was changed."), "{refused}");
    let long = "x".repeat(1001);
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/dismiss",
        &cookie,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMu2"),
            ("reason", &long),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "reason-twilio-SMu2-error"),
        "Say why the message is dismissed (at most 1000 characters)."
    );
    assert!(
        refused.contains(&format!("value=\"{long}\"")),
        "the form as filled: {refused}"
    );
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/dismiss",
        &cookie,
        &[("messageId", "twilio-SMu2"), ("reason", "spam")],
    )
    .await;
    assert_eq!(status, 403, "no token: {refused}");
    assert_eq!(store_head(server).await, head, "nothing written");

    // Done: the first was Jean-Paul's, the second no CLA's.
    let (status, to, _) = post(
        server,
        "/missions/MONUSCO/sms/assign",
        &cookie,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMu1"),
            ("staffId", &w.staff[1]),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/sms?done=assign")
    );
    let (_, page) = get(server, &to, &cookie).await;
    assert!(
        beside(&page, "field-admin-done").contains("recorded as the CLA's check-in"),
        "{page}"
    );
    assert!(!page.contains("twilio-SMu1"), "no longer waiting: {page}");
    assert!(page.contains("Messages from unknown numbers (1)"), "{page}");
    let (status, to, _) = post(
        server,
        "/missions/MONUSCO/sms/dismiss",
        &cookie,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMu2"),
            ("reason", "Not a CLA"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/sms?done=dismiss")
    );
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("The message is dismissed."), "{page}");
    assert!(
        page.contains("No message from an unknown number is waiting."),
        "{page}"
    );
    assert_eq!(
        unmatched(&w).await,
        json!([
            { "messageId": "twilio-SMu1", "status": "ASSIGNED", "staffId": w.staff[1] },
            { "messageId": "twilio-SMu2", "status": "DISMISSED", "staffId": null },
        ])
    );
    // Assigned again: refused in words, nothing written.
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/dismiss",
        &cookie,
        &[
            ("csrf", &token),
            ("messageId", "twilio-SMu1"),
            ("reason", "spam"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused.contains("No such message waits here.")
            || refused.contains("This message was already assigned or dismissed."),
        "{refused}"
    );
    assert_eq!(store_head(server).await, head, "nothing written");

    // French, and the wire.
    twilio_sms(
        server,
        &w.twilio,
        MISSION_NUMBER,
        ("SMu3", stranger, "allo"),
    )
    .await;
    let (status, page) = get_in(server, "/missions/MONUSCO/sms", &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Messages de numéros inconnus (1)"), "{page}");
    assert!(page.contains("Attribuer à cet assistant"), "{page}");
    assert!(!page.contains("Messages from unknown numbers"), "{page}");
    let bytes = wire(server, "/missions/MONUSCO/sms", &cookie).await;
    println!("wire: sms inbox {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    w.server.stop().await;
}

#[tokio::test]
async fn the_sms_inbox_shows_each_reader_only_their_part_and_refuses_the_rest() {
    let w = world().await;
    let server = &w.server;
    let stranger = "+243815559998";
    twilio_sms(
        server,
        &w.twilio,
        MISSION_NUMBER,
        ("SMv1", stranger, "Tournesol ici"),
    )
    .await;
    // A registered number's SMS naming no keyword: to follow up.
    let hr_token = server.token(Role::MissionHr, &["MONUSCO"]);
    server.ok(&hr_token, "mutation($s: String!) { registerPhoneNumber(staffId: $s, phoneNumber: \"+243815550120\") { phoneNumber } }", json!({ "s": w.staff[0] })).await;
    twilio_sms(
        server,
        &w.twilio,
        MISSION_NUMBER,
        ("SMv2", "+243815550120", "bonjour le pont est coupe"),
    )
    .await;

    // Civil affairs: the follow-ups, not the unknown numbers' messages, no form.
    let ca_cookie = session(server, ca()).await;
    let (status, page) = get(server, "/missions/MONUSCO/sms", &ca_cookie).await;
    assert_eq!(status, 200, "{page}");
    let follow = section(&page, "id=\"sms-follow-ups\"", "</table>");
    assert!(follow.contains("to follow up (1)"), "{follow}");
    assert!(follow.contains("bonjour le pont est coupe"), "{follow}");
    assert!(
        follow.contains(&format!("href=\"/missions/MONUSCO/staff/{}\"", w.staff[0])),
        "{follow}"
    );
    assert!(
        !page.contains("Tournesol ici") && !page.contains(stranger),
        "{page}"
    );
    assert!(!page.contains("/sms/assign"), "no form: {page}");
    // ... and refused on posting one, nothing written.
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/assign",
        &ca_cookie,
        &[
            ("csrf", &csrf(&page)),
            ("messageId", "twilio-SMv1"),
            ("staffId", &w.staff[0]),
        ],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert!(!refused.contains("Tournesol ici"), "{refused}");

    // Another mission's HR: refused on the page and on its forms.
    let other = session(server, other_hr()).await;
    let (status, page) = get(server, "/missions/MONUSCO/sms", &other).await;
    assert_eq!(status, 403, "{page}");
    assert!(
        !page.contains("Tournesol ici") && !page.contains(stranger),
        "{page}"
    );
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/sms/dismiss",
        &other,
        &[
            ("csrf", &csrf(&page)),
            ("messageId", "twilio-SMv1"),
            ("reason", "spam"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    // HQ reads neither part; nor is the page in its navigation.
    let hq = session(
        server,
        Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, page) = get(server, "/missions/MONUSCO/sms", &hq).await;
    assert_eq!(status, 403, "{page}");
    let (status, overview) = get(server, "/missions/MONUSCO", &hq).await;
    assert_eq!(status, 200, "{overview}");
    assert!(
        !overview.contains("href=\"/missions/MONUSCO/sms\""),
        "{overview}"
    );
    assert_eq!(store_head(server).await, head, "nothing written");
    assert_eq!(
        unmatched(&w).await,
        json!([{ "messageId": "twilio-SMv1", "status": "OPEN", "staffId": null }])
    );
    w.server.stop().await;
}

#[tokio::test]
async fn hr_registers_and_releases_phone_numbers_and_civil_affairs_sets_a_duress_word_never_shown()
{
    let w = world().await;
    let server = &w.server;
    let staff = &w.staff[0];
    let path = format!("/missions/MONUSCO/staff/{staff}/channels");
    let cookie = session(server, hr()).await;
    let (_, profile) = get(server, &format!("/missions/MONUSCO/staff/{staff}"), &cookie).await;
    assert!(
        profile.contains(&format!("href=\"{path}\"")),
        "linked from the profile: {profile}"
    );
    let (status, page) = get(server, &path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No phone number is registered"), "{page}");
    assert!(
        page.contains("<h1>Channels of Espérance Kavira</h1>"),
        "{page}"
    );
    assert!(
        !page.contains("name=\"word\""),
        "HR sets no duress word: {page}"
    );
    let token = csrf(&page);

    // Refused: a number not written internationally, kept as typed; nothing written.
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        &format!("{path}/register"),
        &cookie,
        &[
            ("csrf", &token),
            ("phoneNumber", "0815550130"),
            ("language", ""),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "phoneNumber-error"),
        "Write the number as +, the country code and the number (8 to 15 digits)."
    );
    assert!(refused.contains("value=\"0815550130\""), "{refused}");
    // HR may not set a duress word: refused, nothing written.
    let (status, _, refused) = post(
        server,
        &format!("{path}/duress"),
        &cookie,
        &[("csrf", &token), ("word", "Tournesol42")],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert!(!refused.contains("Tournesol42"), "{refused}");
    assert_eq!(store_head(server).await, head, "nothing written");

    // Registered, in French replies.
    let (status, to, _) = post(
        server,
        &format!("{path}/register"),
        &cookie,
        &[
            ("csrf", &token),
            ("phoneNumber", "+243 815 550 130"),
            ("language", "fr"),
        ],
    )
    .await;
    assert_eq!((status, to.clone()), (303, format!("{path}?done=register")));
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("The phone number is registered."), "{page}");
    let numbers = section(&page, "id=\"channels-numbers\"", "</table>");
    assert!(numbers.contains("Current phone numbers (1)"), "{numbers}");
    assert!(
        numbers.contains("+243815550130") && numbers.contains(">fr<"),
        "{numbers}"
    );
    // The same number for another current CLA: refused, nothing written.
    let head = store_head(server).await;
    let other_path = format!("/missions/MONUSCO/staff/{}/channels", w.staff[1]);
    let (status, _, refused) = post(
        server,
        &format!("{other_path}/register"),
        &cookie,
        &[
            ("csrf", &token),
            ("phoneNumber", "+243815550130"),
            ("language", ""),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "phoneNumber-error"),
        "This number is held by another current staff member; it must be released there first."
    );
    assert_eq!(store_head(server).await, head, "nothing written");
    // Released: among the former numbers.
    let held = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (status, to, _) = post(
        server,
        &format!("{path}/release"),
        &cookie,
        &[("csrf", &token), ("phoneNumber", "+243815550130")],
    )
    .await;
    assert_eq!((status, to.clone()), (303, format!("{path}?done=release")));
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("Current phone numbers (0)"), "{page}");
    let past = section(&page, "id=\"channels-past\"", "</table>");
    assert!(past.contains("+243815550130"), "{past}");
    // As known while it was held: the number current then, and no form.
    let (status, then) = get(server, &format!("{path}?knownAt={held}"), &cookie).await;
    assert_eq!(status, 200, "{then}");
    assert!(then.contains("id=\"channels-then\""), "{then}");
    let numbers = section(&then, "id=\"channels-numbers\"", "</table>");
    assert!(
        numbers.contains("Current phone numbers (1)") && numbers.contains("+243815550130"),
        "{numbers}"
    );
    assert!(
        !then.contains("/channels/register") && !then.contains("/channels/release"),
        "no form in a view of another time: {then}"
    );
    // As of yesterday: none yet.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (_, then) = get(server, &format!("{path}?asOf={yesterday}"), &cookie).await;
    assert!(then.contains("Current phone numbers (0)"), "{then}");
    assert!(!then.contains("+243815550130"), "{then}");

    // Civil affairs: the duress word, never shown back, not even refused.
    let ca_cookie = session(server, ca()).await;
    let (status, page) = get(server, &path, &ca_cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("type=\"password\" name=\"word\""), "{page}");
    assert!(
        !page.contains("/channels/register"),
        "CA registers no number: {page}"
    );
    let ca_token = csrf(&page);
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        &format!("{path}/duress"),
        &ca_cookie,
        &[("csrf", &ca_token), ("word", "Tournesol vert")],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "word-error"),
        "A duress word is one word of 3 to 40 letters or digits."
    );
    assert!(
        !refused.contains("Tournesol"),
        "never drawn back: {refused}"
    );
    let (status, _, refused) = post(
        server,
        &format!("{path}/duress"),
        &ca_cookie,
        &[("csrf", &ca_token), ("word", "aide")],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(beside(&refused, "word-error").contains("may not be a check-in keyword"));
    assert!(!refused.contains("value=\"aide\""), "{refused}");
    assert_eq!(store_head(server).await, head, "nothing written");
    let (status, to, _) = post(
        server,
        &format!("{path}/duress"),
        &ca_cookie,
        &[("csrf", &ca_token), ("word", "Tournesol42")],
    )
    .await;
    assert_eq!((status, to.clone()), (303, format!("{path}?done=duress")));
    let mut pages = Vec::new();
    for (p, c) in [
        (to.clone(), &ca_cookie),
        (path.clone(), &cookie),
        (format!("/missions/MONUSCO/staff/{staff}"), &ca_cookie),
        ("/missions/MONUSCO/sms".to_string(), &ca_cookie),
    ] {
        let (status, page) = get(server, &p, c).await;
        assert_eq!(status, 200, "{p}: {page}");
        pages.push(page);
    }
    assert!(pages[0].contains("The duress word is set."), "{}", pages[0]);
    for page in &pages {
        assert!(!page.to_lowercase().contains("tournesol"), "{page}");
    }
    let (status, to, _) = post(
        server,
        &format!("{path}/duress-clear"),
        &ca_cookie,
        &[("csrf", &ca_token)],
    )
    .await;
    assert_eq!(
        (status, to.clone()),
        (303, format!("{path}?done=duress-clear"))
    );
    let (_, page) = get(server, &to, &ca_cookie).await;
    assert!(page.contains("The duress word is cleared."), "{page}");

    // Another mission's HR: refused on the page and its forms, nothing written.
    let other = session(server, other_hr()).await;
    let (status, page) = get(server, &path, &other).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("+243815550130"), "{page}");
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        &format!("{path}/register"),
        &other,
        &[("csrf", &csrf(&page)), ("phoneNumber", "+243815550131")],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(store_head(server).await, head, "nothing written");

    // French, and the wire.
    let (status, page) = get_in(server, &path, &ca_cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Mot de détresse"), "{page}");
    assert!(page.contains("Anciens numéros de téléphone"), "{page}");
    let bytes = wire(server, &path, &cookie).await;
    println!("wire: channels {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    w.server.stop().await;
}

/// The mission's procedures as the API answers them: (field office, kinds, steps).
async fn procedures(w: &World) -> serde_json::Value {
    w.server
        .ok(
            &w.ca_token,
            "{ escalationProcedures(missionCode: \"MONUSCO\") { procedures { fieldOfficeId kinds repeatMinutes skips { kind step } steps { recipients { kind contactId needToKnow } channels waitMinutes } } contacts { contactId phone } } }",
            json!({}),
        )
        .await["escalationProcedures"]
        .clone()
}

#[tokio::test]
async fn civil_affairs_sets_escalation_procedures_and_contacts_and_hr_reads_them() {
    let w = world().await;
    let server = &w.server;
    let path = "/missions/MONUSCO/escalation";
    let cookie = session(server, ca()).await;
    let (_, incidents) = get(server, "/missions/MONUSCO/incidents", &cookie).await;
    assert!(
        incidents.contains("href=\"escalation\""),
        "linked from the incidents: {incidents}"
    );
    let (status, page) = get(server, path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    let mission = section(&page, "id=\"procedure-mission\"", "</article>");
    assert!(
        mission.contains("The mission&#39;s procedure")
            || mission.contains("The mission's procedure"),
        "{mission}"
    );
    assert!(
        mission.contains("Starts for: Under threat (DANGER)."),
        "{mission}"
    );
    assert!(
        mission.contains("Tell JOC by Email; wait 15 min for an acknowledgement."),
        "{mission}"
    );
    let contacts = section(&page, "id=\"escalation-contacts\"", "</table>");
    assert!(contacts.contains("joc@cla.example.org"), "{contacts}");
    let token = csrf(&page);

    // Refused, each in words beside its field, the form as filled; nothing written.
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        &format!("{path}/contact"),
        &cookie,
        &[
            ("csrf", &token),
            ("contactId", "soc"),
            ("name", "Security Operations"),
            ("managerId", ""),
            ("email", ""),
            ("phone", ""),
            ("webhookUrl", ""),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "email-error"),
        "Give at least one address: an email, a phone number or a webhook."
    );
    assert!(
        refused.contains("value=\"Security Operations\""),
        "{refused}"
    );
    let (status, _, refused) = post(
        server,
        &format!("{path}/procedure"),
        &cookie,
        &[
            ("csrf", &token),
            ("fieldOfficeId", &w.office),
            ("steps[0].recipient.RECIPIENT_KIND_SUPERVISOR", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_EMAIL", "on"),
            ("steps[0].waitMinutes", "10"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "kinds-error"),
        "Tick at least one kind of alert that starts this procedure."
    );
    assert!(refused.contains("value=\"10\""), "kept: {refused}");
    assert!(
        refused
            .contains("name=\"steps[0].recipient.RECIPIENT_KIND_SUPERVISOR\" value=\"on\" checked"),
        "kept: {refused}"
    );
    let (status, _, refused) = post(
        server,
        &format!("{path}/procedure"),
        &cookie,
        &[
            ("csrf", &token),
            ("fieldOfficeId", &w.office),
            ("kind.INCIDENT_KIND_DURESS", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_SMS", "on"),
            ("steps[0].waitMinutes", "10"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "steps[0].recipients-error"),
        "Tick at least one person to tell at this step."
    );
    // A skip for a kind the procedure does not start for, and one to a step it does not have.
    let (status, _, refused) = post(
        server,
        &format!("{path}/procedure"),
        &cookie,
        &[
            ("csrf", &token),
            ("fieldOfficeId", &w.office),
            ("kind.INCIDENT_KIND_DURESS", "on"),
            ("steps[0].recipient.RECIPIENT_KIND_SUPERVISOR", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_SMS", "on"),
            ("steps[0].waitMinutes", "10"),
            ("skip.INCIDENT_KIND_UNDER_THREAT", "2"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "skips-error"),
        "A kind starts at a later step only if the procedure starts for it: tick it among the kinds above."
    );
    assert!(
        refused.contains("<option value=\"2\" selected>"),
        "the skip kept as chosen: {refused}"
    );
    let (status, _, refused) = post(
        server,
        &format!("{path}/procedure"),
        &cookie,
        &[
            ("csrf", &token),
            ("fieldOfficeId", &w.office),
            ("kind.INCIDENT_KIND_DURESS", "on"),
            ("steps[0].recipient.RECIPIENT_KIND_SUPERVISOR", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_SMS", "on"),
            ("steps[0].waitMinutes", "10"),
            ("skip.INCIDENT_KIND_DURESS", "3"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        beside(&refused, "skips-error"),
        "A kind can start only at a step the procedure has: fill that step in, or choose an earlier one."
    );
    let (status, _, refused) = post(
        server,
        &format!("{path}/remove-contact"),
        &cookie,
        &[("csrf", &token), ("contactId", "joc")],
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        section(&refused, "id=\"contact-joc\"", "</tr>")
            .contains("A procedure&#39;s step tells this contact")
            || section(&refused, "id=\"contact-joc\"", "</tr>")
                .contains("A procedure's step tells this contact"),
        "beside the contact: {refused}"
    );
    assert_eq!(store_head(server).await, head, "nothing written");

    // Done: a contact, and the field office's override in two steps.
    let before_override = chrono::Utc::now();
    let (status, to, _) = post(
        server,
        &format!("{path}/contact"),
        &cookie,
        &[
            ("csrf", &token),
            ("contactId", "soc"),
            ("name", "Security Operations"),
            ("managerId", ""),
            ("email", ""),
            ("phone", "+243900000099"),
            ("webhookUrl", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/escalation?done=contact")
    );
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("The contact is set."), "{page}");
    assert!(
        section(&page, "id=\"contact-soc\"", "</tr>").contains("+243900000099"),
        "{page}"
    );
    let (status, to, _) = post(
        server,
        &format!("{path}/procedure"),
        &cookie,
        &[
            ("csrf", &token),
            ("fieldOfficeId", &w.office),
            ("kind.INCIDENT_KIND_DURESS", "on"),
            ("kind.INCIDENT_KIND_UNDER_THREAT", "on"),
            ("steps[0].recipient.RECIPIENT_KIND_SUPERVISOR", "on"),
            (
                "steps[0].recipient.RECIPIENT_KIND_FIELD_OFFICE_MANAGERS",
                "on",
            ),
            ("steps[0].needToKnow", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_EMAIL", "on"),
            ("steps[0].channel.NOTIFICATION_CHANNEL_SMS", "on"),
            ("steps[0].waitMinutes", "10"),
            ("steps[1].contact.soc", "on"),
            ("steps[1].channel.NOTIFICATION_CHANNEL_SMS", "on"),
            ("steps[1].waitMinutes", "30"),
            ("steps[2].waitMinutes", ""),
            ("skip.INCIDENT_KIND_DURESS", "2"),
            ("skip.INCIDENT_KIND_UNDER_THREAT", "1"),
            ("repeatMinutes", "60"),
        ],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/escalation?done=procedure")
    );
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("The procedure is set."), "{page}");
    let over = section(
        &page,
        &format!("id=\"procedure-{}\"", w.office),
        "</article>",
    );
    assert!(over.contains("Override for Office"), "{over}");
    assert!(over.contains("Tell The CLA&#39;s supervisor (told who and what), The field office&#39;s managers (told who and what) by Email, SMS; wait 10 min") || over.contains("Tell The CLA's supervisor (told who and what), The field office's managers (told who and what) by Email, SMS; wait 10 min"), "{over}");
    assert!(
        over.contains("Tell Security Operations by SMS; wait 30 min"),
        "{over}"
    );
    assert!(over.contains("repeats every 60 min"), "{over}");
    assert!(
        over.contains("A Duress word received incident starts at step 2."),
        "the skip: {over}"
    );
    let set = procedures(&w).await;
    let office = set["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fieldOfficeId"] == w.office.as_str())
        .expect("the override")
        .clone();
    assert_eq!(office["kinds"], json!(["DURESS", "UNDER_THREAT"]));
    assert_eq!(office["repeatMinutes"], 60);
    assert_eq!(
        office["skips"],
        json!([{ "kind": "DURESS", "step": 2 }]),
        "a duress word starts at step 2; under threat from step 1, no skip"
    );
    assert_eq!(
        office["steps"].as_array().unwrap().len(),
        2,
        "the empty third step left out"
    );
    assert_eq!(
        office["steps"][1]["recipients"],
        json!([{ "kind": "NAMED", "contactId": "soc", "needToKnow": false }])
    );

    // As known before: the mission's procedure alone, no contact soc, and no form.
    let then = before_override.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (status, earlier) = get(server, &format!("{path}?knownAt={then}"), &cookie).await;
    assert_eq!(status, 200, "{earlier}");
    assert!(earlier.contains("id=\"escalation-then\""), "{earlier}");
    assert!(
        earlier.contains("id=\"procedure-mission\"")
            && !earlier.contains(&format!("id=\"procedure-{}\"", w.office)),
        "the override not yet known: {earlier}"
    );
    assert!(!earlier.contains("+243900000099"), "nor the contact");
    assert!(
        !earlier.contains("/escalation/procedure") && !earlier.contains("/escalation/contact"),
        "no form in a view of another time"
    );
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (_, earlier) = get(server, &format!("{path}?asOf={yesterday}"), &cookie).await;
    assert!(
        earlier.contains("id=\"escalation-none\""),
        "none in force yesterday: {earlier}"
    );

    // HR reads them, without a form; refused on posting one, nothing written.
    let hr_cookie = session(server, hr()).await;
    let (status, page) = get(server, path, &hr_cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("+243900000099") && page.contains("Override for Office"),
        "{page}"
    );
    assert!(
        !page.contains("/escalation/procedure") && !page.contains("/escalation/remove-contact"),
        "{page}"
    );
    let head = store_head(server).await;
    let (status, _, refused) = post(
        server,
        &format!("{path}/remove-procedure"),
        &hr_cookie,
        &[("csrf", &csrf(&page)), ("fieldOfficeId", &w.office)],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    // Another mission's reader and HQ: refused.
    let other = session(server, other_hr()).await;
    let (status, page) = get(server, path, &other).await;
    assert_eq!(status, 403, "{page}");
    assert!(!page.contains("joc@cla.example.org"), "{page}");
    let (status, _, _) = post(
        server,
        &format!("{path}/remove-contact"),
        &other,
        &[("csrf", &csrf(&page)), ("contactId", "soc")],
    )
    .await;
    assert_eq!(status, 403);
    let hq = session(
        server,
        Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, _) = get(server, path, &hq).await;
    assert_eq!(status, 403);
    assert_eq!(store_head(server).await, head, "nothing written");

    // French, and the wire.
    let (status, page) = get_in(server, path, &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Dérogation pour Office"), "{page}");
    assert!(page.contains("Définir une procédure"), "{page}");
    let bytes = wire(server, path, &cookie).await;
    println!("wire: escalation {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");

    // The override removed, then the contact no step tells any more.
    let (status, to, _) = post(
        server,
        &format!("{path}/remove-procedure"),
        &cookie,
        &[("csrf", &token), ("fieldOfficeId", &w.office)],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/escalation?done=remove-procedure")
    );
    let (status, to, _) = post(
        server,
        &format!("{path}/remove-contact"),
        &cookie,
        &[("csrf", &token), ("contactId", "soc")],
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/escalation?done=remove-contact")
    );
    let (_, page) = get(server, &to, &cookie).await;
    assert!(page.contains("The contact is removed."), "{page}");
    assert!(
        !page.contains("id=\"contact-soc\"")
            && !page.contains(&format!("id=\"procedure-{}\"", w.office)),
        "{page}"
    );
    w.server.stop().await;
}
