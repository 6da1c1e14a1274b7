//! The risk and welfare part of the GraphQL schema. Flag details, notes, mitigations and
//! timelines: CIVIL_AFFAIRS of the mission and ADMIN only (they also write). MISSION_HR and
//! HQ_REVIEWER see counts by severity and category, nothing that identifies a person's flag;
//! asking for more is FORBIDDEN on the field asked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, check_mission, principal};
use cla_platform::clock::Clock;
use cla_platform::command::CommandMeta;
use cla_platform::graphql::{ConnectionTotals, Date, connection};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Role, Runtime};
use cla_registry::RegistryView;
use cla_staffing::StaffingView;
use cla_staffing::coverage::Deployment;

use crate::commands::RiskCommand;
use crate::decider::{Flag, FlagStatus, RiskContext, RiskDecider};
use crate::detector::Detector;
use crate::events::{Category, Channel, Mitigation, RiskEvent, Severity, Welfare, stream};
use crate::projections::RiskView;

/// Who sees (and changes) a person's flags.
const DETAIL: &[Role] = &[Role::Admin, Role::CivilAffairs];
const READERS: &[Role] = &Role::ALL;

type Page<T> = Connection<String, T, ConnectionTotals>;

fn risk<'a>(ctx: &'a Context<'_>) -> &'a Arc<RiskView> {
    ctx.data_unchecked::<Arc<RiskView>>()
}
fn staffing<'a>(ctx: &'a Context<'_>) -> &'a Arc<StaffingView> {
    ctx.data_unchecked::<Arc<StaffingView>>()
}
fn registry<'a>(ctx: &'a Context<'_>) -> &'a Arc<RegistryView> {
    ctx.data_unchecked::<Arc<RegistryView>>()
}
fn runtime<'a>(ctx: &'a Context<'_>) -> &'a Runtime {
    ctx.data_unchecked::<Runtime>()
}
fn clock<'a>(ctx: &'a Context<'_>) -> &'a Arc<dyn Clock> {
    ctx.data_unchecked::<Arc<dyn Clock>>()
}
fn detector<'a>(ctx: &'a Context<'_>) -> &'a Arc<Detector> {
    ctx.data_unchecked::<Arc<Detector>>()
}

/// The view a risk query asks for: `asOf` defaults to the clock's today (the injected clock, which
/// also dates the flags the system raises).
fn view(ctx: &Context<'_>, as_of: Option<Date>, known_at: Option<DateTime<Utc>>) -> View {
    View {
        as_of: as_of.map_or_else(|| clock(ctx).now().date_naive(), |d| d.0),
        known_at,
    }
}

/// Guards for a CLA or a flag named by id: its mission decides.
pub struct RiskGuard;

