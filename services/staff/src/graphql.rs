//! The staff and recruitment part of the GraphQL schema: each resolver maps its arguments to one
//! [`StaffApp`] call and its answer to GraphQL types. Access is decided there; the guards here are
//! a second line. `homeCommunity` withheld from the caller is `FORBIDDEN` on that field.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::Role;
use cla_platform::access::{ByIdGuard, MissionGuard, principal};
use cla_platform::graphql::{
    ConnectionTotals, Date, connection, effective as effective_date, view,
};
use cla_registry::RegistryView;

use crate::app::{
    DetailsChange, NewCandidate, OpenVacancy, PERSONAL, READERS, RegisterStaff, StaffAnswer,
    StaffApp, VacancyAnswer, WRITERS,
};
use crate::commands::{Appointment, AppointmentKind, CandidateStage, Language};
use crate::decider::{Candidate, CandidateOutcome, StaffStatus, VacancyStatus};
use crate::events::{Gender, SeparationReason};
use crate::process::hiring::HireRequest;
use crate::projections::{
    self as domain, GradeCategory, HistoryEntry, StaffFilter, StaffView, VacancyFilter,
};

type Page<T> = Connection<String, T, ConnectionTotals>;

fn staff_view<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffView> {
    ctx.data_unchecked::<Arc<StaffView>>()
}

fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}

fn app<'a>(ctx: &'a Context<'_>) -> &'a StaffApp {
    ctx.data_unchecked::<StaffApp>()
}

// ---------------------------------------------------------------------------------------------
// Guards for what is named by id: its mission decides.

pub struct StaffGuard;

