//! Management coverage: the read model and its GraphQL part. CIVIL_AFFAIRS of the mission and
//! ADMIN write; every reader of the mission reads.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::access::{ByIdGuard, MissionGuard, check_mission, principal};
use cla_platform::codec::decode_recorded;
use cla_platform::command::CommandMeta;
use cla_platform::graphql::{Date, effective as effective_date, view};
use cla_platform::projection::Projection;
use cla_platform::timeline::{KeptFolds, Stamp, Timeline, View};
use cla_platform::{AppError, AppResult, Role, Runtime};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;
use cla_staffing::StaffingView;
use cla_staffing::coverage::OnDay;

use crate::commands::SupervisionCommand;
use cla_platform::decider::Decider;

use crate::decider::{Management, SupervisionContext, SupervisionDecider};
use crate::events::{ManagerKind, SupervisionEvent, stream};

const WRITERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
const READERS: &[Role] = &Role::ALL;

#[derive(Default)]
struct Managements {
    missions: BTreeMap<String, Timeline<SupervisionEvent>>,
    manager_mission: HashMap<String, String>,
}

/// Each mission's management, folded from its stream.
#[derive(Default)]
pub struct SupervisionView {
    state: RwLock<Managements>,
    folds: KeptFolds<Management>,
}

impl SupervisionView {
    /// A mission's management as the view sees it (its folds kept, as staffing's are).
    pub fn management(&self, mission: &str, view: &View) -> Arc<Management> {
        let s = self.state.read().expect("supervision view lock");
        let Some(timeline) = s.missions.get(mission) else {
            return Arc::default();
        };
        self.folds
            .fold(mission, timeline, view, SupervisionDecider::evolve)
    }

    pub fn mission_of_manager(&self, id: &str) -> Option<String> {
        self.state
            .read()
            .expect("supervision view lock")
            .manager_mission
            .get(id)
            .cloned()
    }
}

impl Projection for SupervisionView {
    fn name(&self) -> &'static str {
        "supervision"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        !event.stream.as_str().starts_with("management-")
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let Some(mission) = recorded.stream.as_str().strip_prefix("management-") else {
            return;
        };
        let Some(event) = decode_recorded::<SupervisionEvent>(recorded) else {
            return;
        };
        let mut s = self.state.write().expect("supervision view lock");
        if let SupervisionEvent::ManagerAppointed(e) = &event {
            s.manager_mission
                .insert(e.manager_id.clone(), mission.to_string());
        }
        let at = s
            .missions
            .entry(mission.to_string())
            .or_default()
            .insert(Stamp::of(recorded), event);
        self.folds.inserted(mission, at);
    }
}

fn supervision<'a>(ctx: &'a Context<'_>) -> &'a Arc<SupervisionView> {
    ctx.data_unchecked::<Arc<SupervisionView>>()
}
fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}
fn staffing<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffingView> {
    ctx.data_unchecked::<Arc<StaffingView>>()
}

/// Guards for a manager named by id: their mission decides.
pub struct ManagerGuard;

