//! The staff directory of a mission (filters as a GET form, a table with a link per person, the
//! counts), and the lifecycle forms of a staff member's profile. The home community is shown only
//! where the application layer answered it to this reader.

use chrono::NaiveDate;
use cla_platform::app::Restricted;
use cla_staff::app::StaffAnswer;
use cla_staff::decider::StaffStatus;
use cla_staff::events::Gender;
use cla_staff::projections::GradeCategory;
use maud::{Markup, html};

use super::profile::{languages, status};
use super::recruit::{FormSpec, form};
use crate::i18n::L10n;
use crate::travel::Travel;

/// The directory's filters, as read from its query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    pub field_office: Option<String>,
    pub status: Option<StaffStatus>,
    pub category: Option<GradeCategory>,
    pub language: Option<String>,
    pub gender: Option<Gender>,
    /// Appointments ending within this many days of the page's date.
    pub ending_within: Option<i64>,
}

pub struct Directory<'a> {
    pub code: &'a str,
    pub rows: &'a [StaffAnswer],
    /// The mission's field offices (id, name), by name.
    pub offices: &'a [(String, String)],
    pub filters: &'a Filters,
    /// Filters that could not be read, with what to say beside them.
    pub errors: &'a [(&'static str, String)],
    pub may_register: bool,
    pub as_of: NaiveDate,
}

const STATUSES: [(StaffStatus, &str, &str); 4] = [
    (
        StaffStatus::Onboarding,
        "onboarding",
        "profile-status-onboarding",
    ),
    (StaffStatus::Active, "active", "profile-status-active"),
    (
        StaffStatus::Suspended,
        "suspended",
        "profile-status-suspended",
    ),
    (
        StaffStatus::Separated,
        "separated",
        "profile-status-separated",
    ),
];

pub(crate) fn gender_key(g: Gender) -> &'static str {
    match g {
        Gender::Female => "staff-gender-female",
        Gender::Male => "staff-gender-male",
        Gender::Other => "staff-gender-other",
        Gender::Unspecified => "staff-gender-unspecified",
    }
}

fn category_key(c: GradeCategory) -> &'static str {
    match c {
        GradeCategory::GeneralService => "staff-category-gs",
        GradeCategory::NationalOfficer => "staff-category-no",
    }
}

