//! The web app spoken to as a browser without JavaScript speaks to it: one-time sign-in links,
//! the session cookie, pages fetched and forms posted, bytes on the wire. Shared by the web app's
//! HTTP tests (`mod web_client;`).
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use cla_e2e::TestServer;
use cla_platform::Principal;

/// A client that does not follow redirects (the tests look at them) and does not decompress.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `who` in through a one-time link to the server at `base` keeping its data in
/// `data_dir`: the session cookie (`name=value`) and the whole `Set-Cookie` line.
pub async fn sign_in(base: &str, data_dir: &Path, who: Principal) -> (String, String) {
    let code = cla_web::issue_sign_in_codes(data_dir, &[who], Duration::from_secs(60))
        .unwrap()
        .remove(0);
    let response = client()
        .get(format!("{base}/sign-in/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let line = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cla_session="))
        .expect("a session cookie");
    (line.split(';').next().unwrap().to_string(), line)
}

/// The session cookie (`name=value`) of `who`, signed in through a one-time link.
pub async fn session(server: &TestServer, who: Principal) -> String {
    sign_in(&server.base, &server.config.data_dir, who).await.0
}

/// A page at `base`, in `lang`: its status and text.
pub async fn get_at(base: &str, path: &str, cookie: &str, lang: &str) -> (u16, String) {
    let response = client()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// A page in English: its status and text.
pub async fn get(server: &TestServer, path: &str, cookie: &str) -> (u16, String) {
    get_at(&server.base, path, cookie, "en").await
}

/// A page in `lang` (an `Accept-Language`): its status and text.
pub async fn get_in(server: &TestServer, path: &str, cookie: &str, lang: &str) -> (u16, String) {
    get_at(&server.base, path, cookie, lang).await
}

/// Posts a form: the status, the `Location` (empty when not redirected) and the page.
pub async fn post(
    server: &TestServer,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    posted(response).await
}

/// A page's bytes on the wire, gzip-compressed as a browser asks for it.
pub async fn wire(server: &TestServer, path: &str, cookie: &str) -> usize {
    let response = client()
        .get(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip"),
        "{path}"
    );
    response.bytes().await.unwrap().len()
}

/// The one value of `name="csrf"` in a page.
pub fn csrf(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a token");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The text of the element with `id` (up to its first closing tag), to say what is beside a
/// field.
pub fn beside(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</").unwrap();
    rest[start..end].to_string()
}

/// Text as the pages escape it.
pub fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The part of `page` from `start` to the next `end`.
pub fn section<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {page}"));
    let rest = &page[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// A civil affairs manager of MONUSCO: who changes its staffing and its management.
pub fn mission_manager() -> Principal {
    Principal::new(
        "ca-beni",
        "Béatrice Manager",
        &[cla_platform::Role::CivilAffairs],
        &["MONUSCO"],
    )
}

/// The day `n` days from today (UTC, as the server's clock has it).
pub fn days_from_today(n: i64) -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(n)
}

/// A date as the pages write it in English: 5 Dec 2026.
pub fn english_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// The store's head: unchanged where nothing was written.
pub async fn store_head(server: &TestServer) -> Option<cla_event_store::Position> {
    server.written_head().await
}

/// The first value of an `option` (or any `value="…"`) in `page` that starts with `prefix`.
pub fn value_starting(page: &str, prefix: &str) -> String {
    let needle = format!("value=\"{prefix}");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no value starting {prefix}"));
    let rest = &page[at + "value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// An SMS `body` from `from` to the mission's number `to`, posted as Twilio posts it (message
/// `sid`), signed with the gateway's auth token `secret`; the status of the webhook's answer.
pub async fn twilio_sms(
    server: &TestServer,
    secret: &str,
    to: &str,
    (sid, from, body): (&str, &str, &str),
) -> u16 {
    let params = [
        ("AccountSid", "AC0000000000000000000000000000000"),
        ("Body", body),
        ("From", from),
        ("MessageSid", sid),
        ("To", to),
    ];
    let url = format!("{}/sms/twilio", server.base);
    let signature = cla_e2e::twilio_signature(secret, &url, &params);
    client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(serde_urlencoded::to_string(params).unwrap())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A server taking SMS through Twilio: messages to `number` are `mission`'s. With the gateway's
/// auth token (generated), to sign them with.
pub async fn server_taking_sms(number: &str, mission: &str) -> (TestServer, String) {
    let secret = format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    );
    let (token, number, mission) = (secret.clone(), number.to_string(), mission.to_string());
    let server = TestServer::start_with(move |c| {
        c.sms_twilio_auth_token = Some(cla_gateway::config::Secret::new(token));
        c.sms_numbers.insert(number, mission);
    })
    .await;
    (server, secret)
}

/// Posts a form as `multipart/form-data` (a file upload, as a browser sends it without
/// JavaScript): its text `fields` and, where given, the file (name, bytes) as `file`. The
/// status, the `Location` and the page.
pub async fn post_multipart(
    server: &TestServer,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String, String) {
    let boundary = format!("----cla{}", uuid::Uuid::now_v7().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let response = client()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    posted(response).await
}

/// The value of the input named `name` in a page, unescaped.
pub fn input_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {page}"));
    let rest = &page[at + name.len() + "name=\"\" value=\"".len()..];
    rest[..rest.find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A posted form's answer: the status, the `Location` (empty when not redirected) and the page.
pub async fn posted(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// An HR officer of MONUSCO: who registers its staff and their phone numbers.
pub fn mission_hr() -> Principal {
    Principal::new(
        "hr-1",
        "Henriette Ressources",
        &[cla_platform::Role::MissionHr],
        &["MONUSCO"],
    )
}
