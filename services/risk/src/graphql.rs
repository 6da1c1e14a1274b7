//! The risk and welfare part of the GraphQL schema: mapping only. Each resolver maps its arguments
//! to one call of [`RiskApp`], which decides access (flag details, notes, mitigations and
//! timelines: CIVIL_AFFAIRS of the mission and ADMIN only; MISSION_HR and HQ_REVIEWER see counts),
//! and maps the answer back; a withheld part is FORBIDDEN on the field asked.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::Role;
use cla_platform::access::{ByIdGuard, MissionGuard, principal};
use cla_platform::graphql::{ConnectionTotals, Date, connection};
use cla_platform::timeline::View;

use crate::app::{self, DETAIL_ROLES as DETAIL, FlagRecord, READERS, RiskApp};
use crate::decider::FlagStatus;
use crate::events::{Category, Channel, Mitigation, Severity, Welfare};
use crate::projections::{self, CheckInCounts, FlagFilter, PlaceCompliance};

type Page<T> = Connection<String, T, ConnectionTotals>;

fn app<'a>(ctx: &'a Context<'_>) -> &'a RiskApp {
    ctx.data_unchecked::<RiskApp>()
}

fn view(ctx: &Context<'_>, as_of: Option<Date>, known_at: Option<DateTime<Utc>>) -> View {
    app(ctx).view(as_of.map(|d| d.0), known_at)
}

/// Guards for a CLA or a flag named by id: its mission decides. A second line: [`RiskApp`]
/// decides the same.
pub struct RiskGuard;

impl RiskGuard {
    pub fn cla(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| app(ctx).mission_of_cla(id))
    }
    pub fn flag(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| app(ctx).mission_of_flag(id))
    }
    pub fn field_office(id: &str, roles: &'static [Role]) -> ByIdGuard {
        ByIdGuard::new(id, roles, |ctx, id| app(ctx).mission_of_field_office(id))
    }
}

// ---------------------------------------------------------------------------------------------
// Enums

use cla_platform::graphql_enum;

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
pub struct RiskFlagNode(FlagRecord);

