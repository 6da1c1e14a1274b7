//! The check-ins screen and the live alerts list over plain HTTP (no JavaScript): the real server,
//! sessions made through one-time sign-in links. The roll call posted and shown as each CLA's last
//! check-in; refused without its token, for another mission's base, and for bad input, with
//! nothing written; counts and no names for an HQ reviewer, on both pages and in the stream; the
//! server-sent events bringing an alert raised after the stream was opened, and ending with the
//! session; French.

mod web_client;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cla_e2e::TestServer;
use cla_platform::clock::ManualClock;
use cla_platform::{Principal, Role};
use serde_json::json;
use web_client::*;

/// Posts a form of owned fields (see [`web_client::post`]).
async fn post<K: AsRef<str>>(
    server: &TestServer,
    path: &str,
    cookie: &str,
    form: &[(K, String)],
) -> (u16, String, String) {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
    web_client::post(server, path, cookie, &form).await
}

/// A form's fields.
type Fields = Vec<(String, String)>;

fn ca() -> Principal {
    Principal::new(
        "ca-1",
        "Clémence Affaires",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

fn hq() -> Principal {
    Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[])
}

const NAMES: [&str; 3] = ["Espérance Kavira", "Jean-Paul Mumbere", "Grâce Masika"];

/// A mission with one base and three CLAs deployed there ten days ago (three: a counts-only
/// reader's counts of the base are not withheld), the base's id and the CLAs' ids.
struct World {
    server: TestServer,
    office: String,
    base: String,
    staff: Vec<String>,
    ca_token: String,
}

async fn world(server: TestServer) -> World {
    let (office, base) = cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let ca_token = server.token(Role::CivilAffairs, &["MONUSCO"]);
    let mut staff = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let id = cla_e2e::active_staff(&server, &hr, "mutation($b: String!, $n: String!, $i: String!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, indexNumber: $i, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base, "n": name, "i": format!("40000{i}") })).await;
        cla_e2e::deploy(&server, &ca_token, &id, &base, &cla_e2e::day(-10)).await;
        staff.push(id);
    }
    World {
        server,
        office,
        base,
        staff,
        ca_token,
    }
}

/// The CLA's check-ins as stored: the channel of each.
async fn stored_check_ins(server: &TestServer, staff: &str) -> Vec<String> {
    let stream = cla_event_store::StreamName::keyed("risk-", staff);
    cla_event_store::read_stream_to_end(server.running.state.store.as_ref(), &stream)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type.as_str().starts_with("CheckInRecorded"))
        .map(|e| {
            let data: serde_json::Value = serde_json::from_slice(&e.data).unwrap();
            data["channel"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

/// Some characters of `page` from byte `at` on.
fn near(page: &str, at: usize) -> String {
    page[at..].chars().take(300).collect()
}

/// The last check-in cell of the row of the CLA named `name` in the check-ins page.
fn last_check_in<'a>(page: &'a str, name: &str) -> &'a str {
    let table = &page[page.find("id=\"last-check-ins\"").expect("the table")..];
    let row = &table[table.find(&format!(">{name}</a>")).expect(name)..];
    let row = &row[..row.find("</tr>").unwrap()];
    let cells: Vec<&str> = row.split("<td>").skip(2).collect();
    cells[0].split("</td>").next().unwrap()
}

#[tokio::test]
async fn a_roll_call_is_recorded_and_shows_as_each_heard_clas_last_check_in() {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    let cookie = session(server, ca()).await;
    let path = format!("/missions/MONUSCO/check-ins?base={}", w.base);
    let (status, page) = get(server, &path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    for (i, name) in NAMES.iter().enumerate() {
        assert!(
            page.contains(&format!("name=\"heard\" value=\"{}\"", w.staff[i])),
            "a box for {name}: {page}"
        );
        assert_eq!(last_check_in(&page, name), "Never");
    }
    assert!(
        page.contains("href=\"/missions/MONUSCO/check-ins\""),
        "in the navigation"
    );
    assert!(
        page.contains("href=\"/missions/MONUSCO/alerts\""),
        "in the navigation"
    );

    let (status, location, _) = post(
        server,
        "/missions/MONUSCO/check-ins",
        &cookie,
        &[
            ("csrf", csrf(&page)),
            ("base", w.base.clone()),
            ("heard", w.staff[0].clone()),
            (&format!("welfare-{}", w.staff[0]), "ok".into()),
            ("heard", w.staff[2].clone()),
            (&format!("welfare-{}", w.staff[2]), "ok".into()),
            ("at", String::new()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.contains("recorded=2"), "{location}");
    let (status, page) = get(server, &location, &cookie).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Roll call recorded — check-ins by radio: 2."),
        "{page}"
    );
    let today = chrono::Utc::now().date_naive();
    for i in [0, 2] {
        let cell = last_check_in(&page, NAMES[i]);
        assert!(
            cell.ends_with(" UTC") && cell.contains(&today.format("%Y").to_string()),
            "{}: {cell}",
            NAMES[i]
        );
        assert_ne!(cell, "Never");
    }
    assert_eq!(last_check_in(&page, NAMES[1]), "Never", "not heard");
    // Each page, compressed, with its assets: within 60 KB.
    let (_, alerts) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    for (path, page) in [
        (location.as_str(), &page),
        ("/missions/MONUSCO/alerts", &alerts),
    ] {
        let mut total = wire(server, path, &cookie).await;
        for (i, _) in page.match_indices("/assets/") {
            let asset = page[i..].split('"').next().unwrap();
            total += wire(server, asset, &cookie).await;
        }
        println!("bytes on the wire: {path} with its assets: {total} (budget 61440)");
        assert!(total <= 60 * 1024, "{path}: {total} bytes");
    }
    // Recorded as radio check-ins.
    assert_eq!(stored_check_ins(server, &w.staff[0]).await.len(), 1);
    assert!(stored_check_ins(server, &w.staff[0]).await[0].contains("RADIO"));
    assert!(stored_check_ins(server, &w.staff[1]).await.is_empty());
    w.server.stop().await;
}

#[tokio::test]
async fn a_roll_call_without_its_token_for_another_missions_base_or_with_bad_input_writes_nothing()
{
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    let (_, away_base) = cla_e2e::mission_with_base(server, "MINUSCA").await;
    let cookie = session(server, ca()).await;
    let path = format!("/missions/MONUSCO/check-ins?base={}", w.base);
    let (_, page) = get(server, &path, &cookie).await;
    let token = csrf(&page);
    // The line of the first CLA in the form (its error's id).
    let boxed = page
        .find(&format!("name=\"heard\" value=\"{}\"", w.staff[0]))
        .unwrap();
    let line = &page[page[..boxed].rfind("id=\"heard-").unwrap() + "id=\"heard-".len()..];
    let line_error = format!("heard-{}-error", &line[..line.find('"').unwrap()]);
    let heard = |base: &str, welfare: &str| -> Fields {
        vec![
            ("base".into(), base.to_string()),
            ("heard".into(), w.staff[0].clone()),
            (format!("welfare-{}", w.staff[0]), welfare.to_string()),
        ]
    };
    // No token, a forged one.
    for extra in [
        vec![],
        vec![("csrf".to_string(), "forged-token-forged".to_string())],
    ] {
        let mut form = heard(&w.base, "ok");
        form.extend(extra);
        let (status, _, page) = post(server, "/missions/MONUSCO/check-ins", &cookie, &form).await;
        assert_eq!(status, 403);
        assert!(page.contains("Nothing was changed"), "{page}");
    }
    // Another mission's base, posted to this mission's page or to its own.
    for mission in ["MONUSCO", "MINUSCA"] {
        let mut form = heard(&away_base, "ok");
        form.push(("csrf".into(), token.clone()));
        let (status, _, page) = post(
            server,
            &format!("/missions/{mission}/check-ins"),
            &cookie,
            &form,
        )
        .await;
        assert_eq!(status, 403, "{mission}: {page}");
    }
    // Bad input: the form again, the words beside the field.
    let future = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            vec![("base".into(), w.base.clone())],
            "heard-error",
            "Tick at least one CLA who answered.",
        ),
        (
            {
                let mut f = heard(&w.base, "ok");
                f.push(("at".into(), "yesterday".into()));
                f
            },
            "at-error",
            "Give the time as a date and time",
        ),
        (
            {
                let mut f = heard(&w.base, "ok");
                f.push(("at".into(), future));
                f
            },
            "at-error",
            "A roll call cannot be in the future.",
        ),
        (
            heard(&w.base, "fine-thanks"),
            line_error.as_str(),
            "Choose this CLA's welfare from the list.",
        ),
    ];
    for (mut form, id, words) in cases {
        form.push(("csrf".into(), token.clone()));
        let (status, _, page) = post(server, "/missions/MONUSCO/check-ins", &cookie, &form).await;
        assert_eq!(status, 400, "{form:?}: {page}");
        let at = page
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} in {page}"));
        assert!(
            near(&page, at).contains(words),
            "{words} beside its field: {}",
            near(&page, at)
        );
        assert!(
            page.contains(&format!("aria-describedby=\"{id}\"")),
            "{id}: the field points at its error"
        );
    }
    // Nothing was written.
    let (_, page) = get(server, &path, &cookie).await;
    for name in NAMES {
        assert_eq!(last_check_in(&page, name), "Never", "{name}");
    }
    for staff in &w.staff {
        assert!(stored_check_ins(server, staff).await.is_empty());
    }
    w.server.stop().await;
}

#[tokio::test]
async fn one_check_in_by_phone_is_recorded_once_however_often_its_form_is_sent_and_bad_input_is_worded()
 {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    let cookie = session(server, ca()).await;
    let (status, page) = get(server, "/missions/MONUSCO/check-ins", &cookie).await;
    assert_eq!(status, 200, "{page}");
    let form = section(&page, "id=\"one-check-in\"", "</form>");
    for (i, name) in NAMES.iter().enumerate() {
        assert!(
            form.contains(&format!("<option value=\"{}\">{name}</option>", w.staff[i])),
            "{name} to choose: {form}"
        );
    }
    let token = csrf(&page);
    let key = input_value(&page, "idempotencyKey");
    assert!(uuid::Uuid::parse_str(&key).is_ok(), "a key: {key:?}");
    let one = |staff: &str, channel: &str, welfare: &str, at: &str| -> Fields {
        vec![
            ("csrf".into(), token.clone()),
            ("idempotencyKey".into(), key.clone()),
            ("staffId".into(), staff.to_string()),
            ("channel".into(), channel.to_string()),
            ("welfare".into(), welfare.to_string()),
            ("at".into(), at.to_string()),
            ("notes".into(), "Called from the market: all calm.".into()),
        ]
    };
    // Bad input: the form again, as filled, the words beside the field; nothing written.
    let (_, other_base) = cla_e2e::mission_with_base(server, "MINUSCA").await;
    let future = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            one("", "phone", "ok", ""),
            "one-staffId-error",
            "Choose the CLA who checked in.",
        ),
        (
            one(&w.staff[0], "pigeon", "ok", ""),
            "one-channel-error",
            "Choose how the CLA checked in from the list.",
        ),
        (
            one(&w.staff[0], "phone", "fine", ""),
            "one-welfare-error",
            "Choose this CLA's welfare from the list.",
        ),
        (
            one(&w.staff[0], "phone", "ok", "yesterday"),
            "one-at-error",
            "Give the time as a date and time",
        ),
        (
            one(&w.staff[0], "phone", "ok", &future),
            "one-at-error",
            "A check-in cannot be in the future.",
        ),
        (
            one(&other_base, "phone", "ok", ""),
            "one-staffId-error",
            "This CLA is not one of this mission's",
        ),
    ];
    for (form, id, words) in cases {
        let (status, _, page) =
            post(server, "/missions/MONUSCO/check-ins/one", &cookie, &form).await;
        assert_eq!(status, 400, "{form:?}: {page}");
        let at = page
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} in {page}"));
        assert!(
            near(&page, at).contains(&words.replace('\'', "&#39;"))
                || near(&page, at).contains(words),
            "{words} beside its field: {}",
            near(&page, at)
        );
        assert!(
            page.contains(&format!("aria-describedby=\"{id}\"")),
            "{id}: the field points at its error"
        );
        assert!(
            page.contains("Called from the market: all calm."),
            "the notes kept"
        );
        assert_eq!(input_value(&page, "idempotencyKey"), key, "the key kept");
    }
    // Without its token: refused.
    let mut forged = one(&w.staff[1], "phone", "ok", "");
    forged.retain(|(k, _)| k != "csrf");
    let (status, _, _) = post(server, "/missions/MONUSCO/check-ins/one", &cookie, &forged).await;
    assert_eq!(status, 403);
    for staff in &w.staff {
        assert!(
            stored_check_ins(server, staff).await.is_empty(),
            "nothing written"
        );
    }

    // Recorded, by phone; the same form sent again is the same check-in.
    for _ in 0..2 {
        let (status, location, page) = post(
            server,
            "/missions/MONUSCO/check-ins/one",
            &cookie,
            &one(&w.staff[1], "phone", "ok", ""),
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/missions/MONUSCO/check-ins?recorded=one"),
            "{page}"
        );
    }
    let stored = stored_check_ins(server, &w.staff[1]).await;
    assert_eq!(stored.len(), 1, "one check-in: {stored:?}");
    assert!(stored[0].contains("PHONE"), "{stored:?}");
    let (_, page) = get(server, "/missions/MONUSCO/check-ins?recorded=one", &cookie).await;
    assert!(page.contains("Check-in recorded."), "{page}");
    assert_ne!(last_check_in(&page, NAMES[1]), "Never");
    assert_ne!(
        input_value(&page, "idempotencyKey"),
        key,
        "a fresh form, a fresh key"
    );
    // In French.
    let (_, page) = get_in(server, "/missions/MONUSCO/check-ins", &cookie, "fr").await;
    assert!(
        page.contains("Enregistrer un signalement") && page.contains("Appel téléphonique"),
        "{page}"
    );
    w.server.stop().await;
}

