//! The registry's application layer: every command and query of missions, field offices and
//! bases, taking the caller. Access is decided here, first: ADMIN creates and changes missions;
//! ADMIN and CIVIL_AFFAIRS of the mission manage its field offices and bases; everyone signed in
//! reads what their scope covers. An unknown field office or base is NOT_FOUND whoever asks.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cla_platform::app::{authorize, authorize_role};
use cla_platform::command::{CommandMeta, load};
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role, Runtime};
use futures::{Stream, StreamExt};

use crate::BaseOccupancy;
use crate::commands::{
    BaseCommand, BaseDetails, BaseDetailsPatch, FieldOfficeCommand, MissionCommand,
    StaffingPolicyChange,
};
use crate::decider::{
    Base, BaseContext, BaseDecider, BaseStatus, FieldOffice, FieldOfficeContext,
    FieldOfficeDecider, Mission, MissionDecider, check_code,
};
use crate::events::{self, BaseKind, RegistryEvent, streams};
use crate::process::closure;
use crate::projections::{AuditEntry, RegistryView};

/// Who manages a mission's field offices and bases.
pub const MANAGERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
/// Who creates and changes missions.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Who reads a mission's registry.
pub const READERS: &[Role] = &Role::ALL;

// ---------------------------------------------------------------------------------------------
// Inputs

