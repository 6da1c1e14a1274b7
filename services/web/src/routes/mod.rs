//! The handlers: each reads its request, asks the application layer once (as the signed-in
//! person), and renders the answer or the refusal. No handler decides access or computes a
//! read model.
//!
//! A screen's handlers live in a module of their own here (`routes/<screen>.rs`), built from what
//! this module shares: [`MissionRequest`] (the reader, the mission, the time travel), [`posted_by`]
//! (a form's sender and its token), [`mission_page`], [`refused`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Duration;
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_staffing::projections::{BoardFilter, Coverage, RotationState};
use maud::Markup;
use tower_http::compression::CompressionLayer;

use crate::Web;
use crate::i18n::{L10n, Lang};
use crate::pages::board::{Board, Filters};
use crate::pages::lists::{Kind, List, OverdueCla, Rotation};
use crate::pages::overview::{Overview, Severities};
use crate::pages::refusal::Refused;
use crate::pages::sign_in::Notice;
use crate::pages::{self, Frame, TravelForm};
use crate::session::{self, ANON_COOKIE, LANG_COOKIE, SESSION_COOKIE, SIGN_IN_COOKIE, Session};
use crate::travel::Travel;

mod actions;
mod alerts;
mod base;
mod check_ins;
mod field_admin;
mod imports;
mod incidents;
mod mission_new;
mod planner;
mod privacy;
mod recruit;
mod review;
mod risk;
mod setup;
mod staff;
mod supervision;

pub(crate) type Params = Query<HashMap<String, String>>;

pub fn router(web: Arc<Web>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_page))
        .route("/sign-in/start", get(sign_in_start))
        .route("/sign-in/callback", get(sign_in_callback))
        .route("/sign-in/{code}", get(sign_in_code))
        .route("/sign-out", post(sign_out))
        .route("/language", post(language))
        .route("/missions/{code}", get(overview))
        .route("/missions/{code}/board", get(board))
        .route("/missions/{code}/board.csv", get(board_csv))
        .route("/missions/{code}/lists/{kind}", get(list))
        .route("/missions/{code}/bases/{base}", get(base::base))
        .route("/missions/{code}/staff/{staff}", get(base::profile))
        .route("/incidents/{id}", get(incident))
        .route("/incidents/{id}/acknowledge", post(acknowledge_incident))
        .route("/incidents/{id}/resolve", post(resolve_incident))
        .route(
            "/missions/{code}/check-ins",
            get(check_ins::check_ins).post(check_ins::record_roll_call),
        )
        .route(
            "/missions/{code}/check-ins/one",
            axum::routing::post(check_ins::record_one),
        )
        .route("/missions/{code}/alerts", get(alerts::alerts_page))
        .route("/missions/{code}/alerts/events", get(alerts::alert_events))
        .route("/assets/{name}", get(asset))
        .merge(actions::routes())
        .merge(mission_new::routes())
        .merge(staff::routes())
        .merge(privacy::routes())
        .merge(field_admin::routes())
        .merge(imports::routes())
        .merge(incidents::routes())
        .merge(planner::routes())
        .merge(supervision::routes())
        .merge(review::routes())
        .merge(risk::routes())
        .merge(setup::routes())
        .merge(recruit::routes())
        .layer(CompressionLayer::new())
        .with_state(web)
}

/// Who is reading, in which language, and what their forms carry.
pub(crate) struct Reader {
    pub(crate) l: L10n,
    pub(crate) session: Option<Session>,
    pub(crate) csrf: String,
    pub(crate) here: String,
    /// Cookies to set with the answer (a new anonymous CSRF token; a stale session cleared).
    pub(crate) cookies: Vec<String>,
}

pub(crate) fn now(web: &Web) -> chrono::DateTime<chrono::Utc> {
    web.settings.clock.now()
}

