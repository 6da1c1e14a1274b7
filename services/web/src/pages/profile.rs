//! A CLA's profile: status, base, supervisor, appointment, grade, languages; the restricted parts
//! (home community, phone numbers, risk flags) only where the application layers answered them
//! to this reader, "withheld" where they did not; and the full history as a timeline.

use chrono::{DateTime, NaiveDate, Utc};
use cla_platform::app::Restricted;
use cla_risk::decider::{Flag, FlagStatus};
use cla_risk::events::{Category, Severity};
use cla_staff::commands::AppointmentKind;
use cla_staff::decider::{StaffMember, StaffStatus};
use cla_staff::projections::PhoneNumberRecord;
use cla_staffing::projections::{ClaChange, ClaStaffing, RotationState};
use cla_supervision::app::SupervisorAnswer;
use cla_supervision::projections::SupervisionChange;
use maud::{Markup, html};

use super::base::absence_kind;
use crate::i18n::L10n;
use crate::travel::Travel;

/// What changed, as the context that recorded it says.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A staff event, by its stored type (`StaffActivated.v1`).
    Staff(String),
    /// A staffing change, with the names of the bases it names.
    Staffing(ClaChange, std::collections::BTreeMap<String, String>),
    Supervision(SupervisionChange),
}

/// One entry of the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub change: Change,
    pub effective: NaiveDate,
    pub recorded: DateTime<Utc>,
    pub actor_id: String,
    pub actor_role: String,
}

pub struct Profile<'a> {
    pub code: &'a str,
    pub member: &'a StaffMember,
    pub home_community: &'a Restricted<String>,
    pub phones: &'a Restricted<Vec<PhoneNumberRecord>>,
    /// The CLA's open flags (withheld from those who may not see risk detail).
    pub flags: &'a Restricted<Vec<Flag>>,
    /// The base the CLA is deployed at on the view's date, with its name.
    pub base: Option<(String, String)>,
    /// The day the current deployment there began.
    pub since: Option<NaiveDate>,
    pub supervisor: Option<&'a SupervisorAnswer>,
    /// Deployments, absences and rotations (those planned ahead included).
    pub staffing: &'a ClaStaffing,
    pub timeline: &'a [Entry],
    /// Base names by id, for the rotations.
    pub base_names: &'a std::collections::HashMap<String, String>,
    /// The reader may change this CLA's staffing (the actions are offered).
    pub may_change: bool,
    pub as_of: NaiveDate,
    /// The staff lifecycle forms the reader may use (empty where none).
    pub staff_forms: Markup,
}

pub(crate) fn status(l: L10n, s: StaffStatus) -> Markup {
    let (class, shape, key) = match s {
        StaffStatus::Onboarding => ("status status-below", "◆", "profile-status-onboarding"),
        StaffStatus::Active => ("status status-ok", "●", "profile-status-active"),
        StaffStatus::Suspended => ("status status-below", "▲", "profile-status-suspended"),
        StaffStatus::Separated => ("status status-empty", "✕", "profile-status-separated"),
    };
    html! { span class=(class) { span aria-hidden="true" { (shape) " " } (l.t(key)) } }
}

