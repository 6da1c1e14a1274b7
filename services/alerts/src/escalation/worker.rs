//! The escalation worker: opens an incident for each alert that endangers a person (a reactor over
//! the log), starts each incident's steps when they fall due, and sends what has been decided (the
//! outbox: a notification decided is in the log before anything is sent, so it is sent at least
//! once across crashes; each send is claimed in the incident's stream first, so of several workers
//! one sends it; a worker that dies mid-send loses its claim when the lease runs out).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use cla_event_store::RecordedEvent;
use cla_platform::clock::Clock;
use cla_platform::codec::decode_recorded;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Runtime};
use cla_registry::RegistryView;
use cla_risk::RiskView;
use cla_risk::events::{RiskEvent, Severity};
use cla_staff::StaffView;
use cla_supervision::SupervisionView;
use futures::StreamExt;

use super::events::{
    IncidentKind, NotificationChannel, RecipientKind, channel_name, contract, incident_id,
    incident_stream,
};
use super::incident::{IncidentCommand, IncidentDecider};
use super::links::Links;
use super::view::{EscalationView, Record};
use crate::events::{AlertEvent, AlertKind};

/// What a channel is given to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Stable across resends: the receiver deduplicates by it.
    pub id: String,
    pub subject: String,
    pub text: String,
    pub link: Option<String>,
    pub payload: serde_json::Value,
}

/// Why a send failed, without content or addresses.
#[derive(Clone, Debug, PartialEq)]
pub struct SendFailure {
    pub retryable: bool,
    pub reason: String,
}

/// The channels notifications go out by (email, SMS, webhook), as configured.
#[async_trait::async_trait]
pub trait Sender: Send + Sync {
    /// Whether the channel is configured.
    fn has(&self, channel: NotificationChannel) -> bool;
    async fn send(
        &self,
        channel: NotificationChannel,
        to: &str,
        message: &Message,
    ) -> Result<(), SendFailure>;
}

/// No channel configured: every incident is still opened and stepped, and each step says whom it
/// could not reach.
pub struct NoChannels;

#[async_trait::async_trait]
impl Sender for NoChannels {
    fn has(&self, _: NotificationChannel) -> bool {
        false
    }
    async fn send(&self, _: NotificationChannel, _: &str, _: &Message) -> Result<(), SendFailure> {
        Err(SendFailure {
            retryable: false,
            reason: "channel not configured".into(),
        })
    }
}

/// Notifications sent and failed, per channel.
#[derive(Default)]
pub struct Counters {
    sent: [AtomicU64; 4],
    failed: [AtomicU64; 4],
}

impl Counters {
    fn count(&self, channel: NotificationChannel, ok: bool) {
        let i = (channel as usize).min(3);
        if ok { &self.sent[i] } else { &self.failed[i] }.fetch_add(1, Ordering::Relaxed);
    }

    /// Notifications delivered and attempts failed, per channel (email, SMS, webhook).
    pub fn figures(&self) -> Vec<(&'static str, u64, u64)> {
        [
            NotificationChannel::Email,
            NotificationChannel::Sms,
            NotificationChannel::Webhook,
        ]
        .into_iter()
        .map(|c| {
            (
                channel_name(c),
                self.sent[c as usize].load(Ordering::Relaxed),
                self.failed[c as usize].load(Ordering::Relaxed),
            )
        })
        .collect()
    }
}

/// The worker's name among the watched parts (`/readyz`, `cla_escalation_last_scan_…`).
pub const WATCHED_AS: &str = "escalation";

/// After this many failed attempts on a channel, the mission's named contacts are told on
/// another.
pub const FAILURES_BEFORE_TELLING: u32 = 3;

/// How long to wait before attempt `attempt + 1`: 1 s, 2 s, 4 s … at most 5 minutes.
pub fn backoff(attempt: u32) -> Duration {
    Duration::seconds(1i64 << attempt.saturating_sub(1).min(9)).min(Duration::minutes(5))
}