pub(crate) fn reader(web: &Web, headers: &HeaderMap, uri: &Uri) -> Reader {
    let lang = session::cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_else(|| {
            Lang::negotiate(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
    let mut cookies = Vec::new();
    let session = session::cookie(headers, SESSION_COOKIE).and_then(|sealed| {
        let opened: Option<Session> = web.sealer.open(SESSION_COOKIE, sealed);
        match opened {
            Some(s) if s.expires_at > now(web).timestamp() => Some(s),
            _ => {
                cookies.push(web.cookies.clear(SESSION_COOKIE, "/"));
                None
            }
        }
    });
    let csrf = match &session {
        Some(s) => s.csrf.clone(),
        None => match session::cookie(headers, ANON_COOKIE).filter(|t| t.len() >= 16) {
            Some(token) => token.to_string(),
            None => {
                let token = session::random_token();
                cookies.push(web.cookies.set(ANON_COOKIE, &token, "/", 86_400));
                token
            }
        },
    };
    Reader {
        l: L10n::new(lang),
        session,
        csrf,
        here: uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string()),
        cookies,
    }
}

/// An HTML page: never cached (it is the reader's), with the security headers every page has.
pub(crate) fn html(status: StatusCode, markup: Markup, cookies: &[String]) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

pub(crate) fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    response
}

pub(crate) fn to_sign_in(r: &Reader) -> Response {
    redirect("/sign-in", &r.cookies)
}

/// A page in the frame, for a reader.
pub(crate) fn page(
    r: &Reader,
    status: StatusCode,
    title: String,
    mission: Option<&str>,
    travel: Option<TravelForm<'_>>,
    body: Markup,
) -> Response {
    let markup = pages::frame(
        Frame {
            l: r.l,
            title,
            session: r.session.as_ref(),
            csrf: &r.csrf,
            here: &r.here,
            mission,
            travel,
        },
        body,
    );
    html(status, markup, &r.cookies)
}

/// A mission's page: its navigation, and the time-travel form coming back to `action` with
/// `keep` (the page's other parameters).
pub(crate) fn mission_page(
    r: &Reader,
    status: StatusCode,
    title: String,
    code: &str,
    (action, travel, keep): (&str, &Travel, Vec<(&'static str, String)>),
    body: Markup,
) -> Response {
    page(
        r,
        status,
        title,
        Some(code),
        Some(TravelForm {
            action,
            travel,
            keep,
            error: None,
        }),
        body,
    )
}

pub(crate) fn refusal(r: &Reader, refused: Refused) -> Response {
    let status = match refused {
        Refused::Forbidden => StatusCode::FORBIDDEN,
        Refused::NotFound => StatusCode::NOT_FOUND,
        Refused::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    page(
        r,
        status,
        r.l.t(refused.title_key()),
        None,
        None,
        pages::refusal::body(r.l, refused),
    )
}

/// An application layer's refusal, shown as a page.
pub(crate) fn refused(r: &Reader, e: AppError) -> Response {
    match e.code {
        ErrorCode::Unauthenticated => to_sign_in(r),
        ErrorCode::Forbidden => refusal(r, Refused::Forbidden),
        ErrorCode::NotFound => refusal(r, Refused::NotFound),
        _ => {
            tracing::warn!(code = e.code.as_str(), "a web page could not be answered");
            refusal(r, Refused::Unavailable)
        }
    }
}

pub(crate) fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(String::as_str)
}

pub(crate) fn today(web: &Web) -> chrono::NaiveDate {
    now(web).date_naive()
}

// ---------------------------------------------------------------------------------------------
// Sign-in and out, language

async fn sign_in_page(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    let r = reader(&web, &headers, &uri);
    if r.session.is_some() {
        return redirect("/", &r.cookies);
    }
    let notice = if q.contains_key("signedOut") {
        Notice::SignedOut
    } else if q.contains_key("failed") {
        Notice::Failed
    } else if q.contains_key("used") {
        Notice::CodeUsed
    } else {
        Notice::None
    };
    page(
        &r,
        StatusCode::OK,
        r.l.t("sign-in-title"),
        None,
        None,
        pages::sign_in::body(r.l, web.oidc.is_some(), notice),
    )
}

async fn sign_in_start(State(web): State<Arc<Web>>, headers: HeaderMap, uri: Uri) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(oidc) = &web.oidc else {
        return redirect("/sign-in", &r.cookies);
    };
    match oidc.start().await {
        Ok((url, pending)) => {
            let sealed = web.sealer.seal(SIGN_IN_COOKIE, &pending);
            let mut cookies = r.cookies.clone();
            cookies.push(web.cookies.set(SIGN_IN_COOKIE, &sealed, "/sign-in", 600));
            redirect(&url, &cookies)
        }
        Err(e) => {
            tracing::warn!(error = %e, "web sign-in could not start");
            redirect("/sign-in?failed", &r.cookies)
        }
    }
}

/// Signs `who` in: a new session cookie, and off to the missions.
fn signed_in(web: &Web, who: Principal, mut cookies: Vec<String>) -> Response {
    tracing::info!(caller = %who.id, "signed in to the web app");
    let ttl = web.settings.session_ttl.as_secs() as i64;
    let session = Session::new(who, now(web).timestamp() + ttl);
    cookies.push(web.cookies.set(
        SESSION_COOKIE,
        &web.sealer.seal(SESSION_COOKIE, &session),
        "/",
        ttl,
    ));
    redirect("/", &cookies)
}

async fn sign_in_callback(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Params,
) -> Response {
    let r = reader(&web, &headers, &uri);
    let mut cookies = r.cookies.clone();
    cookies.push(web.cookies.clear(SIGN_IN_COOKIE, "/sign-in"));
    let failed = |why: &str| {
        tracing::warn!(why, "web sign-in refused");
        redirect("/sign-in?failed", &cookies)
    };
    let (Some(oidc), Some(code), Some(state)) = (&web.oidc, param(&q, "code"), param(&q, "state"))
    else {
        return failed("no code or state from the identity provider");
    };
    let pending: Option<crate::oidc::Pending> = session::cookie(&headers, SIGN_IN_COOKIE)
        .and_then(|sealed| web.sealer.open(SIGN_IN_COOKIE, sealed));
    let Some(pending) = pending.filter(|p| session::same_token(&p.state, state)) else {
        return failed("the sign-in's state does not match this browser's");
    };
    let claims = match oidc.finish(code, &pending).await {
        Ok(claims) => claims,
        Err(e) => return failed(&e.to_string()),
    };
    match web.settings.claims.principal(&claims) {
        Ok(mapped) => signed_in(&web, mapped.principal, cookies),
        Err(e) => failed(&e.message),
    }
}

async fn sign_in_code(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Path(code): Path<String>,
) -> Response {
    let r = reader(&web, &headers, &uri);
    match web.codes.redeem(&code, now(&web).timestamp()) {
        Some(who) => signed_in(&web, who, r.cookies),
        None => redirect("/sign-in?used", &r.cookies),
    }
}

/// Whether a form carries this reader's CSRF token.
pub(crate) fn carries_token(r: &Reader, form: &HashMap<String, String>) -> bool {
    form.get("csrf")
        .is_some_and(|t| session::same_token(t, &r.csrf))
        // An anonymous token is only good with its cookie sent back (not one made just now).
        && (r.session.is_some() || r.cookies.iter().all(|c| !c.starts_with(ANON_COOKIE)))
}

pub(crate) fn csrf_refused(r: &Reader) -> Response {
    // Nothing is written: no cookie set, no session changed.
    let markup = pages::frame(
        Frame {
            l: r.l,
            title: r.l.t("refusal-csrf-title"),
            session: r.session.as_ref(),
            csrf: &r.csrf,
            here: "/",
            mission: None,
            travel: None,
        },
        maud::html! { div.refusal role="alert" { p { (r.l.t("refusal-csrf")) } } p { a href="/" { (r.l.t("refusal-back")) } } },
    );
    html(StatusCode::FORBIDDEN, markup, &[])
}

async fn sign_out(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = reader(&web, &headers, &uri);
    if r.session.is_none() {
        return to_sign_in(&r);
    }
    if !carries_token(&r, &form) {
        return csrf_refused(&r);
    }
    redirect(
        "/sign-in?signedOut",
        &[web.cookies.clear(SESSION_COOKIE, "/")],
    )
}

/// A path of this app to come back to (never another site's).
fn local(back: Option<&String>) -> &str {
    back.map(String::as_str)
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control)
        })
        .unwrap_or("/")
}

