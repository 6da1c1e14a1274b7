//! The staffing part of the GraphQL schema. CIVIL_AFFAIRS of the mission (and ADMIN) write;
//! MISSION_HR of the mission reads; HQ_REVIEWER reads every mission.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, check_mission, principal};
use cla_platform::command::CommandMeta;
use cla_platform::graphql::{
    ConnectionTotals, Date, connection, effective as effective_date, view,
};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Role, Runtime};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;

use crate::commands::{Acceptance, StaffingCommand};
use crate::coverage::{Availability, absent, deployed};
use crate::decider::{
    BaseFacts, RotationStatus, StaffFacts, Staffing, StaffingContext, StaffingDecider,
};
use crate::events::{AbsenceKind, stream};
use crate::projections::{Cla, ClaStatus, StaffingView};

const WRITERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
const READERS: &[Role] = &Role::ALL;

type Page<T> = Connection<String, T, ConnectionTotals>;

fn staffing<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffingView> {
    ctx.data_unchecked::<Arc<StaffingView>>()
}

fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}

fn runtime<'a>(ctx: &'a Context<'_>) -> &'a Runtime {
    ctx.data_unchecked::<Runtime>()
}

// ---------------------------------------------------------------------------------------------
// Guards for what is named by id: its mission decides.

pub struct StaffingGuard;

