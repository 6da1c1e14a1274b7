//! The risk register and a flag's page. Those who see risk detail (civil affairs of the mission,
//! ADMIN) read the open flags, overdue reviews first, each marked in words, and the forms to
//! raise and work a flag; every other reader reads the counts the risk context gave them, a
//! withheld count said in words. Base-closure exposures and duress flags carry a label of their
//! own, never colour alone.

use std::collections::HashMap;

use chrono::NaiveDate;
use cla_risk::app::FlagRecord;
use cla_risk::decider::FlagStatus;
use cla_risk::events::{Category, Mitigation, Severity};
use cla_risk::projections::{RegisterCounts, SeverityCounts, TimelineEntry};
use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

pub const SEVERITIES: [(Severity, &str); 4] = [
    (Severity::Critical, "critical"),
    (Severity::High, "high"),
    (Severity::Medium, "medium"),
    (Severity::Low, "low"),
];

pub const CATEGORIES: [(Category, &str); 7] = [
    (Category::ThreatReceived, "threat-received"),
    (Category::SeenAsInformant, "seen-as-informant"),
    (Category::SecurityIncident, "security-incident"),
    (Category::HealthWelfare, "health-welfare"),
    (Category::MissedCheckIn, "missed-check-in"),
    (Category::BaseClosureExposure, "base-closure-exposure"),
    (Category::Other, "other"),
];

pub const MITIGATIONS: [(Mitigation, &str); 4] = [
    (Mitigation::Relocation, "relocation"),
    (Mitigation::TemporaryWithdrawal, "temporary-withdrawal"),
    (Mitigation::CommunicationMeans, "communication-means"),
    (Mitigation::Other, "other"),
];

/// The value a form sends for a severity, category or mitigation, and back.
pub fn slug<T: PartialEq + Copy>(all: &[(T, &'static str)], value: T) -> &'static str {
    all.iter().find(|(v, _)| *v == value).map_or("", |(_, s)| s)
}

pub fn parse<T: Copy>(all: &[(T, &'static str)], slug: &str) -> Option<T> {
    all.iter().find(|(_, s)| *s == slug).map(|(v, _)| *v)
}

pub fn severity(l: L10n, s: Severity) -> String {
    l.t(match s {
        Severity::Critical => "risk-severity-critical",
        Severity::High => "risk-severity-high",
        Severity::Medium => "risk-severity-medium",
        Severity::Low => "risk-severity-low",
        Severity::Unspecified => "risk-unspecified",
    })
}

pub fn category(l: L10n, c: Category) -> String {
    l.t(match c {
        Category::ThreatReceived => "risk-category-threat-received",
        Category::SeenAsInformant => "risk-category-seen-as-informant",
        Category::SecurityIncident => "risk-category-security-incident",
        Category::HealthWelfare => "risk-category-health-welfare",
        Category::MissedCheckIn => "risk-category-missed-check-in",
        Category::BaseClosureExposure => "risk-category-base-closure-exposure",
        Category::Other => "risk-category-other",
        Category::Unspecified => "risk-unspecified",
    })
}

pub fn mitigation(l: L10n, m: Mitigation) -> String {
    l.t(match m {
        Mitigation::Relocation => "risk-mitigation-relocation",
        Mitigation::TemporaryWithdrawal => "risk-mitigation-temporary-withdrawal",
        Mitigation::CommunicationMeans => "risk-mitigation-communication-means",
        Mitigation::Other => "risk-mitigation-other",
        Mitigation::Unspecified => "risk-unspecified",
    })
}

fn status(l: L10n, s: FlagStatus) -> String {
    l.t(match s {
        FlagStatus::Open => "risk-status-open",
        FlagStatus::Mitigating => "risk-status-mitigating",
        FlagStatus::Closed => "risk-status-closed",
    })
}

/// Names for ids: bases, field offices, CLAs (the id itself where none is known).
#[derive(Default)]
pub struct Names {
    pub bases: HashMap<String, String>,
    pub offices: HashMap<String, String>,
    pub clas: HashMap<String, String>,
}

impl Names {
    fn of(map: &HashMap<String, String>, id: &str) -> String {
        map.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
    pub fn base(&self, id: &str) -> String {
        Self::of(&self.bases, id)
    }
    pub fn office(&self, id: &str) -> String {
        Self::of(&self.offices, id)
    }
    pub fn cla(&self, id: &str) -> String {
        Self::of(&self.clas, id)
    }
}

/// A form as posted (again, with its refusals) or fresh: its values and each refusal's field
/// (`None`: the whole form) and words.
#[derive(Default)]
pub struct Posted {
    pub values: HashMap<String, String>,
    pub errors: Vec<(Option<String>, String)>,
}

impl Posted {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
    fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f.as_deref() == Some(name))
            .map(|(_, m)| m.as_str())
    }
    fn general(&self, fields: &[&str]) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(f, _)| f.as_deref().is_none_or(|f| !fields.contains(&f)))
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

/// The register's filters, from the query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub severity: Option<Severity>,
    pub category: Option<Category>,
}

impl Filter {
    pub fn parse(severity: Option<&str>, category: Option<&str>) -> Self {
        Self {
            severity: severity.and_then(|s| parse(&SEVERITIES, s)),
            category: category.and_then(|c| parse(&CATEGORIES, c)),
        }
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "severity",
                self.severity
                    .map_or("", |s| slug(&SEVERITIES, s))
                    .to_string(),
            ),
            (
                "category",
                self.category
                    .map_or("", |c| slug(&CATEGORIES, c))
                    .to_string(),
            ),
        ]
    }
}

pub struct Register<'a> {
    pub code: &'a str,
    pub csrf: &'a str,
    pub counts: &'a RegisterCounts,
    /// The flags passing the filter, for those who see them; `None`: counts only.
    pub flags: Option<Vec<FlagRecord>>,
    pub names: &'a Names,
    pub filter: &'a Filter,
    pub travel: &'a Travel,
    /// The raise form: the CLAs to choose from (id, label) and the form as posted or fresh.
    pub raise: Option<(Vec<(String, String)>, Posted)>,
    pub notice: Option<String>,
}

