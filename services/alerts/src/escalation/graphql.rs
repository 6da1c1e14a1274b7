//! Escalation in the GraphQL schema: procedures and contacts, incidents with their timelines,
//! acknowledging and resolving. Mapping only: [`EscalationApp`] decides who may do and see what;
//! the guards are a second line.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::access::{MissionGuard, principal};

use super::app::{EscalationApp, IncidentAnswer, IncidentStatus, RESPONDERS, SETTERS};
use super::events::{self, contract};
use super::procedures::Procedures;
use super::view::{Entry, EntryKind};

fn app<'a>(ctx: &'a Context<'_>) -> &'a EscalationApp {
    ctx.data_unchecked::<EscalationApp>()
}

/// The kinds of alert that open an incident.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum IncidentKind {
    MissedCheckIn,
    /// Need-to-know only.
    Duress,
    UnderThreat,
    NeedsAssistance,
    CriticalFlag,
    BaseEmpty,
}

impl IncidentKind {
    fn contract(self) -> events::IncidentKind {
        match self {
            Self::MissedCheckIn => events::IncidentKind::MissedCheckIn,
            Self::Duress => events::IncidentKind::Duress,
            Self::UnderThreat => events::IncidentKind::UnderThreat,
            Self::NeedsAssistance => events::IncidentKind::NeedsAssistance,
            Self::CriticalFlag => events::IncidentKind::CriticalFlag,
            Self::BaseEmpty => events::IncidentKind::BaseEmpty,
        }
    }