pub struct Escalation {
    pub runtime: Runtime,
    pub clock: Arc<dyn Clock>,
    pub view: Arc<EscalationView>,
    pub registry: Arc<RegistryView>,
    pub staff: Arc<StaffView>,
    pub supervision: Arc<SupervisionView>,
    pub risk: Arc<RiskView>,
    pub sender: Arc<dyn Sender>,
    pub links: Links,
    /// This worker's name in its claims.
    pub worker: String,
    /// How long a claim to send holds.
    pub lease: Duration,
    /// How many notifications are sent at once.
    pub concurrency: usize,
    pub counters: Arc<Counters>,
}

fn system_meta(now: DateTime<Utc>) -> CommandMeta {
    CommandMeta {
        actor: cla_platform::reactor::system_actor(),
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: now.date_naive(),
    }
}

fn notification_id(incident: &str, parts: &[&str]) -> String {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x0b6f_5a2c_91d4_4e7b_8c3a_62f0_d5e1_4b90);
    let name = std::iter::once(incident)
        .chain(parts.iter().copied())
        .collect::<Vec<_>>()
        .join("/");
    uuid::Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

/// What opens an incident: the kind, the flag (if any), the CLA (if any), the base.
#[derive(Debug)]
struct Opening {
    kind: IncidentKind,
    mission: String,
    flag_id: String,
    staff_id: String,
    base_id: String,
    detail: String,
}

