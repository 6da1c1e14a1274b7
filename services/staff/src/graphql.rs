//! The staff and recruitment part of the GraphQL schema. MISSION_HR of the mission (and ADMIN)
//! write; CIVIL_AFFAIRS of the mission reads; HQ_REVIEWER reads every mission but not personal
//! restricted fields: `homeCommunity` asked without the right is `FORBIDDEN` on that field.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, check_mission, principal};
use cla_platform::command::{CommandMeta, load};
use cla_platform::graphql::{
    ConnectionTotals, Date, connection, effective as effective_date, view,
};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Role, Runtime};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;

use crate::commands::{
    Appointment, AppointmentKind, CandidateStage, IndexNumberCommand, Language, NewStaff,
    PostPlace, StaffCommand, VacancyCommand,
};
use crate::decider::{
    Candidate, CandidateOutcome, IndexNumberDecider, StaffContext, StaffDecider, StaffMember,
    StaffStatus, Vacancy, VacancyDecider, VacancyStatus, stage_key,
};
use crate::events::{Gender, SeparationReason, streams};
use crate::projections::{HistoryEntry, StaffView};

const WRITERS: &[Role] = &[Role::Admin, Role::MissionHr];
const READERS: &[Role] = &Role::ALL;
/// Who sees a staff member's home community (DESIGN §5).
const PERSONAL: &[Role] = &[Role::Admin, Role::MissionHr, Role::CivilAffairs];

type Page<T> = Connection<String, T, ConnectionTotals>;

fn staff_view<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffView> {
    ctx.data_unchecked::<Arc<StaffView>>()
}

fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}

fn runtime<'a>(ctx: &'a Context<'_>) -> &'a Runtime {
    ctx.data_unchecked::<Runtime>()
}

fn after_change(effective: NaiveDate) -> View {
    View {
        as_of: effective.max(Utc::now().date_naive()),
        known_at: None,
    }
}