async fn language(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r = reader(&web, &headers, &uri);
    if !carries_token(&r, &form) {
        return csrf_refused(&r);
    }
    let lang = form
        .get("lang")
        .and_then(|l| Lang::parse(l))
        .unwrap_or(r.l.lang);
    let mut cookies = r.cookies.clone();
    cookies.push(web.cookies.set(LANG_COOKIE, lang.code(), "/", 365 * 86_400));
    redirect(local(form.get("back")), &cookies)
}

fn incident_page(
    r: &Reader,
    status: StatusCode,
    i: &cla_alerts::escalation::app::IncidentAnswer,
    error: Option<String>,
) -> Response {
    page(
        r,
        status,
        r.l.t_args("incident-title", &[("office", i.field_office_name.clone())]),
        Some(&i.mission_code),
        None,
        maud::html! {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            (pages::incident::body(r.l, i, &r.csrf))
        },
    )
}

/// An incident, as the signed-in person may see it (the page a notification's link opens).
async fn incident(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(s) = &r.session else {
        return to_sign_in(&r);
    };
    match web.settings.apps.escalation.incident(&s.principal(), &id) {
        Ok(i) => incident_page(&r, StatusCode::OK, &i, None),
        Err(e) => refused(&r, e),
    }
}

/// Who posted a form: the signed-in person, where the form carries its token.
pub(crate) fn posted_by(
    web: &Web,
    headers: &HeaderMap,
    uri: &Uri,
    form: &HashMap<String, String>,
) -> Result<(Reader, Principal), Box<Response>> {
    let r = reader(web, headers, uri);
    let Some(s) = &r.session else {
        return Err(Box::new(to_sign_in(&r)));
    };
    if !carries_token(&r, form) {
        return Err(Box::new(csrf_refused(&r)));
    }
    let who = s.principal();
    Ok((r, who))
}