#[Object(name = "RiskFlag")]
impl RiskFlagNode {
    async fn id(&self) -> &str {
        &self.0.flag.id
    }
    async fn staff_id(&self) -> &str {
        &self.0.flag.staff_id
    }
    async fn mission_code(&self) -> &str {
        &self.0.flag.mission
    }
    async fn base_id(&self) -> Option<&str> {
        Some(self.0.flag.base_id.as_str()).filter(|b| !b.is_empty())
    }
    async fn category(&self) -> Option<CategoryValue> {
        CategoryValue::from_domain(self.0.flag.category)
    }
    async fn severity(&self) -> Option<SeverityValue> {
        SeverityValue::from_domain(self.0.flag.severity)
    }
    async fn status(&self) -> FlagStatusValue {
        match self.0.flag.status {
            FlagStatus::Open => FlagStatusValue::Open,
            FlagStatus::Mitigating => FlagStatusValue::Mitigating,
            FlagStatus::Closed => FlagStatusValue::Closed,
        }
    }
    async fn notes(&self) -> &str {
        &self.0.flag.notes
    }
    async fn raised_on(&self) -> Date {
        Date(self.0.flag.raised_on)
    }
    async fn review_due(&self) -> Date {
        Date(self.0.flag.review_due)
    }
    async fn review_overdue(&self) -> bool {
        self.0.review_overdue()
    }
    async fn mitigations(&self) -> Vec<MitigationView> {
        self.0
            .flag
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
        self.0.cause()
    }
    /// A missed-check-in flag (one silence's): the check-in periods missed so far; 0 for other
    /// flags.
    async fn periods_missed(&self) -> u32 {
        self.0.flag.periods_missed
    }
    /// A missed-check-in flag: when the CLA was last heard from; null where they had not
    /// checked in yet, and for other flags.
    async fn last_heard_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_heard_at()
    }
    /// How the flag was closed (a silence's: "checked in at T (channel)"); null while open.
    async fn resolution(&self) -> Option<&str> {
        self.0.flag.resolution.as_deref()
    }
    /// Every event of the flag, with its actor and recorded time.
    async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FlagEvent>> {
        let timeline = app(ctx).flag_timeline(principal(ctx)?, &self.0.flag.id, &self.0.view)?;
        Ok(timeline
            .into_iter()
            .map(|t| FlagEvent {
                event_type: t.event_type,
                effective: Date(t.effective),
                recorded_at: t.recorded,
                actor_id: t.actor_id,
                actor_role: t.actor_role,
            })
            .collect())
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

impl From<projections::SeverityCounts> for SeverityCounts {
    fn from(c: projections::SeverityCounts) -> Self {
        Self {
            low: c.low,
            medium: c.medium,
            high: c.high,
            critical: c.critical,
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
    /// True where the place's counts are withheld from this reader: it has fewer than 3 CLAs,
    /// or its counts would let a smaller place's be worked out. The counts are then 0 and say
    /// nothing; every withheld place is listed, with flags or without.
    pub withheld: bool,
}

fn place_counts(
    rows: &[(String, projections::SeverityCounts)],
    withheld: &std::collections::BTreeSet<String>,
) -> Vec<PlaceCounts> {
    rows.iter()
        .map(|(place_id, counts)| PlaceCounts {
            place_id: place_id.clone(),
            counts: (*counts).into(),
            withheld: withheld.contains(place_id),
        })
        .collect()
}

pub struct RiskRegister(app::RiskRegister);

#[Object]
impl RiskRegister {
    async fn mission_code(&self) -> &str {
        &self.0.mission_code
    }
    /// Open (and mitigating) flags.
    async fn open(&self) -> usize {
        self.0.counts.open
    }
    async fn by_severity(&self) -> SeverityCounts {
        self.0.counts.by_severity.into()
    }
    async fn by_category(&self) -> Vec<CategoryCount> {
        self.0
            .counts
            .by_category
            .iter()
            .filter_map(|(c, count)| {
                CategoryValue::from_domain(*c).map(|category| CategoryCount {
                    category,
                    count: *count,
                })
            })
            .collect()
    }
    async fn by_base(&self) -> Vec<PlaceCounts> {
        place_counts(&self.0.counts.by_base, &self.0.counts.withheld_places)
    }
    async fn by_field_office(&self) -> Vec<PlaceCounts> {
        place_counts(
            &self.0.counts.by_field_office,
            &self.0.counts.withheld_places,
        )
    }
    async fn overdue_reviews(&self) -> usize {
        self.0.counts.overdue_reviews
    }
    /// True where the mission's own counts are withheld from this reader (it has fewer than 3
    /// CLAs): `open`, `bySeverity`, `byCategory` and `overdueReviews` then say nothing.
    async fn withheld(&self) -> bool {
        self.0.counts.withheld
    }
    /// The flags themselves: CIVIL_AFFAIRS of the mission and ADMIN only.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cla_platform::graphql::page_cost(first, child_complexity)")]
    async fn flags(
        &self,
        severity: Option<SeverityValue>,
        category: Option<CategoryValue>,
        base_id: Option<String>,
        overdue_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<RiskFlagNode>> {
        let filter = FlagFilter {
            severity: severity.map(SeverityValue::to_domain),
            category: category.map(CategoryValue::to_domain),
            base_id,
            overdue_only: overdue_only.unwrap_or(false),
        };
        let flags = self.0.flags_where(&filter).or_forbidden("flags")?;
        Ok(connection(
            flags.into_iter().map(RiskFlagNode).collect(),
            first,
            after,
        )?)
    }
}

// ---------------------------------------------------------------------------------------------
// Check-in compliance

#[derive(SimpleObject, Clone, Debug, Default)]
pub struct Compliance {
    /// A base id, field office id or the mission code.
    pub place_id: String,
    pub made: u32,
    pub missed: u32,
    /// Check-ins made of those due, in percent (0–100); null where nothing was due, or withheld.
    pub compliance_percent: Option<f64>,
    /// True where the place's counts are withheld from this reader: they cover fewer than 3
    /// CLAs, or would let such a place's be worked out. The counts are then 0 and say nothing.
    /// Never withheld from those who see the mission's risk detail.
    pub withheld: bool,
}

impl Compliance {
    fn of(p: &PlaceCompliance, withheld: bool) -> Self {
        let CheckInCounts { made, missed } = p.counts;
        Self {
            place_id: p.place_id.clone(),
            made,
            missed,
            compliance_percent: if withheld {
                None
            } else {
                cla_platform::graphql::percent(p.counts.share())
            },
            withheld,
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

pub struct CheckInCompliance(app::CheckInCompliance);

impl CheckInCompliance {
    fn places(&self, rows: &[PlaceCompliance]) -> Vec<Compliance> {
        let withheld = &self.0.counts.withheld_places;
        rows.iter()
            .map(|p| Compliance::of(p, withheld.contains(&p.place_id)))
            .collect()
    }
}

#[Object]
impl CheckInCompliance {
    async fn mission_code(&self) -> &str {
        &self.0.mission_code
    }
    /// Over the 30 days to the asked date: check-ins made, and due periods missed.
    async fn mission(&self) -> Compliance {
        Compliance::of(&self.0.counts.mission, self.0.counts.withheld)
    }
    async fn by_base(&self) -> Vec<Compliance> {
        self.places(&self.0.counts.by_base)
    }
    async fn by_field_office(&self) -> Vec<Compliance> {
        self.places(&self.0.counts.by_field_office)
    }
    /// How many CLAs are overdue now (0 where the mission's counts are withheld).
    async fn overdue_count(&self) -> usize {
        self.0.overdue_count
    }
    /// Who is overdue now: CIVIL_AFFAIRS of the mission and ADMIN only.
    async fn overdue(&self) -> async_graphql::Result<Vec<OverdueCla>> {
        let overdue = self.0.overdue.as_ref().or_forbidden("overdue")?;
        Ok(overdue
            .iter()
            .map(|o| OverdueCla {
                staff_id: o.staff_id.clone(),
                base_id: o.base_id.clone(),
                due_at: o.due_at,
                interval_hours: o.interval_hours,
            })
            .collect())
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
        Ok(RiskRegister(app(ctx).risk_register(
            principal(ctx)?,
            &mission_code,
            &view,
        )?))
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
        Ok(RiskFlagNode(app(ctx).risk_flag(
            principal(ctx)?,
            &id,
            &view,
        )?))
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
        Ok(CheckInCompliance(app(ctx).check_in_compliance(
            principal(ctx)?,
            &mission_code,
            &view,
        )?))
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct RiskMutation;

/// What a check-in recorded.
#[derive(SimpleObject, Clone, Debug)]
pub struct CheckInResult {
    pub check_in_id: String,
    pub at: DateTime<Utc>,
    /// The flag raised at once for "needs assistance" or "under threat".
    pub raised_flag_id: Option<String>,
}

/// One CLA heard in a roll call.
#[derive(InputObject, Clone, Debug)]
pub struct HeardInput {
    pub staff_id: String,
    pub welfare: WelfareValue,
    pub notes: Option<String>,
}

/// A field office's radio roll call: the CLAs heard at a time (default: now).
#[derive(InputObject, Clone, Debug)]
pub struct RollCallInput {
    pub field_office_id: String,
    pub at: Option<DateTime<Utc>>,
    pub heard: Vec<HeardInput>,
}

/// A roll call's check-in of one CLA (channel RADIO).
#[derive(SimpleObject, Clone, Debug)]
pub struct RollCallCheckIn {
    pub staff_id: String,
    pub check_in_id: String,
    pub at: DateTime<Utc>,
    /// The flag raised at once for "needs assistance" or "under threat".
    pub raised_flag_id: Option<String>,
}

/// A refused roll call as GraphQL reports it: the first bad line's `field`, and in
/// `extensions.lines` each bad line's `field`, `code` and `message`.
fn roll_call_refused(refused: app::RollCallRefused) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    let lines: Vec<async_graphql::Value> = refused
        .lines
        .iter()
        .map(|e| {
            async_graphql::value!({
                "field": e.field.clone().unwrap_or_default(),
                "code": e.code.as_str(),
                "message": e.message.clone(),
            })
        })
        .collect();
    let error = refused.error.into_graphql();
    if lines.is_empty() {
        return error;
    }
    error.extend_with(|_, e| e.set("lines", async_graphql::Value::List(lines)))
}

#[Object]
impl RiskMutation {
    /// Records a field office's radio roll call: each CLA heard becomes a check-in on channel
    /// RADIO. A list with any bad line (an unknown CLA, one not deployed in the field office's
    /// mission, one listed twice; a time in the future) is refused whole, each bad line named
    /// (`heard[2].staffId`), and nothing is recorded.
    #[graphql(guard = "RiskGuard::field_office(&input.field_office_id, DETAIL)")]
    async fn record_roll_call(
        &self,
        ctx: &Context<'_>,
        input: RollCallInput,
    ) -> async_graphql::Result<Vec<RollCallCheckIn>> {
        let input = app::RecordRollCall {
            field_office_id: input.field_office_id,
            at: input.at,
            heard: input
                .heard
                .into_iter()
                .map(|h| app::Heard {
                    staff_id: h.staff_id,
                    welfare: h.welfare.to_domain(),
                    notes: h.notes.unwrap_or_default(),
                })
                .collect(),
        };
        let done = app(ctx)
            .record_roll_call(principal(ctx)?, input)
            .await
            .map_err(roll_call_refused)?;
        Ok(done
            .into_iter()
            .map(|d| RollCallCheckIn {
                staff_id: d.staff_id,
                check_in_id: d.check_in.check_in_id,
                at: d.check_in.at,
                raised_flag_id: d.check_in.raised_flag_id,
            })
            .collect())
    }

    /// A CLA reported in (default: now). Not in the future.
    #[graphql(guard = "RiskGuard::cla(&staff_id, DETAIL)")]
    #[allow(clippy::too_many_arguments)]
    async fn record_check_in(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        at: Option<DateTime<Utc>>,
        channel: ChannelValue,
        welfare: WelfareValue,
        notes: Option<String>,
        // Read by the schema's idempotency extension (`cla_platform::idempotency`), not here.
        #[graphql(name = "idempotencyKey")] _idempotency_key: Option<String>,
    ) -> async_graphql::Result<CheckInResult> {
        let input = app::RecordCheckIn {
            staff_id,
            at,
            channel: channel.to_domain(),
            welfare: welfare.to_domain(),
            notes: notes.unwrap_or_default(),
        };
        let done = app(ctx).record_check_in(principal(ctx)?, input).await?;
        Ok(CheckInResult {
            check_in_id: done.check_in_id,
            at: done.at,
            raised_flag_id: done.raised_flag_id,
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
        // Read by the schema's idempotency extension (`cla_platform::idempotency`), not here.
        #[graphql(name = "idempotencyKey")] _idempotency_key: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        let input = app::RaiseRiskFlag {
            staff_id,
            category: category.to_domain(),
            severity: severity.to_domain(),
            notes: notes.unwrap_or_default(),
        };
        Ok(RiskFlagNode(
            app(ctx).raise_risk_flag(principal(ctx)?, input).await?,
        ))
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
        let input = app::ChangeRiskSeverity {
            flag_id,
            severity: severity.to_domain(),
            reason,
        };
        Ok(RiskFlagNode(
            app(ctx)
                .change_risk_severity(principal(ctx)?, input)
                .await?,
        ))
    }

    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn add_mitigation(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        action: MitigationValue,
        notes: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        let input = app::AddMitigation {
            flag_id,
            action: action.to_domain(),
            notes: notes.unwrap_or_default(),
        };
        Ok(RiskFlagNode(
            app(ctx).add_mitigation(principal(ctx)?, input).await?,
        ))
    }

    /// Reviews a flag; the next review is due in 7 days (high, critical) or 30.
    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn review_risk_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        notes: Option<String>,
    ) -> async_graphql::Result<RiskFlagNode> {
        let input = app::ReviewRiskFlag {
            flag_id,
            notes: notes.unwrap_or_default(),
        };
        Ok(RiskFlagNode(
            app(ctx).review_risk_flag(principal(ctx)?, input).await?,
        ))
    }

    #[graphql(guard = "RiskGuard::flag(&flag_id, DETAIL)")]
    async fn close_risk_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: String,
        resolution: String,
    ) -> async_graphql::Result<RiskFlagNode> {
        let input = app::CloseRiskFlag {
            flag_id,
            resolution,
        };
        Ok(RiskFlagNode(
            app(ctx).close_risk_flag(principal(ctx)?, input).await?,
        ))
    }
}
