//! The HQ staffing review: the figures for the date (overall, or one mission's), each mission's
//! row where the review covers several, and the monthly series drawn as SVG line charts (no
//! script) with the same figures as a table. Every share is a percent.

use chrono::NaiveDate;
use cla_reporting::ReviewFigures;
use cla_reporting::app::{HqReview, MonthlyReview};
use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

/// What the review page shows, as the reporting application answered it for this reader.
pub struct ReviewPage<'a> {
    /// The mission the page is about; none for every mission the reader may see.
    pub mission: Option<&'a str>,
    pub review: &'a HqReview,
    pub series: &'a [MonthlyReview],
}

/// A figure's shares, all in percent: the four the review gives as percent or as a share.
pub struct Percents {
    pub at_minimum: Option<f64>,
    pub vacancy: Option<f64>,
    pub women: Option<f64>,
    pub supervision: Option<f64>,
    /// None where withheld from this reader (or nothing was due).
    pub compliance: Option<f64>,
}

pub fn percents(f: &ReviewFigures) -> Percents {
    Percents {
        at_minimum: f.bases_at_minimum_percent,
        vacancy: f.vacancy_rate.map(|s| s * 100.0),
        women: f.share_of_women.map(|s| s * 100.0),
        supervision: f.supervision_coverage_percent,
        compliance: if f.open_flags_withheld {
            None
        } else {
            f.check_in_compliance_percent
        },
    }
}

fn pct(l: L10n, v: Option<f64>) -> String {
    v.map_or_else(|| l.t("review-none"), |v| l.percent(v))
}

fn compliance(l: L10n, f: &ReviewFigures) -> Markup {
    html! {
        @if f.open_flags_withheld {
            (super::withheld(l))
        } @else {
            (pct(l, f.check_in_compliance_percent))
        }
    }
}

fn month(l: L10n, d: NaiveDate) -> String {
    l.t_args("review-month", &[("date", l.date(d))])
}

pub fn body(l: L10n, p: &ReviewPage<'_>, travel: &Travel) -> Markup {
    let f = &p.review.overall;
    let s = percents(f);
    let csv = |locale: &str| {
        let mut more = vec![];
        if !locale.is_empty() {
            more.push(("locale", locale.to_string()));
        }
        travel.link("/review.csv", &more)
    };
    html! {
        p.note { (l.t("review-counts-only")) }
        @if let Some(code) = p.mission {
            p { a href=(travel.link("/review", &[])) { (l.t("review-all-missions")) } " · " (code) }
        }
        h2 { (l.t_args("review-figures", &[("date", l.date(p.review.as_of))])) }
        dl.facts #review-figures {
            dt { (l.t("review-clas")) } dd #review-clas { (l.count(f.clas)) }
            dt { (l.t("review-deployed")) } dd #review-deployed { (l.count(f.deployed)) }
            dt { (l.t("review-bases")) } dd { (l.count(f.bases)) }
            dt { (l.t("review-at-minimum")) } dd #review-at-minimum { (pct(l, s.at_minimum)) " " span.note { (l.t_args("review-at-minimum-of", &[("at", l.count(f.bases_at_minimum)), ("bases", l.count(f.bases))])) } }
            dt { (l.t("review-vacancy")) } dd #review-vacancy { (pct(l, s.vacancy)) }
            dt { (l.t("review-women")) } dd #review-women { (pct(l, s.women)) }
            dt { (l.t("review-supervision")) } dd #review-supervision { (pct(l, s.supervision)) }
            dt { (l.t("review-compliance")) } dd #review-compliance { (compliance(l, f)) }
            dt { (l.t("review-rotations-due")) } dd { (l.count(f.rotations_due)) }
            dt { (l.t("review-appointments-ending")) } dd { (l.count(f.appointments_ending_60_days)) }
        }
        p.review-csv {
            (l.t("review-csv")) " "
            a href=(csv("")) download { (l.t("review-csv-standard")) } " · "
            a href=(csv("fr")) download { (l.t("review-csv-french")) }
        }
        @if p.mission.is_none() {
            h2 { (l.t("review-missions")) }
            @if p.review.missions.is_empty() {
                p { (l.t("missions-none")) }
            } @else {
                (missions_table(l, p.review, travel))
            }
        }
        h2 #series { (l.t_args("review-series", &[("count", l.count(p.series.len()))])) }
        @if p.series.is_empty() {
            p { (l.t("review-no-series")) }
        } @else {
            div.review-charts {
                (chart(l, "review-chart-staff", &l.t("review-chart-staff"), p.series, &[
                    (l.t("review-clas"), &|f: &ReviewFigures| Some(f64::from(f.clas))),
                    (l.t("review-deployed"), &|f: &ReviewFigures| Some(f64::from(f.deployed))),
                ], false))
                (chart(l, "review-chart-minimum", &l.t("review-at-minimum"), p.series, &[(l.t("review-at-minimum"), &|f: &ReviewFigures| percents(f).at_minimum)], true))
                (chart(l, "review-chart-vacancy", &l.t("review-vacancy"), p.series, &[(l.t("review-vacancy"), &|f: &ReviewFigures| percents(f).vacancy)], true))
                (chart(l, "review-chart-women", &l.t("review-women"), p.series, &[(l.t("review-women"), &|f: &ReviewFigures| percents(f).women)], true))
                (chart(l, "review-chart-supervision", &l.t("review-supervision"), p.series, &[(l.t("review-supervision"), &|f: &ReviewFigures| percents(f).supervision)], true))
                (chart(l, "review-chart-compliance", &l.t("review-compliance"), p.series, &[(l.t("review-compliance"), &|f: &ReviewFigures| percents(f).compliance)], true))
            }
            (series_table(l, p.series))
        }
    }
}

