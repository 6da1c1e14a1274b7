//! The coverage forecast: a base's effective strength on each day ahead, given what is known now —
//! planned rotations moving their CLA on their date, absences, deployment ends, separations and
//! appointment ends — and its gaps (days in a row below the minimum) with their causes.

use std::collections::HashMap;

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::graphql::Date;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult};
use cla_registry::RegistryView;

use super::{Cla, StaffingView};
use crate::coverage::{Availability, Deployment, absent, deployed, strength};
use crate::decider::{Rotation, RotationStatus, Staffing};

// What keeps a CLA counted at the forecast's start from being counted on a day; the GraphQL enum
// `GapCauseKind`.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[graphql(name = "GapCauseKind")]
pub enum CauseKind {
    Absence,
    Rotation,
    AppointmentEnd,
    Separation,
    DeploymentEnd,
}

/// Why a CLA counted at the forecast's start is missing during a gap.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GapCause {
    pub kind: CauseKind,
    pub staff_id: String,
    pub name: String,
    /// The absence or rotation id, where there is one.
    pub reference: Option<String>,
    pub detail: String,
}

#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct ForecastDay {
    #[graphql(skip, derived(name = "date", into = "Date", owned = true))]
    pub date: NaiveDate,
    pub strength: u32,
    pub minimum: u32,
    pub below_minimum: bool,
}

/// Days in a row below the minimum.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    #[graphql(skip, derived(name = "from", into = "Date", owned = true))]
    pub from: NaiveDate,
    #[graphql(skip, derived(name = "to", into = "Date", owned = true))]
    pub to: NaiveDate,
    pub lowest_strength: u32,
    // Sorted, each once.
    pub causes: Vec<GapCause>,
}

#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct CoverageForecast {
    pub base_id: String,
    pub name: String,
    pub minimum: u32,
    pub days: Vec<ForecastDay>,
    pub gaps: Vec<Gap>,
}

/// The forecast of `base_id` over `days` days from `start`, as known at `known_at` (everything
/// known where `None`): what is known, with planned rotations applied on their dates. NOT_FOUND
/// where the base does not exist on `start`.
pub fn forecast(
    registry: &RegistryView,
    staffing: &StaffingView,
    base_id: &str,
    start: NaiveDate,
    days: i64,
    known_at: Option<DateTime<Utc>>,
) -> AppResult<CoverageForecast> {
    forecast_with(registry, staffing, base_id, (start, days), known_at, &[])
}

