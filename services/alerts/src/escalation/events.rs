//! What can have happened in escalation: the contracts of `proto/cla/alerts/v1/escalation.proto`.

pub use crate::events::contract;
pub use contract::{IncidentKind, NotificationChannel, RecipientKind};

cla_platform::event_enum! {
    /// A mission's procedures and contacts (`escalation-<MISSION>`).
    pub enum ProcedureEvent of contract {
        EscalationProcedureSet, EscalationProcedureRemoved, EscalationContactSet,
        EscalationContactRemoved,
    }
}

cla_platform::event_enum! {
    /// One incident's life (`incident-<INCIDENT>`).
    pub enum IncidentEvent of contract {
        IncidentOpened, IncidentStepStarted, NotificationDecided, NotificationAttempted,
        NotificationDelivered, NotificationFailed, IncidentAcknowledged, IncidentResolved,
    }
}

pub const PROCEDURES_PREFIX: &str = "escalation-";
pub const INCIDENT_PREFIX: &str = "incident-";

/// A mission's procedures and contacts.
pub fn procedures_stream(mission: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed(PROCEDURES_PREFIX, mission)
}

pub fn incident_stream(incident: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed(INCIDENT_PREFIX, incident)
}

/// The incident an event opens: the same id however often the event is read.
pub fn incident_id(source_event: uuid::Uuid) -> String {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5d1c_3e0a_8b7f_4c2e_9a61_0f3b_2d4e_7a19);
    uuid::Uuid::new_v5(&NAMESPACE, source_event.as_bytes()).to_string()
}

/// A kind of incident as people read it.
pub fn describe(kind: IncidentKind) -> &'static str {
    {
        match kind {
            IncidentKind::Unspecified => "alert",
            IncidentKind::MissedCheckIn => "missed check-ins",
            IncidentKind::Duress => "duress word received",
            IncidentKind::UnderThreat => "under threat (DANGER)",
            IncidentKind::NeedsAssistance => "needs assistance (HELP)",
            IncidentKind::CriticalFlag => "critical risk flag",
            IncidentKind::BaseEmpty => "base left empty",
        }
    }
}

/// A channel as settings, metrics and logs name it.
pub fn channel_name(channel: NotificationChannel) -> &'static str {
    {
        match channel {
            NotificationChannel::Unspecified => "unspecified",
            NotificationChannel::Email => "email",
            NotificationChannel::Sms => "sms",
            NotificationChannel::Webhook => "webhook",
        }
    }
}