/// Where a post is, from the registry: an open base, or a field office.
fn place(
    ctx: &Context<'_>,
    base_id: Option<&str>,
    field_office_id: Option<&str>,
    on: NaiveDate,
) -> AppResult<Option<PostPlace>> {
    let view = View {
        as_of: on,
        known_at: None,
    };
    match (base_id, field_office_id) {
        (Some(base), _) => match registry(ctx).base(base, &view) {
            Some(b) if b.status == BaseStatus::Open => Ok(Some(PostPlace {
                mission_code: b.mission_code,
                field_office_id: b.details.field_office_id,
                base_id: b.id,
            })),
            Some(_) => Err(AppError::conflict("the base is not open").on("baseId")),
            None => Ok(None),
        },
        (None, Some(office)) => Ok(registry(ctx)
            .field_office(office, &view)
            .map(|o| PostPlace {
                mission_code: o.mission_code,
                field_office_id: o.id,
                base_id: String::new(),
            })),
        (None, None) => Err(AppError::validation(
            "baseId",
            "name the base (or the field office) of the post",
        )),
    }
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
#[graphql(name = "Stage")]
pub enum StageValue {
    Applied,
    Screened,
    Interviewed,
    Vetted,
    Offered,
    Hired,
}

impl StageValue {
    fn to_domain(self) -> CandidateStage {
        CandidateStage::ALL[self as usize]
    }
    fn from_domain(s: CandidateStage) -> Self {
        [
            Self::Applied,
            Self::Screened,
            Self::Interviewed,
            Self::Vetted,
            Self::Offered,
            Self::Hired,
        ][stage_key(s) as usize]
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

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "VacancyStatus")]
pub enum VacancyStatusValue {
    Open,
    Filled,
    Cancelled,
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

/// How many candidates reached a stage, and how many are there now.
#[derive(SimpleObject, Clone, Debug)]
pub struct StageCount {
    pub stage: StageValue,
    /// Candidates who reached this stage (whatever became of them after).
    pub reached: usize,
    /// Candidates at this stage now, still in the pipeline.
    pub current: usize,
}

/// The share of candidates who went on from one stage to the next.
#[derive(SimpleObject, Clone, Debug)]
pub struct Conversion {
    pub from: StageValue,
    pub to: StageValue,
    /// reached(to) / reached(from); null where nobody reached `from`.
    pub rate: Option<f64>,
}

fn stage_counts<'a>(
    candidates: impl Iterator<Item = &'a Candidate> + Clone,
) -> (Vec<StageCount>, Vec<Conversion>) {
    let counts: Vec<StageCount> = CandidateStage::ALL
        .iter()
        .map(|s| StageCount {
            stage: StageValue::from_domain(*s),
            reached: candidates
                .clone()
                .filter(|c| c.reached.contains_key(&stage_key(*s)))
                .count(),
            current: candidates
                .clone()
                .filter(|c| {
                    c.stage == *s
                        && matches!(
                            c.outcome,
                            CandidateOutcome::InProgress | CandidateOutcome::Hired
                        )
                })
                .count(),
        })
        .collect();
    let conversion = counts
        .windows(2)
        .map(|w| Conversion {
            from: w[0].stage,
            to: w[1].stage,
            rate: (w[0].reached > 0).then(|| w[1].reached as f64 / w[0].reached as f64),
        })
        .collect();
    (counts, conversion)
}

fn time_to_fill(v: &Vacancy) -> Option<i64> {
    let hired_on = v
        .candidates
        .values()
        .find_map(|c| c.reached.get(&stage_key(CandidateStage::Hired)).copied())?;
    Some((hired_on - v.opened_on).num_days())
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
    async fn stage(&self) -> StageValue {
        StageValue::from_domain(self.0.stage)
    }
    async fn outcome(&self) -> OutcomeValue {
        match self.0.outcome {
            CandidateOutcome::InProgress => OutcomeValue::InProgress,
            CandidateOutcome::Rejected => OutcomeValue::Rejected,
            CandidateOutcome::Withdrawn => OutcomeValue::Withdrawn,
            CandidateOutcome::Declined => OutcomeValue::Declined,
            CandidateOutcome::Hired => OutcomeValue::Hired,
        }
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

pub struct VacancyNode {
    vacancy: Vacancy,
    view: View,
}

#[Object(name = "Vacancy")]
impl VacancyNode {
    async fn id(&self) -> &str {
        &self.vacancy.id
    }
    async fn mission_code(&self) -> &str {
        &self.vacancy.place.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.vacancy.place.field_office_id
    }
    /// The base of the post; null for a post at the field office.
    async fn base_id(&self) -> Option<&str> {
        Some(self.vacancy.place.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn title(&self) -> &str {
        &self.vacancy.title
    }
    async fn required_languages(&self) -> &[String] {
        &self.vacancy.required_languages
    }
    async fn notes(&self) -> &str {
        &self.vacancy.notes
    }
    async fn status(&self) -> VacancyStatusValue {
        match self.vacancy.status {
            VacancyStatus::Open => VacancyStatusValue::Open,
            VacancyStatus::Filled => VacancyStatusValue::Filled,
            VacancyStatus::Cancelled => VacancyStatusValue::Cancelled,
        }
    }
    async fn opened_on(&self) -> Date {
        Date(self.vacancy.opened_on)
    }
    async fn closed_on(&self) -> Option<Date> {
        self.vacancy.closed_on.map(Date)
    }
    /// Days the vacancy has been open, as of the asked date (until filled or cancelled).
    async fn days_open(&self) -> i64 {
        (self.vacancy.closed_on.unwrap_or(self.view.as_of) - self.vacancy.opened_on).num_days()
    }
    /// Days from opening to hiring, once filled.
    async fn time_to_fill_days(&self) -> Option<i64> {
        time_to_fill(&self.vacancy)
    }
    async fn stages(&self) -> Vec<StageCount> {
        stage_counts(self.vacancy.candidates.values()).0
    }
    async fn conversion(&self) -> Vec<Conversion> {
        stage_counts(self.vacancy.candidates.values()).1
    }
    async fn candidates(
        &self,
        stage: Option<StageValue>,
        outcome: Option<OutcomeValue>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<CandidateNode>> {
        let items = self
            .vacancy
            .candidates
            .values()
            .filter(|c| stage.is_none_or(|s| c.stage == s.to_domain()))
            .cloned()
            .map(CandidateNode)
            .filter(|_| true)
            .collect::<Vec<_>>();
        let items = match outcome {
            None => items,
            Some(o) => items
                .into_iter()
                .filter(|c| {
                    matches!(
                        (o, c.0.outcome),
                        (OutcomeValue::InProgress, CandidateOutcome::InProgress)
                            | (OutcomeValue::Rejected, CandidateOutcome::Rejected)
                            | (OutcomeValue::Withdrawn, CandidateOutcome::Withdrawn)
                            | (OutcomeValue::Declined, CandidateOutcome::Declined)
                            | (OutcomeValue::Hired, CandidateOutcome::Hired)
                    )
                })
                .collect(),
        };
        Ok(connection(items, first, after)?)
    }
}

/// Posts budgeted and filled at one place.
#[derive(SimpleObject, Clone, Debug)]
pub struct PostCount {
    /// A base id, a field office id, or the mission code.
    pub place_id: String,
    pub budgeted: usize,
    pub filled: usize,
    pub open: usize,
}

/// A mission's recruitment, as of a date.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecruitmentPipeline {
    pub mission_code: String,
    pub as_of: Date,
    /// Posts opened and not cancelled.
    pub posts_budgeted: usize,
    pub posts_filled: usize,
    pub posts_open: usize,
    /// Open posts / budgeted posts; null where none are budgeted.
    pub vacancy_rate: Option<f64>,
    /// Mean days from opening to hiring over filled posts; null where none are filled.
    pub mean_time_to_fill_days: Option<f64>,
    pub stages: Vec<StageCount>,
    pub conversion: Vec<Conversion>,
    /// Open vacancies open longer than 60 days.
    pub open_longer_than_60_days: usize,
    pub by_base: Vec<PostCount>,
    pub by_field_office: Vec<PostCount>,
}

/// A mission's recruitment figures as of a date, from its vacancies.
pub fn pipeline(mission: &str, vacancies: &[Vacancy], as_of: NaiveDate) -> RecruitmentPipeline {
    let budgeted: Vec<&Vacancy> = vacancies
        .iter()
        .filter(|v| v.status != VacancyStatus::Cancelled)
        .collect();
    let filled: Vec<&&Vacancy> = budgeted
        .iter()
        .filter(|v| v.status == VacancyStatus::Filled)
        .collect();
    let open = budgeted
        .iter()
        .filter(|v| v.status == VacancyStatus::Open)
        .count();
    let fills: Vec<i64> = filled.iter().filter_map(|v| time_to_fill(v)).collect();
    let (stages, conversion) = stage_counts(vacancies.iter().flat_map(|v| v.candidates.values()));
    let count_by = |key: fn(&Vacancy) -> String| {
        let mut by: std::collections::BTreeMap<String, PostCount> = Default::default();
        for v in &budgeted {
            let k = key(v);
            if k.is_empty() {
                continue;
            }
            let e = by.entry(k.clone()).or_insert(PostCount {
                place_id: k,
                budgeted: 0,
                filled: 0,
                open: 0,
            });
            e.budgeted += 1;
            e.filled += usize::from(v.status == VacancyStatus::Filled);
            e.open += usize::from(v.status == VacancyStatus::Open);
        }
        by.into_values().collect::<Vec<_>>()
    };
    RecruitmentPipeline {
        mission_code: mission.to_string(),
        as_of: Date(as_of),
        posts_budgeted: budgeted.len(),
        posts_filled: filled.len(),
        posts_open: open,
        vacancy_rate: (!budgeted.is_empty()).then(|| open as f64 / budgeted.len() as f64),
        mean_time_to_fill_days: (!fills.is_empty())
            .then(|| fills.iter().sum::<i64>() as f64 / fills.len() as f64),
        stages,
        conversion,
        open_longer_than_60_days: budgeted
            .iter()
            .filter(|v| v.status == VacancyStatus::Open && (as_of - v.opened_on).num_days() > 60)
            .count(),
        by_base: count_by(|v| v.place.base_id.clone()),
        by_field_office: count_by(|v| v.place.field_office_id.clone()),
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

pub struct StaffNode {
    member: StaffMember,
    view: View,
}

#[Object(name = "StaffMember")]
impl StaffNode {
    /// Our own stable id (the index number may change).
    async fn id(&self) -> &str {
        &self.member.id
    }
    async fn mission_code(&self) -> &str {
        &self.member.place.mission_code
    }
    async fn field_office_id(&self) -> &str {
        &self.member.place.field_office_id
    }
    async fn base_id(&self) -> Option<&str> {
        Some(self.member.place.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn name(&self) -> &str {
        &self.member.name
    }
    async fn gender(&self) -> Option<GenderValue> {
        GenderValue::from_domain(self.member.gender)
    }
    async fn languages(&self) -> Vec<LanguageValue> {
        languages_out(&self.member.languages)
    }
    /// Restricted: MISSION_HR and CIVIL_AFFAIRS of the mission, and ADMIN, only; anyone else asking
    /// gets FORBIDDEN on this field.
    async fn home_community(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        check_mission(principal(ctx)?, &self.member.place.mission_code, PERSONAL)?;
        Ok(&self.member.home_community)
    }
    async fn index_number(&self) -> &str {
        &self.member.index_number
    }
    async fn index_number_history(&self) -> Vec<IndexNumberHeld> {
        self.member
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
        &self.member.grade
    }
    async fn category(&self) -> CategoryValue {
        if self.member.grade.starts_with("NO") {
            CategoryValue::NationalOfficer
        } else {
            CategoryValue::GeneralService
        }
    }
    async fn appointment(&self) -> AppointmentValue {
        AppointmentValue::from_domain(&self.member.appointment)
    }
    async fn status(&self) -> StaffStatusValue {
        self.member.status.into()
    }
    /// The business date the staff member came into being.
    async fn since(&self) -> Date {
        Date(self.member.since)
    }
    async fn separated_on(&self) -> Option<Date> {
        self.member.separation.map(|(on, _)| Date(on))
    }
    async fn separation_reason(&self) -> Option<SeparationReasonValue> {
        self.member
            .separation
            .map(|(_, r)| SeparationReasonValue::from_domain(r))
    }
    async fn vacancy_id(&self) -> Option<&str> {
        Some(self.member.vacancy_id.as_str()).filter(|v| !v.is_empty())
    }
    /// The bases this staff member was deployed to, from–to, in order.
    async fn deployments(&self, ctx: &Context<'_>) -> Vec<crate::DeploymentRecord> {
        ctx.data_opt::<Arc<dyn crate::DeploymentHistory>>()
            .map(|h| h.deployments(&self.member.id, &self.view))
            .unwrap_or_default()
    }

    /// Every event of this staff member the view sees, with its actor and recorded time.
    async fn history(&self, ctx: &Context<'_>) -> Vec<HistoryEvent> {
        staff_view(ctx)
            .history(&self.member.id, &self.view)
            .into_iter()
            .map(Into::into)
            .collect()
    }
}

fn staff_node(ctx: &Context<'_>, id: &str, view: View) -> AppResult<StaffNode> {
    staff_view(ctx)
        .member(id, &view)
        .map(|member| StaffNode { member, view })
        .ok_or_else(|| {
            AppError::not_found(
                "staffId",
                format!("no staff member {id} as of {}", view.as_of),
            )
        })
}

fn vacancy_node(ctx: &Context<'_>, id: &str, view: View) -> AppResult<VacancyNode> {
    staff_view(ctx)
        .vacancy(id, &view)
        .map(|vacancy| VacancyNode { vacancy, view })
        .ok_or_else(|| {
            AppError::not_found("vacancyId", format!("no vacancy {id} as of {}", view.as_of))
        })
}

fn mission_exists(ctx: &Context<'_>, mission: &str, view: &View) -> AppResult<()> {
    registry(ctx)
        .mission(mission, view)
        .map(|_| ())
        .ok_or_else(|| {
            AppError::not_found(
                "missionCode",
                format!("no mission {mission} as of {}", view.as_of),
            )
        })
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
        Ok(vacancy_node(ctx, &id, view(as_of, known_at))?)
    }

    /// A mission's vacancies, oldest first, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
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
        let view = view(as_of, known_at);
        mission_exists(ctx, &mission_code, &view)?;
        let items = staff_view(ctx)
            .vacancies(&mission_code, &view)
            .iter()
            .filter(|v| {
                status.is_none_or(|s| {
                    matches!(
                        (s, v.status),
                        (VacancyStatusValue::Open, VacancyStatus::Open)
                            | (VacancyStatusValue::Filled, VacancyStatus::Filled)
                            | (VacancyStatusValue::Cancelled, VacancyStatus::Cancelled)
                    )
                })
            })
            .filter(|v| base_id.as_ref().is_none_or(|b| &v.place.base_id == b))
            .filter(|v| {
                field_office_id
                    .as_ref()
                    .is_none_or(|f| &v.place.field_office_id == f)
            })
            .filter(|v| {
                open_longer_than_days.is_none_or(|d| {
                    v.status == VacancyStatus::Open
                        && (view.as_of - v.opened_on).num_days() > i64::from(d)
                })
            })
            .cloned()
            .map(|vacancy| VacancyNode { vacancy, view })
            .collect();
        Ok(connection(items, first, after)?)
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
        mission_exists(ctx, &mission_code, &view)?;
        Ok(pipeline(
            &mission_code,
            &staff_view(ctx).vacancies(&mission_code, &view),
            view.as_of,
        ))
    }

    #[graphql(guard = "StaffGuard::staff(&id, READERS)")]
    async fn staff_member(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<StaffNode> {
        Ok(staff_node(ctx, &id, view(as_of, known_at))?)
    }

    /// The staff directory of a mission, by name, with filters.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
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
        let view = view(as_of, known_at);
        mission_exists(ctx, &mission_code, &view)?;
        let items = staff_view(ctx)
            .members(&mission_code, &view)
            .iter()
            .filter(|m| {
                field_office_id
                    .as_ref()
                    .is_none_or(|f| &m.place.field_office_id == f)
            })
            .filter(|m| status.is_none_or(|s| StaffStatusValue::from(m.status) == s))
            .filter(|m| {
                category.is_none_or(|c| {
                    (c == CategoryValue::NationalOfficer) == m.grade.starts_with("NO")
                })
            })
            .filter(|m| {
                language.as_ref().is_none_or(|l| {
                    m.languages
                        .iter()
                        .any(|x| x.language.eq_ignore_ascii_case(l))
                })
            })
            .filter(|m| gender.is_none_or(|g| m.gender == g.to_domain()))
            .filter(|m| appointment_ending_before.is_none_or(|d| m.appointment.end < d.0))
            .cloned()
            .map(|member| StaffNode { member, view })
            .collect();
        Ok(connection(items, first, after)?)
    }

    /// Staff members not separated whose appointment ends within `withinDays` (default 60) of the
    /// asked date, soonest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
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
        mission_exists(ctx, &mission_code, &view)?;
        let days = within_days.unwrap_or(60);
        if !(0..=3650).contains(&days) {
            return Err(
                AppError::validation("withinDays", "withinDays is between 0 and 3650").into(),
            );
        }
        let until = view.as_of + chrono::Duration::days(i64::from(days));
        let mut members: Vec<StaffMember> = staff_view(ctx)
            .members(&mission_code, &view)
            .iter()
            .filter(|m| {
                m.status != StaffStatus::Separated
                    && m.appointment.end >= view.as_of
                    && m.appointment.end <= until
            })
            .cloned()
            .collect();
        members.sort_by(|a, b| {
            a.appointment
                .end
                .cmp(&b.appointment.end)
                .then(a.name.cmp(&b.name))
        });
        let items = members
            .into_iter()
            .map(|member| StaffNode { member, view })
            .collect();
        Ok(connection(items, first, after)?)
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

fn meta(ctx: &Context<'_>, mission: Option<&str>, effective: NaiveDate) -> AppResult<CommandMeta> {
    CommandMeta::by(principal(ctx)?, mission, WRITERS, effective)
}

async fn on_vacancy(
    ctx: &Context<'_>,
    vacancy_id: &str,
    command: VacancyCommand,
    effective: NaiveDate,
) -> AppResult<VacancyNode> {
    let mission = staff_view(ctx)
        .mission_of_vacancy(vacancy_id)
        .ok_or_else(|| AppError::not_found("vacancyId", "no such vacancy"))?;
    let meta = meta(ctx, Some(&mission), effective)?;
    runtime(ctx)
        .execute::<VacancyDecider>(&streams::vacancy(vacancy_id), &command, &(), &meta)
        .await?;
    vacancy_node(ctx, vacancy_id, after_change(effective))
}

async fn on_staff(
    ctx: &Context<'_>,
    staff_id: &str,
    command: StaffCommand,
    context: StaffContext,
    effective: NaiveDate,
) -> AppResult<StaffNode> {
    let mission = staff_view(ctx)
        .mission_of_member(staff_id)
        .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
    let meta = meta(ctx, Some(&mission), effective)?;
    runtime(ctx)
        .execute::<StaffDecider>(&streams::staff(staff_id), &command, &context, &meta)
        .await?;
    staff_node(ctx, staff_id, after_change(effective))
}

async fn index_number(
    ctx: &Context<'_>,
    number: &str,
    command: IndexNumberCommand,
    meta: &CommandMeta,
) -> AppResult<()> {
    let number = crate::decider::check_index_number(number)?;
    let stream = streams::index_number(&number);
    if let IndexNumberCommand::Claim { staff_id } = &command {
        // A number still held by someone separated was not given back (a request cut off after
        // the separation): give it back first, as the separation would have.
        let (held, _) = load::<IndexNumberDecider>(runtime(ctx).store.as_ref(), &stream).await?;
        if let Some(holder) = held.holder.filter(|h| h != staff_id) {
            let (member, _) =
                load::<StaffDecider>(runtime(ctx).store.as_ref(), &streams::staff(&holder)).await?;
            if member.0.is_some_and(|m| m.status == StaffStatus::Separated) {
                let release = IndexNumberCommand::Release { staff_id: holder };
                runtime(ctx)
                    .execute::<IndexNumberDecider>(&stream, &(number.clone(), release), &(), meta)
                    .await?;
            }
        }
    }
    runtime(ctx)
        .execute::<IndexNumberDecider>(&stream, &(number.clone(), command), &(), meta)
        .await
        .map(|_| ())
}

/// Claims an index number for a new staff member, onboards them, and gives the number back where
/// onboarding is refused.
async fn onboard(
    ctx: &Context<'_>,
    staff_id: &str,
    staff: NewStaff,
    before: impl AsyncFnOnce() -> AppResult<()>,
    effective: NaiveDate,
) -> AppResult<StaffNode> {
    let mission = staff.place.as_ref().map(|p| p.mission_code.clone());
    let meta = meta(ctx, mission.as_deref(), effective)?;
    let number = crate::decider::check_index_number(&staff.index_number)?;
    index_number(
        ctx,
        &number,
        IndexNumberCommand::Claim {
            staff_id: staff_id.to_string(),
        },
        &meta,
    )
    .await?;
    let release = async |ctx: &Context<'_>| {
        if let Err(e) = index_number(
            ctx,
            &number,
            IndexNumberCommand::Release {
                staff_id: staff_id.to_string(),
            },
            &meta,
        )
        .await
        {
            tracing::error!(error = ?e, number, "could not give back an index number after a refusal");
        }
    };
    if let Err(e) = before().await {
        release(ctx).await;
        return Err(e);
    }
    let command = StaffCommand::Onboard {
        staff_id: staff_id.to_string(),
        staff: Box::new(staff),
        effective,
    };
    match runtime(ctx)
        .execute::<StaffDecider>(
            &streams::staff(staff_id),
            &command,
            &StaffContext::default(),
            &meta,
        )
        .await
    {
        Ok(_) => staff_node(ctx, staff_id, after_change(effective)),
        Err(e) => {
            release(ctx).await;
            Err(e)
        }
    }
}

#[Object]
impl StaffMutation {
    #[graphql(guard = "StaffGuard::place(&input.base_id, &input.field_office_id, WRITERS)")]
    async fn open_vacancy(
        &self,
        ctx: &Context<'_>,
        input: OpenVacancyInput,
    ) -> async_graphql::Result<VacancyNode> {
        let effective = effective_date(input.effective);
        let place = place(
            ctx,
            input.base_id.as_deref(),
            input.field_office_id.as_deref(),
            effective,
        )?;
        if place.is_none() {
            let field = if input.base_id.is_some() {
                "baseId"
            } else {
                "fieldOfficeId"
            };
            return Err(AppError::not_found(field, "no such base or field office").into());
        }
        let id = uuid::Uuid::now_v7().to_string();
        let mission = place.as_ref().map(|p| p.mission_code.clone());
        let command = VacancyCommand::Open {
            vacancy_id: id.clone(),
            place,
            title: input.title,
            required_languages: input.required_languages.unwrap_or_default(),
            notes: input.notes.unwrap_or_default(),
            effective,
        };
        let meta = meta(ctx, mission.as_deref(), effective)?;
        runtime(ctx)
            .execute::<VacancyDecider>(&streams::vacancy(&id), &command, &(), &meta)
            .await?;
        Ok(vacancy_node(ctx, &id, after_change(effective))?)
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
        Ok(on_vacancy(
            ctx,
            &vacancy_id,
            VacancyCommand::Cancel { reason, effective },
            effective,
        )
        .await?)
    }

    /// A candidate applies; the answer is the vacancy with its new candidate.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn add_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        input: CandidateInput,
    ) -> async_graphql::Result<VacancyNode> {
        let effective = effective_date(input.effective);
        let command = VacancyCommand::Apply {
            candidate_id: uuid::Uuid::now_v7().to_string(),
            name: input.name,
            gender: input.gender.to_domain(),
            languages: languages_in(input.languages),
            effective,
        };
        Ok(on_vacancy(ctx, &vacancy_id, command, effective).await?)
    }

    /// To SCREENED or INTERVIEWED, each from the stage before it.
    #[graphql(guard = "StaffGuard::vacancy(&vacancy_id, WRITERS)")]
    async fn advance_candidate(
        &self,
        ctx: &Context<'_>,
        vacancy_id: String,
        candidate_id: String,
        stage: StageValue,
        effective: Option<Date>,
    ) -> async_graphql::Result<VacancyNode> {
        let effective = effective_date(effective);
        let command = VacancyCommand::Advance {
            candidate_id,
            to: stage.to_domain(),
            effective,
        };
        Ok(on_vacancy(ctx, &vacancy_id, command, effective).await?)
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
        let effective = effective_date(effective);
        let notes = notes.unwrap_or_default();
        let command = if passed {
            VacancyCommand::Vet {
                candidate_id,
                notes,
                effective,
            }
        } else {
            VacancyCommand::Reject {
                candidate_id,
                reason: format!("failed vetting. {notes}").trim().to_string(),
                effective,
            }
        };
        Ok(on_vacancy(ctx, &vacancy_id, command, effective).await?)
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
        let effective = effective_date(effective);
        let command = VacancyCommand::Offer {
            candidate_id,
            grade,
            appointment: appointment.to_domain(),
            effective,
        };
        Ok(on_vacancy(ctx, &vacancy_id, command, effective).await?)
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
        let effective = effective_date(effective);
        let command = VacancyCommand::AnswerOffer {
            candidate_id,
            accepted,
            reason: reason.unwrap_or_default(),
            effective,
        };
        Ok(on_vacancy(ctx, &vacancy_id, command, effective).await?)
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
        let effective = effective_date(effective);
        Ok(on_vacancy(
            ctx,
            &vacancy_id,
            VacancyCommand::Reject {
                candidate_id,
                reason: reason.unwrap_or_default(),
                effective,
            },
            effective,
        )
        .await?)
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
        let effective = effective_date(effective);
        Ok(on_vacancy(
            ctx,
            &vacancy_id,
            VacancyCommand::Withdraw {
                candidate_id,
                reason: reason.unwrap_or_default(),
                effective,
            },
            effective,
        )
        .await?)
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
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(input.effective);
        let (state, _) =
            load::<VacancyDecider>(runtime(ctx).store.as_ref(), &streams::vacancy(&vacancy_id))
                .await?;
        let vacancy = state
            .0
            .ok_or_else(|| AppError::not_found("vacancyId", "no such vacancy"))?;
        let candidate = vacancy
            .candidates
            .get(&candidate_id)
            .cloned()
            .ok_or_else(|| {
                AppError::not_found("candidateId", "no such candidate for this vacancy")
            })?;
        let offer = candidate
            .offer
            .clone()
            .filter(|o| o.accepted)
            .ok_or_else(|| {
                AppError::conflict("hiring needs an accepted offer").on("candidateId")
            })?;
        let staff_id = uuid::Uuid::now_v7().to_string();
        let mut staff = NewStaff {
            place: Some(vacancy.place.clone()),
            vacancy_id: vacancy_id.clone(),
            candidate_id: candidate_id.clone(),
            name: candidate.name.clone(),
            gender: candidate.gender,
            languages: candidate
                .languages
                .iter()
                .map(|l| Language {
                    language: l.language.clone(),
                    level: l.level.clone(),
                })
                .collect(),
            home_community: input.home_community.unwrap_or_default(),
            index_number: input.index_number.clone(),
            grade: offer.grade.clone(),
            appointment: offer.appointment,
        };
        if candidate.outcome == CandidateOutcome::Hired {
            // The hire was decided; finish it where the staff member was not created yet (a
            // request cut off between the two steps), with the staff id and index number the hire
            // recorded. Sending the same hire again is therefore safe.
            let staff_id = candidate.staff_id.clone().unwrap_or_default();
            let (existing, _) =
                load::<StaffDecider>(runtime(ctx).store.as_ref(), &streams::staff(&staff_id))
                    .await?;
            if existing.0.is_some() {
                return Err(AppError::conflict(format!(
                    "{} was already hired as staff member {staff_id}",
                    candidate.name
                ))
                .on("candidateId")
                .into());
            }
            staff.index_number = candidate.hired_index_number.clone().unwrap_or_default();
            let hired_on = candidate
                .reached
                .get(&stage_key(CandidateStage::Hired))
                .copied()
                .unwrap_or(effective);
            return Ok(onboard(ctx, &staff_id, staff, async || Ok(()), hired_on).await?);
        }
        let hire = VacancyCommand::Hire {
            candidate_id,
            staff_id: staff_id.clone(),
            index_number: input.index_number,
            effective,
        };
        let mission = vacancy.place.mission_code.clone();
        let decide_hire = async || -> AppResult<()> {
            let meta = meta(ctx, Some(&mission), effective)?;
            runtime(ctx)
                .execute::<VacancyDecider>(&streams::vacancy(&vacancy_id), &hire, &(), &meta)
                .await
                .map(|_| ())
        };
        Ok(onboard(ctx, &staff_id, staff, decide_hire, effective).await?)
    }

    /// Registers a staff member directly (one already serving, say), in onboarding.
    #[graphql(guard = "StaffGuard::place(&input.base_id, &input.field_office_id, WRITERS)")]
    async fn register_staff_member(
        &self,
        ctx: &Context<'_>,
        input: RegisterStaffInput,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(input.effective);
        let place = place(
            ctx,
            input.base_id.as_deref(),
            input.field_office_id.as_deref(),
            effective,
        )?;
        if place.is_none() {
            return Err(AppError::not_found("baseId", "no such base or field office").into());
        }
        let staff_id = uuid::Uuid::now_v7().to_string();
        let staff = NewStaff {
            place,
            vacancy_id: String::new(),
            candidate_id: String::new(),
            name: input.name,
            gender: input.gender.to_domain(),
            languages: languages_in(input.languages),
            home_community: input.home_community.unwrap_or_default(),
            index_number: input.index_number,
            grade: input.grade,
            appointment: input.appointment.to_domain(),
        };
        Ok(onboard(ctx, &staff_id, staff, async || Ok(()), effective).await?)
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn activate_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(effective);
        Ok(on_staff(
            ctx,
            &staff_id,
            StaffCommand::Activate { effective },
            StaffContext::default(),
            effective,
        )
        .await?)
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn suspend_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(effective);
        Ok(on_staff(
            ctx,
            &staff_id,
            StaffCommand::Suspend { reason, effective },
            StaffContext::default(),
            effective,
        )
        .await?)
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn reinstate_staff(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        reason: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(effective);
        Ok(on_staff(
            ctx,
            &staff_id,
            StaffCommand::Reinstate { reason, effective },
            StaffContext::default(),
            effective,
        )
        .await?)
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
        let effective = effective_date(effective);
        let command = StaffCommand::Separate {
            reason: reason.to_domain(),
            notes: notes.unwrap_or_default(),
            effective,
        };
        let node = on_staff(ctx, &staff_id, command, StaffContext::default(), effective).await?;
        let mission = node.member.place.mission_code.clone();
        index_number(
            ctx,
            &node.member.index_number.clone(),
            IndexNumberCommand::Release {
                staff_id: staff_id.clone(),
            },
            &meta(ctx, Some(&mission), effective)?,
        )
        .await?;
        Ok(node)
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn renew_appointment(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        appointment: AppointmentValue,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(effective);
        let command = StaffCommand::RenewAppointment {
            appointment: appointment.to_domain(),
            effective,
        };
        Ok(on_staff(ctx, &staff_id, command, StaffContext::default(), effective).await?)
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn change_grade(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        grade: String,
        effective: Option<Date>,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(effective);
        Ok(on_staff(
            ctx,
            &staff_id,
            StaffCommand::ChangeGrade { grade, effective },
            StaffContext::default(),
            effective,
        )
        .await?)
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
        let effective = effective_date(effective);
        let current = staff_node(
            ctx,
            &staff_id,
            View {
                as_of: NaiveDate::MAX,
                known_at: None,
            },
        )?;
        let mission = current.member.place.mission_code.clone();
        let old = current.member.index_number.clone();
        let new = crate::decider::check_index_number(&number)?;
        let meta = meta(ctx, Some(&mission), effective)?;
        index_number(
            ctx,
            &new,
            IndexNumberCommand::Claim {
                staff_id: staff_id.clone(),
            },
            &meta,
        )
        .await?;
        let command = StaffCommand::ChangeIndexNumber {
            index_number: new.clone(),
            effective,
        };
        match on_staff(
            ctx,
            &staff_id,
            command,
            StaffContext {
                index_holder: Some(staff_id.clone()),
            },
            effective,
        )
        .await
        {
            Ok(node) => {
                if old != new {
                    index_number(
                        ctx,
                        &old,
                        IndexNumberCommand::Release {
                            staff_id: staff_id.clone(),
                        },
                        &meta,
                    )
                    .await?;
                }
                Ok(node)
            }
            Err(e) => {
                if old != new {
                    let _ = index_number(
                        ctx,
                        &new,
                        IndexNumberCommand::Release {
                            staff_id: staff_id.clone(),
                        },
                        &meta,
                    )
                    .await;
                }
                Err(e.into())
            }
        }
    }

    #[graphql(guard = "StaffGuard::staff(&staff_id, WRITERS)")]
    async fn change_staff_details(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        input: StaffDetailsInput,
    ) -> async_graphql::Result<StaffNode> {
        let effective = effective_date(input.effective);
        let command = StaffCommand::ChangeDetails {
            name: input.name,
            languages: input.languages.map(|l| languages_in(Some(l))),
            home_community: input.home_community,
            effective,
        };
        Ok(on_staff(ctx, &staff_id, command, StaffContext::default(), effective).await?)
    }
}
