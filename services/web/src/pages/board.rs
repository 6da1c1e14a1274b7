//! The base board: every open or closing base with its coverage, filtered by field office and
//! status, sorted by shortfall, name or strength. Status is told in words and by shape, never by
//! colour alone.

use cla_staffing::projections::{BoardOrder, BoardRow, Coverage};
use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

/// The board's filters, as the query gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub field_office: Option<String>,
    pub status: Option<Coverage>,
    pub sort: BoardOrder,
}

/// A filter that could not be read: the field and the catalogue key saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadFilter {
    pub field: &'static str,
    pub key: &'static str,
}

pub fn status_param(status: Coverage) -> &'static str {
    match status {
        Coverage::Ok => "ok",
        Coverage::BelowMinimum => "below_minimum",
        Coverage::Empty => "empty",
    }
}

fn sort_param(sort: BoardOrder) -> &'static str {
    match sort {
        BoardOrder::Name => "name",
        BoardOrder::Shortfall => "shortfall",
        BoardOrder::Strength => "strength",
    }
}

impl Filters {
    pub fn parse(
        field_office: Option<&str>,
        status: Option<&str>,
        sort: Option<&str>,
    ) -> Result<Self, BadFilter> {
        let status = match status.filter(|s| !s.is_empty()) {
            None => None,
            Some("ok") => Some(Coverage::Ok),
            Some("below_minimum") => Some(Coverage::BelowMinimum),
            Some("empty") => Some(Coverage::Empty),
            Some(_) => {
                return Err(BadFilter {
                    field: "status",
                    key: "board-status-invalid",
                });
            }
        };
        let sort = match sort.filter(|s| !s.is_empty()) {
            None | Some("name") => BoardOrder::Name,
            Some("shortfall") => BoardOrder::Shortfall,
            Some("strength") => BoardOrder::Strength,
            Some(_) => {
                return Err(BadFilter {
                    field: "sort",
                    key: "board-sort-invalid",
                });
            }
        };
        Ok(Self {
            field_office: field_office.filter(|s| !s.is_empty()).map(str::to_string),
            status,
            sort,
        })
    }

    /// The query pairs that keep these filters.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("fieldOffice", self.field_office.clone().unwrap_or_default()),
            (
                "status",
                self.status
                    .map(status_param)
                    .unwrap_or_default()
                    .to_string(),
            ),
            (
                "sort",
                match self.sort {
                    BoardOrder::Name => String::new(),
                    other => sort_param(other).to_string(),
                },
            ),
        ]
    }
}

/// A base's status: a shape and the word (the colour only repeats them).
pub fn status(l: L10n, coverage: Coverage) -> Markup {
    let (class, shape, key) = match coverage {
        Coverage::Ok => ("status status-ok", "●", "board-status-ok"),
        Coverage::BelowMinimum => ("status status-below", "▲", "board-status-below-minimum"),
        Coverage::Empty => ("status status-empty", "✕", "board-status-empty"),
    };
    html! { span class=(class) { span aria-hidden="true" { (shape) " " } (l.t(key)) } }
}

pub struct Board<'a> {
    pub mission_code: &'a str,
    pub rows: &'a [BoardRow],
    /// Field offices by id, with their names, in name order.
    pub offices: &'a [(String, String)],
    pub filters: &'a Filters,
    pub error: Option<BadFilter>,
}

