//! The field channels' admin screens: the SMS inbox (messages from unknown numbers, to assign to
//! a CLA or dismiss; check-ins of unknown welfare to follow up) and a CLA's channels (their phone
//! numbers; their duress word, set or cleared, never shown). Each part and each form only where
//! the field application layer answers it to the reader. A refused form comes back as filled
//! (a duress word never), the refusal in words beside its field.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cla_alerts::escalation::app::EscalationSettings;
use cla_alerts::escalation::events::contract::{
    EscalationProcedureSet, EscalationRecipient, IncidentKind, NotificationChannel, RecipientKind,
};
use cla_field::app::{Channels, SmsInbox};
use maud::{Markup, html};

use crate::i18n::L10n;

/// A form posted and refused: which form (its key, e.g. `assign:<message>`), the values as
/// sent, and the refusals beside their fields (`None`: the whole form).
pub struct Posted<'a> {
    pub form: String,
    pub values: &'a HashMap<String, String>,
    pub errors: &'a [(Option<String>, String)],
}

/// What a form shows of a posting: its value for `name`, and the refusal beside `name`.
struct Filled<'a> {
    posted: Option<&'a Posted<'a>>,
    /// The ids of this form's fields end with this (several rows carry the same form).
    suffix: String,
}

impl<'a> Filled<'a> {
    fn new(posted: Option<&'a Posted<'a>>, form: &str, suffix: &str) -> Self {
        Filled {
            posted: posted.filter(|p| p.form == form),
            suffix: suffix.to_string(),
        }
    }

    fn id(&self, name: &str) -> String {
        format!("{name}{}", self.suffix)
    }

    fn value(&self, name: &str) -> String {
        self.posted
            .and_then(|p| p.values.get(name).cloned())
            .unwrap_or_default()
    }

    fn error(&self, name: &str) -> Option<&'a str> {
        self.posted.and_then(|p| {
            p.errors
                .iter()
                .find(|(f, _)| f.as_deref() == Some(name))
                .map(|(_, m)| m.as_str())
        })
    }

    /// The refusals about no field of this form (`fields`: those it has).
    fn general(&self, fields: &[&str]) -> Vec<&'a str> {
        self.posted.map_or(Vec::new(), |p| {
            p.errors
                .iter()
                .filter(|(f, _)| f.as_deref().is_none_or(|f| !fields.contains(&f)))
                .map(|(_, m)| m.as_str())
                .collect()
        })
    }

    /// The attributes tying an input to its refusal.
    fn described(&self, name: &str) -> Option<String> {
        self.error(name).map(|_| format!("{}-error", self.id(name)))
    }

    fn invalid(&self, name: &str) -> Option<&'static str> {
        self.error(name).map(|_| "true")
    }

    fn message(&self, name: &str) -> Markup {
        html! {
            @if let Some(m) = self.error(name) {
                span.error id=(format!("{}-error", self.id(name))) { (m) }
            }
        }
    }

    fn refusal(&self, l: L10n, fields: &[&str]) -> Markup {
        html! {
            @if self.posted.is_some() {
                div.refusal role="alert" {
                    p { strong { (l.t("actions-not-done")) } }
                    @for m in self.general(fields) { p { (m) } }
                }
            }
        }
    }
}

