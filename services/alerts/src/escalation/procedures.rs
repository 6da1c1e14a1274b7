//! A mission's escalation procedures and contacts, decided on its `escalation-<MISSION>` stream: a
//! procedure is the mission's or a field office's override; a step contacts the CLA's supervisor,
//! the field office's managers or named contacts, by channels, and waits before the next step.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cla_platform::AppError;
use cla_platform::decider::Decider;

use super::events::{IncidentKind, NotificationChannel, ProcedureEvent, RecipientKind, contract};

/// At most this many steps in a procedure.
pub const MAX_STEPS: usize = 10;
/// A step waits at most a week.
pub const MAX_WAIT_MINUTES: i64 = 7 * 24 * 60;

#[derive(Clone, Debug, PartialEq)]
pub enum ProcedureCommand {
    Set(contract::EscalationProcedureSet),
    Remove { field_office_id: String },
    SetContact(contract::EscalationContactSet),
    RemoveContact { contact_id: String },
}

/// Facts from outside the stream.
#[derive(Clone, Debug, Default)]
pub struct ProcedureContext {
    /// Whether the field office named (if any) is one of the mission's.
    pub field_office_known: bool,
    /// Whether the manager named (if any) is one of the mission's.
    pub manager_known: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Procedures {
    /// By field office id; "" is the mission's.
    pub procedures: BTreeMap<String, contract::EscalationProcedureSet>,
    pub contacts: BTreeMap<String, contract::EscalationContactSet>,
}

impl Procedures {
    /// The procedure that applies in a field office.
    pub fn for_office(&self, field_office_id: &str) -> Option<&contract::EscalationProcedureSet> {
        self.procedures
            .get(field_office_id)
            .or_else(|| self.procedures.get(""))
    }

    /// The contact set for a manager, where there is one.
    pub fn manager_contact(&self, manager_id: &str) -> Option<&contract::EscalationContactSet> {
        self.contacts.values().find(|c| c.manager_id == manager_id)
    }
}

pub struct ProcedureDecider;

fn check_procedure(
    p: &contract::EscalationProcedureSet,
    state: &Procedures,
    ctx: &ProcedureContext,
) -> Result<(), AppError> {
    if !p.field_office_id.is_empty() && !ctx.field_office_known {
        return Err(AppError::not_found(
            "fieldOfficeId",
            "no such field office in this mission",
        ));
    }
    if p.kinds.is_empty() {
        return Err(AppError::validation(
            "kinds",
            "name at least one kind of alert that starts this procedure",
        ));
    }
    if p.kinds
        .iter()
        .any(|k| IncidentKind::try_from(*k).is_err() || *k == IncidentKind::Unspecified as i32)
    {
        return Err(AppError::validation("kinds", "an unknown kind of alert"));
    }
    if p.steps.is_empty() || p.steps.len() > MAX_STEPS {
        return Err(AppError::validation(
            "steps",
            format!("a procedure has 1 to {MAX_STEPS} steps"),
        ));
    }
    for (i, step) in p.steps.iter().enumerate() {
        let at = |field: &str| format!("steps[{i}].{field}");
        if step.recipients.is_empty() {
            return Err(AppError::validation(
                at("recipients"),
                "a step contacts at least one recipient",
            ));
        }
        if step.channels.is_empty()
            || step.channels.iter().any(|c| {
                NotificationChannel::try_from(*c).is_err()
                    || *c == NotificationChannel::Unspecified as i32
            })
        {
            return Err(AppError::validation(
                at("channels"),
                "a step names one or more channels: EMAIL, SMS, WEBHOOK",
            ));
        }
        if !(1..=MAX_WAIT_MINUTES).contains(&step.wait_minutes) {
            return Err(AppError::validation(
                at("waitMinutes"),
                format!("a step waits 1 to {MAX_WAIT_MINUTES} minutes for an acknowledgement"),
            ));
        }
        for (j, r) in step.recipients.iter().enumerate() {
            let field = format!("steps[{i}].recipients[{j}]");
            match RecipientKind::try_from(r.kind) {
                Ok(RecipientKind::Supervisor | RecipientKind::FieldOfficeManagers) => {}
                Ok(RecipientKind::Named) => {
                    let known = state
                        .contacts
                        .get(&r.contact_id)
                        .is_some_and(|c| c.manager_id.is_empty());
                    if !known {
                        return Err(AppError::not_found(
                            format!("{field}.contactId"),
                            "no such named contact in this mission",
                        ));
                    }
                }
                _ => {
                    return Err(AppError::validation(
                        format!("{field}.kind"),
                        "SUPERVISOR, FIELD_OFFICE_MANAGERS or NAMED",
                    ));
                }
            }
        }
    }
    let mut seen = Vec::new();
    for (i, skip) in p.skips.iter().enumerate() {
        if !p.kinds.contains(&skip.kind) || seen.contains(&skip.kind) {
            return Err(AppError::validation(
                format!("skips[{i}].kind"),
                "a skip names, once, a kind this procedure starts for",
            ));
        }
        seen.push(skip.kind);
        if skip.step < 1 || skip.step as usize > p.steps.len() {
            return Err(AppError::validation(
                format!("skips[{i}].step"),
                format!("a step from 1 to {}", p.steps.len()),
            ));
        }
    }
    if !(0..=24 * 60).contains(&p.repeat_minutes) {
        return Err(AppError::validation(
            "repeatMinutes",
            "repeat the last step every 0 (never) to 1440 minutes",
        ));
    }
    Ok(())
}

/// A plausible email address: one `@`, something either side, a dot in the domain, no spaces.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace)
        && !domain.contains('@')
        && text.len() <= 254
}