/// Server-sent events read from a response as they come: (event, data).
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(server: &TestServer, path: &str, cookie: &str) -> Self {
        let response = client()
            .get(format!("{}{path}", server.base))
            .header("cookie", cookie)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); `None` when the stream has ended.
    async fn next(&mut self, deadline: Instant) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push(d.strip_prefix(' ').unwrap_or(d).to_string());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some((event, data.join("\n")));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no event in time; so far: {}", self.buffer);
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Ok(None)) | Ok(Err(_)) => return None,
                Err(_) => panic!("no event in time; so far: {}", self.buffer),
            }
        }
    }

    /// Events until one of `event` whose data holds `needle`; all the data seen of that kind.
    async fn until(&mut self, event: &str, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let Some((e, data)) = self.next(deadline).await else {
                panic!("the stream ended before a {event} with {needle}");
            };
            if e == event && data.contains(needle) {
                return data;
            }
        }
    }
}

/// Sets a procedure for UNDER_THREAT, and has the CLA check in with DANGER (a critical flag,
/// an alert, an incident).
async fn procedure(w: &World) {
    w.server.ok(&w.ca_token, "mutation { setEscalationContact(missionCode: \"MONUSCO\", contactId: \"joc\", name: \"JOC\", email: \"joc@cla.example.org\") { contacts { contactId } } }", json!({})).await;
    w.server.ok(&w.ca_token, "mutation { setEscalationProcedure(missionCode: \"MONUSCO\", kinds: [UNDER_THREAT], steps: [{recipients: [{kind: NAMED, contactId: \"joc\"}], channels: [EMAIL], waitMinutes: 15}]) { mission: missionCode } }", json!({})).await;
}

