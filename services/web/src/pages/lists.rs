//! The lists behind the overview's figures: who and where, as far as the reader may see.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

use super::overview::Severities;
use crate::i18n::L10n;
use crate::travel::Travel;

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
    pub staff_id: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
    pub overdue: bool,
}

/// A CLA overdue to check in, at a base.
pub struct OverdueCla {
    pub staff_id: String,
    pub name: String,
    pub base: String,
    pub due: DateTime<Utc>,
}

/// A list's rows, as the application layers answered them for this reader.
pub enum List {
    /// Bases with one CLA there, and who (staff id, name).
    Lone(Vec<(String, Vec<(String, String)>)>),
    /// How many are overdue (`None`: withheld), and who (`None`: names not for this reader).
    Overdue {
        count: Option<usize>,
        people: Option<Vec<OverdueCla>>,
    },
    /// Open flags by severity, for the mission (`None`: withheld) and by field office.
    Flags {
        mission: Option<Severities>,
        by_office: Vec<(String, Option<Severities>)>,
        overdue_reviews: Option<usize>,
    },
    Rotations(Vec<Rotation>),
    /// Staff id, name, the appointment's end.
    Appointments(Vec<(String, String, NaiveDate)>),
    /// Staff id, name and base.
    Unsupervised(Vec<(String, String, String)>),
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

pub fn body(l: L10n, list: &List, code: &str, travel: &Travel) -> Markup {
    // A CLA's name, linking to their profile.
    let cla = |id: &str, name: &str| {
        html! { a href=(super::base::profile_link(code, id, travel)) { (name) } }
    };
    html! {
        @match list {
            List::Lone(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-lone-title")) }
                        thead { tr { th scope="col" { (l.t("board-col-base")) } th scope="col" { (l.t("list-col-cla")) } } }
                        tbody { @for (base, names) in rows { tr { th scope="row" { (base) } td { @for (i, (id, name)) in names.iter().enumerate() { @if i > 0 { ", " } (cla(id, name)) } } } } }
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
                        tbody { @for o in rows { tr { th scope="row" { (cla(&o.staff_id, &o.name)) } td { (o.base) } td { (l.date_time(o.due)) } } } }
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
                            th scope="row" { (cla(&r.staff_id, &r.name)) } td { (r.from) } td { (r.to) } td { (l.date(r.date)) }
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
                        tbody { @for (id, name, end) in rows { tr { th scope="row" { (cla(id, name)) } td { (l.date(*end)) } } } }
                    }
                }
            }
            List::Unsupervised(rows) => {
                @if rows.is_empty() { p { (l.t("list-empty")) } } @else {
                    table {
                        caption { (l.t("list-unsupervised-title")) }
                        thead { tr { th scope="col" { (l.t("list-col-cla")) } th scope="col" { (l.t("board-col-base")) } } }
                        tbody { @for (id, name, base) in rows { tr { th scope="row" { (cla(id, name)) } td { (base) } } } }
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
