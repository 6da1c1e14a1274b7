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
                                td { (e.problem.words(l)) }
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

/// What is wrong in an imported file, in the reader's words: the import door says which
/// problem, the page (and the door's own JSON answer, in English) words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file cannot be read as CSV (`detail`: the reader's own words).
    NotCsv {
        detail: String,
    },
    UnknownColumn {
        column: String,
        columns: String,
    },
    ColumnTwice {
        column: String,
    },
    ColumnMissing {
        column: String,
    },
    CellCount {
        cells: usize,
        header: usize,
    },
    UnreadableRow {
        detail: String,
    },
    NoSuchBase {
        base: String,
    },
    TwoBasesNamed {
        base: String,
    },
    NotADate {
        text: String,
    },
    /// A date that reads both ways (`03/04/2027`) where the file does not say which.
    AmbiguousDate {
        text: String,
        day_first: chrono::NaiveDate,
        month_first: chrono::NaiveDate,
    },
    LanguageLevel {
        part: String,
    },
    LanguageTwice {
        language: String,
    },
    IndexNumber,
    IndexTwice {
        index: String,
        first: usize,
    },
    Name,
    Gender {
        given: String,
    },
    Grade,
    AppointmentType {
        given: String,
    },
    AppointmentEndsBeforeStart,
    TemporaryTooLong,
    Status {
        given: String,
    },
    BaseOpenedAfter {
        base: String,
        opened: chrono::NaiveDate,
        on: chrono::NaiveDate,
    },
    NoCurrentStaff {
        index: String,
    },
    BaseNotOpen {
        base: String,
    },
    AlreadyDeployed {
        name: String,
        base: String,
        since: chrono::NaiveDate,
    },
    NotActive {
        index: String,
    },
    /// Refused while the file was applied (`message`: the refusal's own words): the rows before
    /// it were imported.
    Stopped {
        message: String,
    },
}

impl Problem {
    /// The problem in `l`'s language.
    pub fn words(&self, l: L10n) -> String {
        use Problem::*;
        let s = |v: &String| v.clone();
        let (key, args): (&str, Vec<(&str, String)>) = match self {
            NotCsv { detail } => ("import-problem-not-csv", vec![("detail", s(detail))]),
            UnknownColumn { column, columns } => (
                "import-problem-unknown-column",
                vec![("column", s(column)), ("columns", s(columns))],
            ),
            ColumnTwice { column } => ("import-problem-column-twice", vec![("column", s(column))]),
            ColumnMissing { column } => {
                ("import-problem-column-missing", vec![("column", s(column))])
            }
            CellCount { cells, header } => (
                "import-problem-cell-count",
                vec![("cells", l.count(*cells)), ("header", l.count(*header))],
            ),
            UnreadableRow { detail } => {
                ("import-problem-unreadable-row", vec![("detail", s(detail))])
            }
            NoSuchBase { base } => ("import-problem-no-base", vec![("base", s(base))]),
            TwoBasesNamed { base } => ("import-problem-two-bases", vec![("base", s(base))]),
            NotADate { text } => ("import-problem-not-a-date", vec![("text", s(text))]),
            AmbiguousDate {
                text,
                day_first,
                month_first,
            } => (
                "import-problem-ambiguous-date",
                vec![
                    ("text", s(text)),
                    ("dayFirst", long_date(l, *day_first)),
                    ("monthFirst", long_date(l, *month_first)),
                    ("iso", day_first.to_string()),
                ],
            ),
            LanguageLevel { part } => ("import-problem-language-level", vec![("part", s(part))]),
            LanguageTwice { language } => (
                "import-problem-language-twice",
                vec![("language", s(language))],
            ),
            IndexNumber => ("import-problem-index-number", vec![]),
            IndexTwice { index, first } => (
                "import-problem-index-twice",
                vec![("index", s(index)), ("first", l.count(*first))],
            ),
            Name => ("import-problem-name", vec![]),
            Gender { given } => ("import-problem-gender", vec![("given", s(given))]),
            Grade => ("import-problem-grade", vec![]),
            AppointmentType { given } => {
                ("import-problem-appointment-type", vec![("given", s(given))])
            }
            AppointmentEndsBeforeStart => ("import-problem-appointment-end", vec![]),
            TemporaryTooLong => ("import-problem-temporary", vec![]),
            Status { given } => ("import-problem-status", vec![("given", s(given))]),
            BaseOpenedAfter { base, opened, on } => (
                "import-problem-base-opened-after",
                vec![
                    ("base", s(base)),
                    ("opened", l.date(*opened)),
                    ("on", l.date(*on)),
                ],
            ),
            NoCurrentStaff { index } => ("import-problem-no-staff", vec![("index", s(index))]),
            BaseNotOpen { base } => ("import-problem-base-not-open", vec![("base", s(base))]),
            AlreadyDeployed { name, base, since } => (
                "import-problem-deployed",
                vec![
                    ("name", s(name)),
                    ("base", s(base)),
                    ("since", l.date(*since)),
                ],
            ),
            NotActive { index } => ("import-problem-not-active", vec![("index", s(index))]),
            Stopped { message } => ("import-problem-stopped", vec![("message", s(message))]),
        };
        l.t_args(key, &args)
    }
}

/// A date with its month in words (3 April 2027, 3 avril 2027): where a date is ambiguous, the
/// reader's own short form would not tell the two readings apart.
fn long_date(l: L10n, day: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let months = match l.lang {
        crate::i18n::Lang::En => EN,
        crate::i18n::Lang::Fr => FR,
    };
    format!(
        "{} {} {}",
        day.day(),
        months[day.month0() as usize],
        day.year()
    )
}