async fn danger(w: &World) {
    w.server.ok(&w.ca_token, "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: UNDER_THREAT) { checkInId } }", json!({ "s": w.staff[0] })).await;
}

#[tokio::test]
async fn the_stream_brings_an_alert_raised_after_it_opened_and_the_list_acknowledges_it() {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    procedure(&w).await;
    let cookie = session(server, ca()).await;
    let (status, page) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No active alert."), "{page}");
    assert!(page.contains("data-events=\"/missions/MONUSCO/alerts/events\""));
    assert!(page.contains("Refresh the list"), "reads without a script");
    let mut events = Events::open(server, "/missions/MONUSCO/alerts/events", &cookie).await;
    // First, the list as it is.
    let first = events
        .until("alerts", "No active alert.", Duration::from_secs(10))
        .await;
    assert!(first.contains("alerts-table"), "{first}");
    danger(&w).await;
    let raised = events
        .until("raised", "Risk flag raised", Duration::from_secs(20))
        .await;
    assert!(raised.contains("Critical"), "{raised}");
    assert!(
        raised.contains("Base One"),
        "where, for a manager: {raised}"
    );
    let list = events
        .until("alerts", "Under threat (DANGER)", Duration::from_secs(20))
        .await;
    assert!(list.contains("href=\"/incidents/"), "{list}");
    assert!(list.contains("Critical"), "the flag's severity: {list}");
    assert!(list.contains(">Acknowledge</button>"), "{list}");
    drop(events);

    // Acknowledged from the list, back to the list, which says by whom.
    let (_, page) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    let at = page
        .find("action=\"/incidents/")
        .expect("an incident's form");
    let action = &page[at + "action=\"".len()..];
    let action = &action[..action.find('"').unwrap()];
    assert!(action.ends_with("/acknowledge"), "{action}");
    let (status, _, _) = post(
        server,
        action,
        &cookie,
        &[("back", "/missions/MONUSCO/alerts".to_string())],
    )
    .await;
    assert_eq!(status, 403, "without its token");
    let (status, location, _) = post(
        server,
        action,
        &cookie,
        &[
            ("csrf", csrf(&page)),
            ("back", "/missions/MONUSCO/alerts".into()),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/MONUSCO/alerts")
    );
    let (_, page) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    assert!(page.contains("Acknowledged by Clémence Affaires"), "{page}");
    assert!(!page.contains(">Acknowledge</button>"), "{page}");
    w.server.stop().await;
}

#[tokio::test]
async fn the_stream_follows_an_alert_of_the_watch_raised_then_cleared() {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    let cookie = session(server, ca()).await;
    let mut events = Events::open(server, "/missions/MONUSCO/alerts/events", &cookie).await;
    events
        .until("alerts", "alerts-table", Duration::from_secs(10))
        .await;
    // A base opened with nobody there: the watch raises it empty.
    let admin = server.admin();
    let two = cla_e2e::open_base(server, &admin, &w.office, "Base Two").await;
    let monitor = &server.running.state.monitor;
    assert!(monitor.scan().await.raised > 0);
    let raised = events
        .until("raised", "Base left empty", Duration::from_secs(20))
        .await;
    assert!(raised.contains("Base Two"), "{raised}");
    let list = events
        .until("alerts", "Base left empty", Duration::from_secs(20))
        .await;
    assert!(list.contains("Base Two"), "{list}");
    // As of yesterday, it was not raised yet; that page does not follow the events.
    let (status, then) = get(
        server,
        &format!("/missions/MONUSCO/alerts?asOf={}", cla_e2e::day(-1)),
        &cookie,
    )
    .await;
    assert_eq!(status, 200, "{then}");
    assert!(!then.contains("Base left empty"), "{then}");
    assert!(then.contains("as they stood then") && !then.contains("data-events"));
    let (_, now) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    assert!(now.contains("Base left empty") && now.contains("data-events"));
    // A CLA deployed there: no longer empty (still below its minimum), the list says so.
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    let id = cla_e2e::active_staff(server, &hr, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Amani Kahindo\", gender: MALE, indexNumber: \"400099\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": two })).await;
    cla_e2e::deploy(server, &w.ca_token, &id, &two, &cla_e2e::day(-1)).await;
    assert!(monitor.scan().await.cleared > 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (event, data) = events.next(deadline).await.expect("the stream goes on");
        if event == "alerts" && !data.contains("Base left empty") {
            assert!(data.contains("Base below minimum strength"), "{data}");
            break;
        }
    }
    drop(events);
    w.server.stop().await;
}

