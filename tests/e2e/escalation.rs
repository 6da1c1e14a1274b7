//! Escalation end to end, on an injected clock, with real peers: aiosmtpd receives the emails, a
//! webhook receiver checks each signature, and a server playing Twilio's Messages API receives
//! the SMS. A silence emails the CLA's supervisor at once, then after the step's wait the
//! operations centre; acknowledged through the email's link, nothing more is sent, and the link
//! works once. Duress goes straight to the security contact, whose "ACK <code>" reply
//! acknowledges it. A counts-only contact is told no name. SMTP down: retried, and the failure
//! is told to the named contacts by webhook.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cla_e2e::peers::{SmtpSink, WebhookReceiver, free_port};
use cla_e2e::{
    Role, TestServer, active_staff, day, deploy, eight_today, mission_with_base, twilio_signature,
};
use cla_gateway::config::Secret;
use cla_platform::clock::ManualClock;
use serde_json::{Value, json};

const WEBHOOK_SECRET: &str = "webhook-signing-secret-of-32-bytes-or-more";
const TWILIO_TOKEN: &str = "twilio-auth-token-0123456789abcdef";
const MISSION_NUMBER: &str = "+243900000009";
const CLA_NUMBER: &str = "+243815550301";
const SECURITY_PHONE: &str = "+243815550399";

/// The SMS a server playing Twilio's Messages API received: (To, Body).
#[derive(Clone, Default)]
struct TwilioApi(Arc<Mutex<Vec<(String, String)>>>);

impl TwilioApi {
    async fn start() -> (Self, String) {
        let api = Self::default();
        let keep = api.clone();
        let app =
            axum::Router::new().route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                axum::routing::post(
                    move |axum::extract::Path(_sid): axum::extract::Path<String>,
                          axum::Form(form): axum::Form<
                        std::collections::HashMap<String, String>,
                    >| {
                        let keep = keep.clone();
                        async move {
                            keep.0.lock().unwrap().push((
                                form.get("To").cloned().unwrap_or_default(),
                                form.get("Body").cloned().unwrap_or_default(),
                            ));
                            (
                                axum::http::StatusCode::CREATED,
                                axum::Json(json!({ "sid": "SM00000000000000000000000000000001" })),
                            )
                        }
                    },
                ),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (api, url)
    }

