//! A CLA's staffing (current base, deployments, absences, rotations), the rotation calendar of a
//! mission, and the CLAs exposed by its bases' closings.

use std::collections::HashMap;

use async_graphql::{Enum, SimpleObject};
use chrono::NaiveDate;
use cla_platform::graphql::{Date, date};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult};
use cla_registry::RegistryView;

use super::{Cla, StaffingView};
use crate::decider::{Rotation, RotationStatus};
use crate::events::AbsenceKind;
use crate::graphql::{AbsenceKindValue, absence_kind};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationState {
    Planned,
    /// Planned for a date already passed, not completed.
    Overdue,
    Completed,
    Cancelled,
}

// A rotation as seen on a day; the GraphQL type `RotationView`.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "RotationView")]
pub struct RotationEntry {
    pub id: String,
    pub staff_id: String,
    pub name: String,
    pub from_base_id: String,
    pub to_base_id: String,
    #[graphql(skip, derived(name = "date", into = "Date", owned = true))]
    pub date: NaiveDate,
    pub state: RotationState,
    #[graphql(
        skip,
        derived(
            name = "completed_on",
            into = "Option<Date>",
            with = "date",
            owned = true
        )
    )]
    pub completed_on: Option<NaiveDate>,
}

#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "DeploymentView")]
pub struct ClaDeployment {
    pub id: String,
    pub base_id: String,
    pub base_name: String,
    #[graphql(skip, derived(name = "from", into = "Date", owned = true))]
    pub from: NaiveDate,
    /// The day it ended (no longer at the base); null while it runs.
    #[graphql(
        skip,
        derived(name = "to", into = "Option<Date>", with = "date", owned = true)
    )]
    pub to: Option<NaiveDate>,
}

#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AbsenceView")]
pub struct ClaAbsence {
    pub id: String,
    #[graphql(
        skip,
        derived(
            name = "kind",
            into = "AbsenceKindValue",
            with = "absence_kind",
            owned = true
        )
    )]
    pub kind: AbsenceKind,
    #[graphql(skip, derived(name = "from", into = "Date", owned = true))]
    pub from: NaiveDate,
    #[graphql(skip, derived(name = "to", into = "Date", owned = true))]
    pub to: NaiveDate,
}

/// A CLA's staffing: current base, deployment history, absences, rotations.
// (Absences not cancelled.)
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct ClaStaffing {
    pub staff_id: String,
    pub name: String,
    pub mission_code: String,
    pub base_id: Option<String>,
    pub deployments: Vec<ClaDeployment>,
    pub absences: Vec<ClaAbsence>,
    pub rotations: Vec<RotationEntry>,
}

/// The CLAs at a base the day it started closing.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct ClosureExposure {
    pub base_id: String,
    #[graphql(
        skip,
        derived(name = "closing_started_on", into = "Date", owned = true)
    )]
    pub closing_started_on: NaiveDate,
    pub staff_ids: Vec<String>,
}

fn entry(r: &Rotation, names: &HashMap<String, Cla>, as_of: NaiveDate) -> RotationEntry {
    let (state, completed_on) = match r.status {
        RotationStatus::Planned if r.date < as_of => (RotationState::Overdue, None),
        RotationStatus::Planned => (RotationState::Planned, None),
        RotationStatus::Completed(on) => (RotationState::Completed, Some(on)),
        RotationStatus::Cancelled => (RotationState::Cancelled, None),
    };
    RotationEntry {
        id: r.id.clone(),
        staff_id: r.staff_id.clone(),
        name: names
            .get(&r.staff_id)
            .map_or_else(String::new, |c| c.name.clone()),
        from_base_id: r.from_base_id.clone(),
        to_base_id: r.to_base_id.clone(),
        date: r.date,
        state,
        completed_on,
    }
}

/// A CLA's staffing as `view` shows it; NOT_FOUND where the CLA is not known on its date.
pub fn cla_staffing(
    registry: &RegistryView,
    staffing: &StaffingView,
    staff_id: &str,
    view: &View,
) -> AppResult<ClaStaffing> {
    let cla = staffing.cla(staff_id, view).ok_or_else(|| {
        AppError::not_found("staffId", format!("no CLA {staff_id} as of {}", view.as_of))
    })?;
    let state = staffing.staffing(&cla.mission, view);
    let names = staffing.roster(&cla.mission, view);
    let base_name = |id: &str| {
        registry
            .base(id, view)
            .map_or_else(|| id.to_string(), |b| b.details.name)
    };
    let mut deployments: Vec<ClaDeployment> = state
        .deployments()
        .values()
        .filter(|d| d.staff_id == staff_id)
        .map(|d| ClaDeployment {
            id: d.id.clone(),
            base_id: d.base_id.clone(),
            base_name: base_name(&d.base_id),
            from: d.from,
            to: d.to,
        })
        .collect();
    deployments.sort_by_key(|d| d.from);
    let mut absences: Vec<ClaAbsence> = state
        .absences()
        .values()
        .filter(|a| a.staff_id == staff_id && !a.cancelled)
        .map(|a| ClaAbsence {
            id: a.id.clone(),
            kind: a.kind,
            from: a.from,
            to: a.to,
        })
        .collect();
    absences.sort_by_key(|a| a.from);
    let mut rotations: Vec<RotationEntry> = state
        .rotations
        .values()
        .filter(|r| r.staff_id == staff_id)
        .map(|r| entry(r, &names, view.as_of))
        .collect();
    rotations.sort_by_key(|r| r.date);
    let base_id = state
        .deployment_on(staff_id, view.as_of)
        .map(|d| d.base_id.clone());
    Ok(ClaStaffing {
        staff_id: staff_id.to_string(),
        name: cla.name,
        mission_code: cla.mission,
        base_id,
        deployments,
        absences,
        rotations,
    })
}

/// A mission's rotations planned or completed from `from` to `to` (both included), and the overdue
/// ones whatever their date, by date then name, as `view` shows them; with `cancelled`, the
/// cancelled ones planned within the range too.
pub fn rotation_calendar(
    staffing: &StaffingView,
    mission: &str,
    from: NaiveDate,
    to: NaiveDate,
    cancelled: bool,
    view: &View,
) -> Vec<RotationEntry> {
    let state = staffing.staffing(mission, view);
    let names = staffing.roster(mission, view);
    let mut out: Vec<RotationEntry> = state
        .rotations
        .values()
        .map(|r| entry(r, &names, view.as_of))
        .filter(|r| match r.state {
            RotationState::Overdue => true,
            RotationState::Planned => from <= r.date && r.date <= to,
            RotationState::Completed => r.completed_on.is_some_and(|d| from <= d && d <= to),
            RotationState::Cancelled => cancelled && from <= r.date && r.date <= to,
        })
        .collect();
    out.sort_by_key(|r| (r.date, r.name.clone()));
    out
}

/// The CLAs deployed at each base of a mission the day it started closing.
pub fn closure_exposures(
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> Vec<ClosureExposure> {
    staffing
        .staffing(mission, view)
        .exposures
        .iter()
        .map(|((base_id, on), staff_ids)| ClosureExposure {
            base_id: base_id.clone(),
            closing_started_on: *on,
            staff_ids: staff_ids.clone(),
        })
        .collect()
}