/// The labels that make a flag stand out: a base-closure exposure, a duress word, an overdue
/// review. Words, with a shape and colour beside them.
fn marks(l: L10n, f: &FlagRecord) -> Markup {
    let duress = f.flag.cause.as_ref().is_some_and(|c| c.kind == "DURESS");
    html! {
        @if duress {
            " " span.risk-mark.risk-duress { span aria-hidden="true" { "⚠ " } (l.t("risk-mark-duress")) }
        }
        @if f.flag.category == Category::BaseClosureExposure {
            " " span.risk-mark.risk-closure { span aria-hidden="true" { "▲ " } (l.t("risk-mark-base-closure")) }
        }
        @if f.review_overdue() {
            " " span.risk-mark.risk-overdue { span aria-hidden="true" { "✕ " } (l.t("risk-mark-review-overdue")) }
        }
    }
}

fn flags_table(
    l: L10n,
    r: &Register<'_>,
    id: &str,
    caption: String,
    flags: &[&FlagRecord],
) -> Markup {
    let travel_link = |path: String| r.travel.link(&path, &[]);
    html! {
        table.risk-flags id=(id) {
            caption { (caption) }
            thead { tr {
                th scope="col" { (l.t("risk-col-cla")) }
                th scope="col" { (l.t("risk-col-base")) }
                th scope="col" { (l.t("risk-col-severity")) }
                th scope="col" { (l.t("risk-col-category")) }
                th scope="col" { (l.t("risk-col-status")) }
                th scope="col" { (l.t("risk-col-raised")) }
                th scope="col" { (l.t("risk-col-review-due")) }
            } }
            tbody {
                @for f in flags {
                    tr {
                        th scope="row" {
                            a href=(travel_link(format!("/missions/{}/risk/{}", r.code, f.flag.id))) { (r.names.cla(&f.flag.staff_id)) }
                        }
                        td { @if f.flag.base_id.is_empty() { (l.t("risk-no-base")) } @else { (r.names.base(&f.flag.base_id)) } }
                        td { span class=(format!("risk-sev risk-sev-{}", slug(&SEVERITIES, f.flag.severity))) { (severity(l, f.flag.severity)) } }
                        td { (category(l, f.flag.category)) (marks(l, f)) }
                        td { (status(l, f.flag.status)) }
                        td { (l.date(f.flag.raised_on)) }
                        td { (l.date(f.flag.review_due)) }
                    }
                }
            }
        }
    }
}

