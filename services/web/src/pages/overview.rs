//! The mission overview: today's numbers a manager must act on, each a link to its list.

use maud::{Markup, html};

use crate::i18n::L10n;
use crate::travel::Travel;

/// Open risk flags by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Severities {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

/// The overview's figures, as the application layers answered them for this reader. `None`:
/// withheld from this reader (too few CLAs for a count not to single one out).
#[derive(Clone, Debug, PartialEq)]
pub struct Overview {
    pub mission_code: String,
    pub mission_name: String,
    pub bases: usize,
    pub below_minimum: usize,
    pub empty: usize,
    /// Bases with one CLA there (effective strength 1).
    pub lone: usize,
    pub overdue_check_ins: Option<usize>,
    pub open_flags: Option<Severities>,
    pub overdue_reviews: Option<usize>,
    pub rotations_overdue: usize,
    /// Planned within the next 30 days.
    pub rotations_due: usize,
    pub appointments_ending: usize,
    pub unsupervised: usize,
    pub not_visited: usize,
    pub visit_interval_days: u32,
    pub supervision_percent: Option<f64>,
}

/// One figure: its number (or "withheld"), what it counts, a link to its list.
fn figure(l: L10n, n: Option<usize>, label: String, href: String) -> Markup {
    html! {
        li {
            a href=(href) {
                span.n { @match n { Some(n) => (l.count(n)), None => (super::withheld(l)) } }
                span.label { (label) }
            }
        }
    }
}

pub fn body(l: L10n, o: &Overview, travel: &Travel) -> Markup {
    let base = format!("/missions/{}", o.mission_code);
    let board = |status: &str| {
        travel.link(
            &format!("{base}/board"),
            &[("status", status.into()), ("sort", "shortfall".into())],
        )
    };
    let list = |kind: &str| travel.link(&format!("{base}/lists/{kind}"), &[]);
    let flags = o.open_flags;
    let severity = |pick: fn(&Severities) -> u32| flags.as_ref().map(|f| pick(f) as usize);
    html! {
        p.note { (l.t_args("overview-intro", &[("name", o.mission_name.clone()), ("bases", l.count(o.bases))])) }
        section aria-labelledby="coverage" {
            h2 #coverage { (l.t("overview-coverage")) }
            ul.figures {
                (figure(l, Some(o.below_minimum), l.t("overview-below-minimum"), board("below_minimum")))
                (figure(l, Some(o.empty), l.t("overview-empty"), board("empty")))
                (figure(l, Some(o.lone), l.t("overview-lone"), list("lone")))
            }
        }
        section aria-labelledby="welfare" {
            h2 #welfare { (l.t("overview-welfare")) }
            ul.figures {
                (figure(l, o.overdue_check_ins, l.t("overview-overdue-check-ins"), list("overdue")))
                (figure(l, severity(|f| f.critical), l.t("overview-flags-critical"), list("flags")))
                (figure(l, severity(|f| f.high), l.t("overview-flags-high"), list("flags")))
                (figure(l, severity(|f| f.medium), l.t("overview-flags-medium"), list("flags")))
                (figure(l, severity(|f| f.low), l.t("overview-flags-low"), list("flags")))
                (figure(l, o.overdue_reviews, l.t("overview-reviews-overdue"), list("flags")))
            }
            @if flags.is_none() {
                p.note { (l.t("overview-withheld-note")) }
            }
        }
        section aria-labelledby="staffing" {
            h2 #staffing { (l.t("overview-staffing")) }
            ul.figures {
                (figure(l, Some(o.rotations_overdue), l.t("overview-rotations-overdue"), list("rotations")))
                (figure(l, Some(o.rotations_due), l.t("overview-rotations-due"), list("rotations")))
                (figure(l, Some(o.appointments_ending), l.t("overview-appointments-ending"), list("appointments")))
            }
        }
        section aria-labelledby="supervision" {
            h2 #supervision { (l.t("overview-supervision")) }
            ul.figures {
                (figure(l, Some(o.unsupervised), l.t("overview-unsupervised"), list("unsupervised")))
                (figure(l, Some(o.not_visited), l.t_args("overview-not-visited", &[("days", l.count(o.visit_interval_days))]), list("not-visited")))
            }
            @if let Some(p) = o.supervision_percent {
                p { (l.t_args("overview-supervision-percent", &[("percent", l.percent(p))])) }
            }
        }
    }
}
