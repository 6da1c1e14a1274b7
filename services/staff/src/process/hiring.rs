//! Hiring and registration: claim an index number → (hire on the vacancy) → onboard the staff
//! member → give the number back where a step after the claim fails; a change of index number:
//! claim the new one → record it → give the old one back; a separation: separate → give the number
//! back.
//!
//! Every decision these steps make is taken first on the states as they are (the deciders are pure),
//! so a refused request writes nothing at all: no claim is made for a request that would be
//! refused after it.
//!
//! What a failed write leaves, and how a retry (the same request sent again) completes it:
//! - the claim fails: nothing is written; a retry starts afresh;
//! - the hire fails: the number is given back; a retry starts afresh;
//! - onboarding fails after the hire was recorded: the number stays held for the staff member the
//!   hire recorded (the vacancy names it), and a retry onboards that staff member with that number;
//! - onboarding a registration fails: the number is given back; a retry starts afresh.

use chrono::NaiveDate;
use cla_event_store::StreamName;
use cla_platform::command::{CommandMeta, load};
use cla_platform::decider::Decider;
use cla_platform::{AppError, AppResult, Runtime};

use crate::commands::{
    CandidateStage, IndexNumberCommand, Language, NewStaff, StaffCommand, VacancyCommand,
};
use crate::decider::{
    CandidateOutcome, IndexNumberDecider, StaffContext, StaffDecider, StaffState, StaffStatus,
    VacancyDecider, check_index_number, stage_key,
};
use crate::events::streams;

/// A hire, as asked: the candidate of a vacancy with an accepted offer, and the index number to
/// claim for them.
#[derive(Clone, Debug, PartialEq)]
pub struct HireRequest {
    pub vacancy_id: String,
    pub candidate_id: String,
    pub index_number: String,
    /// Restricted personal data.
    pub home_community: String,
    pub effective: NaiveDate,
}

/// A staff member created: their id, and the business date they came into being.
#[derive(Clone, Debug, PartialEq)]
pub struct Onboarded {
    pub staff_id: String,
    pub effective: NaiveDate,
}