fn severity_cells(l: L10n, c: &SeverityCounts) -> Markup {
    html! {
        td.num { (l.count(c.critical)) }
        td.num { (l.count(c.high)) }
        td.num { (l.count(c.medium)) }
        td.num { (l.count(c.low)) }
    }
}

fn severity_heads(l: L10n) -> Markup {
    html! {
        @for (s, _) in SEVERITIES { th.num scope="col" { (severity(l, s)) } }
    }
}

fn places_table(
    l: L10n,
    id: &str,
    caption: String,
    place: String,
    rows: &[(String, SeverityCounts)],
    withheld: &std::collections::BTreeSet<String>,
    name: impl Fn(&str) -> String,
) -> Markup {
    html! {
        table id=(id) {
            caption { (caption) }
            thead { tr { th scope="col" { (place) } (severity_heads(l)) } }
            tbody {
                @for (p, c) in rows {
                    tr {
                        th scope="row" { (name(p.as_str())) }
                        @if withheld.contains(p) {
                            td colspan="4" { (super::withheld(l)) }
                        } @else {
                            (severity_cells(l, c))
                        }
                    }
                }
            }
        }
    }
}

fn counts(l: L10n, r: &Register<'_>) -> Markup {
    let c = r.counts;
    html! {
        section #risk-counts aria-labelledby="risk-counts-title" {
            h2 #risk-counts-title { (l.t("risk-counts")) }
            @if c.withheld {
                p #risk-open { (super::withheld(l)) " " span.note { (l.t("risk-mission-withheld")) } }
            } @else {
                ul.figures #risk-figures {
                    li { span.n { (l.count(c.open)) } " " span { (l.t("risk-figure-open")) } }
                    li {
                        span.n { (l.count(c.overdue_reviews)) } " "
                        span { (l.t("risk-figure-overdue")) }
                        @if c.overdue_reviews > 0 { " " span.risk-mark.risk-overdue { span aria-hidden="true" { "✕ " } (l.t("risk-mark-review-overdue")) } }
                    }
                }
                table #risk-by-severity {
                    caption { (l.t("risk-by-severity")) }
                    thead { tr { (severity_heads(l)) } }
                    tbody { tr { (severity_cells(l, &c.by_severity)) } }
                }
                table #risk-by-category {
                    caption { (l.t("risk-by-category")) }
                    thead { tr { th scope="col" { (l.t("risk-col-category")) } th.num scope="col" { (l.t("risk-col-count")) } } }
                    tbody {
                        @for (cat, n) in &c.by_category {
                            tr {
                                th scope="row" {
                                    (category(l, *cat))
                                    @if *cat == Category::BaseClosureExposure {
                                        " " span.risk-mark.risk-closure { span aria-hidden="true" { "▲ " } (l.t("risk-mark-base-closure")) }
                                    }
                                }
                                td.num { (l.count(*n)) }
                            }
                        }
                    }
                }
            }
            (places_table(l, "risk-by-office", l.t("risk-by-office"), l.t("risk-col-office"), &c.by_field_office, &c.withheld_places, |id| r.names.office(id)))
            (places_table(l, "risk-by-base", l.t("risk-by-base"), l.t("risk-col-base"), &c.by_base, &c.withheld_places, |id| r.names.base(id)))
            @if !c.withheld_places.is_empty() || c.withheld {
                p.note #risk-withheld-note { (l.t("risk-withheld-note")) }
            }
        }
    }
}

