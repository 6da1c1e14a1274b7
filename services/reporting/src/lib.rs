//! The HQ staffing review: per mission and overall, for one date or as a monthly series. Built
//! from every context's public read models; counts and shares only, never a person.
//!
//! - `lib.rs` — the figures of a mission, and of several together;
//! - `app.rs` — the application layer: the review and the series, taking the caller;
//! - `graphql.rs` — the GraphQL part: mapping only.

use async_graphql::SimpleObject;
use chrono::Duration;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;
use cla_risk::RiskView;
use cla_staff::StaffView;
use cla_staff::decider::StaffStatus;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;
use cla_supervision::SupervisionView;

pub mod app;
pub mod graphql;

pub use app::ReportingApp;
pub use graphql::ReportingQuery;

/// The figures of one mission, or of all of them together.
#[derive(SimpleObject, Clone, Debug, Default, PartialEq)]
pub struct ReviewFigures {
    /// A mission code, or `ALL`.
    pub scope: String,
    /// Staff members not separated.
    pub clas: u32,
    pub deployed: u32,
    /// Open and closing bases.
    pub bases: u32,
    pub bases_at_minimum: u32,
    /// Open and closing bases at their minimum, in percent (0–100).
    pub bases_at_minimum_percent: Option<f64>,
    /// Open posts of budgeted posts, in percent (0–100).
    // A share (0–1) here (the CSV's `vacancy_rate`); in percent in the schema.
    #[graphql(
        skip,
        derived(
            name = "vacancy_percent",
            into = "Option<f64>",
            with = "cla_platform::graphql::percent",
            owned = true
        )
    )]
    pub vacancy_rate: Option<f64>,
    pub mean_time_to_fill_days: Option<f64>,
    /// Women among staff members not separated, in percent (0–100).
    // A share (0–1) here (the CSV's `share_of_women`); in percent in the schema.
    #[graphql(
        skip,
        derived(
            name = "women_percent",
            into = "Option<f64>",
            with = "cla_platform::graphql::percent",
            owned = true
        )
    )]
    pub share_of_women: Option<f64>,
    pub open_flags_low: u32,
    pub open_flags_medium: u32,
    pub open_flags_high: u32,
    pub open_flags_critical: u32,
    /// True where the open flag counts and the check-in compliance are withheld from this
    /// reader: the mission has fewer than 3 CLAs, or its figures would let a smaller mission's
    /// be worked out. The counts are then 0 and the compliance null, and say nothing. Never
    /// withheld from those who see the mission's risk detail.
    pub open_flags_withheld: bool,
    /// Deployed CLAs with a supervisor, in percent.
    pub supervision_coverage_percent: Option<f64>,
    /// Check-ins made of those due over the 30 days to the date, in percent.
    pub check_in_compliance_percent: Option<f64>,
    /// Deployed CLAs past the mission's maximum tour at one base.
    pub rotations_due: u32,
    /// Staff members whose appointment ends within 60 days.
    pub appointments_ending_60_days: u32,
    // Internal sums for the overall row.
    #[graphql(skip)]
    sums: Sums,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Sums {
    women: u32,
    supervised: u32,
    made: u32,
    missed: u32,
    budgeted: u32,
    open_posts: u32,
    fill_days: f64,
    fills: u32,
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn percent(part: u32, whole: u32) -> Option<f64> {
    share(part, whole).map(|s| s * 100.0)
}

/// The read models the review reads.
pub struct Sources<'a> {
    pub registry: &'a RegistryView,
    pub staff: &'a StaffView,
    pub staffing: &'a StaffingView,
    pub risk: &'a RiskView,
    pub supervision: &'a SupervisionView,
}