fn missions_table(l: L10n, r: &HqReview, travel: &Travel) -> Markup {
    html! {
        table #review-missions {
            caption { (l.t_args("review-missions-caption", &[("date", l.date(r.as_of))])) }
            thead { tr {
                th scope="col" { (l.t("review-col-mission")) }
                th.num scope="col" { (l.t("review-clas")) }
                th.num scope="col" { (l.t("review-deployed")) }
                th.num scope="col" { (l.t("review-at-minimum")) }
                th.num scope="col" { (l.t("review-vacancy")) }
                th.num scope="col" { (l.t("review-women")) }
                th.num scope="col" { (l.t("review-supervision")) }
                th.num scope="col" { (l.t("review-compliance")) }
            } }
            tbody {
                @for f in r.missions.iter().chain(std::iter::once(&r.overall)) {
                    @let s = percents(f);
                    tr data-scope=(f.scope) {
                        th scope="row" {
                            @if f.scope == "ALL" { (l.t("review-overall")) }
                            @else { a href=(travel.link(&format!("/missions/{}/review", f.scope), &[])) { (f.scope) } }
                        }
                        td.num { (l.count(f.clas)) }
                        td.num { (l.count(f.deployed)) }
                        td.num { (pct(l, s.at_minimum)) }
                        td.num { (pct(l, s.vacancy)) }
                        td.num { (pct(l, s.women)) }
                        td.num { (pct(l, s.supervision)) }
                        td.num { (compliance(l, f)) }
                    }
                }
            }
        }
    }
}

fn series_table(l: L10n, series: &[MonthlyReview]) -> Markup {
    html! {
        table #review-series {
            caption { (l.t("review-series-caption")) }
            thead { tr {
                th scope="col" { (l.t("review-col-month")) }
                th.num scope="col" { (l.t("review-clas")) }
                th.num scope="col" { (l.t("review-deployed")) }
                th.num scope="col" { (l.t("review-at-minimum")) }
                th.num scope="col" { (l.t("review-vacancy")) }
                th.num scope="col" { (l.t("review-women")) }
                th.num scope="col" { (l.t("review-supervision")) }
                th.num scope="col" { (l.t("review-compliance")) }
            } }
            tbody {
                @for m in series {
                    @let f = &m.overall;
                    @let s = percents(f);
                    tr data-month=(m.month_end.format("%Y-%m-%d").to_string()) {
                        th scope="row" { (month(l, m.month_end)) }
                        td.num { (l.count(f.clas)) }
                        td.num { (l.count(f.deployed)) }
                        td.num { (pct(l, s.at_minimum)) }
                        td.num { (pct(l, s.vacancy)) }
                        td.num { (pct(l, s.women)) }
                        td.num { (pct(l, s.supervision)) }
                        td.num { (compliance(l, f)) }
                    }
                }
            }
        }
    }
}

