//! What is true in escalation: each mission's procedures and contacts, and every incident with its
//! state, when each step started, and its timeline — folded from the `escalation-` and `incident-`
//! streams. The worker reads what is due from here; the application layer answers from here.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::codec::decode_recorded;
use cla_platform::decider::Decider;
use cla_platform::projection::Projection;
use cla_platform::timeline::{Stamp, Timeline, View, fold_decider};

use super::events::{
    INCIDENT_PREFIX, IncidentEvent, IncidentKind, NotificationChannel, PROCEDURES_PREFIX,
    ProcedureEvent, contract,
};
use super::incident::{Incident, IncidentDecider};
use super::procedures::{ProcedureDecider, Procedures};

/// What happened to an incident, for its timeline.
#[derive(Clone, Debug, PartialEq, Eq, Copy, async_graphql::Enum)]
#[graphql(name = "IncidentEntryKind")]
pub enum EntryKind {
    Opened,
    StepStarted,
    NotificationDecided,
    NotificationAttempted,
    NotificationDelivered,
    NotificationFailed,
    Acknowledged,
    Resolved,
}

/// One line of an incident's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    /// Who acted: a person's name, or "system".
    pub by: String,
    pub step: Option<u32>,
    pub channel: Option<NotificationChannel>,
    /// Who was contacted (a label: "supervisor Amani K.", "MONUSCO JOC").
    pub recipient: Option<String>,
    pub attempt: Option<u32>,
    /// A failure's reason, an acknowledgement's channel, a resolution's outcome.
    pub detail: Option<String>,
}

/// An incident as the read side knows it.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub state: Incident,
    /// The stream's last revision.
    pub revision: u64,
    pub opened_at: Option<DateTime<Utc>>,
    /// When the current step started.
    pub step_started_at: Option<DateTime<Utc>>,
    /// When the first notification was delivered.
    pub first_delivered_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub resolved: Option<(contract::IncidentResolved, DateTime<Utc>)>,
    pub timeline: Vec<Entry>,
}

impl Record {
    pub fn opened(&self) -> &contract::IncidentOpened {
        self.state
            .opened
            .as_ref()
            .expect("a record is made by its opening")
    }

    pub fn kind(&self) -> IncidentKind {
        IncidentKind::try_from(self.opened().kind).unwrap_or(IncidentKind::Unspecified)
    }

    /// Neither acknowledged nor resolved: its steps go on.
    pub fn is_open(&self) -> bool {
        self.state.acknowledged.is_none() && !self.state.resolved
    }
}

#[derive(Default)]
struct Inner {
    procedures: HashMap<String, Procedures>,
    /// Each mission's procedure events, for its procedures as of a date or as known at a time.
    procedure_history: HashMap<String, Timeline<ProcedureEvent>>,
    incidents: HashMap<String, Record>,
    /// Each mission's incidents, in the order they opened.
    by_mission: HashMap<String, Vec<String>>,
    /// Incidents whose steps go on.
    open: BTreeSet<String>,
    /// (incident, notification) still to be sent.
    pending: BTreeSet<(String, String)>,
    /// The flag an incident not yet resolved is about.
    by_flag: HashMap<String, String>,
    /// Each notification's incident and when it was decided.
    notifications: HashMap<String, (String, DateTime<Utc>)>,
    /// Since when each procedure (mission, field office or "") has been in force.
    in_force: HashMap<(String, String), DateTime<Utc>>,
}

#[derive(Default)]
pub struct EscalationView {
    inner: RwLock<Inner>,
}

impl EscalationView {
    /// A mission's procedures and contacts as `view` sees them: in force on its date, as known
    /// at its time.
    pub fn procedures_as(&self, mission: &str, view: &View) -> Procedures {
        let inner = self.inner.read().expect("escalation view");
        inner
            .procedure_history
            .get(mission)
            .map(|t| fold_decider::<ProcedureDecider>(t, view))
            .unwrap_or_default()
    }

    /// A mission's procedures and contacts.
    pub fn procedures(&self, mission: &str) -> Procedures {
        self.inner
            .read()
            .expect("escalation view")
            .procedures
            .get(mission)
            .cloned()
            .unwrap_or_default()
    }

    pub fn incident(&self, id: &str) -> Option<Record> {
        self.inner
            .read()
            .expect("escalation view")
            .incidents
            .get(id)
            .cloned()
    }

    /// A mission's incidents, newest first.
    pub fn incidents(&self, mission: &str) -> Vec<Record> {
        let inner = self.inner.read().expect("escalation view");
        inner
            .by_mission
            .get(mission)
            .into_iter()
            .flatten()
            .rev()
            .filter_map(|id| inner.incidents.get(id).cloned())
            .collect()
    }

    /// Incidents whose steps go on.
    pub fn open(&self) -> Vec<Record> {
        let inner = self.inner.read().expect("escalation view");
        inner
            .open
            .iter()
            .filter_map(|id| inner.incidents.get(id).cloned())
            .collect()
    }

