//! The field channel's GraphQL part: mapping only (access is decided in `app.rs`; the guards say
//! it where the field is).

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::access::{ByIdGuard, MissionGuard, RoleGuard, principal};
use cla_staff::StaffView;
use cla_staff::app::contact::DURESS_SETTERS;

use crate::app::{FOLLOW_UP_READERS, FieldApp, RESOLVERS};
use crate::decider::UnmatchedStatus;
use crate::projections::{FieldView, FollowUp, UnmatchedSms};

fn app<'a>(ctx: &'a Context<'_>) -> &'a FieldApp {
    ctx.data_unchecked::<FieldApp>()
}

fn message_mission(ctx: &Context<'_>, id: &str) -> Option<String> {
    ctx.data_unchecked::<Arc<FieldView>>()
        .mission_of_unmatched(id)
        .filter(|m| !m.is_empty())
}

fn staff_mission(ctx: &Context<'_>, id: &str) -> Option<String> {
    ctx.data_unchecked::<Arc<StaffView>>().mission_of_member(id)
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "UnmatchedSmsStatus")]
pub enum UnmatchedStatusValue {
    Open,
    Assigned,
    Dismissed,
}

/// A message from a number no current staff member held (restricted personal data).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "UnmatchedSms")]
pub struct UnmatchedSmsNode {
    pub message_id: String,
    pub gateway: String,
    /// Null where the receiving number serves no configured mission.
    pub mission_code: Option<String>,
    /// E.164.
    pub from_number: String,
    pub text: String,
    /// When the gateway says it was sent, else when it arrived.
    pub sent_at: DateTime<Utc>,
    pub received: DateTime<Utc>,
    pub status: UnmatchedStatusValue,
    /// Whose it was, once assigned.
    pub staff_id: Option<String>,
}

impl From<UnmatchedSms> for UnmatchedSmsNode {
    fn from(m: UnmatchedSms) -> Self {
        Self {
            message_id: m.message_id,
            gateway: m.gateway,
            mission_code: (!m.mission_code.is_empty()).then_some(m.mission_code),
            from_number: m.from_number,
            text: m.text,
            sent_at: m.sent_at,
            received: m.received,
            status: match m.status {
                UnmatchedStatus::Open => UnmatchedStatusValue::Open,
                UnmatchedStatus::Assigned => UnmatchedStatusValue::Assigned,
                UnmatchedStatus::Dismissed => UnmatchedStatusValue::Dismissed,
            },
            staff_id: m.staff_id,
        }
    }
}

/// An SMS check-in whose text named no keyword, for follow-up.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "SmsFollowUp")]
pub struct FollowUpNode {
    pub check_in_id: String,
    pub staff_id: String,
    pub at: DateTime<Utc>,
    pub text: String,
}

impl From<FollowUp> for FollowUpNode {
    fn from(f: FollowUp) -> Self {
        Self {
            check_in_id: f.check_in_id,
            staff_id: f.staff_id,
            at: f.at,
            text: f.text,
        }
    }
}

#[derive(Default)]
pub struct FieldQuery;

#[Object]
impl FieldQuery {
    /// Messages from numbers no current staff member held, oldest first: MISSION_HR of the
    /// mission and ADMIN (no `missionCode`: those to numbers of no configured mission, ADMIN).
    #[graphql(guard = "RoleGuard::new(RESOLVERS)")]
    async fn unmatched_sms_messages(
        &self,
        ctx: &Context<'_>,
        mission_code: Option<String>,
        #[graphql(default = false)] resolved_too: bool,
    ) -> async_graphql::Result<Vec<UnmatchedSmsNode>> {
        let messages =
            app(ctx).unmatched_messages(principal(ctx)?, mission_code.as_deref(), resolved_too)?;
        Ok(messages.into_iter().map(Into::into).collect())
    }

    /// SMS check-ins whose text named no keyword, newest first: CIVIL_AFFAIRS of the mission and
    /// ADMIN.
    #[graphql(guard = "MissionGuard::new(&mission_code, FOLLOW_UP_READERS)")]
    async fn sms_follow_ups(
        &self,
        ctx: &Context<'_>,
        mission_code: String,
    ) -> async_graphql::Result<Vec<FollowUpNode>> {
        let list = app(ctx).sms_follow_ups(principal(ctx)?, &mission_code)?;
        Ok(list.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct FieldMutation;

#[Object]
impl FieldMutation {
    /// The message was this CLA's: recorded as their check-in, at the time it was sent.
    #[graphql(guard = "ByIdGuard::new(&message_id, RESOLVERS, message_mission)")]
    async fn assign_unmatched_sms(
        &self,
        ctx: &Context<'_>,
        message_id: String,
        staff_id: String,
    ) -> async_graphql::Result<UnmatchedSmsNode> {
        let who = principal(ctx)?;
        Ok(app(ctx)
            .assign_unmatched(who, &message_id, &staff_id)
            .await?
            .into())
    }

    /// The message was no CLA's.
    #[graphql(guard = "ByIdGuard::new(&message_id, RESOLVERS, message_mission)")]
    async fn dismiss_unmatched_sms(
        &self,
        ctx: &Context<'_>,
        message_id: String,
        reason: String,
    ) -> async_graphql::Result<UnmatchedSmsNode> {
        let who = principal(ctx)?;
        Ok(app(ctx)
            .dismiss_unmatched(who, &message_id, &reason)
            .await?
            .into())
    }

    /// Sets a CLA's private duress word on their behalf (CIVIL_AFFAIRS of their mission, ADMIN):
    /// one word, not a check-in keyword; only its salted hash is kept. An SMS with it is answered
    /// like an ordinary OK and raises a critical threat flag marked as duress.
    #[graphql(guard = "ByIdGuard::new(&staff_id, DURESS_SETTERS, staff_mission)")]
    async fn set_duress_word(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
        word: String,
    ) -> async_graphql::Result<bool> {
        let who = principal(ctx)?;
        app(ctx)
            .set_duress_word(who, &staff_id, Some(&word))
            .await?;
        Ok(true)
    }

    #[graphql(guard = "ByIdGuard::new(&staff_id, DURESS_SETTERS, staff_mission)")]
    async fn clear_duress_word(
        &self,
        ctx: &Context<'_>,
        staff_id: String,
    ) -> async_graphql::Result<bool> {
        let who = principal(ctx)?;
        app(ctx).set_duress_word(who, &staff_id, None).await?;
        Ok(true)
    }
}
