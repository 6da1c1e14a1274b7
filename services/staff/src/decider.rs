//! The rules of staff and recruitment. Three streams, three deciders:
//! - a vacancy with its candidates: stages move only along the pipeline, and hiring (which needs
//!   passed vetting and an accepted offer) fills the vacancy in the same decision;
//! - a staff member: onboarding → active ⇄ suspended → separated, separation final, nothing before
//!   the staff member existed;
//! - an index number: held by at most one current staff member.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

use crate::commands::{
    Appointment, AppointmentKind, CandidateStage, IndexNumberCommand, Language, NewStaff,
    PostPlace, StaffCommand, VacancyCommand,
};
use crate::events::{self, Gender, SeparationReason, StaffEvent, contract};

const NAME_MAX: usize = 200;
const NOTE_MAX: usize = 2000;

fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    cla_platform::graphql::required_text(field, value, max)
}

fn optional_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("{field} is at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

fn not_before(effective: NaiveDate, since: NaiveDate, what: &str) -> Result<(), AppError> {
    if effective < since {
        Err(AppError::validation(
            "effective",
            format!("{what} did not exist before {since}; nothing can take effect on {effective}"),
        ))
    } else {
        Ok(())
    }
}

/// A grade: GS-1 … GS-7 (general service) or NO-A … NO-E (national officer).
pub fn check_grade(grade: &str) -> Result<String, AppError> {
    let grade = grade.trim().to_ascii_uppercase();
    let ok = match grade.split_once('-') {
        Some(("GS", n)) => matches!(n, "1" | "2" | "3" | "4" | "5" | "6" | "7"),
        Some(("NO", l)) => matches!(l, "A" | "B" | "C" | "D" | "E"),
        _ => false,
    };
    if ok {
        Ok(grade)
    } else {
        Err(AppError::validation(
            "grade",
            "a grade is GS-1 to GS-7 or NO-A to NO-E",
        ))
    }
}

/// An index number: 4 to 12 letters and digits.
pub fn check_index_number(number: &str) -> Result<String, AppError> {
    let number = number.trim().to_ascii_uppercase();
    if (4..=12).contains(&number.len()) && number.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(number)
    } else {
        Err(AppError::validation(
            "indexNumber",
            "an index number is 4 to 12 letters and digits",
        ))
    }
}

/// An appointment: it ends on or after its start; a temporary one lasts at most 364 days.
pub fn check_appointment(a: &Appointment) -> Result<(), AppError> {
    if a.end < a.start {
        return Err(AppError::validation(
            "appointment.end",
            "an appointment ends on or after its start",
        )
        .with("rule", "appointment-order"));
    }
    if a.kind == AppointmentKind::Temporary && (a.end - a.start).num_days() + 1 > 364 {
        return Err(AppError::validation(
            "appointment.end",
            "a temporary appointment lasts at most 364 days",
        )
        .with("rule", "temporary-too-long"));
    }
    Ok(())
}

const LEVELS: [&str; 4] = ["BASIC", "WORKING", "FLUENT", "NATIVE"];

fn check_languages(languages: &[Language]) -> Result<Vec<contract::Language>, AppError> {
    let mut out: Vec<contract::Language> = Vec::new();
    for l in languages {
        let language = text("languages.language", &l.language, 60)?;
        let level = l.level.trim().to_ascii_uppercase();
        if !LEVELS.contains(&level.as_str()) {
            return Err(AppError::validation(
                "languages.level",
                "a level is BASIC, WORKING, FLUENT or NATIVE",
            ));
        }
        if out
            .iter()
            .any(|o| o.language.eq_ignore_ascii_case(&language))
        {
            return Err(AppError::validation(
                "languages",
                format!("{language} is listed twice"),
            ));
        }
        out.push(contract::Language { language, level });
    }
    Ok(out)
}

pub fn appointment_to_contract(a: &Appointment) -> contract::Appointment {
    contract::Appointment {
        r#type: match a.kind {
            AppointmentKind::Temporary => events::AppointmentType::Temporary as i32,
            AppointmentKind::FixedTerm => events::AppointmentType::FixedTerm as i32,
        },
        start: a.start.to_string(),
        end: a.end.to_string(),
    }
}

