//! The staffing rules, decided on a mission's one staffing stream (see `events.rs` for why that is
//! the consistency boundary).
//!
//! - Only active CLAs deploy, to open bases of their own mission; a CLA has at most one deployment
//!   at a time.
//! - Two per base: ending a deployment or completing a rotation out of a base, when it would leave
//!   the base below its minimum on that day, is refused with COVERAGE_GAP unless the command
//!   accepts the gap with a reason (recorded on the event with who accepted it). Absences are
//!   never refused: the gap they open shows and alerts.
//! - A rotation's origin is the CLA's base on its date; its destination is another open base of
//!   the mission; a CLA has at most one planned rotation at a time.
//! - Absences of one CLA do not overlap; they end on or after they start.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

use crate::commands::{Acceptance, StaffingCommand};
use crate::coverage::{Absence, Availability, Deployment, strength};
use crate::events::{AbsenceKind, StaffingEvent, contract};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationStatus {
    Planned,
    Completed(NaiveDate),
    Cancelled,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rotation {
    pub id: String,
    pub staff_id: String,
    pub from_base_id: String,
    pub to_base_id: String,
    pub date: NaiveDate,
    pub status: RotationStatus,
    pub planned_on: NaiveDate,
}

/// A mission's staffing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Staffing {
    /// Changed only through the methods below, which keep `ending` in step.
    deployments: BTreeMap<String, Deployment>,
    pub rotations: BTreeMap<String, Rotation>,
    /// Changed only through the methods below, which keep `absence_ends` in step.
    absences: BTreeMap<String, Absence>,
    /// Deployments by the day they end (open ones on the last day there is), so a day's
    /// deployments are found among those not ended by it rather than among every one ever.
    ending: BTreeSet<(NaiveDate, String)>,
    /// Absences by their last day, likewise.
    /// Gap acceptances, by the deployment they ended.
    pub accepted_gaps: BTreeMap<String, contract::GapAcceptance>,
    /// CLAs exposed by a base's closing, by (base, day the closing started).
    pub exposures: BTreeMap<(String, NaiveDate), Vec<String>>,
    absence_ends: BTreeSet<(NaiveDate, String)>,
}

fn end_key(d: &Deployment) -> (NaiveDate, String) {
    (d.to.unwrap_or(NaiveDate::MAX), d.id.clone())
}

impl Staffing {
    /// Every deployment ever, by id.
    pub fn deployments(&self) -> &BTreeMap<String, Deployment> {
        &self.deployments
    }

    /// Every absence ever, by id.
    pub fn absences(&self) -> &BTreeMap<String, Absence> {
        &self.absences
    }

    /// The deployments not ended by `day` (ending after it, or open), in order of their end:
    /// every deployment covering `day` is among them.
    pub fn not_ended_by(&self, day: NaiveDate) -> impl Iterator<Item = &Deployment> {
        let after = day.succ_opt().unwrap_or(NaiveDate::MAX);
        self.ending
            .range((after, String::new())..)
            .filter_map(|(_, id)| self.deployments.get(id))
    }

    /// The absences whose last day is `day` or later: every absence covering `day` is among them.
    pub fn absences_lasting_to(&self, day: NaiveDate) -> impl Iterator<Item = &Absence> {
        self.absence_ends
            .range((day, String::new())..)
            .filter_map(|(_, id)| self.absences.get(id))
    }

    /// Records a deployment (replacing one with its id).
    pub(crate) fn deploy(&mut self, deployment: Deployment) {
        if let Some(old) = self.deployments.get(&deployment.id) {
            self.ending.remove(&end_key(old));
        }
        self.ending.insert(end_key(&deployment));
        self.deployments.insert(deployment.id.clone(), deployment);
    }

    /// Ends a deployment on `to` (its first day away), if there is one with that id.
    pub(crate) fn end_deployment(&mut self, id: &str, to: NaiveDate) {
        if let Some(d) = self.deployments.get_mut(id) {
            self.ending.remove(&end_key(d));
            d.to = Some(to);
            self.ending.insert(end_key(d));
        }
    }

    /// Records an absence (replacing one with its id).
    pub(crate) fn record_absence(&mut self, absence: Absence) {
        if let Some(old) = self.absences.get(&absence.id) {
            self.absence_ends.remove(&(old.to, old.id.clone()));
        }
        self.absence_ends.insert((absence.to, absence.id.clone()));
        self.absences.insert(absence.id.clone(), absence);
    }

