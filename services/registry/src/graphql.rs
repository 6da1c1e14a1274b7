//! The registry's part of the GraphQL schema. Who may use each field is declared on it:
//! ADMIN creates and changes missions; ADMIN and CIVIL_AFFAIRS of the mission manage its field
//! offices and bases; everyone signed in reads what their scope covers.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, InputObject, MaybeUndefined, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, NaiveDate, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, RoleGuard, principal};
use cla_platform::command::{CommandMeta, load};
use cla_platform::graphql::{
    ConnectionTotals, Date, connection, effective as effective_date, view,
};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Role, Runtime};
use futures::{Stream, StreamExt};

use crate::commands::{
    BaseCommand, BaseDetails, BaseDetailsPatch, FieldOfficeCommand, MissionCommand,
};
use crate::decider::{
    Base, BaseContext, BaseDecider, BaseStatus, FieldOffice, FieldOfficeContext,
    FieldOfficeDecider, Mission, MissionDecider, check_code,
};
use crate::events::{self, RegistryEvent, StaffingPolicy, streams};
use crate::projections::RegistryView;

/// Who manages a mission's field offices and bases.
const MANAGERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
const ADMIN: &[Role] = &[Role::Admin];
const EVERYONE: &[Role] = &Role::ALL;

type Page<T> = Connection<String, T, ConnectionTotals>;

fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}