fn select(
    l: L10n,
    id: &str,
    name: &str,
    label: String,
    options: &[(String, String)],
    p: &Posted,
) -> Markup {
    let error = p.error(name);
    let described = error.map(|_| format!("{id}-error"));
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-describedby=[described] aria-invalid=[error.map(|_| "true")] {
                option value="" { (l.t("risk-choose")) }
                @for (value, text) in options {
                    option value=(value) selected[value == p.value(name)] { (text) }
                }
            }
            @if let Some(m) = error { span.error id=(format!("{id}-error")) { (m) } }
        }
    }
}

fn text(id: &str, name: &str, label: String, p: &Posted) -> Markup {
    let error = p.error(name);
    let described = error.map(|_| format!("{id}-error"));
    html! {
        div.field {
            label for=(id) { (label) }
            textarea id=(id) name=(name) rows="2" maxlength="4000" aria-describedby=[described] aria-invalid=[error.map(|_| "true")] { (p.value(name)) }
            @if let Some(m) = error { span.error id=(format!("{id}-error")) { (m) } }
        }
    }
}

/// A form posting to `action`, its refusals about the whole form on top.
fn form(
    l: L10n,
    id: &str,
    (legend, submit): (String, String),
    (action, csrf): (&str, &str),
    (p, fields): (&Posted, &[&str]),
    body: Markup,
) -> Markup {
    let general = p.general(fields);
    html! {
        form.action.risk-form id=(id) method="post" action=(action) {
            h3 { (legend) }
            @if !p.errors.is_empty() {
                div.refusal id=(format!("{id}-refused")) role="alert" {
                    p { strong { (l.t("risk-not-done")) } }
                    @for m in general { p { (m) } }
                }
            }
            input type="hidden" name="csrf" value=(csrf);
            (body)
            button.primary type="submit" { (submit) }
        }
    }
}

fn options<T: Copy>(
    all: &[(T, &'static str)],
    label: impl Fn(T) -> String,
) -> Vec<(String, String)> {
    all.iter()
        .map(|(v, s)| (s.to_string(), label(*v)))
        .collect()
}

pub fn register(l: L10n, r: &Register<'_>) -> Markup {
    let path = format!("/missions/{}/risk", r.code);
    html! {
        @if let Some(n) = &r.notice { p.banner #risk-done role="status" { (n) } }
        (counts(l, r))
        @match &r.flags {
            None => p.note #risk-counts-only { (l.t("risk-counts-only")) },
            Some(flags) => {
                section #risk-flags aria-labelledby="risk-flags-title" {
                    h2 #risk-flags-title { (l.t("risk-flags")) }
                    form.filters method="get" action=(path) {
                        @for (name, value) in r.travel.pairs() {
                            @if !value.is_empty() { input type="hidden" name=(name) value=(value); }
                        }
                        label for="risk-filter-severity" {
                            (l.t("risk-col-severity"))
                            select #risk-filter-severity name="severity" {
                                option value="" { (l.t("risk-all")) }
                                @for (s, v) in SEVERITIES { option value=(v) selected[r.filter.severity == Some(s)] { (severity(l, s)) } }
                            }
                        }
                        label for="risk-filter-category" {
                            (l.t("risk-col-category"))
                            select #risk-filter-category name="category" {
                                option value="" { (l.t("risk-all")) }
                                @for (c, v) in CATEGORIES { option value=(v) selected[r.filter.category == Some(c)] { (category(l, c)) } }
                            }
                        }
                        button type="submit" { (l.t("risk-filter")) }
                    }
                    @let overdue: Vec<&FlagRecord> = flags.iter().filter(|f| f.review_overdue()).collect();
                    @let others: Vec<&FlagRecord> = flags.iter().filter(|f| !f.review_overdue()).collect();
                    @if flags.is_empty() {
                        p #risk-none { (l.t("risk-none")) }
                    }
                    @if !overdue.is_empty() {
                        (flags_table(l, r, "risk-overdue", l.t_args("risk-overdue-caption", &[("count", l.count(overdue.len()))]), &overdue))
                    }
                    @if !others.is_empty() {
                        (flags_table(l, r, "risk-open", l.t_args("risk-open-caption", &[("count", l.count(others.len()))]), &others))
                    }
                }
            }
        }
        @if let Some((clas, p)) = &r.raise {
            section #risk-raise aria-labelledby="risk-raise-form-title" {
                h2 #risk-raise-form-title { (l.t("risk-raise")) }
                (form(l, "risk-raise-form", (l.t("risk-raise-legend"), l.t("risk-raise-submit")), (&path, r.csrf), (p, &["staffId", "category", "severity", "notes"]), html! {
                    (select(l, "raise-staffId", "staffId", l.t("risk-field-cla"), clas, p))
                    (select(l, "raise-category", "category", l.t("risk-field-category"), &options(&CATEGORIES, |c| category(l, c)), p))
                    (select(l, "raise-severity", "severity", l.t("risk-field-severity"), &options(&SEVERITIES, |s| severity(l, s)), p))
                    (text("raise-notes", "notes", l.t("risk-field-notes"), p))
                }))
            }
        }
    }
}