    /// Moves an absence's last day, if there is one with that id.
    pub(crate) fn cut_absence_short(&mut self, id: &str, to: NaiveDate) {
        if let Some(a) = self.absences.get_mut(id) {
            self.absence_ends.remove(&(a.to, a.id.clone()));
            a.to = to;
            self.absence_ends.insert((a.to, a.id.clone()));
        }
    }

    /// The deployment holding a CLA on a day.
    pub fn deployment_on(&self, staff: &str, day: NaiveDate) -> Option<&Deployment> {
        self.not_ended_by(day)
            .find(|d| d.staff_id == staff && d.covers(day))
    }

    /// A CLA's deployment that has not ended (or ends after `day`).
    fn current(&self, staff: &str, day: NaiveDate) -> Option<&Deployment> {
        self.not_ended_by(day)
            .find(|d| d.staff_id == staff && d.from <= day)
    }
}

/// A base as the registry knows it on the command's date.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseFacts {
    pub mission: String,
    pub name: String,
    pub open: bool,
    pub minimum: u32,
}

/// A CLA as the staff context's events describe them on the command's date.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffFacts {
    pub mission: String,
    pub name: String,
    pub active: bool,
}

/// Facts from outside the stream, looked up before deciding.
#[derive(Clone, Debug, Default)]
pub struct StaffingContext {
    pub mission: String,
    /// The bases the command names (and the base it would take a CLA from).
    pub bases: HashMap<String, BaseFacts>,
    /// The CLAs the command names.
    pub staff: HashMap<String, StaffFacts>,
    /// Separations and appointment ends, for who counts at a base.
    pub availability: Availability,
}

pub struct StaffingDecider;

fn staff<'a>(ctx: &'a StaffingContext, id: &str) -> Result<&'a StaffFacts, AppError> {
    ctx.staff
        .get(id)
        .filter(|s| s.mission == ctx.mission)
        .ok_or_else(|| {
            AppError::not_found("staffId", format!("no CLA {id} in mission {}", ctx.mission))
                .with("rule", "cla-unknown")
        })
}

fn open_base<'a>(
    ctx: &'a StaffingContext,
    id: &str,
    field: &str,
    day: NaiveDate,
) -> Result<&'a BaseFacts, AppError> {
    let base = ctx.bases.get(id).ok_or_else(|| {
        AppError::not_found(field, format!("no base {id} on {day}"))
            .with("rule", "base-unknown")
            .with("on", day)
    })?;
    if base.mission != ctx.mission {
        return Err(AppError::validation(
            field,
            format!("{} is not a base of {}", base.name, ctx.mission),
        )
        .with("rule", "base-other-mission")
        .with("baseName", &base.name));
    }
    if !base.open {
        return Err(
            AppError::conflict(format!("{} is not open on {day}", base.name))
                .on(field)
                .with("rule", "base-not-open")
                .with("baseName", &base.name)
                .with("on", day),
        );
    }
    Ok(base)
}

/// The two-per-base rule for a change that takes `leaving` away from `base` on `day`.
fn two_per_base(
    state: &Staffing,
    ctx: &StaffingContext,
    base_id: &str,
    leaving: &str,
    day: NaiveDate,
    accept: &Option<Acceptance>,
) -> Result<Option<contract::GapAcceptance>, AppError> {
    let (name, minimum) = ctx
        .bases
        .get(base_id)
        .map_or((base_id.to_string(), 2), |b| (b.name.clone(), b.minimum));
    let after = strength(
        state.deployments.values().filter(|d| d.id != leaving),
        &state.absences,
        base_id,
        day,
        &ctx.availability,
    );
    if after >= minimum {
        return Ok(None);
    }
    let gap = |e: AppError| {
        e.with("baseId", base_id)
            .with("baseName", &name)
            .with("strength", after)
            .with("minimum", minimum)
            .with("on", day)
    };
    match accept {
        Some(a) if !a.reason.trim().is_empty() => Ok(Some(contract::GapAcceptance {
            reason: a.reason.trim().to_string(),
            accepted_by: a.by.clone(),
            strength: after,
            minimum,
        })),
        Some(_) => Err(gap(
            AppError::validation("acceptGap", "accepting a coverage gap needs a reason")
                .with("rule", "gap-reason-needed"),
        )),
        None => Err(gap(AppError::new(
            ErrorCode::CoverageGap,
            format!(
                "{name} would fall to a strength of {after} on {day}, below its minimum of {minimum}; \
                 accept the gap with a reason to go ahead"
            ),
        )
        .on("acceptGap")
        .with("rule", "coverage-gap"))),
    }
}