impl StaffingGuard {
    pub fn cla(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_cla(id))
    }
    pub fn rotation(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_rotation(id))
    }
    pub fn absence(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_absence(id))
    }
    pub fn base(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| registry(ctx).mission_of_base(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Facts for decisions

/// Every base of the mission (and any other base named) as the registry knows it on `on`.
fn base_facts(
    ctx: &Context<'_>,
    mission: &str,
    named: &[&str],
    on: NaiveDate,
) -> HashMap<String, BaseFacts> {
    let view = View {
        as_of: on,
        known_at: None,
    };
    let registry = registry(ctx);
    let minimum = registry
        .mission(mission, &view)
        .map_or(2, |m| m.policy.minimum_clas_per_base);
    let mut bases: HashMap<String, BaseFacts> = registry
        .bases(mission, &view)
        .into_iter()
        .map(|b| {
            (
                b.id.clone(),
                BaseFacts {
                    mission: b.mission_code.clone(),
                    name: b.details.name.clone(),
                    open: b.status == BaseStatus::Open,
                    minimum: b.details.minimum_override.unwrap_or(minimum),
                },
            )
        })
        .collect();
    for id in named {
        if !bases.contains_key(*id)
            && let Some(b) = registry.base(id, &view)
        {
            bases.insert(
                b.id.clone(),
                BaseFacts {
                    mission: b.mission_code.clone(),
                    name: b.details.name.clone(),
                    open: b.status == BaseStatus::Open,
                    minimum: 2,
                },
            );
        }
    }
    bases
}

fn staff_facts(cla: &Cla) -> StaffFacts {
    StaffFacts {
        mission: cla.mission.clone(),
        name: cla.name.clone(),
        active: cla.status == ClaStatus::Active,
    }
}

/// Decides a staffing command on the mission's stream.
async fn run(
    ctx: &Context<'_>,
    mission: &str,
    staff_id: Option<&str>,
    bases: &[&str],
    command: StaffingCommand,
    on: NaiveDate,
) -> AppResult<()> {
    let date_field = match &command {
        StaffingCommand::Deploy { .. } | StaffingCommand::RecordAbsence { .. } => "from",
        StaffingCommand::EndDeployment { .. } | StaffingCommand::CompleteRotation { .. } => "on",
        _ => "effective",
    };
    let view = View {
        as_of: on,
        known_at: None,
    };
    let mut context = StaffingContext {
        mission: mission.to_string(),
        bases: base_facts(ctx, mission, bases, on),
        staff: HashMap::new(),
        availability: staffing(ctx).availability(mission, &view, false),
    };
    if let Some(id) = staff_id {
        match staffing(ctx).cla(id, &view) {
            Some(cla) => {
                context.staff.insert(id.to_string(), staff_facts(&cla));
            }
            // Known, but not yet on that date: nothing is back-dated before the CLA existed.
            None if staffing(ctx)
                .cla(
                    id,
                    &View {
                        as_of: NaiveDate::MAX,
                        known_at: None,
                    },
                )
                .is_some() =>
            {
                return Err(AppError::validation(
                    date_field,
                    format!(
                        "this CLA did not exist yet on {on}; nothing takes effect before they did"
                    ),
                ));
            }
            None => {}
        }
    }
    let meta = CommandMeta::by(principal(ctx)?, Some(mission), WRITERS, on)?;
    runtime(ctx)
        .execute::<StaffingDecider>(&stream(mission), &command, &context, &meta)
        .await?;
    Ok(())
}

/// An absence by id, with its mission, as everything known shows it.
fn absence_of(ctx: &Context<'_>, id: &str) -> AppResult<(String, crate::coverage::Absence)> {
    let not_found = || AppError::not_found("absenceId", "no such absence");
    let mission = staffing(ctx).mission_of_absence(id).ok_or_else(not_found)?;
    let all = View {
        as_of: NaiveDate::MAX,
        known_at: None,
    };
    let absence = staffing(ctx)
        .staffing(&mission, &all)
        .absences()
        .get(id)
        .cloned()
        .ok_or_else(not_found)?;
    Ok((mission, absence))
}

/// A rotation by id, with its mission, as everything known shows it.
fn rotation_of(ctx: &Context<'_>, id: &str) -> AppResult<(String, crate::decider::Rotation)> {
    let not_found = || AppError::not_found("rotationId", "no such rotation");
    let mission = staffing(ctx)
        .mission_of_rotation(id)
        .ok_or_else(not_found)?;
    let all = View {
        as_of: NaiveDate::MAX,
        known_at: None,
    };
    let rotation = staffing(ctx)
        .staffing(&mission, &all)
        .rotations
        .get(id)
        .cloned()
        .ok_or_else(not_found)?;
    Ok((mission, rotation))
}

fn mission_of_cla(ctx: &Context<'_>, id: &str) -> AppResult<String> {
    staffing(ctx)
        .mission_of_cla(id)
        .ok_or_else(|| AppError::not_found("staffId", format!("no CLA {id}")))
}

fn acceptance(ctx: &Context<'_>, reason: Option<String>) -> AppResult<Option<Acceptance>> {
    Ok(match reason {
        None => None,
        Some(reason) => Some(Acceptance {
            reason,
            by: principal(ctx)?.id.clone(),
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// Output types

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "BaseCoverage")]
pub enum CoverageStatus {
    /// At or above its minimum.
    Ok,
    BelowMinimum,
    /// Nobody there.
    Empty,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "BoardOrder")]
pub enum BoardOrder {
    /// By base name.
    Name,
    /// Largest shortfall against the minimum first.
    Shortfall,
    /// Weakest effective strength first.
    Strength,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AbsenceKind")]
pub enum AbsenceKindValue {
    Leave,
    RestAndRecuperation,
    Training,
    Medical,
    SecurityRelocation,
}

impl AbsenceKindValue {
    fn to_domain(self) -> AbsenceKind {
        match self {
            Self::Leave => AbsenceKind::Leave,
            Self::RestAndRecuperation => AbsenceKind::RestAndRecuperation,
            Self::Training => AbsenceKind::Training,
            Self::Medical => AbsenceKind::Medical,
            Self::SecurityRelocation => AbsenceKind::SecurityRelocation,
        }
    }
    fn from_domain(k: AbsenceKind) -> Self {
        match k {
            AbsenceKind::RestAndRecuperation => Self::RestAndRecuperation,
            AbsenceKind::Training => Self::Training,
            AbsenceKind::Medical => Self::Medical,
            AbsenceKind::SecurityRelocation => Self::SecurityRelocation,
            _ => Self::Leave,
        }
    }
}

/// A CLA at a base on the board's date.
#[derive(SimpleObject, Clone, Debug)]
pub struct BoardCla {
    pub staff_id: String,
    pub name: String,
    pub since: Date,
    /// Days continuously at this base.
    pub tour_days: i64,
    pub rotation_due: bool,
    pub absent: bool,
}

/// One base on the board.
#[derive(SimpleObject, Clone, Debug)]
pub struct BaseBoardRow {
    pub base_id: String,
    pub name: String,
    pub field_office_id: String,
    pub deployed: u32,
    /// Deployed minus absent.
    pub effective_strength: u32,
    pub minimum: u32,
    pub status: CoverageStatus,
    pub women: u32,
    pub local_languages: Vec<String>,
    /// Local languages spoken by a CLA deployed there.
    pub languages_covered: Vec<String>,
    pub languages_missing: Vec<String>,
    /// CLAs past the mission's maximum tour at this base.
    pub rotation_due: Vec<String>,
    pub clas: Vec<BoardCla>,
    /// Open risk flags at the base, by severity (counts only).
    pub open_flags: OpenFlagCounts,
}

#[derive(SimpleObject, Clone, Debug, Default)]
pub struct OpenFlagCounts {
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ForecastDay {
    pub date: Date,
    pub strength: u32,
    pub minimum: u32,
    pub below_minimum: bool,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
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

impl PartialOrd for CauseKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CauseKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// Days in a row below the minimum.
#[derive(SimpleObject, Clone, Debug)]
pub struct Gap {
    pub from: Date,
    pub to: Date,
    pub lowest_strength: u32,
    pub causes: Vec<GapCause>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct CoverageForecast {
    pub base_id: String,
    pub name: String,
    pub minimum: u32,
    pub days: Vec<ForecastDay>,
    pub gaps: Vec<Gap>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "RotationState")]
pub enum RotationState {
    Planned,
    /// Planned for a date already passed, not completed.
    Overdue,
    Completed,
    Cancelled,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct RotationView {
    pub id: String,
    pub staff_id: String,
    pub name: String,
    pub from_base_id: String,
    pub to_base_id: String,
    pub date: Date,
    pub state: RotationState,
    pub completed_on: Option<Date>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct DeploymentView {
    pub id: String,
    pub base_id: String,
    pub base_name: String,
    pub from: Date,
    /// The day it ended (no longer at the base); null while it runs.
    pub to: Option<Date>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AbsenceView {
    pub id: String,
    pub kind: AbsenceKindValue,
    pub from: Date,
    pub to: Date,
}

/// The CLAs at a base the day it started closing.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClosureExposure {
    pub base_id: String,
    pub closing_started_on: Date,
    pub staff_ids: Vec<String>,
}

/// A CLA's staffing: current base, deployment history, absences, rotations.
#[derive(SimpleObject, Clone, Debug)]
pub struct ClaStaffing {
    pub staff_id: String,
    pub name: String,
    pub mission_code: String,
    pub base_id: Option<String>,
    pub deployments: Vec<DeploymentView>,
    pub absences: Vec<AbsenceView>,
    pub rotations: Vec<RotationView>,
}

fn rotation_view(
    r: &crate::decider::Rotation,
    names: &HashMap<String, Cla>,
    as_of: NaiveDate,
) -> RotationView {
    let (state, completed_on) = match r.status {
        RotationStatus::Planned if r.date < as_of => (RotationState::Overdue, None),
        RotationStatus::Planned => (RotationState::Planned, None),
        RotationStatus::Completed(on) => (RotationState::Completed, Some(Date(on))),
        RotationStatus::Cancelled => (RotationState::Cancelled, None),
    };
    RotationView {
        id: r.id.clone(),
        staff_id: r.staff_id.clone(),
        name: names
            .get(&r.staff_id)
            .map_or_else(String::new, |c| c.name.clone()),
        from_base_id: r.from_base_id.clone(),
        to_base_id: r.to_base_id.clone(),
        date: Date(r.date),
        state,
        completed_on,
    }
}

fn cla_staffing(ctx: &Context<'_>, staff_id: &str, view: &View) -> AppResult<ClaStaffing> {
    let cla = staffing(ctx).cla(staff_id, view).ok_or_else(|| {
        AppError::not_found("staffId", format!("no CLA {staff_id} as of {}", view.as_of))
    })?;
    let state = staffing(ctx).staffing(&cla.mission, view);
    let names = staffing(ctx).roster(&cla.mission, view);
    let base_name = |id: &str| {
        registry(ctx)
            .base(id, view)
            .map_or_else(|| id.to_string(), |b| b.details.name)
    };
    let mut deployments: Vec<DeploymentView> = state
        .deployments()
        .values()
        .filter(|d| d.staff_id == staff_id)
        .map(|d| DeploymentView {
            id: d.id.clone(),
            base_id: d.base_id.clone(),
            base_name: base_name(&d.base_id),
            from: Date(d.from),
            to: d.to.map(Date),
        })
        .collect();
    deployments.sort_by_key(|d| d.from);
    let mut absences: Vec<AbsenceView> = state
        .absences()
        .values()
        .filter(|a| a.staff_id == staff_id && !a.cancelled)
        .map(|a| AbsenceView {
            id: a.id.clone(),
            kind: AbsenceKindValue::from_domain(a.kind),
            from: Date(a.from),
            to: Date(a.to),
        })
        .collect();
    absences.sort_by_key(|a| a.from);
    let mut rotations: Vec<RotationView> = state
        .rotations
        .values()
        .filter(|r| r.staff_id == staff_id)
        .map(|r| rotation_view(r, &names, view.as_of))
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

// ---------------------------------------------------------------------------------------------
// The board and the forecast

fn board(ctx: &Context<'_>, mission: &str, view: &View) -> Vec<BaseBoardRow> {
    let registry = registry(ctx);
    let policy = registry.mission(mission, view).map(|m| m.policy);
    let minimum = policy.map_or(2, |p| p.minimum_clas_per_base);
    let max_tour_days = policy.map_or(24, |p| p.max_tour_months) as i64 * 365 / 12;
    let state = staffing(ctx).staffing(mission, view);
    let roster = staffing(ctx).roster(mission, view);
    let availability = crate::projections::availability_of(&roster, false);
    let flags = ctx
        .data_opt::<Arc<dyn crate::OpenRiskFlags>>()
        .map(|r| r.by_base(mission, view))
        .unwrap_or_default();
    let day = view.as_of;
    let on_day = crate::coverage::OnDay::of(&state, day, &availability);
    registry
        .bases(mission, view)
        .into_iter()
        .filter(|b| b.status != BaseStatus::Closed)
        .map(|b| {
            let here = on_day.deployed(&b.id);
            let minimum = b.details.minimum_override.unwrap_or(minimum);
            let clas: Vec<BoardCla> = here
                .iter()
                .map(|d| {
                    let tour_days = (day - d.from).num_days();
                    BoardCla {
                        staff_id: d.staff_id.clone(),
                        name: roster
                            .get(&d.staff_id)
                            .map_or_else(String::new, |c| c.name.clone()),
                        since: Date(d.from),
                        tour_days,
                        rotation_due: tour_days > max_tour_days,
                        absent: on_day.away(&d.staff_id),
                    }
                })
                .collect();
            let effective_strength = clas.iter().filter(|c| !c.absent).count() as u32;
            let spoken: BTreeSet<String> = here
                .iter()
                .filter_map(|d| roster.get(&d.staff_id))
                .flat_map(|c| c.languages.iter().map(|l| l.to_lowercase()))
                .collect();
            let (covered, missing): (Vec<String>, Vec<String>) = b
                .details
                .local_languages
                .iter()
                .cloned()
                .partition(|l| spoken.contains(&l.to_lowercase()));
            BaseBoardRow {
                base_id: b.id.clone(),
                name: b.details.name.clone(),
                field_office_id: b.details.field_office_id.clone(),
                deployed: here.len() as u32,
                effective_strength,
                minimum,
                status: if effective_strength == 0 {
                    CoverageStatus::Empty
                } else if effective_strength < minimum {
                    CoverageStatus::BelowMinimum
                } else {
                    CoverageStatus::Ok
                },
                women: here
                    .iter()
                    .filter(|d| roster.get(&d.staff_id).is_some_and(|c| c.female))
                    .count() as u32,
                local_languages: b.details.local_languages.clone(),
                languages_covered: covered,
                languages_missing: missing,
                rotation_due: clas
                    .iter()
                    .filter(|c| c.rotation_due)
                    .map(|c| c.staff_id.clone())
                    .collect(),
                clas,
                open_flags: flags
                    .get(&b.id)
                    .map(|&[low, medium, high, critical]| OpenFlagCounts {
                        low,
                        medium,
                        high,
                        critical,
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The staffing a forecast sees: what is known now, with planned rotations applied on their dates.
pub fn forecast(
    registry: &RegistryView,
    staffing: &StaffingView,
    base_id: &str,
    start: NaiveDate,
    days: i64,
    known_at: Option<DateTime<Utc>>,
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
    let availability: Availability = crate::projections::availability_of(&roster, true);
    let minimum = base.details.minimum_override.unwrap_or_else(|| {
        registry
            .mission(&mission, &now)
            .map_or(2, |m| m.policy.minimum_clas_per_base)
    });
    // Planned rotations move their CLA on their date.
    let planned: Vec<_> = state
        .rotations
        .values()
        .filter(|r| r.status == RotationStatus::Planned)
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
            state.deploy(crate::coverage::Deployment {
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
        let strength = crate::coverage::strength(
            state.deployments().values(),
            state.absences(),
            base_id,
            day,
            &availability,
        );
        let below = strength < minimum;
        out.push(ForecastDay {
            date: Date(day),
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
            Some(g) if g.to.0 + Duration::days(1) == day => {
                g.to = Date(day);
                g.lowest_strength = g.lowest_strength.min(strength);
                for c in causes {
                    if !g.causes.contains(&c) {
                        g.causes.push(c);
                    }
                }
            }
            _ => gaps.push(Gap {
                from: Date(day),
                to: Date(day),
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
    planned: &[crate::decider::Rotation],
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

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct StaffingQuery;

#[Object]
impl StaffingQuery {
    /// Every open or closing base of a mission with its coverage on the asked date.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn base_board(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        field_office_id: Option<String>,
        status: Option<CoverageStatus>,
        order: Option<BoardOrder>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseBoardRow>> {
        let view = view(as_of, known_at);
        if registry(ctx).mission(&mission_code, &view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission_code} as of {}", view.as_of),
            )
            .into());
        }
        let mut rows: Vec<BaseBoardRow> = board(ctx, &mission_code, &view)
            .into_iter()
            .filter(|r| {
                field_office_id
                    .as_ref()
                    .is_none_or(|f| &r.field_office_id == f)
            })
            .filter(|r| status.is_none_or(|s| r.status == s))
            .collect();
        match order.unwrap_or(BoardOrder::Name) {
            BoardOrder::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            BoardOrder::Shortfall => rows.sort_by_key(|r| {
                (
                    std::cmp::Reverse(r.minimum as i64 - r.effective_strength as i64),
                    r.name.clone(),
                )
            }),
            BoardOrder::Strength => rows.sort_by_key(|r| (r.effective_strength, r.name.clone())),
        }
        Ok(connection(rows, first, after)?)
    }

    /// A base's strength per day from `from` (default today) over `days` (default 90, at most
    /// 366), given planned rotations, absences and appointment ends, and its gaps with their causes.
    #[graphql(guard = "StaffingGuard::base(&base_id, READERS)")]
    async fn coverage_forecast(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        from: Option<Date>,
        days: Option<i32>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CoverageForecast> {
        let days = days.unwrap_or(90);
        if !(1..=366).contains(&days) {
            return Err(AppError::validation("days", "a forecast covers 1 to 366 days").into());
        }
        Ok(forecast(
            registry(ctx),
            staffing(ctx),
            &base_id,
            effective_date(from),
            i64::from(days),
            known_at,
        )?)
    }

    /// Planned, overdue and completed rotations of a mission over a date range (default: the 90
    /// days from today); overdue ones whatever their date.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn rotation_calendar(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        from: Option<Date>,
        to: Option<Date>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<RotationView>> {
        let view = view(as_of, known_at);
        let from = from.map_or(view.as_of, |d| d.0);
        let to = to.map_or(from + Duration::days(90), |d| d.0);
        if to < from {
            return Err(AppError::validation("to", "the range ends on or after it starts").into());
        }
        let state = staffing(ctx).staffing(&mission_code, &view);
        let names = staffing(ctx).roster(&mission_code, &view);
        let mut out: Vec<RotationView> = state
            .rotations
            .values()
            .map(|r| rotation_view(r, &names, view.as_of))
            .filter(|r| match r.state {
                RotationState::Overdue => true,
                RotationState::Planned => from <= r.date.0 && r.date.0 <= to,
                RotationState::Completed => {
                    r.completed_on.is_some_and(|d| from <= d.0 && d.0 <= to)
                }
                RotationState::Cancelled => false,
            })
            .collect();
        out.sort_by_key(|r| (r.date, r.name.clone()));
        Ok(out)
    }

    /// The CLAs deployed at each base of a mission the day it started closing (recorded by the
    /// system when the closing arrives).
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn base_closure_exposures(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<ClosureExposure>> {
        let view = view(as_of, known_at);
        let state = staffing(ctx).staffing(&mission_code, &view);
        Ok(state
            .exposures
            .iter()
            .map(|((base_id, on), staff_ids)| ClosureExposure {
                base_id: base_id.clone(),
                closing_started_on: Date(*on),
                staff_ids: staff_ids.clone(),
            })
            .collect())
    }

    /// A CLA's staffing: current base, deployment history, absences and rotations.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, READERS)")]
    async fn cla_staffing(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ClaStaffing> {
        Ok(cla_staffing(ctx, &staff_id, &view(as_of, known_at))?)
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct StaffingMutation;

fn after(ctx: &Context<'_>, staff_id: &str, on: NaiveDate) -> AppResult<ClaStaffing> {
    cla_staffing(
        ctx,
        staff_id,
        &View {
            as_of: on.max(Utc::now().date_naive()),
            known_at: None,
        },
    )
}

#[Object]
impl StaffingMutation {
    /// Deploys an active CLA to an open base of their mission from a date (default today).
    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn deploy_cla(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        base_id: String,
        from: Option<Date>,
    ) -> async_graphql::Result<ClaStaffing> {
        let from = effective_date(from);
        let mission = mission_of_cla(ctx, &staff_id)?;
        if let Some(m) = registry(ctx).mission_of_base(&base_id) {
            check_mission(principal(ctx)?, &m, WRITERS)?;
        }
        let command = StaffingCommand::Deploy {
            deployment_id: uuid::Uuid::now_v7().to_string(),
            staff_id: staff_id.clone(),
            base_id: base_id.clone(),
            from,
        };
        run(ctx, &mission, Some(&staff_id), &[&base_id], command, from).await?;
        Ok(after(ctx, &staff_id, from)?)
    }

    /// Ends a CLA's deployment on a date (default today). Refused with COVERAGE_GAP where it would
    /// leave the base below its minimum, unless `acceptGap` gives the reason for accepting that.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn end_deployment(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        on: Option<Date>,
        reason: Option<String>,
        accept_gap: Option<String>,
    ) -> async_graphql::Result<ClaStaffing> {
        let on = effective_date(on);
        let mission = mission_of_cla(ctx, &staff_id)?;
        let command = StaffingCommand::EndDeployment {
            staff_id: staff_id.clone(),
            on,
            reason: reason.unwrap_or_default(),
            accept_gap: acceptance(ctx, accept_gap)?,
        };
        run(ctx, &mission, Some(&staff_id), &[], command, on).await?;
        Ok(after(ctx, &staff_id, on)?)
    }

    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn plan_rotation(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        from_base_id: String,
        to_base_id: String,
        date: Date,
    ) -> async_graphql::Result<ClaStaffing> {
        let today = Utc::now().date_naive();
        let mission = mission_of_cla(ctx, &staff_id)?;
        let command = StaffingCommand::PlanRotation {
            rotation_id: uuid::Uuid::now_v7().to_string(),
            staff_id: staff_id.clone(),
            from_base_id: from_base_id.clone(),
            to_base_id: to_base_id.clone(),
            date: date.0,
            effective: today.min(date.0),
        };
        let view = View {
            as_of: date.0,
            known_at: None,
        };
        let mut context = StaffingContext {
            mission: mission.clone(),
            bases: base_facts(ctx, &mission, &[&from_base_id, &to_base_id], date.0),
            ..Default::default()
        };
        if let Some(cla) = staffing(ctx).cla(&staff_id, &view) {
            context.staff.insert(staff_id.clone(), staff_facts(&cla));
        }
        let meta = CommandMeta::by(principal(ctx)?, Some(&mission), WRITERS, today.min(date.0))?;
        runtime(ctx)
            .execute::<StaffingDecider>(&stream(&mission), &command, &context, &meta)
            .await?;
        Ok(after(ctx, &staff_id, today)?)
    }

    /// The rotation happened on `on` (default today): one deployment ends and the next starts.
    #[graphql(guard = "StaffingGuard::rotation(&rotation_id, WRITERS)")]
    async fn complete_rotation(
        &self,
        ctx: &Context<'_>,
        rotation_id: String,
        on: Option<Date>,
        accept_gap: Option<String>,
    ) -> async_graphql::Result<ClaStaffing> {
        let on = effective_date(on);
        let (mission, rotation) = rotation_of(ctx, &rotation_id)?;
        let staff_id = rotation.staff_id;
        let command = StaffingCommand::CompleteRotation {
            rotation_id,
            new_deployment_id: uuid::Uuid::now_v7().to_string(),
            on,
            accept_gap: acceptance(ctx, accept_gap)?,
        };
        run(ctx, &mission, Some(&staff_id), &[], command, on).await?;
        Ok(after(ctx, &staff_id, on)?)
    }

    #[graphql(guard = "StaffingGuard::rotation(&rotation_id, WRITERS)")]
    async fn cancel_rotation(
        &self,
        ctx: &Context<'_>,
        rotation_id: String,
        reason: Option<String>,
    ) -> async_graphql::Result<ClaStaffing> {
        let today = Utc::now().date_naive();
        let (mission, rotation) = rotation_of(ctx, &rotation_id)?;
        let staff_id = rotation.staff_id;
        let command = StaffingCommand::CancelRotation {
            rotation_id,
            reason: reason.unwrap_or_default(),
            effective: today,
        };
        run(ctx, &mission, None, &[], command, today).await?;
        Ok(after(ctx, &staff_id, today)?)
    }

    /// Records an absence from–to (both days included). Never refused for coverage: the gap it
    /// opens shows on the board and the forecast.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn record_absence(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        kind: AbsenceKindValue,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<ClaStaffing> {
        let mission = mission_of_cla(ctx, &staff_id)?;
        let command = StaffingCommand::RecordAbsence {
            absence_id: uuid::Uuid::now_v7().to_string(),
            staff_id: staff_id.clone(),
            kind: kind.to_domain(),
            from: from.0,
            to: to.0,
        };
        run(ctx, &mission, Some(&staff_id), &[], command, from.0).await?;
        Ok(after(ctx, &staff_id, from.0)?)
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cut_absence_short(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
        to: Date,
    ) -> async_graphql::Result<ClaStaffing> {
        let (mission, absence) = absence_of(ctx, &absence_id)?;
        let staff_id = absence.staff_id.clone();
        let on = absence.from;
        let command = StaffingCommand::CutAbsenceShort {
            absence_id,
            to: to.0,
            effective: on,
        };
        run(ctx, &mission, None, &[], command, on).await?;
        Ok(after(ctx, &staff_id, on)?)
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cancel_absence(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
    ) -> async_graphql::Result<ClaStaffing> {
        let (mission, absence) = absence_of(ctx, &absence_id)?;
        let staff_id = absence.staff_id.clone();
        let on = absence.from;
        run(
            ctx,
            &mission,
            None,
            &[],
            StaffingCommand::CancelAbsence {
                absence_id,
                effective: on,
            },
            on,
        )
        .await?;
        Ok(after(ctx, &staff_id, on)?)
    }
}
