//! The mission's set-up: its name and staffing policy, its field offices and bases, and a base's
//! own page to change it and close it. Each form is plain (POST, then back to the page showing the
//! result); a refusal draws the page again with that form as filled and the refusal in words
//! beside its field. Forms are drawn only for readers the registry lets manage.

use std::collections::HashMap;

use maud::{Markup, html};

use crate::i18n::L10n;

/// One input of a set-up form, named as the registry's refusals name it.
pub enum Input {
    Text {
        name: &'static str,
        label: String,
    },
    Number {
        name: &'static str,
        label: String,
    },
    Date {
        name: &'static str,
        label: String,
    },
    Select {
        name: &'static str,
        label: String,
        options: Vec<(String, String)>,
    },
    Check {
        name: &'static str,
        label: String,
    },
    Hidden {
        name: &'static str,
    },
}

impl Input {
    fn name(&self) -> &'static str {
        match self {
            Input::Text { name, .. }
            | Input::Number { name, .. }
            | Input::Date { name, .. }
            | Input::Select { name, .. }
            | Input::Check { name, .. }
            | Input::Hidden { name } => name,
        }
    }
}

/// A form of the set-up pages.
pub struct SetupForm {
    /// Its slug: the ids of its inputs start with it (several forms share a page).
    pub id: String,
    pub action: String,
    pub legend: String,
    pub hint: Option<String>,
    pub inputs: Vec<Input>,
    pub values: HashMap<String, String>,
    /// Refusals beside their input; `None`: about the whole form.
    pub errors: Vec<(Option<String>, String)>,
    pub submit: String,
}

pub fn form(l: L10n, csrf: &str, f: &SetupForm) -> Markup {
    let value = |name: &str| f.values.get(name).cloned().unwrap_or_default();
    let error = |name: &str| {
        f.errors
            .iter()
            .find(|(field, _)| field.as_deref() == Some(name))
            .map(|(_, m)| m.clone())
    };
    let general: Vec<&String> = f
        .errors
        .iter()
        .filter(|(field, _)| {
            field.as_ref().is_none_or(|n| {
                !f.inputs
                    .iter()
                    .any(|i| i.name() == n.as_str() && !matches!(i, Input::Hidden { .. }))
            })
        })
        .map(|(_, m)| m)
        .collect();
    html! {
        form.setup-form method="post" action=(f.action) id=(f.id) {
            fieldset {
                legend { (f.legend) }
                @if let Some(hint) = &f.hint { p.note { (hint) } }
                @if !f.errors.is_empty() {
                    div.refusal id=(format!("{}-refused", f.id)) role="alert" {
                        p { strong { (l.t("setup-not-done")) } }
                        @for message in &general { p { (message) } }
                    }
                }
                input type="hidden" name="csrf" value=(csrf);
                @for input in &f.inputs {
                    @let name = input.name();
                    @let id = format!("{}-{name}", f.id);
                    @let message = error(name);
                    @let described = message.as_ref().map(|_| format!("{id}-error"));
                    @let invalid = message.as_ref().map(|_| "true");
                    @match input {
                        Input::Hidden { .. } => { input type="hidden" name=(name) value=(value(name)); }
                        _ => {
                            div.field.check[matches!(input, Input::Check { .. })] {
                                @match input {
                                    Input::Text { label, .. } => {
                                        label for=(id) { (label) }
                                        input id=(id) type="text" name=(name) maxlength="200" value=(value(name)) aria-describedby=[described] aria-invalid=[invalid];
                                    }
                                    Input::Number { label, .. } => {
                                        label for=(id) { (label) }
                                        input id=(id) type="number" min="0" name=(name) value=(value(name)) aria-describedby=[described] aria-invalid=[invalid];
                                    }
                                    Input::Date { label, .. } => {
                                        label for=(id) { (label) }
                                        input id=(id) type="date" name=(name) value=(value(name)) aria-describedby=[described] aria-invalid=[invalid];
                                    }
                                    Input::Select { label, options, .. } => {
                                        label for=(id) { (label) }
                                        @let chosen = value(name);
                                        select id=(id) name=(name) aria-describedby=[described] aria-invalid=[invalid] {
                                            option value="" { (l.t("setup-choose")) }
                                            @for (v, text) in options {
                                                option value=(v) selected[*v == chosen] { (text) }
                                            }
                                        }
                                    }
                                    Input::Check { label, .. } => {
                                        input id=(id) type="checkbox" name=(name) value="yes" checked[value(name) == "yes"] aria-describedby=[described] aria-invalid=[invalid];
                                        label for=(id) { (label) }
                                    }
                                    Input::Hidden { .. } => {}
                                }
                                @if let Some(message) = &message {
                                    span.error id=(format!("{id}-error")) { (message) }
                                }
                            }
                        }
                    }
                }
                button.primary type="submit" { (f.submit) }
            }
        }
    }
}