/// [`forecast`], as if `considered` were planned too: rotations not (yet) planned, moving their
/// CLA on their date like the planned ones.
pub fn forecast_with(
    registry: &RegistryView,
    staffing: &StaffingView,
    base_id: &str,
    (start, days): (NaiveDate, i64),
    known_at: Option<DateTime<Utc>>,
    considered: &[Rotation],
) -> AppResult<CoverageForecast> {
    let now = View {
        as_of: start,
        known_at,
    };
    let base = registry
        .base(base_id, &now)
        .ok_or_else(|| AppError::not_found("baseId", format!("no base {base_id} as of {start}")))?;
    let mission = base.mission_code.clone();
    let end = start + Duration::days(days - 1);
    // Everything planned up to the horizon: future-dated deployments, absences and ends included.
    let horizon = View {
        as_of: end,
        known_at,
    };
    let mut state: Staffing = (*staffing.staffing(&mission, &horizon)).clone();
    let roster = staffing.roster(&mission, &horizon);
    let availability: Availability = super::availability_of(&roster, true);
    let minimum = base.details.minimum_override.unwrap_or_else(|| {
        registry
            .mission(&mission, &now)
            .map_or(2, |m| m.policy.minimum_clas_per_base)
    });
    // Planned rotations move their CLA on their date.
    let planned: Vec<Rotation> = state
        .rotations
        .values()
        .filter(|r| r.status == RotationStatus::Planned)
        .chain(considered)
        .cloned()
        .collect();
    for r in &planned {
        let moving = state
            .deployment_on(&r.staff_id, r.date.max(start))
            .map(|d| d.id.clone());
        if let Some(id) = moving
            && let Some(ends) = state.deployments().get(&id).map(|d| d.to)
        {
            let at = r.date.max(start);
            state.end_deployment(&id, ends.map_or(at, |to| to.min(at)));
            state.deploy(Deployment {
                id: format!("planned-{}", r.id),
                staff_id: r.staff_id.clone(),
                base_id: r.to_base_id.clone(),
                from: at,
                to: None,
            });
        }
    }
    let at_start: Vec<String> =
        deployed(state.deployments().values(), base_id, start, &availability)
            .into_iter()
            .map(|d| d.staff_id.clone())
            .collect();
    let mut out = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    for i in 0..days {
        let day = start + Duration::days(i);
        let strength = strength(
            state.deployments().values(),
            state.absences(),
            base_id,
            day,
            &availability,
        );
        let below = strength < minimum;
        out.push(ForecastDay {
            date: day,
            strength,
            minimum,
            below_minimum: below,
        });
        if !below {
            continue;
        }
        let causes = causes(
            &state,
            &availability,
            &roster,
            &planned,
            base_id,
            &at_start,
            day,
        );
        match gaps.last_mut() {
            Some(g) if g.to + Duration::days(1) == day => {
                g.to = day;
                g.lowest_strength = g.lowest_strength.min(strength);
                for c in causes {
                    if !g.causes.contains(&c) {
                        g.causes.push(c);
                    }
                }
            }
            _ => gaps.push(Gap {
                from: day,
                to: day,
                lowest_strength: strength,
                causes,
            }),
        }
    }
    for g in &mut gaps {
        g.causes.sort();
    }
    Ok(CoverageForecast {
        base_id: base_id.to_string(),
        name: base.details.name,
        minimum,
        days: out,
        gaps,
    })
}

/// Why each CLA counted at the base at the forecast's start is not counted on `day`.
fn causes(
    state: &Staffing,
    availability: &Availability,
    roster: &HashMap<String, Cla>,
    planned: &[Rotation],
    base_id: &str,
    at_start: &[String],
    day: NaiveDate,
) -> Vec<GapCause> {
    let name = |id: &str| roster.get(id).map_or_else(String::new, |c| c.name.clone());
    let mut out = Vec::new();
    for staff in at_start {
        let cause = |kind, reference: Option<String>, detail: String| GapCause {
            kind,
            staff_id: staff.clone(),
            name: name(staff),
            reference,
            detail,
        };
        if let Some(s) = availability.separated_on.get(staff).filter(|s| **s <= day) {
            out.push(cause(
                CauseKind::Separation,
                None,
                format!("separated on {s}"),
            ));
        } else if let Some(e) = availability
            .appointment_ends
            .get(staff)
            .filter(|e| **e < day)
        {
            out.push(cause(
                CauseKind::AppointmentEnd,
                None,
                format!("appointment ended on {e}"),
            ));
        } else if let Some(r) = planned
            .iter()
            .find(|r| r.staff_id == *staff && r.from_base_id == base_id && r.date <= day)
        {
            out.push(cause(
                CauseKind::Rotation,
                Some(r.id.clone()),
                format!("rotates to {} on {}", r.to_base_id, r.date),
            ));
        } else if state
            .deployment_on(staff, day)
            .is_none_or(|d| d.base_id != base_id)
        {
            out.push(cause(
                CauseKind::DeploymentEnd,
                None,
                "no longer deployed here".into(),
            ));
        } else if let Some(a) = absent(state.absences().values(), staff, day) {
            out.push(cause(
                CauseKind::Absence,
                Some(a.id.clone()),
                format!("{:?} {} to {}", a.kind, a.from, a.to),
            ));
        }
    }
    out
}
