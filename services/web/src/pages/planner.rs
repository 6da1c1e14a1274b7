//! The rotation planner: a calendar of a mission's rotations (planned, overdue, completed and
//! cancelled) in week rows, each state in words; and the preview of a rotation considered — both
//! bases' coverage without the move and with it, as charts and a table of the same days, the gap
//! it would open in words — before it is confirmed.

use chrono::{Datelike, Duration, NaiveDate};
use cla_staffing::app::RotationPreview;
use cla_staffing::projections::{CoverageForecast, RotationEntry, RotationState};
use maud::{Markup, html};

use super::base::{chart_with, profile_link};
use crate::i18n::L10n;
use crate::travel::Travel;

/// What the calendar shows, as the staffing application layer answered it for this reader.
pub struct Calendar<'a> {
    pub code: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rotations: &'a [RotationEntry],
    /// A base's name by id.
    pub base_name: &'a dyn Fn(&str) -> String,
    /// The range's fields as given, and a refusal of one of them (field, message).
    pub given: (String, String),
    pub error: Option<(&'static str, String)>,
    pub may_plan: bool,
}

pub fn state(l: L10n, r: &RotationEntry) -> Markup {
    let (class, mark, word) = match r.state {
        RotationState::Planned => ("status planner-planned", "○ ", l.t("planner-state-planned")),
        RotationState::Overdue => (
            "status status-below planner-overdue",
            "▲ ",
            l.t("planner-state-overdue"),
        ),
        RotationState::Completed => (
            "status status-ok planner-completed",
            "● ",
            match r.completed_on {
                Some(on) => l.t_args("planner-state-completed-on", &[("date", l.date(on))]),
                None => l.t("planner-state-completed"),
            },
        ),
        RotationState::Cancelled => (
            "status planner-cancelled",
            "✕ ",
            l.t("planner-state-cancelled"),
        ),
    };
    html! { span class=(class) { span aria-hidden="true" { (mark) } (word) } }
}

fn base_link(code: &str, id: &str, name: String, travel: &Travel) -> Markup {
    html! { a href=(travel.link(&format!("/missions/{code}/bases/{id}"), &[])) { (name) } }
}

fn rotation(l: L10n, c: &Calendar<'_>, r: &RotationEntry, travel: &Travel) -> Markup {
    html! {
        a href=(profile_link(c.code, &r.staff_id, travel)) { (r.name) } " "
        (base_link(c.code, &r.from_base_id, (c.base_name)(&r.from_base_id), travel))
        " " (l.t("planner-to")) " "
        (base_link(c.code, &r.to_base_id, (c.base_name)(&r.to_base_id), travel))
        " — " (state(l, r))
    }
}

const WEEKDAYS: [&str; 7] = [
    "planner-weekday-1",
    "planner-weekday-2",
    "planner-weekday-3",
    "planner-weekday-4",
    "planner-weekday-5",
    "planner-weekday-6",
    "planner-weekday-7",
];