#[tokio::test]
async fn an_hq_reviewer_sees_counts_and_no_names_on_both_pages_and_in_the_stream() {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    procedure(&w).await;
    let cookie = session(server, hq()).await;
    let (status, page) = get(server, "/missions/MONUSCO/check-ins", &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("CLAs overdue now: 0"), "the count: {page}");
    assert!(
        page.contains("Names are shown only to civil affairs managers"),
        "{page}"
    );
    let (status, with_base) = get(
        server,
        &format!("/missions/MONUSCO/check-ins?base={}", w.base),
        &cookie,
    )
    .await;
    assert_eq!(status, 200);
    for p in [&page, &with_base] {
        for name in NAMES {
            assert!(!p.contains(name), "no {name}: {p}");
        }
        assert!(!p.contains("id=\"roll-call\""), "no roll call with names");
        assert!(!p.contains("id=\"last-check-ins\""));
        assert!(!p.contains("id=\"one-check-in\""), "no form without names");
    }
    let mut events = Events::open(server, "/missions/MONUSCO/alerts/events", &cookie).await;
    events
        .until("alerts", "alerts-table", Duration::from_secs(10))
        .await;
    danger(&w).await;
    let raised = events
        .until("raised", "Risk flag raised", Duration::from_secs(20))
        .await;
    assert!(raised.contains("Critical"), "the severity: {raised}");
    for secret in [NAMES[0], "Base One", &w.staff[0], "DANGER", "threat"] {
        assert!(!raised.contains(secret), "no {secret}: {raised}");
    }
    drop(events);
    let (status, page) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("Incidents are listed only for those who answer them"));
    for secret in [NAMES[0], "DANGER", "Under threat"] {
        assert!(!page.contains(secret), "no {secret}: {page}");
    }
    w.server.stop().await;
}