// The charts' geometry, in SVG user units.
const LEFT: f64 = 44.0;
const TOP: f64 = 12.0;
const PLOT_WIDTH: f64 = 300.0;
const PLOT_HEIGHT: f64 = 120.0;
const BOTTOM: f64 = 26.0;

/// A line per measure over the months: solid, then dashed (never told by colour alone), each
/// point marked; a percent chart runs 0–100. The title and description say it in words, the
/// table carries the numbers.
type Measure<'a> = (String, &'a dyn Fn(&ReviewFigures) -> Option<f64>);

fn chart(
    l: L10n,
    id: &str,
    title: &str,
    series: &[MonthlyReview],
    measures: &[Measure<'_>],
    percent: bool,
) -> Markup {
    let n = series.len();
    let top = if percent {
        100.0
    } else {
        let max = series
            .iter()
            .flat_map(|m| measures.iter().filter_map(|(_, f)| f(&m.overall)))
            .fold(0.0_f64, f64::max);
        (max * 1.1).max(1.0).ceil()
    };
    let x = |i: usize| {
        if n <= 1 {
            LEFT + PLOT_WIDTH / 2.0
        } else {
            LEFT + i as f64 * PLOT_WIDTH / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + PLOT_HEIGHT - v.clamp(0.0, top) * PLOT_HEIGHT / top;
    let show = |v: f64| {
        if percent {
            l.percent(v)
        } else {
            l.number(v.round() as i64)
        }
    };
    let (first, last) = (series[0].month_end, series[n - 1].month_end);
    let description = measures
        .iter()
        .map(|(name, f)| {
            let from = f(&series[0].overall).map_or_else(|| l.t("review-none"), show);
            let to = f(&series[n - 1].overall).map_or_else(|| l.t("review-none"), show);
            l.t_args(
                "review-chart-desc",
                &[
                    ("measure", name.clone()),
                    ("from", month(l, first)),
                    ("first", from),
                    ("to", month(l, last)),
                    ("last", to),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let width = LEFT + PLOT_WIDTH + 12.0;
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let ticks: Vec<f64> = (0..=4).map(|i| top * f64::from(i) / 4.0).collect();
    html! {
        figure.review-chart {
            svg role="img" aria-labelledby=(format!("{id}-title {id}-desc")) viewBox=(format!("0 0 {width} {height}")) preserveAspectRatio="xMinYMin meet" {
                title id=(format!("{id}-title")) { (l.t_args("review-chart-title", &[("measure", title.to_string()), ("from", month(l, first)), ("to", month(l, last))])) }
                desc id=(format!("{id}-desc")) { (description) }
                @for t in &ticks {
                    line x1=(LEFT) x2=(LEFT + PLOT_WIDTH) y1=(y(*t)) y2=(y(*t)) stroke="#c8c8c8" stroke-width="0.5" {}
                    text x=(LEFT - 4.0) y=(y(*t) + 3.5) text-anchor="end" font-size="10" { (show(*t)) }
                }
                @for (k, (_, f)) in measures.iter().enumerate() {
                    @let points: Vec<String> = series.iter().enumerate().filter_map(|(i, m)| f(&m.overall).map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
                    polyline points=(points.join(" ")) fill="none" stroke=(if k == 0 { "#0b4f8a" } else { "#8a4b00" }) stroke-width="2" stroke-dasharray=(if k == 0 { "none" } else { "6 3" }) {}
                    @for (i, m) in series.iter().enumerate() {
                        @if let Some(v) = f(&m.overall) {
                            @if k == 0 {
                                circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(v))) r="2.5" fill="#0b4f8a" {}
                            } @else {
                                rect x=(format!("{:.1}", x(i) - 2.5)) y=(format!("{:.1}", y(v) - 2.5)) width="5" height="5" fill="#8a4b00" {}
                            }
                        }
                    }
                }
                @for (i, m) in series.iter().enumerate() {
                    @if i % 3 == 0 || i + 1 == n {
                        text x=(format!("{:.1}", x(i))) y=(TOP + PLOT_HEIGHT + 16.0) text-anchor="middle" font-size="10" { (m.month_end.format("%m/%y").to_string()) }
                    }
                }
            }
            @if measures.len() > 1 {
                figcaption {
                    @for (k, (name, _)) in measures.iter().enumerate() {
                        span.review-key { span aria-hidden="true" { (if k == 0 { "● — " } else { "■ - - " }) } (name) } " "
                    }
                }
            }
        }
    }
}