fn hidden_csrf(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The banner after a form was done, from the page's `done` key.
fn done(l: L10n, key: Option<&'static str>) -> Markup {
    html! {
        @if let Some(key) = key {
            p.banner #field-admin-done role="status" { (l.t(key)) }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The SMS inbox

pub struct SmsPage<'a> {
    /// The mission; empty: the messages to numbers of no mission (ADMIN).
    pub code: &'a str,
    /// Where the inbox's forms post to (`…/assign`, `…/dismiss`).
    pub path: &'a str,
    pub inbox: &'a SmsInbox,
    pub csrf: &'a str,
    pub posted: Option<&'a Posted<'a>>,
    pub done: Option<&'static str>,
    pub at: DateTime<Utc>,
    /// The time the page is asked for: the inbox is what waits now, whatever the time asked.
    pub travel: &'a crate::travel::Travel,
}

pub fn sms(l: L10n, p: &SmsPage<'_>) -> Markup {
    let code = p.code;
    // A form about a message no longer waiting (resolved meanwhile) has no row to come back to.
    let listed = |posted: &Posted<'_>| {
        p.inbox.unmatched.iter().flatten().any(|m| {
            posted.form == format!("assign:{}", m.message_id)
                || posted.form == format!("dismiss:{}", m.message_id)
        })
    };
    html! {
        @if p.travel.is_asked() {
            p.banner #sms-live-now role="note" { (l.t("sms-live-now")) }
        }
        p.note { (l.t_args("sms-read-at", &[("at", l.date_time(p.at))])) }
        (done(l, p.done))
        @if let Some(posted) = p.posted.filter(|x| !listed(x)) {
            div.refusal #sms-refused role="alert" {
                p { strong { (l.t("actions-not-done")) } }
                @for (_, m) in posted.errors { p { (m) } }
            }
        }
        @if let Some(messages) = &p.inbox.unmatched {
            section aria-labelledby="sms-unmatched-title" {
                h2 #sms-unmatched-title { (l.t_args("sms-unmatched-title", &[("count", l.count(messages.len()))])) }
                p.note { (l.t(if code.is_empty() { "sms-unmissioned-intro" } else { "sms-unmatched-intro" })) }
                @if messages.is_empty() {
                    p #sms-unmatched-none { (l.t("sms-unmatched-none")) }
                }
                @for m in messages {
                    @let id = &m.message_id;
                    @let assign = Filled::new(p.posted, &format!("assign:{id}"), &format!("-{id}"));
                    @let dismiss = Filled::new(p.posted, &format!("dismiss:{id}"), &format!("-{id}"));
                    article.sms-message id={ "sms-" (id) } aria-labelledby={ "sms-" (id) "-title" } {
                        h3 id={ "sms-" (id) "-title" } { (l.t_args("sms-message-title", &[("from", m.from_number.clone()), ("at", l.date_time(m.sent_at))])) }
                        dl {
                            dt { (l.t("sms-from")) } dd { (m.from_number) }
                            dt { (l.t("sms-sent-at")) } dd { (l.date_time(m.sent_at)) }
                            dt { (l.t("sms-received")) } dd { (l.date_time(m.received)) }
                            dt { (l.t("sms-text")) } dd.sms-text { (m.text) }
                        }
                        (assign.refusal(l, &["staffId"]))
                        form.sms-form method="post" action=(format!("{}/assign", p.path)) {
                            (hidden_csrf(p.csrf))
                            input type="hidden" name="messageId" value=(id);
                            div.field {
                                label for=(assign.id("staffId")) { (l.t("sms-assign-to")) }
                                @let chosen = assign.value("staffId");
                                select id=(assign.id("staffId")) name="staffId" aria-describedby=[assign.described("staffId")] aria-invalid=[assign.invalid("staffId")] {
                                    option value="" { (l.t("actions-choose")) }
                                    @for (sid, name) in &p.inbox.clas {
                                        option value=(sid) selected[*sid == chosen] { (name) " (" (sid) ")" }
                                    }
                                }
                                (assign.message("staffId"))
                            }
                            button.primary type="submit" { (l.t("sms-assign")) }
                        }
                        (dismiss.refusal(l, &["reason"]))
                        form.sms-form method="post" action=(format!("{}/dismiss", p.path)) {
                            (hidden_csrf(p.csrf))
                            input type="hidden" name="messageId" value=(id);
                            div.field {
                                label for=(dismiss.id("reason")) { (l.t("sms-dismiss-reason")) }
                                input id=(dismiss.id("reason")) type="text" name="reason" maxlength="1000" value=(dismiss.value("reason"))
                                    aria-describedby=[dismiss.described("reason")] aria-invalid=[dismiss.invalid("reason")];
                                (dismiss.message("reason"))
                            }
                            button type="submit" { (l.t("sms-dismiss")) }
                        }
                    }
                }
            }
        }
        @if let Some(follow_ups) = &p.inbox.follow_ups {
            table #sms-follow-ups {
                caption { (l.t_args("sms-follow-ups-title", &[("count", l.count(follow_ups.len()))])) }
                thead { tr {
                    th scope="col" { (l.t("sms-col-at")) }
                    th scope="col" { (l.t("sms-col-cla")) }
                    th scope="col" { (l.t("sms-text")) }
                } }
                tbody {
                    @if follow_ups.is_empty() {
                        tr { td colspan="3" { (l.t("sms-follow-ups-none")) } }
                    }
                    @for f in follow_ups {
                        tr {
                            th scope="row" { (l.date_time(f.at)) }
                            td { a href=(format!("/missions/{code}/staff/{}", f.staff_id)) { (f.staff_id) } }
                            td.sms-text { (f.text) }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A CLA's channels

pub struct ChannelsPage<'a> {
    pub code: &'a str,
    pub staff: &'a str,
    pub channels: &'a Channels,
    pub csrf: &'a str,
    pub posted: Option<&'a Posted<'a>>,
    pub done: Option<&'static str>,
    pub at: DateTime<Utc>,
    /// The time the page travels to, where it does: the numbers held then, and no form.
    pub travel: &'a crate::travel::Travel,
}

fn language(l: L10n, code: &str) -> String {
    if code.is_empty() {
        l.t("channels-language-mission")
    } else {
        code.to_string()
    }
}

pub fn channels(l: L10n, p: &ChannelsPage<'_>) -> Markup {
    let (code, staff) = (p.code, p.staff);
    let base = format!("/missions/{code}/staff/{staff}/channels");
    let register = Filled::new(p.posted, "register", "");
    let duress = Filled::new(p.posted, "duress", "");
    let (current, past): (Vec<_>, Vec<_>) = p.channels.numbers.iter().partition(|n| n.to.is_none());
    html! {
        @if p.travel.is_asked() {
            p.banner #channels-then role="note" { (l.t("channels-then")) }
        } @else {
            p.note { (l.t_args("channels-read-at", &[("at", l.date_time(p.at))])) }
        }
        p { a href=(format!("/missions/{code}/staff/{staff}")) { (l.t("channels-back")) } }
        (done(l, p.done))
        table #channels-numbers {
            caption { (l.t_args("channels-numbers-title", &[("count", l.count(current.len()))])) }
            thead { tr {
                th scope="col" { (l.t("channels-col-number")) }
                th scope="col" { (l.t("channels-col-language")) }
                th scope="col" { (l.t("channels-col-from")) }
                @if p.channels.may_change_numbers { th scope="col" { (l.t("channels-col-release")) } }
            } }
            tbody {
                @if current.is_empty() {
                    tr { td colspan=(if p.channels.may_change_numbers { "4" } else { "3" }) { (l.t("channels-numbers-none")) } }
                }
                @for n in &current {
                    tr {
                        th scope="row" { (n.phone_number) }
                        td { (language(l, &n.language)) }
                        td { (l.date_time(n.from)) }
                        @if p.channels.may_change_numbers {
                            td {
                                @let release = Filled::new(p.posted, &format!("release:{}", n.phone_number), "");
                                @for m in release.general(&[]) { span.error { (m) } " " }
                                form.inline method="post" action=(format!("{base}/release")) {
                                    (hidden_csrf(p.csrf))
                                    input type="hidden" name="phoneNumber" value=(n.phone_number);
                                    button type="submit" aria-label=(l.t_args("channels-release-label", &[("number", n.phone_number.clone())])) { (l.t("channels-release")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !past.is_empty() {
            table #channels-past {
                caption { (l.t("channels-past-title")) }
                thead { tr {
                    th scope="col" { (l.t("channels-col-number")) }
                    th scope="col" { (l.t("channels-col-from")) }
                    th scope="col" { (l.t("channels-col-to")) }
                } }
                tbody {
                    @for n in &past {
                        tr {
                            th scope="row" { (n.phone_number) }
                            td { (l.date_time(n.from)) }
                            td { @if let Some(to) = n.to { (l.date_time(to)) } }
                        }
                    }
                }
            }
        }
        @if p.channels.may_change_numbers {
            section #channels-register aria-labelledby="channels-register-title" {
                h2 #channels-register-title { (l.t("channels-register-title")) }
                (register.refusal(l, &["phoneNumber", "language"]))
                form.action method="post" action=(format!("{base}/register")) {
                    (hidden_csrf(p.csrf))
                    div.field {
                        label for="phoneNumber" { (l.t("channels-col-number")) }
                        span.note #phoneNumber-hint { (l.t("channels-number-hint")) }
                        input #phoneNumber type="tel" name="phoneNumber" maxlength="32" autocomplete="off" value=(register.value("phoneNumber"))
                            aria-describedby=(register.described("phoneNumber").unwrap_or_else(|| "phoneNumber-hint".into())) aria-invalid=[register.invalid("phoneNumber")];
                        (register.message("phoneNumber"))
                    }
                    div.field {
                        label for="language" { (l.t("channels-col-language")) }
                        span.note #language-hint { (l.t("channels-language-hint")) }
                        input #language type="text" name="language" maxlength="3" value=(register.value("language"))
                            aria-describedby=(register.described("language").unwrap_or_else(|| "language-hint".into())) aria-invalid=[register.invalid("language")];
                        (register.message("language"))
                    }
                    button.primary type="submit" { (l.t("channels-register")) }
                }
            }
        }
        @if p.channels.may_set_duress {
            section #channels-duress aria-labelledby="channels-duress-title" {
                h2 #channels-duress-title { (l.t("channels-duress-title")) }
                p.note { (l.t("channels-duress-intro")) }
                (duress.refusal(l, &["word"]))
                form.action method="post" action=(format!("{base}/duress")) {
                    (hidden_csrf(p.csrf))
                    div.field {
                        label for="word" { (l.t("channels-duress-word")) }
                        // Never filled in again: the word is not kept, not even in a refusal.
                        input #word type="password" name="word" maxlength="40" autocomplete="new-password"
                            aria-describedby=[duress.described("word")] aria-invalid=[duress.invalid("word")];
                        (duress.message("word"))
                    }
                    button.primary type="submit" { (l.t("channels-duress-set")) }
                }
                form.action method="post" action=(format!("{base}/duress-clear")) {
                    (hidden_csrf(p.csrf))
                    button type="submit" { (l.t("channels-duress-clear")) }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The mission's escalation procedures and contacts

pub struct EscalationPage<'a> {
    pub code: &'a str,
    pub settings: &'a EscalationSettings,
    pub csrf: &'a str,
    pub posted: Option<&'a Posted<'a>>,
    pub done: Option<&'static str>,
    pub at: DateTime<Utc>,
    /// The time the page travels to, where it does: the procedures then, and no form.
    pub travel: &'a crate::travel::Travel,
}

/// The kinds of incident a procedure may start for, as the form names them.
pub const KINDS: [IncidentKind; 6] = [
    IncidentKind::MissedCheckIn,
    IncidentKind::Duress,
    IncidentKind::UnderThreat,
    IncidentKind::NeedsAssistance,
    IncidentKind::CriticalFlag,
    IncidentKind::BaseEmpty,
];
pub const CHANNELS: [NotificationChannel; 3] = [
    NotificationChannel::Email,
    NotificationChannel::Sms,
    NotificationChannel::Webhook,
];
/// How many steps the form offers (the empty ones are left out).
pub const FORM_STEPS: usize = 3;

fn channel(l: L10n, c: i32) -> String {
    match NotificationChannel::try_from(c) {
        Ok(NotificationChannel::Email) => l.t("escalation-channel-email"),
        Ok(NotificationChannel::Sms) => l.t("escalation-channel-sms"),
        Ok(NotificationChannel::Webhook) => l.t("escalation-channel-webhook"),
        _ => l.t("escalation-channel-other"),
    }
}

fn recipient(l: L10n, r: &EscalationRecipient, s: &EscalationSettings) -> String {
    let who = match RecipientKind::try_from(r.kind) {
        Ok(RecipientKind::Supervisor) => l.t("escalation-recipient-supervisor"),
        Ok(RecipientKind::FieldOfficeManagers) => l.t("escalation-recipient-managers"),
        _ => s
            .procedures
            .contacts
            .get(&r.contact_id)
            .map_or_else(|| r.contact_id.clone(), |c| c.name.clone()),
    };
    if r.need_to_know {
        l.t_args("escalation-need-to-know", &[("who", who)])
    } else {
        who
    }
}

fn kind_of(k: i32) -> IncidentKind {
    IncidentKind::try_from(k).unwrap_or(IncidentKind::Unspecified)
}

fn procedure(
    l: L10n,
    p: &EscalationPage<'_>,
    office: &str,
    proc: &EscalationProcedureSet,
) -> Markup {
    let s = p.settings;
    let office_name = s
        .field_offices
        .iter()
        .find(|(id, _)| id == office)
        .map_or(office, |(_, n)| n.as_str());
    let title = if office.is_empty() {
        l.t("escalation-procedure-mission")
    } else {
        l.t_args(
            "escalation-procedure-office",
            &[("office", office_name.to_string())],
        )
    };
    let remove = Filled::new(p.posted, &format!("remove-procedure:{office}"), "");
    let kinds: Vec<String> = proc
        .kinds
        .iter()
        .map(|k| super::incident::kind(l, kind_of(*k)))
        .collect();
    html! {
        article.escalation-procedure id={ "procedure-" (if office.is_empty() { "mission" } else { office }) } {
            h3 { (title) }
            p { (l.t_args("escalation-starts-for", &[("kinds", kinds.join(", "))])) }
            ol {
                @for step in &proc.steps {
                    @let who: Vec<String> = step.recipients.iter().map(|r| recipient(l, r, s)).collect();
                    @let by: Vec<String> = step.channels.iter().map(|c| channel(l, *c)).collect();
                    li { (l.t_args("escalation-step", &[("who", who.join(", ")), ("channels", by.join(", ")), ("minutes", l.count(step.wait_minutes))])) }
                }
            }
            @for skip in &proc.skips {
                p { (l.t_args("escalation-skip", &[("kind", super::incident::kind(l, kind_of(skip.kind))), ("step", l.count(skip.step))])) }
            }
            p { @if proc.repeat_minutes > 0 { (l.t_args("escalation-repeats", &[("minutes", l.count(proc.repeat_minutes))])) } @else { (l.t("escalation-no-repeat")) } }
            @if s.may_change && !office.is_empty() {
                (remove.refusal(l, &[]))
                form.inline method="post" action=(format!("/missions/{}/escalation/remove-procedure", p.code)) {
                    (hidden_csrf(p.csrf))
                    input type="hidden" name="fieldOfficeId" value=(office);
                    button type="submit" { (l.t_args("escalation-remove-procedure", &[("office", office_name.to_string())])) }
                }
            }
        }
    }
}

fn check(f: &Filled<'_>, name: &str, label: String) -> Markup {
    html! {
        div.field.check {
            input id=(name) type="checkbox" name=(name) value="on" checked[!f.value(name).is_empty()];
            label for=(name) { (label) }
        }
    }
}

/// A fieldset of checkboxes whose refusal (`error`) is about the whole set.
fn checks(f: &Filled<'_>, error: &str, legend: String, boxes: Markup) -> Markup {
    html! {
        fieldset aria-describedby=[f.described(error)] {
            legend { (legend) }
            (boxes)
            (f.message(error))
        }
    }
}

fn number(f: &Filled<'_>, name: &str, label: String) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            input id=(name) type="number" name=(name) min="0" value=(f.value(name))
                aria-describedby=[f.described(name)] aria-invalid=[f.invalid(name)];
            (f.message(name))
        }
    }
}

fn text_input(f: &Filled<'_>, name: &str, label: String, kind: &str) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            input id=(name) type=(kind) name=(name) maxlength="254" value=(f.value(name))
                aria-describedby=[f.described(name)] aria-invalid=[f.invalid(name)];
            (f.message(name))
        }
    }
}

fn procedure_form(l: L10n, p: &EscalationPage<'_>) -> Markup {
    let s = p.settings;
    let f = Filled::new(p.posted, "procedure", "");
    let named: Vec<(&String, &String)> = s
        .procedures
        .contacts
        .values()
        .filter(|c| c.manager_id.is_empty())
        .map(|c| (&c.contact_id, &c.name))
        .collect();
    let mut fields = vec![
        "fieldOfficeId".to_string(),
        "kinds".into(),
        "repeatMinutes".into(),
        "skips".into(),
    ];
    for i in 0..FORM_STEPS {
        for name in ["recipients", "channels", "waitMinutes"] {
            fields.push(format!("steps[{i}].{name}"));
        }
    }
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    html! {
        section #escalation-set-procedure aria-labelledby="escalation-set-procedure-title" {
            h2 #escalation-set-procedure-title { (l.t("escalation-set-procedure-title")) }
            p.note { (l.t_args("escalation-set-procedure-intro", &[("steps", l.count(FORM_STEPS))])) }
            (f.refusal(l, &fields))
            form.action method="post" action=(format!("/missions/{}/escalation/procedure", p.code)) {
                (hidden_csrf(p.csrf))
                div.field {
                    label for="fieldOfficeId" { (l.t("escalation-for")) }
                    @let chosen = f.value("fieldOfficeId");
                    select #fieldOfficeId name="fieldOfficeId" aria-describedby=[f.described("fieldOfficeId")] aria-invalid=[f.invalid("fieldOfficeId")] {
                        option value="" { (l.t("escalation-procedure-mission")) }
                        @for (id, name) in &s.field_offices {
                            option value=(id) selected[*id == chosen] { (l.t_args("escalation-procedure-office", &[("office", name.clone())])) }
                        }
                    }
                    (f.message("fieldOfficeId"))
                }
                (checks(&f, "kinds", l.t("escalation-kinds"), html! {
                    @for k in KINDS {
                        (check(&f, &format!("kind.{}", k.as_str_name()), super::incident::kind(l, k)))
                    }
                }))
                @for i in 0..FORM_STEPS {
                    fieldset.escalation-step {
                        legend { (l.t_args("escalation-step-legend", &[("step", l.count(i + 1))])) }
                        (checks(&f, &format!("steps[{i}].recipients"), l.t("escalation-recipients"), html! {
                            (check(&f, &format!("steps[{i}].recipient.{}", RecipientKind::Supervisor.as_str_name()), l.t("escalation-recipient-supervisor")))
                            (check(&f, &format!("steps[{i}].recipient.{}", RecipientKind::FieldOfficeManagers.as_str_name()), l.t("escalation-recipient-managers")))
                            @for (id, name) in &named {
                                (check(&f, &format!("steps[{i}].contact.{id}"), (*name).clone()))
                            }
                            (check(&f, &format!("steps[{i}].needToKnow"), l.t("escalation-need-to-know-box")))
                        }))
                        (checks(&f, &format!("steps[{i}].channels"), l.t("escalation-channels"), html! {
                            @for c in CHANNELS {
                                (check(&f, &format!("steps[{i}].channel.{}", c.as_str_name()), channel(l, c as i32)))
                            }
                        }))
                        (number(&f, &format!("steps[{i}].waitMinutes"), l.t("escalation-wait")))
                    }
                }
                fieldset #skips aria-describedby=[f.described("skips")] {
                    legend { (l.t("escalation-skips")) }
                    p.note { (l.t("escalation-skips-intro")) }
                    @for k in KINDS {
                        @let name = format!("skip.{}", k.as_str_name());
                        @let chosen = f.value(&name);
                        div.field {
                            label for=(name) { (super::incident::kind(l, k)) }
                            select id=(name) name=(name) {
                                @for step in 1..=FORM_STEPS {
                                    @let value = step.to_string();
                                    option value=(value) selected[value == chosen || (chosen.is_empty() && step == 1)] {
                                        @if step == 1 { (l.t("escalation-skip-none")) } @else { (l.t_args("escalation-skip-to", &[("step", l.count(step))])) }
                                    }
                                }
                            }
                        }
                    }
                    (f.message("skips"))
                }
                (number(&f, "repeatMinutes", l.t("escalation-repeat")))
                button.primary type="submit" { (l.t("escalation-set-procedure")) }
            }
        }
    }
}

fn contact_form(l: L10n, p: &EscalationPage<'_>) -> Markup {
    let f = Filled::new(p.posted, "contact", "");
    let fields = [
        "contactId",
        "managerId",
        "name",
        "email",
        "phone",
        "webhookUrl",
    ];
    html! {
        section #escalation-set-contact aria-labelledby="escalation-set-contact-title" {
            h2 #escalation-set-contact-title { (l.t("escalation-set-contact-title")) }
            p.note { (l.t("escalation-set-contact-intro")) }
            (f.refusal(l, &fields))
            form.action method="post" action=(format!("/missions/{}/escalation/contact", p.code)) {
                (hidden_csrf(p.csrf))
                (text_input(&f, "contactId", l.t("escalation-contact-id"), "text"))
                div.field {
                    label for="managerId" { (l.t("escalation-contact-manager")) }
                    @let chosen = f.value("managerId");
                    select #managerId name="managerId" aria-describedby=[f.described("managerId")] aria-invalid=[f.invalid("managerId")] {
                        option value="" { (l.t("escalation-contact-named")) }
                        @for (id, name) in &p.settings.managers {
                            option value=(id) selected[*id == chosen] { (name) }
                        }
                    }
                    (f.message("managerId"))
                }
                (text_input(&f, "name", l.t("escalation-contact-name"), "text"))
                (text_input(&f, "email", l.t("escalation-contact-email"), "email"))
                (text_input(&f, "phone", l.t("escalation-contact-phone"), "tel"))
                (text_input(&f, "webhookUrl", l.t("escalation-contact-webhook"), "url"))
                button.primary type="submit" { (l.t("escalation-set-contact")) }
            }
        }
    }
}

pub fn escalation(l: L10n, p: &EscalationPage<'_>) -> Markup {
    let s = p.settings;
    let contacts = &s.procedures.contacts;
    let manager = |id: &str| {
        s.managers
            .iter()
            .find(|(m, _)| m == id)
            .map_or(id.to_string(), |(_, n)| n.clone())
    };
    html! {
        @if p.travel.is_asked() {
            p.banner #escalation-then role="note" { (l.t("escalation-then")) }
        } @else {
            p.note { (l.t_args("escalation-read-at", &[("at", l.date_time(p.at))])) }
        }
        (done(l, p.done))
        section aria-labelledby="escalation-procedures-title" {
            h2 #escalation-procedures-title { (l.t_args("escalation-procedures-title", &[("count", l.count(s.procedures.procedures.len()))])) }
            @if s.procedures.procedures.is_empty() {
                p #escalation-none { (l.t("escalation-none")) }
            }
            @for (office, proc) in &s.procedures.procedures {
                (procedure(l, p, office, proc))
            }
        }
        table #escalation-contacts {
            caption { (l.t_args("escalation-contacts-title", &[("count", l.count(contacts.len()))])) }
            thead { tr {
                th scope="col" { (l.t("escalation-contact-id")) }
                th scope="col" { (l.t("escalation-contact-name")) }
                th scope="col" { (l.t("escalation-contact-email")) }
                th scope="col" { (l.t("escalation-contact-phone")) }
                th scope="col" { (l.t("escalation-contact-webhook")) }
                @if s.may_change { th scope="col" { (l.t("escalation-col-remove")) } }
            } }
            tbody {
                @if contacts.is_empty() {
                    tr { td colspan=(if s.may_change { "6" } else { "5" }) { (l.t("escalation-contacts-none")) } }
                }
                @for c in contacts.values() {
                    tr id={ "contact-" (c.contact_id) } {
                        th scope="row" { (c.contact_id) }
                        td { @if c.manager_id.is_empty() { (c.name) } @else { (l.t_args("escalation-contact-of-manager", &[("name", manager(&c.manager_id))])) } }
                        td { (c.email) }
                        td { (c.phone) }
                        td { (c.webhook_url) }
                        @if s.may_change {
                            td {
                                @let remove = Filled::new(p.posted, &format!("remove-contact:{}", c.contact_id), "");
                                @for m in remove.general(&[]) { span.error { (m) } " " }
                                form.inline method="post" action=(format!("/missions/{}/escalation/remove-contact", p.code)) {
                                    (hidden_csrf(p.csrf))
                                    input type="hidden" name="contactId" value=(c.contact_id);
                                    button type="submit" aria-label=(l.t_args("escalation-remove-contact-label", &[("contact", c.contact_id.clone())])) { (l.t("escalation-remove-contact")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if s.may_change {
            (procedure_form(l, p))
            (contact_form(l, p))
        }
    }
}