/// Hires a candidate whose offer was accepted: fills the vacancy and onboards the staff member,
/// with the index number claimed for them. `meta` is the hire's (its mission, its date): every
/// write of the hire carries its correlation id.
///
/// A hire that was recorded but whose staff member was not created (a request cut off between the
/// two) is finished by sending it again, with the staff id and index number the hire recorded; once
/// finished, the same hire again is a conflict.
pub async fn hire(
    runtime: &Runtime,
    request: &HireRequest,
    meta: &CommandMeta,
) -> AppResult<Onboarded> {
    let vacancy_stream = streams::vacancy(&request.vacancy_id);
    let (state, _) = load::<VacancyDecider>(runtime.store.as_ref(), &vacancy_stream).await?;
    let vacancy = state
        .0
        .as_ref()
        .ok_or_else(|| AppError::not_found("vacancyId", "no such vacancy"))?;
    let candidate = vacancy
        .candidates
        .get(&request.candidate_id)
        .ok_or_else(|| AppError::not_found("candidateId", "no such candidate for this vacancy"))?;
    let offer = candidate
        .offer
        .as_ref()
        .filter(|o| o.accepted)
        .ok_or_else(|| {
            AppError::conflict("hiring needs an accepted offer")
                .on("candidateId")
                .with("rule", "offer-not-accepted")
        })?;
    let mut staff = NewStaff {
        place: Some(vacancy.place.clone()),
        vacancy_id: request.vacancy_id.clone(),
        candidate_id: request.candidate_id.clone(),
        name: candidate.name.clone(),
        gender: candidate.gender,
        languages: candidate
            .languages
            .iter()
            .map(|l| Language {
                language: l.language.clone(),
                level: l.level.clone(),
            })
            .collect(),
        home_community: request.home_community.clone(),
        index_number: request.index_number.clone(),
        grade: offer.grade.clone(),
        appointment: offer.appointment,
    };
    if candidate.outcome == CandidateOutcome::Hired {
        let staff_id = candidate.staff_id.clone().unwrap_or_default();
        let (existing, _) =
            load::<StaffDecider>(runtime.store.as_ref(), &streams::staff(&staff_id)).await?;
        if existing.0.is_some() {
            return Err(AppError::conflict(format!(
                "{} was already hired as staff member {staff_id}",
                candidate.name
            ))
            .on("candidateId"));
        }
        staff.index_number = candidate.hired_index_number.clone().unwrap_or_default();
        let hired_on = candidate
            .reached
            .get(&stage_key(CandidateStage::Hired))
            .copied()
            .unwrap_or(request.effective);
        let meta = CommandMeta {
            effective: hired_on,
            ..meta.clone()
        };
        let (onboard, number) = onboarding(&staff_id, staff, hired_on)?;
        claim(runtime, &number, &staff_id, &meta).await?;
        // The hire names this number: it stays held for the staff member however onboarding ends.
        runtime
            .execute::<StaffDecider>(
                &streams::staff(&staff_id),
                &onboard,
                &StaffContext::default(),
                &meta,
            )
            .await?;
        return Ok(Onboarded {
            staff_id,
            effective: hired_on,
        });
    }
    let staff_id = uuid::Uuid::now_v7().to_string();
    let hire = VacancyCommand::Hire {
        candidate_id: request.candidate_id.clone(),
        staff_id: staff_id.clone(),
        index_number: request.index_number.clone(),
        effective: request.effective,
    };
    // Both decisions first, on the states as they are: a refused hire claims nothing.
    let (onboard, number) = onboarding(&staff_id, staff, request.effective)?;
    VacancyDecider::decide(&hire, &state, &())?;
    claim(runtime, &number, &staff_id, meta).await?;
    if let Err(e) = runtime
        .execute::<VacancyDecider>(&vacancy_stream, &hire, &(), meta)
        .await
    {
        give_back(runtime, &number, &staff_id, meta).await;
        return Err(e);
    }
    // The hire is recorded with this number: it stays held for the staff member, and sending the
    // hire again finishes onboarding where this fails.
    runtime
        .execute::<StaffDecider>(
            &streams::staff(&staff_id),
            &onboard,
            &StaffContext::default(),
            meta,
        )
        .await?;
    Ok(Onboarded {
        staff_id,
        effective: request.effective,
    })
}

/// Registers a staff member directly (one already serving, say), in onboarding, under a new id.
pub async fn register(
    runtime: &Runtime,
    staff: NewStaff,
    meta: &CommandMeta,
) -> AppResult<Onboarded> {
    let staff_id = uuid::Uuid::now_v7().to_string();
    let (onboard, number) = onboarding(&staff_id, staff, meta.effective)?;
    claim(runtime, &number, &staff_id, meta).await?;
    if let Err(e) = runtime
        .execute::<StaffDecider>(
            &streams::staff(&staff_id),
            &onboard,
            &StaffContext::default(),
            meta,
        )
        .await
    {
        give_back(runtime, &number, &staff_id, meta).await;
        return Err(e);
    }
    Ok(Onboarded {
        staff_id,
        effective: meta.effective,
    })
}

/// The onboarding command for `staff`, checked as the staff decider will check it (on a staff
/// member who does not exist yet), and the index number it claims.
pub fn onboarding(
    staff_id: &str,
    staff: NewStaff,
    effective: NaiveDate,
) -> AppResult<(StaffCommand, String)> {
    let number = check_index_number(&staff.index_number)?;
    let command = StaffCommand::Onboard {
        staff_id: staff_id.to_string(),
        staff: Box::new(staff),
        effective,
    };
    StaffDecider::decide(&command, &StaffState::default(), &StaffContext::default())?;
    Ok((command, number))
}