/// E.164: `+` and 8 to 15 digits.
pub fn is_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn check_contact(
    c: &contract::EscalationContactSet,
    ctx: &ProcedureContext,
) -> Result<(), AppError> {
    if c.contact_id.trim().is_empty() || c.contact_id.len() > 64 {
        return Err(AppError::validation("contactId", "1 to 64 characters"));
    }
    if !c.manager_id.is_empty() && !ctx.manager_known {
        return Err(AppError::not_found(
            "managerId",
            "no such manager in this mission",
        ));
    }
    if c.manager_id.is_empty() && (c.name.trim().is_empty() || c.name.chars().count() > 100) {
        return Err(AppError::validation(
            "name",
            "a named contact has a name of 1 to 100 characters",
        ));
    }
    if !c.email.is_empty() && !is_email(&c.email) {
        return Err(AppError::validation("email", "not an email address"));
    }
    if !c.phone.is_empty() && !is_e164(&c.phone) {
        return Err(AppError::validation(
            "phone",
            "a phone number in international form: + and 8 to 15 digits",
        ));
    }
    let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    if !c.webhook_url.is_empty() && !web(&c.webhook_url) {
        return Err(AppError::validation(
            "webhookUrl",
            "an http or https address",
        ));
    }
    if c.email.is_empty() && c.phone.is_empty() && c.webhook_url.is_empty() {
        return Err(AppError::validation(
            "email",
            "a contact has at least one address: email, phone or webhook",
        ));
    }
    Ok(())
}

impl Decider for ProcedureDecider {
    type Command = ProcedureCommand;
    type Event = ProcedureEvent;
    type State = Procedures;
    type Context = ProcedureContext;

    fn decide(
        command: &ProcedureCommand,
        state: &Procedures,
        ctx: &ProcedureContext,
    ) -> Result<Vec<ProcedureEvent>, AppError> {
        match command {
            ProcedureCommand::Set(p) => {
                check_procedure(p, state, ctx)?;
                if state.procedures.get(&p.field_office_id) == Some(p) {
                    return Ok(vec![]);
                }
                Ok(vec![ProcedureEvent::EscalationProcedureSet(p.clone())])
            }
            ProcedureCommand::Remove { field_office_id } => {
                if field_office_id.is_empty() {
                    return Err(AppError::validation(
                        "fieldOfficeId",
                        "only a field office's override can be removed; set the mission's anew",
                    ));
                }
                if !state.procedures.contains_key(field_office_id) {
                    return Ok(vec![]);
                }
                Ok(vec![ProcedureEvent::EscalationProcedureRemoved(
                    contract::EscalationProcedureRemoved {
                        field_office_id: field_office_id.clone(),
                    },
                )])
            }
            ProcedureCommand::SetContact(c) => {
                check_contact(c, ctx)?;
                if let Some(other) = state
                    .manager_contact(&c.manager_id)
                    .filter(|o| !c.manager_id.is_empty() && o.contact_id != c.contact_id)
                {
                    return Err(AppError::conflict(format!(
                        "this manager's addresses are contact {}",
                        other.contact_id
                    ))
                    .on("managerId"));
                }
                if state.contacts.get(&c.contact_id) == Some(c) {
                    return Ok(vec![]);
                }
                Ok(vec![ProcedureEvent::EscalationContactSet(c.clone())])
            }
            ProcedureCommand::RemoveContact { contact_id } => {
                if !state.contacts.contains_key(contact_id) {
                    return Ok(vec![]);
                }
                let used = state.procedures.values().any(|p| {
                    p.steps
                        .iter()
                        .flat_map(|s| &s.recipients)
                        .any(|r| r.contact_id == *contact_id)
                });
                if used {
                    return Err(AppError::conflict(
                        "a procedure's step contacts them: change the procedure first",
                    )
                    .on("contactId"));
                }
                Ok(vec![ProcedureEvent::EscalationContactRemoved(
                    contract::EscalationContactRemoved {
                        contact_id: contact_id.clone(),
                    },
                )])
            }
        }
    }

