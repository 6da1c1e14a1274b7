//! Imports: upload a staff or a deployment list (CSV; French Excel's `;`, BOM and dd/mm/yyyy
//! accepted), see the dry run — the errors by line and column, or what it would create — and
//! apply it. The file goes back with the apply form as a hidden field, so it is not uploaded
//! twice; nothing is written before it is applied, nor for a file with errors.

use maud::{Markup, html};

use crate::i18n::L10n;
use crate::{ImportKind, ImportOutcome};

/// The form as posted: its list, its dialect, the file's text.
pub struct Posted<'a> {
    pub kind: ImportKind,
    pub locale: &'a str,
    pub text: &'a str,
    pub outcome: Option<&'a ImportOutcome>,
    /// A refusal of the upload itself (no file, not text), beside the file field.
    pub error: Option<String>,
}

pub struct ImportsPage<'a> {
    pub code: &'a str,
    pub csrf: &'a str,
    pub kinds: &'a [ImportKind],
    pub posted: Option<Posted<'a>>,
    /// After an import applied: what it created and left unchanged.
    pub done: Option<(usize, usize)>,
}

pub fn kind_name(k: ImportKind) -> &'static str {
    match k {
        ImportKind::Staff => "staff",
        ImportKind::Deployments => "deployments",
    }
}

fn kind_label(l: L10n, k: ImportKind) -> String {
    l.t(match k {
        ImportKind::Staff => "imports-kind-staff",
        ImportKind::Deployments => "imports-kind-deployments",
    })
}

fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

fn outcome(l: L10n, p: &ImportsPage<'_>, posted: &Posted<'_>, o: &ImportOutcome) -> Markup {
    html! {
        section #imports-result aria-labelledby="imports-result-title" {
            h2 #imports-result-title { (l.t_args("imports-result-title", &[("kind", kind_label(l, posted.kind))])) }
            @if o.errors.is_empty() {
                p #imports-ready role="status" { (l.t_args("imports-ready", &[("rows", l.count(o.rows)), ("created", l.count(o.created)), ("unchanged", l.count(o.unchanged))])) }
                form.action method="post" action=(format!("/missions/{}/imports", p.code)) enctype="multipart/form-data" {
                    (hidden("csrf", p.csrf))
                    (hidden("kind", kind_name(posted.kind)))
                    (hidden("locale", posted.locale))
                    (hidden("step", "apply"))
                    // The file as uploaded: applied as checked.
                    (hidden("content", posted.text))
                    button.primary type="submit" { (l.t("imports-apply")) }
                }
            } @else {
                div.refusal role="alert" {
                    p { strong { (l.t("actions-not-done")) } }
                    p { (l.t_args("imports-errors", &[("count", l.count(o.errors.len())), ("rows", l.count(o.rows))])) }
                }
                table #imports-errors {
                    caption { (l.t("imports-errors-caption")) }
                    thead { tr {
                        th scope="col" { (l.t("imports-col-line")) }
                        th scope="col" { (l.t("imports-col-column")) }
                        th scope="col" { (l.t("imports-col-error")) }
                    } }
                    tbody {
                        @for e in &o.errors {
                            tr {
                                th scope="row" { (l.count(e.line)) }
                                td { code { (e.column) } }
                                td lang="en" { (e.message) }
                            }
                        }
                    }
                }
                p.note { (l.t("imports-fix")) }
            }
        }
    }
}

pub fn body(l: L10n, p: &ImportsPage<'_>) -> Markup {
    let chosen = p.posted.as_ref().map(|x| x.kind);
    let locale = p.posted.as_ref().map_or("", |x| x.locale);
    let error = p.posted.as_ref().and_then(|x| x.error.clone());
    html! {
        @if let Some((created, unchanged)) = p.done {
            p.banner #imports-done role="status" { (l.t_args("imports-done", &[("created", l.count(created)), ("unchanged", l.count(unchanged))])) }
        }
        p.note { (l.t("imports-intro")) }
        @if let Some(posted) = &p.posted && let Some(o) = posted.outcome {
            (outcome(l, p, posted, o))
        }
        section #imports-upload aria-labelledby="imports-upload-title" {
            h2 #imports-upload-title { (l.t("imports-upload-title")) }
            form.action method="post" action=(format!("/missions/{}/imports", p.code)) enctype="multipart/form-data" {
                (hidden("csrf", p.csrf))
                (hidden("step", "dry-run"))
                div.field {
                    label for="kind" { (l.t("imports-kind")) }
                    select #kind name="kind" {
                        @for k in p.kinds {
                            option value=(kind_name(*k)) selected[chosen == Some(*k)] { (kind_label(l, *k)) }
                        }
                    }
                }
                div.field {
                    label for="locale" { (l.t("imports-locale")) }
                    select #locale name="locale" {
                        option value="" { (l.t("imports-locale-standard")) }
                        option value="fr" selected[locale == "fr"] { (l.t("imports-locale-fr")) }
                    }
                }
                div.field {
                    label for="file" { (l.t("imports-file")) }
                    input #file type="file" name="file" accept=".csv,text/csv"
                        aria-describedby=[error.as_ref().map(|_| "file-error")] aria-invalid=[error.as_ref().map(|_| "true")];
                    @if let Some(e) = &error { span.error #file-error { (e) } }
                }
                button.primary type="submit" { (l.t("imports-check")) }
            }
        }
    }
}
