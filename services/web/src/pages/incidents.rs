//! A mission's incidents: those under way first (open, notified, acknowledged), then those
//! resolved, each with where it stands in words, the escalation step it has reached, who
//! acknowledged and who resolved it, and the link to its page. What happened is shown only where
//! the escalation context shows it to the reader.

use chrono::{DateTime, Utc};
use cla_alerts::escalation::app::{IncidentAnswer, IncidentStatus};
use maud::{Markup, html};

use crate::i18n::L10n;

pub struct Incidents<'a> {
    pub incidents: &'a [IncidentAnswer],
    /// When the list was read.
    pub at: DateTime<Utc>,
}

fn what(l: L10n, i: &IncidentAnswer) -> Markup {
    html! {
        @match i.detail.as_ref().shown() {
            Some(d) => (super::incident::kind(l, d.kind)),
            None => (super::withheld(l)),
        }
    }
}

fn by(l: L10n, who: Option<&String>, at: Option<DateTime<Utc>>) -> Markup {
    html! {
        @match (who, at) {
            (Some(who), Some(at)) => { (who) ", " (l.date_time(at)) },
            _ => (l.t("incidents-nobody")),
        }
    }
}

fn table(l: L10n, id: &str, caption: String, rows: &[&IncidentAnswer], resolved: bool) -> Markup {
    html! {
        table id=(id) {
            caption { (caption) }
            thead { tr {
                th scope="col" { (l.t("incidents-col-opened")) }
                th scope="col" { (l.t("incidents-col-what")) }
                th scope="col" { (l.t("incidents-col-office")) }
                th scope="col" { (l.t("incidents-col-status")) }
                th scope="col" { (l.t("incidents-col-step")) }
                th scope="col" { (l.t("incidents-col-acknowledged")) }
                @if resolved { th scope="col" { (l.t("incidents-col-resolved")) } }
            } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan=(if resolved { "7" } else { "6" }) { (l.t(if resolved { "incidents-none-resolved" } else { "incidents-none-open" })) } }
                }
                @for i in rows {
                    tr id={ "incident-" (i.id) } {
                        th scope="row" {
                            a href={ "/incidents/" (i.id) } { (l.date_time(i.opened_at)) }
                        }
                        td { (what(l, i)) }
                        td { (i.field_office_name) }
                        td { (super::alerts::incident_status(l, i.status)) }
                        td { (l.t_args("incident-step-of", &[("step", l.count(i.step)), ("steps", l.count(i.steps))])) }
                        td { (by(l, i.acknowledged_by.as_ref(), i.acknowledged_at)) }
                        @if resolved { td { (by(l, i.resolved_by.as_ref(), i.resolved_at)) } }
                    }
                }
            }
        }
    }
}

pub fn body(l: L10n, a: &Incidents<'_>) -> Markup {
    let (open, resolved): (Vec<&IncidentAnswer>, Vec<&IncidentAnswer>) = a
        .incidents
        .iter()
        .partition(|i| i.status != IncidentStatus::Resolved);
    html! {
        p.note { (l.t_args("incidents-read-at", &[("at", l.date_time(a.at))])) }
        p { a #escalation-link href="escalation" { (l.t("escalation-link")) } }
        (table(l, "incidents-open", l.t_args("incidents-open-title", &[("count", l.count(open.len()))]), &open, false))
        (table(l, "incidents-resolved", l.t_args("incidents-resolved-title", &[("count", l.count(resolved.len()))]), &resolved, true))
    }
}
