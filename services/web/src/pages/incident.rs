//! An incident: where it stands, what happened (for those who see it), its timeline, and the
//! forms to acknowledge and resolve it. The page a notification's link opens.

use cla_alerts::escalation::app::{IncidentAnswer, IncidentStatus};
use cla_alerts::escalation::events::{IncidentKind, NotificationChannel};
use cla_alerts::escalation::view::EntryKind;
use maud::{Markup, html};

use crate::i18n::L10n;

pub(crate) fn status(l: L10n, s: IncidentStatus) -> String {
    match s {
        IncidentStatus::Open => l.t("incident-status-open"),
        IncidentStatus::Notified => l.t("incident-status-notified"),
        IncidentStatus::Acknowledged => l.t("incident-status-acknowledged"),
        IncidentStatus::Resolved => l.t("incident-status-resolved"),
    }
}

pub(crate) fn kind(l: L10n, k: IncidentKind) -> String {
    match k {
        IncidentKind::MissedCheckIn => l.t("incident-kind-missed-check-in"),
        IncidentKind::Duress => l.t("incident-kind-duress"),
        IncidentKind::UnderThreat => l.t("incident-kind-under-threat"),
        IncidentKind::NeedsAssistance => l.t("incident-kind-needs-assistance"),
        IncidentKind::CriticalFlag => l.t("incident-kind-critical-flag"),
        IncidentKind::BaseEmpty => l.t("incident-kind-base-empty"),
        IncidentKind::Unspecified => l.t("incident-kind-other"),
    }
}

fn entry(l: L10n, k: EntryKind) -> String {
    match k {
        EntryKind::Opened => l.t("incident-entry-opened"),
        EntryKind::StepStarted => l.t("incident-entry-step"),
        EntryKind::NotificationDecided => l.t("incident-entry-decided"),
        EntryKind::NotificationAttempted => l.t("incident-entry-attempted"),
        EntryKind::NotificationDelivered => l.t("incident-entry-delivered"),
        EntryKind::NotificationFailed => l.t("incident-entry-failed"),
        EntryKind::Acknowledged => l.t("incident-entry-acknowledged"),
        EntryKind::Resolved => l.t("incident-entry-resolved"),
    }
}

fn channel(c: NotificationChannel) -> &'static str {
    match c {
        NotificationChannel::Email => "email",
        NotificationChannel::Sms => "SMS",
        NotificationChannel::Webhook => "webhook",
        NotificationChannel::Unspecified => "",
    }
}

pub fn body(l: L10n, i: &IncidentAnswer, csrf: &str) -> Markup {
    let detail = i.detail.clone().shown();
    html! {
        dl.facts {
            dt { (l.t("incident-status")) } dd { (status(l, i.status)) }
            dt { (l.t("incident-field-office")) } dd { (i.field_office_name) " (" (i.mission_code) ")" }
            dt { (l.t("incident-opened")) } dd { (l.date_time(i.opened_at)) }
            dt { (l.t("incident-step")) } dd { (l.t_args("incident-step-of", &[("step", l.count(i.step)), ("steps", l.count(i.steps))])) }
            @if let (Some(by), Some(at)) = (&i.acknowledged_by, i.acknowledged_at) {
                dt { (l.t("incident-acknowledged")) } dd { (by) ", " (l.date_time(at)) }
            }
            @match &detail {
                Some(d) => {
                    dt { (l.t("incident-kind")) } dd { (kind(l, d.kind)) }
                    dt { (l.t("incident-summary")) } dd { (d.summary) }
                    @if let Some(outcome) = &d.outcome {
                        dt { (l.t("incident-outcome")) } dd { (outcome) }
                    }
                }
                None => { dt { (l.t("incident-what")) } dd { (super::withheld(l)) } }
            }
        }
        @if i.status != IncidentStatus::Resolved {
            @if i.status != IncidentStatus::Acknowledged {
                form method="post" action={ "/incidents/" (i.id) "/acknowledge" } {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { (l.t("incident-acknowledge")) }
                }
            }
            form method="post" action={ "/incidents/" (i.id) "/resolve" } {
                input type="hidden" name="csrf" value=(csrf);
                label for="outcome" { (l.t("incident-outcome-label")) }
                textarea #outcome name="outcome" rows="3" required maxlength="2000" {}
                button type="submit" { (l.t("incident-resolve")) }
            }
        }
        table {
            caption { (l.t("incident-timeline")) }
            thead { tr {
                th scope="col" { (l.t("incident-col-when")) }
                th scope="col" { (l.t("incident-col-what")) }
                th scope="col" { (l.t("incident-col-who")) }
                th scope="col" { (l.t("incident-col-detail")) }
            } }
            tbody {
                @for e in &i.timeline {
                    tr {
                        td { (l.date_time(e.at)) }
                        td { (entry(l, e.kind)) @if let Some(s) = e.step { " " (s) } }
                        td { @if let Some(r) = &e.recipient { (r) } @else { (e.by) } }
                        td {
                            @if let Some(c) = e.channel { (channel(c)) " " }
                            @if let Some(a) = e.attempt { "#" (a) " " }
                            @if let Some(d) = &e.detail { (d) }
                        }
                    }
                }
            }
        }
    }
}