/// A row of the policy table: what it is and its value in words.
pub struct PolicyRow {
    pub label: String,
    pub value: String,
}

pub struct OfficeRow {
    pub name: String,
    pub opened_on: String,
    pub bases: usize,
    /// Its rename form, for readers who may manage.
    pub rename: Option<SetupForm>,
}

pub struct BaseRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub office: String,
    pub status: String,
    pub minimum: String,
}

/// One change of the mission's registry, in words: when it took effect, what it was, when it
/// was recorded and by whom.
pub struct HistoryRow {
    pub effective: String,
    pub what: String,
    pub recorded_by: String,
}

pub struct SetupPage {
    pub done: Option<String>,
    pub mission_name: String,
    pub country: String,
    pub created_on: String,
    pub policy: Vec<PolicyRow>,
    pub offices: Vec<OfficeRow>,
    pub bases: Vec<BaseRow>,
    /// The mission's forms (rename, policy), for readers who may change it.
    pub mission_forms: Vec<SetupForm>,
    /// Open a field office, open a base: for readers who may manage.
    pub manage_forms: Vec<SetupForm>,
    /// Why there are no forms, where there are none.
    pub read_only: Option<String>,
    /// Who changed what, the last recorded first (at most [`HISTORY_SHOWN`]), and how many
    /// changes there are in all.
    pub history: Vec<HistoryRow>,
    pub history_total: usize,
}

/// How many of a mission's changes its set-up page lists.
pub const HISTORY_SHOWN: usize = 50;

