//! Check-ins: the roll-call form for a base (its CLAs with a box each, and their welfare), who is
//! overdue, and each CLA's last check-in. Names only where the risk context shows them to the
//! reader; everyone else reads the count and "withheld". Overdue is told in words and by shape.

use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::i18n::L10n;

/// The page's filters, from the query: a field office, a base.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub field_office: Option<String>,
    pub base: Option<String>,
}

impl Filter {
    pub fn parse(field_office: Option<&str>, base: Option<&str>) -> Self {
        let some = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        Self {
            field_office: some(field_office),
            base: some(base),
        }
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("fieldOffice", self.field_office.clone().unwrap_or_default()),
            ("base", self.base.clone().unwrap_or_default()),
        ]
    }
}

/// A CLA's check-ins, with their name and base.
pub struct ClaRow {
    pub staff_id: String,
    pub name: String,
    pub base: String,
    pub last_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

/// One CLA of the roll call's base.
pub struct RollCallCla {
    pub staff_id: String,
    pub name: String,
    pub heard: bool,
    /// `ok`, `needs_assistance` or `under_threat`.
    pub welfare: String,
}

/// The roll-call form for one base, as posted (again, with its errors) or fresh.
pub struct RollCall {
    pub base_id: String,
    pub base_name: String,
    pub clas: Vec<RollCallCla>,
    /// The time as typed (`YYYY-MM-DDTHH:MM`, UTC); empty: now.
    pub at: String,
    /// Each refusal's field (`at`, `heard`, `heard-<staffId>`) and its words.
    pub errors: Vec<(String, String)>,
}

impl RollCall {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The form recording one check-in (a call, a radio message, a visit) with its channel and
/// notes: as posted again with its refusals, or fresh.
pub struct OneCheckIn {
    /// The CLAs it may be for: id, name (the mission's, as the list below shows them).
    pub clas: Vec<(String, String)>,
    /// The form's values as posted (`staffId`, `channel`, `welfare`, `at`, `notes`, and the
    /// `idempotencyKey` that makes a form sent twice one check-in).
    pub values: std::collections::HashMap<String, String>,
    /// Each refusal's field and its words.
    pub errors: Vec<(String, String)>,
}

impl OneCheckIn {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The channels a check-in is recorded by here: the form's value, its catalogue key.
pub const CHANNELS: [(&str, &str); 5] = [
    ("phone", "checkins-channel-phone"),
    ("radio", "checkins-channel-radio"),
    ("in_person", "checkins-channel-in-person"),
    ("sms", "checkins-channel-sms"),
    ("report", "checkins-channel-report"),
];

pub struct CheckIns<'a> {
    pub code: &'a str,
    /// The token the form carries.
    pub csrf: &'a str,
    pub offices: &'a [(String, String)],
    /// The bases the filter keeps: id, name.
    pub bases: &'a [(String, String)],
    pub filter: &'a Filter,
    /// How many are overdue; `None`: withheld from this reader.
    pub overdue_count: Option<usize>,
    /// Each CLA's check-ins; `None`: withheld from this reader.
    pub clas: Option<Vec<ClaRow>>,
    /// The form, where a base is chosen and its names are shown to the reader.
    pub roll_call: Option<RollCall>,
    /// The one check-in form, where the reader is shown names.
    pub one: Option<OneCheckIn>,
    pub notice: Option<String>,
    /// The page's time travel: the bases and the 30 days' figures answer it; who is overdue and
    /// the last check-ins are today's (a roll call is recorded now).
    pub travel: &'a crate::travel::Travel,
}

pub const WELFARE: [(&str, &str); 3] = [
    ("ok", "checkins-welfare-ok"),
    ("needs_assistance", "checkins-welfare-needs-assistance"),
    ("under_threat", "checkins-welfare-under-threat"),
];

fn overdue_mark(l: L10n, overdue: bool) -> Markup {
    if overdue {
        html! { span.status.status-empty { span aria-hidden="true" { "✕ " } (l.t("checkins-overdue")) } }
    } else {
        html! { span.status.status-ok { span aria-hidden="true" { "✓ " } (l.t("checkins-on-time")) } }
    }
}

fn staff_link(code: &str, id: &str, name: &str) -> Markup {
    html! { a href={ "/missions/" (code) "/staff/" (id) } { (name) } }
}

pub fn body(l: L10n, c: &CheckIns<'_>) -> Markup {
    let action = format!("/missions/{}/check-ins", c.code);
    html! {
        @if let Some(n) = &c.notice { p.banner role="status" { (n) } }
        @if c.travel.is_asked() {
            p.banner role="note" { (l.t("checkins-live-now")) }
        }
        form.filters method="get" action=(action) {
            @for (name, value) in c.travel.pairs() {
                input type="hidden" name=(name) value=(value);
            }
            label for="fieldOffice" {
                (l.t("checkins-field-office"))
                select #fieldOffice name="fieldOffice" {
                    option value="" { (l.t("checkins-all-offices")) }
                    @for (id, name) in c.offices {
                        option value=(id) selected[c.filter.field_office.as_deref() == Some(id.as_str())] { (name) }
                    }
                }
            }
            label for="base" {
                (l.t("checkins-base"))
                select #base name="base" {
                    option value="" { (l.t("checkins-all-bases")) }
                    @for (id, name) in c.bases {
                        option value=(id) selected[c.filter.base.as_deref() == Some(id.as_str())] { (name) }
                    }
                }
            }
            button type="submit" { (l.t("checkins-filter")) }
        }
        section aria-labelledby="overdue-title" {
            h2 #overdue-title { (l.t("checkins-overdue-title")) }
            @match c.overdue_count {
                Some(n) => p #overdue-count { (l.t_args("checkins-overdue-count", &[("count", l.count(n))])) },
                None => p #overdue-count { (l.t("checkins-overdue-count-label")) " " (super::withheld(l)) },
            }
            @if let Some(rows) = &c.clas {
                @let late: Vec<&ClaRow> = rows.iter().filter(|r| r.overdue).collect();
                @if !late.is_empty() {
                    ul #overdue {
                        @for r in late {
                            li { (staff_link(c.code, &r.staff_id, &r.name)) " — " (r.base) ", " (l.t_args("checkins-due-since", &[("at", l.date_time(r.due_at))])) }
                        }
                    }
                }
            } @else {
                p { (l.t("checkins-names-withheld")) }
            }
        }
        @if let Some(form) = &c.roll_call {
            (roll_call(l, &action, c, form))
        } @else if c.clas.is_some() {
            p { (l.t("checkins-choose-base")) }
        }
        @if let Some(form) = &c.one {
            (one_check_in(l, &action, c, form))
        }
        @if let Some(rows) = &c.clas {
            table #last-check-ins {
                caption { (l.t("checkins-last-title")) }
                thead { tr {
                    th scope="col" { (l.t("checkins-col-cla")) }
                    th scope="col" { (l.t("checkins-col-base")) }
                    th scope="col" { (l.t("checkins-col-last")) }
                    th scope="col" { (l.t("checkins-col-due")) }
                    th scope="col" { (l.t("checkins-col-status")) }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            th scope="row" { (staff_link(c.code, &r.staff_id, &r.name)) }
                            td { (r.base) }
                            td { @match r.last_at { Some(at) => (l.date_time(at)), None => (l.t("checkins-never")) } }
                            td { (l.date_time(r.due_at)) }
                            td { (overdue_mark(l, r.overdue)) }
                        }
                    }
                }
            }
        }
    }
}

