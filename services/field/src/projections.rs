//! What is true of the field channel: the unmatched messages, by mission.

use std::collections::BTreeMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::projection::Projection;
use cla_platform::snapshot::{Reader, SnapshotError, Writer};

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

    /// Check-ins are most of the history and few leave a follow-up: the follow-ups are kept in
    /// the snapshot's own part, so no check-in need be replayed into this view.
    fn spares(&self, event: &RecordedEvent) -> bool {
        !<FieldEvent as cla_platform::codec::EventCodec>::reads(event.event_type.as_str())
    }

    fn save(&self) -> Vec<u8> {
        let follow_ups = self.follow_ups.read().expect("field view lock");
        let mut w = Writer::default();
        w.u64(follow_ups.len() as u64);
        for f in follow_ups.values() {
            w.str(&f.check_in_id);
            w.str(&f.staff_id);
            w.i64(f.at.timestamp_micros());
            w.str(&f.text);
        }
        w.bytes
    }

    fn restore(&self, part: &[u8]) -> Result<(), SnapshotError> {
        let mut r = Reader::new(part);
        let n = r.u64()?;
        let mut follow_ups = BTreeMap::new();
        for _ in 0..n {
            let check_in_id = r.str()?.to_string();
            let staff_id = r.str()?.to_string();
            let at = DateTime::from_timestamp_micros(r.i64()?)
                .ok_or(SnapshotError::Damaged("a follow-up's time is out of range"))?;
            let text = r.str()?.to_string();
            follow_ups.insert(
                check_in_id.clone(),
                FollowUp {
                    check_in_id,
                    staff_id,
                    at,
                    text,
                },
            );
        }
        if !r.is_empty() {
            return Err(SnapshotError::Damaged(
                "the field part has bytes after its end",
            ));
        }
        *self.follow_ups.write().expect("field view lock") = follow_ups;
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_come_back_from_the_views_snapshot_part() {
        let view = FieldView::default();
        let at = DateTime::from_timestamp_micros(1_767_000_000_123_456).unwrap();
        view.follow_ups.write().unwrap().insert(
            "sms-1".into(),
            FollowUp {
                check_in_id: "sms-1".into(),
                staff_id: "s-1".into(),
                at,
                text: "pluie à Oicha".into(),
            },
        );
        let part = view.save();
        let again = FieldView::default();
        again.restore(&part).unwrap();
        assert_eq!(again.follow_ups(), view.follow_ups());
        assert!(
            FieldView::default()
                .restore(&part[..part.len() - 1])
                .is_err()
        );
    }
}