impl ManagerGuard {
    pub fn manager(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| supervision(ctx).mission_of_manager(id))
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

#[derive(SimpleObject, Clone, Debug)]
pub struct BaseVisit {
    pub base_id: String,
    pub name: String,
    /// The last day of the last visit on or before the asked date.
    pub last_visit: Option<Date>,
    /// Days since then; null where never visited.
    pub days_since: Option<i64>,
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

#[derive(SimpleObject, Clone, Debug)]
pub struct ManagementCoverage {
    pub mission_code: String,
    pub as_of: Date,
    pub max_span_of_control: u32,
    pub field_visit_interval_days: u32,
    pub mission: CoverageRow,
    pub by_field_office: Vec<CoverageRow>,
}

fn row(place_id: String, offices: &HashSet<String>, ctx: &Inputs<'_>) -> CoverageRow {
    let managers: Vec<_> = ctx
        .management
        .managers
        .values()
        .filter(|m| offices.contains(&m.field_office_id) && m.active_on(ctx.day))
        .collect();
    let bases: Vec<_> = ctx
        .bases
        .iter()
        .filter(|b| offices.contains(&b.1))
        .collect();
    let deployed_here: Vec<String> = bases
        .iter()
        .flat_map(|b| ctx.deployed.get(&b.0).cloned().unwrap_or_default())
        .collect();
    let spans: Vec<ManagerSpan> = managers
        .iter()
        .map(|m| {
            let span = ctx.spans.get(m.id.as_str()).copied().unwrap_or(0);
            ManagerSpan {
                manager_id: m.id.clone(),
                name: m.name.clone(),
                span,
                over_span: span > ctx.max_span,
            }
        })
        .collect();
    let mut unsupervised: Vec<String> = deployed_here
        .iter()
        .filter(|s| !ctx.supervised.contains(s.as_str()))
        .cloned()
        .collect();
    unsupervised.sort();
    let not_visited = bases
        .iter()
        .filter_map(|b| {
            let last = ctx.last_visit.get(b.0.as_str()).copied();
            let days_since = last.map(|l| (ctx.day - l).num_days());
            (days_since.is_none_or(|d| d > i64::from(ctx.interval))).then(|| BaseVisit {
                base_id: b.0.clone(),
                name: b.2.clone(),
                last_visit: last.map(Date),
                days_since,
            })
        })
        .collect();
    let total: u32 = spans.iter().map(|s| s.span).sum();
    CoverageRow {
        place_id,
        managers: managers.len() as u32,
        clas: deployed_here.len() as u32,
        max_span: spans.iter().map(|s| s.span).max().unwrap_or(0),
        mean_span: (!spans.is_empty()).then(|| f64::from(total) / spans.len() as f64),
        managers_over_span: spans.iter().filter(|s| s.over_span).cloned().collect(),
        spans,
        coverage_percent: (!deployed_here.is_empty()).then(|| {
            100.0 * (deployed_here.len() - unsupervised.len()) as f64 / deployed_here.len() as f64
        }),
        unsupervised,
        not_visited,
    }
}

/// What every row is worked out from, each figure once: a mission's management holds every
/// supervision and visit ever recorded, many more than the day has.
struct Inputs<'a> {
    management: &'a Management,
    day: NaiveDate,
    max_span: u32,
    interval: u32,
    /// (base id, field office id, name)
    bases: Vec<(String, String, String)>,
    deployed: HashMap<String, Vec<String>>,
    /// CLAs supervised on the day, by manager.
    spans: HashMap<&'a str, u32>,
    /// CLAs with a supervisor on the day.
    supervised: HashSet<&'a str>,
    /// The last day of each base's last visit begun by the day (days after it not counted).
    last_visit: HashMap<&'a str, NaiveDate>,
}

impl<'a> Inputs<'a> {
    /// The inputs with the day's spans, supervised CLAs and last visits worked out.
    fn of(
        management: &'a Management,
        day: NaiveDate,
        policy: (u32, u32),
        bases: Vec<(String, String, String)>,
        deployed: HashMap<String, Vec<String>>,
    ) -> Self {
        let mut spans: HashMap<&str, u32> = HashMap::new();
        let mut supervised = HashSet::new();
        for s in management.supervisions.values().filter(|s| s.covers(day)) {
            *spans.entry(s.manager_id.as_str()).or_default() += 1;
            supervised.insert(s.staff_id.as_str());
        }
        let last_visit: HashMap<&str, NaiveDate> = management
            .visits_by_base
            .iter()
            .filter_map(|(base, visits)| Some((base.as_str(), visits.last_on_or_before(day)?)))
            .collect();
        Self {
            management,
            day,
            max_span: policy.0,
            interval: policy.1,
            bases,
            deployed,
            spans,
            supervised,
            last_visit,
        }
    }
}

pub fn management_coverage(
    registry: &RegistryView,
    staffing: &StaffingView,
    supervision: &SupervisionView,
    mission: &str,
    view: &View,
) -> AppResult<ManagementCoverage> {
    let m = registry.mission(mission, view).ok_or_else(|| {
        AppError::not_found(
            "missionCode",
            format!("no mission {mission} as of {}", view.as_of),
        )
    })?;
    let management = supervision.management(mission, view);
    let state = staffing.staffing(mission, view);
    let availability = staffing.availability(mission, view, false);
    let bases: Vec<(String, String, String)> = registry
        .bases(mission, view)
        .into_iter()
        .filter(|b| b.status != BaseStatus::Closed)
        .map(|b| (b.id, b.details.field_office_id, b.details.name))
        .collect();
    let on_day = OnDay::of(&state, view.as_of, &availability);
    let deployed: HashMap<String, Vec<String>> = bases
        .iter()
        .map(|b| {
            (
                b.0.clone(),
                on_day
                    .deployed(&b.0)
                    .iter()
                    .map(|d| d.staff_id.clone())
                    .collect(),
            )
        })
        .collect();
    let inputs = Inputs::of(
        &management,
        view.as_of,
        (
            m.policy.max_span_of_control,
            m.policy.field_visit_interval_days,
        ),
        bases,
        deployed,
    );
    let offices = registry.field_offices(mission, view);
    let all: HashSet<String> = offices.iter().map(|o| o.id.clone()).collect();
    Ok(ManagementCoverage {
        mission_code: mission.to_string(),
        as_of: Date(view.as_of),
        max_span_of_control: inputs.max_span,
        field_visit_interval_days: inputs.interval,
        mission: row(mission.to_string(), &all, &inputs),
        by_field_office: offices
            .iter()
            .map(|o| row(o.id.clone(), &[o.id.clone()].into(), &inputs))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// GraphQL

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
        Ok(management_coverage(
            registry(ctx),
            staffing(ctx),
            supervision(ctx),
            &mission_code,
            &view(as_of, known_at),
        )?)
    }
}

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

async fn run(
    ctx: &Context<'_>,
    mission: &str,
    command: SupervisionCommand,
    on: NaiveDate,
) -> AppResult<ManagementCoverage> {
    let v = View {
        as_of: on,
        known_at: None,
    };
    let context = SupervisionContext {
        field_offices: registry(ctx)
            .field_offices(mission, &v)
            .into_iter()
            .map(|o| o.id)
            .collect(),
        bases: registry(ctx)
            .bases(mission, &v)
            .into_iter()
            .map(|b| b.id)
            .collect(),
        staff: staffing(ctx)
            .roster(
                mission,
                &View {
                    as_of: NaiveDate::MAX,
                    known_at: None,
                },
            )
            .keys()
            .cloned()
            .collect(),
    };
    let meta = CommandMeta::by(principal(ctx)?, Some(mission), WRITERS, on)?;
    ctx.data_unchecked::<Runtime>()
        .execute::<SupervisionDecider>(&stream(mission), &command, &context, &meta)
        .await?;
    management_coverage(
        registry(ctx),
        staffing(ctx),
        supervision(ctx),
        mission,
        &View {
            as_of: on.max(Utc::now().date_naive()),
            known_at: None,
        },
    )
}

fn manager_mission(ctx: &Context<'_>, id: &str) -> AppResult<String> {
    supervision(ctx)
        .mission_of_manager(id)
        .ok_or_else(|| AppError::not_found("managerId", "no such manager"))
}

#[Object]
impl SupervisionMutation {
    async fn appoint_manager(
        &self,
        ctx: &Context<'_>,
        input: AppointManagerInput,
    ) -> async_graphql::Result<ManagementCoverage> {
        let from = effective_date(input.from);
        let mission = registry(ctx)
            .mission_of_field_office(&input.field_office_id)
            .ok_or_else(|| AppError::not_found("fieldOfficeId", "no such field office"))?;
        check_mission(principal(ctx)?, &mission, WRITERS)?;
        let kind = match input.kind {
            ManagerKindValue::InternationalStaff => ManagerKind::InternationalStaff,
            ManagerKindValue::UnVolunteer => ManagerKind::UnVolunteer,
            ManagerKindValue::SeniorCla => ManagerKind::SeniorCla,
        };
        let command = SupervisionCommand::Appoint {
            manager_id: uuid::Uuid::now_v7().to_string(),
            field_office_id: input.field_office_id,
            name: input.name,
            kind,
            staff_id: input.staff_id.unwrap_or_default(),
            from,
        };
        Ok(run(ctx, &mission, command, from).await?)
    }

    #[graphql(guard = "ManagerGuard::manager(&manager_id, WRITERS)")]
    async fn manager_leaves(
        &self,
        ctx: &Context<'_>,
        manager_id: String,
        on: Option<Date>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let on = effective_date(on);
        let mission = manager_mission(ctx, &manager_id)?;
        Ok(run(
            ctx,
            &mission,
            SupervisionCommand::Leave { manager_id, on },
            on,
        )
        .await?)
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
        let from = effective_date(from);
        let mission = manager_mission(ctx, &manager_id)?;
        let command = SupervisionCommand::Assign {
            supervision_id: uuid::Uuid::now_v7().to_string(),
            manager_id,
            staff_id,
            from,
        };
        Ok(run(ctx, &mission, command, from).await?)
    }

    async fn end_supervision(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        on: Option<Date>,
    ) -> async_graphql::Result<ManagementCoverage> {
        let on = effective_date(on);
        let mission = staffing(ctx)
            .mission_of_cla(&staff_id)
            .ok_or_else(|| AppError::not_found("staffId", "no such CLA"))?;
        check_mission(principal(ctx)?, &mission, WRITERS)?;
        Ok(run(
            ctx,
            &mission,
            SupervisionCommand::EndSupervision { staff_id, on },
            on,
        )
        .await?)
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
        let mission = manager_mission(ctx, &manager_id)?;
        let command = SupervisionCommand::RecordVisit {
            visit_id: uuid::Uuid::now_v7().to_string(),
            manager_id,
            base_id,
            from: from.0,
            to: to.0,
            purpose,
            notes: notes.unwrap_or_default(),
        };
        Ok(run(ctx, &mission, command, from.0).await?)
    }
}
