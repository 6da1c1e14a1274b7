//! The staffing part of the GraphQL schema: each resolver maps its arguments to one call of
//! [`StaffingApp`] (where access is decided) and its answer to the types below. CIVIL_AFFAIRS of
//! the mission (and ADMIN) write; MISSION_HR of the mission reads; HQ_REVIEWER reads every mission.
//! The guards are a second line: the application layer alone refuses what the caller may not do.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, principal};
use cla_platform::graphql::{ConnectionTotals, Date, connection, view};
use cla_registry::RegistryView;

use crate::app::{self, READERS, StaffingApp, WRITERS};
use crate::events::AbsenceKind;
use crate::projections::{self as p, StaffingView};

type Page<T> = Connection<String, T, ConnectionTotals>;

fn app<'a>(ctx: &'a Context<'_>) -> &'a StaffingApp {
    ctx.data_unchecked::<StaffingApp>()
}

fn staffing<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffingView> {
    ctx.data_unchecked::<Arc<StaffingView>>()
}

fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}

// ---------------------------------------------------------------------------------------------
// Guards for what is named by id: its mission decides.

pub struct StaffingGuard;

impl StaffingGuard {
    pub fn cla(id: &str, roles: &'static [cla_platform::Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_cla(id))
    }
    pub fn rotation(id: &str, roles: &'static [cla_platform::Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_rotation(id))
    }
    pub fn absence(id: &str, roles: &'static [cla_platform::Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_absence(id))
    }
    pub fn base(id: &str, roles: &'static [cla_platform::Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| registry(ctx).mission_of_base(id))
    }
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
#[derive(SimpleObject, Clone, Debug)]
pub struct GapCause {
    pub kind: CauseKind,
    pub staff_id: String,
    pub name: String,
    /// The absence or rotation id, where there is one.
    pub reference: Option<String>,
    pub detail: String,
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

// ---------------------------------------------------------------------------------------------
// From the application layer's answers

impl From<p::Coverage> for CoverageStatus {
    fn from(c: p::Coverage) -> Self {
        match c {
            p::Coverage::Ok => Self::Ok,
            p::Coverage::BelowMinimum => Self::BelowMinimum,
            p::Coverage::Empty => Self::Empty,
        }
    }
}

impl From<CoverageStatus> for p::Coverage {
    fn from(c: CoverageStatus) -> Self {
        match c {
            CoverageStatus::Ok => Self::Ok,
            CoverageStatus::BelowMinimum => Self::BelowMinimum,
            CoverageStatus::Empty => Self::Empty,
        }
    }
}

impl From<BoardOrder> for p::BoardOrder {
    fn from(o: BoardOrder) -> Self {
        match o {
            BoardOrder::Name => Self::Name,
            BoardOrder::Shortfall => Self::Shortfall,
            BoardOrder::Strength => Self::Strength,
        }
    }
}

impl From<p::BoardRow> for BaseBoardRow {
    fn from(r: p::BoardRow) -> Self {
        let f = r.open_flags;
        Self {
            base_id: r.base_id,
            name: r.name,
            field_office_id: r.field_office_id,
            deployed: r.deployed,
            effective_strength: r.effective_strength,
            minimum: r.minimum,
            status: r.status.into(),
            women: r.women,
            local_languages: r.local_languages,
            languages_covered: r.languages_covered,
            languages_missing: r.languages_missing,
            rotation_due: r.rotation_due,
            clas: r
                .clas
                .into_iter()
                .map(|c| BoardCla {
                    staff_id: c.staff_id,
                    name: c.name,
                    since: Date(c.since),
                    tour_days: c.tour_days,
                    rotation_due: c.rotation_due,
                    absent: c.absent,
                })
                .collect(),
            open_flags: OpenFlagCounts {
                low: f.low,
                medium: f.medium,
                high: f.high,
                critical: f.critical,
            },
        }
    }
}

impl From<p::CoverageForecast> for CoverageForecast {
    fn from(f: p::CoverageForecast) -> Self {
        let kind = |k| match k {
            p::CauseKind::Absence => CauseKind::Absence,
            p::CauseKind::Rotation => CauseKind::Rotation,
            p::CauseKind::AppointmentEnd => CauseKind::AppointmentEnd,
            p::CauseKind::Separation => CauseKind::Separation,
            p::CauseKind::DeploymentEnd => CauseKind::DeploymentEnd,
        };
        Self {
            base_id: f.base_id,
            name: f.name,
            minimum: f.minimum,
            days: f
                .days
                .into_iter()
                .map(|d| ForecastDay {
                    date: Date(d.date),
                    strength: d.strength,
                    minimum: d.minimum,
                    below_minimum: d.below_minimum,
                })
                .collect(),
            gaps: f
                .gaps
                .into_iter()
                .map(|g| Gap {
                    from: Date(g.from),
                    to: Date(g.to),
                    lowest_strength: g.lowest_strength,
                    causes: g
                        .causes
                        .into_iter()
                        .map(|c| GapCause {
                            kind: kind(c.kind),
                            staff_id: c.staff_id,
                            name: c.name,
                            reference: c.reference,
                            detail: c.detail,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<p::RotationEntry> for RotationView {
    fn from(r: p::RotationEntry) -> Self {
        Self {
            id: r.id,
            staff_id: r.staff_id,
            name: r.name,
            from_base_id: r.from_base_id,
            to_base_id: r.to_base_id,
            date: Date(r.date),
            state: match r.state {
                p::RotationState::Planned => RotationState::Planned,
                p::RotationState::Overdue => RotationState::Overdue,
                p::RotationState::Completed => RotationState::Completed,
                p::RotationState::Cancelled => RotationState::Cancelled,
            },
            completed_on: r.completed_on.map(Date),
        }
    }
}

impl From<p::ClaStaffing> for ClaStaffing {
    fn from(c: p::ClaStaffing) -> Self {
        Self {
            staff_id: c.staff_id,
            name: c.name,
            mission_code: c.mission_code,
            base_id: c.base_id,
            deployments: c
                .deployments
                .into_iter()
                .map(|d| DeploymentView {
                    id: d.id,
                    base_id: d.base_id,
                    base_name: d.base_name,
                    from: Date(d.from),
                    to: d.to.map(Date),
                })
                .collect(),
            absences: c
                .absences
                .into_iter()
                .map(|a| AbsenceView {
                    id: a.id,
                    kind: AbsenceKindValue::from_domain(a.kind),
                    from: Date(a.from),
                    to: Date(a.to),
                })
                .collect(),
            rotations: c.rotations.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<p::ClosureExposure> for ClosureExposure {
    fn from(e: p::ClosureExposure) -> Self {
        Self {
            base_id: e.base_id,
            closing_started_on: Date(e.closing_started_on),
            staff_ids: e.staff_ids,
        }
    }
}

fn mapped<T: Into<U>, U>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(Into::into).collect()
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct StaffingQuery;

#[Object]
impl StaffingQuery {
    /// Every open or closing base of a mission with its coverage on the asked date.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "MissionGuard::new(&mission_code, READERS)",
        complexity = "cla_platform::graphql::page_cost(first, child_complexity)"
    )]
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
        let filter = p::BoardFilter {
            field_office_id,
            status: status.map(Into::into),
            order: order.map(Into::into).unwrap_or_default(),
        };
        let rows = app(ctx).base_board(
            principal(ctx)?,
            &mission_code,
            &filter,
            &view(as_of, known_at),
        )?;
        Ok(connection(mapped(rows), first, after)?)
    }

    /// A base's strength per day from `from` (default today) over `days` (default 90, at most
    /// 366), given planned rotations, absences and appointment ends, and its gaps with their causes.
    #[graphql(
        guard = "StaffingGuard::base(&base_id, READERS)",
        complexity = "1 + child_complexity * (days.unwrap_or(90).clamp(1, 366) as usize).div_ceil(30)"
    )]
    async fn coverage_forecast(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        from: Option<Date>,
        days: Option<i32>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CoverageForecast> {
        let from = from.map(|d| d.0);
        let who = principal(ctx)?;
        Ok(app(ctx)
            .coverage_forecast(who, &base_id, from, days, known_at)?
            .into())
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
        let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
        let view = view(as_of, known_at);
        let who = principal(ctx)?;
        Ok(mapped(app(ctx).rotation_calendar(
            who,
            &mission_code,
            from,
            to,
            &view,
        )?))
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
        Ok(mapped(app(ctx).base_closure_exposures(
            principal(ctx)?,
            &mission_code,
            &view,
        )?))
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
        let view = view(as_of, known_at);
        Ok(app(ctx)
            .cla_staffing(principal(ctx)?, &staff_id, &view)?
            .into())
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct StaffingMutation;

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
        let input = app::DeployCla {
            staff_id,
            base_id,
            from: from.map(|d| d.0),
        };
        Ok(app(ctx).deploy_cla(principal(ctx)?, input).await?.into())
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
        let input = app::EndDeployment {
            staff_id,
            on: on.map(|d| d.0),
            reason,
            accept_gap,
        };
        Ok(app(ctx)
            .end_deployment(principal(ctx)?, input)
            .await?
            .into())
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
        let input = app::PlanRotation {
            staff_id,
            from_base_id,
            to_base_id,
            date: date.0,
        };
        Ok(app(ctx).plan_rotation(principal(ctx)?, input).await?.into())
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
        let input = app::CompleteRotation {
            rotation_id,
            on: on.map(|d| d.0),
            accept_gap,
        };
        Ok(app(ctx)
            .complete_rotation(principal(ctx)?, input)
            .await?
            .into())
    }

    #[graphql(guard = "StaffingGuard::rotation(&rotation_id, WRITERS)")]
    async fn cancel_rotation(
        &self,
        ctx: &Context<'_>,
        rotation_id: String,
        reason: Option<String>,
    ) -> async_graphql::Result<ClaStaffing> {
        let input = app::CancelRotation {
            rotation_id,
            reason,
        };
        Ok(app(ctx)
            .cancel_rotation(principal(ctx)?, input)
            .await?
            .into())
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
        let input = app::RecordAbsence {
            staff_id,
            kind: kind.to_domain(),
            from: from.0,
            to: to.0,
        };
        Ok(app(ctx)
            .record_absence(principal(ctx)?, input)
            .await?
            .into())
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cut_absence_short(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
        to: Date,
    ) -> async_graphql::Result<ClaStaffing> {
        let input = app::CutAbsenceShort {
            absence_id,
            to: to.0,
        };
        Ok(app(ctx)
            .cut_absence_short(principal(ctx)?, input)
            .await?
            .into())
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cancel_absence(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
    ) -> async_graphql::Result<ClaStaffing> {
        let input = app::CancelAbsence { absence_id };
        Ok(app(ctx)
            .cancel_absence(principal(ctx)?, input)
            .await?
            .into())
    }
}