/// Where an incident's form comes back to: the page it was posted from (the alerts list) where
/// it says, the incident otherwise.
fn back_to(form: &HashMap<String, String>, id: &str) -> String {
    match form.get("back") {
        Some(_) => local(form.get("back")).to_string(),
        None => format!("/incidents/{id}"),
    }
}

async fn acknowledge_incident(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    match web.settings.apps.escalation.acknowledge(&who, &id).await {
        // Acknowledged, or already: the page says by whom.
        Ok(_) => redirect(&back_to(&form, &id), &r.cookies),
        Err(e) if e.code == ErrorCode::Conflict => redirect(&back_to(&form, &id), &r.cookies),
        Err(e) => refused(&r, e),
    }
}

async fn resolve_incident(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let outcome = form.get("outcome").map(String::as_str).unwrap_or("");
    let escalation = &web.settings.apps.escalation;
    match escalation.resolve(&who, &id, outcome).await {
        Ok(_) => redirect(&back_to(&form, &id), &r.cookies),
        Err(e) if matches!(e.code, ErrorCode::Validation | ErrorCode::Conflict) => {
            match escalation.incident(&who, &id) {
                Ok(i) => incident_page(&r, StatusCode::BAD_REQUEST, &i, Some(e.message)),
                Err(e) => refused(&r, e),
            }
        }
        Err(e) => refused(&r, e),
    }
}

