//! The alerts list, `GET /missions/{code}/alerts`, and its live events,
//! `GET /missions/{code}/alerts/events` (server-sent events, as the signed-in reader): the list
//! anew whenever it changes (an alert raised or cleared, an incident acknowledged), and each alert
//! raised, as the alerts context shapes it for that reader. The stream ends when the session
//! does. Acknowledging and resolving are the incident page's forms, coming back here.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use cla_alerts::escalation::app::IncidentAnswer;
use cla_alerts::escalation::events::IncidentKind;
use cla_alerts::projections::{Alert, Kind};
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_risk::events::Severity;
use cla_staffing::projections::BoardFilter;
use futures::StreamExt;
use futures::stream::BoxStream;

use super::{MissionRequest, mission_page, now, refused, today};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::alerts::{self, Alerts, WatchAlert};

/// How often the stream reads the list again for what a raised alert does not announce (an
/// alert cleared, an incident opened or acknowledged).
const REREAD: Duration = Duration::from_secs(1);

/// What the list is rendered from, each part the answer of an application layer for `who`.
struct Answers {
    watch: Vec<Alert>,
    /// `None`: the reader does not answer incidents (the escalation context refused).
    incidents: Option<Vec<IncidentAnswer>>,
    /// The severity of the flag an incident is about, by incident, where the risk context shows
    /// the flag to the reader.
    severities: Vec<(String, Severity)>,
    base_names: Vec<(String, String)>,
}

/// The list now, or the alerts of the watch as `travel` asks (as of a date, as known at a time;
/// the incidents are those under way now).
fn answers(
    web: &Web,
    who: &Principal,
    code: &str,
    travel: Option<&View>,
) -> Result<Answers, AppError> {
    let apps = &web.settings.apps;
    let view = travel.copied().unwrap_or_else(|| View::on(today(web)));
    apps.registry.mission(who, code, &view)?;
    let watch = apps
        .alerts
        .active_alerts(who, code, Some(view.as_of), view.known_at, None)?;
    let incidents = match apps.escalation.incidents(who, code, true) {
        Ok(i) => Some(i),
        Err(e) if e.code == ErrorCode::Forbidden => None,
        Err(e) => return Err(e),
    };
    let severities = incidents
        .iter()
        .flatten()
        .filter_map(|i| {
            let flag = i.detail.as_ref().shown()?.flag_id.clone()?;
            let record = apps.risk.risk_flag(who, &flag, &view).ok()?;
            Some((i.id.clone(), record.flag.severity))
        })
        .collect();
    let base_names = apps
        .staffing
        .base_board(who, code, &BoardFilter::default(), &view)?
        .into_iter()
        .map(|b| (b.base_id, b.name))
        .collect();
    Ok(Answers {
        watch,
        incidents,
        severities,
        base_names,
    })
}

fn place(a: &Answers, base: Option<&str>) -> Option<String> {
    let base = base?;
    Some(
        a.base_names
            .iter()
            .find(|(id, _)| id == base)
            .map_or_else(|| base.to_string(), |(_, n)| n.clone()),
    )
}

/// The list as markup: the incident a base left empty opened stands with its alert; every other
/// incident under way stands alone.
fn render(l: L10n, web: &Web, code: &str, csrf: &str, a: &Answers) -> String {
    let incidents = a.incidents.as_deref().unwrap_or_default();
    let of_watch = |alert: &Alert| {
        (alert.kind == Kind::BaseEmpty)
            .then(|| {
                incidents.iter().find(|i| {
                    i.detail.as_ref().shown().is_some_and(|d| {
                        d.kind == IncidentKind::BaseEmpty && d.base_id == alert.base_id
                    })
                })
            })
            .flatten()
    };
    let watch: Vec<WatchAlert<'_>> = a
        .watch
        .iter()
        .map(|alert| WatchAlert {
            alert,
            place: place(a, alert.base_id.as_deref()).unwrap_or_default(),
            incident: of_watch(alert),
        })
        .collect();
    let attached: Vec<&str> = watch
        .iter()
        .filter_map(|w| w.incident.map(|i| i.id.as_str()))
        .collect();
    let list = Alerts {
        code,
        csrf,
        incidents: incidents
            .iter()
            .filter(|i| !attached.contains(&i.id.as_str()))
            .map(|i| {
                let severity = a.severities.iter().find(|(id, _)| *id == i.id);
                (i, severity.map(|(_, s)| *s))
            })
            .collect(),
        watch,
        incidents_withheld: a.incidents.is_none(),
        at: now(web),
    };
    alerts::region(l, &list).into_string()
}

pub(crate) async fn alerts_page(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        ..
    } = m;
    // Live where the page is about now; as of another day or time, as it stood then.
    let live = travel.as_of.is_none() && travel.known_at.is_none();
    let a = match answers(&web, &who, &code, (!live).then_some(&view)) {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    let region = render(r.l, &web, &code, &r.csrf, &a);
    let action = format!("/missions/{code}/alerts");
    mission_page(
        &r,
        StatusCode::OK,
        r.l.t_args("alerts-title", &[("mission", code.clone())]),
        &code,
        (&action, &travel, Vec::new()),
        alerts::body(r.l, &code, live, maud::PreEscaped(region)),
    )
}

/// What one stream carries between its events.
struct Stream {
    web: Arc<Web>,
    who: Principal,
    code: String,
    l: L10n,
    csrf: String,
    expires_at: i64,
    feed: BoxStream<'static, Alert>,
    tick: tokio::time::Interval,
    /// The list as last sent.
    sent: String,
}

impl Stream {
    /// The next event: each alert raised, or the list where it has changed; none once the
    /// session is over or the list cannot be read as this reader any more.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if now(&self.web).timestamp() >= self.expires_at {
                return None;
            }
            tokio::select! {
                raised = self.feed.next() => {
                    let alert = raised?;
                    let a = answers(&self.web, &self.who, &self.code, None).ok()?;
                    let item = alerts::raised(self.l, &alert, place(&a, alert.base_id.as_deref()).as_deref());
                    // The list follows at once (an incident may open with it: the next reading).
                    self.tick.reset_immediately();
                    return Some(Event::default().event("raised").data(item.into_string()));
                }
                _ = self.tick.tick() => {
                    let a = answers(&self.web, &self.who, &self.code, None).ok()?;
                    let list = render(self.l, &self.web, &self.code, &self.csrf, &a);
                    if list != self.sent {
                        self.sent.clone_from(&list);
                        return Some(Event::default().event("alerts").data(list));
                    }
                }
            }
        }
    }
}

pub(crate) async fn alert_events(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest { r, who, code, .. } = m;
    let Some(expires_at) = r.session.as_ref().map(|s| s.expires_at) else {
        return super::to_sign_in(&r);
    };
    // Refused before anything is sent.
    if let Err(e) = answers(&web, &who, &code, None) {
        return refused(&r, e);
    }
    let feed = match web
        .settings
        .apps
        .alerts
        .alerts(&who, Some(code.clone()), None, None)
        .await
    {
        Ok(feed) => feed,
        Err(e) => return refused(&r, e),
    };
    let mut tick = tokio::time::interval(REREAD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stream = Stream {
        web,
        who,
        code,
        l: r.l,
        csrf: r.csrf.clone(),
        expires_at,
        feed,
        tick,
        sent: String::new(),
    };
    let events = futures::stream::unfold(stream, |mut s| async move {
        let event = s.next().await?;
        Some((Ok::<_, std::convert::Infallible>(event), s))
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
