//! The mission's live alerts: the alerts of the watch active now, the incidents under way (with
//! the forms to acknowledge and resolve them), and the alerts raised while the page is open. The
//! list is one region ([`region`]) that the page's own script replaces as the server's events
//! bring it anew (`/missions/{code}/alerts/events`); without a script the page reads as it was
//! sent and has a refresh link. Severity and status are told in words and by shape.

use chrono::{DateTime, Utc};
use cla_alerts::escalation::app::{IncidentAnswer, IncidentStatus};
use cla_alerts::projections::{Alert, Kind};
use cla_risk::events::Severity;
use maud::{Markup, html};

use crate::assets;
use crate::i18n::L10n;

/// An alert of the watch, with where it is (the base's name) and the incident it opened, if any.
pub struct WatchAlert<'a> {
    pub alert: &'a Alert,
    pub place: String,
    pub incident: Option<&'a IncidentAnswer>,
}

pub struct Alerts<'a> {
    pub code: &'a str,
    pub csrf: &'a str,
    pub watch: Vec<WatchAlert<'a>>,
    /// The incidents under way no alert of the watch stands for (a silence, duress, a flag),
    /// each with its flag's severity where the reader sees the flag.
    pub incidents: Vec<(&'a IncidentAnswer, Option<Severity>)>,
    /// The reader is not one who answers incidents: they are not listed.
    pub incidents_withheld: bool,
    /// When the list was read.
    pub at: DateTime<Utc>,
}

pub fn kind(l: L10n, k: Kind) -> String {
    l.t(match k {
        Kind::BaseBelowMinimum => "alerts-kind-base-below-minimum",
        Kind::BaseEmpty => "alerts-kind-base-empty",
        Kind::ForecastGap => "alerts-kind-forecast-gap",
        Kind::RiskFlagRaised => "alerts-kind-risk-flag-raised",
        Kind::RiskFlagEscalated => "alerts-kind-risk-flag-escalated",
        Kind::MissedCheckIn => "alerts-kind-missed-check-in",
        Kind::RotationDue => "alerts-kind-rotation-due",
        Kind::AppointmentEnding => "alerts-kind-appointment-ending",
        Kind::ReviewOverdue => "alerts-kind-review-overdue",
        Kind::ManagerOverSpan => "alerts-kind-manager-over-span",
        Kind::BaseNotVisited => "alerts-kind-base-not-visited",
    })
}

/// A severity: its shape and its word (the colour only repeats them).
pub fn severity(l: L10n, s: Option<Severity>) -> Markup {
    let (class, shape, key) = match s {
        Some(Severity::Critical) => ("status status-empty", "◆", "severity-critical"),
        Some(Severity::High) => ("status status-empty", "▲", "severity-high"),
        Some(Severity::Medium) => ("status status-below", "■", "severity-medium"),
        Some(Severity::Low) => ("status status-ok", "●", "severity-low"),
        _ => return html! { span { (l.t("alerts-severity-none")) } },
    };
    html! { span class=(class) { span aria-hidden="true" { (shape) " " } (l.t(key)) } }
}

pub(crate) fn incident_status(l: L10n, s: IncidentStatus) -> Markup {
    let (class, shape) = match s {
        IncidentStatus::Open | IncidentStatus::Notified => ("status status-empty", "✕"),
        IncidentStatus::Acknowledged => ("status status-below", "◐"),
        IncidentStatus::Resolved => ("status status-ok", "✓"),
    };
    html! { span class=(class) { span aria-hidden="true" { (shape) " " } (super::incident::status(l, s)) } }
}