pub fn calendar(l: L10n, c: &Calendar<'_>, travel: &Travel) -> Markup {
    let error = |field: &str| {
        c.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let first = c.from - Duration::days(i64::from(c.from.weekday().num_days_from_monday()));
    let weeks = ((c.to - first).num_days() / 7) + 1;
    let overdue: Vec<&RotationEntry> = c
        .rotations
        .iter()
        .filter(|r| r.state == RotationState::Overdue && r.date < c.from)
        .collect();
    html! {
        form.travel.planner-range method="get" {
            @for (name, value) in travel.pairs() { input type="hidden" name=(name) value=(value); }
            @for (name, key, value) in [("from", "planner-from", &c.given.0), ("to", "planner-until", &c.given.1)] {
                label for=(name) {
                    (l.t(key))
                    input id=(name) type="date" name=(name) value=(value)
                        aria-describedby=[error(name).map(|_| format!("{name}-error"))]
                        aria-invalid=[error(name).map(|_| "true")];
                }
                @if let Some(message) = error(name) { span.error id=(format!("{name}-error")) { (message) } }
            }
            button type="submit" { (l.t("planner-show")) }
        }
        @if c.may_plan {
            p { a.button href=(format!("/missions/{}/rotations/plan", c.code)) { (l.t("planner-plan-link")) } }
        }
        @if c.error.is_none() {
            p #planner-summary { (l.t_args("planner-summary", &[("count", l.count(c.rotations.len())), ("from", l.date(c.from)), ("to", l.date(c.to))])) }
            @if !overdue.is_empty() {
                h2 { (l.t("planner-overdue-heading")) }
                ul #planner-overdue {
                    @for r in &overdue { li { (l.date(r.date)) " — " (rotation(l, c, r, travel)) } }
                }
            }
            table #planner-calendar.planner-calendar {
                caption { (l.t_args("planner-caption", &[("from", l.date(c.from)), ("to", l.date(c.to))])) }
                thead { tr {
                    th scope="col" { (l.t("planner-week")) }
                    @for key in WEEKDAYS { th scope="col" { (l.t(key)) } }
                } }
                tbody {
                    @for w in 0..weeks {
                        @let monday = first + Duration::days(w * 7);
                        tr {
                            th scope="row" { (l.t_args("planner-week-of", &[("date", l.date(monday))])) }
                            @for d in 0..7 {
                                @let day = monday + Duration::days(d);
                                @if day < c.from || day > c.to {
                                    td.planner-out {}
                                } @else {
                                    @let here: Vec<&RotationEntry> = c.rotations.iter().filter(|r| r.date == day).collect();
                                    td {
                                        span.planner-day { (day.day()) }
                                        @if !here.is_empty() {
                                            ul { @for r in here { li { (rotation(l, c, r, travel)) } } }
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
}

/// One base's coverage without the move and with it: two charts, and the days in a table.
fn comparison(
    l: L10n,
    id: &str,
    heading: String,
    (without, with): &(CoverageForecast, CoverageForecast),
) -> Markup {
    let gaps = |f: &CoverageForecast| {
        if f.gaps.is_empty() {
            l.t("planner-no-gap")
        } else {
            f.gaps
                .iter()
                .map(|g| {
                    l.t_args(
                        "planner-gap",
                        &[
                            ("from", l.date(g.from)),
                            ("to", l.date(g.to)),
                            ("strength", l.count(g.lowest_strength)),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    html! {
        section.planner-base id=(id) {
            h3 { (heading) }
            dl.facts {
                dt { (l.t("planner-without")) } dd { (gaps(without)) }
                dt { (l.t("planner-with")) } dd { (gaps(with)) }
            }
            div.planner-charts {
                figure { figcaption { (l.t("planner-without")) } (chart_with(l, without, &format!("{id}-without"))) }
                figure { figcaption { (l.t("planner-with")) } (chart_with(l, with, &format!("{id}-with"))) }
            }
            details {
                summary { (l.t("base-forecast-table")) }
                table {
                    caption { (l.t_args("planner-table-caption", &[("base", with.name.clone())])) }
                    thead { tr {
                        th scope="col" { (l.t("list-col-date")) }
                        th.num scope="col" { (l.t("planner-col-without")) }
                        th.num scope="col" { (l.t("planner-col-with")) }
                        th.num scope="col" { (l.t("base-col-minimum")) }
                        th scope="col" { (l.t("board-col-status")) }
                    } }
                    tbody {
                        @for (a, b) in without.days.iter().zip(&with.days) {
                            tr {
                                th scope="row" { (l.date(b.date)) }
                                td.num { (l.count(a.strength)) }
                                td.num { (l.count(b.strength)) }
                                td.num { (l.count(b.minimum)) }
                                td { @if b.below_minimum { span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("board-status-below-minimum")) } } @else { (l.t("board-status-ok")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The preview: what the move would do, the gap in words, and the confirmation (posted to the
/// staffing action that plans it).
pub fn preview(
    l: L10n,
    code: &str,
    csrf: &str,
    p: &RotationPreview,
    warning: Option<String>,
) -> Markup {
    let origin = p.origin.1.name.clone();
    let destination = p.destination.1.name.clone();
    html! {
        section #rotation-preview aria-labelledby="preview-heading" {
            h2 #preview-heading { (l.t("planner-preview-heading")) }
            p #preview-move { (l.t_args("planner-preview-move", &[("name", p.name.clone()), ("from", origin.clone()), ("to", destination.clone()), ("date", l.date(p.date))])) }
            @match &warning {
                Some(sentence) => div.refusal #preview-gap role="alert" {
                    p { strong { (l.t("planner-gap-warning")) } }
                    p { (sentence) }
                    p { (l.t("planner-gap-later")) }
                },
                None => p.banner #preview-gap role="status" { (l.t("planner-no-new-gap")) },
            }
            (comparison(l, "origin", l.t_args("planner-origin", &[("base", origin)]), &p.origin))
            (comparison(l, "destination", l.t_args("planner-destination", &[("base", destination)]), &p.destination))
            form.action #confirm method="post" action=(format!("/missions/{code}/actions/plan-rotation")) {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="staffId" value=(p.staff_id);
                input type="hidden" name="toBaseId" value=(p.to_base_id);
                input type="hidden" name="date" value=(p.date.format("%Y-%m-%d").to_string());
                button.primary type="submit" {
                    @if warning.is_some() { (l.t("planner-confirm-anyway")) } @else { (l.t("planner-confirm")) }
                }
            }
            p { (l.t("planner-change-hint")) }
        }
    }
}
