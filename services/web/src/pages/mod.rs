//! The pages: a frame every page shares ([`frame`]), and one module per screen. A page is a
//! function from what the application layer answered (already shaped for the caller) to HTML;
//! every string comes from the catalogues through [`L10n`].

pub mod actions;
pub mod alerts;
pub mod base;
pub mod board;
pub mod check_ins;
pub mod field_admin;
pub mod imports;
pub mod incident;
pub mod incidents;
pub mod lists;
pub mod overview;
pub mod planner;
pub mod privacy;
pub mod profile;
pub mod recruit;
pub mod refusal;
pub mod review;
pub mod risk;
pub mod setup;
pub mod sign_in;
pub mod staff;
pub mod supervision;

use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::i18n::{L10n, Lang};
use crate::session::Session;
use crate::travel::{BadTravel, Travel};

/// What the frame around a page needs.
pub struct Frame<'a> {
    pub l: L10n,
    pub title: String,
    pub session: Option<&'a Session>,
    /// The token this page's forms carry.
    pub csrf: &'a str,
    /// This page's path and query: where the language switch comes back to.
    pub here: &'a str,
    /// The mission the page is about: the navigation links to its screens.
    pub mission: Option<&'a str>,
    /// The time-travel form, where the page answers "as of".
    pub travel: Option<TravelForm<'a>>,
}

/// The time-travel form: GET to `action`, keeping the page's other parameters.
pub struct TravelForm<'a> {
    pub action: &'a str,
    pub travel: &'a Travel,
    pub keep: Vec<(&'static str, String)>,
    pub error: Option<BadTravel>,
}

/// The frame: header (navigation, who is signed in, the language switch, sign-out), the page's
/// title, the time-travel form, the body.
pub fn frame(f: Frame<'_>, body: Markup) -> Markup {
    let l = f.l;
    let other = match l.lang {
        Lang::En => Lang::Fr,
        Lang::Fr => Lang::En,
    };
    html! {
        (DOCTYPE)
        html lang=(l.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (f.title) " — " (l.t("app-name")) }
                link rel="stylesheet" href=(assets::href(&assets::STYLE));
                // No inline style from htmx: the pages' policy allows none.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false}"#;
                script src=(assets::href(&assets::HTMX)) defer {}
            }
            body {
                a.skip href="#main" { (l.t("skip-to-content")) }
                header {
                    a.app href="/" { (l.t("app-name")) }
                    @if let Some(code) = f.mission {
                        @let travel = f.travel.as_ref().map(|t| t.travel.clone()).unwrap_or_default();
                        nav aria-label=(l.t("nav-label")) {
                            ul.nav-top {
                                li { a href=(travel.link(&format!("/missions/{code}"), &[])) { (l.t("nav-overview")) } }
                                li { a href="/" { (l.t("nav-missions")) } }
                            }
                            div.nav-group role="group" aria-labelledby="nav-group-staffing" {
                                span.nav-group-label #nav-group-staffing { (l.t("nav-group-staffing")) }
                                ul {
                                    li { a href=(travel.link(&format!("/missions/{code}/board"), &[])) { (l.t("nav-board")) } }
                                    li { a href=(travel.link(&format!("/missions/{code}/rotations"), &[])) { (l.t("planner-nav")) } }
                                    li { a href=(travel.link(&format!("/missions/{code}/staff"), &[])) { (l.t("staff-nav")) } }
                                    li { a href=(format!("/missions/{code}/recruitment")) { (l.t("recruit-nav")) } }
                                }
                            }
                            div.nav-group role="group" aria-labelledby="nav-group-safety" {
                                span.nav-group-label #nav-group-safety { (l.t("nav-group-safety")) }
                                ul {
                                    li { a href=(format!("/missions/{code}/check-ins")) { (l.t("checkins-nav")) } }
                                    li { a href=(format!("/missions/{code}/alerts")) { (l.t("alerts-nav")) } }
                                    li { a href=(format!("/missions/{code}/incidents")) { (l.t("incidents-nav")) } }
                                    @if f.session.is_some_and(|s| s.roles.iter().any(|r| cla_field::app::RESOLVERS.contains(r) || cla_field::app::FOLLOW_UP_READERS.contains(r))) { li { a href=(format!("/missions/{code}/sms")) { (l.t("sms-nav")) } } }
                                    li { a href=(travel.link(&format!("/missions/{code}/risk"), &[])) { (l.t("risk-nav")) } }
                                }
                            }
                            div.nav-group role="group" aria-labelledby="nav-group-management" {
                                span.nav-group-label #nav-group-management { (l.t("nav-group-management")) }
                                ul {
                                    li { a href=(travel.link(&format!("/missions/{code}/supervision"), &[])) { (l.t("supervision-nav")) } }
                                    li { a href=(travel.link(&format!("/missions/{code}/review"), &[])) { (l.t("review-nav")) } }
                                    li { a href=(format!("/missions/{code}/setup")) { (l.t("setup-nav")) } }
                                }
                            }
                        }
                    }
                    div.who {
                        @if let Some(s) = f.session {
                            span { (l.t_args("signed-in-as", &[("name", s.name.clone())])) }
                        }
                        form method="post" action="/language" {
                            input type="hidden" name="csrf" value=(f.csrf);
                            input type="hidden" name="back" value=(f.here);
                            input type="hidden" name="lang" value=(other.code());
                            button type="submit" lang=(other.code()) { (l.t("language-switch")) }
                        }
                        @if f.session.is_some() {
                            form method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(f.csrf);
                                button type="submit" { (l.t("sign-out")) }
                            }
                        }
                    }
                }
                main #main {
                    h1 { (f.title) }
                    @if let Some(t) = &f.travel {
                        (travel_form(l, t))
                    }
                    (body)
                }
                footer { (l.t("footer-text")) }
            }
        }
    }
}

