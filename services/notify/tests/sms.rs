//! SMS through the gateways' send APIs, against axum servers started by each test on 127.0.0.1
//! that play Twilio's Messages API and Vonage's SMS API as their documentation describes them:
//! they check the credentials and the form fields, and answer in the documented shapes (Twilio:
//! `201` with the message's `sid`, errors as JSON with a `code`; Vonage: `200` with a status per
//! message part, `"0"` for success).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use cla_notify::{
    Channel, Notification, Notifier, Secret, Settings, SmsGateway, SmsSettings, TwilioApi,
    VonageApi,
};
use serde_json::json;

const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "twilio-auth-token-0123456789";
const KEY: &str = "a1b2c3d4";
const VONAGE_SECRET: &str = "vonage-api-secret-0123";
const OURS: &str = "+243900000001";
const CLA: &str = "+243815550101";
/// Numbers the servers answer with an error for.
const THROTTLED: &str = "+243800000001";
const BARRED: &str = "+243800000002";
const BUSY: &str = "+243800000003";

type Form = Vec<(String, String)>;

#[derive(Clone, Default)]
struct Gateways {
    twilio: Arc<Mutex<Vec<Form>>>,
    vonage: Arc<Mutex<Vec<Form>>>,
}

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn twilio_messages(
    State(g): State<Gateways>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if account != SID || auth != expected {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "code": 20003, "message": "Authenticate", "status": 401 })),
        )
            .into_response();
    }
    let form: Form = serde_urlencoded::from_str(&body).unwrap();
    let (Some(to), Some(_), Some(_)) = (
        field(&form, "To"),
        field(&form, "From"),
        field(&form, "Body"),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": 21604, "message": "A 'To' phone number is required.", "status": 400 })),
        )
            .into_response();
    };
    if to == BUSY {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({ "code": 20429, "message": "Too Many Requests", "status": 429 })),
        )
            .into_response();
    }
    if to == BARRED {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400 })),
        )
            .into_response();
    }
    let to = to.to_string();
    g.twilio.lock().unwrap().push(form);
    (
        StatusCode::CREATED,
        Json(json!({
            "account_sid": SID,
            "sid": "SM0123456789abcdef0123456789abcdef",
            "status": "queued",
            "to": to,
        })),
    )
        .into_response()
}

async fn vonage_sms(State(g): State<Gateways>, body: String) -> Json<serde_json::Value> {
    let form: Form = serde_urlencoded::from_str(&body).unwrap();
    let status = |status: &str, text: &str| {
        Json(
            json!({ "message-count": "1", "messages": [{ "status": status, "error-text": text }] }),
        )
    };
    if field(&form, "api_key") != Some(KEY) || field(&form, "api_secret") != Some(VONAGE_SECRET) {
        return status("4", "Bad Credentials");
    }
    let (Some(to), Some(_), Some(_)) = (
        field(&form, "to"),
        field(&form, "from"),
        field(&form, "text"),
    ) else {
        return status("2", "Missing to param");
    };
    if to == THROTTLED.trim_start_matches('+') {
        return status("1", "Throttled");
    }
    if to == BARRED.trim_start_matches('+') {
        return status("7", "Number barred 243800000002");
    }
    g.vonage.lock().unwrap().push(form.clone());
    Json(json!({
        "message-count": "1",
        "messages": [{
            "to": to,
            "message-id": "0A0000000123ABCD1",
            "status": "0",
            "remaining-balance": "3.14159265",
            "message-price": "0.03330000",
            "network": "63002",
        }]
    }))
}

async fn gateways(g: Gateways) -> String {
    let app = Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(twilio_messages),
        )
        .route("/sms/json", post(vonage_sms))
        .with_state(g);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn settings(base: &str, send: SmsGateway) -> SmsSettings {
    SmsSettings {
        send: Some(send),
        from: Some(OURS.into()),
        twilio: Some(TwilioApi {
            account_sid: SID.into(),
            auth_token: Secret::new(TOKEN),
            base_url: base.into(),
        }),
        vonage: Some(VonageApi {
            api_key: KEY.into(),
            api_secret: Secret::new(VONAGE_SECRET),
            base_url: format!("{base}/"),
        }),
        timeout: Duration::from_secs(5),
    }
}

fn notifier(sms: SmsSettings) -> Notifier {
    Notifier::new(Settings {
        sms,
        ..Settings::default()
    })
    .unwrap()
}

fn alert(text: &str) -> Notification {
    Notification {
        id: "incident-9.step-1".into(),
        subject: "unused by SMS".into(),
        text: text.into(),
        link: Some("https://cla.example.org/incidents/9".into()),
        payload: serde_json::Value::Null,
    }
}

