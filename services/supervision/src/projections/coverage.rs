//! Management coverage of a mission, on a day: per field office and for the whole mission, its
//! managers, each one's span (CLAs supervised), the deployed CLAs nobody supervises, and the bases
//! (open or closing) not visited within the mission's field-visit interval.

use std::collections::{HashMap, HashSet};

use async_graphql::SimpleObject;
use chrono::NaiveDate;
use cla_platform::graphql::{Date, date};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;

use super::SupervisionView;
use crate::decider::Management;

#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct ManagerSpan {
    pub manager_id: String,
    pub name: String,
    pub span: u32,
    pub over_span: bool,
}

#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct BaseVisit {
    pub base_id: String,
    pub name: String,
    /// The last day of the last visit on or before the asked date.
    #[graphql(
        skip,
        derived(
            name = "last_visit",
            into = "Option<Date>",
            with = "date",
            owned = true
        )
    )]
    pub last_visit: Option<NaiveDate>,
    /// Days since then; null where never visited.
    pub days_since: Option<i64>,
}

/// Management coverage of a field office, or of the whole mission.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct CoverageRow {
    /// A field office id, or the mission code.
    pub place_id: String,
    pub managers: u32,
    /// Deployed CLAs.
    pub clas: u32,
    pub max_span: u32,
    pub mean_span: Option<f64>,
    pub managers_over_span: Vec<ManagerSpan>,
    pub spans: Vec<ManagerSpan>,
    /// Deployed CLAs with no supervisor.
    pub unsupervised: Vec<String>,
    /// Bases (open or closing) with no field visit within the mission's interval.
    pub not_visited: Vec<BaseVisit>,
    /// Deployed CLAs supervised, in percent; null where none are deployed.
    pub coverage_percent: Option<f64>,
}

#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct ManagementCoverage {
    pub mission_code: String,
    #[graphql(skip, derived(name = "as_of", into = "Date", owned = true))]
    pub as_of: NaiveDate,
    pub max_span_of_control: u32,
    pub field_visit_interval_days: u32,
    pub mission: CoverageRow,
    pub by_field_office: Vec<CoverageRow>,
}

fn row(place_id: String, offices: &HashSet<String>, ctx: &Inputs<'_>) -> CoverageRow {
    let managers: Vec<_> = ctx
        .management
        .managers
        .values()
        .filter(|m| offices.contains(&m.field_office_id) && m.active_on(ctx.day))
        .collect();
    let bases: Vec<_> = ctx
        .bases
        .iter()
        .filter(|b| offices.contains(&b.1))
        .collect();
    let deployed_here: Vec<String> = bases
        .iter()
        .flat_map(|b| ctx.deployed.get(&b.0).cloned().unwrap_or_default())
        .collect();
    let spans: Vec<ManagerSpan> = managers
        .iter()
        .map(|m| {
            let span = ctx.spans.get(m.id.as_str()).copied().unwrap_or(0);
            ManagerSpan {
                manager_id: m.id.clone(),
                name: m.name.clone(),
                span,
                over_span: span > ctx.max_span,
            }
        })
        .collect();
    let mut unsupervised: Vec<String> = deployed_here
        .iter()
        .filter(|s| !ctx.supervised.contains(s.as_str()))
        .cloned()
        .collect();
    unsupervised.sort();
    let not_visited = bases
        .iter()
        .filter_map(|b| {
            let last = ctx.last_visit.get(b.0.as_str()).copied();
            let days_since = last.map(|l| (ctx.day - l).num_days());
            (days_since.is_none_or(|d| d > i64::from(ctx.interval))).then(|| BaseVisit {
                base_id: b.0.clone(),
                name: b.2.clone(),
                last_visit: last,
                days_since,
            })
        })
        .collect();
    let total: u32 = spans.iter().map(|s| s.span).sum();
    CoverageRow {
        place_id,
        managers: managers.len() as u32,
        clas: deployed_here.len() as u32,
        max_span: spans.iter().map(|s| s.span).max().unwrap_or(0),
        mean_span: (!spans.is_empty()).then(|| f64::from(total) / spans.len() as f64),
        managers_over_span: spans.iter().filter(|s| s.over_span).cloned().collect(),
        spans,
        coverage_percent: (!deployed_here.is_empty()).then(|| {
            100.0 * (deployed_here.len() - unsupervised.len()) as f64 / deployed_here.len() as f64
        }),
        unsupervised,
        not_visited,
    }
}