    fn evolve(mut state: Procedures, event: &ProcedureEvent, _: NaiveDate) -> Procedures {
        match event {
            ProcedureEvent::EscalationProcedureSet(p) => {
                state
                    .procedures
                    .insert(p.field_office_id.clone(), p.clone());
            }
            ProcedureEvent::EscalationProcedureRemoved(e) => {
                state.procedures.remove(&e.field_office_id);
            }
            ProcedureEvent::EscalationContactSet(c) => {
                state.contacts.insert(c.contact_id.clone(), c.clone());
            }
            ProcedureEvent::EscalationContactRemoved(e) => {
                state.contacts.remove(&e.contact_id);
            }
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::ErrorCode;
    use cla_platform::decider::{given, given_date};

    use super::*;

    fn named(id: &str) -> contract::EscalationContactSet {
        contract::EscalationContactSet {
            contact_id: id.into(),
            name: "MONUSCO JOC".into(),
            email: "joc@example.org".into(),
            ..Default::default()
        }
    }

    fn procedure(contact: &str) -> contract::EscalationProcedureSet {
        contract::EscalationProcedureSet {
            kinds: vec![
                IncidentKind::MissedCheckIn as i32,
                IncidentKind::Duress as i32,
            ],
            steps: vec![
                contract::EscalationStep {
                    recipients: vec![contract::EscalationRecipient {
                        kind: RecipientKind::Supervisor as i32,
                        need_to_know: true,
                        ..Default::default()
                    }],
                    channels: vec![NotificationChannel::Email as i32],
                    wait_minutes: 15,
                },
                contract::EscalationStep {
                    recipients: vec![contract::EscalationRecipient {
                        kind: RecipientKind::Named as i32,
                        contact_id: contact.into(),
                        need_to_know: false,
                    }],
                    channels: vec![NotificationChannel::Webhook as i32],
                    wait_minutes: 30,
                },
            ],
            skips: vec![contract::StepSkip {
                kind: IncidentKind::Duress as i32,
                step: 2,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_procedure_names_known_contacts_and_sensible_steps() {
        let with_joc =
            || given::<ProcedureDecider>(vec![ProcedureEvent::EscalationContactSet(named("joc"))]);
        with_joc()
            .when(ProcedureCommand::Set(procedure("joc")))
            .then(vec![ProcedureEvent::EscalationProcedureSet(procedure(
                "joc",
            ))]);
        with_joc()
            .when(ProcedureCommand::Set(procedure("nobody")))
            .then_error_on(ErrorCode::NotFound, "steps[1].recipients[0].contactId");
        let mut no_wait = procedure("joc");
        no_wait.steps[0].wait_minutes = 0;
        with_joc()
            .when(ProcedureCommand::Set(no_wait))
            .then_error_on(ErrorCode::Validation, "steps[0].waitMinutes");
        let mut far_skip = procedure("joc");
        far_skip.skips[0].step = 3;
        with_joc()
            .when(ProcedureCommand::Set(far_skip))
            .then_error_on(ErrorCode::Validation, "skips[0].step");
        let mut office = procedure("joc");
        office.field_office_id = "FO-X".into();
        with_joc()
            .when(ProcedureCommand::Set(office))
            .then_error_on(ErrorCode::NotFound, "fieldOfficeId");
    }

    #[test]
    fn a_contact_has_a_valid_address_and_is_kept_while_a_step_names_it() {
        let mut bad = named("joc");
        bad.phone = "0812345678".into();
        given::<ProcedureDecider>(vec![])
            .when(ProcedureCommand::SetContact(bad))
            .then_error_on(ErrorCode::Validation, "phone");
        let mut none = named("joc");
        none.email.clear();
        given::<ProcedureDecider>(vec![])
            .when(ProcedureCommand::SetContact(none))
            .then_error_on(ErrorCode::Validation, "email");
        given::<ProcedureDecider>(vec![
            ProcedureEvent::EscalationContactSet(named("joc")),
            ProcedureEvent::EscalationProcedureSet(procedure("joc")),
        ])
        .when(ProcedureCommand::RemoveContact {
            contact_id: "joc".into(),
        })
        .then_error_on(ErrorCode::Conflict, "contactId");
    }

    #[test]
    fn a_field_offices_override_applies_there_and_the_missions_procedure_elsewhere() {
        let mut office = procedure("joc");
        office.field_office_id = "FO-1".into();
        office.repeat_minutes = 5;
        let state = ProcedureDecider::fold(&[
            (
                given_date(),
                ProcedureEvent::EscalationContactSet(named("joc")),
            ),
            (
                given_date(),
                ProcedureEvent::EscalationProcedureSet(procedure("joc")),
            ),
            (
                given_date(),
                ProcedureEvent::EscalationProcedureSet(office.clone()),
            ),
        ]);
        assert_eq!(state.for_office("FO-1"), Some(&office));
        assert_eq!(state.for_office("FO-2"), Some(&procedure("joc")));
        let removed = ProcedureDecider::evolve(
            state,
            &ProcedureEvent::EscalationProcedureRemoved(contract::EscalationProcedureRemoved {
                field_office_id: "FO-1".into(),
            }),
            given_date(),
        );
        assert_eq!(removed.for_office("FO-1"), Some(&procedure("joc")));
    }

    #[test]
    fn addresses_are_checked_for_shape() {
        assert!(is_email("a.b@un.org"));
        assert!(!is_email("a b@un.org") && !is_email("ab@un") && !is_email("@un.org"));
        assert!(is_e164("+243812345678"));
        assert!(!is_e164("243812345678") && !is_e164("+0812") && !is_e164("+24381234567x"));
    }
}