#[tokio::test]
async fn twilio_sends_with_basic_auth_and_the_documented_form() {
    let g = Gateways::default();
    let base = gateways(g.clone()).await;
    let n = notifier(settings(&base, SmsGateway::Twilio));
    assert!(n.has(Channel::Sms));
    n.send(
        Channel::Sms,
        CLA,
        &alert("CLA silent at Kamango: reply ACK 9"),
    )
    .await
    .unwrap();
    let sent = g.twilio.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(field(&sent[0], "To"), Some(CLA));
    assert_eq!(field(&sent[0], "From"), Some(OURS));
    assert_eq!(
        field(&sent[0], "Body"),
        Some("CLA silent at Kamango: reply ACK 9")
    );
    assert!(
        g.vonage.lock().unwrap().is_empty(),
        "only the configured gateway"
    );

    let busy = n.send(Channel::Sms, BUSY, &alert("x")).await.unwrap_err();
    assert_eq!((busy.retryable, busy.reason.as_str()), (true, "HTTP 429"));
    let barred = n.send(Channel::Sms, BARRED, &alert("x")).await.unwrap_err();
    assert_eq!(
        (barred.retryable, barred.reason.as_str()),
        (false, "HTTP 400")
    );
    // Wrong credentials: refused by the gateway, not worth retrying.
    let mut wrong = settings(&base, SmsGateway::Twilio);
    wrong.twilio.as_mut().unwrap().auth_token = Secret::new("not-the-token");
    let e = notifier(wrong)
        .send(Channel::Sms, CLA, &alert("x"))
        .await
        .unwrap_err();
    assert_eq!((e.retryable, e.reason.as_str()), (false, "HTTP 401"));
    assert!(!e.reason.contains("not-the-token"));
    // Not a phone number: refused before anything is sent.
    let e = n
        .send(Channel::Sms, "0815550101", &alert("x"))
        .await
        .unwrap_err();
    assert!(!e.retryable);
    assert_eq!(g.twilio.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn vonage_sends_with_its_key_and_secret_and_unicode_where_needed() {
    let g = Gateways::default();
    let base = gateways(g.clone()).await;
    let n = notifier(settings(&base, SmsGateway::Vonage));
    n.send(Channel::Sms, CLA, &alert("Received, thank you. Stay safe."))
        .await
        .unwrap();
    n.send(
        Channel::Sms,
        CLA,
        &alert("Reçu, merci. Prenez soin de vous."),
    )
    .await
    .unwrap();
    let sent = g.vonage.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    for form in &sent {
        assert_eq!(field(form, "to"), Some("243815550101"), "no leading +");
        assert_eq!(field(form, "from"), Some("243900000001"));
    }
    assert_eq!(
        field(&sent[0], "text"),
        Some("Received, thank you. Stay safe.")
    );
    assert_eq!(field(&sent[0], "type"), None, "GSM text goes as text");
    assert_eq!(
        field(&sent[1], "text"),
        Some("Reçu, merci. Prenez soin de vous.")
    );
    assert_eq!(field(&sent[1], "type"), Some("unicode"));
    assert!(g.twilio.lock().unwrap().is_empty());

    let throttled = n
        .send(Channel::Sms, THROTTLED, &alert("x"))
        .await
        .unwrap_err();
    assert_eq!(
        (throttled.retryable, throttled.reason.as_str()),
        (true, "Vonage status 1: Throttled")
    );
    let barred = n.send(Channel::Sms, BARRED, &alert("x")).await.unwrap_err();
    assert!(!barred.retryable);
    assert_eq!(
        barred.reason, "Vonage status 7",
        "an error text holding a number is left out"
    );
    let mut wrong = settings(&base, SmsGateway::Vonage);
    wrong.vonage.as_mut().unwrap().api_secret = Secret::new("nope");
    let e = notifier(wrong)
        .send(Channel::Sms, CLA, &alert("x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.retryable, e.reason.as_str()),
        (false, "Vonage status 4: Bad Credentials")
    );
}

#[tokio::test]
async fn a_reply_goes_through_the_gateway_it_came_in_by_from_the_number_it_was_sent_to() {
    let g = Gateways::default();
    let base = gateways(g.clone()).await;
    // Vonage credentials only: no SMS notification channel, but replies through Vonage.
    let n = notifier(SmsSettings {
        send: None,
        from: None,
        twilio: None,
        ..settings(&base, SmsGateway::Vonage)
    });
    assert!(!n.has(Channel::Sms));
    assert!(n.has_sms_gateway(SmsGateway::Vonage) && !n.has_sms_gateway(SmsGateway::Twilio));
    n.send_sms_via(
        SmsGateway::Vonage,
        "243900000077",
        CLA,
        "Received.",
        "vonage-0A1",
    )
    .await
    .unwrap();
    let sent = g.vonage.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(field(&sent[0], "from"), Some("243900000077"));
    assert_eq!(field(&sent[0], "to"), Some("243815550101"));
    let e = n
        .send_sms_via(SmsGateway::Twilio, OURS, CLA, "Received.", "twilio-SM1")
        .await
        .unwrap_err();
    assert!(!e.retryable);
    let e = n.send(Channel::Sms, CLA, &alert("x")).await.unwrap_err();
    assert!(!e.retryable && e.reason.contains("not configured"), "{e}");
}

#[tokio::test]
async fn a_gateway_that_is_down_is_worth_another_attempt() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    for gateway in [SmsGateway::Twilio, SmsGateway::Vonage] {
        let e = notifier(settings(&base, gateway))
            .send(Channel::Sms, CLA, &alert("x"))
            .await
            .unwrap_err();
        assert_eq!(
            (e.retryable, e.reason.as_str()),
            (true, "connection failed"),
            "{gateway:?}"
        );
    }
}
