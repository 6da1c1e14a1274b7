//! What is true of the field channel: the unmatched messages, by mission.

use std::collections::BTreeMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;

use cla_contracts::EventContract;
use cla_risk::events::{Channel, RiskEvent, Welfare, contract as risk};

use crate::decider::UnmatchedStatus;
use crate::events::FieldEvent;

/// A message from a number no current staff member held (restricted: the number and the text).
#[derive(Clone, Debug, PartialEq)]
pub struct UnmatchedSms {
    pub message_id: String,
    pub gateway: String,
    /// Empty where the receiving number serves no configured mission.
    pub mission_code: String,
    pub from_number: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
    pub received: DateTime<Utc>,
    pub status: UnmatchedStatus,
    /// Whose it was, once assigned.
    pub staff_id: Option<String>,
}

/// An SMS check-in whose text named no keyword: its welfare is unknown until someone follows up.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUp {
    pub check_in_id: String,
    pub staff_id: String,
    pub at: DateTime<Utc>,
    /// Restricted: the text.
    pub text: String,
}

const CHECK_IN_RECORDED: &str = <risk::CheckInRecorded as EventContract>::TYPE_NAME;

#[derive(Default)]
pub struct FieldView {
    unmatched: RwLock<BTreeMap<String, UnmatchedSms>>,
    follow_ups: RwLock<BTreeMap<String, FollowUp>>,
}

impl FieldView {
    pub fn unmatched(&self, message_id: &str) -> Option<UnmatchedSms> {
        self.unmatched
            .read()
            .expect("field view lock")
            .get(message_id)
            .cloned()
    }

    /// A mission's unmatched messages (`""`: those of no mission), oldest first; the open ones
    /// only unless `resolved_too`.
    pub fn unmatched_in(&self, mission: &str, resolved_too: bool) -> Vec<UnmatchedSms> {
        let mut out: Vec<UnmatchedSms> = self
            .unmatched
            .read()
            .expect("field view lock")
            .values()
            .filter(|m| m.mission_code == mission)
            .filter(|m| resolved_too || m.status == UnmatchedStatus::Open)
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            a.sent_at
                .cmp(&b.sent_at)
                .then(a.message_id.cmp(&b.message_id))
        });
        out
    }

    /// Every SMS check-in left with its welfare unknown.
    pub fn follow_ups(&self) -> Vec<FollowUp> {
        self.follow_ups
            .read()
            .expect("field view lock")
            .values()
            .cloned()
            .collect()
    }

    pub fn mission_of_unmatched(&self, message_id: &str) -> Option<String> {
        self.unmatched(message_id).map(|m| m.mission_code)
    }
}

impl Projection for FieldView {
    fn name(&self) -> &'static str {
        "field"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        let kind = event.event_type.as_str();
        !<FieldEvent as cla_platform::codec::EventCodec>::reads(kind) && kind != CHECK_IN_RECORDED
    }

    fn apply(&self, recorded: &RecordedEvent) {
        if recorded.event_type.as_str() == CHECK_IN_RECORDED {
            if let Some(RiskEvent::CheckInRecorded(e)) = decode_recorded::<RiskEvent>(recorded)
                && e.welfare == Welfare::Unknown as i32
                && e.channel == Channel::Sms as i32
                && let Ok(at) = DateTime::parse_from_rfc3339(&e.at)
            {
                self.follow_ups.write().expect("field view lock").insert(
                    e.check_in_id.clone(),
                    FollowUp {
                        check_in_id: e.check_in_id,
                        staff_id: e.staff_id,
                        at: at.to_utc(),
                        text: e.notes,
                    },
                );
            }
            return;
        }
        let Some(event) = decode_recorded::<FieldEvent>(recorded) else {
            return;
        };
        let mut all = self.unmatched.write().expect("field view lock");
        match event {
            FieldEvent::UnmatchedSmsReceived(e) => {
                let sent_at = DateTime::parse_from_rfc3339(&e.sent_at)
                    .map(|t| t.to_utc())
                    .unwrap_or(recorded.recorded);
                all.entry(e.message_id.clone()).or_insert(UnmatchedSms {
                    message_id: e.message_id,
                    gateway: e.gateway,
                    mission_code: e.mission_code,
                    from_number: e.from_number,
                    text: e.text,
                    sent_at,
                    received: recorded.recorded,
                    status: UnmatchedStatus::Open,
                    staff_id: None,
                });
            }
            FieldEvent::UnmatchedSmsAssigned(e) => {
                if let Some(m) = all.get_mut(&e.message_id) {
                    m.status = UnmatchedStatus::Assigned;
                    m.staff_id = Some(e.staff_id);
                }
            }
            FieldEvent::UnmatchedSmsDismissed(e) => {
                if let Some(m) = all.get_mut(&e.message_id) {
                    m.status = UnmatchedStatus::Dismissed;
                }
            }
        }
    }
}
