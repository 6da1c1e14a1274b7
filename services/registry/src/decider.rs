//! The registry's rules. Three streams, three deciders: a mission (its code is its stream, so a
//! code is taken once and for all), a field office, a base.

use chrono::NaiveDate;
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

use crate::commands::{BaseCommand, BaseDetails, FieldOfficeCommand, MissionCommand};
use crate::events::{BaseKind, RegistryEvent, StaffingPolicy, contract};

const NAME_MAX: usize = 200;

fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    cla_platform::graphql::required_text(field, value, max)
}

/// A mission code: 2 to 16 capital letters and digits, starting with a letter (MONUSCO).
pub fn check_code(code: &str) -> Result<(), AppError> {
    let ok = (2..=16).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(AppError::validation(
            "code",
            "a mission code is 2 to 16 capital letters and digits, starting with a letter (MONUSCO)",
        ))
    }
}

/// A staffing policy within sensible bounds; `minimumClasPerBase` at least 1.
pub fn check_policy(p: &StaffingPolicy) -> Result<(), AppError> {
    let within = |field: &str, value: u32, low: u32, high: u32| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(AppError::validation(
                field,
                format!("{field} must be between {low} and {high}"),
            ))
        }
    };
    within("minimumClasPerBase", p.minimum_clas_per_base, 1, 50)?;
    within("maxSpanOfControl", p.max_span_of_control, 1, 200)?;
    within("checkInIntervalHours", p.check_in_interval_hours, 1, 168)?;
    within("checkInGraceHours", p.check_in_grace_hours, 0, 72)?;
    within(
        "fieldVisitIntervalDays",
        p.field_visit_interval_days,
        1,
        365,
    )?;
    within("maxTourMonths", p.max_tour_months, 1, 120)?;
    if p.deployment_model == 0 {
        return Err(AppError::validation(
            "deploymentModel",
            "choose a deployment model",
        ));
    }
    Ok(())
}