pub fn body(l: L10n, b: &Board<'_>, travel: &Travel) -> Markup {
    let action = format!("/missions/{}/board", b.mission_code);
    let office_name = |id: &str| {
        b.offices
            .iter()
            .find(|(o, _)| o == id)
            .map_or(id.to_string(), |(_, n)| n.clone())
    };
    let error = |field: &str| {
        b.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| l.t(e.key))
    };
    let csv = travel.link(&format!("/missions/{}/board.csv", b.mission_code), &[]);
    let csv_fr = travel.link(
        &format!("/missions/{}/board.csv", b.mission_code),
        &[("locale", "fr".to_string())],
    );
    html! {
        form.filters method="get" action=(action) hx-get=(action) hx-select="#board" hx-target="#board" hx-swap="outerHTML" hx-push-url="true" {
            @for (name, value) in travel.pairs() {
                input type="hidden" name=(name) value=(value);
            }
            label for="fieldOffice" {
                (l.t("board-field-office"))
                select #fieldOffice name="fieldOffice" {
                    option value="" { (l.t("board-all")) }
                    @for (id, name) in b.offices {
                        option value=(id) selected[b.filters.field_office.as_deref() == Some(id)] { (name) }
                    }
                }
            }
            label for="status" {
                (l.t("board-status"))
                select #status name="status" aria-describedby=[error("status").map(|_| "status-error")] {
                    option value="" { (l.t("board-all")) }
                    @for (value, key) in [(Coverage::BelowMinimum, "board-status-below-minimum"), (Coverage::Empty, "board-status-empty"), (Coverage::Ok, "board-status-ok")] {
                        option value=(status_param(value)) selected[b.filters.status == Some(value)] { (l.t(key)) }
                    }
                }
            }
            @if let Some(message) = error("status") { span.error #status-error { (message) } }
            label for="sort" {
                (l.t("board-sort"))
                select #sort name="sort" aria-describedby=[error("sort").map(|_| "sort-error")] {
                    @for (value, key) in [(BoardOrder::Shortfall, "board-sort-shortfall"), (BoardOrder::Name, "board-sort-name"), (BoardOrder::Strength, "board-sort-strength")] {
                        option value=(sort_param(value)) selected[b.filters.sort == value] { (l.t(key)) }
                    }
                }
            }
            @if let Some(message) = error("sort") { span.error #sort-error { (message) } }
            button type="submit" { (l.t("board-apply")) }
        }
        div #board {
            p {
                (l.t_args("board-count", &[("count", l.count(b.rows.len()))]))
                " · "
                a href=(csv) download { (l.t("board-download-csv")) }
                " · "
                a href=(csv_fr) download lang="fr" { (l.t("board-download-csv-french")) }
                " · " a #imports-link href=(format!("/missions/{}/imports", b.mission_code)) { (l.t("imports-link")) }
            }
            table {
                caption { (l.t("board-caption")) }
                thead {
                    tr {
                        th scope="col" { (l.t("board-col-base")) }
                        th scope="col" { (l.t("board-col-field-office")) }
                        th scope="col" { (l.t("board-col-status")) }
                        th.num scope="col" { (l.t("board-col-strength")) }
                        th.num scope="col" { (l.t("board-col-deployed")) }
                        th.num scope="col" { (l.t("board-col-women")) }
                        th scope="col" { (l.t("board-col-languages-missing")) }
                        th.num scope="col" { (l.t("board-col-rotation-due")) }
                        th scope="col" { (l.t("board-col-open-flags")) }
                    }
                }
                tbody {
                    @for row in b.rows {
                        tr {
                            th scope="row" { a href=(travel.link(&format!("/missions/{}/bases/{}", b.mission_code, row.base_id), &[])) { (row.name) } }
                            td { (office_name(&row.field_office_id)) }
                            td { (status(l, row.status)) }
                            td.num { (l.t_args("board-strength", &[("strength", l.count(row.effective_strength)), ("minimum", l.count(row.minimum))])) }
                            td.num { (l.count(row.deployed)) }
                            td.num { (l.count(row.women)) }
                            td { (row.languages_missing.join(", ")) }
                            td.num { (l.count(row.rotation_due.len())) }
                            td {
                                @let f = row.open_flags;
                                @if f.withheld {
                                    (super::withheld(l))
                                } @else if f.critical + f.high + f.medium + f.low == 0 {
                                    (l.t("board-flags-none"))
                                } @else {
                                    (l.t_args("board-flags", &[
                                        ("critical", l.count(row.open_flags.critical)),
                                        ("high", l.count(row.open_flags.high)),
                                        ("medium", l.count(row.open_flags.medium)),
                                        ("low", l.count(row.open_flags.low)),
                                    ]))
                                }
                            }
                        }
                    }
                }
            }
            @if b.rows.is_empty() {
                p { (l.t("board-none")) }
            }
        }
    }
}