/// Which of a flag's forms was posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagForm {
    Severity,
    Mitigation,
    Review,
    Close,
}

impl FlagForm {
    pub fn of(slug: &str) -> Option<Self> {
        Some(match slug {
            "severity" => Self::Severity,
            "mitigation" => Self::Mitigation,
            "review" => Self::Review,
            "close" => Self::Close,
            _ => return None,
        })
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Severity => "severity",
            Self::Mitigation => "mitigation",
            Self::Review => "review",
            Self::Close => "close",
        }
    }
}

pub struct FlagPage<'a> {
    pub code: &'a str,
    pub csrf: &'a str,
    pub record: &'a FlagRecord,
    pub timeline: &'a [TimelineEntry],
    pub names: &'a Names,
    pub travel: &'a Travel,
    /// The form posted, as posted, with its refusals.
    pub posted: Option<(FlagForm, Posted)>,
    pub notice: Option<String>,
}

fn what(l: L10n, event_type: &str) -> String {
    let kind = event_type.split('.').next().unwrap_or(event_type);
    l.t(match kind {
        "RiskFlagRaised" => "risk-event-raised",
        "RiskFlagSeverityChanged" => "risk-event-severity",
        "MitigationAdded" => "risk-event-mitigation",
        "RiskFlagReviewed" => "risk-event-reviewed",
        "RiskFlagClosed" => "risk-event-closed",
        "RiskReviewOverdue" => "risk-event-review-overdue",
        "MissedCheckInsCounted" => "risk-event-missed-counted",
        _ => "risk-event-other",
    })
}

fn recorded_by(l: L10n, e: &TimelineEntry) -> String {
    l.t_args(
        "risk-recorded-by",
        &[
            ("at", l.date_time(e.recorded)),
            ("who", e.actor_id.clone()),
            ("role", e.actor_role.clone()),
        ],
    )
}

