//! The staffing part of the GraphQL schema: each resolver maps its arguments to one call of
//! [`StaffingApp`] (where access is decided) and its answer to the types below. CIVIL_AFFAIRS of
//! the mission (and ADMIN) write; MISSION_HR of the mission reads; HQ_REVIEWER reads every mission.
//! The guards are a second line: the application layer alone refuses what the caller may not do.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, SimpleObject};
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

cla_platform::graphql_enum!(AbsenceKindValue, "AbsenceKind", AbsenceKind, {
    Leave, RestAndRecuperation, Training, Medical, SecurityRelocation
});

/// An absence's kind as GraphQL shows it (one the contract does not name is leave).
pub(crate) fn absence_kind(kind: AbsenceKind) -> AbsenceKindValue {
    AbsenceKindValue::from_domain(kind).unwrap_or(AbsenceKindValue::Leave)
}

/// What `planRotation` made, and the CLA's staffing after it.
#[derive(SimpleObject)]
pub struct PlanRotationPayload {
    /// The rotation planned, with its new id.
    pub rotation: p::RotationEntry,
    pub staffing: p::ClaStaffing,
}

/// What `recordAbsence` made, and the CLA's staffing after it.
#[derive(SimpleObject)]
pub struct RecordAbsencePayload {
    /// The absence recorded, with its new id.
    pub absence: p::ClaAbsence,
    pub staffing: p::ClaStaffing,
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
        status: Option<p::Coverage>,
        order: Option<p::BoardOrder>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<p::BoardRow>> {
        let filter = p::BoardFilter {
            field_office_id,
            status,
            order: order.unwrap_or_default(),
        };
        let rows = app(ctx).base_board(
            principal(ctx)?,
            &mission_code,
            &filter,
            &view(as_of, known_at),
        )?;
        Ok(connection(rows, first, after)?)
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
    ) -> async_graphql::Result<p::CoverageForecast> {
        let from = from.map(|d| d.0);
        let who = principal(ctx)?;
        Ok(app(ctx).coverage_forecast(who, &base_id, from, days, known_at)?)
    }

    /// Planned, overdue and completed rotations of a mission over a date range (default: the 90
    /// days from today); overdue ones whatever their date. With `includeCancelled`, the cancelled
    /// ones planned within the range too.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn rotation_calendar(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        from: Option<Date>,
        to: Option<Date>,
        #[graphql(default = false)] include_cancelled: bool,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<p::RotationEntry>> {
        let range = (from.map(|d| d.0), to.map(|d| d.0));
        let view = view(as_of, known_at);
        let who = principal(ctx)?;
        Ok(app(ctx).rotation_calendar_with(who, &mission_code, range, include_cancelled, &view)?)
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
    ) -> async_graphql::Result<Vec<p::ClosureExposure>> {
        let view = view(as_of, known_at);
        Ok(app(ctx).base_closure_exposures(principal(ctx)?, &mission_code, &view)?)
    }

    /// A CLA's staffing: current base, deployment history, absences and rotations.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, READERS)")]
    async fn cla_staffing(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let view = view(as_of, known_at);
        Ok(app(ctx).cla_staffing(principal(ctx)?, &staff_id, &view)?)
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
        // Read by the schema's idempotency extension (`cla_platform::idempotency`), not here.
        #[graphql(name = "idempotencyKey")] _idempotency_key: Option<String>,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::DeployCla {
            staff_id,
            base_id,
            from: from.map(|d| d.0),
        };
        Ok(app(ctx).deploy_cla(principal(ctx)?, input).await?)
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
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::EndDeployment {
            staff_id,
            on: on.map(|d| d.0),
            reason,
            accept_gap,
        };
        Ok(app(ctx).end_deployment(principal(ctx)?, input).await?)
    }

    /// Plans a CLA's rotation from one base to another on a date: the answer carries the
    /// rotation (its id completes or cancels it) and the CLA's staffing.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn plan_rotation(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        from_base_id: String,
        to_base_id: String,
        date: Date,
    ) -> async_graphql::Result<PlanRotationPayload> {
        let input = app::PlanRotation {
            staff_id,
            from_base_id,
            to_base_id,
            date: date.0,
        };
        let planned = app(ctx).plan_rotation(principal(ctx)?, input).await?;
        Ok(PlanRotationPayload {
            rotation: planned.rotation,
            staffing: planned.staffing,
        })
    }

    /// The rotation happened on `on` (default today): one deployment ends and the next starts.
    #[graphql(guard = "StaffingGuard::rotation(&rotation_id, WRITERS)")]
    async fn complete_rotation(
        &self,
        ctx: &Context<'_>,
        rotation_id: String,
        on: Option<Date>,
        accept_gap: Option<String>,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::CompleteRotation {
            rotation_id,
            on: on.map(|d| d.0),
            accept_gap,
        };
        Ok(app(ctx).complete_rotation(principal(ctx)?, input).await?)
    }

    #[graphql(guard = "StaffingGuard::rotation(&rotation_id, WRITERS)")]
    async fn cancel_rotation(
        &self,
        ctx: &Context<'_>,
        rotation_id: String,
        reason: Option<String>,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::CancelRotation {
            rotation_id,
            reason,
        };
        Ok(app(ctx).cancel_rotation(principal(ctx)?, input).await?)
    }

    /// Records an absence from–to (both days included). Never refused for coverage: the gap it
    /// opens shows on the board and the forecast. The answer carries the absence (its id cuts it
    /// short or cancels it) and the CLA's staffing.
    #[graphql(guard = "StaffingGuard::cla(&staff_id, WRITERS)")]
    async fn record_absence(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        kind: AbsenceKindValue,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<RecordAbsencePayload> {
        let input = app::RecordAbsence {
            staff_id,
            kind: kind.to_domain(),
            from: from.0,
            to: to.0,
        };
        let recorded = app(ctx).record_absence(principal(ctx)?, input).await?;
        Ok(RecordAbsencePayload {
            absence: recorded.absence,
            staffing: recorded.staffing,
        })
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cut_absence_short(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
        to: Date,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::CutAbsenceShort {
            absence_id,
            to: to.0,
        };
        Ok(app(ctx).cut_absence_short(principal(ctx)?, input).await?)
    }

    #[graphql(guard = "StaffingGuard::absence(&absence_id, WRITERS)")]
    async fn cancel_absence(
        &self,
        ctx: &Context<'_>,
        absence_id: String,
    ) -> async_graphql::Result<p::ClaStaffing> {
        let input = app::CancelAbsence { absence_id };
        Ok(app(ctx).cancel_absence(principal(ctx)?, input).await?)
    }
}
