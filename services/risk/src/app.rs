//! The application layer of risk and welfare: every command and query of the context, taking the
//! caller. Access is decided here, for every door:
//!
//! - the register and check-in compliance: every reader of the mission gets the counts; the flags
//!   themselves and who is overdue are [`Restricted`] to CIVIL_AFFAIRS of the mission and ADMIN
//!   ([`DETAIL_ROLES`]);
//! - a flag (its detail, notes, mitigations and timeline) and every change: CIVIL_AFFAIRS of the
//!   flag's (or the CLA's) mission and ADMIN, refused with FORBIDDEN to anyone else;
//! - a roll call: those who record check-ins, for the field office's mission;
//! - an id that names nothing is NOT_FOUND, whoever asks.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cla_platform::app::authorize;
use cla_platform::clock::Clock;
use cla_platform::command::CommandMeta;
use cla_platform::disclosure::PlacesWithheld;
use cla_platform::personal::Datum;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Restricted, Role, Runtime};
use cla_registry::RegistryView;
use cla_staffing::StaffingView;

use crate::commands::RiskCommand;
use crate::decider::{Flag, FlagStatus, RiskContext, RiskDecider};
use crate::detector::{Detector, close_silences};
use crate::events::{Category, Channel, Mitigation, Severity, Welfare, stream};
use crate::projections::{
    ComplianceCounts, FlagFilter, RegisterCounts, RiskView, TimelineEntry, check_in_compliance,
    open_flags, open_flags_by_base, people_by_base, register_counts,
};

/// Who sees (and changes) a person's flags: CIVIL_AFFAIRS of the mission and ADMIN.
pub const DETAIL_ROLES: &[Role] = &[Role::Admin, Role::CivilAffairs];
/// Who reads a mission's counts: every role, in its scope.
pub const READERS: &[Role] = &Role::ALL;

/// The risk and welfare application: cheap to clone.
#[derive(Clone)]
pub struct RiskApp {
    runtime: Runtime,
    risk: Arc<RiskView>,
    staffing: Arc<StaffingView>,
    registry: Arc<RegistryView>,
    clock: Arc<dyn Clock>,
    detector: Arc<Detector>,
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// A CLA reported in (default: now). Not in the future.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordCheckIn {
    pub staff_id: String,
    pub at: Option<DateTime<Utc>>,
    pub channel: Channel,
    pub welfare: Welfare,
    pub notes: String,
}

