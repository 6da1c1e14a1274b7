//! A base: its status and strength, who is there, its last field visit, its open flags (counts
//! only), and its coverage forecast — a chart drawn here as SVG (no script), the same days as a
//! table, and the gaps with their causes in words.

use std::collections::HashMap;

use chrono::NaiveDate;
use cla_registry::decider::BaseStatus;
use cla_staffing::events::AbsenceKind;
use cla_staffing::projections::{BoardRow, CoverageForecast};
use cla_supervision::app::BaseVisitAnswer;
use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

/// Why a CLA counted at the forecast's start is missing in a gap, as the answers show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    Absence {
        kind: AbsenceKind,
        from: NaiveDate,
        to: NaiveDate,
    },
    Rotation {
        to: String,
        date: NaiveDate,
    },
    AppointmentEnd {
        on: Option<NaiveDate>,
    },
    Separation {
        on: Option<NaiveDate>,
    },
    DeploymentEnd {
        on: Option<NaiveDate>,
    },
}

/// One CLA missing in a gap, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub staff_id: String,
    pub name: String,
    pub cause: Cause,
}

/// What the base page shows, as the application layers answered it for this reader.
pub struct BasePage<'a> {
    pub code: &'a str,
    pub base_id: &'a str,
    pub name: &'a str,
    pub office: &'a str,
    pub base_status: BaseStatus,
    /// The board's row (none once the base is closed).
    pub row: Option<&'a BoardRow>,
    /// The absence covering the view's date, by CLA.
    pub away: &'a HashMap<String, (NaiveDate, NaiveDate)>,
    pub visit: &'a BaseVisitAnswer,
    pub forecast: &'a CoverageForecast,
    /// Who is missing in each of the forecast's gaps, in its order.
    pub missing: &'a [Vec<Missing>],
    pub may_deploy: bool,
}

/// An absence's kind in words.
pub fn absence_kind(l: L10n, kind: AbsenceKind) -> String {
    match kind {
        AbsenceKind::Leave | AbsenceKind::Unspecified => l.t("base-absence-leave"),
        AbsenceKind::RestAndRecuperation => l.t("base-absence-rest"),
        AbsenceKind::Training => l.t("base-absence-training"),
        AbsenceKind::Medical => l.t("base-absence-medical"),
        AbsenceKind::SecurityRelocation => l.t("base-absence-security"),
    }
}

fn cause(l: L10n, m: &Missing) -> String {
    let name = ("name", m.name.clone());
    match &m.cause {
        Cause::Absence { kind, from, to } => l.t_args(
            "base-cause-absence",
            &[
                name,
                ("kind", absence_kind(l, *kind)),
                ("from", l.date(*from)),
                ("to", l.date(*to)),
            ],
        ),
        Cause::Rotation { to, date } => l.t_args(
            "base-cause-rotation",
            &[name, ("base", to.clone()), ("date", l.date(*date))],
        ),
        Cause::AppointmentEnd { on: Some(on) } => {
            l.t_args("base-cause-appointment-end", &[name, ("date", l.date(*on))])
        }
        Cause::Separation { on: Some(on) } => {
            l.t_args("base-cause-separation", &[name, ("date", l.date(*on))])
        }
        Cause::DeploymentEnd { on: Some(on) } => {
            l.t_args("base-cause-deployment-end", &[name, ("date", l.date(*on))])
        }
        Cause::AppointmentEnd { on: None }
        | Cause::Separation { on: None }
        | Cause::DeploymentEnd { on: None } => l.t_args("base-cause-gone", &[name]),
    }
}

pub fn profile_link(code: &str, staff_id: &str, travel: &Travel) -> String {
    travel.link(&format!("/missions/{code}/staff/{staff_id}"), &[])
}