pub fn appointment_from_contract(a: &contract::Appointment) -> Option<Appointment> {
    Some(Appointment {
        kind: if a.r#type == events::AppointmentType::Temporary as i32 {
            AppointmentKind::Temporary
        } else {
            AppointmentKind::FixedTerm
        },
        start: a.start.parse().ok()?,
        end: a.end.parse().ok()?,
    })
}

pub fn stage_to_contract(s: CandidateStage) -> events::Stage {
    match s {
        CandidateStage::Applied => events::Stage::Applied,
        CandidateStage::Screened => events::Stage::Screened,
        CandidateStage::Interviewed => events::Stage::Interviewed,
        CandidateStage::Vetted => events::Stage::Vetted,
        CandidateStage::Offered => events::Stage::Offered,
        CandidateStage::Hired => events::Stage::Hired,
    }
}

fn stage_from_contract(s: i32) -> CandidateStage {
    match events::Stage::try_from(s).unwrap_or(events::Stage::Applied) {
        events::Stage::Screened => CandidateStage::Screened,
        events::Stage::Interviewed => CandidateStage::Interviewed,
        events::Stage::Vetted => CandidateStage::Vetted,
        events::Stage::Offered => CandidateStage::Offered,
        events::Stage::Hired => CandidateStage::Hired,
        _ => CandidateStage::Applied,
    }
}

// ---------------------------------------------------------------------------------------------
// Vacancies and their candidates

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VacancyStatus {
    Open,
    Filled,
    Cancelled,
}

/// Where a candidate stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateOutcome {
    InProgress,
    Rejected,
    Withdrawn,
    Declined,
    Hired,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub grade: String,
    pub appointment: Appointment,
    pub accepted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub gender: Gender,
    pub languages: Vec<contract::Language>,
    pub stage: CandidateStage,
    pub outcome: CandidateOutcome,
    pub applied_on: NaiveDate,
    /// The date each stage was reached.
    pub reached: BTreeMap<CandidateStageKey, NaiveDate>,
    pub offer: Option<Offer>,
    pub staff_id: Option<String>,
    /// The index number the hire recorded.
    pub hired_index_number: Option<String>,
}

/// A stage as a map key (in pipeline order).
pub type CandidateStageKey = u8;

pub fn stage_key(s: CandidateStage) -> CandidateStageKey {
    CandidateStage::ALL
        .iter()
        .position(|x| *x == s)
        .unwrap_or(0) as u8
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vacancy {
    pub id: String,
    pub place: PostPlace,
    pub title: String,
    pub required_languages: Vec<String>,
    pub notes: String,
    pub status: VacancyStatus,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub filled_by: Option<String>,
    pub candidates: BTreeMap<String, Candidate>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VacancyState(pub Option<Vacancy>);

pub struct VacancyDecider;

fn candidate<'a>(v: &'a Vacancy, id: &str) -> Result<&'a Candidate, AppError> {
    v.candidates
        .get(id)
        .ok_or_else(|| AppError::not_found("candidateId", "no such candidate for this vacancy"))
}

fn in_progress(c: &Candidate) -> Result<(), AppError> {
    if c.outcome == CandidateOutcome::InProgress {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "{} is no longer in the pipeline ({:?})",
            c.name, c.outcome
        ))
        .on("candidateId")
        .with("rule", "candidate-out")
        .with("name", &c.name)
        .with("outcome", format!("{:?}", c.outcome).to_lowercase()))
    }
}

fn at_stage(c: &Candidate, stage: CandidateStage, to: &str) -> Result<(), AppError> {
    in_progress(c)?;
    if c.stage == stage {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "{} is {:?}; {to} needs the stage {stage:?} (stages move only along the pipeline)",
            c.name, c.stage
        ))
        .on("candidateId")
        .with("rule", "candidate-stage")
        .with("name", &c.name)
        .with("stage", format!("{:?}", c.stage).to_lowercase())
        .with("needed", format!("{stage:?}").to_lowercase()))
    }
}

