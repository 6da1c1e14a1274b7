//! Supervision's application layer: management coverage and the changes to a mission's
//! management, taking the caller. Access is decided here, first: CIVIL_AFFAIRS of the mission and
//! ADMIN change its management; every reader of the mission reads its coverage. A change answers
//! the mission's management coverage on its day (or today, if that is later).

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use cla_platform::app::authorize;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role, Runtime};
use cla_registry::RegistryView;
use cla_staffing::StaffingView;

use crate::commands::SupervisionCommand;
use crate::decider::{Manager, SupervisionContext, SupervisionDecider};
use crate::events::{ManagerKind, stream};
use crate::projections::{
    ManagementCoverage, SupervisionHistoryEntry, SupervisionView, management_coverage,
};

/// Who changes a mission's management.
pub const WRITERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
/// Who reads a mission's management coverage.
pub const READERS: &[Role] = &Role::ALL;

// ---------------------------------------------------------------------------------------------
// Inputs

#[derive(Clone, Debug, PartialEq)]
pub struct AppointManager {
    pub field_office_id: String,
    pub name: String,
    pub kind: ManagerKind,
    /// For a senior CLA acting as field coordinator: their staff id.
    pub staff_id: Option<String>,
    pub from: NaiveDate,
}

/// A manager just appointed, and the mission's management coverage after it.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagerAppointed {
    pub manager: Manager,
    pub coverage: ManagementCoverage,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ManagerLeaves {
    pub manager_id: String,
    pub on: NaiveDate,
}

/// The manager supervises the CLA from `from`; a previous supervisor is replaced in the same step.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignSupervisor {
    pub manager_id: String,
    pub staff_id: String,
    pub from: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EndSupervision {
    pub staff_id: String,
    pub on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordFieldVisit {
    pub manager_id: String,
    pub base_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub purpose: String,
    pub notes: String,
}

/// A base's last field visit, as [`SupervisionApp::base_visit`] answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseVisitAnswer {
    pub last_visit: Option<NaiveDate>,
    pub days_since: Option<i64>,
    pub interval_days: u32,
    pub overdue: bool,
}

/// A CLA's supervisor on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisorAnswer {
    pub manager_id: String,
    pub name: String,
    pub since: NaiveDate,
}

// ---------------------------------------------------------------------------------------------
// The application

#[derive(Clone)]
pub struct SupervisionApp {
    runtime: Runtime,
    registry: Arc<RegistryView>,
    staffing: Arc<StaffingView>,
    supervision: Arc<SupervisionView>,
}

impl SupervisionApp {
    pub fn new(
        runtime: Runtime,
        registry: Arc<RegistryView>,
        staffing: Arc<StaffingView>,
        supervision: Arc<SupervisionView>,
    ) -> Self {
        Self {
            runtime,
            registry,
            staffing,
            supervision,
        }
    }

    pub fn view(&self) -> &Arc<SupervisionView> {
        &self.supervision
    }

    /// Per field office and for the mission: managers, spans, unsupervised CLAs, bases not visited
    /// within the mission's interval, coverage.
    pub fn management_coverage(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<ManagementCoverage> {
        authorize(who, mission, READERS)?;
        management_coverage(
            &self.registry,
            &self.staffing,
            &self.supervision,
            mission,
            view,
        )
    }

    /// A base's last field visit on or before the view's date (its last day), the days since,
    /// and the mission's interval: `overdue` where it is longer ago than that, or never.
    pub fn base_visit(
        &self,
        who: &Principal,
        base_id: &str,
        view: &View,
    ) -> AppResult<BaseVisitAnswer> {
        let mission = self
            .registry
            .mission_of_base(base_id)
            .ok_or_else(|| AppError::not_found("baseId", "no such base"))?;
        authorize(who, &mission, READERS)?;
        let interval_days = self
            .registry
            .mission(&mission, view)
            .map_or(30, |m| m.policy.field_visit_interval_days);
        let last_visit = self
            .supervision
            .management(&mission, view)
            .visits_by_base
            .get(base_id)
            .and_then(|v| v.last_on_or_before(view.as_of));
        let days_since = last_visit.map(|l| (view.as_of - l).num_days());
        Ok(BaseVisitAnswer {
            last_visit,
            days_since,
            interval_days,
            overdue: days_since.is_none_or(|d| d > i64::from(interval_days)),
        })
    }

    /// Who supervises a CLA on the view's date, and since when; `None` where nobody does.
    pub fn supervisor_of(
        &self,
        who: &Principal,
        mission: &str,
        staff_id: &str,
        view: &View,
    ) -> AppResult<Option<SupervisorAnswer>> {
        authorize(who, mission, READERS)?;
        let management = self.supervision.management(mission, view);
        Ok(management
            .supervisions
            .values()
            .find(|s| s.staff_id == staff_id && s.covers(view.as_of))
            .map(|s| SupervisorAnswer {
                manager_id: s.manager_id.clone(),
                name: management
                    .managers
                    .get(&s.manager_id)
                    .map_or_else(|| s.manager_id.clone(), |m| m.name.clone()),
                since: s.from,
            }))
    }

    /// Every change in a CLA's supervision the view sees, with its actor and recorded time.
    pub fn supervision_history(
        &self,
        who: &Principal,
        mission: &str,
        staff_id: &str,
        view: &View,
    ) -> AppResult<Vec<SupervisionHistoryEntry>> {
        authorize(who, mission, READERS)?;
        if self
            .staffing
            .mission_of_cla(staff_id)
            .is_some_and(|m| m != mission)
        {
            return Err(AppError::not_found(
                "staffId",
                "no such CLA in this mission",
            ));
        }
        Ok(self.supervision.history(staff_id, view))
    }

    /// Answers the manager appointed (with their new id) beside the mission's coverage.
    pub async fn appoint_manager(
        &self,
        who: &Principal,
        input: AppointManager,
    ) -> AppResult<ManagerAppointed> {
        let mission = self
            .registry
            .mission_of_field_office(&input.field_office_id)
            .ok_or_else(|| AppError::not_found("fieldOfficeId", "no such field office"))?;
        authorize(who, &mission, WRITERS)?;
        let manager_id = uuid::Uuid::now_v7().to_string();
        let command = SupervisionCommand::Appoint {
            manager_id: manager_id.clone(),
            field_office_id: input.field_office_id,
            name: input.name,
            kind: input.kind,
            staff_id: input.staff_id.unwrap_or_default(),
            from: input.from,
        };
        let coverage = self.run(who, &mission, command, input.from).await?;
        let manager = self
            .supervision
            .management(&mission, &View::on(input.from))
            .managers
            .get(&manager_id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("manager {manager_id} not in the view")))?;
        Ok(ManagerAppointed { manager, coverage })
    }