fn travel_form(l: L10n, t: &TravelForm<'_>) -> Markup {
    let as_of = t.travel.as_of.map(|d| d.format("%Y-%m-%d").to_string());
    let known_at = t
        .travel
        .known_at
        .map(|d| d.format("%Y-%m-%dT%H:%M").to_string());
    let error = |field: &str| {
        t.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| l.t(e.key))
    };
    html! {
        @if let Some(at) = t.travel.known_at {
            p.banner role="status" { (l.t_args("travel-known-at-banner", &[("at", l.date_time(at))])) }
        }
        form.travel method="get" action=(t.action) {
            @for (name, value) in &t.keep {
                @if !value.is_empty() {
                    input type="hidden" name=(name) value=(value);
                }
            }
            label for="asOf" {
                (l.t("travel-as-of"))
                input #asOf type="date" name="asOf" value=[as_of] aria-describedby=[error("asOf").map(|_| "asOf-error")];
            }
            @if let Some(message) = error("asOf") {
                span.error #asOf-error { (message) }
            }
            label for="knownAt" {
                (l.t("travel-known-at"))
                input #knownAt type="datetime-local" name="knownAt" value=[known_at] aria-describedby=[error("knownAt").map(|_| "knownAt-error")];
            }
            @if let Some(message) = error("knownAt") {
                span.error #knownAt-error { (message) }
            }
            button type="submit" { (l.t("travel-apply")) }
            @if t.travel.is_asked() {
                a href=(t.action) { (l.t("travel-today")) }
            }
        }
    }
}

/// A count the reader may not see: the word saying so, and why in a tooltip-free note.
pub fn withheld(l: L10n) -> Markup {
    html! { span.withheld { (l.t("count-withheld")) } }
}

/// A restricted value erased with the person's personal data (their key destroyed).
pub fn erased(l: L10n) -> Markup {
    html! { span.withheld { (l.t("personal-erased")) } }
}
