//! The registry's part of the GraphQL schema: each resolver maps its arguments to one call of the
//! application layer ([`RegistryApp`], where access is decided) and its answer to GraphQL types.
//! The guards declared per field are a second line: ADMIN creates and changes missions; ADMIN and
//! CIVIL_AFFAIRS of the mission manage its field offices and bases; everyone signed in reads what
//! their scope covers.

use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, InputObject, MaybeUndefined, Object, SimpleObject, Subscription,
};
use chrono::{DateTime, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, RoleGuard, principal};
use cla_platform::graphql::{
    ConnectionTotals, Date, connection, effective as effective_date, view,
};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Role};
use futures::{Stream, StreamExt};

use crate::app::{
    self, BaseFilter, BaseStep, ChangeBase, ChangeMissionPolicy, CreateMission, OpenBase,
    OpenFieldOffice, PlacedBase, RegistryApp, RenameFieldOffice, RenameMission,
};
use crate::commands::{BaseDetails, BaseDetailsPatch, StaffingPolicyChange};
use crate::decider::{BaseStatus, FieldOffice, Mission};
use crate::events::{self, StaffingPolicy};

const MANAGERS: &[Role] = app::MANAGERS;
const ADMIN: &[Role] = app::ADMIN;
const EVERYONE: &[Role] = app::READERS;

type Page<T> = Connection<String, T, ConnectionTotals>;

fn app<'a>(ctx: &'a Context<'_>) -> &'a RegistryApp {
    ctx.data_unchecked::<RegistryApp>()
}

// ---------------------------------------------------------------------------------------------
// Guards for what is named by id: the entity's mission decides.

pub struct EntityGuard;

impl EntityGuard {
    pub fn field_office(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| {
            app(ctx).view().mission_of_field_office(id)
        })
    }

    pub fn base(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| app(ctx).view().mission_of_base(id))
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

impl From<BaseStatusValue> for BaseStatus {
    fn from(s: BaseStatusValue) -> Self {
        match s {
            BaseStatusValue::Open => Self::Open,
            BaseStatusValue::Closing => Self::Closing,
            BaseStatusValue::Closed => Self::Closed,
        }
    }
}

/// A mission, as of the asked date.
pub struct MissionNode {
    mission: Mission,
    view: View,
}