impl Escalation {
    /// The event types the opener reads.
    pub const OPENS: &'static [&'static str] = &[
        "RiskFlagRaised.v1",
        "RiskFlagSeverityChanged.v1",
        "AlertRaised.v1",
    ];

    fn opening(&self, event: &RecordedEvent) -> Option<Opening> {
        let stream = event.stream.as_str();
        if stream.starts_with(crate::events::STREAM_PREFIX) {
            let AlertEvent::AlertRaised(e) = decode_recorded::<AlertEvent>(event)? else {
                return None;
            };
            if AlertKind::try_from(e.kind).ok()? != AlertKind::BaseEmpty {
                return None;
            }
            return Some(Opening {
                kind: IncidentKind::BaseEmpty,
                mission: stream
                    .trim_start_matches(crate::events::STREAM_PREFIX)
                    .to_string(),
                flag_id: String::new(),
                staff_id: String::new(),
                base_id: e.base_id,
                detail: e.detail,
            });
        }
        let staff_id = stream.strip_prefix("risk-")?.to_string();
        match decode_recorded::<RiskEvent>(event)? {
            RiskEvent::RiskFlagRaised(e) => {
                let severity = Severity::try_from(e.severity).ok()?;
                let cause = e.cause.as_ref().map_or("", |c| c.kind.as_str());
                let kind = match (cause, severity) {
                    ("MISSED_CHECK_IN", _) => IncidentKind::MissedCheckIn,
                    ("DURESS", _) => IncidentKind::Duress,
                    ("CHECK_IN", Severity::Critical) => IncidentKind::UnderThreat,
                    ("CHECK_IN", Severity::High) => IncidentKind::NeedsAssistance,
                    (_, Severity::Critical) => IncidentKind::CriticalFlag,
                    _ => return None,
                };
                let detail = match e
                    .cause
                    .as_ref()
                    .filter(|_| kind == IncidentKind::MissedCheckIn)
                {
                    Some(c) if !c.last_heard_at.is_empty() => {
                        format!("last heard from at {}", c.last_heard_at)
                    }
                    Some(_) => "never heard from yet".to_string(),
                    None => String::new(),
                };
                Some(Opening {
                    kind,
                    mission: e.mission_code,
                    flag_id: e.flag_id,
                    staff_id: e.staff_id,
                    base_id: e.base_id,
                    detail,
                })
            }
            RiskEvent::RiskFlagSeverityChanged(e) => {
                if Severity::try_from(e.severity).ok()? != Severity::Critical
                    || self.view.incident_of_flag(&e.flag_id).is_some()
                {
                    return None;
                }
                let risk = self
                    .risk
                    .flags_only(&staff_id, &View::on(event.metadata.effective));
                let flag = risk.flags.get(&e.flag_id)?;
                Some(Opening {
                    kind: IncidentKind::CriticalFlag,
                    mission: flag.mission.clone(),
                    flag_id: e.flag_id,
                    staff_id,
                    base_id: flag.base_id.clone(),
                    detail: "escalated to CRITICAL".into(),
                })
            }
            _ => None,
        }
    }

    /// Opens the incident an event starts, if any (again: nothing the second time).
    pub async fn open(&self, event: &RecordedEvent) {
        let Some(o) = self.opening(event) else {
            return;
        };
        let view = View::on(event.metadata.effective);
        let base = self.registry.base(&o.base_id, &view);
        let field_office_id = base
            .as_ref()
            .map(|b| b.details.field_office_id.clone())
            .unwrap_or_default();
        let procedures = self.view.procedures(&o.mission);
        let Some(procedure) = procedures
            .for_office(&field_office_id)
            .filter(|p| p.kinds.contains(&(o.kind as i32)))
        else {
            return;
        };
        // A procedure opens incidents for what is raised while it is in force, not for history.
        if self
            .view
            .in_force_since(&o.mission, &field_office_id)
            .is_some_and(|since| event.recorded < since)
        {
            return;
        }
        let first_step = procedure
            .skips
            .iter()
            .find(|s| s.kind == o.kind as i32)
            .map_or(1, |s| s.step);
        let field_office_name = self
            .registry
            .field_office(&field_office_id, &view)
            .map(|f| f.name)
            .unwrap_or_default();
        let who = self
            .staff
            .member(&o.staff_id, &view)
            .map(|m| m.name)
            .unwrap_or_default();
        let place = base
            .as_ref()
            .map_or(String::new(), |b| b.details.name.clone());
        let mut summary = super::events::describe(o.kind).to_string();
        if !who.is_empty() {
            summary += &format!(": {who}");
        }
        if !place.is_empty() {
            summary += &format!(" at {place}");
        }
        if !o.detail.is_empty() {
            summary += &format!(" ({})", o.detail);
        }
        let id = incident_id(event.id);
        let opened = contract::IncidentOpened {
            incident_id: id.clone(),
            kind: o.kind as i32,
            mission_code: o.mission,
            field_office_id,
            base_id: o.base_id,
            staff_id: o.staff_id,
            flag_id: o.flag_id,
            source_event_id: event.id.to_string(),
            summary,
            procedure: Some(procedure.clone()),
            first_step,
            field_office_name,
        };
        let meta = system_meta(self.clock.now());
        if let Err(e) = self
            .runtime
            .execute::<IncidentDecider>(
                &incident_stream(&id),
                &IncidentCommand::Open(opened),
                &(),
                &meta,
            )
            .await
        {
            tracing::error!(incident = %id, code = %e.code, "an incident could not be opened");
        }
    }

    /// Starts what is due and sends what is decided; returns how many notifications it sent or
    /// tried.
    pub async fn pass(&self) -> usize {
        let now = self.clock.now();
        for record in self.view.open() {
            if let Some(command) = self.next_step(&record, now) {
                let stream = incident_stream(&record.opened().incident_id);
                match self
                    .runtime
                    .execute::<IncidentDecider>(&stream, &command, &(), &system_meta(now))
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.code == ErrorCode::Conflict => {}
                    Err(e) => {
                        tracing::error!(stream = %stream, code = %e.code, "a step could not be started")
                    }
                }
            }
        }
        let due = self.view.due(now);
        let tried = due.len();
        futures::stream::iter(due)
            .for_each_concurrent(self.concurrency.max(1), |(incident, n)| async move {
                self.deliver(&incident, &n, now).await;
            })
            .await;
        tried
    }

    /// The step an open incident is due to start at `now`, with its notifications.
    fn next_step(&self, record: &Record, now: DateTime<Utc>) -> Option<IncidentCommand> {
        let opened = record.opened();
        let procedure = opened.procedure.as_ref()?;
        let last = procedure.steps.len() as u32;
        let (step, round) = match (record.state.step, record.step_started_at) {
            (0, _) => (opened.first_step.clamp(1, last), 1),
            (current, Some(started)) => {
                let wait = procedure.steps.get(current as usize - 1)?.wait_minutes;
                // The last step's repeats wait the repeat's time.
                let waited = if record.state.round > 1 {
                    procedure.repeat_minutes
                } else {
                    wait
                };
                if now < started + Duration::minutes(waited) {
                    return None;
                }
                if current < last {
                    (current + 1, 1)
                } else if procedure.repeat_minutes > 0 {
                    (current, record.state.round + 1)
                } else {
                    return None;
                }
            }
            (_, None) => return None,
        };
        let spec = procedure.steps.get(step as usize - 1)?;
        let (notifications, unreachable) = self.recipients(opened, spec, step, round, now);
        Some(IncidentCommand::StartStep {
            step,
            round,
            at: now,
            unreachable,
            notifications,
        })
    }

    /// Whom a step contacts, now, and by which channels: the notifications, and the labels of
    /// those with no address on the step's channels.
    fn recipients(
        &self,
        opened: &contract::IncidentOpened,
        step: &contract::EscalationStep,
        number: u32,
        round: u32,
        now: DateTime<Utc>,
    ) -> (Vec<contract::NotificationDecided>, Vec<String>) {
        let today = View::on(self.clock.now().date_naive());
        let procedures = self.view.procedures(&opened.mission_code);
        let management = self.supervision.management(&opened.mission_code, &today);
        let day = today.as_of;
        let mut people: Vec<(String, String, Option<contract::EscalationContactSet>, bool)> =
            Vec::new();
        for r in &step.recipients {
            match RecipientKind::try_from(r.kind) {
                Ok(RecipientKind::Supervisor) => {
                    let supervisor = management
                        .supervisions
                        .values()
                        .find(|s| s.staff_id == opened.staff_id && s.covers(day))
                        .and_then(|s| management.managers.get(&s.manager_id));
                    match supervisor {
                        Some(m) => people.push((
                            format!("supervisor {}", m.name),
                            m.id.clone(),
                            procedures.manager_contact(&m.id).cloned(),
                            r.need_to_know,
                        )),
                        None => {
                            people.push(("supervisor (none)".into(), String::new(), None, false))
                        }
                    }
                }
                Ok(RecipientKind::FieldOfficeManagers) => {
                    for m in management
                        .managers
                        .values()
                        .filter(|m| m.field_office_id == opened.field_office_id && m.active_on(day))
                    {
                        people.push((
                            format!("manager {}", m.name),
                            m.id.clone(),
                            procedures.manager_contact(&m.id).cloned(),
                            r.need_to_know,
                        ));
                    }
                }
                Ok(RecipientKind::Named) => {
                    let contact = procedures.contacts.get(&r.contact_id).cloned();
                    let name = contact
                        .as_ref()
                        .map_or(r.contact_id.clone(), |c| c.name.clone());
                    people.push((name, r.contact_id.clone(), contact, r.need_to_know));
                }
                _ => {}
            }
        }
        let mut decided = Vec::new();
        let mut unreachable = Vec::new();
        for (label, id, contact, need_to_know) in people {
            let before = decided.len();
            if let Some(c) = &contact {
                for channel in step
                    .channels
                    .iter()
                    .filter_map(|c| NotificationChannel::try_from(*c).ok())
                {
                    let address = match channel {
                        NotificationChannel::Email => &c.email,
                        NotificationChannel::Sms => &c.phone,
                        NotificationChannel::Webhook => &c.webhook_url,
                        NotificationChannel::Unspecified => continue,
                    };
                    if address.is_empty() || !self.sender.has(channel) {
                        continue;
                    }
                    decided.push(contract::NotificationDecided {
                        notification_id: notification_id(
                            &opened.incident_id,
                            &[
                                &number.to_string(),
                                &round.to_string(),
                                &id,
                                channel_name(channel),
                            ],
                        ),
                        step: number,
                        channel: channel as i32,
                        recipient: label.clone(),
                        address: address.clone(),
                        need_to_know,
                        purpose: "STEP".into(),
                        contact_id: id.clone(),
                        decided_at: now.to_rfc3339(),
                    });
                }
            }
            if decided.len() == before && !unreachable.contains(&label) {
                unreachable.push(label);
            }
        }
        (decided, unreachable)
    }

    /// Claims, sends and records one notification.
    async fn deliver(&self, incident: &str, n: &contract::NotificationDecided, now: DateTime<Utc>) {
        let stream = incident_stream(incident);
        let meta = system_meta(now);
        let claim = IncidentCommand::Attempt {
            notification_id: n.notification_id.clone(),
            worker: self.worker.clone(),
            now,
            lease: self.lease,
        };
        let attempt = match self
            .runtime
            .execute::<IncidentDecider>(&stream, &claim, &(), &meta)
            .await
        {
            Ok(handled) => match handled.events.first() {
                Some(super::events::IncidentEvent::NotificationAttempted(a)) => a.attempt,
                _ => return,
            },
            Err(_) => return,
        };
        let Some(record) = self.view.incident(incident) else {
            return;
        };
        let channel = NotificationChannel::try_from(n.channel).unwrap_or_default();
        let message = self.message(&record, n);
        let sent = self.sender.send(channel, &n.address, &message).await;
        self.counters.count(channel, sent.is_ok());
        let outcome = match &sent {
            Ok(()) => IncidentCommand::Delivered {
                notification_id: n.notification_id.clone(),
                attempt,
            },
            Err(f) => {
                tracing::warn!(
                    incident,
                    notification = %n.notification_id,
                    channel = channel_name(channel),
                    attempt,
                    reason = %f.reason,
                    "a notification could not be sent"
                );
                IncidentCommand::Failed {
                    notification_id: n.notification_id.clone(),
                    attempt,
                    reason: f.reason.clone(),
                    retry_at: f.retryable.then(|| self.clock.now() + backoff(attempt)),
                }
            }
        };
        if let Err(e) = self
            .runtime
            .execute::<IncidentDecider>(&stream, &outcome, &(), &system_meta(self.clock.now()))
            .await
        {
            tracing::error!(incident, code = %e.code, "a notification's outcome could not be recorded");
        }
        let failing = match &sent {
            Err(f) => !f.retryable || attempt >= FAILURES_BEFORE_TELLING,
            Ok(()) => false,
        };
        if failing && n.purpose != "CHANNEL_FAILURE" {
            self.tell_channel_failure(&record, channel).await;
        }
    }

    /// A channel failing is told to the mission's named contacts on the other channels, once per
    /// incident and channel.
    async fn tell_channel_failure(&self, record: &Record, failed: NotificationChannel) {
        let opened = record.opened();
        let procedures = self.view.procedures(&opened.mission_code);
        let named: Vec<_> = opened
            .procedure
            .iter()
            .flat_map(|p| &p.steps)
            .flat_map(|s| &s.recipients)
            .filter(|r| r.kind == RecipientKind::Named as i32)
            .filter_map(|r| procedures.contacts.get(&r.contact_id))
            .collect();
        let mut notifications = Vec::new();
        for c in named {
            for (channel, address) in [
                (NotificationChannel::Email, &c.email),
                (NotificationChannel::Sms, &c.phone),
                (NotificationChannel::Webhook, &c.webhook_url),
            ] {
                if channel == failed || address.is_empty() || !self.sender.has(channel) {
                    continue;
                }
                let id = notification_id(
                    &opened.incident_id,
                    &[
                        "channel-failure",
                        channel_name(failed),
                        &c.contact_id,
                        channel_name(channel),
                    ],
                );
                if notifications
                    .iter()
                    .any(|n: &contract::NotificationDecided| n.notification_id == id)
                {
                    continue;
                }
                notifications.push(contract::NotificationDecided {
                    notification_id: id,
                    step: record.state.step,
                    channel: channel as i32,
                    recipient: c.name.clone(),
                    address: address.clone(),
                    need_to_know: false,
                    purpose: "CHANNEL_FAILURE".into(),
                    contact_id: c.contact_id.clone(),
                    decided_at: self.clock.now().to_rfc3339(),
                });
            }
        }
        if notifications.is_empty() {
            tracing::error!(
                channel = channel_name(failed),
                "a channel is failing and no other channel reaches a named contact"
            );
            return;
        }
        let stream = incident_stream(&opened.incident_id);
        let _ = self
            .runtime
            .execute::<IncidentDecider>(
                &stream,
                &IncidentCommand::Notify { notifications },
                &(),
                &system_meta(self.clock.now()),
            )
            .await;
    }

    /// What a notification says: the CLA and what happened only to a need-to-know recipient;
    /// to anyone else, that an alert needs attention at the field office.
    pub fn message(&self, record: &Record, n: &contract::NotificationDecided) -> Message {
        let opened = record.opened();
        let office = if opened.field_office_name.is_empty() {
            opened.mission_code.clone()
        } else {
            format!("{} ({})", opened.field_office_name, opened.mission_code)
        };
        let incident_url = self.links.incident_url(&opened.incident_id);
        let ack = self.links.ack_url(&n.notification_id);
        let channel = NotificationChannel::try_from(n.channel).unwrap_or_default();
        let (subject, what) = if n.purpose == "CHANNEL_FAILURE" {
            (
                format!("[CLA] Notifications are failing for an alert at {office}"),
                format!(
                    "Notifications could not be sent for an alert at {office}: it needs attention."
                ),
            )
        } else if n.need_to_know {
            (
                format!("[CLA] {}", capitalise(&opened.summary)),
                format!("{} — {office}.", capitalise(&opened.summary)),
            )
        } else {
            (
                format!("[CLA] An alert needs attention at {office}"),
                format!("An alert needs attention at {office}."),
            )
        };
        let text = match channel {
            NotificationChannel::Sms => format!(
                "{what} Reply ACK {} to acknowledge.",
                self.links.sms_code(&n.notification_id)
            ),
            _ => format!("{what}\n\nAcknowledge: {ack}\n\nThe incident: {incident_url}\n"),
        };
        let mut payload = serde_json::json!({
            "incident_id": opened.incident_id,
            "mission": opened.mission_code,
            "field_office": opened.field_office_name,
            "step": n.step,
            "purpose": n.purpose,
            "acknowledge_url": ack,
            "incident_url": incident_url,
        });
        if n.need_to_know && n.purpose != "CHANNEL_FAILURE" {
            payload["kind"] = serde_json::json!(record.kind().as_str_name());
            payload["summary"] = serde_json::json!(opened.summary);
            payload["staff_id"] = serde_json::json!(opened.staff_id);
        }
        Message {
            id: n.notification_id.clone(),
            subject,
            text,
            link: Some(ack),
            payload,
        }
    }

    /// Tells every mission's named contacts, on each channel they have, that a part of the
    /// watch (the detector, the alert watch, this worker) has stopped: sent at once, not through
    /// the outbox, so it goes out whichever part stopped. Names the part and the time only.
    pub async fn tell_stall(&self, part: &str, what: &str) {
        let id = notification_id("watch", &[part, what]);
        let message = Message {
            id: id.clone(),
            subject: format!("[CLA] The watch has stopped: {part}"),
            text: format!(
                "{what}.\n\nUntil it runs again, silences and alerts may go unnoticed: check on \
                 the CLAs by radio or phone, and tell the system's administrators.\n"
            ),
            link: None,
            payload: serde_json::json!({ "part": part, "what": what }),
        };
        for (mission, contact) in self.view.named_contacts() {
            for (channel, address) in [
                (NotificationChannel::Email, &contact.email),
                (NotificationChannel::Sms, &contact.phone),
                (NotificationChannel::Webhook, &contact.webhook_url),
            ] {
                if address.is_empty() || !self.sender.has(channel) {
                    continue;
                }
                let sent = self.sender.send(channel, address, &message).await;
                self.counters.count(channel, sent.is_ok());
                if let Err(f) = sent {
                    tracing::error!(
                        mission,
                        channel = channel_name(channel),
                        reason = %f.reason,
                        "the watch's stop could not be told"
                    );
                }
            }
        }
    }

    /// Acknowledges an incident through a notification's link or SMS code: by its recipient.
    pub async fn acknowledge_by_notification(
        &self,
        incident: &str,
        notification_id: &str,
        channel: &str,
    ) -> Result<(), AppError> {
        let record = self
            .view
            .incident(incident)
            .ok_or_else(|| AppError::not_found("token", "no such incident"))?;
        let n = record
            .state
            .notifications
            .get(notification_id)
            .ok_or_else(|| AppError::not_found("token", "no such notification"))?;
        let meta = CommandMeta {
            actor: cla_event_store::Actor {
                id: format!("contact:{}", n.decided.contact_id),
                role: "CONTACT".into(),
            },
            ..system_meta(self.clock.now())
        };
        self.runtime
            .execute::<IncidentDecider>(
                &incident_stream(incident),
                &IncidentCommand::Acknowledge {
                    by: n.decided.recipient.clone(),
                    channel: channel.into(),
                    notification_id: notification_id.into(),
                },
                &(),
                &meta,
            )
            .await
            .map(|_| ())
    }

    /// Runs passes: after every change to an incident or a procedure, and every `every` (steps
    /// fall due with time).
    /// Each completed pass is marked in `heartbeats` (as [`WATCHED_AS`]).
    pub fn spawn(
        self: Arc<Self>,
        every: std::time::Duration,
        heartbeats: &Arc<cla_platform::watch::Heartbeats>,
    ) -> tokio::task::JoinHandle<()> {
        let heartbeat = heartbeats.register(WATCHED_AS, every, self.clock.now());
        tokio::spawn(async move {
            let mut changes = self.runtime.hub.changes();
            loop {
                self.pass().await;
                heartbeat.beat(self.clock.now());
                let relevant = |e: &RecordedEvent| {
                    let s = e.stream.as_str();
                    s.starts_with(super::events::INCIDENT_PREFIX)
                        || s.starts_with(super::events::PROCEDURES_PREFIX)
                };
                let deadline = tokio::time::sleep(every);
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        next = changes.recv() => match next {
                            Ok(e) if relevant(&e) => break,
                            Ok(_) => continue,
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                        }
                    }
                }
            }
        })
    }

    /// The opener: a reactor over the alerts that may open incidents.
    pub fn spawn_opener(
        self: Arc<Self>,
        checkpoint: cla_platform::reactor::ReactorCheckpoint,
    ) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(&self.runtime.store);
        cla_platform::reactor::spawn_reactor(
            "escalation-opener",
            store,
            Self::OPENS,
            checkpoint,
            move |event| {
                let this = Arc::clone(&self);
                async move { this.open(&event).await }
            },
        )
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(backoff(1), Duration::seconds(1));
        assert_eq!(backoff(2), Duration::seconds(2));
        assert_eq!(backoff(4), Duration::seconds(8));
        assert_eq!(backoff(20), Duration::minutes(5));
    }
}