    /// Notifications still to be sent that may be taken at `now`: (incident, notification).
    pub fn due(&self, now: DateTime<Utc>) -> Vec<(String, contract::NotificationDecided)> {
        let inner = self.inner.read().expect("escalation view");
        inner
            .pending
            .iter()
            .filter_map(|(incident, id)| {
                let note = inner.incidents.get(incident)?.state.notifications.get(id)?;
                let free = note.lease_until.is_none_or(|t| t <= now)
                    && note.retry_at.is_none_or(|t| t <= now);
                free.then(|| (incident.clone(), note.decided.clone()))
            })
            .collect()
    }

    /// How many notifications are still to be sent.
    pub fn pending_count(&self) -> usize {
        self.inner.read().expect("escalation view").pending.len()
    }

    /// The incident not yet resolved about a flag.
    pub fn incident_of_flag(&self, flag_id: &str) -> Option<String> {
        self.inner
            .read()
            .expect("escalation view")
            .by_flag
            .get(flag_id)
            .cloned()
    }

    /// The open incident whose SMS notification to `phone` carries `code`: (incident,
    /// notification).
    pub fn sms_ack(&self, phone: &str, matches: impl Fn(&str) -> bool) -> Option<(String, String)> {
        let inner = self.inner.read().expect("escalation view");
        inner.open.iter().find_map(|incident| {
            let record = inner.incidents.get(incident)?;
            record.state.notifications.values().find_map(|n| {
                (n.decided.channel == NotificationChannel::Sms as i32
                    && n.decided.address == phone
                    && matches(&n.decided.notification_id))
                .then(|| (incident.clone(), n.decided.notification_id.clone()))
            })
        })
    }

    /// A notification's incident and when it was decided.
    pub fn notification(&self, id: &str) -> Option<(Record, DateTime<Utc>)> {
        let inner = self.inner.read().expect("escalation view");
        let (incident, at) = inner.notifications.get(id)?;
        Some((inner.incidents.get(incident)?.clone(), *at))
    }

    /// Since when the procedure that applies in a field office has been in force.
    pub fn in_force_since(&self, mission: &str, field_office_id: &str) -> Option<DateTime<Utc>> {
        let inner = self.inner.read().expect("escalation view");
        let key = |office: &str| (mission.to_string(), office.to_string());
        inner
            .in_force
            .get(&key(field_office_id))
            .or_else(|| inner.in_force.get(&key("")))
            .copied()
    }

    /// Every mission's named contacts (not managers' addresses).
    pub fn named_contacts(&self) -> Vec<(String, contract::EscalationContactSet)> {
        let inner = self.inner.read().expect("escalation view");
        let mut out: Vec<_> = inner
            .procedures
            .iter()
            .flat_map(|(mission, p)| {
                p.contacts
                    .values()
                    .filter(|c| c.manager_id.is_empty())
                    .map(move |c| (mission.clone(), c.clone()))
            })
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1.contact_id).cmp(&(&b.0, &b.1.contact_id)));
        out
    }

    /// Every incident (the HQ review's figures).
    pub fn all(&self) -> Vec<Record> {
        self.inner
            .read()
            .expect("escalation view")
            .incidents
            .values()
            .cloned()
            .collect()
    }
}

fn label(
    state: &Incident,
    notification: &str,
) -> (Option<u32>, Option<NotificationChannel>, Option<String>) {
    state
        .notifications
        .get(notification)
        .map_or((None, None, None), |n| {
            (
                Some(n.decided.step),
                NotificationChannel::try_from(n.decided.channel).ok(),
                Some(n.decided.recipient.clone()),
            )
        })
}

