//! Management coverage: per field office, its managers and the CLAs each supervises (over the
//! mission's span marked in words), the deployed CLAs nobody supervises and the bases not visited
//! within the interval; and, for who may change the management, the forms to appoint a manager,
//! record that a manager leaves, assign a supervisor, end a supervision and record a field visit.

use cla_supervision::projections::{CoverageRow, ManagementCoverage};
use maud::{Markup, html};

use super::actions::{self, ActionForm, Field};
use super::base::profile_link;
use crate::i18n::L10n;
use crate::travel::Travel;

/// The forms, as they are to be drawn (filled, and with refusals beside their fields).
pub struct Forms<'a> {
    pub csrf: &'a str,
    /// Managers (id, label), CLAs (id, label), bases (id, name).
    pub managers: Vec<(String, String)>,
    pub clas: Vec<(String, String)>,
    pub bases: Vec<(String, String)>,
    /// Field offices (id, name); kinds of manager (value, label).
    pub offices: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    /// Which form was posted, its values and its refusals.
    pub posted: Option<&'static str>,
    pub value: &'a dyn Fn(&str) -> String,
    pub errors: &'a [(Option<String>, String)],
}

pub struct SupervisionPage<'a> {
    pub code: &'a str,
    pub coverage: &'a ManagementCoverage,
    /// A field office's name by id; a CLA's name by id.
    pub office_name: &'a dyn Fn(&str) -> String,
    pub cla_name: &'a dyn Fn(&str) -> String,
    pub forms: Option<Forms<'a>>,
    pub done: Option<&'a str>,
}

fn percent(l: L10n, p: Option<f64>) -> String {
    p.map_or_else(|| l.t("supervision-no-clas"), |p| l.percent(p))
}

