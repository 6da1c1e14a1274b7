//! Staffing's application layer: what any door (GraphQL, the web app, CSV, an SMS gateway) may ask
//! of staffing, as typed commands and queries taking the caller.
//!
//! Access is decided here, first: CIVIL_AFFAIRS of the mission (and ADMIN) change staffing;
//! everyone who reads the mission (its MISSION_HR and CIVIL_AFFAIRS, HQ_REVIEWER, ADMIN) reads it.
//! What is named by id (a CLA, a rotation, an absence, a base) is in scope by its mission; an id
//! nobody knows is NOT_FOUND. Commands then gather what the decision needs (the bases and the CLA
//! as the registry and the roster know them on the effective date) and run the decider through
//! the one command path; queries answer from the projections.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cla_platform::app::authorize;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role, Runtime};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;

use crate::OpenRiskFlags;
use crate::commands::{Acceptance, StaffingCommand};
use crate::decider::{BaseFacts, StaffFacts, StaffingContext, StaffingDecider};
use crate::events::{AbsenceKind, stream};
use crate::projections::{
    self, BoardFilter, BoardRow, Cla, ClaAbsence, ClaHistoryEntry, ClaStaffing, ClaStatus,
    ClosureExposure, CoverageForecast, RotationEntry, StaffingView,
};

/// Who changes staffing.
pub const WRITERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
/// Who reads it (each in the missions they read).
pub const READERS: &[Role] = &Role::ALL;

/// Deploys an active CLA to an open base of their mission from a date (today where `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployCla {
    pub staff_id: String,
    pub base_id: String,
    pub from: Option<NaiveDate>,
}

/// Ends a CLA's deployment on a date (today where `None`); `accept_gap` is the reason for
/// accepting the coverage gap it opens, where it opens one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndDeployment {
    pub staff_id: String,
    pub on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub accept_gap: Option<String>,
}

/// A rotation just planned, and the CLA's staffing after it.
#[derive(Clone, Debug, PartialEq)]
pub struct RotationPlanned {
    pub rotation: RotationEntry,
    pub staffing: ClaStaffing,
}

/// An absence just recorded, and the CLA's staffing after it.
#[derive(Clone, Debug, PartialEq)]
pub struct AbsenceRecorded {
    pub absence: ClaAbsence,
    pub staffing: ClaStaffing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRotation {
    pub staff_id: String,
    pub from_base_id: String,
    pub to_base_id: String,
    pub date: NaiveDate,
}

/// The rotation happened on `on` (today where `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompleteRotation {
    pub rotation_id: String,
    pub on: Option<NaiveDate>,
    pub accept_gap: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelRotation {
    pub rotation_id: String,
    pub reason: Option<String>,
}

/// An absence from–to, both days included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordAbsence {
    pub staff_id: String,
    pub kind: AbsenceKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutAbsenceShort {
    pub absence_id: String,
    pub to: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelAbsence {
    pub absence_id: String,
}

/// An absence of a mission's CLA, as [`StaffingApp::open_absences`] lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissionAbsence {
    pub id: String,
    pub staff_id: String,
    pub name: String,
    pub kind: AbsenceKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A CLA of a mission's roster, as [`StaffingApp::roster`] lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEntry {
    pub staff_id: String,
    pub name: String,
    pub active: bool,
    /// The base they are deployed at on the date asked, if any.
    pub base_id: Option<String>,
}

/// A rotation considered before it is planned: [`StaffingApp::preview_rotation`] finds its
/// origin (the CLA's base on the date).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsideredRotation {
    pub staff_id: String,
    pub to_base_id: String,
    pub date: NaiveDate,
}

/// What a rotation considered would do to the two bases it joins.
#[derive(Clone, Debug, PartialEq)]
pub struct RotationPreview {
    pub staff_id: String,
    pub name: String,
    pub from_base_id: String,
    pub to_base_id: String,
    pub date: NaiveDate,
    /// The origin's forecast without the move, and with it.
    pub origin: (CoverageForecast, CoverageForecast),
    /// The destination's forecast without the move, and with it.
    pub destination: (CoverageForecast, CoverageForecast),
    /// The COVERAGE_GAP the move would open (the first day it leaves a base below its minimum
    /// with fewer CLAs than it would have without the move), with the details the refusal of completing it
    /// would carry: completing it needs the gap accepted with a reason.
    pub warning: Option<AppError>,
}

/// The longest coverage forecast, in days.
pub const MAX_FORECAST_DAYS: i32 = 366;

/// Staffing's commands and queries. Cheap to clone.
#[derive(Clone)]
pub struct StaffingApp {
    runtime: Runtime,
    registry: Arc<RegistryView>,
    staffing: Arc<StaffingView>,
    risk_flags: Option<Arc<dyn OpenRiskFlags>>,
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn everything_known() -> View {
    View::on(NaiveDate::MAX)
}

impl StaffingApp {
    pub fn new(runtime: Runtime, registry: Arc<RegistryView>, staffing: Arc<StaffingView>) -> Self {
        Self {
            runtime,
            registry,
            staffing,
            risk_flags: None,
        }
    }

