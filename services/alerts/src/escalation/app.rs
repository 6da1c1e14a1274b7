//! The application layer of escalation, taking the caller. Access is decided here, for every door
//! (GraphQL, the acknowledge link, an SMS reply, the web app):
//!
//! - procedures and contacts: CIVIL_AFFAIRS of the mission and ADMIN set them; they and
//!   MISSION_HR of the mission read them;
//! - incidents: CIVIL_AFFAIRS, MISSION_HR of the mission and ADMIN read, acknowledge and resolve
//!   them; HQ_REVIEWER sees the figures of the HQ review only. What happened and to whom (the
//!   kind — duress is need-to-know —, the CLA, the flag, the base, the summary, the outcome) only
//!   for CIVIL_AFFAIRS of the mission and ADMIN; MISSION_HR gets the field office, the status and
//!   the steps;
//! - the acknowledge link and the "ACK <code>" reply need no sign-in: the link's token or the code
//!   from the contacted number is the proof.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cla_platform::app::{Restricted, authorize};
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role};
use cla_registry::RegistryView;
use cla_risk::app::DETAIL_ROLES;
use cla_supervision::SupervisionView;

use super::events::{IncidentKind, contract, incident_stream, procedures_stream};
use super::incident::{IncidentCommand, IncidentDecider};
use super::procedures::{ProcedureCommand, ProcedureContext, ProcedureDecider, Procedures};
use super::view::{Entry, EntryKind, Record};
use super::worker::Escalation;

/// Who sets a mission's procedures and contacts.
pub const SETTERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
/// Who reads, acknowledges and resolves a mission's incidents, and reads its procedures.
pub const RESPONDERS: &[Role] = &[Role::Admin, Role::CivilAffairs, Role::MissionHr];

/// Where an incident stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum IncidentStatus {
    /// Opened, nobody told yet.
    Open,
    /// A step's notifications are out; nobody has acknowledged.
    Notified,
    Acknowledged,
    Resolved,
}

/// What happened, for those who see it.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentDetail {
    pub kind: IncidentKind,
    pub staff_id: Option<String>,
    pub flag_id: Option<String>,
    pub base_id: Option<String>,
    pub summary: String,
    pub outcome: Option<String>,
}

/// An incident as a caller may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentAnswer {
    pub id: String,
    pub mission_code: String,
    pub field_office_id: String,
    pub field_office_name: String,
    pub status: IncidentStatus,
    pub detail: Restricted<IncidentDetail>,
    pub opened_at: DateTime<Utc>,
    /// The step started last (0: none yet).
    pub step: u32,
    pub steps: u32,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// Its timeline; a resolution's outcome only for those who see the detail.
    pub timeline: Vec<Entry>,
}

/// What an acknowledge link says when opened.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkAnswer {
    /// The link is good: the incident may be acknowledged (shown to the recipient as they may
    /// see it: the field office; what happened only to a need-to-know recipient).
    Ready {
        what: String,
    },
    Acknowledged {
        what: String,
    },
    AlreadyAcknowledged {
        by: String,
    },
    Expired,
    Invalid,
}