/// The rotation `rotation_id`, still planned (not completed or cancelled).
fn planned<'a>(state: &'a Staffing, rotation_id: &str) -> Result<&'a Rotation, AppError> {
    let rotation = state.rotations.get(rotation_id).ok_or_else(|| {
        AppError::not_found("rotationId", "no such rotation").with("rule", "rotation-unknown")
    })?;
    if rotation.status != RotationStatus::Planned {
        let status = match rotation.status {
            RotationStatus::Cancelled => "cancelled",
            _ => "completed",
        };
        return Err(
            AppError::conflict(format!("the rotation is {:?}", rotation.status))
                .on("rotationId")
                .with("rule", "rotation-not-planned")
                .with("status", status),
        );
    }
    Ok(rotation)
}

fn reason(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > 2000 {
        return Err(
            AppError::validation("reason", "a reason is at most 2000 characters")
                .with("rule", "reason-too-long"),
        );
    }
    Ok(value.to_string())
}

impl Decider for StaffingDecider {
    type Command = StaffingCommand;
    type Event = StaffingEvent;
    type State = Staffing;
    type Context = StaffingContext;

    fn decide(
        command: &StaffingCommand,
        state: &Staffing,
        ctx: &StaffingContext,
    ) -> Result<Vec<StaffingEvent>, AppError> {
        use StaffingCommand as C;
        match command {
            C::Deploy {
                deployment_id,
                staff_id,
                base_id,
                from,
            } => {
                let cla = staff(ctx, staff_id)?;
                if !cla.active {
                    return Err(AppError::conflict(format!(
                        "{} is not active on {from}; only active CLAs deploy",
                        cla.name
                    ))
                    .on("staffId")
                    .with("rule", "cla-not-active")
                    .with("name", &cla.name)
                    .with("on", from));
                }
                open_base(ctx, base_id, "baseId", *from)?;
                if let Some(d) = state
                    .deployments
                    .values()
                    .find(|d| d.staff_id == *staff_id && d.to.is_none_or(|to| to > *from))
                {
                    let at = ctx
                        .bases
                        .get(&d.base_id)
                        .map_or(d.base_id.as_str(), |b| b.name.as_str());
                    return Err(AppError::conflict(format!(
                        "{} is already deployed at {at} from {}",
                        cla.name, d.from
                    ))
                    .on("staffId")
                    .with("rule", "already-deployed")
                    .with("name", &cla.name)
                    .with("baseName", at)
                    .with("from", d.from));
                }
                Ok(vec![StaffingEvent::ClaDeployed(contract::ClaDeployed {
                    deployment_id: deployment_id.clone(),
                    staff_id: staff_id.clone(),
                    base_id: base_id.clone(),
                })])
            }
            C::EndDeployment {
                staff_id,
                on,
                reason: why,
                accept_gap,
            } => {
                let deployment = state.current(staff_id, *on).ok_or_else(|| {
                    AppError::not_found(
                        "staffId",
                        format!("no deployment of this CLA runs on {on}"),
                    )
                    .with("rule", "no-deployment")
                    .with("on", on)
                })?;
                if *on <= deployment.from {
                    return Err(AppError::validation(
                        "on",
                        format!(
                            "a deployment that started on {} ends after it",
                            deployment.from
                        ),
                    )
                    .with("rule", "end-before-start")
                    .with("from", deployment.from));
                }
                let gap = two_per_base(
                    state,
                    ctx,
                    &deployment.base_id,
                    &deployment.id,
                    *on,
                    accept_gap,
                )?;
                Ok(vec![StaffingEvent::DeploymentEnded(
                    contract::DeploymentEnded {
                        deployment_id: deployment.id.clone(),
                        staff_id: staff_id.clone(),
                        base_id: deployment.base_id.clone(),
                        reason: reason(why)?,
                        gap_accepted: gap,
                    },
                )])
            }
            C::PlanRotation {
                rotation_id,
                staff_id,
                from_base_id,
                to_base_id,
                date,
                ..
            } => {
                let cla = staff(ctx, staff_id)?;
                if state.rotations.contains_key(rotation_id) {
                    return Err(AppError::conflict("this rotation already exists")
                        .on("rotationId")
                        .with("rule", "rotation-exists"));
                }
                let origin = state
                    .deployment_on(staff_id, *date)
                    .map(|d| d.base_id.as_str());
                if origin != Some(from_base_id.as_str()) {
                    return Err(AppError::validation(
                        "fromBaseId",
                        format!(
                            "a rotation starts from the CLA's base on its date; {} is not at that base on {date}",
                            cla.name
                        ),
                    )
                    .with("rule", "rotation-origin")
                    .with("name", &cla.name)
                    .with("on", date));
                }
                if from_base_id == to_base_id {
                    return Err(AppError::validation(
                        "toBaseId",
                        "a rotation goes to another base",
                    )
                    .with("rule", "rotation-same-base"));
                }
                open_base(ctx, to_base_id, "toBaseId", *date)?;
                if state
                    .rotations
                    .values()
                    .any(|r| r.staff_id == *staff_id && r.status == RotationStatus::Planned)
                {
                    return Err(AppError::conflict(format!(
                        "{} already has a planned rotation",
                        cla.name
                    ))
                    .on("staffId")
                    .with("rule", "rotation-already-planned")
                    .with("name", &cla.name));
                }
                Ok(vec![StaffingEvent::RotationPlanned(
                    contract::RotationPlanned {
                        rotation_id: rotation_id.clone(),
                        staff_id: staff_id.clone(),
                        from_base_id: from_base_id.clone(),
                        to_base_id: to_base_id.clone(),
                        date: date.to_string(),
                    },
                )])
            }
            C::CompleteRotation {
                rotation_id,
                new_deployment_id,
                on,
                accept_gap,
            } => {
                let rotation = planned(state, rotation_id)?;
                let deployment = state
                    .current(&rotation.staff_id, *on)
                    .filter(|d| d.base_id == rotation.from_base_id && d.from < *on)
                    .ok_or_else(|| {
                        AppError::conflict(format!(
                            "the CLA is not deployed at the rotation's origin on {on}"
                        ))
                        .on("rotationId")
                        .with("rule", "rotation-not-at-origin")
                        .with("on", on)
                    })?;
                open_base(ctx, &rotation.to_base_id, "toBaseId", *on)?;
                let gap = two_per_base(
                    state,
                    ctx,
                    &rotation.from_base_id,
                    &deployment.id,
                    *on,
                    accept_gap,
                )?;
                Ok(vec![StaffingEvent::RotationCompleted(
                    contract::RotationCompleted {
                        rotation_id: rotation_id.clone(),
                        staff_id: rotation.staff_id.clone(),
                        from_base_id: rotation.from_base_id.clone(),
                        to_base_id: rotation.to_base_id.clone(),
                        ended_deployment_id: deployment.id.clone(),
                        new_deployment_id: new_deployment_id.clone(),
                        gap_accepted: gap,
                    },
                )])
            }
            C::CancelRotation {
                rotation_id,
                reason: why,
                ..
            } => {
                planned(state, rotation_id)?;
                Ok(vec![StaffingEvent::RotationCancelled(
                    contract::RotationCancelled {
                        rotation_id: rotation_id.clone(),
                        reason: reason(why)?,
                    },
                )])
            }
            C::RecordAbsence {
                absence_id,
                staff_id,
                kind,
                from,
                to,
            } => {
                staff(ctx, staff_id)?;
                if *kind == AbsenceKind::Unspecified {
                    return Err(AppError::validation("kind", "choose the kind of absence")
                        .with("rule", "absence-kind"));
                }
                if to < from {
                    return Err(AppError::validation(
                        "to",
                        "an absence ends on or after it starts",
                    )
                    .with("rule", "absence-ends-before"));
                }
                if let Some(other) = state.absences.values().find(|a| {
                    a.staff_id == *staff_id && !a.cancelled && a.from <= *to && *from <= a.to
                }) {
                    return Err(AppError::conflict(format!(
                        "this CLA is already absent from {} to {}; absences do not overlap",
                        other.from, other.to
                    ))
                    .on("from")
                    .with("rule", "absence-overlap")
                    .with("from", other.from)
                    .with("to", other.to));
                }
                Ok(vec![StaffingEvent::AbsenceRecorded(
                    contract::AbsenceRecorded {
                        absence_id: absence_id.clone(),
                        staff_id: staff_id.clone(),
                        kind: *kind as i32,
                        from: from.to_string(),
                        to: to.to_string(),
                    },
                )])
            }
            C::CutAbsenceShort { absence_id, to, .. } => {
                let absence = state
                    .absences
                    .get(absence_id)
                    .filter(|a| !a.cancelled)
                    .ok_or_else(|| AppError::not_found("absenceId", "no such absence"))?;
                if *to < absence.from || *to >= absence.to {
                    return Err(AppError::validation(
                        "to",
                        format!(
                            "cut short, the absence ends between {} and the day before {}",
                            absence.from, absence.to
                        ),
                    ));
                }
                Ok(vec![StaffingEvent::AbsenceCutShort(
                    contract::AbsenceCutShort {
                        absence_id: absence_id.clone(),
                        to: to.to_string(),
                    },
                )])
            }
            C::RecordClosureExposure {
                base_id,
                closing_started_on,
                cause_event_id,
            } => {
                if state
                    .exposures
                    .contains_key(&(base_id.clone(), *closing_started_on))
                {
                    return Ok(vec![]);
                }
                let mut staff_ids: Vec<String> = crate::coverage::deployed(
                    state.deployments.values(),
                    base_id,
                    *closing_started_on,
                    &ctx.availability,
                )
                .into_iter()
                .map(|d| d.staff_id.clone())
                .collect();
                if staff_ids.is_empty() {
                    return Ok(vec![]);
                }
                staff_ids.sort();
                Ok(vec![StaffingEvent::ClasExposedByBaseClosing(
                    contract::ClasExposedByBaseClosing {
                        base_id: base_id.clone(),
                        closing_started_on: closing_started_on.to_string(),
                        staff_ids,
                        cause_event_id: cause_event_id.clone(),
                    },
                )])
            }
            C::CancelAbsence { absence_id, .. } => {
                state
                    .absences
                    .get(absence_id)
                    .filter(|a| !a.cancelled)
                    .ok_or_else(|| AppError::not_found("absenceId", "no such absence"))?;
                Ok(vec![StaffingEvent::AbsenceCancelled(
                    contract::AbsenceCancelled {
                        absence_id: absence_id.clone(),
                    },
                )])
            }
        }
    }