impl RiskGuard {
    pub fn cla(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| staffing(ctx).mission_of_cla(id))
    }
    pub fn flag(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| risk(ctx).mission_of_flag(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Enums

macro_rules! graphql_enum {
    ($name:ident, $gql:literal, $domain:ty, { $($variant:ident),* }) => {
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        #[graphql(name = $gql)]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn to_domain(self) -> $domain {
                match self { $(Self::$variant => <$domain>::$variant),* }
            }
            pub fn from_domain(d: $domain) -> Option<Self> {
                match d { $(<$domain>::$variant => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

graphql_enum!(ChannelValue, "CheckInChannel", Channel, { Phone, Radio, Sms, InPerson, Report });
graphql_enum!(WelfareValue, "Welfare", Welfare, { Ok, NeedsAssistance, UnderThreat });
graphql_enum!(CategoryValue, "RiskCategory", Category, { ThreatReceived, SeenAsInformant, SecurityIncident, HealthWelfare, MissedCheckIn, BaseClosureExposure, Other });
graphql_enum!(SeverityValue, "Severity", Severity, { Low, Medium, High, Critical });
graphql_enum!(MitigationValue, "Mitigation", Mitigation, { Relocation, TemporaryWithdrawal, CommunicationMeans, Other });

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "RiskFlagStatus")]
pub enum FlagStatusValue {
    Open,
    Mitigating,
    Closed,
}

// ---------------------------------------------------------------------------------------------
// Flags (restricted)

#[derive(SimpleObject, Clone, Debug)]
pub struct MitigationView {
    pub action: MitigationValue,
    pub notes: String,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct FlagEvent {
    pub event_type: String,
    pub effective: Date,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_role: String,
}

/// A person's risk flag: restricted to CIVIL_AFFAIRS of the mission and ADMIN.
pub struct RiskFlagNode {
    flag: Flag,
    view: View,
    today: chrono::NaiveDate,
}

#[Object(name = "RiskFlag")]
impl RiskFlagNode {
    async fn id(&self) -> &str {
        &self.flag.id
    }
    async fn staff_id(&self) -> &str {
        &self.flag.staff_id
    }
    async fn mission_code(&self) -> &str {
        &self.flag.mission
    }
    async fn base_id(&self) -> Option<&str> {
        Some(self.flag.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn category(&self) -> Option<CategoryValue> {
        CategoryValue::from_domain(self.flag.category)
    }
    async fn severity(&self) -> Option<SeverityValue> {
        SeverityValue::from_domain(self.flag.severity)
    }
    async fn status(&self) -> FlagStatusValue {
        match self.flag.status {
            FlagStatus::Open => FlagStatusValue::Open,
            FlagStatus::Mitigating => FlagStatusValue::Mitigating,
            FlagStatus::Closed => FlagStatusValue::Closed,
        }
    }
    async fn notes(&self) -> &str {
        &self.flag.notes
    }
    async fn raised_on(&self) -> Date {
        Date(self.flag.raised_on)
    }
    async fn review_due(&self) -> Date {
        Date(self.flag.review_due)
    }
    async fn review_overdue(&self) -> bool {
        self.flag.status != FlagStatus::Closed && self.flag.review_due < self.today
    }
    async fn mitigations(&self) -> Vec<MitigationView> {
        self.flag
            .mitigations
            .iter()
            .map(|(a, n)| MitigationView {
                action: MitigationValue::from_domain(*a).unwrap_or(MitigationValue::Other),
                notes: n.clone(),
            })
            .collect()
    }
    /// Raised by the system: why (CHECK_IN, MISSED_CHECK_IN, BASE_CLOSURE).
    async fn cause(&self) -> Option<String> {
        self.flag.cause.as_ref().map(|c| match c.kind.as_str() {
            "MISSED_CHECK_IN" => format!("MISSED_CHECK_IN {}", c.period_due_at),
            "BASE_CLOSURE" => format!("BASE_CLOSURE {} {}", c.base_id, c.event_id),
            other => format!("{other} {}", c.event_id),
        })
    }
    /// Every event of the flag, with its actor and recorded time.
    async fn timeline(&self, ctx: &Context<'_>) -> Vec<FlagEvent> {
        risk(ctx)
            .timeline(&self.flag.id, &self.view)
            .into_iter()
            .map(|t| FlagEvent {
                event_type: t.event_type,
                effective: Date(t.effective),
                recorded_at: t.recorded,
                actor_id: t.actor_id,
                actor_role: t.actor_role,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The register (counts for every reader; flags for DETAIL roles)

#[derive(SimpleObject, Clone, Debug, Default)]
pub struct SeverityCounts {
    pub low: u32,
    pub medium: u32,
    pub high: u32,
    pub critical: u32,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Low => self.low += 1,
            Severity::Medium => self.medium += 1,
            Severity::High => self.high += 1,
            Severity::Critical => self.critical += 1,
            Severity::Unspecified => {}
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct CategoryCount {
    pub category: CategoryValue,
    pub count: u32,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct PlaceCounts {
    /// A base id or field office id.
    pub place_id: String,
    pub counts: SeverityCounts,
}

pub struct RiskRegister {
    mission: String,
    flags: Vec<Flag>,
    view: View,
    today: chrono::NaiveDate,
    office_of: BTreeMap<String, String>,
}

#[Object]
impl RiskRegister {
    async fn mission_code(&self) -> &str {
        &self.mission
    }
    /// Open (and mitigating) flags.
    async fn open(&self) -> usize {
        self.flags.len()
    }
    async fn by_severity(&self) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        self.flags.iter().for_each(|f| c.add(f.severity));
        c
    }
    async fn by_category(&self) -> Vec<CategoryCount> {
        let mut by: BTreeMap<i32, u32> = BTreeMap::new();
        self.flags
            .iter()
            .for_each(|f| *by.entry(f.category as i32).or_default() += 1);
        by.into_iter()
            .filter_map(|(c, n)| {
                CategoryValue::from_domain(Category::try_from(c).ok()?)
                    .map(|category| CategoryCount { category, count: n })
            })
            .collect()
    }
    async fn by_base(&self) -> Vec<PlaceCounts> {
        let mut by: BTreeMap<String, SeverityCounts> = BTreeMap::new();
        self.flags
            .iter()
            .filter(|f| !f.base_id.is_empty())
            .for_each(|f| by.entry(f.base_id.clone()).or_default().add(f.severity));
        by.into_iter()
            .map(|(place_id, counts)| PlaceCounts { place_id, counts })
            .collect()
    }
    async fn by_field_office(&self) -> Vec<PlaceCounts> {
        let mut by: BTreeMap<String, SeverityCounts> = BTreeMap::new();
        for f in &self.flags {
            if let Some(office) = self.office_of.get(&f.base_id) {
                by.entry(office.clone()).or_default().add(f.severity);
            }
        }
        by.into_iter()
            .map(|(place_id, counts)| PlaceCounts { place_id, counts })
            .collect()
    }
    async fn overdue_reviews(&self) -> usize {
        self.flags
            .iter()
            .filter(|f| f.review_due < self.today)
            .count()
    }
    /// The flags themselves: CIVIL_AFFAIRS of the mission and ADMIN only.
    #[allow(clippy::too_many_arguments)]
    async fn flags(
        &self,
        ctx: &Context<'_>,
        severity: Option<SeverityValue>,
        category: Option<CategoryValue>,
        base_id: Option<String>,
        overdue_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<RiskFlagNode>> {
        check_mission(principal(ctx)?, &self.mission, DETAIL)?;
        let mut items: Vec<Flag> = self
            .flags
            .iter()
            .filter(|f| severity.is_none_or(|s| f.severity == s.to_domain()))
            .filter(|f| category.is_none_or(|c| f.category == c.to_domain()))
            .filter(|f| base_id.as_ref().is_none_or(|b| &f.base_id == b))
            .filter(|f| !overdue_only.unwrap_or(false) || f.review_due < self.today)
            .cloned()
            .collect();
        items.sort_by(|a, b| {
            (b.severity as i32)
                .cmp(&(a.severity as i32))
                .then(a.raised_on.cmp(&b.raised_on))
        });
        let nodes = items
            .into_iter()
            .map(|flag| RiskFlagNode {
                flag,
                view: self.view,
                today: self.today,
            })
            .collect();
        Ok(connection(nodes, first, after)?)
    }
}

/// The open flags of a mission as the view sees them.
fn open_flags(ctx: &Context<'_>, mission: &str, view: &View) -> Vec<Flag> {
    let mut out = Vec::new();
    for staff in risk(ctx).staff_with_flags(mission) {
        let r = risk(ctx).flags_only(&staff, view);
        out.extend(
            r.flags
                .into_values()
                .filter(|f| f.mission == mission && f.status != FlagStatus::Closed),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Check-in compliance

#[derive(SimpleObject, Clone, Debug, Default)]
pub struct Compliance {
    /// A base id, field office id or the mission code.
    pub place_id: String,
    pub made: u32,
    pub missed: u32,
    /// made / (made + missed); null where nothing was due.
    pub share: Option<f64>,
}

impl Compliance {
    fn of(place_id: String, made: u32, missed: u32) -> Self {
        Self {
            place_id,
            made,
            missed,
            share: (made + missed > 0).then(|| f64::from(made) / f64::from(made + missed)),
        }
    }
}

/// A CLA whose check-in is overdue now.
#[derive(SimpleObject, Clone, Debug)]
pub struct OverdueCla {
    pub staff_id: String,
    pub base_id: String,
    pub due_at: DateTime<Utc>,
    pub interval_hours: i64,
}

pub struct CheckInCompliance {
    mission: String,
    mission_row: Compliance,
    by_base: Vec<Compliance>,
    by_field_office: Vec<Compliance>,
    overdue: Vec<OverdueCla>,
}

#[Object]
impl CheckInCompliance {
    async fn mission_code(&self) -> &str {
        &self.mission
    }
    /// Over the 30 days to the asked date: check-ins made, and due periods missed.
    async fn mission(&self) -> &Compliance {
        &self.mission_row
    }
    async fn by_base(&self) -> &[Compliance] {
        &self.by_base
    }
    async fn by_field_office(&self) -> &[Compliance] {
        &self.by_field_office
    }
    /// How many CLAs are overdue now.
    async fn overdue_count(&self) -> usize {
        self.overdue.len()
    }
    /// Who is overdue now: CIVIL_AFFAIRS of the mission and ADMIN only.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<&[OverdueCla]> {
        check_mission(principal(ctx)?, &self.mission, DETAIL)?;
        Ok(&self.overdue)
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct RiskQuery;

#[Object]
impl RiskQuery {
    /// A mission's open risk flags: counts for every reader, the flags themselves for
    /// CIVIL_AFFAIRS of the mission and ADMIN.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn risk_register(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<RiskRegister> {
        let view = view(ctx, as_of, known_at);
        if registry(ctx).mission(&mission_code, &view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission_code} as of {}", view.as_of),
            )
            .into());
        }
        let office_of = registry(ctx)
            .bases(&mission_code, &view)
            .into_iter()
            .map(|b| (b.id, b.details.field_office_id))
            .collect();
        Ok(RiskRegister {
            flags: open_flags(ctx, &mission_code, &view),
            mission: mission_code,
            view,
            today: view.as_of,
            office_of,
        })
    }

    #[graphql(guard = "RiskGuard::flag(&id, DETAIL)")]
    async fn risk_flag(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<RiskFlagNode> {
        let view = view(ctx, as_of, known_at);
        Ok(flag_node(ctx, &id, view)?)
    }

    /// Check-in compliance over the 30 days to the asked date, and who is overdue now.
    #[graphql(guard = "MissionGuard::new(&mission_code, READERS)")]
    async fn check_in_compliance(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CheckInCompliance> {
        let view = view(ctx, as_of, known_at);
        let bases = registry(ctx).bases(&mission_code, &view);
        let office_of: BTreeMap<String, String> = bases
            .iter()
            .map(|b| (b.id.clone(), b.details.field_office_id.clone()))
            .collect();
        let per_base = compliance_by_base(risk(ctx), staffing(ctx), &mission_code, &view);
        let mut by_office: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        let (mut made, mut missed) = (0, 0);
        for (base, (m, x)) in &per_base {
            made += m;
            missed += x;
            if let Some(office) = office_of.get(base) {
                let e = by_office.entry(office.clone()).or_default();
                e.0 += m;
                e.1 += x;
            }
        }
        let now = clock(ctx).now();
        let overdue = detector(ctx)
            .obligations(&mission_code, now)
            .into_iter()
            .filter(|o| o.overdue(now))
            .map(|o| OverdueCla {
                staff_id: o.staff_id,
                base_id: o.base_id,
                due_at: o.due_at,
                interval_hours: o.interval_hours,
            })
            .collect();
        Ok(CheckInCompliance {
            mission_row: Compliance::of(mission_code.clone(), made, missed),
            by_base: per_base
                .into_iter()
                .filter(|(b, _)| !b.is_empty())
                .map(|(b, (m, x))| Compliance::of(b, m, x))
                .collect(),
            by_field_office: by_office
                .into_iter()
                .map(|(o, (m, x))| Compliance::of(o, m, x))
                .collect(),
            mission: mission_code,
            overdue,
        })
    }
}

/// Check-ins made and due periods missed over the 30 days to the view's date, per base (the CLA's
/// base on that date, else their last), for a mission: counted for the CLAs deployed at some time
/// in those days, the only ones with check-ins due. The mission's deployments are walked once;
/// CLAs long gone are not looked at.
pub fn compliance_by_base(
    risk: &RiskView,
    staffing: &StaffingView,
    mission: &str,
    view: &View,
) -> BTreeMap<String, (u32, u32)> {
    let since = view.as_of - Duration::days(30);
    let state = staffing.staffing(mission, view);
    // Per CLA: deployed in the window; the deployment on the date; the last one begun.
    let mut picks: HashMap<&str, (bool, Option<&Deployment>, &Deployment)> = HashMap::new();
    for d in state.deployments().values() {
        let in_window = d.from <= view.as_of && d.to.is_none_or(|to| to > since);
        let on_date = d.covers(view.as_of).then_some(d);
        picks
            .entry(d.staff_id.as_str())
            .and_modify(|(w, on, last)| {
                *w |= in_window;
                *on = on.or(on_date);
                if d.from >= last.from {
                    *last = d;
                }
            })
            .or_insert((in_window, on_date, d));
    }
    let mut per_base: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (staff, (_, on, last)) in picks.into_iter().filter(|(_, p)| p.0) {
        let base = on.unwrap_or(last).base_id.clone();
        let made = risk.check_ins_between(staff, since, view.as_of, view);
        let missed = risk
            .flags_only(staff, view)
            .flags
            .values()
            .filter(|f| {
                f.cause
                    .as_ref()
                    .is_some_and(|c| c.kind == "MISSED_CHECK_IN")
                    && f.raised_on > since
                    && f.raised_on <= view.as_of
            })
            .count() as u32;
        let entry = per_base.entry(base).or_default();
        entry.0 += made;
        entry.1 += missed;
    }
    per_base
}

/// Open flags of a mission by base and severity (low, medium, high, critical): counts only. Flags
/// raised where the CLA was at no base count under the empty base id.
pub fn open_flags_by_base(
    risk: &RiskView,
    mission: &str,
    view: &View,
) -> HashMap<String, [u32; 4]> {
    let mut out: HashMap<String, [u32; 4]> = HashMap::new();
    for staff in risk.staff_with_flags(mission) {
        for f in risk.flags_only(&staff, view).flags.values() {
            if f.mission != mission || f.status == FlagStatus::Closed {
                continue;
            }
            let slot = match f.severity {
                Severity::Low => 0,
                Severity::Medium => 1,
                Severity::High => 2,
                Severity::Critical => 3,
                Severity::Unspecified => continue,
            };
            out.entry(f.base_id.clone()).or_default()[slot] += 1;
        }
    }
    out
}

/// Open flags of a mission by severity (low, medium, high, critical): counts only.
pub fn open_flag_counts(risk: &RiskView, mission: &str, view: &View) -> [u32; 4] {
    open_flags_by_base(risk, mission, view)
        .values()
        .fold([0; 4], |mut total, c| {
            (0..4).for_each(|i| total[i] += c[i]);
            total
        })
}

fn flag_node(ctx: &Context<'_>, id: &str, view: View) -> AppResult<RiskFlagNode> {
    let staff = risk(ctx)
        .staff_of_flag(id)
        .ok_or_else(|| AppError::not_found("flagId", "no such risk flag"))?;
    let flag = risk(ctx)
        .flags_only(&staff, &view)
        .flags
        .remove(id)
        .ok_or_else(|| {
            AppError::not_found("flagId", format!("no such risk flag as of {}", view.as_of))
        })?;
    Ok(RiskFlagNode {
        flag,
        view,
        today: view.as_of,
    })
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct RiskMutation;

/// Decides a risk command on the CLA's stream.
async fn run(ctx: &Context<'_>, staff_id: &str, command: RiskCommand) -> AppResult<()> {
    let mission = staffing(ctx)
        .mission_of_cla(staff_id)
        .ok_or_else(|| AppError::not_found("staffId", format!("no CLA {staff_id}")))?;
    let now = clock(ctx).now();
    let today = now.date_naive();
    let base_id = staffing(ctx)
        .staffing(
            &mission,
            &View {
                as_of: today,
                known_at: None,
            },
        )
        .deployment_on(staff_id, today)
        .map(|d| d.base_id.clone())
        .unwrap_or_default();
    let context = RiskContext {
        staff_id: staff_id.to_string(),
        mission: mission.clone(),
        base_id,
        now,
    };
    let effective = match &command {
        RiskCommand::RecordCheckIn { at, .. } => at.date_naive().min(today),
        _ => today,
    };
    let meta = CommandMeta::by(principal(ctx)?, Some(&mission), DETAIL, effective)?;
    runtime(ctx)
        .execute::<RiskDecider>(&stream(staff_id), &command, &context, &meta)
        .await?;
    Ok(())
}

async fn on_flag(
    ctx: &Context<'_>,
    flag_id: &str,
    command: impl FnOnce(String) -> RiskCommand,
) -> AppResult<RiskFlagNode> {
    let staff = risk(ctx)
        .staff_of_flag(flag_id)
        .ok_or_else(|| AppError::not_found("flagId", "no such risk flag"))?;
    run(ctx, &staff, command(flag_id.to_string())).await?;
    flag_node(
        ctx,
        flag_id,
        View {
            as_of: clock(ctx).now().date_naive(),
            known_at: None,
        },
    )
}

/// What a check-in recorded.
#[derive(SimpleObject, Clone, Debug)]
pub struct CheckInResult {
    pub check_in_id: String,
    pub at: DateTime<Utc>,
    /// The flag raised at once for "needs assistance" or "under threat".
    pub raised_flag_id: Option<String>,
}

#[Object]
impl RiskMutation {
    /// A CLA reported in (default: now). Not in the future.
    #[graphql(guard = "RiskGuard::cla(&staff_id, DETAIL)")]
    async fn record_check_in(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        at: Option<DateTime<Utc>>,
        channel: ChannelValue,
        welfare: WelfareValue,
        notes: Option<String>,
    ) -> async_graphql::Result<CheckInResult> {
        let at = at.unwrap_or_else(|| clock(ctx).now());
        let check_in_id = uuid::Uuid::now_v7().to_string();
        let flag_id = uuid::Uuid::now_v7().to_string();
        let command = RiskCommand::RecordCheckIn {
            check_in_id: check_in_id.clone(),
            at,
            channel: channel.to_domain(),
            welfare: welfare.to_domain(),
            notes: notes.unwrap_or_default(),
            flag_id: flag_id.clone(),
        };
        run(ctx, &staff_id, command).await?;
        let raised = risk(ctx).staff_of_flag(&flag_id).map(|_| flag_id);
        Ok(CheckInResult {
            check_in_id,
            at,
            raised_flag_id: raised,
        })
    }

    #[graphql(guard = "RiskGuard::cla(&staff_id, DETAIL)")]
    async fn raise_risk_flag(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        category: CategoryValue,
        severity: SeverityValue,
        notes: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        let flag_id = uuid::Uuid::now_v7().to_string();
        let command = RiskCommand::Raise {
            flag_id: flag_id.clone(),
            category: category.to_domain(),
            severity: severity.to_domain(),
            notes: notes.unwrap_or_default(),
        };
        run(ctx, &staff_id, command).await?;
        Ok(flag_node(
            ctx,
            &flag_id,
            View {
                as_of: clock(ctx).now().date_naive(),
                known_at: None,
            },
        )?)
    }

    /// Escalates or de-escalates a flag.
    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn change_risk_severity(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        severity: SeverityValue,
        reason: String,
    ) -> async_graphql::Result<RiskFlagNode> {
        Ok(
            on_flag(ctx, &flag_id, |flag_id| RiskCommand::ChangeSeverity {
                flag_id,
                severity: severity.to_domain(),
                reason,
            })
            .await?,
        )
    }

    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn add_mitigation(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        action: MitigationValue,
        notes: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        Ok(
            on_flag(ctx, &flag_id, |flag_id| RiskCommand::AddMitigation {
                flag_id,
                action: action.to_domain(),
                notes: notes.unwrap_or_default(),
            })
            .await?,
        )
    }

    /// Reviews a flag; the next review is due in 7 days (high, critical) or 30.
    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn review_risk_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        notes: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        Ok(on_flag(ctx, &flag_id, |flag_id| RiskCommand::Review {
            flag_id,
            notes: notes.unwrap_or_default(),
        })
        .await?)
    }

    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn close_risk_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        resolution: String,
    ) -> async_graphql::Result<RiskFlagNode> {
        Ok(on_flag(ctx, &flag_id, |flag_id| RiskCommand::Close {
            flag_id,
            resolution,
        })
        .await?)
    }
}

// ---------------------------------------------------------------------------------------------
// Alerts

/// The risk alerts: each is a risk event itself, so it is raised once by construction.
#[derive(Copy, Clone, Eq, PartialEq, Debug)]
pub enum RiskAlertKind {
    RiskFlagRaised,
    RiskFlagEscalated,
    MissedCheckIn,
    ReviewOverdue,
}

/// A risk event as an alert, with everything about it; what a subscriber may see of it is for
/// the subscription to decide (see [`DETAIL_ROLES`]).
#[derive(Clone, Debug)]
pub struct RiskAlert {
    pub kind: RiskAlertKind,
    pub mission_code: String,
    pub base_id: Option<String>,
    pub severity: Option<SeverityValue>,
    pub category: Option<CategoryValue>,
    pub staff_id: String,
    pub flag_id: String,
}

/// The roles who see whose flag an alert is about.
pub const DETAIL_ROLES: &[Role] = DETAIL;

/// The alert a recorded event raises, if it is a risk event that raises one.
pub fn risk_alert(view: &RiskView, recorded: &cla_event_store::RecordedEvent) -> Option<RiskAlert> {
    let event = cla_platform::codec::decode_recorded::<RiskEvent>(recorded)?;
    let (kind, flag_id, severity, category) = match &event {
        RiskEvent::RiskFlagRaised(e) if e.category == Category::MissedCheckIn as i32 => (
            RiskAlertKind::MissedCheckIn,
            e.flag_id.clone(),
            e.severity,
            e.category,
        ),
        RiskEvent::RiskFlagRaised(e) => (
            RiskAlertKind::RiskFlagRaised,
            e.flag_id.clone(),
            e.severity,
            e.category,
        ),
        RiskEvent::RiskFlagSeverityChanged(e) if e.severity > e.previous_severity => (
            RiskAlertKind::RiskFlagEscalated,
            e.flag_id.clone(),
            e.severity,
            0,
        ),
        RiskEvent::RiskReviewOverdue(e) => (RiskAlertKind::ReviewOverdue, e.flag_id.clone(), 0, 0),
        _ => return None,
    };
    let mission = view.mission_of_flag(&flag_id)?;
    let staff = view.staff_of_flag(&flag_id)?;
    let flag = view
        .flags_only(
            &staff,
            &View {
                as_of: chrono::NaiveDate::MAX,
                known_at: None,
            },
        )
        .flags
        .remove(&flag_id)?;
    Some(RiskAlert {
        kind,
        mission_code: mission,
        base_id: Some(flag.base_id.clone()).filter(|b| !b.is_empty()),
        severity: Severity::try_from(if severity == 0 {
            flag.severity as i32
        } else {
            severity
        })
        .ok()
        .and_then(SeverityValue::from_domain),
        category: Category::try_from(if category == 0 {
            flag.category as i32
        } else {
            category
        })
        .ok()
        .and_then(CategoryValue::from_domain),
        staff_id: staff,
        flag_id,
    })
}

/// Open flags by base and severity, for the staffing board.
pub struct BoardRiskCounts {
    pub risk: Arc<RiskView>,
}

impl cla_staffing::OpenRiskFlags for BoardRiskCounts {
    fn by_base(&self, mission: &str, view: &View) -> HashMap<String, [u32; 4]> {
        open_flags_by_base(&self.risk, mission, view)
    }
}