#[tokio::test]
async fn the_stream_ends_when_the_session_does_and_another_mission_is_refused() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let server = TestServer::start_with_clock(clock.clone(), |_| {}).await;
    cla_e2e::mission_with_base(&server, "MONUSCO").await;
    cla_e2e::mission_with_base(&server, "MINUSCA").await;
    let cookie = session(&server, ca()).await;
    let (status, _) = get(&server, "/missions/MINUSCA/alerts/events", &cookie).await;
    assert_eq!(status, 403, "another mission's stream");
    let (status, _) = get(&server, "/missions/MINUSCA/alerts", &cookie).await;
    assert_eq!(status, 403);
    let (status, _) = get(&server, "/missions/MINUSCA/check-ins", &cookie).await;
    assert_eq!(status, 403);
    let mut events = Events::open(&server, "/missions/MONUSCO/alerts/events", &cookie).await;
    events
        .until("alerts", "alerts-table", Duration::from_secs(10))
        .await;
    // Twelve hours on, the session is over: the stream ends.
    clock.set(chrono::Utc::now() + chrono::Duration::hours(13));
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Some((event, _)) = events.next(deadline).await {
        assert_ne!(event, "raised", "nothing more is raised");
    }
    let response = client()
        .get(format!("{}/missions/MONUSCO/alerts/events", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "to sign in again");
    server.stop().await;
}