async fn asset(Path(name): Path<String>) -> Response {
    match crate::assets::find(&name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The missions, the overview, the board, the lists

async fn home(State(web): State<Arc<Web>>, headers: HeaderMap, uri: Uri) -> Response {
    let r = reader(&web, &headers, &uri);
    let Some(s) = &r.session else {
        return to_sign_in(&r);
    };
    let who = s.principal();
    let missions = web
        .settings
        .apps
        .registry
        .missions(&who, &View::on(today(&web)));
    let administers = web.settings.apps.registry.may_administer(&who).is_ok();
    if let [only] = missions.as_slice()
        && !administers
    {
        return redirect(&format!("/missions/{}", only.code), &r.cookies);
    }
    let items: Vec<(String, String, String)> = missions
        .into_iter()
        .map(|m| (format!("/missions/{}", m.code), m.code, m.name))
        .collect();
    page(
        &r,
        StatusCode::OK,
        r.l.t("missions-title"),
        None,
        None,
        maud::html! {
            (pages::sign_in::missions(r.l, &items))
            @if administers { p { a #mission-new href="/missions/new" { (r.l.t("mission-new-link")) } } }
            @if administers { p { a #unmatched-sms href="/unmatched-sms" { (r.l.t("sms-unmissioned-link")) } } }
        },
    )
}

/// A request for one of a mission's pages: the signed-in reader, the mission (`{code}` in the
/// path), the page's time travel and its query. Extracting it answers for the handler where there
/// is no one signed in (to the sign-in page) or the time travel cannot be read (the form, with
/// the error beside its field), so a new screen's handler starts from here.
pub(crate) struct MissionRequest {
    pub(crate) r: Reader,
    pub(crate) who: Principal,
    pub(crate) code: String,
    pub(crate) travel: Travel,
    pub(crate) view: View,
    pub(crate) q: HashMap<String, String>,
    pub(crate) uri: Uri,
}

impl axum::extract::FromRequestParts<Arc<Web>> for MissionRequest {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        web: &Arc<Web>,
    ) -> Result<Self, Response> {
        let uri = parts.uri.clone();
        let r = reader(web, &parts.headers, &uri);
        let Some(s) = &r.session else {
            return Err(to_sign_in(&r));
        };
        let who = s.principal();
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(parts, web)
            .await
            .map_err(|_| refusal(&r, Refused::NotFound))?;
        let Query(q) = Params::from_request_parts(parts, web)
            .await
            .map_err(|_| refusal(&r, Refused::NotFound))?;
        let code = path.get("code").cloned().unwrap_or_default();
        match Travel::parse(param(&q, "asOf"), param(&q, "knownAt")) {
            Ok(travel) => Ok(Self {
                view: travel.view(today(web)),
                r,
                who,
                code,
                travel,
                q,
                uri,
            }),
            Err(bad) => Err(page(
                &r,
                StatusCode::BAD_REQUEST,
                r.l.t("travel-invalid-title"),
                None,
                Some(TravelForm {
                    action: uri.path(),
                    travel: &Travel::default(),
                    keep: Vec::new(),
                    error: Some(bad),
                }),
                maud::html! {},
            )),
        }
    }
}

async fn overview(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        ..
    } = m;
    match overview_figures(&web, &who, &code, &view) {
        Ok(o) => mission_page(
            &r,
            StatusCode::OK,
            r.l.t_args(
                "overview-title",
                &[
                    ("mission", o.mission_code.clone()),
                    ("date", r.l.date(view.as_of)),
                ],
            ),
            &code,
            (&format!("/missions/{code}"), &travel, Vec::new()),
            pages::overview::body(r.l, &o, &travel),
        ),
        Err(e) => refused(&r, e),
    }
}

fn severities(c: &cla_risk::projections::SeverityCounts) -> Severities {
    Severities {
        critical: c.critical,
        high: c.high,
        medium: c.medium,
        low: c.low,
    }
}

/// The overview's figures: every one from an application layer's answer for `who`.
fn overview_figures(
    web: &Web,
    who: &Principal,
    code: &str,
    view: &View,
) -> Result<Overview, AppError> {
    let apps = &web.settings.apps;
    let mission = apps.registry.mission(who, code, view)?;
    let board = apps
        .staffing
        .base_board(who, code, &BoardFilter::default(), view)?;
    let compliance = apps.risk.check_in_compliance(who, code, view)?;
    let register = apps.risk.risk_register(who, code, view)?;
    let rotations = apps.staffing.rotation_calendar(
        who,
        code,
        Some(view.as_of),
        Some(view.as_of + Duration::days(30)),
        view,
    )?;
    let ending = apps.staff.appointments_ending(who, code, Some(60), view)?;
    let coverage = apps.supervision.management_coverage(who, code, view)?;
    let counts = &register.counts;
    Ok(Overview {
        mission_code: mission.code,
        mission_name: mission.name,
        bases: board.len(),
        below_minimum: board
            .iter()
            .filter(|b| b.status == Coverage::BelowMinimum)
            .count(),
        empty: board.iter().filter(|b| b.status == Coverage::Empty).count(),
        lone: board.iter().filter(|b| b.effective_strength == 1).count(),
        overdue_check_ins: (!compliance.counts.withheld).then_some(compliance.overdue_count),
        open_flags: (!counts.withheld).then(|| severities(&counts.by_severity)),
        overdue_reviews: (!counts.withheld).then_some(counts.overdue_reviews),
        rotations_overdue: rotations
            .iter()
            .filter(|r| r.state == RotationState::Overdue)
            .count(),
        rotations_due: rotations
            .iter()
            .filter(|r| r.state == RotationState::Planned)
            .count(),
        appointments_ending: ending.len(),
        unsupervised: coverage.mission.unsupervised.len(),
        not_visited: coverage.mission.not_visited.len(),
        visit_interval_days: coverage.field_visit_interval_days,
        supervision_percent: coverage.mission.coverage_percent,
    })
}

async fn board(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        q,
        ..
    } = m;
    let (filters, error) = match Filters::parse(
        param(&q, "fieldOffice"),
        param(&q, "status"),
        param(&q, "sort"),
    ) {
        Ok(f) => (f, None),
        Err(bad) => (Filters::default(), Some(bad)),
    };
    let apps = &web.settings.apps;
    let answer = apps.registry.mission(&who, &code, &view).and_then(|m| {
        let offices = apps.registry.field_offices(&who, &code, &view)?;
        let rows = apps.staffing.base_board(
            &who,
            &code,
            &BoardFilter {
                field_office_id: filters.field_office.clone(),
                status: filters.status,
                order: filters.sort,
            },
            &view,
        )?;
        Ok((m, offices, rows))
    });
    let (mission, offices, rows) = match answer {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    let mut offices: Vec<(String, String)> = offices.into_iter().map(|o| (o.id, o.name)).collect();
    offices.sort_by(|a, b| a.1.cmp(&b.1));
    let action = format!("/missions/{code}/board");
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    mission_page(
        &r,
        status,
        r.l.t_args(
            "board-title",
            &[("mission", mission.code), ("date", r.l.date(view.as_of))],
        ),
        &code,
        (&action, &travel, filters.pairs()),
        maud::html! {
            @if let Some(done) = pages::actions::done(r.l, param(&q, "done")) { (done) }
            (pages::board::body(
            r.l,
            &Board {
                mission_code: &code,
                rows: &rows,
                offices: &offices,
                filters: &filters,
                error,
            },
            &travel,
        ))
        },
    )
}

async fn board_csv(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r, who, code, q, ..
    } = m;
    let given = |name: &str| param(&q, name).filter(|s| !s.is_empty());
    match (web.settings.board_csv)(&who, &code, given("asOf"), given("locale")) {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"board-{code}.csv\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            text,
        )
            .into_response(),
        Err(e) => refusal(
            &r,
            match e.code.as_str() {
                "FORBIDDEN" => Refused::Forbidden,
                "NOT_FOUND" => Refused::NotFound,
                "VALIDATION" => Refused::NotFound,
                _ => Refused::Unavailable,
            },
        ),
    }
}

async fn list(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        uri,
        ..
    } = m;
    let kind = uri_kind(&uri).to_string();
    let Some(kind) = Kind::parse(&kind) else {
        return refusal(&r, Refused::NotFound);
    };
    match list_rows(&web, &who, &code, kind, &view) {
        Ok((mission_name, rows)) => {
            let action = format!("/missions/{code}/lists/{}", uri_kind(&uri));
            mission_page(
                &r,
                StatusCode::OK,
                format!(
                    "{} — {}",
                    r.l.t(kind.title_key()),
                    r.l.t_args(
                        "list-title-suffix",
                        &[("mission", mission_name), ("date", r.l.date(view.as_of))]
                    )
                ),
                &code,
                (&action, &travel, Vec::new()),
                pages::lists::body(r.l, &rows, &code, &travel),
            )
        }
        Err(e) => refused(&r, e),
    }
}

fn uri_kind(uri: &Uri) -> &str {
    uri.path().rsplit('/').next().unwrap_or("")
}

/// A list's rows: each from an application layer's answer for `who`; names and bases from the
/// board (the staffing context's answer for the same reader).
fn list_rows(
    web: &Web,
    who: &Principal,
    code: &str,
    kind: Kind,
    view: &View,
) -> Result<(String, List), AppError> {
    let apps = &web.settings.apps;
    let mission = apps.registry.mission(who, code, view)?;
    let board = apps
        .staffing
        .base_board(who, code, &BoardFilter::default(), view)?;
    let base_name = |id: &str| {
        board
            .iter()
            .find(|b| b.base_id == id)
            .map_or_else(|| id.to_string(), |b| b.name.clone())
    };
    let cla = |staff: &str| {
        board
            .iter()
            .find_map(|b| {
                b.clas
                    .iter()
                    .find(|c| c.staff_id == staff)
                    .map(|c| (c.name.clone(), b.name.clone()))
            })
            .unwrap_or_else(|| (staff.to_string(), String::new()))
    };
    let list = match kind {
        Kind::Lone => List::Lone(
            board
                .iter()
                .filter(|b| b.effective_strength == 1)
                .map(|b| {
                    let present = b
                        .clas
                        .iter()
                        .filter(|c| !c.absent)
                        .map(|c| (c.staff_id.clone(), c.name.clone()))
                        .collect();
                    (b.name.clone(), present)
                })
                .collect(),
        ),
        Kind::Overdue => {
            let c = apps.risk.check_in_compliance(who, code, view)?;
            List::Overdue {
                count: (!c.counts.withheld).then_some(c.overdue_count),
                people: c.overdue.shown().map(|people| {
                    people
                        .into_iter()
                        .map(|o| OverdueCla {
                            name: cla(&o.staff_id).0,
                            base: base_name(&o.base_id),
                            staff_id: o.staff_id,
                            due: o.due_at,
                        })
                        .collect()
                }),
            }
        }
        Kind::Flags => {
            let register = apps.risk.risk_register(who, code, view)?;
            let offices = apps.registry.field_offices(who, code, view)?;
            let counts = register.counts;
            let office_name = |id: &str| {
                offices
                    .iter()
                    .find(|o| o.id == id)
                    .map_or_else(|| id.to_string(), |o| o.name.clone())
            };
            List::Flags {
                mission: (!counts.withheld).then(|| severities(&counts.by_severity)),
                by_office: counts
                    .by_field_office
                    .iter()
                    .map(|(id, c)| {
                        (
                            office_name(id),
                            (!counts.withheld_places.contains(id)).then(|| severities(c)),
                        )
                    })
                    .collect(),
                overdue_reviews: (!counts.withheld).then_some(counts.overdue_reviews),
            }
        }
        Kind::Rotations => List::Rotations(
            apps.staffing
                .rotation_calendar(
                    who,
                    code,
                    Some(view.as_of),
                    Some(view.as_of + Duration::days(30)),
                    view,
                )?
                .into_iter()
                .filter(|r| matches!(r.state, RotationState::Planned | RotationState::Overdue))
                .map(|r| Rotation {
                    staff_id: r.staff_id.clone(),
                    overdue: r.state == RotationState::Overdue,
                    from: base_name(&r.from_base_id),
                    to: base_name(&r.to_base_id),
                    name: r.name,
                    date: r.date,
                })
                .collect(),
        ),
        Kind::Appointments => List::Appointments(
            apps.staff
                .appointments_ending(who, code, Some(60), view)?
                .into_iter()
                .map(|a| (a.member.id, a.member.name, a.member.appointment.end))
                .collect(),
        ),
        Kind::Unsupervised => List::Unsupervised(
            apps.supervision
                .management_coverage(who, code, view)?
                .mission
                .unsupervised
                .iter()
                .map(|id| {
                    let (name, base) = cla(id);
                    (id.clone(), name, base)
                })
                .collect(),
        ),
        Kind::NotVisited => List::NotVisited(
            apps.supervision
                .management_coverage(who, code, view)?
                .mission
                .not_visited
                .into_iter()
                .map(|v| (v.name, v.last_visit, v.days_since))
                .collect(),
        ),
    };
    Ok((mission.code, list))
}

/// A posted form read input by input: an input that cannot be read is noted, in the words the
/// screen gives, beside it; [`Fields::as_sent`] is the form to show again after a refusal.
pub(crate) struct Fields<'a> {
    pub(crate) form: &'a HashMap<String, String>,
    /// Inputs that could not be read (or a refusal), with what to say beside them.
    pub(crate) bad: Vec<(Option<String>, String)>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(form: &'a HashMap<String, String>) -> Self {
        Self {
            form,
            bad: Vec::new(),
        }
    }

    /// An input's text, trimmed (empty where not sent).
    pub(crate) fn text(&self, name: &str) -> &'a str {
        self.form.get(name).map_or("", |s| s.trim())
    }

    /// A date input (`2027-03-12`); else `words` beside it.
    pub(crate) fn date(&mut self, name: &str, words: String) -> Option<chrono::NaiveDate> {
        let read = chrono::NaiveDate::parse_from_str(self.text(name), "%Y-%m-%d").ok();
        if read.is_none() {
            self.bad.push((Some(name.to_string()), words));
        }
        read
    }

    /// One of `options` (the value sent, what it means); else `words` beside it.
    pub(crate) fn choice<T: Copy>(
        &mut self,
        name: &str,
        options: &[(&str, T)],
        words: String,
    ) -> Option<T> {
        let given = self.text(name);
        let read = options.iter().find(|(v, _)| *v == given).map(|(_, t)| *t);
        if read.is_none() {
            self.bad.push((Some(name.to_string()), words));
        }
        read
    }

    /// The form as it was sent, without its token.
    pub(crate) fn as_sent(&self) -> Vec<(String, String)> {
        self.form
            .iter()
            .filter(|(k, _)| k.as_str() != "csrf")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A form posted to one of a mission's pages: the request ([`MissionRequest`]) and the form's
/// inputs. Extracting it answers for the handler where no one is signed in (the sign-in page) or
/// the form does not carry the reader's token (refused, nothing written), as [`posted_by`] does.
pub(crate) struct MissionForm {
    pub(crate) m: MissionRequest,
    pub(crate) form: HashMap<String, String>,
}

impl axum::extract::FromRequest<Arc<Web>> for MissionForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, web: &Arc<Web>) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let m = MissionRequest::from_request_parts(&mut parts, web).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let Form(form) = Form::<HashMap<String, String>>::from_request(req, web)
            .await
            .map_err(|_| refusal(&m.r, Refused::NotFound))?;
        if !carries_token(&m.r, &form) {
            return Err(csrf_refused(&m.r));
        }
        Ok(Self { m, form })
    }
}