fn roll_call(l: L10n, action: &str, c: &CheckIns<'_>, f: &RollCall) -> Markup {
    let filter = c.filter;
    let at_error = f.error("at");
    let heard_error = f.error("heard");
    html! {
        form #roll-call method="post" action=(action) {
            input type="hidden" name="csrf" value=(c.csrf);
            @if let Some(office) = &filter.field_office {
                input type="hidden" name="fieldOffice" value=(office);
            }
            input type="hidden" name="base" value=(f.base_id);
            fieldset aria-describedby=[heard_error.map(|_| "heard-error")] {
                legend { (l.t_args("checkins-roll-call-title", &[("base", f.base_name.clone())])) }
                @if let Some(message) = heard_error {
                    p.error #heard-error role="alert" { (message) }
                }
                @if f.clas.is_empty() {
                    p { (l.t("checkins-roll-call-nobody")) }
                }
                @for (i, cla) in f.clas.iter().enumerate() {
                    @let line_error = f.error(&format!("heard-{}", cla.staff_id));
                    div.line {
                        input type="checkbox" id={ "heard-" (i) } name="heard" value=(cla.staff_id) checked[cla.heard]
                            aria-describedby=[line_error.map(|_| format!("heard-{i}-error"))];
                        label for={ "heard-" (i) } { (cla.name) }
                        label for={ "welfare-" (i) } { (l.t("checkins-welfare")) }
                        select id={ "welfare-" (i) } name={ "welfare-" (cla.staff_id) } {
                            @for (value, key) in WELFARE {
                                option value=(value) selected[cla.welfare == value] { (l.t(key)) }
                            }
                        }
                        @if let Some(message) = line_error {
                            span.error id={ "heard-" (i) "-error" } { (message) }
                        }
                    }
                }
            }
            label for="at" {
                (l.t("checkins-at"))
                input #at type="datetime-local" name="at" value=(f.at) aria-describedby=[at_error.map(|_| "at-error")];
            }
            @if let Some(message) = at_error {
                span.error #at-error role="alert" { (message) }
            }
            button type="submit" { (l.t("checkins-record")) }
        }
    }
}