fn not_before(effective: NaiveDate, since: NaiveDate, what: &str) -> Result<(), AppError> {
    if effective < since {
        Err(AppError::validation(
            "effective",
            format!(
                "{what} did not exist before {since}; a change cannot take effect on {effective}"
            ),
        ))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Missions

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MissionState(pub Option<Mission>);

#[derive(Clone, Debug, PartialEq)]
pub struct Mission {
    pub code: String,
    pub name: String,
    pub country: String,
    pub policy: StaffingPolicy,
    pub created_on: NaiveDate,
}

pub struct MissionDecider;

impl Decider for MissionDecider {
    type Command = MissionCommand;
    type Event = RegistryEvent;
    type State = MissionState;
    type Context = ();

    fn decide(
        command: &MissionCommand,
        state: &MissionState,
        _: &(),
    ) -> Result<Vec<RegistryEvent>, AppError> {
        match (command, &state.0) {
            (MissionCommand::Create { code, .. }, Some(_)) => Err(AppError::new(
                ErrorCode::Conflict,
                format!("mission {code} already exists"),
            )
            .on("code")),
            (
                MissionCommand::Create {
                    code,
                    name,
                    country,
                    policy,
                    ..
                },
                None,
            ) => {
                check_code(code)?;
                check_policy(policy)?;
                Ok(vec![RegistryEvent::MissionCreated(
                    contract::MissionCreated {
                        code: code.clone(),
                        name: text("name", name, NAME_MAX)?,
                        country: text("country", country, NAME_MAX)?,
                        policy: Some(*policy),
                    },
                )])
            }
            (_, None) => Err(AppError::not_found("code", "no such mission")),
            (
                MissionCommand::Rename {
                    name,
                    country,
                    effective,
                },
                Some(m),
            ) => {
                not_before(*effective, m.created_on, "the mission")?;
                let name = text("name", name, NAME_MAX)?;
                let country = text("country", country, NAME_MAX)?;
                if name == m.name && country == m.country {
                    return Ok(vec![]);
                }
                Ok(vec![RegistryEvent::MissionRenamed(
                    contract::MissionRenamed {
                        code: m.code.clone(),
                        name,
                        country,
                    },
                )])
            }
            (MissionCommand::ChangePolicy { change, effective }, Some(m)) => {
                not_before(*effective, m.created_on, "the mission")?;
                let policy = &change.over(&m.policy);
                check_policy(policy)?;
                if *policy == m.policy {
                    return Ok(vec![]);
                }
                Ok(vec![RegistryEvent::MissionPolicyChanged(
                    contract::MissionPolicyChanged {
                        code: m.code.clone(),
                        policy: Some(*policy),
                    },
                )])
            }
        }
    }

    fn evolve(state: MissionState, event: &RegistryEvent, on: NaiveDate) -> MissionState {
        let mission = match (state.0, event) {
            (_, RegistryEvent::MissionCreated(e)) => Some(Mission {
                code: e.code.clone(),
                name: e.name.clone(),
                country: e.country.clone(),
                policy: e.policy.unwrap_or_else(crate::events::default_policy),
                created_on: on,
            }),
            (Some(mut m), RegistryEvent::MissionRenamed(e)) => {
                m.name = e.name.clone();
                m.country = e.country.clone();
                Some(m)
            }
            (Some(mut m), RegistryEvent::MissionPolicyChanged(e)) => {
                if let Some(p) = e.policy {
                    m.policy = p;
                }
                Some(m)
            }
            (m, _) => m,
        };
        MissionState(mission)
    }
}

// ---------------------------------------------------------------------------------------------
// Field offices

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldOfficeState(pub Option<FieldOffice>);

#[derive(Clone, Debug, PartialEq)]
pub struct FieldOffice {
    pub id: String,
    pub mission_code: String,
    pub name: String,
    pub opened_on: NaiveDate,
}

/// What opening a field office needs to know: its mission, as the mission's stream holds it.
#[derive(Clone, Debug, Default)]
pub struct FieldOfficeContext {
    pub mission: Option<Mission>,
}

pub struct FieldOfficeDecider;

impl Decider for FieldOfficeDecider {
    type Command = FieldOfficeCommand;
    type Event = RegistryEvent;
    type State = FieldOfficeState;
    type Context = FieldOfficeContext;

    fn decide(
        command: &FieldOfficeCommand,
        state: &FieldOfficeState,
        context: &FieldOfficeContext,
    ) -> Result<Vec<RegistryEvent>, AppError> {
        match (command, &state.0) {
            (FieldOfficeCommand::Open { .. }, Some(_)) => {
                Err(AppError::conflict("this field office already exists").on("fieldOfficeId"))
            }
            (
                FieldOfficeCommand::Open {
                    field_office_id,
                    mission_code,
                    name,
                    effective,
                },
                None,
            ) => {
                let Some(mission) = &context.mission else {
                    return Err(AppError::not_found(
                        "missionCode",
                        format!("no mission {mission_code}"),
                    ));
                };
                not_before(*effective, mission.created_on, "the mission")?;
                Ok(vec![RegistryEvent::FieldOfficeOpened(
                    contract::FieldOfficeOpened {
                        field_office_id: field_office_id.clone(),
                        mission_code: mission.code.clone(),
                        name: text("name", name, NAME_MAX)?,
                    },
                )])
            }
            (_, None) => Err(AppError::not_found("fieldOfficeId", "no such field office")),
            (FieldOfficeCommand::Rename { name, effective }, Some(office)) => {
                not_before(*effective, office.opened_on, "the field office")?;
                let name = text("name", name, NAME_MAX)?;
                if name == office.name {
                    return Ok(vec![]);
                }
                Ok(vec![RegistryEvent::FieldOfficeRenamed(
                    contract::FieldOfficeRenamed {
                        field_office_id: office.id.clone(),
                        name,
                    },
                )])
            }
        }
    }

    fn evolve(state: FieldOfficeState, event: &RegistryEvent, on: NaiveDate) -> FieldOfficeState {
        FieldOfficeState(match (state.0, event) {
            (_, RegistryEvent::FieldOfficeOpened(e)) => Some(FieldOffice {
                id: e.field_office_id.clone(),
                mission_code: e.mission_code.clone(),
                name: e.name.clone(),
                opened_on: on,
            }),
            (Some(mut office), RegistryEvent::FieldOfficeRenamed(e)) => {
                office.name = e.name.clone();
                Some(office)
            }
            (office, _) => office,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Bases

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseStatus {
    Open,
    Closing,
    Closed,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaseState(pub Option<Base>);

#[derive(Clone, Debug, PartialEq)]
pub struct Base {
    pub id: String,
    pub mission_code: String,
    pub details: BaseDetails,
    pub status: BaseStatus,
    pub opened_on: NaiveDate,
    pub closing_since: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

/// What a base command needs to know: the field office it puts the base under (opening it, or
/// moving it), as that office's stream holds it. A change that keeps the base where it is needs
/// none.
#[derive(Clone, Debug, Default)]
pub struct BaseContext {
    pub field_office: Option<FieldOffice>,
}

pub struct BaseDecider;

/// The field office `id`, as the context holds it.
fn named_office<'a>(id: &str, context: &'a BaseContext) -> Result<&'a FieldOffice, AppError> {
    context
        .field_office
        .as_ref()
        .filter(|office| office.id == id)
        .ok_or_else(|| AppError::not_found("fieldOfficeId", format!("no field office {id}")))
}

/// Where a base is: its field office, and that office's mission.
struct Under<'a> {
    field_office_id: &'a str,
    mission_code: &'a str,
}

impl<'a> From<&'a FieldOffice> for Under<'a> {
    fn from(office: &'a FieldOffice) -> Self {
        Self {
            field_office_id: &office.id,
            mission_code: &office.mission_code,
        }
    }
}

/// `details` checked and tidied, `under` a field office (which must be of `mission`, where the
/// base has one already).
fn check_details(
    details: &BaseDetails,
    under: Under<'_>,
    mission: Option<&str>,
) -> Result<BaseDetails, AppError> {
    if mission.is_some_and(|m| m != under.mission_code) {
        return Err(AppError::validation(
            "fieldOfficeId",
            "a base moves only between field offices of its own mission",
        ));
    }
    if details.kind == BaseKind::Unspecified {
        return Err(AppError::validation("kind", "choose the kind of base"));
    }
    if details.minimum_override == Some(0) {
        return Err(AppError::validation(
            "minimumOverride",
            "a base's minimum is at least 1 (leave it out to follow the mission's policy)",
        ));
    }
    let mut languages = Vec::new();
    for language in &details.local_languages {
        let language = text("localLanguages", language, 60)?;
        if !languages.contains(&language) {
            languages.push(language);
        }
    }
    Ok(BaseDetails {
        name: text("name", &details.name, NAME_MAX)?,
        kind: details.kind,
        field_office_id: under.field_office_id.to_string(),
        contingent: details.contingent.trim().to_string(),
        local_languages: languages,
        alert_network_working: details.alert_network_working,
        minimum_override: details.minimum_override,
    })
}

impl Decider for BaseDecider {
    type Command = BaseCommand;
    type Event = RegistryEvent;
    type State = BaseState;
    type Context = BaseContext;

    fn decide(
        command: &BaseCommand,
        state: &BaseState,
        context: &BaseContext,
    ) -> Result<Vec<RegistryEvent>, AppError> {
        let base = match (command, &state.0) {
            (BaseCommand::Open { .. }, Some(_)) => {
                return Err(AppError::conflict("this base already exists").on("baseId"));
            }
            (
                BaseCommand::Open {
                    base_id,
                    details,
                    effective,
                },
                None,
            ) => {
                let office = named_office(&details.field_office_id, context)?;
                let details = check_details(details, office.into(), None)?;
                not_before(*effective, office.opened_on, "the field office")?;
                return Ok(vec![RegistryEvent::BaseOpened(contract::BaseOpened {
                    base_id: base_id.clone(),
                    mission_code: office.mission_code.clone(),
                    field_office_id: details.field_office_id,
                    name: details.name,
                    kind: details.kind as i32,
                    contingent: details.contingent,
                    local_languages: details.local_languages,
                    alert_network_working: details.alert_network_working,
                    minimum_override: details.minimum_override.unwrap_or(0),
                })]);
            }
            (_, None) => return Err(AppError::not_found("baseId", "no such base")),
            (_, Some(base)) => base,
        };
        let closed =
            || AppError::conflict(format!("base {} is closed", base.details.name)).on("baseId");
        match command {
            BaseCommand::Open { .. } => unreachable!("handled above"),
            BaseCommand::ChangeDetails { patch, effective } => {
                not_before(*effective, base.opened_on, "the base")?;
                if base.status == BaseStatus::Closed {
                    return Err(closed());
                }
                // The patch is made to the base as this decision sees it: a concurrent change
                // of other details is kept, whichever is written first.
                let details = patch.apply(&base.details);
                let under = if details.field_office_id == base.details.field_office_id {
                    Under {
                        field_office_id: &base.details.field_office_id,
                        mission_code: &base.mission_code,
                    }
                } else {
                    named_office(&details.field_office_id, context)?.into()
                };
                let details = check_details(&details, under, Some(&base.mission_code))?;
                if details == base.details {
                    return Ok(vec![]);
                }
                Ok(vec![RegistryEvent::BaseDetailsChanged(
                    contract::BaseDetailsChanged {
                        base_id: base.id.clone(),
                        name: details.name,
                        kind: details.kind as i32,
                        contingent: details.contingent,
                        local_languages: details.local_languages,
                        alert_network_working: details.alert_network_working,
                        minimum_override: details.minimum_override.unwrap_or(0),
                        field_office_id: details.field_office_id,
                    },
                )])
            }
            BaseCommand::StartClosing { reason, effective } => {
                not_before(*effective, base.opened_on, "the base")?;
                match base.status {
                    BaseStatus::Open => Ok(vec![RegistryEvent::BaseClosingStarted(
                        contract::BaseClosingStarted {
                            base_id: base.id.clone(),
                            mission_code: base.mission_code.clone(),
                            reason: text("reason", reason, 1000)?,
                        },
                    )]),
                    BaseStatus::Closing => {
                        Err(AppError::conflict("the base is already closing").on("baseId"))
                    }
                    BaseStatus::Closed => Err(closed()),
                }
            }
            BaseCommand::CancelClosing { reason, effective } => {
                not_before(*effective, base.opened_on, "the base")?;
                match base.status {
                    BaseStatus::Closing => Ok(vec![RegistryEvent::BaseClosingCancelled(
                        contract::BaseClosingCancelled {
                            base_id: base.id.clone(),
                            reason: text("reason", reason, 1000)?,
                        },
                    )]),
                    BaseStatus::Open => {
                        Err(AppError::conflict("the base is not closing").on("baseId"))
                    }
                    BaseStatus::Closed => Err(closed()),
                }
            }
            BaseCommand::Close { reason, effective } => {
                not_before(
                    *effective,
                    base.closing_since.unwrap_or(base.opened_on),
                    "the closing",
                )?;
                match base.status {
                    BaseStatus::Closing => Ok(vec![RegistryEvent::BaseClosed(contract::BaseClosed {
                        base_id: base.id.clone(),
                        mission_code: base.mission_code.clone(),
                        reason: text("reason", reason, 1000)?,
                    })]),
                    BaseStatus::Open => Err(AppError::conflict(
                        "start closing the base first: its CLAs must be rotated or released before it closes",
                    )
                    .on("baseId")),
                    BaseStatus::Closed => Err(closed()),
                }
            }
        }
    }

    fn evolve(state: BaseState, event: &RegistryEvent, on: NaiveDate) -> BaseState {
        let kind = |k: i32| BaseKind::try_from(k).unwrap_or(BaseKind::Unspecified);
        let minimum = |m: u32| (m > 0).then_some(m);
        BaseState(match (state.0, event) {
            (_, RegistryEvent::BaseOpened(e)) => Some(Base {
                id: e.base_id.clone(),
                mission_code: e.mission_code.clone(),
                details: BaseDetails {
                    name: e.name.clone(),
                    kind: kind(e.kind),
                    field_office_id: e.field_office_id.clone(),
                    contingent: e.contingent.clone(),
                    local_languages: e.local_languages.clone(),
                    alert_network_working: e.alert_network_working,
                    minimum_override: minimum(e.minimum_override),
                },
                status: BaseStatus::Open,
                opened_on: on,
                closing_since: None,
                closed_on: None,
            }),
            (Some(mut b), RegistryEvent::BaseDetailsChanged(e)) => {
                b.details = BaseDetails {
                    name: e.name.clone(),
                    kind: kind(e.kind),
                    field_office_id: e.field_office_id.clone(),
                    contingent: e.contingent.clone(),
                    local_languages: e.local_languages.clone(),
                    alert_network_working: e.alert_network_working,
                    minimum_override: minimum(e.minimum_override),
                };
                Some(b)
            }
            (Some(mut b), RegistryEvent::BaseClosingStarted(_)) => {
                b.status = BaseStatus::Closing;
                b.closing_since = Some(on);
                Some(b)
            }
            (Some(mut b), RegistryEvent::BaseClosingCancelled(_)) => {
                b.status = BaseStatus::Open;
                b.closing_since = None;
                Some(b)
            }
            (Some(mut b), RegistryEvent::BaseClosed(_)) => {
                b.status = BaseStatus::Closed;
                b.closed_on = Some(on);
                Some(b)
            }
            (b, _) => b,
        })
    }
}

#[cfg(test)]
mod tests;