    /// The board's open risk flag counts come from `flags` (the risk context counts them).
    pub fn with_risk_flags(mut self, flags: Arc<dyn OpenRiskFlags>) -> Self {
        self.risk_flags = Some(flags);
        self
    }

    // -----------------------------------------------------------------------------------------
    // Queries

    /// Every open or closing base of a mission with its coverage on the view's date, as `filter`
    /// selects and orders them.
    pub fn base_board(
        &self,
        who: &Principal,
        mission: &str,
        filter: &BoardFilter,
        view: &View,
    ) -> AppResult<Vec<BoardRow>> {
        authorize(who, mission, READERS)?;
        if self.registry.mission(mission, view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission} as of {}", view.as_of),
            ));
        }
        let flags = self
            .risk_flags
            .as_ref()
            .map(|r| r.by_base(who, mission, view))
            .unwrap_or_default();
        let rows = projections::board(&self.registry, &self.staffing, mission, view, &flags);
        Ok(projections::board::select(rows, filter))
    }

    /// A base's strength per day from `from` (today where `None`) over `days` (90 where `None`, at
    /// most [`MAX_FORECAST_DAYS`]), and its gaps with their causes, as known at `known_at`.
    pub fn coverage_forecast(
        &self,
        who: &Principal,
        base_id: &str,
        from: Option<NaiveDate>,
        days: Option<i32>,
        known_at: Option<DateTime<Utc>>,
    ) -> AppResult<CoverageForecast> {
        if let Some(mission) = self.registry.mission_of_base(base_id) {
            authorize(who, &mission, READERS)?;
        }
        let days = days.unwrap_or(90);
        if !(1..=MAX_FORECAST_DAYS).contains(&days) {
            return Err(AppError::validation(
                "days",
                "a forecast covers 1 to 366 days",
            ));
        }
        projections::forecast(
            &self.registry,
            &self.staffing,
            base_id,
            from.unwrap_or_else(today),
            i64::from(days),
            known_at,
        )
    }

    /// Planned, overdue and completed rotations of a mission from `from` to `to` (default: the 90
    /// days from the view's date); overdue ones whatever their date.
    pub fn rotation_calendar(
        &self,
        who: &Principal,
        mission: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        view: &View,
    ) -> AppResult<Vec<RotationEntry>> {
        self.rotation_calendar_with(who, mission, (from, to), false, view)
    }

    /// [`Self::rotation_calendar`], with the cancelled rotations planned within the range too
    /// where `cancelled` is set.
    pub fn rotation_calendar_with(
        &self,
        who: &Principal,
        mission: &str,
        (from, to): (Option<NaiveDate>, Option<NaiveDate>),
        cancelled: bool,
        view: &View,
    ) -> AppResult<Vec<RotationEntry>> {
        authorize(who, mission, READERS)?;
        let from = from.unwrap_or(view.as_of);
        let to = to.unwrap_or(from + Duration::days(90));
        if to < from {
            return Err(AppError::validation(
                "to",
                "the range ends on or after it starts",
            ));
        }
        Ok(projections::rotation_calendar(
            &self.staffing,
            mission,
            from,
            to,
            cancelled,
            view,
        ))
    }

    /// The CLAs deployed at each base of a mission the day it started closing.
    pub fn base_closure_exposures(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<Vec<ClosureExposure>> {
        authorize(who, mission, READERS)?;
        Ok(projections::closure_exposures(
            &self.staffing,
            mission,
            view,
        ))
    }

    /// A CLA's staffing: current base, deployment history, absences and rotations.
    pub fn cla_staffing(
        &self,
        who: &Principal,
        staff_id: &str,
        view: &View,
    ) -> AppResult<ClaStaffing> {
        if let Some(mission) = self.staffing.mission_of_cla(staff_id) {
            authorize(who, &mission, READERS)?;
        }
        projections::cla_staffing(&self.registry, &self.staffing, staff_id, view)
    }

    /// Whether the caller may change the mission's staffing: the action forms ask before they
    /// are shown, so a reader who may not act sees the refusal rather than a form.
    pub fn may_change_staffing(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<()> {
        authorize(who, mission, WRITERS)?;
        if self.registry.mission(mission, view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission} as of {}", view.as_of),
            ));
        }
        Ok(())
    }

    /// The mission's CLAs on the view's date, by name: whether each is active, and the base
    /// they are deployed at (what the action forms offer to choose from).
    pub fn roster(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<Vec<RosterEntry>> {
        authorize(who, mission, READERS)?;
        let staffing = self.staffing.staffing(mission, view);
        let mut entries: Vec<RosterEntry> = self
            .staffing
            .roster(mission, view)
            .values()
            .map(|c| RosterEntry {
                staff_id: c.id.clone(),
                name: c.name.clone(),
                active: c.status == ClaStatus::Active,
                base_id: staffing
                    .deployment_on(&c.id, view.as_of)
                    .map(|d| d.base_id.clone()),
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name).then(a.staff_id.cmp(&b.staff_id)));
        Ok(entries)
    }

    /// The mission's absences not cancelled that are not over on the view's date (under way or
    /// to come), by start then name: what the forms to cut one short or cancel one offer.
    pub fn open_absences(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<Vec<MissionAbsence>> {
        authorize(who, mission, READERS)?;
        // Those to come too: everything recorded by the view's time, whatever its date.
        let planned = View {
            as_of: NaiveDate::MAX,
            known_at: view.known_at,
        };
        let roster = self.staffing.roster(mission, &planned);
        let mut out: Vec<MissionAbsence> = self
            .staffing
            .staffing(mission, &planned)
            .absences()
            .values()
            .filter(|a| !a.cancelled && a.to >= view.as_of)
            .filter_map(|a| {
                let cla = roster.get(&a.staff_id)?;
                Some(MissionAbsence {
                    id: a.id.clone(),
                    staff_id: a.staff_id.clone(),
                    name: cla.name.clone(),
                    kind: a.kind,
                    from: a.from,
                    to: a.to,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.from, &a.name, &a.id).cmp(&(b.from, &b.name, &b.id)));
        Ok(out)
    }

    /// Every change in a CLA's staffing the view sees (deployments, ends, rotations, absences),
    /// with its effective date, recorded time and actor, the bases it names with their names.
    pub fn cla_history(
        &self,
        who: &Principal,
        staff_id: &str,
        view: &View,
    ) -> AppResult<Vec<ClaHistoryEntry>> {
        let mission = self
            .staffing
            .mission_of_cla(staff_id)
            .ok_or_else(|| AppError::not_found("staffId", format!("no CLA {staff_id}")))?;
        authorize(who, &mission, READERS)?;
        let mut entries = self.staffing.history(staff_id, view);
        for e in &mut entries {
            for id in e.change.base_ids() {
                let name = self
                    .registry
                    .base(id, view)
                    .map_or_else(|| id.to_string(), |b| b.details.name);
                e.base_names.insert(id.to_string(), name);
            }
        }
        Ok(entries)
    }

    /// Whether `who` may change the staffing of a mission's CLAs (deploy, end a deployment, plan,
    /// complete or cancel a rotation, record an absence): the doors offer those actions only then.
    /// The same answer as [`Self::may_change_staffing`], as of today.
    pub fn may_change(&self, who: &Principal, mission: &str) -> bool {
        self.may_change_staffing(who, mission, &View::now()).is_ok()
    }

    // -----------------------------------------------------------------------------------------
    // Commands: each answers the CLA's staffing after it, as of its date or today if later.

    pub async fn deploy_cla(&self, who: &Principal, input: DeployCla) -> AppResult<ClaStaffing> {
        let mission = self.writable_cla(who, &input.staff_id)?;
        if let Some(m) = self.registry.mission_of_base(&input.base_id) {
            authorize(who, &m, WRITERS)?;
        }
        let from = input.from.unwrap_or_else(today);
        let command = StaffingCommand::Deploy {
            deployment_id: uuid::Uuid::now_v7().to_string(),
            staff_id: input.staff_id.clone(),
            base_id: input.base_id.clone(),
            from,
        };
        self.run(
            who,
            &mission,
            Some(&input.staff_id),
            &[&input.base_id],
            command,
            from,
        )
        .await?;
        self.after(&input.staff_id, from)
    }

    /// Refused with COVERAGE_GAP where it would leave the base below its minimum, unless
    /// `accept_gap` gives the reason for accepting that.
    pub async fn end_deployment(
        &self,
        who: &Principal,
        input: EndDeployment,
    ) -> AppResult<ClaStaffing> {
        let mission = self.writable_cla(who, &input.staff_id)?;
        let on = input.on.unwrap_or_else(today);
        let command = StaffingCommand::EndDeployment {
            staff_id: input.staff_id.clone(),
            on,
            reason: input.reason.unwrap_or_default(),
            accept_gap: acceptance(who, input.accept_gap),
        };
        self.run(who, &mission, Some(&input.staff_id), &[], command, on)
            .await?;
        self.after(&input.staff_id, on)
    }

    /// Answers the rotation planned (with its new id) beside the CLA's staffing.
    pub async fn plan_rotation(
        &self,
        who: &Principal,
        input: PlanRotation,
    ) -> AppResult<RotationPlanned> {
        let mission = self.writable_cla(who, &input.staff_id)?;
        let today = today();
        let effective = today.min(input.date);
        let rotation_id = uuid::Uuid::now_v7().to_string();
        let command = StaffingCommand::PlanRotation {
            rotation_id: rotation_id.clone(),
            staff_id: input.staff_id.clone(),
            from_base_id: input.from_base_id.clone(),
            to_base_id: input.to_base_id.clone(),
            date: input.date,
            effective,
        };
        let view = View::on(input.date);
        let mut context = StaffingContext {
            mission: mission.clone(),
            bases: self.base_facts(
                &mission,
                &[&input.from_base_id, &input.to_base_id],
                input.date,
            ),
            ..Default::default()
        };
        if let Some(cla) = self.staffing.cla(&input.staff_id, &view) {
            context
                .staff
                .insert(input.staff_id.clone(), staff_facts(&cla));
        }
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, effective)?;
        self.runtime
            .execute::<StaffingDecider>(&stream(&mission), &command, &context, &meta)
            .await?;
        let staffing = self.after(&input.staff_id, today)?;
        let rotation = staffing
            .rotations
            .iter()
            .find(|r| r.id == rotation_id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("rotation {rotation_id} not in the view")))?;
        Ok(RotationPlanned { rotation, staffing })
    }

    /// One deployment ends and the next starts, in one decision.
    pub async fn complete_rotation(
        &self,
        who: &Principal,
        input: CompleteRotation,
    ) -> AppResult<ClaStaffing> {
        let (mission, rotation) = self.writable_rotation(who, &input.rotation_id)?;
        let on = input.on.unwrap_or_else(today);
        let command = StaffingCommand::CompleteRotation {
            rotation_id: input.rotation_id,
            new_deployment_id: uuid::Uuid::now_v7().to_string(),
            on,
            accept_gap: acceptance(who, input.accept_gap),
        };
        self.run(who, &mission, Some(&rotation.staff_id), &[], command, on)
            .await?;
        self.after(&rotation.staff_id, on)
    }

    pub async fn cancel_rotation(
        &self,
        who: &Principal,
        input: CancelRotation,
    ) -> AppResult<ClaStaffing> {
        let (mission, rotation) = self.writable_rotation(who, &input.rotation_id)?;
        let today = today();
        let command = StaffingCommand::CancelRotation {
            rotation_id: input.rotation_id,
            reason: input.reason.unwrap_or_default(),
            effective: today,
        };
        self.run(who, &mission, None, &[], command, today).await?;
        self.after(&rotation.staff_id, today)
    }

    /// Never refused for coverage: the gap it opens shows on the board and the forecast. Answers
    /// the absence recorded (with its new id) beside the CLA's staffing.
    pub async fn record_absence(
        &self,
        who: &Principal,
        input: RecordAbsence,
    ) -> AppResult<AbsenceRecorded> {
        let mission = self.writable_cla(who, &input.staff_id)?;
        let absence_id = uuid::Uuid::now_v7().to_string();
        let command = StaffingCommand::RecordAbsence {
            absence_id: absence_id.clone(),
            staff_id: input.staff_id.clone(),
            kind: input.kind,
            from: input.from,
            to: input.to,
        };
        self.run(
            who,
            &mission,
            Some(&input.staff_id),
            &[],
            command,
            input.from,
        )
        .await?;
        let staffing = self.after(&input.staff_id, input.from)?;
        let absence = staffing
            .absences
            .iter()
            .find(|a| a.id == absence_id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("absence {absence_id} not in the view")))?;
        Ok(AbsenceRecorded { absence, staffing })
    }

    pub async fn cut_absence_short(
        &self,
        who: &Principal,
        input: CutAbsenceShort,
    ) -> AppResult<ClaStaffing> {
        let (mission, absence) = self.writable_absence(who, &input.absence_id)?;
        let on = absence.from;
        let command = StaffingCommand::CutAbsenceShort {
            absence_id: input.absence_id,
            to: input.to,
            effective: on,
        };
        self.run(who, &mission, None, &[], command, on).await?;
        self.after(&absence.staff_id, on)
    }

    pub async fn cancel_absence(
        &self,
        who: &Principal,
        input: CancelAbsence,
    ) -> AppResult<ClaStaffing> {
        let (mission, absence) = self.writable_absence(who, &input.absence_id)?;
        let on = absence.from;
        let command = StaffingCommand::CancelAbsence {
            absence_id: input.absence_id,
            effective: on,
        };
        self.run(who, &mission, None, &[], command, on).await?;
        self.after(&absence.staff_id, on)
    }

    // -----------------------------------------------------------------------------------------
    // Scope of what commands name

    /// The mission of a CLA the caller may change the staffing of.
    fn writable_cla(&self, who: &Principal, staff_id: &str) -> AppResult<String> {
        let mission = self.staffing.mission_of_cla(staff_id).ok_or_else(|| {
            AppError::not_found("staffId", format!("no CLA {staff_id}")).with("rule", "cla-unknown")
        })?;
        authorize(who, &mission, WRITERS)?;
        Ok(mission)
    }

    /// A rotation the caller may change, with its mission, as everything known shows it.
    fn writable_rotation(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(String, crate::decider::Rotation)> {
        let not_found = || {
            AppError::not_found("rotationId", "no such rotation").with("rule", "rotation-unknown")
        };
        let mission = self
            .staffing
            .mission_of_rotation(id)
            .ok_or_else(not_found)?;
        authorize(who, &mission, WRITERS)?;
        let rotation = self
            .staffing
            .staffing(&mission, &everything_known())
            .rotations
            .get(id)
            .cloned()
            .ok_or_else(not_found)?;
        Ok((mission, rotation))
    }

    /// An absence the caller may change, with its mission, as everything known shows it.
    fn writable_absence(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<(String, crate::coverage::Absence)> {
        let not_found = || AppError::not_found("absenceId", "no such absence");
        let mission = self.staffing.mission_of_absence(id).ok_or_else(not_found)?;
        authorize(who, &mission, WRITERS)?;
        let absence = self
            .staffing
            .staffing(&mission, &everything_known())
            .absences()
            .get(id)
            .cloned()
            .ok_or_else(not_found)?;
        Ok((mission, absence))
    }

    // -----------------------------------------------------------------------------------------
    // Facts for decisions

    /// Every base of the mission (and any other base named) as the registry knows it on `on`.
    fn base_facts(
        &self,
        mission: &str,
        named: &[&str],
        on: NaiveDate,
    ) -> HashMap<String, BaseFacts> {
        let view = View::on(on);
        let minimum = self
            .registry
            .mission(mission, &view)
            .map_or(2, |m| m.policy.minimum_clas_per_base);
        let mut bases: HashMap<String, BaseFacts> = self
            .registry
            .bases(mission, &view)
            .into_iter()
            .map(|b| {
                (
                    b.id.clone(),
                    BaseFacts {
                        mission: b.mission_code.clone(),
                        name: b.details.name.clone(),
                        open: b.status == BaseStatus::Open,
                        minimum: b.details.minimum_override.unwrap_or(minimum),
                    },
                )
            })
            .collect();
        for id in named {
            if !bases.contains_key(*id)
                && let Some(b) = self.registry.base(id, &view)
            {
                bases.insert(
                    b.id.clone(),
                    BaseFacts {
                        mission: b.mission_code.clone(),
                        name: b.details.name.clone(),
                        open: b.status == BaseStatus::Open,
                        minimum: 2,
                    },
                );
            }
        }
        bases
    }

    /// Decides a staffing command on the mission's stream, effective `on`.
    async fn run(
        &self,
        who: &Principal,
        mission: &str,
        staff_id: Option<&str>,
        bases: &[&str],
        command: StaffingCommand,
        on: NaiveDate,
    ) -> AppResult<()> {
        let date_field = match &command {
            StaffingCommand::Deploy { .. } | StaffingCommand::RecordAbsence { .. } => "from",
            StaffingCommand::EndDeployment { .. } | StaffingCommand::CompleteRotation { .. } => {
                "on"
            }
            _ => "effective",
        };
        let view = View::on(on);
        let mut context = StaffingContext {
            mission: mission.to_string(),
            bases: self.base_facts(mission, bases, on),
            staff: HashMap::new(),
            availability: self.staffing.availability(mission, &view, false),
        };
        if let Some(id) = staff_id {
            match self.staffing.cla(id, &view) {
                Some(cla) => {
                    context.staff.insert(id.to_string(), staff_facts(&cla));
                }
                // Known, but not yet on that date: nothing is back-dated before the CLA existed.
                None if self.staffing.cla(id, &everything_known()).is_some() => {
                    return Err(AppError::validation(
                        date_field,
                        format!(
                            "this CLA did not exist yet on {on}; nothing takes effect before they did"
                        ),
                    )
                    .with("rule", "cla-not-yet")
                    .with("on", on));
                }
                None => {}
            }
        }
        let meta = CommandMeta::by(who, Some(mission), WRITERS, on)?;
        self.runtime
            .execute::<StaffingDecider>(&stream(mission), &command, &context, &meta)
            .await?;
        Ok(())
    }

    /// The CLA's staffing after a change effective `on`: as of that day, or today if later.
    fn after(&self, staff_id: &str, on: NaiveDate) -> AppResult<ClaStaffing> {
        projections::cla_staffing(
            &self.registry,
            &self.staffing,
            staff_id,
            &View::on(on.max(today())),
        )
    }

    /// What planning a rotation would do, before it is planned: the refusal the plan would give
    /// (nothing is written either way), or the coverage of the CLA's base on the date (the
    /// origin) and of the destination, each without the move and with it, over `days` (90 where
    /// `None`) from `from` (where `None`, a week before the date, or today where that is later),
    /// as known at `known_at`. Who may plan it may preview it.
    pub fn preview_rotation(
        &self,
        who: &Principal,
        input: &ConsideredRotation,
        (from, days): (Option<NaiveDate>, Option<i32>),
        known_at: Option<DateTime<Utc>>,
    ) -> AppResult<RotationPreview> {
        let mission = self.writable_cla(who, &input.staff_id)?;
        let days = days.unwrap_or(90);
        if !(1..=MAX_FORECAST_DAYS).contains(&days) {
            return Err(AppError::validation(
                "days",
                "a forecast covers 1 to 366 days",
            ));
        }
        let date = input.date;
        let view = View::on(date);
        let state = self.staffing.staffing(&mission, &everything_known());
        let from_base_id = state
            .deployment_on(&input.staff_id, date)
            .map(|d| d.base_id.clone())
            .ok_or_else(|| {
                AppError::not_found("staffId", format!("this CLA is at no base on {date}"))
                    .with("rule", "no-deployment")
                    .with("on", date)
            })?;
        // The plan's own rules, decided without writing anything.
        let command = StaffingCommand::PlanRotation {
            rotation_id: "considered".into(),
            staff_id: input.staff_id.clone(),
            from_base_id: from_base_id.clone(),
            to_base_id: input.to_base_id.clone(),
            date,
            effective: today().min(date),
        };
        let mut context = StaffingContext {
            mission: mission.clone(),
            bases: self.base_facts(&mission, &[&from_base_id, &input.to_base_id], date),
            ..Default::default()
        };
        let cla = self.staffing.cla(&input.staff_id, &view);
        if let Some(cla) = &cla {
            context
                .staff
                .insert(input.staff_id.clone(), staff_facts(cla));
        }
        <StaffingDecider as cla_platform::decider::Decider>::decide(&command, &state, &context)?;
        let considered = crate::decider::Rotation {
            id: "considered".into(),
            staff_id: input.staff_id.clone(),
            from_base_id: from_base_id.clone(),
            to_base_id: input.to_base_id.clone(),
            date,
            status: crate::decider::RotationStatus::Planned,
            planned_on: today().min(date),
        };
        let start = from.unwrap_or_else(|| (date - Duration::days(7)).max(today()));
        let both = |base: &str| -> AppResult<(CoverageForecast, CoverageForecast)> {
            let range = (start, i64::from(days));
            let without = projections::forecast_with(
                &self.registry,
                &self.staffing,
                base,
                range,
                known_at,
                &[],
            )?;
            let with = projections::forecast_with(
                &self.registry,
                &self.staffing,
                base,
                range,
                known_at,
                std::slice::from_ref(&considered),
            )?;
            Ok((without, with))
        };
        let origin = both(&from_base_id)?;
        let destination = both(&input.to_base_id)?;
        let warning = [&origin, &destination]
            .into_iter()
            .find_map(|(without, with)| {
                let opened = with
                    .days
                    .iter()
                    .zip(&without.days)
                    .find(|(w, wo)| w.below_minimum && w.strength < wo.strength)?;
                let (day, _) = opened;
                Some(
                    AppError::new(
                        cla_platform::ErrorCode::CoverageGap,
                        format!(
                            "this would leave {} with {} CLA on {} (minimum {})",
                            with.name, day.strength, day.date, day.minimum
                        ),
                    )
                    .on("date")
                    .with("rule", "coverage-gap")
                    .with("baseId", &with.base_id)
                    .with("baseName", &with.name)
                    .with("strength", day.strength)
                    .with("minimum", day.minimum)
                    .with("on", day.date),
                )
            });
        Ok(RotationPreview {
            staff_id: input.staff_id.clone(),
            name: cla.map(|c| c.name).unwrap_or_default(),
            from_base_id,
            to_base_id: input.to_base_id.clone(),
            date,
            origin,
            destination,
            warning,
        })
    }
}

fn staff_facts(cla: &Cla) -> StaffFacts {
    StaffFacts {
        mission: cla.mission.clone(),
        name: cla.name.clone(),
        active: cla.status == ClaStatus::Active,
    }
}

fn acceptance(who: &Principal, reason: Option<String>) -> Option<Acceptance> {
    reason.map(|reason| Acceptance {
        reason,
        by: who.id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cla_event_store::{EmbeddedStore, EventStore};
    use cla_platform::projection::Projection;
    use cla_platform::{ErrorCode, Principal, Role, Runtime};

    use super::*;
    use crate::projections::tests::{beni_with_two, cla, day};

    fn who(roles: &[Role], missions: &[&str]) -> Principal {
        Principal::new("caller", "Caller", roles, missions)
    }

    /// The app over a fresh store, its views knowing Beni (Ana and Ben there) and Cy, not deployed.
    fn app(dir: &tempfile::TempDir) -> (StaffingApp, Arc<dyn EventStore>) {
        let store: Arc<dyn EventStore> =
            Arc::new(EmbeddedStore::open(dir.path()).expect("the store opens"));
        let registry = Arc::new(RegistryView::default());
        let staffing = Arc::new(StaffingView::default());
        let history = cla(beni_with_two(), "cy", "Cy", false, "Lingala");
        history.apply_to(&*registry);
        history.apply_to(&*staffing);
        let projections: Vec<Arc<dyn Projection>> = vec![registry.clone(), staffing.clone()];
        let runtime = Runtime::started(
            store.clone(),
            projections,
            std::time::Duration::from_secs(5),
        );
        (StaffingApp::new(runtime, registry, staffing), store)
    }

    fn deploy_cy() -> DeployCla {
        DeployCla {
            staff_id: "cy".into(),
            base_id: "oicha".into(),
            from: Some(day(5)),
        }
    }

    #[tokio::test]
    async fn open_absences_are_those_not_over_and_not_cancelled_by_start() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (app, _store) = app(&dir);
        let ca = who(&[Role::CivilAffairs], &["MONUSCO"]);
        let absence = |staff: &str, from: u32, to: u32| RecordAbsence {
            staff_id: staff.into(),
            kind: AbsenceKind::Leave,
            from: day(from),
            to: day(to),
        };
        let over = app.record_absence(&ca, absence("ben", 2, 3)).await;
        let later = app.record_absence(&ca, absence("ana", 20, 24)).await;
        let under_way = app.record_absence(&ca, absence("ben", 4, 8)).await;
        let cancelled = app.record_absence(&ca, absence("ana", 10, 12)).await;
        for r in [&over, &later, &under_way, &cancelled] {
            assert!(r.is_ok(), "{r:?}");
        }
        let cancel = cancelled.unwrap().absence.id;
        app.cancel_absence(&ca, CancelAbsence { absence_id: cancel })
            .await
            .expect("cancelled");
        let open = app
            .open_absences(&ca, "MONUSCO", &View::on(day(5)))
            .expect("the mission's absences");
        let seen: Vec<(&str, NaiveDate, NaiveDate)> = open
            .iter()
            .map(|a| (a.name.as_str(), a.from, a.to))
            .collect();
        assert_eq!(
            seen,
            vec![("Ben", day(4), day(8)), ("Ana", day(20), day(24))]
        );
        let outsider = who(&[Role::CivilAffairs], &["MINUSCA"]);
        assert_eq!(
            app.open_absences(&outsider, "MONUSCO", &View::on(day(5)))
                .expect_err("refused")
                .code,
            ErrorCode::Forbidden
        );
    }

    #[tokio::test]
    async fn callers_outside_the_mission_or_without_a_writing_role_are_refused_and_nothing_is_written()
     {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (app, store) = app(&dir);
        let view = View::on(day(5));
        let outsider = who(&[Role::CivilAffairs], &["MINUSCA"]);
        let hq = who(&[Role::HqReviewer], &[]);
        let hr = who(&[Role::MissionHr], &["MONUSCO"]);
        let forbidden = |r: AppResult<ClaStaffing>| {
            assert_eq!(r.expect_err("refused").code, ErrorCode::Forbidden);
        };

        // Reads: another mission's CIVIL_AFFAIRS sees nothing of MONUSCO, whatever the door.
        let board = app.base_board(&outsider, "MONUSCO", &BoardFilter::default(), &view);
        assert_eq!(board.expect_err("refused").code, ErrorCode::Forbidden);
        let forecast = app.coverage_forecast(&outsider, "beni", Some(day(5)), None, None);
        assert_eq!(forecast.expect_err("refused").code, ErrorCode::Forbidden);
        let calendar = app.rotation_calendar(&outsider, "MONUSCO", None, None, &view);
        assert_eq!(calendar.expect_err("refused").code, ErrorCode::Forbidden);
        let exposures = app.base_closure_exposures(&outsider, "MONUSCO", &view);
        assert_eq!(exposures.expect_err("refused").code, ErrorCode::Forbidden);
        forbidden(app.cla_staffing(&outsider, "ana", &view));

        // HQ_REVIEWER and the mission's HR read, with the board's numbers.
        let rows = app
            .base_board(&hq, "MONUSCO", &BoardFilter::default(), &view)
            .expect("HQ reads every mission");
        assert_eq!(rows[0].effective_strength, 2);
        assert!(app.cla_staffing(&hr, "ana", &view).is_ok());

        // Writes: neither the outsider, nor HQ, nor the mission's HR change staffing.
        let head = store.head().await.expect("the head");
        forbidden(app.deploy_cla(&outsider, deploy_cy()).await);
        forbidden(app.deploy_cla(&hq, deploy_cy()).await);
        forbidden(app.deploy_cla(&hr, deploy_cy()).await);
        let absence = RecordAbsence {
            staff_id: "ana".into(),
            kind: AbsenceKind::Leave,
            from: day(6),
            to: day(7),
        };
        forbidden(
            app.record_absence(&outsider, absence.clone())
                .await
                .map(|r| r.staffing),
        );
        let end = EndDeployment {
            staff_id: "ben".into(),
            on: Some(day(6)),
            reason: None,
            accept_gap: Some("no".into()),
        };
        forbidden(app.end_deployment(&hq, end).await);
        assert_eq!(
            store.head().await.expect("the head"),
            head,
            "nothing written"
        );

        // Who may act, asked before a form is shown: the same answer as the commands give.
        for reader in [&outsider, &hq, &hr] {
            let may = app.may_change_staffing(reader, "MONUSCO", &view);
            assert_eq!(may.expect_err("may not act").code, ErrorCode::Forbidden);
        }

        // The mission's CIVIL_AFFAIRS deploys: the same call, allowed.
        let ca = who(&[Role::CivilAffairs], &["MONUSCO"]);
        assert!(app.may_change_staffing(&ca, "MONUSCO", &view).is_ok());
        let roster = app.roster(&ca, "MONUSCO", &view).expect("the roster");
        let names: Vec<&str> = roster.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Ana", "Ben", "Cy"], "by name");
        assert!(roster[0].base_id.is_some() && roster[1].base_id.is_some());
        assert_eq!(roster[2].base_id, None, "Cy is not deployed yet");
        assert!(roster.iter().all(|c| c.active));
        let outsiders = app.roster(&outsider, "MONUSCO", &view);
        assert_eq!(outsiders.expect_err("refused").code, ErrorCode::Forbidden);
        let after = app.deploy_cla(&ca, deploy_cy()).await.expect("deployed");
        assert_eq!(after.deployments.len(), 1);
        assert_eq!(after.deployments[0].base_id, "oicha");
        assert_ne!(store.head().await.expect("the head"), head);

        // A CLA nobody knows is NOT_FOUND, whoever asks.
        let unknown = app.cla_staffing(&outsider, "nobody", &view);
        assert_eq!(unknown.expect_err("unknown").code, ErrorCode::NotFound);
    }

    #[tokio::test]
    async fn a_rotation_considered_shows_both_bases_with_and_without_it_and_the_gap_it_would_open_writing_nothing()
     {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (app, store) = app(&dir);
        let ca = who(&[Role::CivilAffairs], &["MONUSCO"]);
        let head = store.head().await.expect("the head");
        let date = today() + Duration::days(20);
        let ana = |to: &str| ConsideredRotation {
            staff_id: "ana".into(),
            to_base_id: to.into(),
            date,
        };

        let p = app
            .preview_rotation(&ca, &ana("oicha"), (None, None), None)
            .expect("a preview");
        assert_eq!((p.from_base_id.as_str(), p.name.as_str()), ("beni", "Ana"));
        let strength_on = |f: &CoverageForecast, d: NaiveDate| {
            f.days.iter().find(|x| x.date == d).map(|x| x.strength)
        };
        let (without, with) = &p.origin;
        assert_eq!(without.days.len(), 90);
        assert_eq!(without.days[0].date, today().max(date - Duration::days(7)));
        assert_eq!(
            strength_on(without, date),
            Some(2),
            "Beni keeps two without the move"
        );
        assert_eq!(strength_on(with, date), Some(1), "and one with it");
        assert_eq!(
            strength_on(with, date - Duration::days(1)),
            Some(2),
            "until the date"
        );
        let (without, with) = &p.destination;
        assert_eq!(
            (strength_on(without, date), strength_on(with, date)),
            (Some(0), Some(1)),
            "Oicha gains Ana on the date"
        );
        let gap = p.warning.expect("the move leaves Beni below its minimum");
        assert_eq!(gap.code, ErrorCode::CoverageGap);
        assert_eq!(gap.detail("baseName"), Some("Beni"));
        assert_eq!(gap.detail("strength"), Some("1"));
        assert_eq!(gap.detail("on"), Some(date.to_string().as_str()));

        // The plan's own refusals, the same as planning it would give.
        let same = app.preview_rotation(&ca, &ana("beni"), (None, None), None);
        let same = same.expect_err("to the base it leaves");
        assert_eq!(same.detail("rule"), Some("rotation-same-base"));
        let cy = ConsideredRotation {
            staff_id: "cy".into(),
            ..ana("beni")
        };
        let nowhere = app.preview_rotation(&ca, &cy, (None, None), None);
        assert_eq!(
            nowhere.expect_err("Cy is not deployed").detail("rule"),
            Some("no-deployment")
        );
        // Who may not plan it may not preview it.
        for reader in [
            who(&[Role::MissionHr], &["MONUSCO"]),
            who(&[Role::HqReviewer], &[]),
            who(&[Role::CivilAffairs], &["MINUSCA"]),
        ] {
            let refused = app.preview_rotation(&reader, &ana("oicha"), (None, None), None);
            assert_eq!(refused.expect_err("refused").code, ErrorCode::Forbidden);
        }
        assert_eq!(
            store.head().await.expect("the head"),
            head,
            "nothing written"
        );
    }
}