    async fn wait_for(&self, count: usize) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.0.lock().unwrap().clone();
            if got.len() >= count {
                return got;
            }
            assert!(Instant::now() < deadline, "{count} SMS expected: {got:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

struct World {
    server: TestServer,
    clock: Arc<ManualClock>,
    start: DateTime<Utc>,
    ca: String,
    hr: String,
    cla: String,
    smtp: SmtpSink,
    hooks: WebhookReceiver,
    sms: TwilioApi,
}

const PROCEDURE: &str = "mutation($m: String!, $steps: [EscalationStepInput!]!, $skips: [StepSkipInput!]) { setEscalationProcedure(missionCode: $m, kinds: [MISSED_CHECK_IN, DURESS, UNDER_THREAT], steps: $steps, skips: $skips) { procedures { kinds } } }";

/// Mission ESC: Amina Kahindo deployed at its base, supervised by Joseph Mbala (whose email is
/// known), checked in at the start; the operations centre (JOC: webhook and email, counts only)
/// and the security cell (SMS, need-to-know) as named contacts; the procedure: 1. the
/// supervisor by email (15 min), 2. the JOC by webhook and email (30 min), 3. the field office's
/// managers by email; duress straight to 2 and the security cell.
async fn world(test: &str, smtp_port: Option<u16>) -> Option<World> {
    world_every(test, smtp_port, 50).await
}

/// [`world`], the escalation worker looking every `every_ms` (0: not by itself).
async fn world_every(test: &str, smtp_port: Option<u16>, every_ms: u64) -> Option<World> {
    let smtp = SmtpSink::start(test)?;
    let hooks = WebhookReceiver::start(WEBHOOK_SECRET).await;
    let (sms, twilio_url) = TwilioApi::start().await;
    let start = eight_today();
    let clock = Arc::new(ManualClock::new(start));
    let port = smtp_port.unwrap_or(smtp.port);
    let server = TestServer::start_with_clock(clock.clone(), move |c| {
        c.escalation_interval_ms = every_ms;
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = port;
        c.smtp_tls = cla_notify::SmtpTls::None;
        c.smtp_from = Some("CLA alerts <alerts@cla.example.org>".into());
        c.webhook_signing_secret = Some(Secret::new(WEBHOOK_SECRET));
        c.sms_twilio_auth_token = Some(Secret::new(TWILIO_TOKEN));
        c.sms_twilio_account_sid = Some("AC00000000000000000000000000000001".into());
        c.sms_twilio_api_url = twilio_url;
        c.sms_send_gateway = Some(cla_notify::SmsGateway::Twilio);
        c.sms_send_from = Some(MISSION_NUMBER.into());
        c.sms_numbers.insert(MISSION_NUMBER.into(), "ESC".into());
    })
    .await;
    let (office, base) = mission_with_base(&server, "ESC").await;
    let admin = server.admin();
    server.ok(&admin, "mutation { changeMissionPolicy(code: \"ESC\", policy: {checkInIntervalHours: 24, checkInGraceHours: 6}) { code } }", json!({})).await;
    let hr = server.token(Role::MissionHr, &["ESC"]);
    let ca = server.token(Role::CivilAffairs, &["ESC"]);
    let cla = active_staff(&server, &hr, "mutation($b: String!) { registerStaffMember(input: {baseId: $b, name: \"Amina Kahindo\", gender: FEMALE, indexNumber: \"300001\", grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2030-12-31\"}, effective: \"2024-02-15\"}) { id } }", json!({ "b": base })).await;
    deploy(&server, &ca, &cla, &base, &day(-10)).await;
    server.ok(&hr, "mutation($s: String!, $p: String!) { registerPhoneNumber(staffId: $s, phoneNumber: $p) { phoneNumber } }", json!({ "s": cla, "p": CLA_NUMBER })).await;
    server
        .ok(
            &ca,
            "mutation($s: String!) { setDuressWord(staffId: $s, word: \"Mangue\") }",
            json!({ "s": cla }),
        )
        .await;
    let manager = server.ok(&ca, "mutation($o: String!, $f: Date!) { appointManager(input: {fieldOfficeId: $o, name: \"Joseph Mbala\", kind: INTERNATIONAL_STAFF, from: $f}) { coverage { mission { spans { managerId } } } } }", json!({ "o": office, "f": day(-30) })).await["appointManager"]["coverage"]["mission"]["spans"][0]["managerId"].as_str().unwrap().to_string();
    server.ok(&ca, "mutation($m: String!, $s: String!, $f: Date!) { assignSupervisor(managerId: $m, staffId: $s, from: $f) { mission { clas } } }", json!({ "m": manager, "s": cla, "f": day(-20) })).await;
    let contact = "mutation($m: String!, $id: ID!, $mgr: ID, $n: String!, $e: String, $p: String, $w: String) { setEscalationContact(missionCode: $m, contactId: $id, managerId: $mgr, name: $n, email: $e, phone: $p, webhookUrl: $w) { contacts { contactId } } }";
    server.ok(&ca, contact, json!({ "m": "ESC", "id": "mbala", "mgr": manager, "n": "", "e": "joseph.mbala@cla.example.org" })).await;
    server.ok(&ca, contact, json!({ "m": "ESC", "id": "joc", "n": "ESC JOC", "e": "joc@cla.example.org", "w": hooks.url })).await;
    server
        .ok(
            &ca,
            contact,
            json!({ "m": "ESC", "id": "security", "n": "ESC security cell", "p": SECURITY_PHONE }),
        )
        .await;
    let steps = json!([
        { "recipients": [{ "kind": "SUPERVISOR", "needToKnow": true }], "channels": ["EMAIL"], "waitMinutes": 15 },
        { "recipients": [{ "kind": "NAMED", "contactId": "joc" }, { "kind": "NAMED", "contactId": "security", "needToKnow": true }], "channels": ["WEBHOOK", "EMAIL", "SMS"], "waitMinutes": 30 },
        { "recipients": [{ "kind": "FIELD_OFFICE_MANAGERS", "needToKnow": true }], "channels": ["EMAIL"], "waitMinutes": 30 },
    ]);
    server
        .ok(
            &ca,
            PROCEDURE,
            json!({ "m": "ESC", "steps": steps, "skips": [{ "kind": "DURESS", "step": 2 }] }),
        )
        .await;
    server.ok(&ca, "mutation($s: String!, $at: DateTime) { recordCheckIn(staffId: $s, at: $at, channel: PHONE, welfare: OK) { checkInId } }", json!({ "s": cla, "at": start.to_rfc3339() })).await;
    Some(World {
        server,
        clock,
        start,
        ca,
        hr,
        cla,
        smtp,
        hooks,
        sms,
    })
}

const INCIDENTS: &str = "query($m: String!) { incidents(missionCode: $m) { id status step withheld fieldOfficeName timeline { kind step channel recipient attempt detail by } } }";

impl World {
    async fn incidents(&self, token: &str) -> Vec<Value> {
        self.server
            .ok(token, INCIDENTS, json!({ "m": "ESC" }))
            .await["incidents"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The one incident, once `done` holds of it (as CIVIL_AFFAIRS sees it).
    async fn incident_when(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let incidents = self.incidents(&self.ca).await;
            if let [one] = incidents.as_slice()
                && done(one)
            {
                return one.clone();
            }
            assert!(
                Instant::now() < deadline,
                "waiting for {what}: {incidents:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Moves the clock and lets the worker look (it looks every 50 ms).
    fn advance(&self, minutes: i64) {
        self.clock
            .set(self.clock_now() + chrono::Duration::minutes(minutes));
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use cla_platform::clock::Clock;
        self.clock.now()
    }

    async fn twilio_sms(&self, from: &str, body: &str) -> (u16, String) {
        let sid = format!("SM{}", uuid::Uuid::now_v7().simple());
        let params = [
            ("AccountSid", "AC00000000000000000000000000000001"),
            ("Body", body),
            ("From", from),
            ("MessageSid", sid.as_str()),
            ("To", MISSION_NUMBER),
        ];
        let url = format!("{}/sms/twilio", self.server.base);
        let signature = twilio_signature(TWILIO_TOKEN, &url, &params);
        let response = reqwest::Client::new()
            .post(&url)
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

fn kinds(incident: &Value) -> Vec<(String, Option<i64>)> {
    incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["step"].as_i64()))
        .collect()
}

/// The path of the acknowledge link in an email's body.
fn ack_path(body: &str, base: &str) -> String {
    let at = body.find("/ack/").expect("an acknowledge link");
    assert!(
        body[..at].ends_with(base),
        "the link names the server's address: {body}"
    );
    body[at..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_silence_emails_the_supervisor_then_the_operations_centre_and_a_link_acknowledges_it_once()
 {
    let Some(w) = world("escalation: a silence", None).await else {
        return;
    };
    // 31 hours of silence: the detector raises the flag, the incident opens, step 1 goes out.
    w.clock.set(w.start + chrono::Duration::hours(31));
    assert_eq!(
        w.server
            .running
            .state
            .detector
            .scan()
            .await
            .missed_check_ins,
        1
    );
    let flagged = Instant::now();
    let emails = w.smtp.wait_for(1, Duration::from_secs(10)).await;
    println!(
        "step 1's email arrived {} ms after the flag",
        flagged.elapsed().as_millis()
    );
    let first = &emails[0];
    assert_eq!(first["rcpt_tos"], json!(["joseph.mbala@cla.example.org"]));
    let body = first["body"].as_str().unwrap();
    assert!(
        body.contains("Amina Kahindo") && body.to_lowercase().contains("missed check-ins"),
        "the supervisor is need-to-know: {body}"
    );
    assert!(first["headers"]["X-CLA-Notification-Id"].is_string());
    let incident = w
        .incident_when("step 1 delivered", |i| {
            kinds(i).contains(&("NOTIFICATION_DELIVERED".into(), Some(1)))
        })
        .await;
    assert_eq!(incident["status"], "NOTIFIED");
    assert_eq!(incident["step"], 1);
    // Nobody acknowledges within 15 minutes: step 2, the JOC by webhook and email (counts only)
    // and the security cell by SMS.
    assert!(w.hooks.received().is_empty(), "step 2 waits its turn");
    w.advance(16);
    let hooks = w.hooks.wait_for(1, Duration::from_secs(10)).await;
    assert!(hooks[0].signed, "the webhook's signature checks out");
    let text = hooks[0].body.to_string();
    assert!(
        text.contains("An alert needs attention at")
            && !text.contains("Amina")
            && !text.contains("Kahindo"),
        "a counts-only contact is told no name: {text}"
    );
    let emails = w.smtp.wait_for(2, Duration::from_secs(10)).await;
    let joc = emails
        .iter()
        .find(|e| e["rcpt_tos"] == json!(["joc@cla.example.org"]))
        .expect("the JOC's email");
    let joc_body = joc["body"].as_str().unwrap();
    assert!(
        !joc_body.contains("Amina") && !joc_body.contains("missed"),
        "the JOC's email holds no name nor what happened: {joc_body}"
    );
    let sms = w.sms.wait_for(1).await;
    assert_eq!(sms[0].0, SECURITY_PHONE);
    assert!(sms[0].1.contains("Amina Kahindo") && sms[0].1.contains("Reply ACK"));
    // The supervisor acknowledges through the link: the page asks first, the button acknowledges.
    let path = ack_path(body, &w.server.base);
    let (status, page) = w.server.get(&path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<form method=\"post\""), "{page}");
    let client = reqwest::Client::new();
    let used = client
        .post(format!("{}{path}", w.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status().as_u16(), 200);
    assert!(used.text().await.unwrap().contains("Acknowledged"));
    let incident = w
        .incident_when("acknowledged", |i| i["status"] == "ACKNOWLEDGED")
        .await;
    let ack = incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "ACKNOWLEDGED")
        .unwrap()
        .clone();
    assert_eq!(ack["by"], "supervisor Joseph Mbala");
    assert_eq!(ack["detail"], "EMAIL");
    // Past step 2's wait: no step 3.
    w.advance(31);
    w.server.running.state.escalation.pass().await;
    let incident = w.incidents(&w.ca).await[0].clone();
    assert_eq!(incident["step"], 2, "acknowledged: no further step");
    assert!(!kinds(&incident).contains(&("STEP_STARTED".into(), Some(3))));
    // The link works once.
    let again = client
        .post(format!("{}{path}", w.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("Already acknowledged"));
    // A forged or altered link is refused.
    let (status, _) = w.server.get(&format!("{path}x")).await;
    assert_eq!(status, 404);
    // MISSION_HR sees the incident without what happened; another mission's reader sees none.
    let hr_view = w.incidents(&w.hr).await;
    assert_eq!(hr_view[0]["withheld"], true);
    let detail = w
        .server
        .gql(
            Some(&w.hr),
            "query($m: String!) { incidents(missionCode: $m) { summary } }",
            json!({ "m": "ESC" }),
        )
        .await;
    assert_eq!(detail.code(), "FORBIDDEN");
    let away = w.server.token(Role::CivilAffairs, &["OTHER"]);
    let refused = w
        .server
        .gql(Some(&away), INCIDENTS, json!({ "m": "ESC" }))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    // The outcome, recorded.
    let id = incident["id"].as_str().unwrap().to_string();
    let resolved = w.server.ok(&w.ca, "mutation($i: ID!) { resolveIncident(incidentId: $i, outcome: \"Reached by radio: phone battery dead, safe.\") { status outcome resolvedBy } }", json!({ "i": id })).await;
    assert_eq!(resolved["resolveIncident"]["status"], "RESOLVED");
    let (_, metrics) = w.server.metrics().await;
    let sent: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("cla_notifications_sent_total{channel=\"email\"} "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"));
    // Two emails (the supervisor's, the JOC's); at least once, so a resend may add one.
    assert!((2..=3).contains(&sent), "{metrics}");
    // The HQ review's figure: counts only, the time withheld below 3 acknowledged incidents.
    let hq = w.server.token(Role::HqReviewer, &[]);
    let review = w.server.ok(&hq, "{ hqStaffingReview { acknowledgement { missionCode fieldOfficeName incidents acknowledged medianMinutesToAcknowledge withheld } } }", json!({})).await;
    assert_eq!(
        review["hqStaffingReview"]["acknowledgement"],
        json!([{ "missionCode": "ESC", "fieldOfficeName": "Office", "incidents": 1, "acknowledged": 1, "medianMinutesToAcknowledge": null, "withheld": true }])
    );
    let hq_incidents = w
        .server
        .gql(Some(&hq), INCIDENTS, json!({ "m": "ESC" }))
        .await;
    assert_eq!(hq_incidents.code(), "FORBIDDEN", "HQ sees the figures only");
    w.server.stop().await;
}

#[tokio::test]
async fn duress_goes_straight_to_the_security_cell_whose_ack_reply_acknowledges_it() {
    let Some(w) = world("escalation: duress", None).await else {
        return;
    };
    // The CLA's duress word, answered like OK.
    let (status, reply) = w.twilio_sms(CLA_NUMBER, "Mangue").await;
    assert_eq!(status, 200, "{reply}");
    let sms = w.sms.wait_for(1).await;
    assert_eq!(
        sms[0].0, SECURITY_PHONE,
        "step 2 at once: the security cell"
    );
    assert!(
        sms[0].1.to_lowercase().contains("duress"),
        "need-to-know: {}",
        sms[0].1
    );
    let incident = w.incident_when("step 2 started", |i| i["step"] == 2).await;
    assert!(
        !kinds(&incident).contains(&("STEP_STARTED".into(), Some(1))),
        "step 1 skipped: {incident}"
    );
    // The supervisor's step was skipped: no email to them.
    assert!(
        w.smtp
            .messages()
            .iter()
            .all(|m| m["rcpt_tos"] != json!(["joseph.mbala@cla.example.org"]))
    );
    // The JOC is told, but not that it is duress.
    let hooks = w.hooks.wait_for(1, Duration::from_secs(10)).await;
    assert!(!hooks[0].body.to_string().to_lowercase().contains("duress"));
    // The security cell replies with the code its SMS gave.
    let code = sms[0]
        .1
        .split("Reply ACK ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (status, wrong) = w.twilio_sms(SECURITY_PHONE, "ACK ZZZZZZ").await;
    assert_eq!(status, 200);
    assert!(
        !wrong.contains("Acknowledged"),
        "a wrong code acknowledges nothing: {wrong}"
    );
    let (status, answer) = w.twilio_sms(SECURITY_PHONE, &format!("ack {code}")).await;
    assert_eq!(status, 200);
    assert!(answer.contains("Acknowledged"), "{answer}");
    let incident = w
        .incident_when("acknowledged by SMS", |i| i["status"] == "ACKNOWLEDGED")
        .await;
    assert!(incident.to_string().contains("ESC security cell"));
    // The code from another number acknowledges nothing.
    let (_, other) = w.twilio_sms(CLA_NUMBER, &format!("ACK {code}")).await;
    assert!(!other.contains("Acknowledged"), "{other}");
    let _ = &w.cla;
    w.server.stop().await;
}

#[tokio::test]
async fn smtp_down_is_retried_and_its_failure_is_told_to_the_named_contacts_by_webhook() {
    // Nothing listens on the SMTP port the server is given.
    let Some(w) = world("escalation: SMTP down", Some(free_port())).await else {
        return;
    };
    let (status, _) = w.twilio_sms(CLA_NUMBER, "DANGER").await;
    assert_eq!(status, 200);
    // Step 1 emails the supervisor: attempts fail; the clock moves past each retry's time.
    let deadline = Instant::now() + Duration::from_secs(30);
    let told = loop {
        let hooks = w.hooks.received();
        if let Some(h) = hooks
            .iter()
            .find(|h| h.body.to_string().contains("Notifications are failing"))
        {
            break h.clone();
        }
        assert!(Instant::now() < deadline, "the failure was never told");
        w.advance(1);
        tokio::time::sleep(Duration::from_millis(60)).await;
    };
    assert!(told.signed);
    assert!(!told.body.to_string().contains("Amina"), "{}", told.body);
    let incident = w.incidents(&w.ca).await[0].clone();
    let failed = kinds(&incident)
        .iter()
        .filter(|(k, _)| k == "NOTIFICATION_FAILED")
        .count();
    assert!(failed >= 3, "retried before telling: {incident}");
    let (_, metrics) = w.server.metrics().await;
    assert!(
        !metrics.contains("cla_notifications_failed_total{channel=\"email\"} 0"),
        "{metrics}"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn of_two_workers_sending_at_once_one_sends_each_notification() {
    let Some(w) = world_every("escalation: two workers", None, 0).await else {
        return;
    };
    let first = Arc::clone(&w.server.running.state.escalation);
    let second = Arc::new(cla_alerts::escalation::Escalation {
        runtime: first.runtime.clone(),
        clock: Arc::clone(&first.clock),
        view: Arc::clone(&first.view),
        registry: Arc::clone(&first.registry),
        staff: Arc::clone(&first.staff),
        supervision: Arc::clone(&first.supervision),
        risk: Arc::clone(&first.risk),
        sender: Arc::clone(&first.sender),
        links: first.links.clone(),
        worker: "the-other-replica".into(),
        lease: first.lease,
        concurrency: 8,
        counters: Default::default(),
    });
    let (status, _) = w.twilio_sms(CLA_NUMBER, "DANGER").await;
    assert_eq!(status, 200);
    // Both look at once, again and again, until step 1's email is delivered.
    let incident = loop {
        tokio::join!(first.pass(), second.pass());
        let incidents = w.incidents(&w.ca).await;
        if let Some(i) = incidents.first()
            && kinds(i).contains(&("NOTIFICATION_DELIVERED".into(), Some(1)))
        {
            break i.clone();
        }
    };
    let count = |kind: &str| kinds(&incident).iter().filter(|(k, _)| k == kind).count();
    assert_eq!(count("STEP_STARTED"), 1, "one step 1: {incident}");
    assert_eq!(count("NOTIFICATION_DECIDED"), 1);
    assert_eq!(
        count("NOTIFICATION_ATTEMPTED"),
        1,
        "one claim won: {incident}"
    );
    assert_eq!(count("NOTIFICATION_DELIVERED"), 1);
    let emails = w.smtp.wait_for(1, Duration::from_secs(10)).await;
    tokio::join!(first.pass(), second.pass());
    assert_eq!(w.smtp.messages().len(), emails.len());
    assert_eq!(emails.len(), 1, "sent once: {emails:?}");
    w.server.stop().await;
}

#[tokio::test]
async fn a_detector_that_stops_is_told_to_the_named_contacts() {
    let Some(mut w) = world_every("escalation: the watch stops", None, 1000).await else {
        return;
    };
    w.server.running.spawn_scanners(Duration::from_millis(200));
    assert!(w.server.running.stop_scanner("detector").await);
    let deadline = Instant::now() + Duration::from_secs(30);
    let told = loop {
        let hooks = w.hooks.received();
        if let Some(h) = hooks.iter().find(|h| {
            h.body
                .to_string()
                .contains("The watch has stopped: detector")
        }) {
            break h.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the stop was never told: {hooks:?}"
        );
        w.clock
            .set(w.clock_now() + chrono::Duration::milliseconds(100));
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(told.signed);
    let (status, body) = w.server.get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("detector has not completed a scan"), "{body}");
    // Told by email too, to the JOC: the part and the time, nothing of any CLA.
    let emails = w.smtp.wait_for(1, Duration::from_secs(10)).await;
    let to_joc = emails
        .iter()
        .find(|e| e["rcpt_tos"] == json!(["joc@cla.example.org"]))
        .expect("the JOC's email");
    assert!(
        to_joc["headers"]["Subject"]
            .as_str()
            .unwrap()
            .contains("The watch has stopped: detector")
    );
    assert!(!to_joc.to_string().contains("Amina"));
    w.server.stop().await;
}

#[tokio::test]
async fn nobody_acknowledging_by_the_last_step_repeats_it_on_the_procedures_repeat() {
    let Some(w) = world("escalation: repeats", None).await else {
        return;
    };
    // One step only: the supervisor by email, 15 minutes; then again every 10 minutes.
    let steps = json!([{ "recipients": [{ "kind": "SUPERVISOR", "needToKnow": true }], "channels": ["EMAIL"], "waitMinutes": 15 }]);
    w.server.ok(&w.ca, "mutation($m: String!, $steps: [EscalationStepInput!]!) { setEscalationProcedure(missionCode: $m, kinds: [UNDER_THREAT], steps: $steps, repeatMinutes: 10) { procedures { repeatMinutes } } }", json!({ "m": "ESC", "steps": steps })).await;
    let (status, _) = w.twilio_sms(CLA_NUMBER, "DANGER").await;
    assert_eq!(status, 200);
    w.smtp.wait_for(1, Duration::from_secs(10)).await;
    let rounds = |i: &Value| kinds(i).iter().filter(|(k, _)| k == "STEP_STARTED").count();
    w.advance(14);
    w.server.running.state.escalation.pass().await;
    assert_eq!(
        rounds(&w.incidents(&w.ca).await[0]),
        1,
        "the step's wait first"
    );
    w.advance(2);
    w.smtp.wait_for(2, Duration::from_secs(10)).await;
    w.advance(9);
    w.server.running.state.escalation.pass().await;
    assert_eq!(rounds(&w.incidents(&w.ca).await[0]), 2, "then the repeat's");
    w.advance(2);
    // Each round a notification of its own (a resend of one, at least once, carries its id).
    let distinct = |emails: &[Value]| {
        emails
            .iter()
            .map(|e| {
                e["headers"]["X-CLA-Notification-Id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let emails = loop {
        // The worker's own passes run on its interval; one here does not wait for it.
        w.server.running.state.escalation.pass().await;
        let emails = w.smtp.messages();
        if distinct(&emails) >= 3 {
            break emails;
        }
        assert!(
            Instant::now() < deadline,
            "three rounds expected: {emails:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(distinct(&emails), 3);
    let incident = w.incidents(&w.ca).await[0].clone();
    assert_eq!(incident["step"], 1);
    assert_eq!(incident["status"], "NOTIFIED");
    // An acknowledge link works for 72 hours from its notification, then says it has expired.
    let first = ack_path(emails[0]["body"].as_str().unwrap(), &w.server.base);
    let (status, _) = w.server.get(&first).await;
    assert_eq!(status, 200, "still good after 27 minutes");
    w.clock.set(w.clock_now() + chrono::Duration::hours(72));
    let (status, page) = w.server.get(&first).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("expired"));
    let used = reqwest::Client::new()
        .post(format!("{}{first}", w.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        used.status().as_u16(),
        410,
        "an expired link acknowledges nothing"
    );
    assert_eq!(w.incidents(&w.ca).await[0]["status"], "NOTIFIED");
    w.server.stop().await;
}