    fn of(kind: i32) -> Option<Self> {
        Some(match events::IncidentKind::try_from(kind).ok()? {
            events::IncidentKind::Unspecified => return None,
            events::IncidentKind::MissedCheckIn => Self::MissedCheckIn,
            events::IncidentKind::Duress => Self::Duress,
            events::IncidentKind::UnderThreat => Self::UnderThreat,
            events::IncidentKind::NeedsAssistance => Self::NeedsAssistance,
            events::IncidentKind::CriticalFlag => Self::CriticalFlag,
            events::IncidentKind::BaseEmpty => Self::BaseEmpty,
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NotificationChannel {
    Email,
    Sms,
    Webhook,
}

impl NotificationChannel {
    fn contract(self) -> events::NotificationChannel {
        match self {
            Self::Email => events::NotificationChannel::Email,
            Self::Sms => events::NotificationChannel::Sms,
            Self::Webhook => events::NotificationChannel::Webhook,
        }
    }

    fn of(channel: i32) -> Option<Self> {
        match events::NotificationChannel::try_from(channel).ok()? {
            events::NotificationChannel::Email => Some(Self::Email),
            events::NotificationChannel::Sms => Some(Self::Sms),
            events::NotificationChannel::Webhook => Some(Self::Webhook),
            events::NotificationChannel::Unspecified => None,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RecipientKind {
    /// The CLA's supervisor at the time of the step.
    Supervisor,
    /// Every manager of the CLA's field office.
    FieldOfficeManagers,
    /// A named contact of the mission (`contactId`).
    Named,
}

#[derive(InputObject, Clone, Debug)]
pub struct EscalationRecipientInput {
    pub kind: RecipientKind,
    pub contact_id: Option<String>,
    /// Told who the CLA is and what happened; otherwise only that an alert needs attention at
    /// the field office.
    #[graphql(default)]
    pub need_to_know: bool,
}

#[derive(InputObject, Clone, Debug)]
pub struct EscalationStepInput {
    pub recipients: Vec<EscalationRecipientInput>,
    pub channels: Vec<NotificationChannel>,
    /// How long to wait for an acknowledgement before the next step.
    pub wait_minutes: i64,
}

#[derive(InputObject, Clone, Debug)]
pub struct StepSkipInput {
    pub kind: IncidentKind,
    /// 1-based.
    pub step: i32,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct EscalationRecipient {
    pub kind: RecipientKind,
    pub contact_id: Option<String>,
    pub need_to_know: bool,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct EscalationStep {
    pub recipients: Vec<EscalationRecipient>,
    pub channels: Vec<NotificationChannel>,
    pub wait_minutes: i64,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct StepSkip {
    pub kind: IncidentKind,
    pub step: i32,
}

/// A procedure: the mission's (no field office) or a field office's override.
#[derive(SimpleObject, Clone, Debug)]
pub struct EscalationProcedure {
    pub field_office_id: Option<ID>,
    pub kinds: Vec<IncidentKind>,
    pub steps: Vec<EscalationStep>,
    pub skips: Vec<StepSkip>,
    pub repeat_minutes: i64,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct EscalationContact {
    pub contact_id: ID,
    /// Set for a manager's own addresses.
    pub manager_id: Option<ID>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub webhook_url: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct EscalationProcedures {
    pub mission_code: String,
    pub procedures: Vec<EscalationProcedure>,
    pub contacts: Vec<EscalationContact>,
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn procedures(mission: &str, p: Procedures) -> EscalationProcedures {
    EscalationProcedures {
        mission_code: mission.to_string(),
        procedures: p
            .procedures
            .values()
            .map(|p| EscalationProcedure {
                field_office_id: some(&p.field_office_id).map(ID),
                kinds: p
                    .kinds
                    .iter()
                    .filter_map(|k| IncidentKind::of(*k))
                    .collect(),
                steps: p
                    .steps
                    .iter()
                    .map(|s| EscalationStep {
                        recipients: s
                            .recipients
                            .iter()
                            .map(|r| EscalationRecipient {
                                kind: match events::RecipientKind::try_from(r.kind) {
                                    Ok(events::RecipientKind::Supervisor) => {
                                        RecipientKind::Supervisor
                                    }
                                    Ok(events::RecipientKind::FieldOfficeManagers) => {
                                        RecipientKind::FieldOfficeManagers
                                    }
                                    _ => RecipientKind::Named,
                                },
                                contact_id: some(&r.contact_id),
                                need_to_know: r.need_to_know,
                            })
                            .collect(),
                        channels: s
                            .channels
                            .iter()
                            .filter_map(|c| NotificationChannel::of(*c))
                            .collect(),
                        wait_minutes: s.wait_minutes,
                    })
                    .collect(),
                skips: p
                    .skips
                    .iter()
                    .filter_map(|s| {
                        Some(StepSkip {
                            kind: IncidentKind::of(s.kind)?,
                            step: s.step as i32,
                        })
                    })
                    .collect(),
                repeat_minutes: p.repeat_minutes,
            })
            .collect(),
        contacts: p
            .contacts
            .values()
            .map(|c| EscalationContact {
                contact_id: ID(c.contact_id.clone()),
                manager_id: some(&c.manager_id).map(ID),
                name: c.name.clone(),
                email: some(&c.email),
                phone: some(&c.phone),
                webhook_url: some(&c.webhook_url),
            })
            .collect(),
    }
}

/// One line of an incident's timeline.
#[derive(SimpleObject, Clone, Debug)]
pub struct IncidentEntry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    /// Who acted: a person, a contact, or "system".
    pub by: String,
    pub step: Option<i32>,
    pub channel: Option<NotificationChannel>,
    pub recipient: Option<String>,
    pub attempt: Option<i32>,
    /// A failure's reason, an acknowledgement's channel, a resolution's outcome (withheld from
    /// those who do not see risk detail).
    pub detail: Option<String>,
}

impl From<&Entry> for IncidentEntry {
    fn from(e: &Entry) -> Self {
        Self {
            at: e.at,
            kind: e.kind,
            by: e.by.clone(),
            step: e.step.map(|s| s as i32),
            channel: e.channel.and_then(|c| NotificationChannel::of(c as i32)),
            recipient: e.recipient.clone(),
            attempt: e.attempt.map(|a| a as i32),
            detail: e.detail.clone(),
        }
    }
}

/// One occurrence of an alert that endangers a person, and who was told. What happened and to
/// whom (`kind`, `staffId`, `flagId`, `baseId`, `summary`, `outcome`) are for CIVIL_AFFAIRS of the
/// mission and ADMIN: `FORBIDDEN` to anyone else, `withheld` says so beforehand.
#[Object(name = "Incident")]
impl IncidentAnswer {
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    async fn mission_code(&self) -> &str {
        &self.mission_code
    }
    async fn field_office_id(&self) -> Option<ID> {
        some(&self.field_office_id).map(ID)
    }
    async fn field_office_name(&self) -> &str {
        &self.field_office_name
    }
    async fn status(&self) -> IncidentStatus {
        self.status
    }
    /// Whether what happened is withheld from you.
    async fn withheld(&self) -> bool {
        self.detail.is_withheld()
    }
    async fn kind(&self) -> async_graphql::Result<Option<IncidentKind>> {
        let d = self.detail.as_ref().or_forbidden("kind")?;
        Ok(IncidentKind::of(d.kind as i32))
    }
    async fn staff_id(&self) -> async_graphql::Result<Option<ID>> {
        Ok(self
            .detail
            .as_ref()
            .or_forbidden("staffId")?
            .staff_id
            .clone()
            .map(ID))
    }
    async fn flag_id(&self) -> async_graphql::Result<Option<ID>> {
        Ok(self
            .detail
            .as_ref()
            .or_forbidden("flagId")?
            .flag_id
            .clone()
            .map(ID))
    }
    async fn base_id(&self) -> async_graphql::Result<Option<ID>> {
        Ok(self
            .detail
            .as_ref()
            .or_forbidden("baseId")?
            .base_id
            .clone()
            .map(ID))
    }
    async fn summary(&self) -> async_graphql::Result<String> {
        Ok(self
            .detail
            .as_ref()
            .or_forbidden("summary")?
            .summary
            .clone())
    }
    async fn outcome(&self) -> async_graphql::Result<Option<String>> {
        Ok(self
            .detail
            .as_ref()
            .or_forbidden("outcome")?
            .outcome
            .clone())
    }
    async fn opened_at(&self) -> DateTime<Utc> {
        self.opened_at
    }
    /// The step started last (0: none yet), of `steps`.
    async fn step(&self) -> i32 {
        self.step as i32
    }
    async fn steps(&self) -> i32 {
        self.steps as i32
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.acknowledged_at
    }
    async fn acknowledged_by(&self) -> Option<&str> {
        self.acknowledged_by.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at
    }
    async fn resolved_by(&self) -> Option<&str> {
        self.resolved_by.as_deref()
    }
    /// Everything that happened to it, oldest first: each step, each notification's attempts
    /// and their outcome, the acknowledgement, the resolution.
    async fn timeline(&self) -> Vec<IncidentEntry> {
        self.timeline.iter().map(IncidentEntry::from).collect()
    }
}

#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// A mission's escalation procedures (the mission's and each field office's override) and
    /// its contacts.
    #[graphql(guard = "MissionGuard::new(&mission_code, RESPONDERS)")]
    async fn escalation_procedures(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
    ) -> async_graphql::Result<EscalationProcedures> {
        let p = app(ctx).procedures(principal(ctx)?, &mission_code)?;
        Ok(procedures(&mission_code, p))
    }

    /// A mission's incidents, newest first (only those not yet resolved with `openOnly`).
    #[graphql(guard = "MissionGuard::new(&mission_code, RESPONDERS)")]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        #[graphql(default)] open_only: bool,
    ) -> async_graphql::Result<Vec<IncidentAnswer>> {
        Ok(app(ctx).incidents(principal(ctx)?, &mission_code, open_only)?)
    }

    /// One incident with its timeline.
    async fn incident(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<IncidentAnswer> {
        Ok(app(ctx).incident(principal(ctx)?, &id)?)
    }
}

#[derive(Default)]
pub struct EscalationMutation;

#[Object]
impl EscalationMutation {
    /// Sets the mission's escalation procedure, or with `fieldOfficeId` that office's override:
    /// which kinds open an incident, the ordered steps, the kinds that start at a later step, and
    /// how often the last step repeats while nobody acknowledges.
    #[graphql(guard = "MissionGuard::new(&mission_code, SETTERS)")]
    #[allow(clippy::too_many_arguments)]
    async fn set_escalation_procedure(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        field_office_id: Option<ID>,
        kinds: Vec<IncidentKind>,
        steps: Vec<EscalationStepInput>,
        #[graphql(default)] skips: Vec<StepSkipInput>,
        #[graphql(default)] repeat_minutes: i64,
    ) -> async_graphql::Result<EscalationProcedures> {
        let procedure = contract::EscalationProcedureSet {
            field_office_id: field_office_id.map(|f| f.0).unwrap_or_default(),
            kinds: kinds.iter().map(|k| k.contract() as i32).collect(),
            steps: steps
                .into_iter()
                .map(|s| contract::EscalationStep {
                    recipients: s
                        .recipients
                        .into_iter()
                        .map(|r| contract::EscalationRecipient {
                            kind: match r.kind {
                                RecipientKind::Supervisor => events::RecipientKind::Supervisor,
                                RecipientKind::FieldOfficeManagers => {
                                    events::RecipientKind::FieldOfficeManagers
                                }
                                RecipientKind::Named => events::RecipientKind::Named,
                            } as i32,
                            contact_id: r.contact_id.unwrap_or_default(),
                            need_to_know: r.need_to_know,
                        })
                        .collect(),
                    channels: s.channels.iter().map(|c| c.contract() as i32).collect(),
                    wait_minutes: s.wait_minutes,
                })
                .collect(),
            skips: skips
                .into_iter()
                .map(|s| contract::StepSkip {
                    kind: s.kind.contract() as i32,
                    step: s.step.max(0) as u32,
                })
                .collect(),
            repeat_minutes,
        };
        let p = app(ctx)
            .set_procedure(principal(ctx)?, &mission_code, procedure)
            .await?;
        Ok(procedures(&mission_code, p))
    }

    /// Removes a field office's override: the mission's procedure applies there again.
    #[graphql(guard = "MissionGuard::new(&mission_code, SETTERS)")]
    async fn remove_escalation_procedure(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        field_office_id: ID,
    ) -> async_graphql::Result<EscalationProcedures> {
        let p = app(ctx)
            .remove_procedure(principal(ctx)?, &mission_code, &field_office_id)
            .await?;
        Ok(procedures(&mission_code, p))
    }

    /// Sets a contact's addresses: a named contact (the security or operations centre), or with
    /// `managerId` a manager's own.
    #[graphql(guard = "MissionGuard::new(&mission_code, SETTERS)")]
    #[allow(clippy::too_many_arguments)]
    async fn set_escalation_contact(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        contact_id: ID,
        manager_id: Option<ID>,
        #[graphql(default)] name: String,
        email: Option<String>,
        phone: Option<String>,
        webhook_url: Option<String>,
    ) -> async_graphql::Result<EscalationProcedures> {
        let contact = contract::EscalationContactSet {
            contact_id: contact_id.0,
            manager_id: manager_id.map(|m| m.0).unwrap_or_default(),
            name,
            email: email.unwrap_or_default().trim().to_string(),
            phone: phone.unwrap_or_default().trim().to_string(),
            webhook_url: webhook_url.unwrap_or_default().trim().to_string(),
        };
        let p = app(ctx)
            .set_contact(principal(ctx)?, &mission_code, contact)
            .await?;
        Ok(procedures(&mission_code, p))
    }

    #[graphql(guard = "MissionGuard::new(&mission_code, SETTERS)")]
    async fn remove_escalation_contact(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
        contact_id: ID,
    ) -> async_graphql::Result<EscalationProcedures> {
        let p = app(ctx)
            .remove_contact(principal(ctx)?, &mission_code, &contact_id)
            .await?;
        Ok(procedures(&mission_code, p))
    }

    /// Acknowledges receipt of an incident: its further steps are not taken.
    async fn acknowledge_incident(
        &self,
        ctx: &Context<'_>,
        incident_id: ID,
    ) -> async_graphql::Result<IncidentAnswer> {
        Ok(app(ctx).acknowledge(principal(ctx)?, &incident_id).await?)
    }

    /// Records what happened (acknowledging the incident too where nobody had).
    async fn resolve_incident(
        &self,
        ctx: &Context<'_>,
        incident_id: ID,
        outcome: String,
    ) -> async_graphql::Result<IncidentAnswer> {
        Ok(app(ctx)
            .resolve(principal(ctx)?, &incident_id, &outcome)
            .await?)
    }
}