fn runtime<'a>(ctx: &'a Context<'_>) -> &'a Runtime {
    ctx.data_unchecked::<Runtime>()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// What a change shows once made: the world on its effective date, or today if that is later.
fn after_change(effective: NaiveDate) -> View {
    View {
        as_of: effective.max(today()),
        known_at: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Guards for what is named by id: the entity's mission decides.

pub struct EntityGuard;

impl EntityGuard {
    pub fn field_office(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| {
            registry(ctx).mission_of_field_office(id)
        })
    }

    pub fn base(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| registry(ctx).mission_of_base(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Output types

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "BaseKind")]
pub enum BaseKindValue {
    CompanyOperatingBase,
    TemporaryOperatingBase,
    StandingCombatDeployment,
    RegionalOffice,
}

impl BaseKindValue {
    fn from_domain(kind: events::BaseKind) -> Option<Self> {
        use events::BaseKind as K;
        match kind {
            K::CompanyOperatingBase => Some(Self::CompanyOperatingBase),
            K::TemporaryOperatingBase => Some(Self::TemporaryOperatingBase),
            K::StandingCombatDeployment => Some(Self::StandingCombatDeployment),
            K::RegionalOffice => Some(Self::RegionalOffice),
            K::Unspecified => None,
        }
    }

    fn to_domain(self) -> events::BaseKind {
        use events::BaseKind as K;
        match self {
            Self::CompanyOperatingBase => K::CompanyOperatingBase,
            Self::TemporaryOperatingBase => K::TemporaryOperatingBase,
            Self::StandingCombatDeployment => K::StandingCombatDeployment,
            Self::RegionalOffice => K::RegionalOffice,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "BaseStatus")]
pub enum BaseStatusValue {
    Open,
    Closing,
    Closed,
}

impl From<BaseStatus> for BaseStatusValue {
    fn from(s: BaseStatus) -> Self {
        match s {
            BaseStatus::Open => Self::Open,
            BaseStatus::Closing => Self::Closing,
            BaseStatus::Closed => Self::Closed,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "DeploymentModel")]
pub enum DeploymentModelValue {
    /// CLAs live on the bases of the military contingents.
    CoLocated,
    /// CLAs work from regional offices.
    RegionalOffices,
}

/// A mission's staffing policy.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "StaffingPolicy")]
pub struct StaffingPolicyView {
    pub minimum_clas_per_base: u32,
    pub deployment_model: DeploymentModelValue,
    pub max_span_of_control: u32,
    pub check_in_interval_hours: u32,
    pub check_in_grace_hours: u32,
    pub field_visit_interval_days: u32,
    pub max_tour_months: u32,
}

impl From<&StaffingPolicy> for StaffingPolicyView {
    fn from(p: &StaffingPolicy) -> Self {
        Self {
            minimum_clas_per_base: p.minimum_clas_per_base,
            deployment_model: if p.deployment_model
                == events::DeploymentModel::RegionalOffices as i32
            {
                DeploymentModelValue::RegionalOffices
            } else {
                DeploymentModelValue::CoLocated
            },
            max_span_of_control: p.max_span_of_control,
            check_in_interval_hours: p.check_in_interval_hours,
            check_in_grace_hours: p.check_in_grace_hours,
            field_visit_interval_days: p.field_visit_interval_days,
            max_tour_months: p.max_tour_months,
        }
    }
}

/// A mission, as of the asked date.
pub struct MissionNode {
    mission: Mission,
    view: View,
}

#[Object(name = "Mission")]
impl MissionNode {
    async fn code(&self) -> &str {
        &self.mission.code
    }
    async fn name(&self) -> &str {
        &self.mission.name
    }
    async fn country(&self) -> &str {
        &self.mission.country
    }
    async fn policy(&self) -> StaffingPolicyView {
        (&self.mission.policy).into()
    }
    /// The business date the mission was set up.
    async fn created_on(&self) -> Date {
        self.mission.created_on.into()
    }

    async fn field_offices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<FieldOfficeNode>> {
        let offices = registry(ctx)
            .field_offices(&self.mission.code, &self.view)
            .into_iter()
            .map(|office| FieldOfficeNode {
                office,
                view: self.view,
            })
            .collect();
        Ok(connection(offices, first, after)?)
    }

    async fn bases(
        &self,
        ctx: &Context<'_>,
        status: Option<BaseStatusValue>,
        kind: Option<BaseKindValue>,
        field_office_id: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseNode>> {
        Ok(bases_page(
            ctx,
            &self.mission.code,
            &self.view,
            status,
            kind,
            field_office_id,
            first,
            after,
        )?)
    }
}

#[allow(clippy::too_many_arguments)]
fn bases_page(
    ctx: &Context<'_>,
    mission: &str,
    view: &View,
    status: Option<BaseStatusValue>,
    kind: Option<BaseKindValue>,
    field_office_id: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<BaseNode>> {
    let registry = registry(ctx);
    let minimum = registry
        .mission(mission, view)
        .map_or(2, |m| m.policy.minimum_clas_per_base);
    let bases = registry
        .bases(mission, view)
        .into_iter()
        .filter(|b| status.is_none_or(|s| BaseStatusValue::from(b.status) == s))
        .filter(|b| kind.is_none_or(|k| b.details.kind == k.to_domain()))
        .filter(|b| {
            field_office_id
                .as_ref()
                .is_none_or(|f| &b.details.field_office_id == f)
        })
        .map(|base| BaseNode {
            base,
            view: *view,
            mission_minimum: minimum,
        })
        .collect();
    connection(bases, first, after)
}

/// A field office, as of the asked date.
pub struct FieldOfficeNode {
    office: FieldOffice,
    view: View,
}

#[Object(name = "FieldOffice")]
impl FieldOfficeNode {
    async fn id(&self) -> &str {
        &self.office.id
    }
    async fn mission_code(&self) -> &str {
        &self.office.mission_code
    }
    async fn name(&self) -> &str {
        &self.office.name
    }
    async fn opened_on(&self) -> Date {
        self.office.opened_on.into()
    }
    async fn bases(
        &self,
        ctx: &Context<'_>,
        status: Option<BaseStatusValue>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseNode>> {
        Ok(bases_page(
            ctx,
            &self.office.mission_code,
            &self.view,
            status,
            None,
            Some(self.office.id.clone()),
            first,
            after,
        )?)
    }
}

/// A base, as of the asked date.
pub struct BaseNode {
    base: Base,
    view: View,
    mission_minimum: u32,
}

#[Object(name = "Base")]
impl BaseNode {
    async fn id(&self) -> &str {
        &self.base.id
    }
    async fn mission_code(&self) -> &str {
        &self.base.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.base.details.field_office_id
    }
    async fn field_office(&self, ctx: &Context<'_>) -> Option<FieldOfficeNode> {
        registry(ctx)
            .field_office(&self.base.details.field_office_id, &self.view)
            .map(|office| FieldOfficeNode {
                office,
                view: self.view,
            })
    }
    async fn name(&self) -> &str {
        &self.base.details.name
    }
    async fn kind(&self) -> Option<BaseKindValue> {
        BaseKindValue::from_domain(self.base.details.kind)
    }
    /// The military contingent at the base; empty where there is none.
    async fn contingent(&self) -> &str {
        &self.base.details.contingent
    }
    /// Languages spoken in the communities around the base.
    async fn local_languages(&self) -> &[String] {
        &self.base.details.local_languages
    }
    async fn alert_network_working(&self) -> bool {
        self.base.details.alert_network_working
    }
    /// The base's own minimum CLA strength, where it overrides the mission's policy.
    async fn minimum_override(&self) -> Option<u32> {
        self.base.details.minimum_override
    }
    /// The minimum CLA strength that applies: the base's own, or its mission's policy.
    async fn minimum(&self) -> u32 {
        self.base
            .details
            .minimum_override
            .unwrap_or(self.mission_minimum)
    }
    async fn status(&self) -> BaseStatusValue {
        self.base.status.into()
    }
    async fn opened_on(&self) -> Date {
        self.base.opened_on.into()
    }
    async fn closing_since(&self) -> Option<Date> {
        self.base.closing_since.map(Date)
    }
    async fn closed_on(&self) -> Option<Date> {
        self.base.closed_on.map(Date)
    }
}

fn mission_node(ctx: &Context<'_>, code: &str, view: View) -> AppResult<MissionNode> {
    registry(ctx)
        .mission(code, &view)
        .map(|mission| MissionNode { mission, view })
        .ok_or_else(|| {
            AppError::not_found("code", format!("no mission {code} as of {}", view.as_of))
        })
}

fn field_office_node(ctx: &Context<'_>, id: &str, view: View) -> AppResult<FieldOfficeNode> {
    registry(ctx)
        .field_office(id, &view)
        .map(|office| FieldOfficeNode { office, view })
        .ok_or_else(|| {
            AppError::not_found(
                "fieldOfficeId",
                format!("no field office {id} as of {}", view.as_of),
            )
        })
}

fn base_node(ctx: &Context<'_>, id: &str, view: View) -> AppResult<BaseNode> {
    let registry = registry(ctx);
    let base = registry.base(id, &view).ok_or_else(|| {
        AppError::not_found("baseId", format!("no base {id} as of {}", view.as_of))
    })?;
    let mission_minimum = registry
        .mission(&base.mission_code, &view)
        .map_or(2, |m| m.policy.minimum_clas_per_base);
    Ok(BaseNode {
        base,
        view,
        mission_minimum,
    })
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct RegistryQuery;

#[Object]
impl RegistryQuery {
    /// The missions the caller's scope covers, by code.
    async fn missions(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<MissionNode>> {
        let who = principal(ctx)?;
        let view = view(as_of, known_at);
        let missions = registry(ctx)
            .missions(&view)
            .into_iter()
            .filter(|m| who.can_read(&m.code))
            .map(|mission| MissionNode { mission, view })
            .collect();
        Ok(connection(missions, first, after)?)
    }

    #[graphql(guard = "MissionGuard::new(&code, EVERYONE)")]
    async fn mission(
        &self,
        ctx: &Context<'_>,
        code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<MissionNode> {
        Ok(mission_node(ctx, &code, view(as_of, known_at))?)
    }

    #[graphql(guard = "EntityGuard::field_office(&id, EVERYONE)")]
    async fn field_office(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<FieldOfficeNode> {
        Ok(field_office_node(ctx, &id, view(as_of, known_at))?)
    }

    /// A mission's bases, by name, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, EVERYONE)")]
    async fn bases(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        status: Option<BaseStatusValue>,
        kind: Option<BaseKindValue>,
        field_office_id: Option<String>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseNode>> {
        let view = view(as_of, known_at);
        if registry(ctx).mission(&mission_code, &view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission_code} as of {}", view.as_of),
            )
            .into());
        }
        Ok(bases_page(
            ctx,
            &mission_code,
            &view,
            status,
            kind,
            field_office_id,
            first,
            after,
        )?)
    }

    #[graphql(guard = "EntityGuard::base(&id, EVERYONE)")]
    async fn base(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<BaseNode> {
        Ok(base_node(ctx, &id, view(as_of, known_at))?)
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// A staffing policy; what is left out keeps its default (on creation) or its current value.
#[derive(InputObject, Default, Clone, Debug)]
pub struct StaffingPolicyInput {
    pub minimum_clas_per_base: Option<i32>,
    pub deployment_model: Option<DeploymentModelValue>,
    pub max_span_of_control: Option<i32>,
    pub check_in_interval_hours: Option<i32>,
    pub check_in_grace_hours: Option<i32>,
    pub field_visit_interval_days: Option<i32>,
    pub max_tour_months: Option<i32>,
}

fn count(field: &str, value: Option<i32>, current: u32) -> AppResult<u32> {
    match value {
        None => Ok(current),
        Some(v) => u32::try_from(v)
            .map_err(|_| AppError::validation(field, format!("{field} must not be negative"))),
    }
}

impl StaffingPolicyInput {
    fn over(&self, current: &StaffingPolicy) -> AppResult<StaffingPolicy> {
        Ok(StaffingPolicy {
            minimum_clas_per_base: count(
                "minimumClasPerBase",
                self.minimum_clas_per_base,
                current.minimum_clas_per_base,
            )?,
            deployment_model: match self.deployment_model {
                None => current.deployment_model,
                Some(DeploymentModelValue::CoLocated) => events::DeploymentModel::CoLocated as i32,
                Some(DeploymentModelValue::RegionalOffices) => {
                    events::DeploymentModel::RegionalOffices as i32
                }
            },
            max_span_of_control: count(
                "maxSpanOfControl",
                self.max_span_of_control,
                current.max_span_of_control,
            )?,
            check_in_interval_hours: count(
                "checkInIntervalHours",
                self.check_in_interval_hours,
                current.check_in_interval_hours,
            )?,
            check_in_grace_hours: count(
                "checkInGraceHours",
                self.check_in_grace_hours,
                current.check_in_grace_hours,
            )?,
            field_visit_interval_days: count(
                "fieldVisitIntervalDays",
                self.field_visit_interval_days,
                current.field_visit_interval_days,
            )?,
            max_tour_months: count(
                "maxTourMonths",
                self.max_tour_months,
                current.max_tour_months,
            )?,
        })
    }
}

#[derive(InputObject, Debug)]
pub struct CreateMissionInput {
    /// 2 to 16 capital letters and digits (MONUSCO); taken for good.
    pub code: String,
    pub name: String,
    pub country: String,
    pub policy: Option<StaffingPolicyInput>,
    /// The business date the mission exists from (default today).
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct OpenFieldOfficeInput {
    pub mission_code: String,
    pub name: String,
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct OpenBaseInput {
    pub field_office_id: String,
    pub name: String,
    pub kind: BaseKindValue,
    pub contingent: Option<String>,
    pub local_languages: Option<Vec<String>>,
    /// Whether the community alert network works (default true).
    pub alert_network_working: Option<bool>,
    /// The base's own minimum CLA strength, overriding the mission's policy (at least 1).
    pub minimum_override: Option<i32>,
    pub effective: Option<Date>,
}

/// Changes to a base: what is given replaces what the base has; `minimumOverride: null` returns
/// the base to its mission's policy.
#[derive(InputObject, Debug)]
pub struct ChangeBaseInput {
    pub name: Option<String>,
    pub kind: Option<BaseKindValue>,
    pub field_office_id: Option<String>,
    pub contingent: Option<String>,
    pub local_languages: Option<Vec<String>>,
    pub alert_network_working: Option<bool>,
    pub minimum_override: MaybeUndefined<i32>,
    pub effective: Option<Date>,
}

fn minimum(value: Option<i32>) -> AppResult<Option<u32>> {
    value
        .map(|v| {
            u32::try_from(v).map_err(|_| {
                AppError::validation("minimumOverride", "a base's minimum is at least 1")
            })
        })
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct RegistryMutation;

async fn office_context(ctx: &Context<'_>, id: &str) -> AppResult<Option<FieldOffice>> {
    let (state, _) =
        load::<FieldOfficeDecider>(runtime(ctx).store.as_ref(), &streams::field_office(id)).await?;
    Ok(state.0)
}

async fn run_base(
    ctx: &Context<'_>,
    base_id: &str,
    office_id: Option<&str>,
    command: BaseCommand,
    effective: NaiveDate,
) -> AppResult<BaseNode> {
    let registry = registry(ctx);
    let mission = registry.mission_of_base(base_id);
    let office_id = office_id.map(str::to_string).or_else(|| {
        registry
            .base(
                base_id,
                &View {
                    as_of: NaiveDate::MAX,
                    known_at: None,
                },
            )
            .map(|b| b.details.field_office_id)
    });
    let context = BaseContext {
        field_office: match office_id {
            Some(id) => office_context(ctx, &id).await?,
            None => None,
        },
    };
    // An unknown base (or, opening one, an unknown field office) is NOT_FOUND whoever asks.
    let mission = mission
        .or_else(|| {
            context
                .field_office
                .as_ref()
                .map(|o| o.mission_code.clone())
        })
        .ok_or_else(|| match command {
            BaseCommand::Open { .. } => {
                AppError::not_found("fieldOfficeId", "no such field office")
            }
            _ => AppError::not_found("baseId", "no such base"),
        })?;
    let meta = CommandMeta::by(principal(ctx)?, Some(&mission), MANAGERS, effective)?;
    runtime(ctx)
        .execute::<BaseDecider>(&streams::base(base_id), &command, &context, &meta)
        .await?;
    base_node(ctx, base_id, after_change(effective))
}

#[Object]
impl RegistryMutation {
    #[graphql(guard = "RoleGuard::new(ADMIN)")]
    async fn create_mission(
        &self,
        ctx: &Context<'_>,
        input: CreateMissionInput,
    ) -> async_graphql::Result<MissionNode> {
        let code = input.code.trim().to_string();
        check_code(&code)?;
        let effective = effective_date(input.effective);
        let policy = input
            .policy
            .unwrap_or_default()
            .over(&events::default_policy())?;
        let command = MissionCommand::Create {
            code: code.clone(),
            name: input.name,
            country: input.country,
            policy,
            effective,
        };
        let meta = CommandMeta::by(principal(ctx)?, None, ADMIN, effective)?;
        runtime(ctx)
            .execute::<MissionDecider>(&streams::mission(&code), &command, &(), &meta)
            .await?;
        Ok(mission_node(ctx, &code, after_change(effective))?)
    }

    #[graphql(guard = "RoleGuard::new(ADMIN)")]
    async fn rename_mission(
        &self,
        ctx: &Context<'_>,
        code: String,
        name: String,
        country: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<MissionNode> {
        check_code(&code)?;
        let effective = effective_date(effective);
        let command = MissionCommand::Rename {
            name,
            country,
            effective,
        };
        let meta = CommandMeta::by(principal(ctx)?, None, ADMIN, effective)?;
        runtime(ctx)
            .execute::<MissionDecider>(&streams::mission(&code), &command, &(), &meta)
            .await?;
        Ok(mission_node(ctx, &code, after_change(effective))?)
    }

    /// Changes a mission's staffing policy; what the input leaves out stays as it is.
    #[graphql(guard = "RoleGuard::new(ADMIN)")]
    async fn change_mission_policy(
        &self,
        ctx: &Context<'_>,
        code: String,
        policy: StaffingPolicyInput,
        effective: Option<Date>,
    ) -> async_graphql::Result<MissionNode> {
        check_code(&code)?;
        let effective = effective_date(effective);
        let stream = streams::mission(&code);
        let (current, _) = load::<MissionDecider>(runtime(ctx).store.as_ref(), &stream).await?;
        let Some(current) = current.0 else {
            return Err(AppError::not_found("code", format!("no mission {code}")).into());
        };
        let command = MissionCommand::ChangePolicy {
            policy: policy.over(&current.policy)?,
            effective,
        };
        let meta = CommandMeta::by(principal(ctx)?, None, ADMIN, effective)?;
        runtime(ctx)
            .execute::<MissionDecider>(&stream, &command, &(), &meta)
            .await?;
        Ok(mission_node(ctx, &code, after_change(effective))?)
    }

    #[graphql(guard = "MissionGuard::new(&input.mission_code, MANAGERS)")]
    async fn open_field_office(
        &self,
        ctx: &Context<'_>,
        input: OpenFieldOfficeInput,
    ) -> async_graphql::Result<FieldOfficeNode> {
        let effective = effective_date(input.effective);
        let id = uuid::Uuid::now_v7().to_string();
        let mission = if check_code(&input.mission_code).is_ok() {
            load::<MissionDecider>(
                runtime(ctx).store.as_ref(),
                &streams::mission(&input.mission_code),
            )
            .await?
            .0
            .0
        } else {
            None
        };
        let command = FieldOfficeCommand::Open {
            field_office_id: id.clone(),
            mission_code: input.mission_code.clone(),
            name: input.name,
            effective,
        };
        let meta = CommandMeta::by(
            principal(ctx)?,
            Some(&input.mission_code),
            MANAGERS,
            effective,
        )?;
        runtime(ctx)
            .execute::<FieldOfficeDecider>(
                &streams::field_office(&id),
                &command,
                &FieldOfficeContext { mission },
                &meta,
            )
            .await?;
        Ok(field_office_node(ctx, &id, after_change(effective))?)
    }

    #[graphql(guard = "EntityGuard::field_office(&field_office_id, MANAGERS)")]
    async fn rename_field_office(
        &self,
        ctx: &Context<'_>,
        field_office_id: String,
        name: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<FieldOfficeNode> {
        let effective = effective_date(effective);
        let mission = registry(ctx).mission_of_field_office(&field_office_id);
        let Some(mission) = mission else {
            return Err(AppError::not_found(
                "fieldOfficeId",
                format!("no field office {field_office_id}"),
            )
            .into());
        };
        let command = FieldOfficeCommand::Rename { name, effective };
        let meta = CommandMeta::by(principal(ctx)?, Some(&mission), MANAGERS, effective)?;
        runtime(ctx)
            .execute::<FieldOfficeDecider>(
                &streams::field_office(&field_office_id),
                &command,
                &FieldOfficeContext::default(),
                &meta,
            )
            .await?;
        Ok(field_office_node(
            ctx,
            &field_office_id,
            after_change(effective),
        )?)
    }

    #[graphql(guard = "EntityGuard::field_office(&input.field_office_id, MANAGERS)")]
    async fn open_base(
        &self,
        ctx: &Context<'_>,
        input: OpenBaseInput,
    ) -> async_graphql::Result<BaseNode> {
        let effective = effective_date(input.effective);
        let id = uuid::Uuid::now_v7().to_string();
        let details = BaseDetails {
            name: input.name,
            kind: input.kind.to_domain(),
            field_office_id: input.field_office_id.clone(),
            contingent: input.contingent.unwrap_or_default(),
            local_languages: input.local_languages.unwrap_or_default(),
            alert_network_working: input.alert_network_working.unwrap_or(true),
            minimum_override: minimum(input.minimum_override)?,
        };
        let command = BaseCommand::Open {
            base_id: id.clone(),
            details,
            effective,
        };
        Ok(run_base(ctx, &id, Some(&input.field_office_id), command, effective).await?)
    }

    #[graphql(guard = "EntityGuard::base(&base_id, MANAGERS)")]
    async fn change_base(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        input: ChangeBaseInput,
    ) -> async_graphql::Result<BaseNode> {
        let effective = effective_date(input.effective);
        let patch = BaseDetailsPatch {
            name: input.name,
            kind: input.kind.map(BaseKindValue::to_domain),
            field_office_id: input.field_office_id.clone(),
            contingent: input.contingent,
            local_languages: input.local_languages,
            alert_network_working: input.alert_network_working,
            minimum_override: match input.minimum_override {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(minimum(Some(v))?),
            },
        };
        let command = BaseCommand::ChangeDetails { patch, effective };
        Ok(run_base(
            ctx,
            &base_id,
            input.field_office_id.as_deref(),
            command,
            effective,
        )
        .await?)
    }

    /// Starts closing a base: its CLAs are to be rotated or released before it closes.
    #[graphql(guard = "EntityGuard::base(&base_id, MANAGERS)")]
    async fn start_closing_base(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<BaseNode> {
        lifecycle(ctx, &base_id, effective, |effective| {
            BaseCommand::StartClosing { reason, effective }
        })
        .await
    }

    /// Keeps a closing base open after all.
    #[graphql(guard = "EntityGuard::base(&base_id, MANAGERS)")]
    async fn cancel_base_closing(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<BaseNode> {
        lifecycle(ctx, &base_id, effective, |effective| {
            BaseCommand::CancelClosing { reason, effective }
        })
        .await
    }

    /// Closes a closing base.
    #[graphql(guard = "EntityGuard::base(&base_id, MANAGERS)")]
    async fn close_base(
        &self,
        ctx: &Context<'_>,
        base_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<BaseNode> {
        // Every CLA there must have been rotated or released first (the two-per-base rule applies
        // to each of those changes, so the gap they open was accepted with a reason).
        let on = effective_date(effective);
        if let (Some(occupancy), Some(mission)) = (
            ctx.data_opt::<Arc<dyn crate::BaseOccupancy>>(),
            registry(ctx).mission_of_base(&base_id),
        ) {
            let deployed = occupancy.deployed(&mission, &base_id, on);
            if deployed > 0 {
                return Err(AppError::new(
                    cla_platform::ErrorCode::CoverageGap,
                    format!(
                        "{deployed} CLA(s) are still deployed at this base on {on}; rotate or release them first"
                    ),
                )
                .on("baseId")
                .into());
            }
        }
        lifecycle(ctx, &base_id, effective, |effective| BaseCommand::Close {
            reason,
            effective,
        })
        .await
    }
}

/// A step in a base's lifecycle, effective on the given date (default today).
async fn lifecycle(
    ctx: &Context<'_>,
    base_id: &str,
    effective: Option<Date>,
    command: impl FnOnce(NaiveDate) -> BaseCommand,
) -> async_graphql::Result<BaseNode> {
    let effective = effective_date(effective);
    Ok(run_base(ctx, base_id, None, command(effective), effective).await?)
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

/// A change in a mission's registry.
#[derive(SimpleObject, Clone, Debug)]
pub struct RegistryChange {
    /// The stored event type (`BaseOpened.v1`).
    pub event_type: String,
    pub mission_code: String,
    /// The mission code, field office id or base id the change is about.
    pub subject_id: String,
    pub effective: Date,
    pub recorded_at: DateTime<Utc>,
    /// The change's place in the store's global order.
    pub position: String,
}

#[derive(Default)]
pub struct RegistrySubscription;

#[Subscription]
impl RegistrySubscription {
    /// Every registry change in a mission from now on, once the read models show it.
    #[graphql(guard = "MissionGuard::new(&mission_code, EVERYONE)")]
    async fn registry_changes(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
    ) -> async_graphql::Result<impl Stream<Item = RegistryChange> + use<>> {
        let changes = runtime(ctx).hub.changes();
        let registry = Arc::clone(registry(ctx));
        let feed = futures::stream::unfold(changes, |mut changes| async move {
            loop {
                match changes.recv().await {
                    Ok(event) => return Some((event, changes)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a registry subscriber fell behind");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(feed.filter_map(move |recorded| {
            let registry = Arc::clone(&registry);
            let mission_code = mission_code.clone();
            async move {
                let event = cla_platform::codec::decode_recorded::<RegistryEvent>(&recorded)?;
                let (mission, subject_id) = registry.subject_of(&event);
                (mission.as_deref() == Some(mission_code.as_str())).then(|| RegistryChange {
                    event_type: recorded.event_type.to_string(),
                    mission_code,
                    subject_id,
                    effective: Date(recorded.metadata.effective),
                    recorded_at: recorded.recorded,
                    position: recorded.position.0.to_string(),
                })
            }
        }))
    }
}