/// A new index number for a staff member: the new one claimed, recorded, the old one given back
/// (or the new one given back where recording it fails). Asking for the number held already
/// changes nothing.
pub async fn change_index_number(
    runtime: &Runtime,
    staff_id: &str,
    number: &str,
    meta: &CommandMeta,
) -> AppResult<()> {
    let new = check_index_number(number)?;
    let stream = streams::staff(staff_id);
    let (state, _) = load::<StaffDecider>(runtime.store.as_ref(), &stream).await?;
    let old = state
        .0
        .as_ref()
        .map(|m| m.index_number.clone())
        .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
    let command = StaffCommand::ChangeIndexNumber {
        index_number: new.clone(),
        effective: meta.effective,
    };
    let context = StaffContext {
        index_holder: Some(staff_id.to_string()),
    };
    // Decided first as it stands (once the new number is this staff member's): a refused change
    // claims nothing, and the number held already needs no claim.
    if StaffDecider::decide(&command, &state, &context)?.is_empty() {
        return Ok(());
    }
    claim(runtime, &new, staff_id, meta).await?;
    match runtime
        .execute::<StaffDecider>(&stream, &command, &context, meta)
        .await
    {
        Ok(_) => {
            if old != new {
                release(runtime, &old, staff_id, meta).await?;
            }
            Ok(())
        }
        Err(e) => {
            if old != new {
                give_back(runtime, &new, staff_id, meta).await;
            }
            Err(e)
        }
    }
}

/// Separates a staff member (final) and gives their index number back. Where giving it back fails,
/// the number is given back by the next claim of it (its holder being separated).
pub async fn separate(
    runtime: &Runtime,
    staff_id: &str,
    command: &StaffCommand,
    meta: &CommandMeta,
) -> AppResult<()> {
    let stream = streams::staff(staff_id);
    runtime
        .execute::<StaffDecider>(&stream, command, &StaffContext::default(), meta)
        .await?;
    let (state, _) = load::<StaffDecider>(runtime.store.as_ref(), &stream).await?;
    if let Some(member) = state.0 {
        release(runtime, &member.index_number, staff_id, meta).await?;
    }
    Ok(())
}

fn number_stream(number: &str) -> AppResult<(String, StreamName)> {
    let number = check_index_number(number)?;
    let stream = streams::index_number(&number);
    Ok((number, stream))
}

/// Claims `number` for `staff_id`. A number still held by someone separated was not given back (a
/// request cut off after the separation): it is given back first, as the separation would have.
async fn claim(
    runtime: &Runtime,
    number: &str,
    staff_id: &str,
    meta: &CommandMeta,
) -> AppResult<()> {
    let (number, stream) = number_stream(number)?;
    let (held, _) = load::<IndexNumberDecider>(runtime.store.as_ref(), &stream).await?;
    if let Some(holder) = held.holder.filter(|h| h != staff_id) {
        let (member, _) =
            load::<StaffDecider>(runtime.store.as_ref(), &streams::staff(&holder)).await?;
        if member.0.is_some_and(|m| m.status == StaffStatus::Separated) {
            let release = IndexNumberCommand::Release { staff_id: holder };
            on_number(runtime, &stream, number.clone(), release, meta).await?;
        }
    }
    let claim = IndexNumberCommand::Claim {
        staff_id: staff_id.to_string(),
    };
    on_number(runtime, &stream, number, claim, meta).await
}

async fn release(
    runtime: &Runtime,
    number: &str,
    staff_id: &str,
    meta: &CommandMeta,
) -> AppResult<()> {
    let (number, stream) = number_stream(number)?;
    let release = IndexNumberCommand::Release {
        staff_id: staff_id.to_string(),
    };
    on_number(runtime, &stream, number, release, meta).await
}

/// Runs a command on an index number's stream.
async fn on_number(
    runtime: &Runtime,
    stream: &StreamName,
    number: String,
    command: IndexNumberCommand,
    meta: &CommandMeta,
) -> AppResult<()> {
    runtime
        .execute::<IndexNumberDecider>(stream, &(number, command), &(), meta)
        .await
        .map(|_| ())
}

/// Gives a number back after a later step failed; the step's own error is what the caller gets.
async fn give_back(runtime: &Runtime, number: &str, staff_id: &str, meta: &CommandMeta) {
    if let Err(e) = release(runtime, number, staff_id, meta).await {
        tracing::error!(error = ?e, number, "could not give back an index number after a refusal");
    }
}
