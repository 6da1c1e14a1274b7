//! Who has looked at whose restricted data, and when (DESIGN.md §9): the `PersonalDataViewed`
//! records every door leaves, by the person looked at.

use std::collections::BTreeMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use cla_contracts::EventContract;
use cla_contracts::cla::privacy::v1::PersonalDataViewed;
use cla_event_store::RecordedEvent;
use cla_platform::projection::Projection;

/// One look: who, in which role, which data, through which door, when.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessRecord {
    pub viewer_id: String,
    pub viewer_role: String,
    pub data: Vec<String>,
    pub door: String,
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub struct AccessLog {
    by_subject: RwLock<BTreeMap<String, Vec<AccessRecord>>>,
}

impl AccessLog {
    /// Every look at `subject`'s restricted data, the latest first.
    pub fn of(&self, subject: &str) -> Vec<AccessRecord> {
        let mut looks = self
            .by_subject
            .read()
            .expect("access log lock")
            .get(subject)
            .cloned()
            .unwrap_or_default();
        looks.reverse();
        looks
    }
}

impl Projection for AccessLog {
    fn name(&self) -> &'static str {
        "personal-data-access"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        event.event_type.as_str() != PersonalDataViewed::TYPE_NAME
    }

    fn apply(&self, recorded: &RecordedEvent) {
        if recorded.event_type.as_str() != PersonalDataViewed::TYPE_NAME {
            return;
        }
        let Ok(viewed) = cla_contracts::decode_json::<PersonalDataViewed>(&recorded.data) else {
            tracing::error!(
                position = recorded.position.0,
                "an access record does not match its contract; skipped"
            );
            return;
        };
        self.by_subject
            .write()
            .expect("access log lock")
            .entry(viewed.subject_id)
            .or_default()
            .push(AccessRecord {
                viewer_id: viewed.viewer_id,
                viewer_role: recorded.metadata.actor.role.clone(),
                data: viewed.data,
                door: viewed.door,
                at: recorded.recorded,
            });
    }
}