fn one_check_in(l: L10n, action: &str, c: &CheckIns<'_>, f: &OneCheckIn) -> Markup {
    let described = |name: &str| f.error(name).map(|_| format!("one-{name}-error"));
    let message = |name: &str| {
        html! {
            @if let Some(m) = f.error(name) {
                span.error id={ "one-" (name) "-error" } role="alert" { (m) }
            }
        }
    };
    let select = |name: &str, label: String, options: Vec<(String, String)>| {
        let chosen = f.value(name);
        html! {
            div.field {
                label for={ "one-" (name) } { (label) }
                select id={ "one-" (name) } name=(name) aria-describedby=[described(name)] aria-invalid=[f.error(name).map(|_| "true")] {
                    @for (value, text) in &options {
                        option value=(value) selected[value == chosen] { (text) }
                    }
                }
                (message(name))
            }
        }
    };
    let mut clas = vec![(String::new(), l.t("checkins-one-choose"))];
    clas.extend(f.clas.iter().cloned());
    html! {
        section #one-check-in-section aria-labelledby="one-check-in-title" {
            h2 #one-check-in-title { (l.t("checkins-one-title")) }
            p.note { (l.t("checkins-one-intro")) }
            form.action #one-check-in method="post" action={ (action) "/one" } {
                input type="hidden" name="csrf" value=(c.csrf);
                input type="hidden" name="idempotencyKey" value=(f.value("idempotencyKey"));
                (select("staffId", l.t("checkins-col-cla"), clas))
                (select("channel", l.t("checkins-channel"), CHANNELS.iter().map(|(v, k)| (v.to_string(), l.t(k))).collect()))
                (select("welfare", l.t("checkins-welfare"), WELFARE.iter().map(|(v, k)| (v.to_string(), l.t(k))).collect()))
                div.field {
                    label for="one-at" { (l.t("checkins-one-at")) }
                    input #one-at type="datetime-local" name="at" value=(f.value("at")) aria-describedby=[described("at")] aria-invalid=[f.error("at").map(|_| "true")];
                    (message("at"))
                }
                div.field {
                    label for="one-notes" { (l.t("checkins-one-notes")) }
                    textarea #one-notes name="notes" maxlength="4000" rows="3" aria-describedby=[described("notes")] aria-invalid=[f.error("notes").map(|_| "true")] { (f.value("notes")) }
                    (message("notes"))
                }
                button.primary type="submit" { (l.t("checkins-one-record")) }
            }
        }
    }
}
