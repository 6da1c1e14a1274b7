//! Recruitment: a mission's vacancies by status with the days each has been open (posts open
//! more than 60 days said in words), its recruitment figures (time to fill, conversion), and a
//! vacancy's pipeline as columns by stage, each candidate a card with the forms that move them.
//! A form refused comes back filled as sent, the refusal in words beside its field.

use chrono::NaiveDate;
use cla_staff::app::VacancyAnswer;
use cla_staff::commands::CandidateStage;
use cla_staff::decider::{Candidate, CandidateOutcome, VacancyStatus, stage_key};
use cla_staff::events::Gender;
use cla_staff::projections::{Conversion, RecruitmentPipeline, StageCount};
use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

/// Posts open longer than this many days are marked.
pub const OPEN_TOO_LONG_DAYS: i64 = 60;

pub fn stage_key_name(s: CandidateStage) -> &'static str {
    match s {
        CandidateStage::Applied => "recruit-stage-applied",
        CandidateStage::Screened => "recruit-stage-screened",
        CandidateStage::Interviewed => "recruit-stage-interviewed",
        CandidateStage::Vetted => "recruit-stage-vetted",
        CandidateStage::Offered => "recruit-stage-offered",
        CandidateStage::Hired => "recruit-stage-hired",
    }
}

fn status_key(s: VacancyStatus) -> &'static str {
    match s {
        VacancyStatus::Open => "recruit-status-open",
        VacancyStatus::Filled => "recruit-status-filled",
        VacancyStatus::Cancelled => "recruit-status-cancelled",
    }
}

fn outcome_key(o: CandidateOutcome) -> &'static str {
    match o {
        CandidateOutcome::InProgress => "recruit-outcome-in-progress",
        CandidateOutcome::Rejected => "recruit-outcome-rejected",
        CandidateOutcome::Withdrawn => "recruit-outcome-withdrawn",
        CandidateOutcome::Declined => "recruit-outcome-declined",
        CandidateOutcome::Hired => "recruit-outcome-hired",
    }
}

fn gender_key(g: Gender) -> &'static str {
    match g {
        Gender::Female => "recruit-gender-female",
        Gender::Male => "recruit-gender-male",
        _ => "recruit-gender-other",
    }
}

/// One input of a recruitment form, named as the form posts it.
pub enum Input {
    Text {
        name: &'static str,
        label: String,
        hint: Option<String>,
    },
    Date {
        name: &'static str,
        label: String,
    },
    /// A choice among `options` (value, label); an empty first option asks to choose.
    Select {
        name: &'static str,
        label: String,
        options: Vec<(String, String)>,
    },
    Hidden {
        name: &'static str,
        value: String,
    },
}

impl Input {
    fn name(&self) -> &'static str {
        match self {
            Input::Text { name, .. }
            | Input::Date { name, .. }
            | Input::Select { name, .. }
            | Input::Hidden { name, .. } => name,
        }
    }
}

/// A form as drawn: where it posts, its inputs, and (after a refusal) its values and errors.
pub struct FormSpec<'a> {
    /// Prefix of its inputs' ids, unique on the page.
    pub id: String,
    pub action: String,
    pub csrf: &'a str,
    pub inputs: Vec<Input>,
    pub submit: String,
    /// Values as sent (or preselected).
    pub values: Vec<(String, String)>,
    /// Refusals beside their input; `None`: about the whole form.
    pub errors: Vec<(Option<String>, String)>,
}