/// A check-in by SMS: the welfare its keyword named (or unknown), the rest of the text as notes,
/// and whether it carried the CLA's duress word.
#[derive(Clone, Debug, PartialEq)]
pub struct SmsCheckIn {
    pub staff_id: String,
    /// When the gateway says it was sent; now where it does not say.
    pub at: Option<DateTime<Utc>>,
    pub welfare: Welfare,
    pub notes: String,
    pub duress: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RaiseRiskFlag {
    pub staff_id: String,
    pub category: Category,
    pub severity: Severity,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChangeRiskSeverity {
    pub flag_id: String,
    pub severity: Severity,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AddMitigation {
    pub flag_id: String,
    pub action: Mitigation,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRiskFlag {
    pub flag_id: String,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CloseRiskFlag {
    pub flag_id: String,
    pub resolution: String,
}

/// A field office's radio roll call: the CLAs heard on the radio at a time (default: now), each
/// with their welfare. Each becomes a check-in on channel RADIO; a list with any bad line is
/// refused whole, naming each bad line, and writes nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRollCall {
    pub field_office_id: String,
    pub at: Option<DateTime<Utc>>,
    pub heard: Vec<Heard>,
}

/// One CLA heard in a roll call.
#[derive(Clone, Debug, PartialEq)]
pub struct Heard {
    pub staff_id: String,
    pub welfare: Welfare,
    pub notes: String,
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A person's flag as a view sees it: only ever handed to CIVIL_AFFAIRS of the mission and ADMIN.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagRecord {
    pub flag: Flag,
    /// The view it was read with; its date is the day reviews are overdue against.
    pub view: View,
}

impl FlagRecord {
    pub fn review_overdue(&self) -> bool {
        self.flag.status != FlagStatus::Closed && self.flag.review_due < self.view.as_of
    }

    /// A silence's flag: when the CLA was last heard from (none where they had not checked in).
    pub fn last_heard_at(&self) -> Option<DateTime<Utc>> {
        let cause = self
            .flag
            .cause
            .as_ref()
            .filter(|_| self.flag.is_silence())?;
        DateTime::parse_from_rfc3339(&cause.last_heard_at)
            .ok()
            .map(|t| t.to_utc())
    }

    /// Raised by the system: why (CHECK_IN, MISSED_CHECK_IN, BASE_CLOSURE) and what caused it.
    pub fn cause(&self) -> Option<String> {
        self.flag.cause.as_ref().map(|c| match c.kind.as_str() {
            crate::decider::MISSED_CHECK_IN => format!("MISSED_CHECK_IN {}", c.period_due_at),
            "BASE_CLOSURE" => format!("BASE_CLOSURE {} {}", c.base_id, c.event_id),
            other => format!("{other} {}", c.event_id),
        })
    }
}

/// A mission's open risk flags as the caller may see them: counts for every reader, the flags for
/// CIVIL_AFFAIRS of the mission and ADMIN.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskRegister {
    pub mission_code: String,
    pub counts: RegisterCounts,
    pub flags: Restricted<Vec<Flag>>,
    pub view: View,
}

impl RiskRegister {
    /// The flags that pass `filter`, most severe first, then oldest first (withheld as the flags
    /// are).
    pub fn flags_where(&self, filter: &FlagFilter) -> Restricted<Vec<FlagRecord>> {
        self.flags.as_ref().map(|flags| {
            filter
                .select(flags, self.view.as_of)
                .into_iter()
                .map(|flag| FlagRecord {
                    flag,
                    view: self.view,
                })
                .collect()
        })
    }
}

/// A CLA whose check-in is overdue now.
#[derive(Clone, Debug, PartialEq)]
pub struct OverdueCla {
    pub staff_id: String,
    pub base_id: String,
    pub due_at: DateTime<Utc>,
    pub interval_hours: i64,
}

/// A CLA's check-ins as they stand now: the last one, when the next is due, whether it is overdue.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaCheckIns {
    pub staff_id: String,
    pub base_id: String,
    pub last_at: Option<DateTime<Utc>>,
    /// When a check-in was due after the last one (or since the obligation began).
    pub due_at: DateTime<Utc>,
    /// No check-in by the due time plus the mission's grace.
    pub overdue: bool,
}

/// A mission's check-in compliance as the caller may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckInCompliance {
    pub mission_code: String,
    /// Over the 30 days to the view's date.
    pub counts: ComplianceCounts,
    /// How many CLAs are overdue now: every reader.
    pub overdue_count: usize,
    /// Who is overdue now: CIVIL_AFFAIRS of the mission and ADMIN.
    pub overdue: Restricted<Vec<OverdueCla>>,
}

/// What a check-in recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckInOutcome {
    pub check_in_id: String,
    pub at: DateTime<Utc>,
    /// The flag raised at once for "needs assistance" or "under threat".
    pub raised_flag_id: Option<String>,
}

/// A roll call's check-in of one CLA.
#[derive(Clone, Debug, PartialEq)]
pub struct RollCallCheckIn {
    pub staff_id: String,
    pub check_in: CheckInOutcome,
}

/// A roll call refused: as one error (the first bad line's field, every bad line in the
/// message), and each bad line's own refusal with its field (`heard[2].staffId`).
#[derive(Clone, Debug, PartialEq)]
pub struct RollCallRefused {
    pub error: AppError,
    pub lines: Vec<AppError>,
}

impl From<AppError> for RollCallRefused {
    fn from(error: AppError) -> Self {
        Self {
            error,
            lines: Vec::new(),
        }
    }
}

impl RiskApp {
    pub fn new(
        runtime: Runtime,
        risk: Arc<RiskView>,
        staffing: Arc<StaffingView>,
        registry: Arc<RegistryView>,
        clock: Arc<dyn Clock>,
        detector: Arc<Detector>,
    ) -> Self {
        Self {
            runtime,
            risk,
            staffing,
            registry,
            clock,
            detector,
        }
    }