fn office(l: L10n, p: &SupervisionPage<'_>, row: &CoverageRow, travel: &Travel) -> Markup {
    let max = p.coverage.max_span_of_control;
    let id = format!("office-{}", row.place_id);
    html! {
        section.supervision-office id=(id) aria-labelledby=(format!("{id}-h")) {
            h2 id=(format!("{id}-h")) { ((p.office_name)(&row.place_id)) }
            dl.facts {
                dt { (l.t("supervision-managers")) } dd { (l.count(row.managers)) }
                dt { (l.t("supervision-clas")) } dd { (l.count(row.clas)) }
                dt { (l.t("supervision-coverage")) } dd { (percent(l, row.coverage_percent)) }
            }
            @if row.spans.is_empty() {
                p.supervision-none { span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("supervision-no-manager")) } }
            } @else {
                table.supervision-spans {
                    caption { (l.t_args("supervision-spans-caption", &[("office", (p.office_name)(&row.place_id)), ("max", l.count(max))])) }
                    thead { tr {
                        th scope="col" { (l.t("supervision-col-manager")) }
                        th.num scope="col" { (l.t("supervision-col-span")) }
                        th scope="col" { (l.t("board-col-status")) }
                    } }
                    tbody {
                        @for s in &row.spans {
                            tr {
                                th scope="row" { (s.name) }
                                td.num { (l.count(s.span)) }
                                td {
                                    @if s.over_span {
                                        span.status.status-below { span aria-hidden="true" { "▲ " } (l.t_args("supervision-over-span", &[("max", l.count(max))])) }
                                    } @else {
                                        (l.t("supervision-within-span"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (l.t_args("supervision-unsupervised", &[("count", l.count(row.unsupervised.len()))])) }
            @if row.unsupervised.is_empty() {
                p { (l.t("supervision-all-supervised")) }
            } @else {
                ul.supervision-unsupervised {
                    @for staff in &row.unsupervised {
                        li { a href=(profile_link(p.code, staff, travel)) { ((p.cla_name)(staff)) } }
                    }
                }
            }
            h3 { (l.t_args("supervision-not-visited", &[("count", l.count(row.not_visited.len())), ("days", l.count(p.coverage.field_visit_interval_days))])) }
            @if row.not_visited.is_empty() {
                p { (l.t("supervision-all-visited")) }
            } @else {
                ul.supervision-not-visited {
                    @for v in &row.not_visited {
                        li {
                            a href=(travel.link(&format!("/missions/{}/bases/{}", p.code, v.base_id), &[])) { (v.name) }
                            " — "
                            @match (v.last_visit, v.days_since) {
                                (Some(d), Some(n)) => (l.t_args("list-visited-days-ago", &[("date", l.date(d)), ("days", l.count(n))])),
                                _ => (l.t("list-never-visited")),
                            }
                        }
                    }
                }
            }
        }
    }
}

fn forms(l: L10n, code: &str, f: &Forms<'_>) -> Markup {
    let empty: &[(Option<String>, String)] = &[];
    let blank = |_: &str| String::new();
    let pick = |form: &str| {
        if f.posted == Some(form) {
            (f.value, f.errors)
        } else {
            (&blank as &dyn Fn(&str) -> String, empty)
        }
    };
    let manager = || Field::Select {
        name: "managerId",
        label: l.t("supervision-field-manager"),
        options: f.managers.clone(),
    };
    let date = |name, key: &str| Field::Date {
        name,
        label: l.t(key),
    };
    let (assign_value, assign_errors) = pick("assign");
    let (visit_value, visit_errors) = pick("visit");
    let form = |which: &str, fields, (value, errors), submit: &str| {
        actions::body(
            l,
            &ActionForm {
                action: &format!("/missions/{code}/supervision/{which}"),
                csrf: f.csrf,
                intro: None,
                fields,
                value,
                errors,
                gap: None,
                submit: l.t(submit),
                back: format!("/missions/{code}/board"),
            },
        )
    };
    let select = |name, key: &str, options: &Vec<(String, String)>| Field::Select {
        name,
        label: l.t(key),
        options: options.clone(),
    };
    html! {
        section #appoint aria-labelledby="appoint-h" {
            h2 #appoint-h { (l.t("supervision-appoint-heading")) }
            (form("appoint", vec![
                select("fieldOfficeId", "supervision-field-office", &f.offices),
                Field::Text { name: "managerName", label: l.t("supervision-field-name"), hint: None },
                select("kind", "supervision-field-kind", &f.kinds),
                Field::Select {
                    name: "coordinatorId",
                    label: l.t("supervision-field-coordinator"),
                    options: f.clas.clone(),
                },
                date("appointFrom", "supervision-field-appoint-from"),
            ], pick("appoint"), "supervision-appoint-submit"))
        }
        section #leave aria-labelledby="leave-h" {
            h2 #leave-h { (l.t("supervision-leave-heading")) }
            (form("leave", vec![
                select("leavingManagerId", "supervision-field-manager", &f.managers),
                date("leavesOn", "supervision-field-leaves-on"),
            ], pick("leave"), "supervision-leave-submit"))
        }
        section #assign aria-labelledby="assign-h" {
            h2 #assign-h { (l.t("supervision-assign-heading")) }
            (actions::body(l, &ActionForm {
                action: &format!("/missions/{code}/supervision/assign"),
                csrf: f.csrf,
                intro: None,
                fields: vec![
                    manager(),
                    Field::Select { name: "staffId", label: l.t("actions-field-cla"), options: f.clas.clone() },
                    date("from", "supervision-field-from"),
                ],
                value: assign_value,
                errors: assign_errors,
                gap: None,
                submit: l.t("supervision-assign-submit"),
                back: format!("/missions/{code}/board"),
            }))
        }
        section #end aria-labelledby="end-h" {
            h2 #end-h { (l.t("supervision-end-heading")) }
            (form("end", vec![
                select("endStaffId", "actions-field-cla", &f.clas),
                date("endOn", "supervision-field-end-on"),
            ], pick("end"), "supervision-end-submit"))
        }
        section #visit aria-labelledby="visit-h" {
            h2 #visit-h { (l.t("supervision-visit-heading")) }
            (visit_form(l, code, f, manager(), visit_value, visit_errors))
        }
    }
}

fn visit_form(
    l: L10n,
    code: &str,
    f: &Forms<'_>,
    manager: Field,
    value: &dyn Fn(&str) -> String,
    errors: &[(Option<String>, String)],
) -> Markup {
    // The field names of the two forms differ (`visitFrom`, ...): one page, unique ids.
    actions::body(
        l,
        &ActionForm {
            action: &format!("/missions/{code}/supervision/visit"),
            csrf: f.csrf,
            intro: None,
            fields: vec![
                match manager {
                    Field::Select { label, options, .. } => Field::Select {
                        name: "visitManagerId",
                        label,
                        options,
                    },
                    other => other,
                },
                Field::Select {
                    name: "baseId",
                    label: l.t("actions-field-base"),
                    options: f.bases.clone(),
                },
                Field::Date {
                    name: "visitFrom",
                    label: l.t("supervision-field-visit-from"),
                },
                Field::Date {
                    name: "visitTo",
                    label: l.t("supervision-field-visit-to"),
                },
                Field::Text {
                    name: "purpose",
                    label: l.t("supervision-field-purpose"),
                    hint: None,
                },
                Field::Text {
                    name: "notes",
                    label: l.t("supervision-field-notes"),
                    hint: Some(l.t("supervision-field-notes-hint")),
                },
            ],
            value,
            errors,
            gap: None,
            submit: l.t("supervision-visit-submit"),
            back: format!("/missions/{code}/board"),
        },
    )
}

pub fn body(l: L10n, p: &SupervisionPage<'_>, travel: &Travel) -> Markup {
    let c = p.coverage;
    html! {
        @if let Some(done) = p.done {
            p.banner #supervision-done role="status" { (l.t(done)) }
        }
        dl.facts #supervision-mission {
            dt { (l.t("supervision-coverage")) } dd { (percent(l, c.mission.coverage_percent)) }
            dt { (l.t("supervision-max-span")) } dd { (l.count(c.max_span_of_control)) }
            dt { (l.t("supervision-interval")) } dd { (l.t_args("supervision-interval-days", &[("days", l.count(c.field_visit_interval_days))])) }
            dt { (l.t("supervision-unsupervised-all")) } dd { (l.count(c.mission.unsupervised.len())) }
            dt { (l.t("supervision-not-visited-all")) } dd { (l.count(c.mission.not_visited.len())) }
        }
        @for row in &c.by_field_office { (office(l, p, row, travel)) }
        @if let Some(f) = &p.forms { (forms(l, p.code, f)) }
    }
}