pub fn body(l: L10n, p: &BasePage<'_>, travel: &Travel) -> Markup {
    let f = p.forecast;
    html! {
        dl.facts {
            dt { (l.t("base-field-office")) } dd { (p.office) }
            dt { (l.t("base-status")) }
            dd {
                @match p.row {
                    Some(row) => (super::board::status(l, row.status)),
                    None => span.status.status-empty { span aria-hidden="true" { "✕ " } (l.t("base-closed")) },
                }
                @if p.base_status == BaseStatus::Closing {
                    " · " (l.t("base-closing"))
                }
            }
            @if let Some(row) = p.row {
                dt { (l.t("base-strength")) }
                dd { (l.t_args("base-strength-of", &[("strength", l.count(row.effective_strength)), ("minimum", l.count(row.minimum)), ("deployed", l.count(row.deployed))])) }
            }
            dt { (l.t("base-last-visit")) }
            dd {
                @match (p.visit.last_visit, p.visit.days_since) {
                    (Some(d), Some(n)) => (l.t_args("list-visited-days-ago", &[("date", l.date(d)), ("days", l.count(n))])),
                    _ => (l.t("list-never-visited")),
                }
                @if p.visit.overdue {
                    " " span.status.status-below { span aria-hidden="true" { "▲ " } (l.t_args("base-visit-overdue", &[("days", l.count(p.visit.interval_days))])) }
                }
            }
            @if let Some(row) = p.row {
                dt { (l.t("base-open-flags")) }
                dd {
                    @let c = row.open_flags;
                    @if c.withheld {
                        (super::withheld(l)) " " span.note { (l.t("base-flags-withheld-note")) }
                    } @else if c.critical + c.high + c.medium + c.low == 0 {
                        (l.t("board-flags-none"))
                    } @else {
                        (l.t_args("board-flags", &[("critical", l.count(c.critical)), ("high", l.count(c.high)), ("medium", l.count(c.medium)), ("low", l.count(c.low))]))
                    }
                }
            }
        }
        @if p.may_deploy {
            p { a.button href=(format!("/missions/{}/actions/deploy?base={}", p.code, p.base_id)) { (l.t("base-deploy")) } }
        }
        h2 { (l.t("base-who")) }
        @match p.row {
            Some(row) if !row.clas.is_empty() => {
                table #clas {
                    caption { (l.t("base-who-caption")) }
                    thead { tr {
                        th scope="col" { (l.t("list-col-cla")) }
                        th scope="col" { (l.t("base-col-since")) }
                        th.num scope="col" { (l.t("base-col-tour")) }
                        th scope="col" { (l.t("base-col-present")) }
                    } }
                    tbody {
                        @for c in &row.clas {
                            tr {
                                th scope="row" { a href=(profile_link(p.code, &c.staff_id, travel)) { (c.name) } }
                                td { (l.date(c.since)) }
                                td.num { (l.t_args("base-tour-days", &[("days", l.count(c.tour_days))])) @if c.rotation_due { " " span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("base-rotation-due")) } } }
                                td {
                                    @if c.absent {
                                        span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("base-absent")) }
                                        @if let Some((from, to)) = p.away.get(&c.staff_id) {
                                            " " (l.t_args("base-absent-dates", &[("from", l.date(*from)), ("to", l.date(*to))]))
                                        }
                                    } @else {
                                        span.status.status-ok { span aria-hidden="true" { "● " } (l.t("base-present")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            _ => p { (l.t("base-nobody")) },
        }
        h2 #forecast { (l.t_args("base-forecast", &[("days", l.count(f.days.len()))])) }
        (chart(l, f))
        h3 { (l.t("base-gaps")) }
        @if f.gaps.is_empty() {
            p #gaps { (l.t("base-no-gap")) }
        } @else {
            ul #gaps {
                @for (i, g) in f.gaps.iter().enumerate() {
                    li {
                        strong { (gap_dates(l, g.from, g.to)) }
                        " — " (l.t_args("base-gap-lowest", &[("strength", l.count(g.lowest_strength)), ("minimum", l.count(f.minimum))]))
                        @let missing = p.missing.get(i).map(Vec::as_slice).unwrap_or_default();
                        @if missing.is_empty() {
                            ". " (l.t("base-gap-no-cause"))
                        } @else {
                            ul { @for m in missing { li { (cause(l, m)) } } }
                        }
                    }
                }
            }
        }
        details {
            summary { (l.t("base-forecast-table")) }
            table #forecast-days {
                caption { (l.t("base-forecast-caption")) }
                thead { tr {
                    th scope="col" { (l.t("list-col-date")) }
                    th.num scope="col" { (l.t("base-col-strength")) }
                    th.num scope="col" { (l.t("base-col-minimum")) }
                    th scope="col" { (l.t("board-col-status")) }
                } }
                tbody {
                    @for d in &f.days {
                        tr {
                            th scope="row" { (l.date(d.date)) }
                            td.num { (l.count(d.strength)) }
                            td.num { (l.count(d.minimum)) }
                            td { @if d.below_minimum { span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("board-status-below-minimum")) } } @else { (l.t("board-status-ok")) } }
                        }
                    }
                }
            }
        }
    }
}

fn gap_dates(l: L10n, from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        l.date(from)
    } else {
        l.t_args(
            "base-gap-dates",
            &[("from", l.date(from)), ("to", l.date(to))],
        )
    }
}