    /// The view a risk query asks for: `as_of` defaults to the clock's today (the injected clock,
    /// which also dates the flags the system raises).
    pub fn view(&self, as_of: Option<NaiveDate>, known_at: Option<DateTime<Utc>>) -> View {
        View {
            as_of: as_of.unwrap_or_else(|| self.today()),
            known_at,
        }
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    /// The mission a CLA belongs to, for guards and doors that name a CLA.
    pub fn mission_of_cla(&self, staff_id: &str) -> Option<String> {
        self.staffing.mission_of_cla(staff_id)
    }

    /// The mission a field office is in.
    pub fn mission_of_field_office(&self, id: &str) -> Option<String> {
        self.registry.mission_of_field_office(id)
    }

    /// A flag's restricted texts (notes, mitigations, resolution) opened for `who`, who may see
    /// them: the look recorded; an erased CLA's read as empty.
    fn opened(&self, who: &Principal, mut flag: Flag) -> Flag {
        let personal = &self.runtime.personal;
        let staff_id = flag.staff_id.clone();
        let open = |text: &str| {
            if text.is_empty() {
                return String::new();
            }
            personal
                .disclose(who, true, &staff_id, Datum::RiskNotes, text)
                .shown()
                .unwrap_or_default()
        };
        flag.notes = open(&flag.notes);
        for (_, notes) in &mut flag.mitigations {
            *notes = open(notes);
        }
        if let Some(resolution) = &mut flag.resolution {
            *resolution = open(resolution);
        }
        flag
    }

    /// A CLA's open flags as the view sees them, for CIVIL_AFFAIRS of their mission and ADMIN
    /// (withheld from every other reader in scope).
    pub fn flags_of_cla(
        &self,
        who: &Principal,
        mission: &str,
        staff_id: &str,
        view: &View,
    ) -> AppResult<Restricted<Vec<Flag>>> {
        authorize(who, mission, READERS)?;
        if !who.holds_for(mission, DETAIL_ROLES) {
            return Ok(Restricted::Withheld);
        }
        Ok(Restricted::Shown(
            open_flags(&self.risk, mission, view)
                .into_iter()
                .filter(|f| f.staff_id == staff_id)
                .map(|f| self.opened(who, f))
                .collect(),
        ))
    }

    /// The mission a flag was raised in.
    pub fn mission_of_flag(&self, flag_id: &str) -> Option<String> {
        self.risk.mission_of_flag(flag_id)
    }

    /// Refuses `who` unless they see the detail of the flag `flag_id` names; NOT_FOUND for none.
    fn authorize_flag(&self, who: &Principal, flag_id: &str) -> AppResult<String> {
        let mission = self
            .mission_of_flag(flag_id)
            .ok_or_else(|| AppError::not_found("flagId", "no such risk flag"))?;
        authorize(who, &mission, DETAIL_ROLES)?;
        self.risk
            .staff_of_flag(flag_id)
            .ok_or_else(|| AppError::not_found("flagId", "no such risk flag"))
    }

    // -----------------------------------------------------------------------------------------
    // Queries

    /// A mission's open risk flags: counts for every reader in scope, the flags themselves for
    /// CIVIL_AFFAIRS of the mission and ADMIN.
    pub fn risk_register(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<RiskRegister> {
        authorize(who, mission, READERS)?;
        if self.registry.mission(mission, view).is_none() {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission} as of {}", view.as_of),
            ));
        }
        let office_of = self.office_of(mission, view);
        let flags = open_flags(&self.risk, mission, view);
        let counts = register_counts(&flags, &office_of, view.as_of)
            .withholding(&self.places_withheld(who, mission, view));
        Ok(RiskRegister {
            mission_code: mission.to_string(),
            counts,
            flags: Restricted::for_caller(who, mission, DETAIL_ROLES, || {
                flags.into_iter().map(|f| self.opened(who, f)).collect()
            }),
            view: *view,
        })
    }

    /// Each base of the mission and its field office.
    fn office_of(&self, mission: &str, view: &View) -> BTreeMap<String, String> {
        self.registry
            .bases(mission, view)
            .into_iter()
            .map(|b| (b.id, b.details.field_office_id))
            .collect()
    }

    /// What `who` may not see of a mission's risk counts: nothing for those who see risk detail;
    /// for everyone else, every count that would cover fewer than 3 CLAs (see
    /// [`cla_platform::disclosure`]).
    pub fn places_withheld(&self, who: &Principal, mission: &str, view: &View) -> PlacesWithheld {
        if who.holds_for(mission, DETAIL_ROLES) {
            return PlacesWithheld::nothing();
        }
        let office_of = self.office_of(mission, view);
        let mut people = people_by_base(&self.risk, &self.staffing, mission, view);
        // Every base stands as a cell, the empty ones too.
        for base in office_of.keys() {
            people.entry(base.clone()).or_default();
        }
        PlacesWithheld::of(&people, &office_of)
    }

    /// One flag, for CIVIL_AFFAIRS of its mission and ADMIN.
    pub fn risk_flag(&self, who: &Principal, flag_id: &str, view: &View) -> AppResult<FlagRecord> {
        let staff = self.authorize_flag(who, flag_id)?;
        let flag = self
            .risk
            .flags_only(&staff, view)
            .flags
            .remove(flag_id)
            .ok_or_else(|| {
                AppError::not_found("flagId", format!("no such risk flag as of {}", view.as_of))
            })?;
        Ok(FlagRecord {
            flag: self.opened(who, flag),
            view: *view,
        })
    }

    /// Every event of a flag the view sees, with its actor and recorded time: for CIVIL_AFFAIRS of
    /// its mission and ADMIN.
    pub fn flag_timeline(
        &self,
        who: &Principal,
        flag_id: &str,
        view: &View,
    ) -> AppResult<Vec<TimelineEntry>> {
        self.authorize_flag(who, flag_id)?;
        Ok(self.risk.timeline(flag_id, view))
    }

    /// Check-in compliance over the 30 days to the view's date, and who is overdue now (the
    /// clock's now): counts for every reader in scope, the names for CIVIL_AFFAIRS and ADMIN.
    pub fn check_in_compliance(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<CheckInCompliance> {
        authorize(who, mission, READERS)?;
        let office_of = self.office_of(mission, view);
        let mut counts = check_in_compliance(&self.risk, &self.staffing, &office_of, mission, view);
        if !who.holds_for(mission, DETAIL_ROLES) {
            // As for the register: no count a counts-only reader sees covers fewer than 3 CLAs
            // (a missed check-in at a lone CLA's base is that CLA's).
            let mut people = counts.people.clone();
            for base in office_of.keys() {
                people.entry(base.clone()).or_default();
            }
            counts = counts.withholding(&PlacesWithheld::of(&people, &office_of));
        }
        let now = self.clock.now();
        let overdue: Vec<OverdueCla> = self
            .detector
            .obligations(mission, now)
            .into_iter()
            .filter(|o| o.overdue(now))
            .map(|o| OverdueCla {
                staff_id: o.staff_id,
                base_id: o.base_id,
                due_at: o.due_at,
                interval_hours: o.interval_hours,
            })
            .collect();
        Ok(CheckInCompliance {
            mission_code: mission.to_string(),
            overdue_count: if counts.withheld { 0 } else { overdue.len() },
            counts,
            overdue: Restricted::for_caller(who, mission, DETAIL_ROLES, || overdue),
        })
    }

    /// Each CLA of the mission who owes check-ins now (deployed, not away), with their last
    /// check-in and when the next is due, in the registry's order of bases: for CIVIL_AFFAIRS of
    /// the mission and ADMIN; every other reader in scope gets it withheld (how many are overdue
    /// is [`Self::check_in_compliance`]'s count).
    pub fn cla_check_ins(
        &self,
        who: &Principal,
        mission: &str,
    ) -> AppResult<Restricted<Vec<ClaCheckIns>>> {
        authorize(who, mission, READERS)?;
        Ok(Restricted::for_caller(who, mission, DETAIL_ROLES, || {
            let now = self.clock.now();
            self.detector
                .obligations(mission, now)
                .into_iter()
                .map(|o| ClaCheckIns {
                    overdue: o.overdue(now),
                    staff_id: o.staff_id,
                    base_id: o.base_id,
                    last_at: o.last_heard_at,
                    due_at: o.due_at,
                })
                .collect()
        }))
    }

    // -----------------------------------------------------------------------------------------
    // Commands

    pub async fn record_check_in(
        &self,
        who: &Principal,
        input: RecordCheckIn,
    ) -> AppResult<CheckInOutcome> {
        self.record_named_check_in(who, uuid::Uuid::now_v7().to_string(), input)
            .await
    }

    /// A check-in its door names (a gateway's message id, a generator's seeded id): sent again
    /// with the same id, it is recorded once.
    pub async fn record_named_check_in(
        &self,
        who: &Principal,
        check_in_id: String,
        input: RecordCheckIn,
    ) -> AppResult<CheckInOutcome> {
        let mission = self.authorize_cla(who, &input.staff_id)?;
        let at = input.at.unwrap_or_else(|| self.clock.now());
        let flag_id = uuid::Uuid::now_v7().to_string();
        let command = RiskCommand::RecordCheckIn {
            check_in_id: check_in_id.clone(),
            at,
            channel: input.channel,
            welfare: input.welfare,
            notes: input.notes,
            flag_id: flag_id.clone(),
        };
        self.run(who, &mission, &input.staff_id, command).await?;
        self.end_silences(&mission, &input.staff_id, at).await;
        let raised = self.risk.staff_of_flag(&flag_id).map(|_| flag_id);
        Ok(CheckInOutcome {
            check_in_id,
            at,
            raised_flag_id: raised,
        })
    }

    /// After a check-in made at `at`: the flags of the silences it ended are closed, as the
    /// system (nothing is asked where no silence's flag is open). Should this fail, the
    /// detector's next scan closes them.
    async fn end_silences(&self, mission: &str, staff_id: &str, at: DateTime<Utc>) {
        let open = self
            .risk
            .flags_only(staff_id, &View::on(self.today()))
            .flags
            .values()
            .any(|f| f.status != FlagStatus::Closed && f.silent_since().is_some_and(|s| s < at));
        if !open {
            return;
        }
        let context = self.context(mission, staff_id);
        if let Err(e) = close_silences(&self.runtime, &context).await {
            tracing::warn!(error = ?e, staff = %staff_id, "a silence's flag left for the next scan to close");
        }
    }

    /// Records a field office's radio roll call: every line is checked before anything is
    /// written (the CLA is known, of the field office's mission and deployed on the day, listed
    /// once; the time is not in the future), then each CLA heard gets a check-in on channel
    /// RADIO. Those who record check-ins for the mission may.
    pub async fn record_roll_call(
        &self,
        who: &Principal,
        input: RecordRollCall,
    ) -> Result<Vec<RollCallCheckIn>, RollCallRefused> {
        let mission = self
            .registry
            .mission_of_field_office(&input.field_office_id)
            .ok_or_else(|| {
                AppError::not_found(
                    "fieldOfficeId",
                    format!("no field office {}", input.field_office_id),
                )
            })?;
        authorize(who, &mission, DETAIL_ROLES)?;
        let now = self.clock.now();
        let at = input.at.unwrap_or(now);
        if at > now {
            return Err(AppError::validation("at", "a roll call is not in the future").into());
        }
        if input.heard.is_empty() {
            return Err(AppError::validation("heard", "list the CLAs heard").into());
        }
        let day = at.date_naive();
        let staffing = self.staffing.staffing(&mission, &View::on(day));
        let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
        let mut lines = Vec::new();
        for (i, line) in input.heard.iter().enumerate() {
            let field = |name: &str| format!("heard[{i}].{name}");
            let staff = line.staff_id.trim();
            if let Some(first) = first_line.get(staff) {
                lines.push(AppError::validation(
                    field("staffId"),
                    format!("{staff} is listed twice (first in heard[{first}])"),
                ));
                continue;
            }
            first_line.insert(staff, i);
            if self.mission_of_cla(staff).as_deref() != Some(mission.as_str()) {
                // The same words whether the CLA is unknown or of another mission.
                lines.push(AppError::validation(
                    field("staffId"),
                    format!("no CLA {staff} in mission {mission}"),
                ));
                continue;
            }
            if staffing.deployment_on(staff, day).is_none() {
                lines.push(AppError::validation(
                    field("staffId"),
                    format!("{staff} is not deployed on {day}"),
                ));
                continue;
            }
            if line.welfare == Welfare::Unspecified {
                lines.push(AppError::validation(
                    field("welfare"),
                    "give the CLA's welfare status",
                ));
                continue;
            }
            if line.notes.trim().chars().count() > 4000 {
                lines.push(AppError::validation(
                    field("notes"),
                    "notes are at most 4000 characters",
                ));
            }
        }
        if let Some(first) = lines.first() {
            let all: Vec<String> = lines
                .iter()
                .map(|e| format!("{}: {}", e.field.as_deref().unwrap_or(""), e.message))
                .collect();
            let error = AppError::validation(
                first.field.clone().unwrap_or_default(),
                format!(
                    "the roll call is refused, nothing was recorded: {}",
                    all.join("; ")
                ),
            );
            return Err(RollCallRefused { error, lines });
        }
        let mut out = Vec::with_capacity(input.heard.len());
        for line in input.heard {
            let staff_id = line.staff_id.trim().to_string();
            let check_in = self
                .record_check_in(
                    who,
                    RecordCheckIn {
                        staff_id: staff_id.clone(),
                        at: Some(at),
                        channel: Channel::Radio,
                        welfare: line.welfare,
                        notes: line.notes,
                    },
                )
                .await?;
            out.push(RollCallCheckIn { staff_id, check_in });
        }
        Ok(out)
    }

    /// A check-in that came through an SMS gateway, named by the gateway's message id (sent again,
    /// it is recorded once). With the CLA's duress word, it is recorded as an ordinary "OK" and a
    /// critical threat flag marked as duress is raised, visible only as other flags are (to
    /// CIVIL_AFFAIRS of the mission and ADMIN; every other reader sees a count of threat flags,
    /// never the cause). `who` is the door's own principal.
    pub async fn record_sms_check_in(
        &self,
        who: &Principal,
        message_id: String,
        input: SmsCheckIn,
    ) -> AppResult<CheckInOutcome> {
        if !input.duress {
            return self
                .record_named_check_in(
                    who,
                    message_id,
                    RecordCheckIn {
                        staff_id: input.staff_id,
                        at: input.at,
                        channel: Channel::Sms,
                        welfare: input.welfare,
                        notes: input.notes,
                    },
                )
                .await;
        }
        let mission = self.authorize_cla(who, &input.staff_id)?;
        let at = input.at.unwrap_or_else(|| self.clock.now());
        let flag_id = uuid::Uuid::now_v7().to_string();
        let command = RiskCommand::RecordDuressCheckIn {
            check_in_id: message_id.clone(),
            at,
            channel: Channel::Sms,
            flag_id: flag_id.clone(),
        };
        self.run(who, &mission, &input.staff_id, command).await?;
        self.end_silences(&mission, &input.staff_id, at).await;
        let raised = self.risk.staff_of_flag(&flag_id).map(|_| flag_id);
        Ok(CheckInOutcome {
            check_in_id: message_id,
            at,
            raised_flag_id: raised,
        })
    }

    pub async fn raise_risk_flag(
        &self,
        who: &Principal,
        input: RaiseRiskFlag,
    ) -> AppResult<FlagRecord> {
        let mission = self.authorize_cla(who, &input.staff_id)?;
        let flag_id = uuid::Uuid::now_v7().to_string();
        let command = RiskCommand::Raise {
            flag_id: flag_id.clone(),
            category: input.category,
            severity: input.severity,
            notes: input.notes,
        };
        self.run(who, &mission, &input.staff_id, command).await?;
        self.risk_flag(who, &flag_id, &self.view(None, None))
    }

    /// Escalates or de-escalates a flag.
    pub async fn change_risk_severity(
        &self,
        who: &Principal,
        input: ChangeRiskSeverity,
    ) -> AppResult<FlagRecord> {
        let flag_id = input.flag_id.clone();
        self.on_flag(
            who,
            &flag_id,
            RiskCommand::ChangeSeverity {
                flag_id: input.flag_id,
                severity: input.severity,
                reason: input.reason,
            },
        )
        .await
    }

    pub async fn add_mitigation(
        &self,
        who: &Principal,
        input: AddMitigation,
    ) -> AppResult<FlagRecord> {
        let flag_id = input.flag_id.clone();
        self.on_flag(
            who,
            &flag_id,
            RiskCommand::AddMitigation {
                flag_id: input.flag_id,
                action: input.action,
                notes: input.notes,
            },
        )
        .await
    }

    /// Reviews a flag; the next review is due in 7 days (high, critical) or 30.
    pub async fn review_risk_flag(
        &self,
        who: &Principal,
        input: ReviewRiskFlag,
    ) -> AppResult<FlagRecord> {
        let flag_id = input.flag_id.clone();
        self.on_flag(
            who,
            &flag_id,
            RiskCommand::Review {
                flag_id: input.flag_id,
                notes: input.notes,
            },
        )
        .await
    }

    pub async fn close_risk_flag(
        &self,
        who: &Principal,
        input: CloseRiskFlag,
    ) -> AppResult<FlagRecord> {
        let flag_id = input.flag_id.clone();
        self.on_flag(
            who,
            &flag_id,
            RiskCommand::Close {
                flag_id: input.flag_id,
                resolution: input.resolution,
            },
        )
        .await
    }

    /// Refuses `who` unless they change the flags of the CLA `staff_id` names; NOT_FOUND for none.
    /// Returns the CLA's mission.
    fn authorize_cla(&self, who: &Principal, staff_id: &str) -> AppResult<String> {
        let mission = self
            .mission_of_cla(staff_id)
            .ok_or_else(|| AppError::not_found("staffId", format!("no CLA {staff_id}")))?;
        authorize(who, &mission, DETAIL_ROLES)?;
        Ok(mission)
    }

    async fn on_flag(
        &self,
        who: &Principal,
        flag_id: &str,
        command: RiskCommand,
    ) -> AppResult<FlagRecord> {
        let staff = self.authorize_flag(who, flag_id)?;
        let mission = self.authorize_cla(who, &staff)?;
        self.run(who, &mission, &staff, command).await?;
        self.risk_flag(who, flag_id, &self.view(None, None))
    }

    /// What a decision on the CLA's stream needs: their base now, the clock's time.
    fn context(&self, mission: &str, staff_id: &str) -> RiskContext {
        let now = self.clock.now();
        let today = now.date_naive();
        let base_id = self
            .staffing
            .staffing(mission, &View::on(today))
            .deployment_on(staff_id, today)
            .map(|d| d.base_id.clone())
            .unwrap_or_default();
        RiskContext {
            staff_id: staff_id.to_string(),
            mission: mission.to_string(),
            base_id,
            now,
        }
    }

    /// Decides a risk command on the CLA's stream, through the one command path.
    async fn run(
        &self,
        who: &Principal,
        mission: &str,
        staff_id: &str,
        command: RiskCommand,
    ) -> AppResult<()> {
        let context = self.context(mission, staff_id);
        let today = context.now.date_naive();
        let effective = match &command {
            RiskCommand::RecordCheckIn { at, .. } | RiskCommand::RecordDuressCheckIn { at, .. } => {
                at.date_naive().min(today)
            }
            _ => today,
        };
        let meta = CommandMeta::by(who, Some(mission), DETAIL_ROLES, effective)?;
        self.runtime
            .execute::<RiskDecider>(&stream(staff_id), &command, &context, &meta)
            .await?;
        Ok(())
    }
}

/// The board's open flags by base, as [`RiskApp::places_withheld`] lets the caller see them.
pub struct BoardRisk(pub RiskApp);

impl cla_staffing::OpenRiskFlags for BoardRisk {
    fn by_base(&self, who: &Principal, mission: &str, view: &View) -> cla_staffing::BaseRiskCounts {
        let withheld = self.0.places_withheld(who, mission, view).bases;
        cla_staffing::BaseRiskCounts {
            counts: open_flags_by_base(&self.0.risk, mission, view)
                .into_iter()
                .filter(|(base, _)| !withheld.contains(base))
                .map(|(base, counts)| (base, counts.as_array()))
                .collect(),
            withheld,
        }
    }
}