    pub async fn manager_leaves(
        &self,
        who: &Principal,
        input: ManagerLeaves,
    ) -> AppResult<ManagementCoverage> {
        let mission = self.manager_mission(who, &input.manager_id)?;
        let command = SupervisionCommand::Leave {
            manager_id: input.manager_id,
            on: input.on,
        };
        self.run(who, &mission, command, input.on).await
    }

    pub async fn assign_supervisor(
        &self,
        who: &Principal,
        input: AssignSupervisor,
    ) -> AppResult<ManagementCoverage> {
        let mission = self.manager_mission(who, &input.manager_id)?;
        let command = SupervisionCommand::Assign {
            supervision_id: uuid::Uuid::now_v7().to_string(),
            manager_id: input.manager_id,
            staff_id: input.staff_id,
            from: input.from,
        };
        self.run(who, &mission, command, input.from).await
    }

    pub async fn end_supervision(
        &self,
        who: &Principal,
        input: EndSupervision,
    ) -> AppResult<ManagementCoverage> {
        let mission = self
            .staffing
            .mission_of_cla(&input.staff_id)
            .ok_or_else(|| AppError::not_found("staffId", "no such CLA"))?;
        authorize(who, &mission, WRITERS)?;
        let command = SupervisionCommand::EndSupervision {
            staff_id: input.staff_id,
            on: input.on,
        };
        self.run(who, &mission, command, input.on).await
    }

    pub async fn record_field_visit(
        &self,
        who: &Principal,
        input: RecordFieldVisit,
    ) -> AppResult<ManagementCoverage> {
        let mission = self.manager_mission(who, &input.manager_id)?;
        let from = input.from;
        let command = SupervisionCommand::RecordVisit {
            visit_id: uuid::Uuid::now_v7().to_string(),
            manager_id: input.manager_id,
            base_id: input.base_id,
            from: input.from,
            to: input.to,
            purpose: input.purpose,
            notes: input.notes,
        };
        self.run(who, &mission, command, from).await
    }

    /// A manager's mission, with `who` allowed to change its management: NOT_FOUND for an unknown
    /// manager, whoever asks.
    fn manager_mission(&self, who: &Principal, id: &str) -> AppResult<String> {
        let mission = self
            .supervision
            .mission_of_manager(id)
            .ok_or_else(|| AppError::not_found("managerId", "no such manager"))?;
        authorize(who, &mission, WRITERS)?;
        Ok(mission)
    }

    /// Runs a command on the mission's management stream, with what it needs from the registry
    /// (field offices and bases on its day) and staffing (the mission's CLAs).
    async fn run(
        &self,
        who: &Principal,
        mission: &str,
        command: SupervisionCommand,
        on: NaiveDate,
    ) -> AppResult<ManagementCoverage> {
        let day = View::on(on);
        let context = SupervisionContext {
            field_offices: self
                .registry
                .field_offices(mission, &day)
                .into_iter()
                .map(|o| o.id)
                .collect(),
            bases: self
                .registry
                .bases(mission, &day)
                .into_iter()
                .map(|b| b.id)
                .collect(),
            staff: self
                .staffing
                .roster(mission, &View::on(NaiveDate::MAX))
                .keys()
                .cloned()
                .collect(),
        };
        let meta = CommandMeta::by(who, Some(mission), WRITERS, on)?;
        self.runtime
            .execute::<SupervisionDecider>(&stream(mission), &command, &context, &meta)
            .await?;
        management_coverage(
            &self.registry,
            &self.staffing,
            &self.supervision,
            mission,
            &View::on(on.max(Utc::now().date_naive())),
        )
    }

    /// Whether `who` may change the mission's management (appoint, assign, end, record a visit):
    /// the doors offer those forms only then.
    pub fn may_change(&self, who: &Principal, mission: &str) -> bool {
        who.holds_for(mission, WRITERS)
    }
}

#[cfg(test)]
mod tests;