impl Sources<'_> {
    pub fn mission(&self, code: &str, view: &View) -> AppResult<ReviewFigures> {
        let m = self.registry.mission(code, view).ok_or_else(|| {
            AppError::not_found(
                "missionCode",
                format!("no mission {code} as of {}", view.as_of),
            )
        })?;
        let day = view.as_of;
        let members = self.staff.members(code, view);
        let staff: Vec<_> = members
            .iter()
            .filter(|s| s.status != StaffStatus::Separated)
            .collect();
        let women = staff
            .iter()
            .filter(|s| s.gender == cla_staff::events::Gender::Female)
            .count() as u32;
        let ending = staff
            .iter()
            .filter(|s| s.appointment.end >= day && s.appointment.end <= day + Duration::days(60))
            .count() as u32;
        let state = self.staffing.staffing(code, view);
        let availability = self.staffing.availability(code, view, false);
        let max_tour_days = i64::from(m.policy.max_tour_months) * 365 / 12;
        let bases: Vec<_> = self
            .registry
            .bases(code, view)
            .into_iter()
            .filter(|b| b.status != BaseStatus::Closed)
            .collect();
        let mut deployed_total = 0;
        let mut at_minimum = 0;
        let mut rotations_due = 0;
        let on_day = OnDay::of(&state, day, &availability);
        for b in &bases {
            let here = on_day.deployed(&b.id);
            deployed_total += here.len() as u32;
            rotations_due += here
                .iter()
                .filter(|d| (day - d.from).num_days() > max_tour_days)
                .count() as u32;
            let minimum = b
                .details
                .minimum_override
                .unwrap_or(m.policy.minimum_clas_per_base);
            if on_day.strength(&b.id) >= minimum {
                at_minimum += 1;
            }
        }
        let recruitment =
            cla_staff::projections::pipeline(code, &self.staff.vacancies(code, view), day);
        let flags = cla_risk::projections::open_flag_counts(self.risk, code, view);
        let coverage = cla_supervision::projections::management_coverage(
            self.registry,
            self.staffing,
            self.supervision,
            code,
            view,
        )?;
        let supervised = coverage.mission.clas - coverage.mission.unsupervised.len() as u32;
        let cla_risk::projections::CheckInCounts { made, missed } =
            cla_risk::projections::mission_check_ins(self.risk, self.staffing, code, view);
        let fills = recruitment.posts_filled as u32;
        Ok(ReviewFigures {
            scope: code.to_string(),
            clas: staff.len() as u32,
            deployed: deployed_total,
            bases: bases.len() as u32,
            bases_at_minimum: at_minimum,
            bases_at_minimum_percent: percent(at_minimum, bases.len() as u32),
            vacancy_rate: recruitment.vacancy_rate,
            mean_time_to_fill_days: recruitment.mean_time_to_fill_days,
            share_of_women: share(women, staff.len() as u32),
            open_flags_low: flags.low,
            open_flags_medium: flags.medium,
            open_flags_high: flags.high,
            open_flags_critical: flags.critical,
            open_flags_withheld: false,
            supervision_coverage_percent: percent(supervised, coverage.mission.clas),
            check_in_compliance_percent: percent(made, made + missed),
            rotations_due,
            appointments_ending_60_days: ending,
            sums: Sums {
                women,
                supervised,
                made,
                missed,
                budgeted: recruitment.posts_budgeted as u32,
                open_posts: recruitment.posts_open as u32,
                fill_days: recruitment.mean_time_to_fill_days.unwrap_or(0.0) * f64::from(fills),
                fills,
            },
        })
    }
}

impl ReviewFigures {
    /// The open flag counts and the check-in compliance withheld (see
    /// [`ReviewFigures::open_flags_withheld`]).
    pub fn withhold_flags(&mut self) {
        self.check_in_compliance_percent = None;
        self.open_flags_low = 0;
        self.open_flags_medium = 0;
        self.open_flags_high = 0;
        self.open_flags_critical = 0;
        self.open_flags_withheld = true;
    }
}

/// The figures of several missions together.
pub fn overall(rows: &[ReviewFigures]) -> ReviewFigures {
    let mut s = Sums::default();
    let mut o = ReviewFigures {
        scope: "ALL".into(),
        ..Default::default()
    };
    for r in rows {
        o.clas += r.clas;
        o.deployed += r.deployed;
        o.bases += r.bases;
        o.bases_at_minimum += r.bases_at_minimum;
        o.open_flags_low += r.open_flags_low;
        o.open_flags_medium += r.open_flags_medium;
        o.open_flags_high += r.open_flags_high;
        o.open_flags_critical += r.open_flags_critical;
        o.rotations_due += r.rotations_due;
        o.appointments_ending_60_days += r.appointments_ending_60_days;
        s.women += r.sums.women;
        s.supervised += r.sums.supervised;
        s.made += r.sums.made;
        s.missed += r.sums.missed;
        s.budgeted += r.sums.budgeted;
        s.open_posts += r.sums.open_posts;
        s.fill_days += r.sums.fill_days;
        s.fills += r.sums.fills;
    }
    o.bases_at_minimum_percent = percent(o.bases_at_minimum, o.bases);
    o.vacancy_rate = share(s.open_posts, s.budgeted);
    o.mean_time_to_fill_days = (s.fills > 0).then(|| s.fill_days / f64::from(s.fills));
    o.share_of_women = share(s.women, o.clas);
    o.supervision_coverage_percent = percent(s.supervised, o.deployed);
    o.check_in_compliance_percent = percent(s.made, s.made + s.missed);
    o.sums = s;
    o
}