impl Decider for VacancyDecider {
    type Command = VacancyCommand;
    type Event = StaffEvent;
    type State = VacancyState;
    type Context = ();

    fn decide(
        command: &VacancyCommand,
        state: &VacancyState,
        _: &(),
    ) -> Result<Vec<StaffEvent>, AppError> {
        use VacancyCommand as C;
        let vacancy = match (command, &state.0) {
            (C::Open { .. }, Some(_)) => {
                return Err(AppError::conflict("this vacancy already exists").on("vacancyId"));
            }
            (
                C::Open {
                    vacancy_id,
                    place,
                    title,
                    required_languages,
                    notes,
                    ..
                },
                None,
            ) => {
                let Some(place) = place else {
                    return Err(AppError::not_found(
                        "baseId",
                        "no such base or field office",
                    ));
                };
                let mut languages = Vec::new();
                for l in required_languages {
                    let l = text("requiredLanguages", l, 60)?;
                    if !languages.contains(&l) {
                        languages.push(l);
                    }
                }
                return Ok(vec![StaffEvent::VacancyOpened(contract::VacancyOpened {
                    vacancy_id: vacancy_id.clone(),
                    mission_code: place.mission_code.clone(),
                    field_office_id: place.field_office_id.clone(),
                    base_id: place.base_id.clone(),
                    title: text("title", title, NAME_MAX)?,
                    required_languages: languages,
                    notes: optional_text("notes", notes, NOTE_MAX)?,
                })]);
            }
            (_, None) => return Err(AppError::not_found("vacancyId", "no such vacancy")),
            (_, Some(v)) => v,
        };
        let effective = match command {
            C::Open { effective, .. }
            | C::Cancel { effective, .. }
            | C::Apply { effective, .. }
            | C::Advance { effective, .. }
            | C::Vet { effective, .. }
            | C::Offer { effective, .. }
            | C::AnswerOffer { effective, .. }
            | C::Reject { effective, .. }
            | C::Withdraw { effective, .. }
            | C::Hire { effective, .. } => *effective,
        };
        not_before(effective, vacancy.opened_on, "the vacancy")?;
        let open = || {
            if vacancy.status == VacancyStatus::Open {
                Ok(())
            } else {
                Err(AppError::conflict(
                    format!("the vacancy is {:?}", vacancy.status).to_lowercase(),
                )
                .on("vacancyId")
                .with("rule", "vacancy-not-open")
                .with("status", format!("{:?}", vacancy.status).to_lowercase()))
            }
        };
        let id = vacancy.id.clone();
        match command {
            C::Open { .. } => unreachable!("handled above"),
            C::Cancel { reason, .. } => {
                open()?;
                Ok(vec![StaffEvent::VacancyCancelled(
                    contract::VacancyCancelled {
                        vacancy_id: id,
                        reason: text("reason", reason, NOTE_MAX)?,
                    },
                )])
            }
            C::Apply {
                candidate_id,
                name,
                gender,
                languages,
                ..
            } => {
                open()?;
                if vacancy.candidates.contains_key(candidate_id) {
                    return Err(
                        AppError::conflict("this candidate already applied").on("candidateId")
                    );
                }
                Ok(vec![StaffEvent::CandidateApplied(
                    contract::CandidateApplied {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        name: text("name", name, NAME_MAX)?,
                        gender: *gender as i32,
                        languages: check_languages(languages)?,
                    },
                )])
            }
            C::Advance {
                candidate_id, to, ..
            } => {
                open()?;
                let c = candidate(vacancy, candidate_id)?;
                if !matches!(to, CandidateStage::Screened | CandidateStage::Interviewed) {
                    return Err(AppError::validation(
                        "stage",
                        "advance moves to SCREENED or INTERVIEWED; vetting, offers and hiring have their own steps",
                    ));
                }
                let from = CandidateStage::ALL[stage_key(*to) as usize - 1];
                at_stage(c, from, &format!("moving to {to:?}"))?;
                Ok(vec![StaffEvent::CandidateAdvanced(
                    contract::CandidateAdvanced {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        stage: stage_to_contract(*to) as i32,
                    },
                )])
            }
            C::Vet {
                candidate_id,
                notes,
                ..
            } => {
                open()?;
                at_stage(
                    candidate(vacancy, candidate_id)?,
                    CandidateStage::Interviewed,
                    "vetting",
                )?;
                Ok(vec![StaffEvent::CandidateVetted(
                    contract::CandidateVetted {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        notes: optional_text("notes", notes, NOTE_MAX)?,
                    },
                )])
            }
            C::Offer {
                candidate_id,
                grade,
                appointment,
                effective,
            } => {
                open()?;
                at_stage(
                    candidate(vacancy, candidate_id)?,
                    CandidateStage::Vetted,
                    "an offer",
                )?;
                check_appointment(appointment)?;
                if appointment.start < *effective {
                    return Err(AppError::validation(
                        "appointment.start",
                        "an offered appointment starts on or after the offer",
                    ));
                }
                Ok(vec![StaffEvent::OfferMade(contract::OfferMade {
                    vacancy_id: id,
                    candidate_id: candidate_id.clone(),
                    grade: check_grade(grade)?,
                    appointment: Some(appointment_to_contract(appointment)),
                })])
            }
            C::AnswerOffer {
                candidate_id,
                accepted,
                reason,
                ..
            } => {
                open()?;
                let c = candidate(vacancy, candidate_id)?;
                at_stage(c, CandidateStage::Offered, "answering an offer")?;
                if c.offer.as_ref().is_some_and(|o| o.accepted) {
                    return Err(AppError::conflict("the offer was already accepted")
                        .on("candidateId")
                        .with("rule", "offer-accepted"));
                }
                Ok(vec![if *accepted {
                    StaffEvent::OfferAccepted(contract::OfferAccepted {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                    })
                } else {
                    StaffEvent::OfferDeclined(contract::OfferDeclined {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        reason: optional_text("reason", reason, NOTE_MAX)?,
                    })
                }])
            }
            C::Reject {
                candidate_id,
                reason,
                ..
            }
            | C::Withdraw {
                candidate_id,
                reason,
                ..
            } => {
                let c = candidate(vacancy, candidate_id)?;
                in_progress(c)?;
                let reason = optional_text("reason", reason, NOTE_MAX)?;
                let at_stage = stage_to_contract(c.stage) as i32;
                Ok(vec![if matches!(command, C::Reject { .. }) {
                    StaffEvent::CandidateRejected(contract::CandidateRejected {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        at_stage,
                        reason,
                    })
                } else {
                    StaffEvent::CandidateWithdrew(contract::CandidateWithdrew {
                        vacancy_id: id,
                        candidate_id: candidate_id.clone(),
                        at_stage,
                        reason,
                    })
                }])
            }
            C::Hire {
                candidate_id,
                staff_id,
                index_number,
                ..
            } => {
                open()?;
                let c = candidate(vacancy, candidate_id)?;
                at_stage(c, CandidateStage::Offered, "hiring")?;
                if !c.offer.as_ref().is_some_and(|o| o.accepted) {
                    return Err(AppError::conflict("hiring needs an accepted offer")
                        .on("candidateId")
                        .with("rule", "offer-not-accepted"));
                }
                Ok(vec![
                    StaffEvent::CandidateHired(contract::CandidateHired {
                        vacancy_id: id.clone(),
                        candidate_id: candidate_id.clone(),
                        staff_id: staff_id.clone(),
                        index_number: check_index_number(index_number)?,
                    }),
                    StaffEvent::VacancyFilled(contract::VacancyFilled {
                        vacancy_id: id,
                        staff_id: staff_id.clone(),
                    }),
                ])
            }
        }
    }

