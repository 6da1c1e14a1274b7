//! Supervision's part of the GraphQL schema: each resolver maps its arguments to one call of the
//! application layer ([`SupervisionApp`], where access is decided) and its answer to GraphQL
//! types. The guards are a second line: CIVIL_AFFAIRS of the mission and ADMIN write; every reader
//! of the mission reads.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::Role;
use cla_platform::access::{ByIdGuard, MissionGuard, principal};
use cla_platform::graphql::{Date, effective as effective_date, view};

use crate::app::{
    self, AppointManager, AssignSupervisor, EndSupervision, ManagerLeaves, RecordFieldVisit,
    SupervisionApp,
};
use crate::events::ManagerKind;
use crate::projections::coverage as domain;

const WRITERS: &[Role] = app::WRITERS;
const READERS: &[Role] = app::READERS;

fn app<'a>(ctx: &'a Context<'_>) -> &'a SupervisionApp {
    ctx.data_unchecked::<SupervisionApp>()
}

/// Guards for a manager named by id: their mission decides.
pub struct ManagerGuard;

impl ManagerGuard {
    pub fn manager(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| app(ctx).view().mission_of_manager(id))
    }
}

// ---------------------------------------------------------------------------------------------
// The report

#[derive(SimpleObject, Clone, Debug)]
pub struct ManagerSpan {
    pub manager_id: String,
    pub name: String,
    pub span: u32,
    pub over_span: bool,
}

impl From<domain::ManagerSpan> for ManagerSpan {
    fn from(s: domain::ManagerSpan) -> Self {
        Self {
            manager_id: s.manager_id,
            name: s.name,
            span: s.span,
            over_span: s.over_span,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct BaseVisit {
    pub base_id: String,
    pub name: String,
    /// The last day of the last visit on or before the asked date.
    pub last_visit: Option<Date>,
    /// Days since then; null where never visited.
    pub days_since: Option<i64>,
}

impl From<domain::BaseVisit> for BaseVisit {
    fn from(v: domain::BaseVisit) -> Self {
        Self {
            base_id: v.base_id,
            name: v.name,
            last_visit: v.last_visit.map(Date),
            days_since: v.days_since,
        }
    }
}

/// Management coverage of a field office, or of the whole mission.
#[derive(SimpleObject, Clone, Debug)]
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

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

impl From<domain::CoverageRow> for CoverageRow {
    fn from(r: domain::CoverageRow) -> Self {
        Self {
            place_id: r.place_id,
            managers: r.managers,
            clas: r.clas,
            max_span: r.max_span,
            mean_span: r.mean_span,
            managers_over_span: all(r.managers_over_span),
            spans: all(r.spans),
            unsupervised: r.unsupervised,
            not_visited: all(r.not_visited),
            coverage_percent: r.coverage_percent,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ManagementCoverage {
    pub mission_code: String,
    pub as_of: Date,
    pub max_span_of_control: u32,
    pub field_visit_interval_days: u32,
    pub mission: CoverageRow,
    pub by_field_office: Vec<CoverageRow>,
}

impl From<domain::ManagementCoverage> for ManagementCoverage {
    fn from(c: domain::ManagementCoverage) -> Self {
        Self {
            mission_code: c.mission_code,
            as_of: Date(c.as_of),
            max_span_of_control: c.max_span_of_control,
            field_visit_interval_days: c.field_visit_interval_days,
            mission: c.mission.into(),
            by_field_office: all(c.by_field_office),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// Per field office and for the mission: managers, spans, unsupervised CLAs, bases not
    /// visited within the mission's interval, coverage.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn management_coverage(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let view = view(as_of, known_at);
        let coverage = app(ctx).management_coverage(principal(ctx)?, &mission_code, &view)?;
        Ok(coverage.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ManagerKind")]
pub enum ManagerKindValue {
    InternationalStaff,
    UnVolunteer,
    SeniorCla,
}

#[derive(InputObject, Debug)]
pub struct AppointManagerInput {
    pub field_office_id: String,
    pub name: String,
    pub kind: ManagerKindValue,
    /// For a senior CLA acting as field coordinator: their staff id.
    pub staff_id: Option<String>,
    pub from: Option<Date>,
}

/// What a supervision change answers: the mission's management coverage on the day.
#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    async fn appoint_manager(
        &self,
        ctx: &Context<'_>,
        input: AppointManagerInput,
    ) -> async_graphql::Result<ManagementCoverage> {
        let command = AppointManager {
            field_office_id: input.field_office_id,
            name: input.name,
            kind: match input.kind {
                ManagerKindValue::InternationalStaff => ManagerKind::InternationalStaff,
                ManagerKindValue::UnVolunteer => ManagerKind::UnVolunteer,
                ManagerKindValue::SeniorCla => ManagerKind::SeniorCla,
            },
            staff_id: input.staff_id,
            from: effective_date(input.from),
        };
        let coverage = app(ctx).appoint_manager(principal(ctx)?, command).await?;
        Ok(coverage.into())
    }

    #[graphql(guard = "ManagerGuard::manager(&manager_id, WRITERS)")]
    async fn manager_leaves(
        &self,
        ctx: &Context<'_>,
        manager_id: String,
        on: Option<Date>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let command = ManagerLeaves {
            manager_id,
            on: effective_date(on),
        };
        let coverage = app(ctx).manager_leaves(principal(ctx)?, command).await?;
        Ok(coverage.into())
    }

    /// The manager supervises the CLA from `from` (default today); a previous supervisor is
    /// replaced in the same step.
    #[graphql(guard = "ManagerGuard::manager(&manager_id, WRITERS)")]
    async fn assign_supervisor(
        &self,
        ctx: &Context<'_>,
        manager_id: String,
        staff_id: String,
        from: Option<Date>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let command = AssignSupervisor {
            manager_id,
            staff_id,
            from: effective_date(from),
        };
        let coverage = app(ctx).assign_supervisor(principal(ctx)?, command).await?;
        Ok(coverage.into())
    }

    async fn end_supervision(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        on: Option<Date>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let command = EndSupervision {
            staff_id,
            on: effective_date(on),
        };
        let coverage = app(ctx).end_supervision(principal(ctx)?, command).await?;
        Ok(coverage.into())
    }

    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "ManagerGuard::manager(&manager_id, WRITERS)")]
    async fn record_field_visit(
        &self,
        ctx: &Context<'_>,
        manager_id: String,
        base_id: String,
        from: Date,
        to: Date,
        purpose: String,
        notes: Option<String>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let command = RecordFieldVisit {
            manager_id,
            base_id,
            from: from.0,
            to: to.0,
            purpose,
            notes: notes.unwrap_or_default(),
        };
        let coverage = app(ctx)
            .record_field_visit(principal(ctx)?, command)
            .await?;
        Ok(coverage.into())
    }
}
