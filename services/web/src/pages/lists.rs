//! The lists behind the overview's figures: who and where, as far as the reader may see.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::overview::Severities;
use crate::i18n::L10n;

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Lone,
    Overdue,
    Flags,
    Rotations,
    Appointments,
    Unsupervised,
    NotVisited,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "lone" => Kind::Lone,
            "overdue" => Kind::Overdue,
            "flags" => Kind::Flags,
            "rotations" => Kind::Rotations,
            "appointments" => Kind::Appointments,
            "unsupervised" => Kind::Unsupervised,
            "not-visited" => Kind::NotVisited,
            _ => return None,
        })
    }

    pub fn title_key(self) -> &'static str {
        match self {
            Kind::Lone => "list-lone-title",
            Kind::Overdue => "list-overdue-title",
            Kind::Flags => "list-flags-title",
            Kind::Rotations => "list-rotations-title",
            Kind::Appointments => "list-appointments-title",
            Kind::Unsupervised => "list-unsupervised-title",
            Kind::NotVisited => "list-not-visited-title",
        }
    }
}

/// A rotation on the list.
pub struct Rotation {
    pub name: String,
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
    pub overdue: bool,
}

/// A list's rows, as the application layers answered them for this reader.
pub enum List {
    /// Bases with one CLA there, and who.
    Lone(Vec<(String, Vec<String>)>),
    /// How many are overdue (`None`: withheld), and who (`None`: names not for this reader).
    Overdue {
        count: Option<usize>,
        people: Option<Vec<(String, String, DateTime<Utc>)>>,
    },
    /// Open flags by severity, for the mission (`None`: withheld) and by field office.
    Flags {
        mission: Option<Severities>,
        by_office: Vec<(String, Option<Severities>)>,
        overdue_reviews: Option<usize>,
    },
    Rotations(Vec<Rotation>),
    /// Name, base, the appointment's end.
    Appointments(Vec<(String, NaiveDate)>),
    /// Name and base.
    Unsupervised(Vec<(String, String)>),
    /// Base, last visit, days since.
    NotVisited(Vec<(String, Option<NaiveDate>, Option<i64>)>),
}

fn severities(l: L10n, s: Option<&Severities>) -> Markup {
    html! {
        @match s {
            None => td colspan="4" { (super::withheld(l)) },
            Some(s) => {
                td.num { (l.count(s.critical)) }
                td.num { (l.count(s.high)) }
                td.num { (l.count(s.medium)) }
                td.num { (l.count(s.low)) }
            }
        }
    }
}

pub fn body(l: L10n, list: &List) -> Markup {
    html! {
        @match list {
            List::Lone(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-lone-title")) }
                        thead { tr { th scope="col" { (l.t("board-col-base")) } th scope="col" { (l.t("list-col-cla")) } } }
                        tbody { @for (base, names) in rows { tr { th scope="row" { (base) } td { (names.join(", ")) } } } }
                    }
                }
            }
            List::Overdue { count, people } => {
                p {
                    @match count {
                        Some(n) => (l.t_args("list-overdue-count", &[("count", l.count(*n))])),
                        None => (super::withheld(l)),
                    }
                }
                @match people {
                    None => p.note { (l.t("list-names-restricted")) },
                    Some(rows) if rows.is_empty() => p { (l.t("list-empty")) },
                    Some(rows) => table {
                        caption { (l.t("list-overdue-title")) }
                        thead { tr { th scope="col" { (l.t("list-col-cla")) } th scope="col" { (l.t("board-col-base")) } th scope="col" { (l.t("list-col-due")) } } }
                        tbody { @for (name, base, due) in rows { tr { th scope="row" { (name) } td { (base) } td { (l.date_time(*due)) } } } }
                    },
                }
            }
            List::Flags { mission, by_office, overdue_reviews } => {
                p.note { (l.t("list-flags-counts-note")) }
                table {
                    caption { (l.t("list-flags-title")) }
                    thead { tr {
                        th scope="col" { (l.t("list-col-place")) }
                        th.num scope="col" { (l.t("severity-critical")) }
                        th.num scope="col" { (l.t("severity-high")) }
                        th.num scope="col" { (l.t("severity-medium")) }
                        th.num scope="col" { (l.t("severity-low")) }
                    } }
                    tbody {
                        tr { th scope="row" { (l.t("list-mission-total")) } (severities(l, mission.as_ref())) }
                        @for (office, counts) in by_office { tr { th scope="row" { (office) } (severities(l, counts.as_ref())) } }
                    }
                }
                p {
                    @match overdue_reviews {
                        Some(n) => (l.t_args("list-reviews-overdue", &[("count", l.count(*n))])),
                        None => (super::withheld(l)),
                    }
                }
            }
            List::Rotations(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-rotations-title")) }
                        thead { tr {
                            th scope="col" { (l.t("list-col-cla")) }
                            th scope="col" { (l.t("list-col-from")) }
                            th scope="col" { (l.t("list-col-to")) }
                            th scope="col" { (l.t("list-col-date")) }
                            th scope="col" { (l.t("board-col-status")) }
                        } }
                        tbody { @for r in rows { tr {
                            th scope="row" { (r.name) } td { (r.from) } td { (r.to) } td { (l.date(r.date)) }
                            td { @if r.overdue { span.status.status-empty { span aria-hidden="true" { "✕ " } (l.t("rotation-overdue")) } } @else { (l.t("rotation-planned")) } }
                        } } }
                    }
                }
            }
            List::Appointments(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-appointments-title")) }
                        thead { tr { th scope="col" { (l.t("list-col-cla")) } th scope="col" { (l.t("list-col-ends")) } } }
                        tbody { @for (name, end) in rows { tr { th scope="row" { (name) } td { (l.date(*end)) } } } }
                    }
                }
            }
            List::Unsupervised(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-unsupervised-title")) }
                        thead { tr { th scope="col" { (l.t("list-col-cla")) } th scope="col" { (l.t("board-col-base")) } } }
                        tbody { @for (name, base) in rows { tr { th scope="row" { (name) } td { (base) } } } }
                    }
                }
            }
            List::NotVisited(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-not-visited-title")) }
                        thead { tr { th scope="col" { (l.t("board-col-base")) } th scope="col" { (l.t("list-col-last-visit")) } } }
                        tbody { @for (base, last, days) in rows { tr {
                            th scope="row" { (base) }
                            td { @match (last, days) {
                                (Some(d), Some(n)) => (l.t_args("list-visited-days-ago", &[("date", l.date(*d)), ("days", l.count(*n))])),
                                _ => (l.t("list-never-visited")),
                            } }
                        } } }
                    }
                }
            }
        }
    }
}