pub fn body(l: L10n, csrf: &str, p: &SetupPage) -> Markup {
    html! {
        @if let Some(done) = &p.done { p.banner #setup-done role="status" { (done) } }
        @if let Some(note) = &p.read_only { p.note #setup-read-only { (note) } }
        section #setup-mission aria-labelledby="setup-mission-h" {
            h2 #setup-mission-h { (l.t("setup-mission-heading")) }
            dl.setup-facts {
                dt { (l.t("setup-mission-name")) } dd #setup-mission-name { (p.mission_name) }
                dt { (l.t("setup-mission-country")) } dd { (p.country) }
                dt { (l.t("setup-mission-created")) } dd { (p.created_on) }
            }
            table #setup-policy {
                caption { (l.t("setup-policy-caption")) }
                thead { tr { th scope="col" { (l.t("setup-policy-rule")) } th scope="col" { (l.t("setup-policy-value")) } } }
                tbody {
                    @for row in &p.policy { tr { th scope="row" { (row.label) } td { (row.value) } } }
                }
            }
            @for f in &p.mission_forms { (form(l, csrf, f)) }
        }
        section #setup-offices aria-labelledby="setup-offices-h" {
            h2 #setup-offices-h { (l.t("setup-offices-heading")) }
            @if p.offices.is_empty() {
                p { (l.t("setup-offices-none")) }
            } @else {
                table #setup-office-table {
                    thead { tr {
                        th scope="col" { (l.t("setup-office-name")) }
                        th scope="col" { (l.t("setup-office-opened")) }
                        th scope="col" { (l.t("setup-office-bases")) }
                    } }
                    tbody {
                        @for o in &p.offices {
                            tr { th scope="row" { (o.name) } td { (o.opened_on) } td { (l.count(o.bases)) } }
                        }
                    }
                }
                @let renames: Vec<&SetupForm> = p.offices.iter().filter_map(|o| o.rename.as_ref()).collect();
                @if !renames.is_empty() {
                    details.setup-renames open[renames.iter().any(|f| !f.errors.is_empty())] {
                        summary { (l.t("setup-office-rename-summary")) }
                        @for f in renames { (form(l, csrf, f)) }
                    }
                }
            }
        }
        section #setup-bases aria-labelledby="setup-bases-h" {
            h2 #setup-bases-h { (l.t("setup-bases-heading")) }
            @if p.bases.is_empty() {
                p { (l.t("setup-bases-none")) }
            } @else {
                table #setup-base-table {
                    thead { tr {
                        th scope="col" { (l.t("setup-base-name")) }
                        th scope="col" { (l.t("setup-base-kind")) }
                        th scope="col" { (l.t("setup-base-office")) }
                        th scope="col" { (l.t("setup-base-status")) }
                        th scope="col" { (l.t("setup-base-minimum")) }
                    } }
                    tbody {
                        @for b in &p.bases {
                            tr {
                                th scope="row" { a href=(b.href) { (b.name) } }
                                td { (b.kind) } td { (b.office) } td { (b.status) } td { (b.minimum) }
                            }
                        }
                    }
                }
            }
        }
        @if !p.manage_forms.is_empty() {
            section #setup-open aria-labelledby="setup-open-h" {
                h2 #setup-open-h { (l.t("setup-open-heading")) }
                @for f in &p.manage_forms { (form(l, csrf, f)) }
            }
        }
        section #setup-history aria-labelledby="setup-history-h" {
            h2 #setup-history-h { (l.t("setup-history-heading")) }
            @if p.history_total > p.history.len() {
                p.note { (l.t_args("setup-history-last", &[("shown", l.count(p.history.len())), ("total", l.count(p.history_total))])) }
            }
            ol.timeline #setup-timeline {
                @for h in &p.history {
                    li {
                        strong { (h.effective) } " — " (h.what)
                        br;
                        span.note { (h.recorded_by) }
                    }
                }
            }
        }
    }
}

/// A base's own set-up page: its details, who closing it exposes, and its forms.
pub struct BaseSetupPage {
    pub done: Option<String>,
    pub facts: Vec<PolicyRow>,
    /// The sentence saying whom closing it exposes (or that it exposes nobody).
    pub exposure: String,
    /// The CLAs it exposes: name and profile link.
    pub exposed: Vec<(String, String)>,
    pub forms: Vec<SetupForm>,
    pub read_only: Option<String>,
    pub back: String,
}

pub fn base_body(l: L10n, csrf: &str, p: &BaseSetupPage) -> Markup {
    html! {
        @if let Some(done) = &p.done { p.banner #setup-done role="status" { (done) } }
        @if let Some(note) = &p.read_only { p.note #setup-read-only { (note) } }
        table #setup-base-facts {
            caption { (l.t("setup-base-facts-caption")) }
            tbody { @for row in &p.facts { tr { th scope="row" { (row.label) } td { (row.value) } } } }
        }
        section #setup-exposure aria-labelledby="setup-exposure-h" {
            h2 #setup-exposure-h { (l.t("setup-exposure-heading")) }
            p #setup-exposure-sentence { (p.exposure) }
            @if !p.exposed.is_empty() {
                ul #setup-exposed { @for (name, href) in &p.exposed { li { a href=(href) { (name) } } } }
            }
        }
        @for f in &p.forms { (form(l, csrf, f)) }
        p { a href=(p.back) { (l.t("setup-back")) } }
    }
}