pub fn directory(l: L10n, d: &Directory<'_>, travel: &Travel) -> Markup {
    let action = format!("/missions/{}/staff", d.code);
    let f = d.filters;
    let error = |name: &str| {
        d.errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m.clone())
    };
    let office_name = |id: &str| {
        d.offices
            .iter()
            .find(|(o, _)| o == id)
            .map_or(id.to_string(), |(_, n)| n.clone())
    };
    let described = |name: &str| error(name).map(|_| format!("staff-{name}-error"));
    let shown_home = d
        .rows
        .iter()
        .any(|a| matches!(a.home_community, Restricted::Shown(_)));
    let count = |s: StaffStatus| d.rows.iter().filter(|a| a.member.status == s).count();
    let women = d
        .rows
        .iter()
        .filter(|a| a.member.gender == Gender::Female)
        .count();
    html! {
        @if d.may_register {
            p { a.button #staff-register href=(format!("/missions/{}/staff/new", d.code)) { (l.t("staff-register-link")) } }
        }
        form.filters #staff-filters method="get" action=(action) {
            @for (name, value) in travel.pairs() {
                input type="hidden" name=(name) value=(value);
            }
            label for="staff-fieldOffice" {
                (l.t("staff-filter-field-office"))
                select #staff-fieldOffice name="fieldOffice" {
                    option value="" { (l.t("staff-all")) }
                    @for (id, name) in d.offices {
                        option value=(id) selected[f.field_office.as_deref() == Some(id)] { (name) }
                    }
                }
            }
            label for="staff-status" {
                (l.t("staff-filter-status"))
                select #staff-status name="status" aria-describedby=[described("status")] {
                    option value="" { (l.t("staff-all")) }
                    @for (s, value, key) in STATUSES {
                        option value=(value) selected[f.status == Some(s)] { (l.t(key)) }
                    }
                }
            }
            @if let Some(m) = error("status") { span.error #staff-status-error { (m) } }
            label for="staff-category" {
                (l.t("staff-filter-category"))
                select #staff-category name="category" aria-describedby=[described("category")] {
                    option value="" { (l.t("staff-all")) }
                    @for (c, value) in [(GradeCategory::GeneralService, "gs"), (GradeCategory::NationalOfficer, "no")] {
                        option value=(value) selected[f.category == Some(c)] { (l.t(category_key(c))) }
                    }
                }
            }
            @if let Some(m) = error("category") { span.error #staff-category-error { (m) } }
            label for="staff-language" {
                (l.t("staff-filter-language"))
                input #staff-language type="text" name="language" maxlength="60" value=[f.language.as_deref()];
            }
            label for="staff-gender" {
                (l.t("staff-filter-gender"))
                select #staff-gender name="gender" aria-describedby=[described("gender")] {
                    option value="" { (l.t("staff-all")) }
                    @for (g, value) in [(Gender::Female, "female"), (Gender::Male, "male"), (Gender::Other, "other")] {
                        option value=(value) selected[f.gender == Some(g)] { (l.t(gender_key(g))) }
                    }
                }
            }
            @if let Some(m) = error("gender") { span.error #staff-gender-error { (m) } }
            label for="staff-endingWithin" {
                (l.t("staff-filter-ending-within"))
                input #staff-endingWithin type="number" name="endingWithin" min="0" max="3650" inputmode="numeric"
                    value=[f.ending_within.map(|n| n.to_string())]
                    aria-describedby=[described("endingWithin")] aria-invalid=[error("endingWithin").map(|_| "true")];
            }
            @if let Some(m) = error("endingWithin") { span.error #staff-endingWithin-error { (m) } }
            button type="submit" { (l.t("staff-filter-apply")) }
            a href=(travel.link(&action, &[])) { (l.t("staff-filter-clear")) }
        }
        @if d.errors.is_empty() {
            table #staff-counts {
                caption { (l.t_args("staff-counts-caption", &[("date", l.date(d.as_of))])) }
                tbody {
                    tr { th scope="row" { (l.t("staff-count-listed")) } td.num #staff-count { (l.count(d.rows.len())) } }
                    @for (s, value, key) in STATUSES {
                        tr { th scope="row" { (l.t(key)) } td.num id=(format!("staff-count-{value}")) { (l.count(count(s))) } }
                    }
                    tr { th scope="row" { (l.t("staff-count-women")) } td.num #staff-count-women { (l.count(women)) } }
                }
            }
            @if d.rows.is_empty() {
                p #staff-none { (l.t("staff-none")) }
            } @else {
                table #staff-list {
                    caption { (l.t("staff-list-caption")) }
                    thead { tr {
                        th scope="col" { (l.t("staff-col-name")) }
                        th scope="col" { (l.t("staff-col-index-number")) }
                        th scope="col" { (l.t("staff-col-grade")) }
                        th scope="col" { (l.t("staff-col-status")) }
                        th scope="col" { (l.t("staff-col-field-office")) }
                        th scope="col" { (l.t("staff-col-gender")) }
                        th scope="col" { (l.t("staff-col-languages")) }
                        th scope="col" { (l.t("staff-col-appointment-end")) }
                        @if shown_home { th scope="col" { (l.t("staff-col-home-community")) } }
                    } }
                    tbody {
                        @for a in d.rows {
                            @let m = &a.member;
                            tr {
                                th scope="row" { a href=(travel.link(&format!("/missions/{}/staff/{}", d.code, m.id), &[])) { (m.name) } }
                                td { (m.index_number) }
                                td { (m.grade) }
                                td { (status(l, m.status)) }
                                td { (office_name(&m.place.field_office_id)) }
                                td { (l.t(gender_key(m.gender))) }
                                td { (languages(l, m.languages.iter().map(|x| (x.language.as_str(), x.level.as_str())))) }
                                td { (l.date(m.appointment.end)) }
                                @if shown_home {
                                    td { @match &a.home_community {
                                        Restricted::Shown(h) => (h),
                                        Restricted::Withheld => (super::withheld(l)),
                                        Restricted::Erased => (super::erased(l)),
                                    } }
                                }
                            }
                        }
                    }
                }
            }
            @if !shown_home && !d.rows.is_empty() {
                p.note #staff-home-withheld { (l.t("staff-home-community-withheld")) }
            }
        }
    }
}

/// A lifecycle form as drawn: its legend, and the form (folded on the profile).
pub struct StepForm<'a> {
    pub legend: String,
    pub spec: FormSpec<'a>,
}

fn step(l: L10n, f: &StepForm<'_>) -> Markup {
    html! {
        details.staff-step id=(f.spec.id) {
            summary { (f.legend) }
            (form(l, &f.spec))
        }
    }
}

/// The profile's section of lifecycle forms (empty where the reader may not act).
pub fn lifecycle(
    l: L10n,
    done: Option<Markup>,
    note: Option<String>,
    forms: Vec<StepForm<'_>>,
) -> Markup {
    html! {
        section #staff-actions aria-labelledby="staff-actions-title" {
            h2 #staff-actions-title { (l.t("staff-actions-title")) }
            @if let Some(d) = done { (d) }
            @if let Some(n) = note { p.note { (n) } }
            @for f in &forms { (step(l, f)) }
        }
    }
}

/// One form on a page of its own, with the way back.
pub fn step_page(l: L10n, f: StepForm<'_>, back: &str) -> Markup {
    html! {
        section.staff-step id=(f.spec.id) { (form(l, &f.spec)) }
        p { a href=(back) { (l.t("staff-back")) } }
    }
}

/// What a profile says after a staff form was done, from its `done` parameter.
pub fn done(l: L10n, done: Option<&str>) -> Option<Markup> {
    let key = match done? {
        "register" => "staff-done-register",
        "activate" => "staff-done-activate",
        "suspend" => "staff-done-suspend",
        "reinstate" => "staff-done-reinstate",
        "renew" => "staff-done-renew",
        "regrade" => "staff-done-regrade",
        "index-number" => "staff-done-index-number",
        "details" => "staff-done-details",
        "separate" => "staff-done-separate",
        _ => return None,
    };
    Some(html! { p.banner #staff-done role="status" { (l.t(key)) } })
}
