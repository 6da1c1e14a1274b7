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
use crate::decider::Manager;
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

pub use domain::{BaseVisit, CoverageRow, ManagementCoverage, ManagerSpan};

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
        Ok(app(ctx).management_coverage(principal(ctx)?, &mission_code, &view)?)
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

pub struct ManagerNode(Manager);

/// A manager of a field office: international staff, a UN volunteer, or a senior CLA acting as
/// field coordinator.
#[Object(name = "Manager")]
impl ManagerNode {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn field_office_id(&self) -> &str {
        &self.0.field_office_id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> ManagerKindValue {
        match self.0.kind {
            ManagerKind::UnVolunteer => ManagerKindValue::UnVolunteer,
            ManagerKind::SeniorCla => ManagerKindValue::SeniorCla,
            _ => ManagerKindValue::InternationalStaff,
        }
    }
    async fn from(&self) -> Date {
        Date(self.0.from)
    }
    /// The day they left; null while they manage.
    async fn to(&self) -> Option<Date> {
        self.0.to.map(Date)
    }
}

/// What `appointManager` made, and the mission's management coverage after it.
#[derive(SimpleObject)]
pub struct AppointManagerPayload {
    /// The manager appointed, with their new id.
    pub manager: ManagerNode,
    pub coverage: ManagementCoverage,
}

/// What a supervision change answers: the mission's management coverage on the day.
#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Appoints a manager to a field office: the answer carries the manager (their id assigns
    /// supervisors and records visits) and the mission's coverage.
    async fn appoint_manager(
        &self,
        ctx: &Context<'_>,
        input: AppointManagerInput,
    ) -> async_graphql::Result<AppointManagerPayload> {
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
        let appointed = app(ctx).appoint_manager(principal(ctx)?, command).await?;
        Ok(AppointManagerPayload {
            manager: ManagerNode(appointed.manager),
            coverage: appointed.coverage,
        })
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
        Ok(app(ctx).manager_leaves(principal(ctx)?, command).await?)
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
        Ok(app(ctx).assign_supervisor(principal(ctx)?, command).await?)
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
        Ok(app(ctx).end_supervision(principal(ctx)?, command).await?)
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
        Ok(app(ctx)
            .record_field_visit(principal(ctx)?, command)
            .await?)
    }
}