    fn evolve(state: VacancyState, event: &StaffEvent, on: NaiveDate) -> VacancyState {
        use StaffEvent as E;
        let Some(mut v) = state.0 else {
            return VacancyState(match event {
                E::VacancyOpened(e) => Some(Vacancy {
                    id: e.vacancy_id.clone(),
                    place: PostPlace {
                        mission_code: e.mission_code.clone(),
                        field_office_id: e.field_office_id.clone(),
                        base_id: e.base_id.clone(),
                    },
                    title: e.title.clone(),
                    required_languages: e.required_languages.clone(),
                    notes: e.notes.clone(),
                    status: VacancyStatus::Open,
                    opened_on: on,
                    closed_on: None,
                    filled_by: None,
                    candidates: BTreeMap::new(),
                }),
                _ => None,
            });
        };
        let mut update = |id: &str, f: &mut dyn FnMut(&mut Candidate)| {
            if let Some(c) = v.candidates.get_mut(id) {
                f(c);
            }
        };
        match event {
            E::CandidateApplied(e) => {
                let mut reached = BTreeMap::new();
                reached.insert(stage_key(CandidateStage::Applied), on);
                v.candidates.insert(
                    e.candidate_id.clone(),
                    Candidate {
                        id: e.candidate_id.clone(),
                        name: e.name.clone(),
                        gender: Gender::try_from(e.gender).unwrap_or(Gender::Unspecified),
                        languages: e.languages.clone(),
                        stage: CandidateStage::Applied,
                        outcome: CandidateOutcome::InProgress,
                        applied_on: on,
                        reached,
                        offer: None,
                        staff_id: None,
                        hired_index_number: None,
                    },
                );
            }
            E::CandidateAdvanced(e) => {
                let to = stage_from_contract(e.stage);
                update(&e.candidate_id, &mut |c| {
                    c.stage = to;
                    c.reached.insert(stage_key(to), on);
                });
            }
            E::CandidateVetted(e) => update(&e.candidate_id, &mut |c| {
                c.stage = CandidateStage::Vetted;
                c.reached.insert(stage_key(CandidateStage::Vetted), on);
            }),
            E::OfferMade(e) => {
                let appointment = e.appointment.as_ref().and_then(appointment_from_contract);
                update(&e.candidate_id, &mut |c| {
                    c.stage = CandidateStage::Offered;
                    c.reached.insert(stage_key(CandidateStage::Offered), on);
                    if let Some(appointment) = appointment {
                        c.offer = Some(Offer {
                            grade: e.grade.clone(),
                            appointment,
                            accepted: false,
                        });
                    }
                });
            }
            E::OfferAccepted(e) => update(&e.candidate_id, &mut |c| {
                if let Some(o) = c.offer.as_mut() {
                    o.accepted = true;
                }
            }),
            E::OfferDeclined(e) => update(&e.candidate_id, &mut |c| {
                c.outcome = CandidateOutcome::Declined
            }),
            E::CandidateRejected(e) => update(&e.candidate_id, &mut |c| {
                c.outcome = CandidateOutcome::Rejected
            }),
            E::CandidateWithdrew(e) => update(&e.candidate_id, &mut |c| {
                c.outcome = CandidateOutcome::Withdrawn
            }),
            E::CandidateHired(e) => update(&e.candidate_id, &mut |c| {
                c.stage = CandidateStage::Hired;
                c.outcome = CandidateOutcome::Hired;
                c.reached.insert(stage_key(CandidateStage::Hired), on);
                c.staff_id = Some(e.staff_id.clone());
                c.hired_index_number = Some(e.index_number.clone());
            }),
            E::VacancyFilled(e) => {
                v.status = VacancyStatus::Filled;
                v.closed_on = Some(on);
                v.filled_by = Some(e.staff_id.clone());
            }
            E::VacancyCancelled(_) => {
                v.status = VacancyStatus::Cancelled;
                v.closed_on = Some(on);
            }
            _ => {}
        }
        VacancyState(Some(v))
    }
}