pub fn flag(l: L10n, p: &FlagPage<'_>) -> Markup {
    let f = &p.record.flag;
    let base = format!("/missions/{}/risk/{}", p.code, f.id);
    let fresh = Posted::default();
    let posted = |which: FlagForm| match &p.posted {
        Some((w, posted)) if *w == which => posted,
        _ => &fresh,
    };
    let reviews: Vec<&TimelineEntry> = p
        .timeline
        .iter()
        .filter(|e| e.event_type.starts_with("RiskFlagReviewed"))
        .collect();
    let as_of: NaiveDate = p.record.view.as_of;
    html! {
        @if let Some(n) = &p.notice { p.banner #risk-done role="status" { (n) } }
        @if let (FlagStatus::Closed, Some((_, posted))) = (f.status, &p.posted) {
            div.refusal #risk-refused role="alert" {
                p { strong { (l.t("risk-not-done")) } }
                @for (_, m) in &posted.errors { p { (m) } }
            }
        }
        p { a href=(p.travel.link(&format!("/missions/{}/risk", p.code), &[])) { (l.t("risk-back")) } }
        dl.facts #risk-facts {
            dt { (l.t("risk-col-cla")) }
            dd { a href=(p.travel.link(&format!("/missions/{}/staff/{}", p.code, f.staff_id), &[])) { (p.names.cla(&f.staff_id)) } }
            dt { (l.t("risk-col-base")) }
            dd { @if f.base_id.is_empty() { (l.t("risk-no-base")) } @else { (p.names.base(&f.base_id)) } }
            dt { (l.t("risk-col-severity")) }
            dd #risk-severity { span class=(format!("risk-sev risk-sev-{}", slug(&SEVERITIES, f.severity))) { (severity(l, f.severity)) } }
            dt { (l.t("risk-col-category")) }
            dd #risk-category { (category(l, f.category)) (marks(l, p.record)) }
            dt { (l.t("risk-col-status")) }
            dd #risk-status { (status(l, f.status)) }
            dt { (l.t("risk-col-raised")) }
            dd { (l.date(f.raised_on)) }
            @if f.status != FlagStatus::Closed {
                dt { (l.t("risk-col-review-due")) }
                dd #risk-review-due { (l.date(f.review_due)) }
            }
            @if f.periods_missed > 0 {
                dt { (l.t("risk-periods-missed")) }
                dd { (l.count(f.periods_missed)) }
            }
            @if let Some(at) = p.record.last_heard_at() {
                dt { (l.t("risk-last-heard")) }
                dd { (l.date_time(at)) }
            }
            @if f.cause.is_some() {
                dt { (l.t("risk-raised-by-system")) }
                dd { (l.t("risk-raised-by-system-yes")) }
            }
            dt { (l.t("risk-notes")) }
            dd #risk-notes { @if f.notes.is_empty() { (l.t("risk-notes-none")) } @else { (f.notes) } }
            @if let Some(resolution) = &f.resolution {
                dt { (l.t("risk-resolution")) }
                dd #risk-resolution { (resolution) }
            }
        }
        p.note { (l.t_args("risk-as-of-note", &[("date", l.date(as_of))])) }
        h2 #risk-mitigations-title { (l.t("risk-mitigations")) }
        @if f.mitigations.is_empty() { p #risk-mitigations { (l.t("risk-mitigations-none")) } } @else {
            ul #risk-mitigations { @for (action, notes) in &f.mitigations {
                li { strong { (mitigation(l, *action)) } @if !notes.is_empty() { " — " (notes) } }
            } }
        }
        h2 #risk-reviews-title { (l.t("risk-reviews")) }
        @if reviews.is_empty() { p #risk-reviews { (l.t("risk-reviews-none")) } } @else {
            ul #risk-reviews { @for e in &reviews { li { (l.date(e.effective)) " — " span.note { (recorded_by(l, e)) } } } }
        }
        @if f.status != FlagStatus::Closed {
            section #risk-work aria-labelledby="risk-work-title" {
                h2 #risk-work-title { (l.t("risk-work")) }
                @let sp = posted(FlagForm::Severity);
                (form(l, "risk-severity-form", (l.t("risk-severity-legend"), l.t("risk-severity-submit")), (&format!("{base}/severity"), p.csrf), (sp, &["severity", "reason"]), html! {
                    (select(l, "severity-severity", "severity", l.t("risk-field-new-severity"), &options(&SEVERITIES, |s| severity(l, s)), sp))
                    (text("severity-reason", "reason", l.t("risk-field-reason"), sp))
                }))
                @let mp = posted(FlagForm::Mitigation);
                (form(l, "risk-mitigation-form", (l.t("risk-mitigation-legend"), l.t("risk-mitigation-submit")), (&format!("{base}/mitigation"), p.csrf), (mp, &["action", "notes"]), html! {
                    (select(l, "mitigation-action", "action", l.t("risk-field-action"), &options(&MITIGATIONS, |m| mitigation(l, m)), mp))
                    (text("mitigation-notes", "notes", l.t("risk-field-notes"), mp))
                }))
                @let rp = posted(FlagForm::Review);
                (form(l, "risk-review-form", (l.t("risk-review-legend"), l.t("risk-review-submit")), (&format!("{base}/review"), p.csrf), (rp, &["notes"]), html! {
                    (text("review-notes", "notes", l.t("risk-field-review-notes"), rp))
                }))
                @let cp = posted(FlagForm::Close);
                (form(l, "risk-close-form", (l.t("risk-close-legend"), l.t("risk-close-submit")), (&format!("{base}/close"), p.csrf), (cp, &["resolution"]), html! {
                    (text("close-resolution", "resolution", l.t("risk-field-resolution"), cp))
                }))
            }
        }
        h2 #risk-history { (l.t("risk-timeline")) }
        ol.timeline #risk-timeline {
            @for e in p.timeline {
                li {
                    strong { (l.date(e.effective)) } " — " (what(l, &e.event_type))
                    br;
                    span.note { (recorded_by(l, e)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::timeline::View;
    use cla_risk::decider::Flag;
    use cla_risk::events::contract::Cause;

    use super::*;
    use crate::i18n::Lang;

    fn record(
        id: &str,
        category: Category,
        severity: Severity,
        due: i64,
        cause: Option<&str>,
    ) -> FlagRecord {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        FlagRecord {
            flag: Flag {
                id: id.into(),
                staff_id: format!("cla-{id}"),
                mission: "MONUSCO".into(),
                base_id: "base-1".into(),
                category,
                severity,
                status: FlagStatus::Open,
                notes: String::new(),
                raised_on: as_of - chrono::Duration::days(10),
                review_due: as_of + chrono::Duration::days(due),
                mitigations: Vec::new(),
                cause: cause.map(|kind| Cause {
                    kind: kind.into(),
                    ..Cause::default()
                }),
                overdue_marked_for: None,
                periods_missed: 0,
                resolution: None,
            },
            view: View::on(as_of),
        }
    }

    #[test]
    fn overdue_reviews_come_first_and_duress_and_base_closure_flags_are_labelled_in_words() {
        let flags = vec![
            record(
                "duress",
                Category::ThreatReceived,
                Severity::Critical,
                5,
                Some("DURESS"),
            ),
            record("late", Category::HealthWelfare, Severity::Medium, -1, None),
            record(
                "closure",
                Category::BaseClosureExposure,
                Severity::High,
                3,
                Some("BASE_CLOSURE"),
            ),
        ];
        let names = Names::default();
        let counts = RegisterCounts::default();
        for lang in Lang::ALL {
            let l = L10n::new(lang);
            let page = register(
                l,
                &Register {
                    code: "MONUSCO",
                    csrf: "t",
                    counts: &counts,
                    flags: Some(flags.clone()),
                    names: &names,
                    filter: &Filter::default(),
                    travel: &Travel::default(),
                    raise: None,
                    notice: None,
                },
            )
            .into_string();
            let overdue = page.find("id=\"risk-overdue\"").expect("an overdue table");
            let open = page.find("id=\"risk-open\"").expect("an open table");
            assert!(overdue < open, "overdue reviews first");
            let (first, rest) = page.split_at(open);
            assert!(
                first[overdue..].contains("/risk/late\""),
                "the late review in the first table"
            );
            assert!(first[overdue..].contains(&l.t("risk-mark-review-overdue")));
            assert!(!rest.contains("/risk/late\""));
            let row = |id: &str| {
                let at = rest.find(&format!("/risk/{id}\"")).unwrap();
                rest[at..].split("</tr>").next().unwrap().to_string()
            };
            assert!(row("duress").contains(&l.t("risk-mark-duress")), "{page}");
            assert!(!row("duress").contains(&l.t("risk-mark-base-closure")));
            assert!(row("closure").contains(&l.t("risk-mark-base-closure")));
            assert!(!row("closure").contains(&l.t("risk-mark-duress")));
        }
    }
}