#[derive(Clone, Debug, PartialEq)]
pub struct CreateMission {
    pub code: String,
    pub name: String,
    pub country: String,
    /// Made to the default policy (DESIGN §2).
    pub policy: StaffingPolicyChange,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenameMission {
    pub code: String,
    pub name: String,
    pub country: String,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChangeMissionPolicy {
    pub code: String,
    /// What is given replaces what the policy has when the change is decided.
    pub change: StaffingPolicyChange,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OpenFieldOffice {
    pub mission_code: String,
    pub name: String,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenameFieldOffice {
    pub field_office_id: String,
    pub name: String,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OpenBase {
    /// The field office it opens under is `details.field_office_id`.
    pub details: BaseDetails,
    pub effective: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChangeBase {
    pub base_id: String,
    /// Made to the base as the change is decided on.
    pub patch: BaseDetailsPatch,
    pub effective: NaiveDate,
}

/// A step in a base's lifecycle: start closing, cancel closing, close.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseStep {
    pub base_id: String,
    pub reason: String,
    pub effective: NaiveDate,
}

/// Which of a mission's bases a query asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BaseFilter {
    pub status: Option<BaseStatus>,
    pub kind: Option<BaseKind>,
    pub field_office_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A base with the minimum CLA strength its mission's policy gives it (where it has none of its
/// own).
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedBase {
    pub base: Base,
    pub mission_minimum: u32,
}

impl PlacedBase {
    /// The minimum CLA strength that applies: the base's own, or its mission's policy.
    pub fn minimum(&self) -> u32 {
        self.base
            .details
            .minimum_override
            .unwrap_or(self.mission_minimum)
    }
}

/// A change in a mission's registry, as its subscribers see it.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistryChange {
    /// The stored event type (`BaseOpened.v1`).
    pub event_type: String,
    pub mission_code: String,
    /// The mission code, field office id or base id the change is about.
    pub subject_id: String,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub position: u64,
}

/// What a change shows once made: the world on its effective date, or today if that is later.
fn after_change(effective: NaiveDate) -> View {
    View::on(effective.max(Utc::now().date_naive()))
}

/// Every date, as recorded so far.
#[cfg(test)]
fn ever() -> View {
    View::on(NaiveDate::MAX)
}

// ---------------------------------------------------------------------------------------------
// The application

#[derive(Clone)]
pub struct RegistryApp {
    runtime: Runtime,
    registry: Arc<RegistryView>,
    /// Who is deployed at a base, asked before it closes (none: nothing is asked).
    occupancy: Option<Arc<dyn BaseOccupancy>>,
}

impl RegistryApp {
    pub fn new(
        runtime: Runtime,
        registry: Arc<RegistryView>,
        occupancy: Option<Arc<dyn BaseOccupancy>>,
    ) -> Self {
        Self {
            runtime,
            registry,
            occupancy,
        }
    }

    pub fn view(&self) -> &Arc<RegistryView> {
        &self.registry
    }

    // -- queries

    /// The missions the caller's scope covers, by code.
    pub fn missions(&self, who: &Principal, view: &View) -> Vec<Mission> {
        self.registry
            .missions(view)
            .into_iter()
            .filter(|m| who.can_read(&m.code))
            .collect()
    }

    pub fn mission(&self, who: &Principal, code: &str, view: &View) -> AppResult<Mission> {
        authorize(who, code, READERS)?;
        self.registry.mission(code, view).ok_or_else(|| {
            AppError::not_found("code", format!("no mission {code} as of {}", view.as_of))
        })
    }

    /// Who changed what in a mission's registry (the mission, its field offices and bases), as
    /// the view sees it, the last recorded first: the mission's readers.
    pub fn mission_history(
        &self,
        who: &Principal,
        code: &str,
        view: &View,
    ) -> AppResult<Vec<AuditEntry>> {
        self.mission(who, code, view)?;
        Ok(self.registry.changes(code, view))
    }

    /// A mission's field offices, by name.
    pub fn field_offices(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<Vec<FieldOffice>> {
        authorize(who, mission, READERS)?;
        Ok(self.registry.field_offices(mission, view))
    }

    pub fn field_office(&self, who: &Principal, id: &str, view: &View) -> AppResult<FieldOffice> {
        if let Some(mission) = self.registry.mission_of_field_office(id) {
            authorize(who, &mission, READERS)?;
        }
        self.registry.field_office(id, view).ok_or_else(|| {
            AppError::not_found(
                "fieldOfficeId",
                format!("no field office {id} as of {}", view.as_of),
            )
        })
    }

    /// A mission's bases, by name, with filters.
    pub fn bases(
        &self,
        who: &Principal,
        mission: &str,
        filter: &BaseFilter,
        view: &View,
    ) -> AppResult<Vec<PlacedBase>> {
        authorize(who, mission, READERS)?;
        let Some(m) = self.registry.mission(mission, view) else {
            return Err(AppError::not_found(
                "missionCode",
                format!("no mission {mission} as of {}", view.as_of),
            ));
        };
        let minimum = m.policy.minimum_clas_per_base;
        Ok(self
            .registry
            .bases(mission, view)
            .into_iter()
            .filter(|b| filter.status.is_none_or(|s| b.status == s))
            .filter(|b| filter.kind.is_none_or(|k| b.details.kind == k))
            .filter(|b| {
                filter
                    .field_office_id
                    .as_ref()
                    .is_none_or(|f| &b.details.field_office_id == f)
            })
            .map(|base| PlacedBase {
                base,
                mission_minimum: minimum,
            })
            .collect())
    }

    pub fn base(&self, who: &Principal, id: &str, view: &View) -> AppResult<PlacedBase> {
        if let Some(mission) = self.registry.mission_of_base(id) {
            authorize(who, &mission, READERS)?;
        }
        self.placed(id, view)
    }

    fn placed(&self, id: &str, view: &View) -> AppResult<PlacedBase> {
        let base = self.registry.base(id, view).ok_or_else(|| {
            AppError::not_found("baseId", format!("no base {id} as of {}", view.as_of))
        })?;
        let mission_minimum = self
            .registry
            .mission(&base.mission_code, view)
            .map_or(2, |m| m.policy.minimum_clas_per_base);
        Ok(PlacedBase {
            base,
            mission_minimum,
        })
    }

    /// Every registry change in a mission from now on, once the read models show it.
    pub fn registry_changes(
        &self,
        who: &Principal,
        mission_code: &str,
    ) -> AppResult<impl Stream<Item = RegistryChange> + Send + use<>> {
        authorize(who, mission_code, READERS)?;
        let changes = self.runtime.hub.changes();
        let registry = Arc::clone(&self.registry);
        let mission_code = mission_code.to_string();
        let feed = futures::stream::unfold(changes, |mut changes| async move {
            loop {
                match changes.recv().await {
                    Ok(event) => return Some((event, changes)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a registry subscriber fell behind");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(feed.filter_map(move |recorded| {
            let registry = Arc::clone(&registry);
            let mission_code = mission_code.clone();
            async move {
                let event = cla_platform::codec::decode_recorded::<RegistryEvent>(&recorded)?;
                let (mission, subject_id) = registry.subject_of(&event);
                (mission.as_deref() == Some(mission_code.as_str())).then(|| RegistryChange {
                    event_type: recorded.event_type.to_string(),
                    mission_code,
                    subject_id,
                    effective: recorded.metadata.effective,
                    recorded_at: recorded.recorded,
                    position: recorded.position.0,
                })
            }
        }))
    }

    // -- missions

    pub fn mission_after(&self, code: &str, effective: NaiveDate) -> AppResult<Mission> {
        let view = after_change(effective);
        self.registry.mission(code, &view).ok_or_else(|| {
            AppError::not_found("code", format!("no mission {code} as of {}", view.as_of))
        })
    }

    pub async fn create_mission(
        &self,
        who: &Principal,
        input: CreateMission,
    ) -> AppResult<Mission> {
        authorize_role(who, ADMIN)?;
        let code = input.code.trim().to_string();
        check_code(&code)?;
        let command = MissionCommand::Create {
            code: code.clone(),
            name: input.name,
            country: input.country,
            policy: input.policy.over(&events::default_policy()),
            effective: input.effective,
        };
        self.run_mission(who, &code, &command, input.effective)
            .await
    }

    pub async fn rename_mission(
        &self,
        who: &Principal,
        input: RenameMission,
    ) -> AppResult<Mission> {
        authorize_role(who, ADMIN)?;
        check_code(&input.code)?;
        let command = MissionCommand::Rename {
            name: input.name,
            country: input.country,
            effective: input.effective,
        };
        self.run_mission(who, &input.code, &command, input.effective)
            .await
    }

    /// Changes a mission's staffing policy; what the change leaves out stays as it is when the
    /// change is decided (so concurrent changes of different fields both hold).
    pub async fn change_mission_policy(
        &self,
        who: &Principal,
        input: ChangeMissionPolicy,
    ) -> AppResult<Mission> {
        authorize_role(who, ADMIN)?;
        check_code(&input.code)?;
        let command = MissionCommand::ChangePolicy {
            change: input.change,
            effective: input.effective,
        };
        self.run_mission(who, &input.code, &command, input.effective)
            .await
    }

    async fn run_mission(
        &self,
        who: &Principal,
        code: &str,
        command: &MissionCommand,
        effective: NaiveDate,
    ) -> AppResult<Mission> {
        let meta = CommandMeta::by(who, None, ADMIN, effective)?;
        self.runtime
            .execute::<MissionDecider>(&streams::mission(code), command, &(), &meta)
            .await?;
        self.mission_after(code, effective)
    }

    // -- field offices

    fn office_after(&self, id: &str, effective: NaiveDate) -> AppResult<FieldOffice> {
        let view = after_change(effective);
        self.registry.field_office(id, &view).ok_or_else(|| {
            AppError::not_found(
                "fieldOfficeId",
                format!("no field office {id} as of {}", view.as_of),
            )
        })
    }

    pub async fn open_field_office(
        &self,
        who: &Principal,
        input: OpenFieldOffice,
    ) -> AppResult<FieldOffice> {
        authorize(who, &input.mission_code, MANAGERS)?;
        let id = uuid::Uuid::now_v7().to_string();
        let mission = if check_code(&input.mission_code).is_ok() {
            load::<MissionDecider>(
                self.runtime.store.as_ref(),
                &streams::mission(&input.mission_code),
            )
            .await?
            .0
            .0
        } else {
            None
        };
        let command = FieldOfficeCommand::Open {
            field_office_id: id.clone(),
            mission_code: input.mission_code.clone(),
            name: input.name,
            effective: input.effective,
        };
        let meta = CommandMeta::by(who, Some(&input.mission_code), MANAGERS, input.effective)?;
        self.runtime
            .execute::<FieldOfficeDecider>(
                &streams::field_office(&id),
                &command,
                &FieldOfficeContext { mission },
                &meta,
            )
            .await?;
        self.office_after(&id, input.effective)
    }

    pub async fn rename_field_office(
        &self,
        who: &Principal,
        input: RenameFieldOffice,
    ) -> AppResult<FieldOffice> {
        let id = &input.field_office_id;
        let mission = self
            .registry
            .mission_of_field_office(id)
            .ok_or_else(|| AppError::not_found("fieldOfficeId", format!("no field office {id}")))?;
        authorize(who, &mission, MANAGERS)?;
        let command = FieldOfficeCommand::Rename {
            name: input.name,
            effective: input.effective,
        };
        let meta = CommandMeta::by(who, Some(&mission), MANAGERS, input.effective)?;
        self.runtime
            .execute::<FieldOfficeDecider>(
                &streams::field_office(id),
                &command,
                &FieldOfficeContext::default(),
                &meta,
            )
            .await?;
        self.office_after(id, input.effective)
    }

    // -- bases

    pub async fn open_base(&self, who: &Principal, input: OpenBase) -> AppResult<PlacedBase> {
        let office_id = input.details.field_office_id.clone();
        let id = uuid::Uuid::now_v7().to_string();
        let command = BaseCommand::Open {
            base_id: id.clone(),
            details: input.details,
            effective: input.effective,
        };
        self.run_base(who, &id, Some(&office_id), command, input.effective)
            .await
    }

    pub async fn change_base(&self, who: &Principal, input: ChangeBase) -> AppResult<PlacedBase> {
        let office_id = input.patch.field_office_id.clone();
        let command = BaseCommand::ChangeDetails {
            patch: input.patch,
            effective: input.effective,
        };
        self.run_base(
            who,
            &input.base_id,
            office_id.as_deref(),
            command,
            input.effective,
        )
        .await
    }

    /// Starts closing a base: its CLAs are to be rotated or released before it closes.
    pub async fn start_closing_base(
        &self,
        who: &Principal,
        input: BaseStep,
    ) -> AppResult<PlacedBase> {
        let command = BaseCommand::StartClosing {
            reason: input.reason,
            effective: input.effective,
        };
        self.run_base(who, &input.base_id, None, command, input.effective)
            .await
    }

    /// Keeps a closing base open after all.
    pub async fn cancel_base_closing(
        &self,
        who: &Principal,
        input: BaseStep,
    ) -> AppResult<PlacedBase> {
        let command = BaseCommand::CancelClosing {
            reason: input.reason,
            effective: input.effective,
        };
        self.run_base(who, &input.base_id, None, command, input.effective)
            .await
    }

    /// Closes a closing base once staffing has no CLA deployed there (see [`closure`]).
    pub async fn close_base(&self, who: &Principal, input: BaseStep) -> AppResult<PlacedBase> {
        let mission = self.base_mission(&input.base_id, None).await?;
        authorize(who, &mission, MANAGERS)?;
        let meta = CommandMeta::by(who, Some(&mission), MANAGERS, input.effective)?;
        closure::close_base(
            &self.runtime,
            self.occupancy.as_deref(),
            &mission,
            &input,
            &meta,
        )
        .await?;
        self.placed(&input.base_id, &after_change(input.effective))
    }

    /// The field office a base command names, as its stream holds it.
    async fn office(&self, id: &str) -> AppResult<Option<FieldOffice>> {
        let (state, _) =
            load::<FieldOfficeDecider>(self.runtime.store.as_ref(), &streams::field_office(id))
                .await?;
        Ok(state.0)
    }

    /// The mission of a base, or (opening one) of the field office it opens under: NOT_FOUND
    /// whoever asks where there is none.
    async fn base_mission(&self, base_id: &str, opening_under: Option<&str>) -> AppResult<String> {
        if let Some(office_id) = opening_under {
            if let Some(mission) = self.registry.mission_of_field_office(office_id) {
                return Ok(mission);
            }
            return match self.office(office_id).await? {
                Some(office) => Ok(office.mission_code),
                None => Err(AppError::not_found("fieldOfficeId", "no such field office")),
            };
        }
        self.registry
            .mission_of_base(base_id)
            .ok_or_else(|| AppError::not_found("baseId", "no such base"))
    }

    async fn run_base(
        &self,
        who: &Principal,
        base_id: &str,
        office_id: Option<&str>,
        command: BaseCommand,
        effective: NaiveDate,
    ) -> AppResult<PlacedBase> {
        let opening = matches!(command, BaseCommand::Open { .. });
        let mission = self
            .base_mission(base_id, if opening { office_id } else { None })
            .await?;
        authorize(who, &mission, MANAGERS)?;
        // Only the field office the command puts the base under is looked up: a change that
        // keeps the base where it is decides on the base's own office.
        let context = BaseContext {
            field_office: match office_id {
                Some(id) => self.office(id).await?,
                None => None,
            },
        };
        let meta = CommandMeta::by(who, Some(&mission), MANAGERS, effective)?;
        self.runtime
            .execute::<BaseDecider>(&streams::base(base_id), &command, &context, &meta)
            .await?;
        self.placed(base_id, &after_change(effective))
    }

    /// The base as every date so far shows it (for the tests of this layer).
    #[cfg(test)]
    fn base_ever(&self, id: &str) -> Option<Base> {
        self.registry.base(id, &ever())
    }

    /// Whether `who` may create missions and change their name and policy (the set-up page
    /// asks before drawing those forms; the commands decide the same).
    pub fn may_administer(&self, who: &Principal) -> AppResult<()> {
        authorize_role(who, ADMIN)
    }

    /// Whether `who` may open, change and close a mission's field offices and bases.
    pub fn may_manage(&self, who: &Principal, mission: &str) -> AppResult<()> {
        authorize(who, mission, MANAGERS)
    }
}

#[cfg(test)]
mod tests;