impl MissionNode {
    fn new(mission: Mission, view: View) -> Self {
        Self { mission, view }
    }
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

    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn field_offices(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<FieldOfficeNode>> {
        let offices = app(ctx).field_offices(principal(ctx)?, &self.mission.code, &self.view)?;
        Ok(connection(
            offices
                .into_iter()
                .map(|o| FieldOfficeNode::new(o, self.view))
                .collect(),
            first,
            after,
        )?)
    }

    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn bases(
        &self,
        ctx: &Context<'_>,
        status: Option<BaseStatusValue>,
        kind: Option<BaseKindValue>,
        field_office_id: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseNode>> {
        let filter = base_filter(status, kind, field_office_id);
        Ok(bases_page(
            ctx,
            &self.mission.code,
            &filter,
            self.view,
            first,
            after,
        )?)
    }
}

fn base_filter(
    status: Option<BaseStatusValue>,
    kind: Option<BaseKindValue>,
    field_office_id: Option<String>,
) -> BaseFilter {
    BaseFilter {
        status: status.map(Into::into),
        kind: kind.map(BaseKindValue::to_domain),
        field_office_id,
    }
}

fn bases_page(
    ctx: &Context<'_>,
    mission: &str,
    filter: &BaseFilter,
    view: View,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<BaseNode>> {
    let bases = app(ctx).bases(principal(ctx)?, mission, filter, &view)?;
    connection(
        bases.into_iter().map(|b| BaseNode::new(b, view)).collect(),
        first,
        after,
    )
}

/// A field office, as of the asked date.
pub struct FieldOfficeNode {
    office: FieldOffice,
    view: View,
}

impl FieldOfficeNode {
    fn new(office: FieldOffice, view: View) -> Self {
        Self { office, view }
    }
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
    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn bases(
        &self,
        ctx: &Context<'_>,
        status: Option<BaseStatusValue>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<BaseNode>> {
        let filter = base_filter(status, None, Some(self.office.id.clone()));
        Ok(bases_page(
            ctx,
            &self.office.mission_code,
            &filter,
            self.view,
            first,
            after,
        )?)
    }
}

/// A base, as of the asked date.
pub struct BaseNode {
    base: PlacedBase,
    view: View,
}

impl BaseNode {
    fn new(base: PlacedBase, view: View) -> Self {
        Self { base, view }
    }
}

#[Object(name = "Base")]
impl BaseNode {
    async fn id(&self) -> &str {
        &self.base.base.id
    }
    async fn mission_code(&self) -> &str {
        &self.base.base.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.base.base.details.field_office_id
    }
    async fn field_office(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<FieldOfficeNode>> {
        let id = &self.base.base.details.field_office_id;
        Ok(app(ctx)
            .field_office(principal(ctx)?, id, &self.view)
            .ok()
            .map(|office| FieldOfficeNode::new(office, self.view)))
    }
    async fn name(&self) -> &str {
        &self.base.base.details.name
    }
    async fn kind(&self) -> Option<BaseKindValue> {
        BaseKindValue::from_domain(self.base.base.details.kind)
    }
    /// The military contingent at the base; empty where there is none.
    async fn contingent(&self) -> &str {
        &self.base.base.details.contingent
    }
    /// Languages spoken in the communities around the base.
    async fn local_languages(&self) -> &[String] {
        &self.base.base.details.local_languages
    }
    async fn alert_network_working(&self) -> bool {
        self.base.base.details.alert_network_working
    }
    /// The base's own minimum CLA strength, where it overrides the mission's policy.
    async fn minimum_override(&self) -> Option<u32> {
        self.base.base.details.minimum_override
    }
    /// The minimum CLA strength that applies: the base's own, or its mission's policy.
    async fn minimum(&self) -> u32 {
        self.base.minimum()
    }
    async fn status(&self) -> BaseStatusValue {
        self.base.base.status.into()
    }
    async fn opened_on(&self) -> Date {
        self.base.base.opened_on.into()
    }
    async fn closing_since(&self) -> Option<Date> {
        self.base.base.closing_since.map(Date)
    }
    async fn closed_on(&self) -> Option<Date> {
        self.base.base.closed_on.map(Date)
    }
}

/// What a change answers: the world on its effective date, or today if that is later.
fn after_change(effective: chrono::NaiveDate) -> View {
    View::on(effective.max(Utc::now().date_naive()))
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct RegistryQuery;

#[Object]
impl RegistryQuery {
    /// The missions the caller's scope covers, by code.
    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn missions(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<MissionNode>> {
        let view = view(as_of, known_at);
        let missions = app(ctx).missions(principal(ctx)?, &view);
        Ok(connection(
            missions
                .into_iter()
                .map(|m| MissionNode::new(m, view))
                .collect(),
            first,
            after,
        )?)
    }

    #[graphql(guard = "MissionGuard::new(&code, EVERYONE)")]
    async fn mission(
        &self,
        ctx: &Context<'_>,
        code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<MissionNode> {
        let view = view(as_of, known_at);
        let mission = app(ctx).mission(principal(ctx)?, &code, &view)?;
        Ok(MissionNode::new(mission, view))
    }

    #[graphql(guard = "EntityGuard::field_office(&id, EVERYONE)")]
    async fn field_office(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<FieldOfficeNode> {
        let view = view(as_of, known_at);
        let office = app(ctx).field_office(principal(ctx)?, &id, &view)?;
        Ok(FieldOfficeNode::new(office, view))
    }

    /// A mission's bases, by name, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "MissionGuard::new(&mission_code, EVERYONE)",
        complexity = "cla_platform::graphql::page_cost(first, child_complexity)"
    )]
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
        let filter = base_filter(status, kind, field_office_id);
        let view = view(as_of, known_at);
        Ok(bases_page(ctx, &mission_code, &filter, view, first, after)?)
    }

    #[graphql(guard = "EntityGuard::base(&id, EVERYONE)")]
    async fn base(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<BaseNode> {
        let view = view(as_of, known_at);
        let base = app(ctx).base(principal(ctx)?, &id, &view)?;
        Ok(BaseNode::new(base, view))
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

fn count(field: &str, value: Option<i32>) -> AppResult<Option<u32>> {
    value
        .map(|v| {
            u32::try_from(v)
                .map_err(|_| AppError::validation(field, format!("{field} must not be negative")))
        })
        .transpose()
}

impl StaffingPolicyInput {
    fn change(&self) -> AppResult<StaffingPolicyChange> {
        Ok(StaffingPolicyChange {
            minimum_clas_per_base: count("minimumClasPerBase", self.minimum_clas_per_base)?,
            deployment_model: self.deployment_model.map(|m| match m {
                DeploymentModelValue::CoLocated => events::DeploymentModel::CoLocated,
                DeploymentModelValue::RegionalOffices => events::DeploymentModel::RegionalOffices,
            }),
            max_span_of_control: count("maxSpanOfControl", self.max_span_of_control)?,
            check_in_interval_hours: count("checkInIntervalHours", self.check_in_interval_hours)?,
            check_in_grace_hours: count("checkInGraceHours", self.check_in_grace_hours)?,
            field_visit_interval_days: count(
                "fieldVisitIntervalDays",
                self.field_visit_interval_days,
            )?,
            max_tour_months: count("maxTourMonths", self.max_tour_months)?,
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

fn mission_node(mission: Mission, effective: chrono::NaiveDate) -> MissionNode {
    MissionNode::new(mission, after_change(effective))
}

fn base_node(base: PlacedBase, effective: chrono::NaiveDate) -> BaseNode {
    BaseNode::new(base, after_change(effective))
}

fn step(base_id: String, reason: String, effective: Option<Date>) -> BaseStep {
    BaseStep {
        base_id,
        reason,
        effective: effective_date(effective),
    }
}

#[Object]
impl RegistryMutation {
    #[graphql(guard = "RoleGuard::new(ADMIN)")]
    async fn create_mission(
        &self,
        ctx: &Context<'_>,
        input: CreateMissionInput,
    ) -> async_graphql::Result<MissionNode> {
        let effective = effective_date(input.effective);
        let command = CreateMission {
            code: input.code,
            name: input.name,
            country: input.country,
            policy: input.policy.unwrap_or_default().change()?,
            effective,
        };
        let mission = app(ctx).create_mission(principal(ctx)?, command).await?;
        Ok(mission_node(mission, effective))
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
        let effective = effective_date(effective);
        let command = RenameMission {
            code,
            name,
            country,
            effective,
        };
        let mission = app(ctx).rename_mission(principal(ctx)?, command).await?;
        Ok(mission_node(mission, effective))
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
        let effective = effective_date(effective);
        let command = ChangeMissionPolicy {
            code,
            change: policy.change()?,
            effective,
        };
        let mission = app(ctx)
            .change_mission_policy(principal(ctx)?, command)
            .await?;
        Ok(mission_node(mission, effective))
    }

    #[graphql(guard = "MissionGuard::new(&input.mission_code, MANAGERS)")]
    async fn open_field_office(
        &self,
        ctx: &Context<'_>,
        input: OpenFieldOfficeInput,
    ) -> async_graphql::Result<FieldOfficeNode> {
        let effective = effective_date(input.effective);
        let command = OpenFieldOffice {
            mission_code: input.mission_code,
            name: input.name,
            effective,
        };
        let office = app(ctx).open_field_office(principal(ctx)?, command).await?;
        Ok(FieldOfficeNode::new(office, after_change(effective)))
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
        let command = RenameFieldOffice {
            field_office_id,
            name,
            effective,
        };
        let office = app(ctx)
            .rename_field_office(principal(ctx)?, command)
            .await?;
        Ok(FieldOfficeNode::new(office, after_change(effective)))
    }

    #[graphql(guard = "EntityGuard::field_office(&input.field_office_id, MANAGERS)")]
    async fn open_base(
        &self,
        ctx: &Context<'_>,
        input: OpenBaseInput,
    ) -> async_graphql::Result<BaseNode> {
        let effective = effective_date(input.effective);
        let details = BaseDetails {
            name: input.name,
            kind: input.kind.to_domain(),
            field_office_id: input.field_office_id,
            contingent: input.contingent.unwrap_or_default(),
            local_languages: input.local_languages.unwrap_or_default(),
            alert_network_working: input.alert_network_working.unwrap_or(true),
            minimum_override: minimum(input.minimum_override)?,
        };
        let command = OpenBase { details, effective };
        let base = app(ctx).open_base(principal(ctx)?, command).await?;
        Ok(base_node(base, effective))
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
            field_office_id: input.field_office_id,
            contingent: input.contingent,
            local_languages: input.local_languages,
            alert_network_working: input.alert_network_working,
            minimum_override: match input.minimum_override {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(minimum(Some(v))?),
            },
        };
        let command = ChangeBase {
            base_id,
            patch,
            effective,
        };
        let base = app(ctx).change_base(principal(ctx)?, command).await?;
        Ok(base_node(base, effective))
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
        let step = step(base_id, reason, effective);
        let effective = step.effective;
        let base = app(ctx).start_closing_base(principal(ctx)?, step).await?;
        Ok(base_node(base, effective))
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
        let step = step(base_id, reason, effective);
        let effective = step.effective;
        let base = app(ctx).cancel_base_closing(principal(ctx)?, step).await?;
        Ok(base_node(base, effective))
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
        let step = step(base_id, reason, effective);
        let effective = step.effective;
        let base = app(ctx).close_base(principal(ctx)?, step).await?;
        Ok(base_node(base, effective))
    }
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

impl From<app::RegistryChange> for RegistryChange {
    fn from(c: app::RegistryChange) -> Self {
        Self {
            event_type: c.event_type,
            mission_code: c.mission_code,
            subject_id: c.subject_id,
            effective: Date(c.effective),
            recorded_at: c.recorded_at,
            position: c.position.to_string(),
        }
    }
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
        let changes = app(ctx).registry_changes(principal(ctx)?, &mission_code)?;
        Ok(changes.map(RegistryChange::from))
    }
}