#[tokio::test]
async fn the_check_ins_and_alerts_pages_read_in_french() {
    let w = world(TestServer::start().await).await;
    let server = &w.server;
    let cookie = format!("{}; cla_lang=fr", session(server, ca()).await);
    let path = format!("/missions/MONUSCO/check-ins?base={}", w.base);
    let (_, page) = get(server, &path, &cookie).await;
    assert!(page.contains("lang=\"fr\""));
    assert!(page.contains("Signalements — MONUSCO"), "{page}");
    assert!(page.contains("Enregistrer l’appel radio"), "{page}");
    assert_eq!(last_check_in(&page, NAMES[0]), "Jamais");
    // Time travel: the form is there, and as of another day the page says what answers it.
    assert!(page.contains("name=\"asOf\""), "{page}");
    assert!(!page.contains("sont ceux de maintenant"), "{page}");
    let yesterday =
        (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).format("%Y-%m-%d");
    let (status, back) = get(server, &format!("{path}&asOf={yesterday}"), &cookie).await;
    assert_eq!(status, 200);
    assert!(back.contains("sont ceux de maintenant"), "{back}");
    assert!(
        back.contains(&format!(
            "type=\"hidden\" name=\"asOf\" value=\"{yesterday}\""
        )),
        "the filter keeps the date: {back}"
    );
    let (status, _, refused) = post(
        server,
        "/missions/MONUSCO/check-ins",
        &cookie,
        &[("csrf", csrf(&page)), ("base", w.base.clone())],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refused.contains("Cochez au moins un·e ALC qui a répondu."),
        "{refused}"
    );
    let at = chrono::Utc::now() - chrono::Duration::hours(1);
    let (status, location, _) = post(
        server,
        "/missions/MONUSCO/check-ins",
        &cookie,
        &[
            ("csrf", csrf(&page)),
            ("base", w.base.clone()),
            ("heard", w.staff[1].clone()),
            (&format!("welfare-{}", w.staff[1]), "ok".into()),
            ("at", at.format("%Y-%m-%dT%H:%M").to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(server, &location, &cookie).await;
    assert!(
        page.contains("Appel radio enregistré — signalements par radio : 1."),
        "{page}"
    );
    assert_eq!(
        last_check_in(&page, NAMES[1]),
        format!("{} UTC", at.format("%d/%m/%Y %H:%M")),
        "the French date"
    );
    let (_, page) = get(server, "/missions/MONUSCO/alerts", &cookie).await;
    assert!(page.contains("Alertes — MONUSCO"), "{page}");
    assert!(page.contains("Aucune alerte active."), "{page}");
    assert!(page.contains("Actualiser la liste"), "{page}");
    w.server.stop().await;
}