/// What every row is worked out from, each figure once: a mission's management holds every
/// supervision and visit ever recorded, many more than the day has.
struct Inputs<'a> {
    management: &'a Management,
    day: NaiveDate,
    max_span: u32,
    interval: u32,
    /// (base id, field office id, name)
    bases: Vec<(String, String, String)>,
    deployed: HashMap<String, Vec<String>>,
    /// CLAs supervised on the day, by manager.
    spans: HashMap<&'a str, u32>,
    /// CLAs with a supervisor on the day.
    supervised: HashSet<&'a str>,
    /// The last day of each base's last visit begun by the day (days after it not counted).
    last_visit: HashMap<&'a str, NaiveDate>,
}

impl<'a> Inputs<'a> {
    /// The inputs with the day's spans, supervised CLAs and last visits worked out.
    fn of(
        management: &'a Management,
        day: NaiveDate,
        policy: (u32, u32),
        bases: Vec<(String, String, String)>,
        deployed: HashMap<String, Vec<String>>,
    ) -> Self {
        let mut spans: HashMap<&str, u32> = HashMap::new();
        let mut supervised = HashSet::new();
        for s in management.supervisions.values().filter(|s| s.covers(day)) {
            *spans.entry(s.manager_id.as_str()).or_default() += 1;
            supervised.insert(s.staff_id.as_str());
        }
        let last_visit: HashMap<&str, NaiveDate> = management
            .visits_by_base
            .iter()
            .filter_map(|(base, visits)| Some((base.as_str(), visits.last_on_or_before(day)?)))
            .collect();
        Self {
            management,
            day,
            max_span: policy.0,
            interval: policy.1,
            bases,
            deployed,
            spans,
            supervised,
            last_visit,
        }
    }
}

pub fn management_coverage(
    registry: &RegistryView,
    staffing: &StaffingView,
    supervision: &SupervisionView,
    mission: &str,
    view: &View,
) -> AppResult<ManagementCoverage> {
    let m = registry.mission(mission, view).ok_or_else(|| {
        AppError::not_found(
            "missionCode",
            format!("no mission {mission} as of {}", view.as_of),
        )
    })?;
    let management = supervision.management(mission, view);
    let state = staffing.staffing(mission, view);
    let availability = staffing.availability(mission, view, false);
    let bases: Vec<(String, String, String)> = registry
        .bases(mission, view)
        .into_iter()
        .filter(|b| b.status != BaseStatus::Closed)
        .map(|b| (b.id, b.details.field_office_id, b.details.name))
        .collect();
    let on_day = OnDay::of(&state, view.as_of, &availability);
    let deployed: HashMap<String, Vec<String>> = bases
        .iter()
        .map(|b| {
            (
                b.0.clone(),
                on_day
                    .deployed(&b.0)
                    .iter()
                    .map(|d| d.staff_id.clone())
                    .collect(),
            )
        })
        .collect();
    let inputs = Inputs::of(
        &management,
        view.as_of,
        (
            m.policy.max_span_of_control,
            m.policy.field_visit_interval_days,
        ),
        bases,
        deployed,
    );
    let offices = registry.field_offices(mission, view);
    let all: HashSet<String> = offices.iter().map(|o| o.id.clone()).collect();
    Ok(ManagementCoverage {
        mission_code: mission.to_string(),
        as_of: view.as_of,
        max_span_of_control: inputs.max_span,
        field_visit_interval_days: inputs.interval,
        mission: row(mission.to_string(), &all, &inputs),
        by_field_office: offices
            .iter()
            .map(|o| row(o.id.clone(), &[o.id.clone()].into(), &inputs))
            .collect(),
    })
}