/// A time the worker wrote on its clock (the injected one), where it did.
fn on_clock(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Projection for EscalationView {
    fn name(&self) -> &'static str {
        "escalation"
    }

    fn spares(&self, event: &RecordedEvent) -> bool {
        let stream = event.stream.as_str();
        !stream.starts_with(PROCEDURES_PREFIX) && !stream.starts_with(INCIDENT_PREFIX)
    }

    fn apply(&self, recorded: &RecordedEvent) {
        let stream = recorded.stream.as_str();
        if let Some(mission) = stream.strip_prefix(PROCEDURES_PREFIX) {
            let Some(event) = decode_recorded::<ProcedureEvent>(recorded) else {
                return;
            };
            let mut inner = self.inner.write().expect("escalation view");
            match &event {
                ProcedureEvent::EscalationProcedureSet(p) => {
                    inner
                        .in_force
                        .entry((mission.to_string(), p.field_office_id.clone()))
                        .or_insert(recorded.recorded);
                }
                ProcedureEvent::EscalationProcedureRemoved(p) => {
                    inner
                        .in_force
                        .remove(&(mission.to_string(), p.field_office_id.clone()));
                }
                _ => {}
            }
            let state = inner.procedures.remove(mission).unwrap_or_default();
            let state = ProcedureDecider::evolve(state, &event, recorded.metadata.effective);
            inner.procedures.insert(mission.to_string(), state);
            inner
                .procedure_history
                .entry(mission.to_string())
                .or_default()
                .insert(Stamp::of(recorded), event);
            return;
        }
        let Some(id) = stream.strip_prefix(INCIDENT_PREFIX) else {
            return;
        };
        let Some(event) = decode_recorded::<IncidentEvent>(recorded) else {
            return;
        };
        let at = recorded.recorded;
        let mut inner = self.inner.write().expect("escalation view");
        let inner = &mut *inner;
        let mut record = inner.incidents.remove(id).unwrap_or_default();
        if record.state.opened.is_none() && !matches!(event, IncidentEvent::IncidentOpened(_)) {
            return;
        }
        let by = recorded.metadata.actor.id.clone();
        let entry = |kind| Entry {
            at,
            kind,
            by: by.clone(),
            step: None,
            channel: None,
            recipient: None,
            attempt: None,
            detail: None,
        };
        let line = match &event {
            IncidentEvent::IncidentOpened(e) => {
                record.opened_at = Some(at);
                inner
                    .by_mission
                    .entry(e.mission_code.clone())
                    .or_default()
                    .push(id.to_string());
                inner.open.insert(id.to_string());
                if !e.flag_id.is_empty() {
                    inner.by_flag.insert(e.flag_id.clone(), id.to_string());
                }
                entry(EntryKind::Opened)
            }
            IncidentEvent::IncidentStepStarted(e) => {
                record.step_started_at = Some(on_clock(&e.started_at).unwrap_or(at));
                Entry {
                    step: Some(e.step),
                    detail: (!e.unreachable.is_empty())
                        .then(|| format!("not reachable: {}", e.unreachable.join(", "))),
                    ..entry(EntryKind::StepStarted)
                }
            }
            IncidentEvent::NotificationDecided(e) => {
                inner
                    .pending
                    .insert((id.to_string(), e.notification_id.clone()));
                inner.notifications.insert(
                    e.notification_id.clone(),
                    (id.to_string(), on_clock(&e.decided_at).unwrap_or(at)),
                );
                Entry {
                    step: Some(e.step),
                    channel: NotificationChannel::try_from(e.channel).ok(),
                    recipient: Some(e.recipient.clone()),
                    detail: (e.purpose == "CHANNEL_FAILURE")
                        .then(|| "another channel failed".to_string()),
                    ..entry(EntryKind::NotificationDecided)
                }
            }
            IncidentEvent::NotificationAttempted(e) => {
                let (step, channel, recipient) = label(&record.state, &e.notification_id);
                Entry {
                    step,
                    channel,
                    recipient,
                    attempt: Some(e.attempt),
                    ..entry(EntryKind::NotificationAttempted)
                }
            }
            IncidentEvent::NotificationDelivered(e) => {
                inner
                    .pending
                    .remove(&(id.to_string(), e.notification_id.clone()));
                record.first_delivered_at.get_or_insert(at);
                let (step, channel, recipient) = label(&record.state, &e.notification_id);
                Entry {
                    step,
                    channel,
                    recipient,
                    attempt: Some(e.attempt),
                    ..entry(EntryKind::NotificationDelivered)
                }
            }
            IncidentEvent::NotificationFailed(e) => {
                if e.retry_at.is_empty() {
                    inner
                        .pending
                        .remove(&(id.to_string(), e.notification_id.clone()));
                }
                let (step, channel, recipient) = label(&record.state, &e.notification_id);
                Entry {
                    step,
                    channel,
                    recipient,
                    attempt: Some(e.attempt),
                    detail: Some(if e.retry_at.is_empty() {
                        format!("{}; given up", e.reason)
                    } else {
                        format!("{}; retried at {}", e.reason, e.retry_at)
                    }),
                    ..entry(EntryKind::NotificationFailed)
                }
            }
            IncidentEvent::IncidentAcknowledged(e) => {
                record.acknowledged_at = Some(at);
                inner.open.remove(id);
                let (step, channel, _) = label(&record.state, &e.notification_id);
                Entry {
                    by: e.by.clone(),
                    step,
                    channel,
                    detail: Some(e.channel.clone()),
                    ..entry(EntryKind::Acknowledged)
                }
            }
            IncidentEvent::IncidentResolved(e) => {
                record.resolved = Some((e.clone(), at));
                inner.open.remove(id);
                if let Some(flag) = record.state.opened.as_ref().map(|o| o.flag_id.clone()) {
                    inner.by_flag.remove(&flag);
                }
                Entry {
                    by: e.by.clone(),
                    detail: Some(e.outcome.clone()),
                    ..entry(EntryKind::Resolved)
                }
            }
        };
        record.state = IncidentDecider::evolve(record.state, &event, recorded.metadata.effective);
        record.revision = recorded.revision;
        record.timeline.push(line);
        inner.incidents.insert(id.to_string(), record);
    }
}