/// How well a language is spoken, in words (none where not said).
/// Languages with their levels in the reader's words: `Swahili (native), French (working)`.
pub(crate) fn languages<'a>(l: L10n, list: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    list.into_iter()
        .map(|(language, at)| match level(l, at) {
            None => language.to_string(),
            Some(level) => format!("{language} ({level})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn level(l: L10n, level: &str) -> Option<String> {
    let key = match level {
        "BASIC" => "profile-level-basic",
        "WORKING" => "profile-level-working",
        "FLUENT" => "profile-level-fluent",
        "NATIVE" => "profile-level-native",
        "" => return None,
        other => return Some(other.to_lowercase()),
    };
    Some(l.t(key))
}

fn appointment_kind(l: L10n, k: AppointmentKind) -> String {
    match k {
        AppointmentKind::Temporary => l.t("profile-appointment-temporary"),
        AppointmentKind::FixedTerm => l.t("profile-appointment-fixed-term"),
    }
}

fn category(l: L10n, c: Category) -> String {
    match c {
        Category::ThreatReceived => l.t("profile-flag-threat"),
        Category::SeenAsInformant => l.t("profile-flag-informant"),
        Category::SecurityIncident => l.t("profile-flag-incident"),
        Category::HealthWelfare => l.t("profile-flag-health"),
        Category::MissedCheckIn => l.t("profile-flag-missed-check-in"),
        Category::BaseClosureExposure => l.t("profile-flag-base-closure"),
        Category::Other | Category::Unspecified => l.t("profile-flag-other"),
    }
}

fn severity(l: L10n, s: Severity) -> String {
    match s {
        Severity::Critical => l.t("severity-critical"),
        Severity::High => l.t("severity-high"),
        Severity::Medium => l.t("severity-medium"),
        Severity::Low | Severity::Unspecified => l.t("severity-low"),
    }
}

fn base_name(names: &std::collections::BTreeMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_string())
}

/// A change, and the coverage gap accepted with it (the reason given), where one was.
fn with_gap(l: L10n, change: String, gap_accepted: &Option<String>) -> String {
    match gap_accepted {
        Some(reason) => format!(
            "{change}. {}",
            l.t_args("profile-change-gap-accepted", &[("reason", reason.clone())])
        ),
        None => change,
    }
}

/// What changed, in words.
fn what(l: L10n, c: &Change) -> String {
    match c {
        Change::Staff(event_type) => {
            let key = match event_type.split('.').next().unwrap_or_default() {
                "StaffMemberOnboarded" => "profile-change-onboarded",
                "StaffActivated" => "profile-change-activated",
                "StaffSuspended" => "profile-change-suspended",
                "StaffReinstated" => "profile-change-reinstated",
                "StaffSeparated" => "profile-change-separated",
                "AppointmentRenewed" => "profile-change-renewed",
                "GradeChanged" => "profile-change-grade",
                "IndexNumberChanged" => "profile-change-index-number",
                "StaffDetailsChanged" => "profile-change-details",
                _ => "profile-change-other",
            };
            l.t(key)
        }
        Change::Supervision(SupervisionChange::Started { manager }) => l.t_args(
            "profile-change-supervision-started",
            &[("manager", manager.clone())],
        ),
        Change::Supervision(SupervisionChange::Ended { manager }) => l.t_args(
            "profile-change-supervision-ended",
            &[("manager", manager.clone())],
        ),
        Change::Staffing(change, names) => match change {
            ClaChange::Deployed { base_id } => l.t_args(
                "profile-change-deployed",
                &[("base", base_name(names, base_id))],
            ),
            ClaChange::DeploymentEnded {
                base_id,
                gap_accepted,
            } => with_gap(
                l,
                l.t_args(
                    "profile-change-deployment-ended",
                    &[("base", base_name(names, base_id))],
                ),
                gap_accepted,
            ),
            ClaChange::RotationPlanned {
                from_base_id,
                to_base_id,
                date,
                ..
            } => l.t_args(
                "profile-change-rotation-planned",
                &[
                    ("from", base_name(names, from_base_id)),
                    ("to", base_name(names, to_base_id)),
                    ("date", date.map(|d| l.date(d)).unwrap_or_default()),
                ],
            ),
            ClaChange::RotationCompleted {
                from_base_id,
                to_base_id,
                gap_accepted,
                ..
            } => with_gap(
                l,
                l.t_args(
                    "profile-change-rotation-completed",
                    &[
                        ("from", base_name(names, from_base_id)),
                        ("to", base_name(names, to_base_id)),
                    ],
                ),
                gap_accepted,
            ),
            ClaChange::RotationCancelled { .. } => l.t("profile-change-rotation-cancelled"),
            ClaChange::AbsenceRecorded { kind, from, to, .. } => l.t_args(
                "profile-change-absence",
                &[
                    ("kind", absence_kind(l, *kind)),
                    ("from", from.map(|d| l.date(d)).unwrap_or_default()),
                    ("to", to.map(|d| l.date(d)).unwrap_or_default()),
                ],
            ),
            ClaChange::AbsenceCutShort { to, .. } => l.t_args(
                "profile-change-absence-cut-short",
                &[("to", to.map(|d| l.date(d)).unwrap_or_default())],
            ),
            ClaChange::AbsenceCancelled { .. } => l.t("profile-change-absence-cancelled"),
            ClaChange::ExposedByBaseClosing { base_id } => l.t_args(
                "profile-change-exposed",
                &[("base", base_name(names, base_id))],
            ),
        },
    }
}

pub fn body(l: L10n, p: &Profile<'_>, travel: &Travel) -> Markup {
    let m = p.member;
    let code = p.code;
    let staff = &m.id;
    let action = |name: &str| format!("/missions/{code}/actions/{name}?staff={staff}");
    html! {
        dl.facts {
            dt { (l.t("profile-status")) } dd { (status(l, m.status)) }
            dt { (l.t("profile-base")) }
            dd {
                @match &p.base {
                    Some((id, name)) => {
                        a href=(travel.link(&format!("/missions/{code}/bases/{id}"), &[])) { (name) }
                        @if let Some(since) = p.since {
                            ", " (l.t_args("profile-tour", &[("date", l.date(since)), ("days", l.count((p.as_of - since).num_days()))]))
                        }
                    }
                    None => (l.t("profile-not-deployed")),
                }
            }
            dt { (l.t("profile-supervisor")) }
            dd {
                @match p.supervisor {
                    Some(s) => (l.t_args("profile-supervisor-since", &[("name", s.name.clone()), ("date", l.date(s.since))])),
                    None => span.status.status-below { span aria-hidden="true" { "▲ " } (l.t("profile-unsupervised")) },
                }
            }
            dt { (l.t("profile-appointment")) }
            dd { (l.t_args("profile-appointment-dates", &[("kind", appointment_kind(l, m.appointment.kind)), ("from", l.date(m.appointment.start)), ("to", l.date(m.appointment.end))])) }
            dt { (l.t("profile-grade")) } dd { (m.grade) }
            dt { (l.t("profile-index-number")) } dd { (m.index_number) }
            dt { (l.t("profile-languages")) }
            dd { (languages(l, m.languages.iter().map(|x| (x.language.as_str(), x.level.as_str())))) }
            dt { (l.t("profile-home-community")) }
            dd #home-community {
                @match p.home_community {
                    Restricted::Shown(h) => (h),
                    Restricted::Withheld => (super::withheld(l)),
                    Restricted::Erased => (super::erased(l)),
                }
            }
            dt { (l.t("profile-phones")) }
            dd #phones {
                @match p.phones {
                    Restricted::Shown(numbers) => {
                        @let current: Vec<&PhoneNumberRecord> = numbers.iter().filter(|n| n.to.is_none()).collect();
                        @if current.is_empty() { (l.t("profile-phones-none")) } @else {
                            (current.iter().map(|n| n.phone_number.clone()).collect::<Vec<_>>().join(", "))
                        }
                    }
                    Restricted::Withheld => (super::withheld(l)),
                    Restricted::Erased => (super::erased(l)),
                }
            }
        }
        @if p.may_change && p.base.is_some() {
            ul.actions {
                li { a.button href=(action("end-deployment")) { (l.t("profile-end-deployment")) } }
                li { a.button href=(action("plan-rotation")) { (l.t("profile-plan-rotation")) } }
                li { a.button href=(action("absence")) { (l.t("profile-record-absence")) } }
            }
        }
        (p.staff_forms)
        p { a #profile-channels href=(format!("/missions/{code}/staff/{staff}/channels")) { (l.t("channels-link")) } }
        h2 { (l.t("profile-risk")) }
        @match p.flags {
            Restricted::Withheld => p #risk { (super::withheld(l)) " " span.note { (l.t("profile-risk-withheld")) } },
            Restricted::Erased => p #risk { (super::erased(l)) },
            Restricted::Shown(flags) => {
                @let open: Vec<&Flag> = flags.iter().filter(|f| f.status != FlagStatus::Closed).collect();
                @if open.is_empty() { p #risk { (l.t("profile-risk-none")) } } @else {
                    table #risk {
                        caption { (l.t("profile-risk-caption")) }
                        thead { tr {
                            th scope="col" { (l.t("profile-col-category")) }
                            th scope="col" { (l.t("profile-col-severity")) }
                            th scope="col" { (l.t("profile-col-raised")) }
                            th scope="col" { (l.t("profile-col-review-due")) }
                        } }
                        tbody { @for f in open { tr {
                            th scope="row" { a href=(format!("/missions/{code}/risk/{}", f.id)) { (category(l, f.category)) } }
                            td { (severity(l, f.severity)) }
                            td { (l.date(f.raised_on)) }
                            td { (l.date(f.review_due)) @if f.review_due < p.as_of { " " span.status.status-empty { span aria-hidden="true" { "✕ " } (l.t("profile-review-overdue")) } } }
                        } } }
                    }
                }
                p { a href=(format!("/missions/{code}/risk?staff={staff}#risk-raise")) { (l.t("risk-profile-raise")) } }
            }
        }
        h2 { (l.t("profile-absences")) }
        @if p.staffing.absences.is_empty() { p { (l.t("profile-absences-none")) } } @else {
            ul #absences { @for a in &p.staffing.absences {
                li {
                    (l.t_args("profile-absence", &[("kind", absence_kind(l, a.kind)), ("from", l.date(a.from)), ("to", l.date(a.to))]))
                    @if p.may_change && a.to >= p.as_of {
                        " " a href=(format!("/missions/{code}/actions/cut-absence-short?staff={staff}&absence={}", a.id)) { (l.t("actions-cut-absence-short-link")) }
                        " · " a href=(format!("/missions/{code}/actions/cancel-absence?staff={staff}&absence={}", a.id)) { (l.t("actions-cancel-absence-link")) }
                    }
                }
            } }
        }
        h2 { (l.t("profile-rotations")) }
        @let rotations: Vec<_> = p.staffing.rotations.iter().filter(|r| matches!(r.state, RotationState::Planned | RotationState::Overdue)).collect();
        @if rotations.is_empty() { p { (l.t("profile-rotations-none")) } } @else {
            ul #rotations { @for r in rotations {
                li {
                    (l.t_args("profile-rotation", &[("to", p.base_names.get(&r.to_base_id).cloned().unwrap_or_else(|| r.to_base_id.clone())), ("date", l.date(r.date))]))
                    @if r.state == RotationState::Overdue { " " span.status.status-empty { span aria-hidden="true" { "✕ " } (l.t("rotation-overdue")) } }
                    @if p.may_change {
                        " " a href=(format!("/missions/{code}/actions/complete-rotation?staff={staff}&rotation={}", r.id)) { (l.t("profile-rotation-complete")) }
                        " · " a href=(format!("/missions/{code}/actions/cancel-rotation?staff={staff}&rotation={}", r.id)) { (l.t("profile-rotation-cancel")) }
                    }
                }
            } }
        }
        h2 #history { (l.t("profile-history")) }
        ol.timeline #timeline {
            @for e in p.timeline {
                li {
                    strong { (l.date(e.effective)) } " — " (what(l, &e.change))
                    br;
                    span.note { (l.t_args("profile-recorded-by", &[("at", l.date_time(e.recorded)), ("who", e.actor_id.clone()), ("role", e.actor_role.clone())])) }
                }
            }
        }
    }
}
