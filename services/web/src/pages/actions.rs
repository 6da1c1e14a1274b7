//! The staffing actions' forms: deploy a CLA, end a deployment, plan, complete or cancel a
//! rotation, record an absence. Each is a plain form (POST, then back to the board); a refusal
//! shows the form again as filled, the refusal in words beside the field it is about, and for a
//! coverage gap the offer to accept it with a reason.

use maud::{Markup, html};

use crate::i18n::L10n;

/// One input of a form, named as the application layer names it (its refusals name the same).
pub enum Field {
    /// A choice among `options` (value, label); an empty first option asks to choose.
    Select {
        name: &'static str,
        label: String,
        options: Vec<(String, String)>,
    },
    Date {
        name: &'static str,
        label: String,
    },
    Text {
        name: &'static str,
        label: String,
        hint: Option<String>,
    },
}

impl Field {
    pub fn name(&self) -> &'static str {
        match self {
            Field::Select { name, .. } | Field::Date { name, .. } | Field::Text { name, .. } => {
                name
            }
        }
    }
}

/// The offer to accept a coverage gap: the sentence saying what it leaves, and the form's state.
pub struct GapOffer {
    pub sentence: String,
    pub accepted: bool,
    pub reason: String,
    /// The reason was asked for and not given.
    pub reason_error: Option<String>,
}

pub struct ActionForm<'a> {
    /// Where the form posts (this page's path and query).
    pub action: &'a str,
    pub csrf: &'a str,
    /// What the action is about, in a sentence (e.g. the CLA and their base), where known.
    pub intro: Option<String>,
    pub fields: Vec<Field>,
    /// The values as filled (or preselected).
    pub value: &'a dyn Fn(&str) -> String,
    /// Refusals beside their field; `None`: about the whole form.
    pub errors: &'a [(Option<String>, String)],
    pub gap: Option<GapOffer>,
    pub submit: String,
    pub back: String,
}

pub fn body(l: L10n, f: &ActionForm<'_>) -> Markup {
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
            field
                .as_ref()
                .is_none_or(|n| !f.fields.iter().any(|x| x.name() == n.as_str()))
        })
        .map(|(_, m)| m)
        .collect();
    let refused = !f.errors.is_empty() || f.gap.is_some();
    html! {
        @if let Some(intro) = &f.intro { p.intro { (intro) } }
        @if refused {
            div.refusal #action-refused role="alert" {
                p { strong { (l.t("actions-not-done")) } }
                @for message in &general { p { (message) } }
                @if let Some(gap) = &f.gap { p { (gap.sentence) } }
            }
        }
        form.action method="post" action=(f.action) {
            input type="hidden" name="csrf" value=(f.csrf);
            @for field in &f.fields {
                @let name = field.name();
                @let message = error(name);
                @let described = message.as_ref().map(|_| format!("{name}-error"));
                @let invalid = message.as_ref().map(|_| "true");
                div.field {
                    @match field {
                        Field::Select { label, options, .. } => {
                            label for=(name) { (label) }
                            @let chosen = (f.value)(name);
                            select id=(name) name=(name) aria-describedby=[described] aria-invalid=[invalid] {
                                option value="" { (l.t("actions-choose")) }
                                @for (value, text) in options {
                                    option value=(value) selected[*value == chosen] { (text) }
                                }
                            }
                            @if options.is_empty() {
                                span.note { (l.t("actions-nothing-to-choose")) }
                            }
                        }
                        Field::Date { label, .. } => {
                            label for=(name) { (label) }
                            input id=(name) type="date" name=(name) value=((f.value)(name)) aria-describedby=[described] aria-invalid=[invalid];
                        }
                        Field::Text { label, hint, .. } => {
                            label for=(name) { (label) }
                            @if let Some(hint) = hint { span.note id=(format!("{name}-hint")) { (hint) } }
                            input id=(name) type="text" name=(name) maxlength="2000" value=((f.value)(name))
                                aria-describedby=[described.clone().or_else(|| hint.as_ref().map(|_| format!("{name}-hint")))] aria-invalid=[invalid];
                        }
                    }
                    @if let Some(message) = &message {
                        span.error id=(format!("{name}-error")) { (message) }
                    }
                }
            }
            @if let Some(gap) = &f.gap {
                fieldset.gap {
                    legend { (l.t("actions-gap-legend")) }
                    p.error #acceptGap-error { (gap.sentence) }
                    div.field.check {
                        input #acceptGap type="checkbox" name="acceptGap" value="yes" checked[gap.accepted] aria-describedby="acceptGap-error";
                        label for="acceptGap" { (l.t("actions-gap-accept")) }
                    }
                    div.field {
                        label for="gapReason" { (l.t("actions-gap-reason")) }
                        input #gapReason type="text" name="gapReason" maxlength="2000" value=(gap.reason)
                            aria-describedby=[gap.reason_error.as_ref().map(|_| "gapReason-error")]
                            aria-invalid=[gap.reason_error.as_ref().map(|_| "true")];
                        @if let Some(message) = &gap.reason_error {
                            span.error #gapReason-error { (message) }
                        }
                    }
                }
            }
            button.primary type="submit" { (f.submit) }
        }
        p { a href=(f.back) { (l.t("actions-back")) } }
    }
}

/// What the board says after an action, from its `done` parameter.
pub fn done(l: L10n, done: Option<&str>) -> Option<Markup> {
    let key = match done? {
        "deploy" => "actions-done-deploy",
        "end-deployment" => "actions-done-end-deployment",
        "plan-rotation" => "actions-done-plan-rotation",
        "complete-rotation" => "actions-done-complete-rotation",
        "cancel-rotation" => "actions-done-cancel-rotation",
        "absence" => "actions-done-absence",
        _ => return None,
    };
    Some(html! { p.banner #action-done role="status" { (l.t(key)) } })
}