// ---------------------------------------------------------------------------------------------
// Staff members

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffStatus {
    Onboarding,
    Active,
    Suspended,
    Separated,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StaffMember {
    pub id: String,
    pub place: PostPlace,
    pub vacancy_id: String,
    /// The candidate they were hired as; empty for a direct registration.
    pub candidate_id: String,
    pub name: String,
    pub gender: Gender,
    pub languages: Vec<contract::Language>,
    pub home_community: String,
    pub index_number: String,
    /// Every index number held, with the date it took effect.
    pub index_numbers: Vec<(NaiveDate, String)>,
    pub grade: String,
    pub appointment: Appointment,
    pub status: StaffStatus,
    pub since: NaiveDate,
    pub separation: Option<(NaiveDate, SeparationReason)>,
    /// Their personal data was erased (their data key destroyed).
    pub erased: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaffState(pub Option<StaffMember>);

/// What a staff command needs from outside its stream.
#[derive(Clone, Debug, Default)]
pub struct StaffContext {
    /// For a change of index number: who holds the new number now (it must be claimed first).
    pub index_holder: Option<String>,
}

pub struct StaffDecider;

impl Decider for StaffDecider {
    type Command = StaffCommand;
    type Event = StaffEvent;
    type State = StaffState;
    type Context = StaffContext;

    fn decide(
        command: &StaffCommand,
        state: &StaffState,
        context: &StaffContext,
    ) -> Result<Vec<StaffEvent>, AppError> {
        use StaffCommand as C;
        let member = match (command, &state.0) {
            (C::Onboard { .. }, Some(_)) => {
                return Err(AppError::conflict("this staff member already exists").on("staffId"));
            }
            (
                C::Onboard {
                    staff_id, staff, ..
                },
                None,
            ) => return onboard(staff_id, staff),
            (_, None) => return Err(AppError::not_found("staffId", "no such staff member")),
            (_, Some(m)) => m,
        };
        let effective = match command {
            C::Onboard { effective, .. }
            | C::Activate { effective }
            | C::Suspend { effective, .. }
            | C::Reinstate { effective, .. }
            | C::Separate { effective, .. }
            | C::RenewAppointment { effective, .. }
            | C::ChangeGrade { effective, .. }
            | C::ChangeIndexNumber { effective, .. }
            | C::ChangeDetails { effective, .. }
            | C::ErasePersonalData { effective, .. } => *effective,
        };
        not_before(effective, member.since, "the staff member")?;
        if let C::ErasePersonalData {
            reason,
            by_retention,
            ..
        } = command
        {
            // Separated or not: erasure is asked of any staff member, and the rule applies after
            // separation.
            if member.erased {
                return Err(AppError::conflict(
                    "this staff member's personal data is already erased",
                )
                .on("staffId"));
            }
            return Ok(vec![StaffEvent::StaffPersonalDataErased(
                contract::StaffPersonalDataErased {
                    staff_id: member.id.clone(),
                    reason: text("reason", reason, NOTE_MAX)?,
                    by_retention: *by_retention,
                },
            )]);
        }
        if member.status == StaffStatus::Separated {
            return Err(AppError::conflict(format!(
                "{} is separated; separation is final",
                member.name
            ))
            .on("staffId"));
        }
        let id = member.id.clone();
        let wrong = |needed: &str| {
            Err(AppError::conflict(format!(
                "{} is {:?}; this needs {needed}",
                member.name, member.status
            ))
            .on("staffId"))
        };
        match command {
            C::Onboard { .. } | C::ErasePersonalData { .. } => unreachable!("handled above"),
            C::Activate { .. } => match member.status {
                StaffStatus::Onboarding => {
                    Ok(vec![StaffEvent::StaffActivated(contract::StaffActivated {
                        staff_id: id,
                    })])
                }
                _ => wrong("onboarding"),
            },
            C::Suspend { reason, .. } => match member.status {
                StaffStatus::Active => {
                    Ok(vec![StaffEvent::StaffSuspended(contract::StaffSuspended {
                        staff_id: id,
                        reason: text("reason", reason, NOTE_MAX)?,
                    })])
                }
                _ => wrong("an active staff member"),
            },
            C::Reinstate { reason, .. } => match member.status {
                StaffStatus::Suspended => Ok(vec![StaffEvent::StaffReinstated(
                    contract::StaffReinstated {
                        staff_id: id,
                        reason: text("reason", reason, NOTE_MAX)?,
                    },
                )]),
                _ => wrong("a suspended staff member"),
            },
            C::Separate { reason, notes, .. } => {
                if *reason == SeparationReason::Unspecified {
                    return Err(AppError::validation(
                        "reason",
                        "give the reason for the separation",
                    ));
                }
                Ok(vec![StaffEvent::StaffSeparated(contract::StaffSeparated {
                    staff_id: id,
                    reason: *reason as i32,
                    notes: optional_text("notes", notes, NOTE_MAX)?,
                })])
            }
            C::RenewAppointment { appointment, .. } => {
                check_appointment(appointment)?;
                if appointment.end <= member.appointment.end {
                    return Err(AppError::validation(
                        "appointment.end",
                        "a renewal ends after the current appointment",
                    )
                    .with("rule", "renewal-not-later"));
                }
                Ok(vec![StaffEvent::AppointmentRenewed(
                    contract::AppointmentRenewed {
                        staff_id: id,
                        appointment: Some(appointment_to_contract(appointment)),
                    },
                )])
            }
            C::ChangeGrade { grade, .. } => {
                let grade = check_grade(grade)?;
                if grade == member.grade {
                    return Ok(vec![]);
                }
                Ok(vec![StaffEvent::GradeChanged(contract::GradeChanged {
                    staff_id: id,
                    grade,
                })])
            }
            C::ChangeIndexNumber { index_number, .. } => {
                let number = check_index_number(index_number)?;
                if number == member.index_number {
                    return Ok(vec![]);
                }
                if context.index_holder.as_deref() != Some(member.id.as_str()) {
                    return Err(AppError::conflict(format!(
                        "index number {number} is held by another staff member"
                    ))
                    .on("indexNumber"));
                }
                Ok(vec![StaffEvent::IndexNumberChanged(
                    contract::IndexNumberChanged {
                        staff_id: id,
                        index_number: number,
                    },
                )])
            }
            C::ChangeDetails {
                name,
                languages,
                home_community,
                ..
            } => {
                let name = match name {
                    Some(n) => text("name", n, NAME_MAX)?,
                    None => member.name.clone(),
                };
                let languages = match languages {
                    Some(l) => check_languages(l)?,
                    None => member.languages.clone(),
                };
                let home_community = match home_community {
                    Some(h) => optional_text("homeCommunity", h, NAME_MAX)?,
                    None => member.home_community.clone(),
                };
                if name == member.name
                    && languages == member.languages
                    && home_community == member.home_community
                {
                    return Ok(vec![]);
                }
                Ok(vec![StaffEvent::StaffDetailsChanged(
                    contract::StaffDetailsChanged {
                        staff_id: id,
                        name,
                        languages,
                        home_community,
                    },
                )])
            }
        }
    }

    fn evolve(state: StaffState, event: &StaffEvent, on: NaiveDate) -> StaffState {
        use StaffEvent as E;
        let Some(mut m) = state.0 else {
            return StaffState(match event {
                E::StaffMemberOnboarded(e) => {
                    let appointment = e
                        .appointment
                        .as_ref()
                        .and_then(appointment_from_contract)
                        .unwrap_or(Appointment {
                            kind: AppointmentKind::FixedTerm,
                            start: on,
                            end: on,
                        });
                    Some(StaffMember {
                        id: e.staff_id.clone(),
                        place: PostPlace {
                            mission_code: e.mission_code.clone(),
                            field_office_id: e.field_office_id.clone(),
                            base_id: e.base_id.clone(),
                        },
                        vacancy_id: e.vacancy_id.clone(),
                        candidate_id: e.candidate_id.clone(),
                        name: e.name.clone(),
                        gender: Gender::try_from(e.gender).unwrap_or(Gender::Unspecified),
                        languages: e.languages.clone(),
                        home_community: e.home_community.clone(),
                        index_number: e.index_number.clone(),
                        index_numbers: vec![(on, e.index_number.clone())],
                        grade: e.grade.clone(),
                        appointment,
                        status: StaffStatus::Onboarding,
                        since: on,
                        separation: None,
                        erased: false,
                    })
                }
                _ => None,
            });
        };
        match event {
            E::StaffActivated(_) | E::StaffReinstated(_) => m.status = StaffStatus::Active,
            E::StaffSuspended(_) => m.status = StaffStatus::Suspended,
            E::StaffSeparated(e) => {
                m.status = StaffStatus::Separated;
                m.separation = Some((
                    on,
                    SeparationReason::try_from(e.reason).unwrap_or(SeparationReason::Other),
                ));
            }
            E::AppointmentRenewed(e) => {
                if let Some(a) = e.appointment.as_ref().and_then(appointment_from_contract) {
                    m.appointment = a;
                }
            }
            E::GradeChanged(e) => m.grade = e.grade.clone(),
            E::IndexNumberChanged(e) => {
                m.index_number = e.index_number.clone();
                m.index_numbers.push((on, e.index_number.clone()));
            }
            E::StaffDetailsChanged(e) => {
                m.name = e.name.clone();
                m.languages = e.languages.clone();
                m.home_community = e.home_community.clone();
            }
            E::StaffPersonalDataErased(_) => {
                m.erased = true;
                m.home_community.clear();
            }
            _ => {}
        }
        StaffState(Some(m))
    }
}

fn onboard(staff_id: &str, s: &NewStaff) -> Result<Vec<StaffEvent>, AppError> {
    let Some(place) = &s.place else {
        return Err(AppError::not_found(
            "baseId",
            "no such base or field office",
        ));
    };
    if s.gender == Gender::Unspecified {
        return Err(AppError::validation(
            "gender",
            "give the staff member's gender",
        ));
    }
    check_appointment(&s.appointment)?;
    Ok(vec![StaffEvent::StaffMemberOnboarded(
        contract::StaffMemberOnboarded {
            staff_id: staff_id.to_string(),
            mission_code: place.mission_code.clone(),
            field_office_id: place.field_office_id.clone(),
            base_id: place.base_id.clone(),
            vacancy_id: s.vacancy_id.clone(),
            candidate_id: s.candidate_id.clone(),
            name: text("name", &s.name, NAME_MAX)?,
            gender: s.gender as i32,
            languages: check_languages(&s.languages)?,
            home_community: optional_text("homeCommunity", &s.home_community, NAME_MAX)?,
            index_number: check_index_number(&s.index_number)?,
            grade: check_grade(&s.grade)?,
            appointment: Some(appointment_to_contract(&s.appointment)),
        },
    )])
}

// ---------------------------------------------------------------------------------------------
// Index numbers

#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexNumberState {
    pub number: String,
    pub holder: Option<String>,
}

pub struct IndexNumberDecider;

impl Decider for IndexNumberDecider {
    type Command = (String, IndexNumberCommand);
    type Event = StaffEvent;
    type State = IndexNumberState;
    type Context = ();

    fn decide(
        command: &(String, IndexNumberCommand),
        state: &IndexNumberState,
        _: &(),
    ) -> Result<Vec<StaffEvent>, AppError> {
        let (number, command) = command;
        let number = check_index_number(number)?;
        match command {
            IndexNumberCommand::Claim { staff_id } => match &state.holder {
                Some(holder) if holder == staff_id => Ok(vec![]),
                Some(_) => Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("index number {number} is held by a current staff member"),
                )
                .on("indexNumber")
                .with("rule", "index-number-held")
                .with("number", &number)),
                None => Ok(vec![StaffEvent::IndexNumberClaimed(
                    contract::IndexNumberClaimed {
                        index_number: number,
                        staff_id: staff_id.clone(),
                    },
                )]),
            },
            IndexNumberCommand::Release { staff_id } => match &state.holder {
                Some(holder) if holder == staff_id => Ok(vec![StaffEvent::IndexNumberReleased(
                    contract::IndexNumberReleased {
                        index_number: number,
                        staff_id: staff_id.clone(),
                    },
                )]),
                _ => Ok(vec![]),
            },
        }
    }

    fn evolve(mut state: IndexNumberState, event: &StaffEvent, _: NaiveDate) -> IndexNumberState {
        match event {
            StaffEvent::IndexNumberClaimed(e) => {
                state.number = e.index_number.clone();
                state.holder = Some(e.staff_id.clone());
            }
            StaffEvent::IndexNumberReleased(_) => state.holder = None,
            _ => {}
        }
        state
    }
}

pub mod phone;

#[cfg(test)]
mod tests;