// The chart's geometry, in SVG user units.
const LEFT: i64 = 34;
const TOP: i64 = 10;
const PLOT_HEIGHT: i64 = 150;
const BOTTOM: i64 = 30;
const DAY_WIDTH: i64 = 8;

/// The forecast as a bar chart: a bar per day, the minimum as a dashed line, the gaps hatched.
/// Its title and description say the same in words; the table below carries its numbers.
fn chart(l: L10n, f: &CoverageForecast) -> Markup {
    chart_with(l, f, "chart")
}

/// [`chart`], its ids prefixed by `id` (several charts on one page).
pub fn chart_with(l: L10n, f: &CoverageForecast, id: &str) -> Markup {
    let days = f.days.len() as i64;
    let width = LEFT + days * DAY_WIDTH + 10;
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let top_value = f
        .days
        .iter()
        .map(|d| d.strength)
        .chain([f.minimum])
        .max()
        .unwrap_or(0)
        .max(2) as i64
        + 1;
    let y = |v: i64| TOP + PLOT_HEIGHT - v * PLOT_HEIGHT / top_value;
    let x = |i: i64| LEFT + i * DAY_WIDTH;
    let index = |d: NaiveDate| f.days.first().map_or(0, |s| (d - s.date).num_days());
    let (first, last) = match (f.days.first(), f.days.last()) {
        (Some(a), Some(b)) => (a.date, b.date),
        _ => return html! {},
    };
    let description = if f.gaps.is_empty() {
        l.t_args(
            "base-chart-desc-ok",
            &[
                ("from", l.date(first)),
                ("to", l.date(last)),
                ("minimum", l.count(f.minimum)),
            ],
        )
    } else {
        l.t_args(
            "base-chart-desc-gaps",
            &[
                ("from", l.date(first)),
                ("to", l.date(last)),
                ("minimum", l.count(f.minimum)),
                ("count", l.count(f.gaps.len())),
                (
                    "gaps",
                    f.gaps
                        .iter()
                        .map(|g| gap_dates(l, g.from, g.to))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ],
        )
    };
    html! {
        svg.forecast role="img" aria-labelledby=(format!("{id}-title {id}-desc")) viewBox=(format!("0 0 {width} {height}")) preserveAspectRatio="xMinYMin meet" {
            title id=(format!("{id}-title")) { (l.t_args("base-chart-title", &[("base", f.name.clone()), ("from", l.date(first)), ("to", l.date(last))])) }
            desc id=(format!("{id}-desc")) { (description) }
            defs {
                pattern id=(format!("{id}-hatch")) width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                    rect width="2" height="6" fill="#a4161a" {}
                }
            }
            @for g in &f.gaps {
                rect.gap x=(x(index(g.from))) y=(TOP) width=((index(g.to) - index(g.from) + 1) * DAY_WIDTH) height=(PLOT_HEIGHT) fill=(format!("url(#{id}-hatch)")) fill-opacity="0.35" {}
            }
            @for v in 0..=top_value {
                line.grid x1=(LEFT) x2=(x(days)) y1=(y(v)) y2=(y(v)) stroke="#c8c8c8" stroke-width="0.5" {}
                text.axis x=(LEFT - 6) y=(y(v) + 4) text-anchor="end" font-size="11" { (l.count(v)) }
            }
            @for (i, d) in f.days.iter().enumerate() {
                @let i = i as i64;
                @let v = i64::from(d.strength);
                rect class=(if d.below_minimum { "bar below" } else { "bar" }) x=(x(i) + 1) y=(y(v)) width=(DAY_WIDTH - 2) height=(v * PLOT_HEIGHT / top_value) fill=(if d.below_minimum { "#8a4b00" } else { "#0b4f8a" }) {}
            }
            line.minimum x1=(LEFT) x2=(x(days)) y1=(y(i64::from(f.minimum))) y2=(y(i64::from(f.minimum))) stroke="#1b1b1b" stroke-width="2" stroke-dasharray="6 3" {}
            text.axis x=(x(days)) y=(y(i64::from(f.minimum)) - 4) text-anchor="end" font-size="11" { (l.t_args("base-chart-minimum", &[("minimum", l.count(f.minimum))])) }
            @for i in (0..days).step_by(30) {
                @let day = first + chrono::Duration::days(i);
                line x1=(x(i)) x2=(x(i)) y1=(TOP + PLOT_HEIGHT) y2=(TOP + PLOT_HEIGHT + 4) stroke="#1b1b1b" {}
                text.axis x=(x(i)) y=(TOP + PLOT_HEIGHT + 18) font-size="11" { (l.date(day)) }
            }
        }
    }
}