pub fn form(l: L10n, f: &FormSpec<'_>) -> Markup {
    let value = |name: &str| {
        f.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let error = |name: &str| {
        f.errors
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, m)| m.clone())
    };
    let general: Vec<&String> = f
        .errors
        .iter()
        .filter(|(n, _)| {
            n.as_ref()
                .is_none_or(|n| !f.inputs.iter().any(|i| i.name() == n.as_str()))
        })
        .map(|(_, m)| m)
        .collect();
    html! {
        @if !f.errors.is_empty() {
            div.refusal id=(format!("{}-refused", f.id)) role="alert" {
                p { strong { (l.t("recruit-not-done")) } }
                @for m in &general { p { (m) } }
            }
        }
        form.recruit-form method="post" action=(f.action) {
            input type="hidden" name="csrf" value=(f.csrf);
            @for input in &f.inputs {
                @let name = input.name();
                @let id = format!("{}-{name}", f.id);
                @let message = error(name);
                @let described = message.as_ref().map(|_| format!("{id}-error"));
                @let invalid = message.as_ref().map(|_| "true");
                @match input {
                    Input::Hidden { value, .. } => { input type="hidden" name=(name) value=(value); }
                    Input::Text { label, hint, .. } => {
                        div.field {
                            label for=(id) { (label) }
                            @if let Some(h) = hint { span.note id=(format!("{id}-hint")) { (h) } }
                            input id=(id) type="text" name=(name) maxlength="2000" value=(value(name))
                                aria-describedby=[described.clone().or_else(|| hint.as_ref().map(|_| format!("{id}-hint")))]
                                aria-invalid=[invalid];
                            @if let Some(m) = &message { span.error id=(format!("{id}-error")) { (m) } }
                        }
                    }
                    Input::Date { label, .. } => {
                        div.field {
                            label for=(id) { (label) }
                            input id=(id) type="date" name=(name) value=(value(name)) aria-describedby=[described.clone()] aria-invalid=[invalid];
                            @if let Some(m) = &message { span.error id=(format!("{id}-error")) { (m) } }
                        }
                    }
                    Input::Select { label, options, .. } => {
                        div.field {
                            label for=(id) { (label) }
                            @let chosen = value(name);
                            select id=(id) name=(name) aria-describedby=[described.clone()] aria-invalid=[invalid] {
                                option value="" { (l.t("recruit-choose")) }
                                @for (v, text) in options {
                                    option value=(v) selected[*v == chosen] { (text) }
                                }
                            }
                            @if let Some(m) = &message { span.error id=(format!("{id}-error")) { (m) } }
                        }
                    }
                }
            }
            button.primary type="submit" { (f.submit) }
        }
    }
}

fn days(l: L10n, n: i64) -> String {
    l.t_args("recruit-days", &[("days", l.number(n))])
}

fn optional_days(l: L10n, n: Option<f64>) -> String {
    match n {
        Some(d) => days(l, d.round() as i64),
        None => l.t("recruit-none-yet"),
    }
}