/// A mission's escalation settings, as [`EscalationApp::escalation_settings`] answers them.
#[derive(Clone, Debug, PartialEq)]
pub struct EscalationSettings {
    pub procedures: Procedures,
    pub may_change: bool,
    /// The mission's field offices (id, name).
    pub field_offices: Vec<(String, String)>,
    /// The mission's managers not ended (id, name), by name.
    pub managers: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct EscalationApp {
    pub escalation: Arc<Escalation>,
    registry: Arc<RegistryView>,
    supervision: Arc<SupervisionView>,
}

fn status(r: &Record) -> IncidentStatus {
    if r.state.resolved {
        IncidentStatus::Resolved
    } else if r.state.acknowledged.is_some() {
        IncidentStatus::Acknowledged
    } else if r.state.step > 0 {
        IncidentStatus::Notified
    } else {
        IncidentStatus::Open
    }
}

impl EscalationApp {
    pub fn new(
        escalation: Arc<Escalation>,
        registry: Arc<RegistryView>,
        supervision: Arc<SupervisionView>,
    ) -> Self {
        Self {
            escalation,
            registry,
            supervision,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.escalation.clock.now()
    }

    // -----------------------------------------------------------------------------------------
    // Procedures and contacts

    /// A mission's procedures and contacts.
    pub fn procedures(&self, who: &Principal, mission: &str) -> AppResult<Procedures> {
        authorize(who, mission, RESPONDERS)?;
        Ok(self.escalation.view.procedures(mission))
    }

    async fn change_procedures(
        &self,
        who: &Principal,
        mission: &str,
        command: ProcedureCommand,
        context: ProcedureContext,
    ) -> AppResult<Procedures> {
        authorize(who, mission, SETTERS)?;
        let today = self.now().date_naive();
        let meta = CommandMeta::by(who, Some(mission), SETTERS, today)?;
        self.escalation
            .runtime
            .execute::<ProcedureDecider>(&procedures_stream(mission), &command, &context, &meta)
            .await?;
        Ok(self.escalation.view.procedures(mission))
    }

    /// Sets the mission's procedure (no field office) or a field office's override.
    pub async fn set_procedure(
        &self,
        who: &Principal,
        mission: &str,
        procedure: contract::EscalationProcedureSet,
    ) -> AppResult<Procedures> {
        authorize(who, mission, SETTERS)?;
        let view = View::on(self.now().date_naive());
        let field_office_known = procedure.field_office_id.is_empty()
            || self
                .registry
                .field_office(&procedure.field_office_id, &view)
                .is_some_and(|f| f.mission_code == mission);
        self.change_procedures(
            who,
            mission,
            ProcedureCommand::Set(procedure),
            ProcedureContext {
                field_office_known,
                manager_known: false,
            },
        )
        .await
    }

    pub async fn remove_procedure(
        &self,
        who: &Principal,
        mission: &str,
        field_office_id: &str,
    ) -> AppResult<Procedures> {
        self.change_procedures(
            who,
            mission,
            ProcedureCommand::Remove {
                field_office_id: field_office_id.to_string(),
            },
            ProcedureContext::default(),
        )
        .await
    }

    /// Sets a named contact's or a manager's addresses.
    pub async fn set_contact(
        &self,
        who: &Principal,
        mission: &str,
        contact: contract::EscalationContactSet,
    ) -> AppResult<Procedures> {
        authorize(who, mission, SETTERS)?;
        let view = View::on(self.now().date_naive());
        let manager_known = !contact.manager_id.is_empty()
            && self
                .supervision
                .management(mission, &view)
                .managers
                .contains_key(&contact.manager_id);
        self.change_procedures(
            who,
            mission,
            ProcedureCommand::SetContact(contact),
            ProcedureContext {
                field_office_known: false,
                manager_known,
            },
        )
        .await
    }

    pub async fn remove_contact(
        &self,
        who: &Principal,
        mission: &str,
        contact_id: &str,
    ) -> AppResult<Procedures> {
        self.change_procedures(
            who,
            mission,
            ProcedureCommand::RemoveContact {
                contact_id: contact_id.to_string(),
            },
            ProcedureContext::default(),
        )
        .await
    }

    // -----------------------------------------------------------------------------------------
    // Incidents

    fn answer(&self, who: &Principal, r: &Record) -> IncidentAnswer {
        let o = r.opened();
        let detail = Restricted::for_caller(who, &o.mission_code, DETAIL_ROLES, || {
            let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
            IncidentDetail {
                kind: r.kind(),
                staff_id: some(&o.staff_id),
                flag_id: some(&o.flag_id),
                base_id: some(&o.base_id),
                summary: o.summary.clone(),
                outcome: r.resolved.as_ref().map(|(e, _)| e.outcome.clone()),
            }
        });
        let sees = !detail.is_withheld();
        let timeline = r
            .timeline
            .iter()
            .cloned()
            .map(|mut e| {
                if !sees && e.kind == EntryKind::Resolved {
                    e.detail = None;
                }
                e
            })
            .collect();
        IncidentAnswer {
            id: o.incident_id.clone(),
            mission_code: o.mission_code.clone(),
            field_office_id: o.field_office_id.clone(),
            field_office_name: o.field_office_name.clone(),
            status: status(r),
            detail,
            opened_at: r.opened_at.unwrap_or_default(),
            step: r.state.step,
            steps: o.procedure.as_ref().map_or(0, |p| p.steps.len() as u32),
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.state.acknowledged.as_ref().map(|a| a.by.clone()),
            resolved_at: r.resolved.as_ref().map(|(_, at)| *at),
            resolved_by: r.resolved.as_ref().map(|(e, _)| e.by.clone()),
            timeline,
        }
    }

    /// A mission's incidents, newest first; only those not yet resolved where `open_only`.
    pub fn incidents(
        &self,
        who: &Principal,
        mission: &str,
        open_only: bool,
    ) -> AppResult<Vec<IncidentAnswer>> {
        authorize(who, mission, RESPONDERS)?;
        Ok(self
            .escalation
            .view
            .incidents(mission)
            .iter()
            .filter(|r| !open_only || !r.state.resolved)
            .map(|r| self.answer(who, r))
            .collect())
    }

    /// One incident; another mission's is refused like one that does not exist.
    pub fn incident(&self, who: &Principal, id: &str) -> AppResult<IncidentAnswer> {
        let unknown = || AppError::not_found("incidentId", "no such incident");
        let r = self.escalation.view.incident(id).ok_or_else(unknown)?;
        if !who.holds_for(&r.opened().mission_code, RESPONDERS) {
            return Err(unknown());
        }
        Ok(self.answer(who, &r))
    }

    async fn respond(
        &self,
        who: &Principal,
        id: &str,
        command: impl FnOnce(String) -> IncidentCommand,
    ) -> AppResult<IncidentAnswer> {
        let current = self.incident(who, id)?;
        let meta = CommandMeta::by(
            who,
            Some(&current.mission_code),
            RESPONDERS,
            self.now().date_naive(),
        )?;
        self.escalation
            .runtime
            .execute::<IncidentDecider>(
                &incident_stream(id),
                &command(who.name.clone()),
                &(),
                &meta,
            )
            .await?;
        self.incident(who, id)
    }

    /// Acknowledges receipt: no further step is taken.
    pub async fn acknowledge(&self, who: &Principal, id: &str) -> AppResult<IncidentAnswer> {
        self.respond(who, id, |by| IncidentCommand::Acknowledge {
            by,
            channel: "WEB".into(),
            notification_id: String::new(),
        })
        .await
    }

    /// Records the outcome (acknowledging it too where nobody had).
    pub async fn resolve(
        &self,
        who: &Principal,
        id: &str,
        outcome: &str,
    ) -> AppResult<IncidentAnswer> {
        self.respond(who, id, |by| IncidentCommand::Resolve {
            outcome: outcome.to_string(),
            by,
            channel: "WEB".into(),
        })
        .await
    }

    // -----------------------------------------------------------------------------------------
    // The doors that need no sign-in

    fn link_target(
        &self,
        token: &str,
    ) -> Result<(Record, contract::NotificationDecided), LinkAnswer> {
        let escalation = &self.escalation;
        let notification = escalation.links.verify(token).ok_or(LinkAnswer::Invalid)?;
        let (record, decided_at) = escalation
            .view
            .notification(&notification)
            .ok_or(LinkAnswer::Invalid)?;
        if self.now() > decided_at + escalation.links.ttl {
            return Err(LinkAnswer::Expired);
        }
        let decided = record
            .state
            .notifications
            .get(&notification)
            .map(|n| n.decided.clone())
            .ok_or(LinkAnswer::Invalid)?;
        if let Some(ack) = &record.state.acknowledged {
            return Err(LinkAnswer::AlreadyAcknowledged { by: ack.by.clone() });
        }
        Ok((record, decided))
    }

    fn what(&self, record: &Record, n: &contract::NotificationDecided) -> String {
        self.escalation
            .message(record, n)
            .subject
            .trim_start_matches("[CLA] ")
            .to_string()
    }

    /// What an acknowledge link shows before it is used.
    pub fn open_link(&self, token: &str) -> LinkAnswer {
        match self.link_target(token) {
            Ok((record, n)) => LinkAnswer::Ready {
                what: self.what(&record, &n),
            },
            Err(answer) => answer,
        }
    }

    /// Acknowledges through a link: once, before it expires.
    pub async fn use_link(&self, token: &str) -> LinkAnswer {
        let (record, n) = match self.link_target(token) {
            Ok(target) => target,
            Err(answer) => return answer,
        };
        let incident = record.opened().incident_id.clone();
        match self
            .escalation
            .acknowledge_by_notification(&incident, &n.notification_id, "EMAIL")
            .await
        {
            Ok(()) => LinkAnswer::Acknowledged {
                what: self.what(&record, &n),
            },
            Err(e) if e.code == cla_platform::ErrorCode::Conflict => {
                let by = self
                    .escalation
                    .view
                    .incident(&incident)
                    .and_then(|r| r.state.acknowledged.map(|a| a.by))
                    .unwrap_or_default();
                LinkAnswer::AlreadyAcknowledged { by }
            }
            Err(_) => LinkAnswer::Invalid,
        }
    }

    /// An SMS from `from` saying "ACK <code>": acknowledges the open incident whose SMS to that
    /// number carried the code. `None` where the text is no acknowledgement or no SMS to that
    /// number carried the code (it is then an ordinary message); otherwise the reply to send.
    pub async fn acknowledge_by_sms(&self, from: &str, text: &str) -> Option<String> {
        let mut words = text.split_whitespace();
        let first = words.next()?;
        if !first.eq_ignore_ascii_case("ACK") {
            return None;
        }
        let code = words.next().unwrap_or("").to_ascii_uppercase();
        let links = &self.escalation.links;
        let found = self
            .escalation
            .view
            .sms_ack(from, |id| links.sms_code(id) == code);
        let (incident, notification) = found?;
        match self
            .escalation
            .acknowledge_by_notification(&incident, &notification, "SMS")
            .await
        {
            Ok(()) => Some("Acknowledged. Thank you.".into()),
            Err(_) => Some("Already acknowledged.".into()),
        }
    }
    /// A mission's escalation settings for its page, as `view` sees them: the procedures and
    /// contacts then, whether the reader may change them ([`SETTERS`], and only in a view of
    /// now), the field offices an override is for and the managers a contact may be (id and
    /// name, by name).
    pub fn escalation_settings(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<EscalationSettings> {
        authorize(who, mission, RESPONDERS)?;
        let procedures = self.escalation.view.procedures_as(mission, view);
        // Changes are made to the procedures in force now: not to a view of another time.
        let may_change =
            authorize(who, mission, SETTERS).is_ok() && view.is_present(self.now().date_naive());
        let field_offices = self
            .registry
            .field_offices(mission, view)
            .into_iter()
            .map(|f| (f.id, f.name))
            .collect();
        let mut managers: Vec<(String, String)> = self
            .supervision
            .management(mission, view)
            .managers
            .values()
            .filter(|m| m.to.is_none_or(|to| to >= view.as_of))
            .map(|m| (m.id.clone(), m.name.clone()))
            .collect();
        managers.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(EscalationSettings {
            procedures,
            may_change,
            field_offices,
            managers,
        })
    }
}