/// An incident's cell: its link and status, who acknowledged it, and the forms coming back here.
fn incident(l: L10n, a: &Alerts<'_>, i: &IncidentAnswer) -> Markup {
    let back = format!("/missions/{}/alerts", a.code);
    html! {
        a href={ "/incidents/" (i.id) } { (l.t("alerts-incident-link")) }
        " " (incident_status(l, i.status))
        @if let (Some(by), Some(at)) = (&i.acknowledged_by, i.acknowledged_at) {
            p.ack { (l.t_args("alerts-acknowledged-by", &[("name", by.clone()), ("at", l.date_time(at))])) }
        }
        @if i.status != IncidentStatus::Resolved {
            @if i.status != IncidentStatus::Acknowledged {
                form method="post" action={ "/incidents/" (i.id) "/acknowledge" } {
                    input type="hidden" name="csrf" value=(a.csrf);
                    input type="hidden" name="back" value=(back);
                    button type="submit" id={ "ack-" (i.id) } { (l.t("alerts-acknowledge")) }
                }
            }
            details id={ "resolve-" (i.id) } {
                summary { (l.t("alerts-resolve")) }
                form method="post" action={ "/incidents/" (i.id) "/resolve" } {
                    input type="hidden" name="csrf" value=(a.csrf);
                    input type="hidden" name="back" value=(back);
                    label for={ "outcome-" (i.id) } { (l.t("incident-outcome-label")) }
                    textarea id={ "outcome-" (i.id) } name="outcome" rows="2" required maxlength="2000" {}
                    button type="submit" { (l.t("incident-resolve")) }
                }
            }
        }
    }
}

/// The list: what the page shows and what each event of the stream brings anew.
pub fn region(l: L10n, a: &Alerts<'_>) -> Markup {
    html! {
        table #alerts-table {
            caption { (l.t("alerts-active-title")) " " span.note { (l.t_args("alerts-read-at", &[("at", l.date_time(a.at))])) } }
            thead { tr {
                th scope="col" { (l.t("alerts-col-what")) }
                th scope="col" { (l.t("alerts-col-where")) }
                th scope="col" { (l.t("alerts-col-since")) }
                th scope="col" { (l.t("alerts-col-severity")) }
                th scope="col" { (l.t("alerts-col-incident")) }
            } }
            tbody {
                @if a.watch.is_empty() && a.incidents.is_empty() {
                    tr { td colspan="5" { (l.t("alerts-none")) } }
                }
                @for w in &a.watch {
                    tr id={ "alert-" (w.alert.alert_id) } {
                        th scope="row" { (kind(l, w.alert.kind)) }
                        td { (w.place) }
                        td { (l.date_time(w.alert.at)) }
                        td { (severity(l, w.alert.severity)) }
                        td { @match w.incident { Some(i) => (incident(l, a, i)), None => (l.t("alerts-no-incident")) } }
                    }
                }
                @for (i, flag_severity) in &a.incidents {
                    tr id={ "incident-" (i.id) } {
                        th scope="row" {
                            @match i.detail.as_ref().shown() {
                                Some(d) => (super::incident::kind(l, d.kind)),
                                None => { (l.t("alerts-incident")) " " (super::withheld(l)) },
                            }
                        }
                        td { (i.field_office_name) }
                        td { (l.date_time(i.opened_at)) }
                        td { (severity(l, *flag_severity)) }
                        td { (incident(l, a, i)) }
                    }
                }
            }
        }
        @if a.incidents_withheld {
            p { (l.t("alerts-incidents-withheld")) }
        }
    }
}

/// An alert raised while the page is open, as the stream brings it (already shaped for the
/// reader: a counts-only reader's has no person and no base).
pub fn raised(l: L10n, alert: &Alert, place: Option<&str>) -> Markup {
    html! {
        li id={ "raised-" (alert.alert_id) } {
            strong { (kind(l, alert.kind)) }
            " — " (severity(l, alert.severity))
            @if let Some(p) = place { " — " (p) }
            " — " (l.date_time(alert.at))
        }
    }
}

/// The page: the refresh link, the alerts raised while it is open, the list (`region`, as
/// [`region`] rendered it). `live`: the page is about now, and follows the server's events; as of
/// another day or time it stands as it was.
pub fn body(l: L10n, code: &str, live: bool, region: Markup) -> Markup {
    let events = format!("/missions/{code}/alerts/events");
    html! {
        @if live {
            p {
                a href={ "/missions/" (code) "/alerts" } { (l.t("alerts-refresh")) }
                " " span.note { (l.t("alerts-live-note")) }
            }
            section #raised-section aria-labelledby="raised-title" hidden {
                h2 #raised-title { (l.t("alerts-raised-title")) }
                ul #alerts-raised aria-live="polite" {}
            }
            div #alerts-live data-events=(events) {
                (region)
            }
            script src=(assets::href(&assets::ALERTS)) defer {}
        } @else {
            p.note { (l.t("alerts-travel-note")) }
            div #alerts-then { (region) }
        }
    }
}