fn stages_table(l: L10n, id: &str, stages: &[StageCount], conversion: &[Conversion]) -> Markup {
    html! {
        table.recruit-stages id=(id) {
            caption { (l.t("recruit-stages-caption")) }
            thead { tr {
                th scope="col" { (l.t("recruit-col-stage")) }
                th scope="col" { (l.t("recruit-col-reached")) }
                th scope="col" { (l.t("recruit-col-now")) }
                th scope="col" { (l.t("recruit-col-conversion")) }
            } }
            tbody {
                @for s in stages {
                    tr {
                        th scope="row" { (l.t(stage_key_name(s.stage))) }
                        td { (l.count(s.reached)) }
                        td { (l.count(s.current)) }
                        td {
                            @match conversion.iter().find(|c| c.to == s.stage) {
                                Some(Conversion { rate: Some(r), from, .. }) => {
                                    (l.t_args("recruit-conversion-from", &[
                                        ("percent", l.percent(r * 100.0)),
                                        ("from", l.t(stage_key_name(*from))),
                                    ]))
                                }
                                Some(_) => { (l.t("recruit-none-yet")) }
                                None => { "—" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The vacancies page's data.
pub struct Vacancies<'a> {
    pub code: &'a str,
    pub vacancies: &'a [VacancyAnswer],
    pub pipeline: &'a RecruitmentPipeline,
    pub place: &'a dyn Fn(&VacancyAnswer) -> String,
    /// The reader may open vacancies (today, no time travel).
    pub may_act: bool,
    pub done: Option<Markup>,
}

pub fn vacancies(l: L10n, v: &Vacancies<'_>, travel: &Travel) -> Markup {
    let p = v.pipeline;
    let of = |s: VacancyStatus| -> Vec<&VacancyAnswer> {
        v.vacancies
            .iter()
            .filter(|a| a.vacancy.status == s)
            .collect()
    };
    let link = |a: &VacancyAnswer| {
        travel.link(
            &format!("/missions/{}/recruitment/{}", v.code, a.vacancy.id),
            &[],
        )
    };
    html! {
        @if let Some(done) = &v.done { (done) }
        @if v.may_act {
            p { a.button #recruit-open-link href=(format!("/missions/{}/recruitment/open", v.code)) { (l.t("recruit-open-link")) } }
        }
        section aria-labelledby="recruit-figures" {
            h2 #recruit-figures { (l.t("recruit-figures")) }
            dl.facts #recruit-facts {
                dt { (l.t("recruit-posts-budgeted")) } dd { (l.count(p.posts_budgeted)) }
                dt { (l.t("recruit-posts-filled")) } dd { (l.count(p.posts_filled)) }
                dt { (l.t("recruit-posts-open")) } dd { (l.count(p.posts_open)) }
                dt { (l.t("recruit-vacancy-rate")) }
                dd { @match p.vacancy_rate { Some(r) => { (l.percent(r * 100.0)) } None => { (l.t("recruit-none-yet")) } } }
                dt { (l.t("recruit-time-to-fill")) } dd #recruit-mean-fill { (optional_days(l, p.mean_time_to_fill_days)) }
                dt { (l.t("recruit-open-too-long")) } dd #recruit-too-long { (l.count(p.open_longer_than_60_days)) }
            }
            (stages_table(l, "recruit-mission-stages", &p.stages, &p.conversion))
        }
        @for status in [VacancyStatus::Open, VacancyStatus::Filled, VacancyStatus::Cancelled] {
            @let rows = of(status);
            @let id = format!("recruit-{}", match status { VacancyStatus::Open => "open", VacancyStatus::Filled => "filled", VacancyStatus::Cancelled => "cancelled" });
            section aria-labelledby=(id) {
                h2 id=(id) { (l.t(status_key(status))) " (" (l.count(rows.len())) ")" }
                @if rows.is_empty() {
                    p.note { (l.t("recruit-no-vacancies")) }
                } @else {
                    table.recruit-vacancies id=(format!("{id}-table")) {
                        thead { tr {
                            th scope="col" { (l.t("recruit-col-title")) }
                            th scope="col" { (l.t("recruit-col-place")) }
                            th scope="col" { (l.t("recruit-col-opened")) }
                            th scope="col" { (l.t("recruit-col-days-open")) }
                            @if status == VacancyStatus::Open {
                                th scope="col" { (l.t("recruit-col-in-pipeline")) }
                            } @else {
                                th scope="col" { (l.t("recruit-col-closed")) }
                            }
                            @if status == VacancyStatus::Filled {
                                th scope="col" { (l.t("recruit-col-time-to-fill")) }
                            }
                        } }
                        tbody {
                            @for a in rows {
                                @let too_long = status == VacancyStatus::Open && a.days_open() > OPEN_TOO_LONG_DAYS;
                                tr.recruit-too-long[too_long] {
                                    th scope="row" { a href=(link(a)) { (a.vacancy.title) } }
                                    td { ((v.place)(a)) }
                                    td { (l.date(a.vacancy.opened_on)) }
                                    td {
                                        (days(l, a.days_open()))
                                        @if too_long { " " strong.recruit-flag { (l.t_args("recruit-open-over", &[("days", l.number(OPEN_TOO_LONG_DAYS))])) } }
                                    }
                                    @if status == VacancyStatus::Open {
                                        td { (l.count(a.candidates(None, Some(CandidateOutcome::InProgress)).len())) }
                                    } @else {
                                        td { @if let Some(d) = a.vacancy.closed_on { (l.date(d)) } }
                                    }
                                    @if status == VacancyStatus::Filled {
                                        td { @if let Some(d) = a.time_to_fill_days() { (days(l, d)) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A form on the pipeline page that was posted and refused: which one, as sent, and why.
pub struct Posted {
    /// The form's id (`add`, `cancel`, or `<candidate>-<step>`).
    pub form: String,
    pub values: Vec<(String, String)>,
    pub errors: Vec<(Option<String>, String)>,
}

/// A form of the pipeline page: its id, where it posts, its legend, its inputs, its submit.
pub struct PipelineForm {
    pub id: String,
    pub action: String,
    pub legend: String,
    pub inputs: Vec<Input>,
    pub submit: String,
    /// Values before anything is posted.
    pub defaults: Vec<(String, String)>,
}

pub struct Pipeline<'a> {
    pub code: &'a str,
    pub answer: &'a VacancyAnswer,
    pub place: String,
    pub csrf: &'a str,
    /// The forms each candidate's card offers (none where the reader may not act).
    pub card_forms: &'a dyn Fn(&Candidate) -> Vec<PipelineForm>,
    /// Why there are no forms, where there are none.
    pub no_forms: Option<String>,
    pub posted: Option<Posted>,
    pub done: Option<Markup>,
}

fn draw_form(l: L10n, p: &Pipeline<'_>, f: PipelineForm) -> Markup {
    let (values, errors, open) = match &p.posted {
        Some(posted) if posted.form == f.id => (posted.values.clone(), posted.errors.clone(), true),
        _ => (f.defaults, Vec::new(), false),
    };
    html! {
        details.recruit-action open[open] {
            summary { (f.legend) }
            (form(l, &FormSpec {
                id: f.id,
                action: f.action,
                csrf: p.csrf,
                inputs: f.inputs,
                submit: f.submit,
                values,
                errors,
            }))
        }
    }
}

fn languages(l: L10n, c: &Candidate) -> String {
    super::profile::languages(
        l,
        c.languages
            .iter()
            .map(|x| (x.language.as_str(), x.level.as_str())),
    )
}

fn card(l: L10n, p: &Pipeline<'_>, c: &Candidate) -> Markup {
    html! {
        li.recruit-card id=(format!("c-{}", c.id)) {
            h4 { (c.name) }
            p { (l.t(gender_key(c.gender))) @if !c.languages.is_empty() { " · " (languages(l, c)) } }
            @if c.outcome != CandidateOutcome::InProgress {
                p.recruit-outcome { strong { (l.t(outcome_key(c.outcome))) } }
            }
            ol.timeline {
                @for s in CandidateStage::ALL {
                    @if let Some(d) = c.reached.get(&stage_key(s)) {
                        li { (l.t_args("recruit-reached", &[("stage", l.t(stage_key_name(s))), ("date", l.date(*d))])) }
                    }
                }
            }
            @if let Some(o) = &c.offer {
                p.recruit-offer {
                    (l.t_args("recruit-offer-line", &[
                        ("grade", o.grade.clone()),
                        ("start", l.date(o.appointment.start)),
                        ("end", l.date(o.appointment.end)),
                    ]))
                    " "
                    strong { (l.t(if o.accepted { "recruit-offer-accepted" } else { "recruit-offer-waiting" })) }
                }
            }
            @if let Some(staff) = &c.staff_id {
                p { a href=(format!("/missions/{}/staff/{staff}", p.code)) { (l.t("recruit-staff-profile")) } }
            }
            @for f in (p.card_forms)(c) { (draw_form(l, p, f)) }
        }
    }
}

/// The pipeline page, with the vacancy's own forms (add a candidate, cancel) after it.
pub fn pipeline(l: L10n, p: &Pipeline<'_>, forms: Vec<PipelineForm>) -> Markup {
    let a = p.answer;
    let v = &a.vacancy;
    let in_stage = |s: CandidateStage| -> Vec<Candidate> {
        let mut out: Vec<Candidate> = v
            .candidates
            .values()
            .filter(|c| {
                c.stage == s
                    && matches!(
                        c.outcome,
                        CandidateOutcome::InProgress | CandidateOutcome::Hired
                    )
            })
            .cloned()
            .collect();
        out.sort_by(|x, y| x.applied_on.cmp(&y.applied_on).then(x.name.cmp(&y.name)));
        out
    };
    let out: Vec<&Candidate> = v
        .candidates
        .values()
        .filter(|c| {
            !matches!(
                c.outcome,
                CandidateOutcome::InProgress | CandidateOutcome::Hired
            )
        })
        .collect();
    let too_long = v.status == VacancyStatus::Open && a.days_open() > OPEN_TOO_LONG_DAYS;
    html! {
        @if let Some(done) = &p.done { (done) }
        dl.facts #recruit-vacancy {
            dt { (l.t("recruit-col-place")) } dd { (p.place) }
            dt { (l.t("recruit-col-status")) } dd #recruit-status { (l.t(status_key(v.status))) }
            dt { (l.t("recruit-col-opened")) } dd { (l.date(v.opened_on)) }
            dt { (l.t("recruit-col-days-open")) }
            dd {
                (days(l, a.days_open()))
                @if too_long { " " strong.recruit-flag { (l.t_args("recruit-open-over", &[("days", l.number(OPEN_TOO_LONG_DAYS))])) } }
            }
            @if let Some(d) = v.closed_on {
                dt { (l.t("recruit-col-closed")) } dd { (l.date(d)) }
            }
            dt { (l.t("recruit-col-time-to-fill")) }
            dd { @match a.time_to_fill_days() { Some(d) => { (days(l, d)) } None => { (l.t("recruit-none-yet")) } } }
            @if !v.required_languages.is_empty() {
                dt { (l.t("recruit-required-languages")) } dd { (v.required_languages.join(", ")) }
            }
            @if !v.notes.is_empty() {
                dt { (l.t("recruit-notes")) } dd { (v.notes) }
            }
        }
        (stages_table(l, "recruit-vacancy-stages", &a.stages(), &a.conversion()))
        h2 #recruit-pipeline-heading { (l.t("recruit-pipeline")) }
        @if let Some(why) = &p.no_forms { p.note #recruit-no-forms { (why) } }
        div.recruit-columns aria-labelledby="recruit-pipeline-heading" {
            @for s in CandidateStage::ALL {
                @let here = in_stage(s);
                @let id = format!("stage-{}", stage_key(s));
                section.recruit-column aria-labelledby=(id) {
                    h3 id=(id) { (l.t(stage_key_name(s))) " (" (l.count(here.len())) ")" }
                    @if here.is_empty() {
                        p.note { (l.t("recruit-nobody")) }
                    } @else {
                        ul.recruit-cards { @for c in &here { (card(l, p, c)) } }
                    }
                }
            }
        }
        @if !out.is_empty() {
            section aria-labelledby="recruit-out" {
                h2 #recruit-out { (l.t("recruit-out")) }
                ul.recruit-cards { @for c in &out { (card(l, p, c)) } }
            }
        }
        @for f in forms { (draw_form(l, p, f)) }
    }
}

/// A date as a form's value.
pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What a page says after a recruitment form was done, from its `done` parameter.
pub fn done(l: L10n, done: Option<&str>) -> Option<Markup> {
    let key = match done? {
        "open" => "recruit-done-open",
        "cancel" => "recruit-done-cancel",
        "add" => "recruit-done-add",
        "advance" => "recruit-done-advance",
        "vetting" => "recruit-done-vetting",
        "offer" => "recruit-done-offer",
        "answer" => "recruit-done-answer",
        "reject" => "recruit-done-reject",
        "withdraw" => "recruit-done-withdraw",
        "hire" => "recruit-done-hire",
        _ => return None,
    };
    Some(html! { p.banner #recruit-done role="status" { (l.t(key)) } })
}