impl StaffGuard {
    pub fn vacancy(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staff_view(ctx).mission_of_vacancy(id))
    }
    pub fn staff(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staff_view(ctx).mission_of_member(id))
    }
    /// A post's base, else its field office.
    pub fn place(
        base: &Option<String>,
        office: &Option<String>,
        roles: &'static [Role],
    ) -> ByIdGuard {
        ByIdGuard::any_of(&[base.as_deref(), office.as_deref()], roles, |ctx, id| {
            registry(ctx)
                .mission_of_base(id)
                .or_else(|| registry(ctx).mission_of_field_office(id))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Enums and small types

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Gender")]
pub enum GenderValue {
    Female,
    Male,
    Other,
}

impl GenderValue {
    fn to_domain(self) -> Gender {
        match self {
            Self::Female => Gender::Female,
            Self::Male => Gender::Male,
            Self::Other => Gender::Other,
        }
    }
    fn from_domain(g: Gender) -> Option<Self> {
        match g {
            Gender::Female => Some(Self::Female),
            Gender::Male => Some(Self::Male),
            Gender::Other => Some(Self::Other),
            Gender::Unspecified => None,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CandidateOutcome")]
pub enum OutcomeValue {
    InProgress,
    Rejected,
    Withdrawn,
    Declined,
    Hired,
}

impl OutcomeValue {
    fn to_domain(self) -> CandidateOutcome {
        match self {
            Self::InProgress => CandidateOutcome::InProgress,
            Self::Rejected => CandidateOutcome::Rejected,
            Self::Withdrawn => CandidateOutcome::Withdrawn,
            Self::Declined => CandidateOutcome::Declined,
            Self::Hired => CandidateOutcome::Hired,
        }
    }
    fn from_domain(o: CandidateOutcome) -> Self {
        match o {
            CandidateOutcome::InProgress => Self::InProgress,
            CandidateOutcome::Rejected => Self::Rejected,
            CandidateOutcome::Withdrawn => Self::Withdrawn,
            CandidateOutcome::Declined => Self::Declined,
            CandidateOutcome::Hired => Self::Hired,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "VacancyStatus")]
pub enum VacancyStatusValue {
    Open,
    Filled,
    Cancelled,
}

impl VacancyStatusValue {
    fn to_domain(self) -> VacancyStatus {
        match self {
            Self::Open => VacancyStatus::Open,
            Self::Filled => VacancyStatus::Filled,
            Self::Cancelled => VacancyStatus::Cancelled,
        }
    }
    fn from_domain(s: VacancyStatus) -> Self {
        match s {
            VacancyStatus::Open => Self::Open,
            VacancyStatus::Filled => Self::Filled,
            VacancyStatus::Cancelled => Self::Cancelled,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "StaffStatus")]
pub enum StaffStatusValue {
    Onboarding,
    Active,
    Suspended,
    Separated,
}

impl From<StaffStatus> for StaffStatusValue {
    fn from(s: StaffStatus) -> Self {
        match s {
            StaffStatus::Onboarding => Self::Onboarding,
            StaffStatus::Active => Self::Active,
            StaffStatus::Suspended => Self::Suspended,
            StaffStatus::Separated => Self::Separated,
        }
    }
}

impl StaffStatusValue {
    fn to_domain(self) -> StaffStatus {
        match self {
            Self::Onboarding => StaffStatus::Onboarding,
            Self::Active => StaffStatus::Active,
            Self::Suspended => StaffStatus::Suspended,
            Self::Separated => StaffStatus::Separated,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "SeparationReason")]
pub enum SeparationReasonValue {
    Resigned,
    EndOfAppointment,
    Dismissed,
    Deceased,
    RelocatedForSafety,
    Other,
}

impl SeparationReasonValue {
    fn to_domain(self) -> SeparationReason {
        match self {
            Self::Resigned => SeparationReason::Resigned,
            Self::EndOfAppointment => SeparationReason::EndOfAppointment,
            Self::Dismissed => SeparationReason::Dismissed,
            Self::Deceased => SeparationReason::Deceased,
            Self::RelocatedForSafety => SeparationReason::RelocatedForSafety,
            Self::Other => SeparationReason::Other,
        }
    }
    fn from_domain(r: SeparationReason) -> Self {
        match r {
            SeparationReason::Resigned => Self::Resigned,
            SeparationReason::EndOfAppointment => Self::EndOfAppointment,
            SeparationReason::Dismissed => Self::Dismissed,
            SeparationReason::Deceased => Self::Deceased,
            SeparationReason::RelocatedForSafety => Self::RelocatedForSafety,
            _ => Self::Other,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AppointmentType")]
pub enum AppointmentTypeValue {
    /// At most 364 days.
    Temporary,
    FixedTerm,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "GradeCategory")]
pub enum CategoryValue {
    /// General service, GS-1 … GS-7.
    GeneralService,
    /// National officer, NO-A … NO-E.
    NationalOfficer,
}

impl CategoryValue {
    fn to_domain(self) -> GradeCategory {
        match self {
            Self::GeneralService => GradeCategory::GeneralService,
            Self::NationalOfficer => GradeCategory::NationalOfficer,
        }
    }
    fn from_domain(c: GradeCategory) -> Self {
        match c {
            GradeCategory::GeneralService => Self::GeneralService,
            GradeCategory::NationalOfficer => Self::NationalOfficer,
        }
    }
}

#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(name = "Language", input_name = "LanguageInput")]
pub struct LanguageValue {
    pub language: String,
    /// BASIC, WORKING, FLUENT or NATIVE.
    pub level: String,
}

fn languages_in(list: Option<Vec<LanguageValue>>) -> Vec<Language> {
    list.unwrap_or_default()
        .into_iter()
        .map(|l| Language {
            language: l.language,
            level: l.level,
        })
        .collect()
}

fn languages_out(list: &[crate::events::contract::Language]) -> Vec<LanguageValue> {
    list.iter()
        .map(|l| LanguageValue {
            language: l.language.clone(),
            level: l.level.clone(),
        })
        .collect()
}

#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(name = "Appointment", input_name = "AppointmentInput")]
pub struct AppointmentValue {
    #[graphql(name = "type")]
    pub kind: AppointmentTypeValue,
    pub start: Date,
    pub end: Date,
}

impl AppointmentValue {
    fn to_domain(&self) -> Appointment {
        Appointment {
            kind: match self.kind {
                AppointmentTypeValue::Temporary => AppointmentKind::Temporary,
                AppointmentTypeValue::FixedTerm => AppointmentKind::FixedTerm,
            },
            start: self.start.0,
            end: self.end.0,
        }
    }
    fn from_domain(a: &Appointment) -> Self {
        Self {
            kind: match a.kind {
                AppointmentKind::Temporary => AppointmentTypeValue::Temporary,
                AppointmentKind::FixedTerm => AppointmentTypeValue::FixedTerm,
            },
            start: Date(a.start),
            end: Date(a.end),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recruitment

pub use domain::{Conversion, PostCount, RecruitmentPipeline, StageCount};

fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(Into::into).collect()
}

pub struct CandidateNode(Candidate);

#[Object(name = "Candidate")]
impl CandidateNode {
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn gender(&self) -> Option<GenderValue> {
        GenderValue::from_domain(self.0.gender)
    }
    async fn languages(&self) -> Vec<LanguageValue> {
        languages_out(&self.0.languages)
    }
    async fn stage(&self) -> CandidateStage {
        self.0.stage
    }
    async fn outcome(&self) -> OutcomeValue {
        OutcomeValue::from_domain(self.0.outcome)
    }
    async fn applied_on(&self) -> Date {
        Date(self.0.applied_on)
    }
    async fn offered_grade(&self) -> Option<&str> {
        self.0.offer.as_ref().map(|o| o.grade.as_str())
    }
    async fn offered_appointment(&self) -> Option<AppointmentValue> {
        self.0
            .offer
            .as_ref()
            .map(|o| AppointmentValue::from_domain(&o.appointment))
    }
    async fn offer_accepted(&self) -> Option<bool> {
        self.0.offer.as_ref().map(|o| o.accepted)
    }
    /// The staff member a hired candidate became.
    async fn staff_id(&self) -> Option<&str> {
        self.0.staff_id.as_deref()
    }
}

pub struct VacancyNode(VacancyAnswer);

/// What `addCandidate` made, and the vacancy after it.
#[derive(SimpleObject)]
pub struct AddCandidatePayload {
    /// The candidate added, with their new id.
    pub candidate: CandidateNode,
    pub vacancy: VacancyNode,
}

#[Object(name = "Vacancy")]
impl VacancyNode {
    async fn id(&self) -> &str {
        &self.0.vacancy.id
    }
    async fn mission_code(&self) -> &str {
        &self.0.vacancy.place.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.0.vacancy.place.field_office_id
    }
    /// The base of the post; null for a post at the field office.
    async fn base_id(&self) -> Option<&str> {
        Some(self.0.vacancy.place.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn title(&self) -> &str {
        &self.0.vacancy.title
    }
    async fn required_languages(&self) -> &[String] {
        &self.0.vacancy.required_languages
    }
    async fn notes(&self) -> &str {
        &self.0.vacancy.notes
    }
    async fn status(&self) -> VacancyStatusValue {
        VacancyStatusValue::from_domain(self.0.vacancy.status)
    }
    async fn opened_on(&self) -> Date {
        Date(self.0.vacancy.opened_on)
    }
    async fn closed_on(&self) -> Option<Date> {
        self.0.vacancy.closed_on.map(Date)
    }
    /// Days the vacancy has been open, as of the asked date (until filled or cancelled).
    async fn days_open(&self) -> i64 {
        self.0.days_open()
    }
    /// Days from opening to hiring, once filled.
    async fn time_to_fill_days(&self) -> Option<i64> {
        self.0.time_to_fill_days()
    }
    async fn stages(&self) -> Vec<StageCount> {
        self.0.stages()
    }
    async fn conversion(&self) -> Vec<Conversion> {
        self.0.conversion()
    }
    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn candidates(
        &self,
        stage: Option<CandidateStage>,
        outcome: Option<OutcomeValue>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<CandidateNode>> {
        let items = self
            .0
            .candidates(stage, outcome.map(OutcomeValue::to_domain))
            .into_iter()
            .map(CandidateNode)
            .collect();
        Ok(connection(items, first, after)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Staff

#[derive(SimpleObject, Clone, Debug)]
pub struct IndexNumberHeld {
    pub index_number: String,
    pub since: Date,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct HistoryEvent {
    /// The stored event type (`StaffSuspended.v1`).
    pub event_type: String,
    pub effective: Date,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_role: String,
}

impl From<HistoryEntry> for HistoryEvent {
    fn from(h: HistoryEntry) -> Self {
        Self {
            event_type: h.event_type,
            effective: Date(h.effective),
            recorded_at: h.recorded,
            actor_id: h.actor_id,
            actor_role: h.actor_role,
        }
    }
}

pub struct StaffNode(StaffAnswer);

#[Object(name = "StaffMember")]
impl StaffNode {
    /// Our own stable id (the index number may change).
    async fn id(&self) -> &str {
        &self.0.member.id
    }
    async fn mission_code(&self) -> &str {
        &self.0.member.place.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.0.member.place.field_office_id
    }
    async fn base_id(&self) -> Option<&str> {
        Some(self.0.member.place.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn name(&self) -> &str {
        &self.0.member.name
    }
    async fn gender(&self) -> Option<GenderValue> {
        GenderValue::from_domain(self.0.member.gender)
    }
    async fn languages(&self) -> Vec<LanguageValue> {
        languages_out(&self.0.member.languages)
    }
    /// Restricted: MISSION_HR and CIVIL_AFFAIRS of the mission, and ADMIN, only; anyone else asking
    /// gets FORBIDDEN on this field.
    /// Empty once the staff member's personal data is erased (see `personalDataErased`).
    async fn home_community(&self) -> async_graphql::Result<String> {
        Ok(self.0.home_community.clone().or_erased("homeCommunity")?)
    }
    /// Their personal data was erased (on request, or by the retention rule): every restricted
    /// field of theirs reads as empty, for good.
    async fn personal_data_erased(&self) -> bool {
        self.0.member.erased
    }
    async fn index_number(&self) -> &str {
        &self.0.member.index_number
    }
    async fn index_number_history(&self) -> Vec<IndexNumberHeld> {
        self.0
            .member
            .index_numbers
            .iter()
            .map(|(since, n)| IndexNumberHeld {
                index_number: n.clone(),
                since: Date(*since),
            })
            .collect()
    }
    /// GS-1 … GS-7 or NO-A … NO-E.
    async fn grade(&self) -> &str {
        &self.0.member.grade
    }
    async fn category(&self) -> CategoryValue {
        CategoryValue::from_domain(GradeCategory::of(&self.0.member.grade))
    }
    async fn appointment(&self) -> AppointmentValue {
        AppointmentValue::from_domain(&self.0.member.appointment)
    }
    async fn status(&self) -> StaffStatusValue {
        self.0.member.status.into()
    }
    /// The business date the staff member came into being.
    async fn since(&self) -> Date {
        Date(self.0.member.since)
    }
    async fn separated_on(&self) -> Option<Date> {
        self.0.member.separation.map(|(on, _)| Date(on))
    }
    async fn separation_reason(&self) -> Option<SeparationReasonValue> {
        self.0
            .member
            .separation
            .map(|(_, r)| SeparationReasonValue::from_domain(r))
    }
    async fn vacancy_id(&self) -> Option<&str> {
        Some(self.0.member.vacancy_id.as_str()).filter(|v| !v.is_empty())
    }
    /// The bases this staff member was deployed to, from–to, in order.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::DeploymentRecord>> {
        Ok(app(ctx).deployments(principal(ctx)?, &self.0.member.id, &self.0.view)?)
    }

    /// Every event of this staff member the view sees, with its actor and recorded time.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<HistoryEvent>> {
        Ok(all(app(ctx).staff_history(
            principal(ctx)?,
            &self.0.member.id,
            &self.0.view,
        )?))
    }
}

fn staff_page(
    answers: Vec<StaffAnswer>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Page<StaffNode>> {
    Ok(connection(
        answers.into_iter().map(StaffNode).collect(),
        first,
        after,
    )?)
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    #[graphql(guard = "StaffGuard::vacancy(&id, READERS)")]
    async fn vacancy(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<VacancyNode> {
        let view = view(as_of, known_at);
        Ok(VacancyNode(app(ctx).vacancy(
            principal(ctx)?,
            &id,
            &view,
        )?))
    }

    /// A mission's vacancies, oldest first, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "MissionGuard::new(&mission_code, READERS)",
        complexity = "cla_platform::graphql::page_cost(first, child_complexity)"
    )]
    async fn vacancies(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        status: Option<VacancyStatusValue>,
        base_id: Option<String>,
        field_office_id: Option<String>,
        open_longer_than_days: Option<i32>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<VacancyNode>> {
        let filter = VacancyFilter {
            status: status.map(VacancyStatusValue::to_domain),
            base_id,
            field_office_id,
            open_longer_than_days: open_longer_than_days.map(i64::from),
        };
        let view = view(as_of, known_at);
        let answers = app(ctx).vacancies(principal(ctx)?, &mission_code, &filter, &view)?;
        Ok(connection(
            answers.into_iter().map(VacancyNode).collect(),
            first,
            after,
        )?)
    }

    /// A mission's recruitment: stages, conversion, time to fill, posts budgeted vs filled.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn recruitment_pipeline(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<RecruitmentPipeline> {
        let view = view(as_of, known_at);
        Ok(app(ctx).recruitment_pipeline(principal(ctx)?, &mission_code, &view)?)
    }

    #[graphql(guard = "StaffGuard::staff(&id, READERS)")]
    async fn staff_member(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<StaffNode> {
        let view = view(as_of, known_at);
        Ok(StaffNode(app(ctx).staff_member(
            principal(ctx)?,
            &id,
            &view,
        )?))
    }

    /// The staff directory of a mission, by name, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "MissionGuard::new(&mission_code, READERS)",
        complexity = "cla_platform::graphql::page_cost(first, child_complexity)"
    )]
    async fn staff_members(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        field_office_id: Option<String>,
        status: Option<StaffStatusValue>,
        category: Option<CategoryValue>,
        language: Option<String>,
        gender: Option<GenderValue>,
        appointment_ending_before: Option<Date>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<StaffNode>> {
        let filter = StaffFilter {
            field_office_id,
            status: status.map(StaffStatusValue::to_domain),
            category: category.map(CategoryValue::to_domain),
            language,
            gender: gender.map(GenderValue::to_domain),
            appointment_ending_before: appointment_ending_before.map(|d| d.0),
        };
        let view = view(as_of, known_at);
        staff_page(
            app(ctx).staff_members(principal(ctx)?, &mission_code, &filter, &view)?,
            first,
            after,
        )
    }

    /// Staff members not separated whose appointment ends within `withinDays` (default 60) of the
    /// asked date, soonest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        guard = "MissionGuard::new(&mission_code, READERS)",
        complexity = "cla_platform::graphql::page_cost(first, child_complexity)"
    )]
    async fn appointments_ending(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        within_days: Option<i32>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<StaffNode>> {
        let view = view(as_of, known_at);
        let days = within_days.map(i64::from);
        staff_page(
            app(ctx).appointments_ending(principal(ctx)?, &mission_code, days, &view)?,
            first,
            after,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(InputObject, Debug)]
pub struct OpenVacancyInput {
    /// The base of the post (or give `fieldOfficeId` for a post at a field office).
    pub base_id: Option<String>,
    pub field_office_id: Option<String>,
    pub title: String,
    pub required_languages: Option<Vec<String>>,
    pub notes: Option<String>,
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct CandidateInput {
    pub name: String,
    pub gender: GenderValue,
    pub languages: Option<Vec<LanguageValue>>,
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct HireInput {
    pub index_number: String,
    /// Restricted personal data.
    pub home_community: Option<String>,
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct RegisterStaffInput {
    pub base_id: Option<String>,
    pub field_office_id: Option<String>,
    pub name: String,
    pub gender: GenderValue,
    pub languages: Option<Vec<LanguageValue>>,
    pub home_community: Option<String>,
    pub index_number: String,
    pub grade: String,
    pub appointment: AppointmentValue,
    pub effective: Option<Date>,
}

#[derive(InputObject, Debug)]
pub struct StaffDetailsInput {
    pub name: Option<String>,
    pub languages: Option<Vec<LanguageValue>>,
    pub home_community: Option<String>,
    pub effective: Option<Date>,
}

#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    #[graphql(guard = "StaffGuard::place(&input.base_id, &input.field_office_id, WRITERS)")]
    async fn open_vacancy(
        &self,
        ctx: &Context<'_>,
        input: OpenVacancyInput,
    ) -> async_graphql::Result<VacancyNode> {
        let input = OpenVacancy {
            base_id: input.base_id,
            field_office_id: input.field_office_id,
            title: input.title,
            required_languages: input.required_languages.unwrap_or_default(),
            notes: input.notes.unwrap_or_default(),
            effective: effective_date(input.effective),
        };
        Ok(VacancyNode(
            app(ctx).open_vacancy(principal(ctx)?, input).await?,
        ))
    }

    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn cancel_vacancy(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let effective = effective_date(effective);
        let who = principal(ctx)?;
        Ok(VacancyNode(
            app(ctx)
                .cancel_vacancy(who, &vacancy_id, reason, effective)
                .await?,
        ))
    }

    /// A candidate applies; the answer carries the candidate (their id moves them along the
    /// pipeline) and the vacancy.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn add_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        input: CandidateInput,
    ) -> async_graphql::Result<AddCandidatePayload> {
        let input = NewCandidate {
            name: input.name,
            gender: input.gender.to_domain(),
            languages: languages_in(input.languages),
            effective: effective_date(input.effective),
        };
        let who = principal(ctx)?;
        let added = app(ctx).add_candidate(who, &vacancy_id, input).await?;
        Ok(AddCandidatePayload {
            candidate: CandidateNode(added.candidate),
            vacancy: VacancyNode(added.vacancy),
        })
    }

    /// To SCREENED or INTERVIEWED, each from the stage before it.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn advance_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        stage: CandidateStage,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let answer = app(ctx)
            .advance_candidate(who, &vacancy_id, candidate_id, stage, effective)
            .await?;
        Ok(VacancyNode(answer))
    }

    /// Vetting's result: passed moves the candidate to VETTED; failed rejects them.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn record_vetting(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        passed: bool,
        notes: Option<String>,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let notes = notes.unwrap_or_default();
        let answer = app(ctx)
            .record_vetting(who, &vacancy_id, candidate_id, passed, notes, effective)
            .await?;
        Ok(VacancyNode(answer))
    }

    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn make_offer(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        grade: String,
        appointment: AppointmentValue,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let appointment = appointment.to_domain();
        let answer = app(ctx)
            .make_offer(
                who,
                &vacancy_id,
                candidate_id,
                grade,
                appointment,
                effective,
            )
            .await?;
        Ok(VacancyNode(answer))
    }

    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn answer_offer(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        accepted: bool,
        reason: Option<String>,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let reason = reason.unwrap_or_default();
        let answer = app(ctx)
            .answer_offer(who, &vacancy_id, candidate_id, accepted, reason, effective)
            .await?;
        Ok(VacancyNode(answer))
    }

    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn reject_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        reason: Option<String>,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let reason = reason.unwrap_or_default();
        let answer = app(ctx)
            .reject_candidate(who, &vacancy_id, candidate_id, reason, effective)
            .await?;
        Ok(VacancyNode(answer))
    }

    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn withdraw_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        reason: Option<String>,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let reason = reason.unwrap_or_default();
        let answer = app(ctx)
            .withdraw_candidate(who, &vacancy_id, candidate_id, reason, effective)
            .await?;
        Ok(VacancyNode(answer))
    }

    /// Hires a candidate whose offer was accepted: fills the vacancy and creates the staff member
    /// (onboarding), with the index number claimed for them.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn hire_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        input: HireInput,
        // Read by the schema's idempotency extension (`cla_platform::idempotency`), not here.
        #[graphql(name = "idempotencyKey")] _idempotency_key: Option<String>,
    ) -> async_graphql::Result<StaffNode> {
        let request = HireRequest {
            vacancy_id,
            candidate_id,
            index_number: input.index_number,
            home_community: input.home_community.unwrap_or_default(),
            effective: effective_date(input.effective),
        };
        Ok(StaffNode(
            app(ctx).hire_candidate(principal(ctx)?, request).await?,
        ))
    }

    /// Registers a staff member directly (one already serving, say), in onboarding.
    #[graphql(guard = "StaffGuard::place(&input.base_id, &input.field_office_id, WRITERS)")]
    async fn register_staff_member(
        &self,
        ctx: &Context<'_>,
        input: RegisterStaffInput,
        // Read by the schema's idempotency extension (`cla_platform::idempotency`), not here.
        #[graphql(name = "idempotencyKey")] _idempotency_key: Option<String>,
    ) -> async_graphql::Result<StaffNode> {
        let input = RegisterStaff {
            base_id: input.base_id,
            field_office_id: input.field_office_id,
            name: input.name,
            gender: input.gender.to_domain(),
            languages: languages_in(input.languages),
            home_community: input.home_community.unwrap_or_default(),
            index_number: input.index_number,
            grade: input.grade,
            appointment: input.appointment.to_domain(),
            effective: effective_date(input.effective),
        };
        Ok(StaffNode(
            app(ctx)
                .register_staff_member(principal(ctx)?, input)
                .await?,
        ))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn activate_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        Ok(StaffNode(
            app(ctx).activate_staff(who, &staff_id, effective).await?,
        ))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn suspend_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        Ok(StaffNode(
            app(ctx)
                .suspend_staff(who, &staff_id, reason, effective)
                .await?,
        ))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn reinstate_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        Ok(StaffNode(
            app(ctx)
                .reinstate_staff(who, &staff_id, reason, effective)
                .await?,
        ))
    }

    /// Separation is final; the staff member's index number becomes free.
    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn separate_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: SeparationReasonValue,
        notes: Option<String>,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let (reason, notes) = (reason.to_domain(), notes.unwrap_or_default());
        let answer = app(ctx)
            .separate_staff(who, &staff_id, reason, notes, effective)
            .await?;
        Ok(StaffNode(answer))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn renew_appointment(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        appointment: AppointmentValue,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let answer = app(ctx)
            .renew_appointment(who, &staff_id, appointment.to_domain(), effective)
            .await?;
        Ok(StaffNode(answer))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn change_grade(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        grade: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        Ok(StaffNode(
            app(ctx)
                .change_grade(who, &staff_id, grade, effective)
                .await?,
        ))
    }

    /// A new index number (on a transfer or a change of category): claimed, recorded, and the old
    /// one given back. The history of numbers is kept.
    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn change_index_number(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        #[graphql(name = "indexNumber")] number: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let (who, effective) = (principal(ctx)?, effective_date(effective));
        let answer = app(ctx)
            .change_index_number(who, &staff_id, &number, effective)
            .await?;
        Ok(StaffNode(answer))
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn change_staff_details(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        input: StaffDetailsInput,
    ) -> async_graphql::Result<StaffNode> {
        let change = DetailsChange {
            name: input.name,
            languages: input.languages.map(|l| languages_in(Some(l))),
            home_community: input.home_community,
            effective: effective_date(input.effective),
        };
        let who = principal(ctx)?;
        Ok(StaffNode(
            app(ctx)
                .change_staff_details(who, &staff_id, change)
                .await?,
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers (restricted personal data)

/// A phone number a staff member held, and the language replies to it are written in.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "PhoneNumber")]
pub struct PhoneNumberNode {
    /// E.164.
    pub phone_number: String,
    /// ISO 639 code; null for the mission's.
    pub language: Option<String>,
    pub from: DateTime<Utc>,
    /// Null while it is theirs.
    pub to: Option<DateTime<Utc>>,
}

fn phone_nodes(records: Vec<crate::projections::PhoneNumberRecord>) -> Vec<PhoneNumberNode> {
    records
        .into_iter()
        .map(|r| PhoneNumberNode {
            language: (!r.language.is_empty()).then_some(r.language),
            phone_number: r.phone_number,
            from: r.from,
            to: r.to,
        })
        .collect()
}

#[derive(Default)]
pub struct StaffPhoneQuery;

#[Object]
impl StaffPhoneQuery {
    /// A staff member's phone numbers, current and past: MISSION_HR and CIVIL_AFFAIRS of their
    /// mission, and ADMIN.
    #[graphql(guard = "StaffGuard::staff(&staff_id, PERSONAL)")]
    async fn phone_numbers(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
    ) -> async_graphql::Result<Vec<PhoneNumberNode>> {
        Ok(phone_nodes(
            app(ctx).phone_numbers(principal(ctx)?, &staff_id)?,
        ))
    }
}

#[derive(Default)]
pub struct StaffPhoneMutation;

#[Object]
impl StaffPhoneMutation {
    /// Registers a phone number (E.164) to a current staff member: a number is held by one current
    /// staff member at a time (CONFLICT otherwise). `language`: what replies are written in
    /// (default the mission's).
    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn register_phone_number(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        phone_number: String,
        language: Option<String>,
    ) -> async_graphql::Result<Vec<PhoneNumberNode>> {
        let records = app(ctx)
            .register_phone_number(
                principal(ctx)?,
                &staff_id,
                &phone_number,
                language.as_deref().unwrap_or(""),
            )
            .await?;
        Ok(phone_nodes(records))
    }

    /// The number is no longer the staff member's; its history stays.
    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn release_phone_number(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        phone_number: String,
    ) -> async_graphql::Result<Vec<PhoneNumberNode>> {
        let records = app(ctx)
            .release_phone_number(principal(ctx)?, &staff_id, &phone_number)
            .await?;
        Ok(phone_nodes(records))
    }
}

/// One look at a person's restricted data.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "PersonalDataAccess")]
pub struct PersonalDataAccessNode {
    /// Who looked, and the role they acted in.
    pub viewer_id: String,
    pub viewer_role: String,
    /// The restricted data shown: homeCommunity, phoneNumber, riskNotes, checkInNotes, …
    pub data: Vec<String>,
    /// Through which door: graphql, web, csv, export.
    pub door: String,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub struct StaffPrivacyQuery;

#[Object]
impl StaffPrivacyQuery {
    /// Who has looked at a staff member's restricted data (home community, phone numbers, risk
    /// and check-in notes), and when, the latest first: ADMIN only.
    #[graphql(guard = "StaffGuard::staff(&staff_id, crate::app::privacy::ERASERS)")]
    async fn personal_data_access(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
    ) -> async_graphql::Result<Vec<PersonalDataAccessNode>> {
        Ok(app(ctx)
            .personal_data_access(principal(ctx)?, &staff_id)?
            .into_iter()
            .map(|r| PersonalDataAccessNode {
                viewer_id: r.viewer_id,
                viewer_role: r.viewer_role,
                data: r.data,
                door: r.door,
                at: r.at,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct StaffPrivacyMutation;

#[Object]
impl StaffPrivacyMutation {
    /// Erases a staff member's personal data for good (ADMIN, with a reason): their data key is
    /// destroyed, so their home community, phone numbers, duress word and every note about them
    /// read as erased in every copy; their deployments and the coverage figures stay. The
    /// erasure is recorded (who, when, why).
    #[graphql(guard = "StaffGuard::staff(&staff_id, crate::app::privacy::ERASERS)")]
    async fn erase_staff_personal_data(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: String,
    ) -> async_graphql::Result<StaffNode> {
        Ok(StaffNode(
            app(ctx)
                .erase_personal_data(principal(ctx)?, &staff_id, &reason)
                .await?,
        ))
    }
}