    fn evolve(mut state: Staffing, event: &StaffingEvent, on: NaiveDate) -> Staffing {
        use StaffingEvent as E;
        let date = |text: &str| text.parse::<NaiveDate>().unwrap_or(on);
        match event {
            E::ClaDeployed(e) => {
                state.deploy(Deployment {
                    id: e.deployment_id.clone(),
                    staff_id: e.staff_id.clone(),
                    base_id: e.base_id.clone(),
                    from: on,
                    to: None,
                });
            }
            E::DeploymentEnded(e) => {
                state.end_deployment(&e.deployment_id, on);
                if let Some(gap) = &e.gap_accepted {
                    state
                        .accepted_gaps
                        .insert(e.deployment_id.clone(), gap.clone());
                }
            }
            E::RotationPlanned(e) => {
                state.rotations.insert(
                    e.rotation_id.clone(),
                    Rotation {
                        id: e.rotation_id.clone(),
                        staff_id: e.staff_id.clone(),
                        from_base_id: e.from_base_id.clone(),
                        to_base_id: e.to_base_id.clone(),
                        date: date(&e.date),
                        status: RotationStatus::Planned,
                        planned_on: on,
                    },
                );
            }
            E::RotationCompleted(e) => {
                if let Some(r) = state.rotations.get_mut(&e.rotation_id) {
                    r.status = RotationStatus::Completed(on);
                }
                state.end_deployment(&e.ended_deployment_id, on);
                if let Some(gap) = &e.gap_accepted {
                    state
                        .accepted_gaps
                        .insert(e.ended_deployment_id.clone(), gap.clone());
                }
                state.deploy(Deployment {
                    id: e.new_deployment_id.clone(),
                    staff_id: e.staff_id.clone(),
                    base_id: e.to_base_id.clone(),
                    from: on,
                    to: None,
                });
            }
            E::RotationCancelled(e) => {
                if let Some(r) = state.rotations.get_mut(&e.rotation_id) {
                    r.status = RotationStatus::Cancelled;
                }
            }
            E::AbsenceRecorded(e) => {
                state.record_absence(Absence {
                    id: e.absence_id.clone(),
                    staff_id: e.staff_id.clone(),
                    kind: AbsenceKind::try_from(e.kind).unwrap_or(AbsenceKind::Leave),
                    from: date(&e.from),
                    to: date(&e.to),
                    cancelled: false,
                });
            }
            E::AbsenceCutShort(e) => {
                state.cut_absence_short(&e.absence_id, date(&e.to));
            }
            E::AbsenceCancelled(e) => {
                if let Some(a) = state.absences.get_mut(&e.absence_id) {
                    a.cancelled = true;
                }
            }
            E::ClasExposedByBaseClosing(e) => {
                state.exposures.insert(
                    (e.base_id.clone(), date(&e.closing_started_on)),
                    e.staff_ids.clone(),
                );
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
