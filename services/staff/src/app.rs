//! The staff and recruitment application layer: every command and query of this context, taking
//! the caller and answering already shaped for them.
//!
//! Access: MISSION_HR of the mission (and ADMIN) write; anyone who reads the mission reads; a staff
//! member's home community is need-to-know — shown only to ADMIN, MISSION_HR and CIVIL_AFFAIRS of
//! their mission ([`Restricted`]). Vetting notes are recorded on the vacancy's stream but kept by no
//! read model, so no answer carries them.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use cla_platform::app::{Restricted, authorize};
use cla_platform::command::CommandMeta;
use cla_platform::personal::Datum;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role, Runtime};
use cla_registry::RegistryView;
use cla_registry::decider::BaseStatus;

use crate::commands::{
    Appointment, CandidateStage, Language, NewStaff, PostPlace, StaffCommand, VacancyCommand,
};
use crate::decider::{
    Candidate, CandidateOutcome, StaffContext, StaffDecider, StaffMember, Vacancy, VacancyDecider,
};
use crate::events::{Gender, SeparationReason, streams};
use crate::process::hiring::{self, HireRequest, Onboarded};
use crate::projections::{
    Conversion, HistoryEntry, RecruitmentPipeline, StaffFilter, StaffView, StageCount,
    VacancyFilter, pipeline,
};
use crate::{DeploymentHistory, DeploymentRecord};

/// Who changes vacancies and staff members.
pub const WRITERS: &[Role] = &[Role::Admin, Role::MissionHr];
/// Who reads a mission's recruitment and staff.
pub const READERS: &[Role] = &Role::ALL;
/// Who sees a staff member's home community (DESIGN §5).
pub const PERSONAL: &[Role] = &[Role::Admin, Role::MissionHr, Role::CivilAffairs];

/// A candidate just added, and their vacancy after it.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateAdded {
    pub candidate: Candidate,
    pub vacancy: VacancyAnswer,
}

/// A vacancy as a view sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct VacancyAnswer {
    pub vacancy: Vacancy,
    pub view: View,
}

impl VacancyAnswer {
    /// Days open as of the view's date (until filled or cancelled).
    pub fn days_open(&self) -> i64 {
        crate::projections::pipeline::days_open(&self.vacancy, self.view.as_of)
    }
    pub fn time_to_fill_days(&self) -> Option<i64> {
        crate::projections::time_to_fill(&self.vacancy)
    }
    pub fn stages(&self) -> Vec<StageCount> {
        crate::projections::stage_counts(self.vacancy.candidates.values())
    }
    pub fn conversion(&self) -> Vec<Conversion> {
        crate::projections::conversion(&self.stages())
    }
    pub fn candidates(
        &self,
        stage: Option<CandidateStage>,
        outcome: Option<CandidateOutcome>,
    ) -> Vec<Candidate> {
        crate::projections::pipeline::candidates(&self.vacancy, stage, outcome)
    }
}

/// A staff member as a view sees them, shaped for the caller: `member.home_community` is always
/// empty; the home community is in `home_community`, shown only to who may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffAnswer {
    pub member: StaffMember,
    pub home_community: Restricted<String>,
    pub view: View,
}

/// A vacancy to open, at a base or (without a base) at a field office.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpenVacancy {
    pub base_id: Option<String>,
    pub field_office_id: Option<String>,
    pub title: String,
    pub required_languages: Vec<String>,
    pub notes: String,
    pub effective: NaiveDate,
}

/// A candidate applying to a vacancy.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCandidate {
    pub name: String,
    pub gender: Gender,
    pub languages: Vec<Language>,
    pub effective: NaiveDate,
}

/// A staff member to register directly (one already serving, say).
#[derive(Clone, Debug, PartialEq)]
pub struct RegisterStaff {
    pub base_id: Option<String>,
    pub field_office_id: Option<String>,
    pub name: String,
    pub gender: Gender,
    pub languages: Vec<Language>,
    pub home_community: String,
    pub index_number: String,
    pub grade: String,
    pub appointment: Appointment,
    pub effective: NaiveDate,
}

/// A change of a staff member's details; what is `None` stays as it is.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailsChange {
    pub name: Option<String>,
    pub languages: Option<Vec<Language>>,
    pub home_community: Option<String>,
    pub effective: NaiveDate,
}

#[derive(Clone)]
pub struct StaffApp {
    runtime: Runtime,
    staff: Arc<StaffView>,
    registry: Arc<RegistryView>,
    deployments: Option<Arc<dyn DeploymentHistory>>,
    /// Who looked at whose restricted data.
    access: Arc<crate::projections::access::AccessLog>,
}

/// The view a change is answered with: as of its date, or today where that is later.
fn after_change(effective: NaiveDate) -> View {
    View::on(effective.max(Utc::now().date_naive()))
}

impl StaffApp {
    pub fn new(runtime: Runtime, staff: Arc<StaffView>, registry: Arc<RegistryView>) -> Self {
        crate::events::streams::declare_personal();
        Self {
            runtime,
            staff,
            registry,
            deployments: None,
            access: Arc::default(),
        }
    }

    /// With the record of who looked at whose restricted data (a projection fed by the hub).
    pub fn with_access_log(mut self, access: Arc<crate::projections::access::AccessLog>) -> Self {
        self.access = access;
        self
    }

    /// With the staffing context's deployments, for staff members' profiles.
    pub fn with_deployments(mut self, deployments: Arc<dyn DeploymentHistory>) -> Self {
        self.deployments = Some(deployments);
        self
    }

    // -----------------------------------------------------------------------------------------
    // Access

    /// Refuses `who` unless they hold one of `roles` in the vacancy's mission; an unknown vacancy
    /// is not found.
    fn vacancy_mission(&self, who: &Principal, id: &str, roles: &[Role]) -> AppResult<String> {
        let mission = self
            .staff
            .mission_of_vacancy(id)
            .ok_or_else(|| AppError::not_found("vacancyId", "no such vacancy"))?;
        authorize(who, &mission, roles)?;
        Ok(mission)
    }

    fn member_mission(&self, who: &Principal, id: &str, roles: &[Role]) -> AppResult<String> {
        let mission = self
            .staff
            .mission_of_member(id)
            .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
        authorize(who, &mission, roles)?;
        Ok(mission)
    }

    /// Refuses `who` unless they hold one of `roles` in the mission of the named base (else field
    /// office); unknown places are answered later, as not found.
    fn place_access(
        &self,
        who: &Principal,
        base_id: Option<&str>,
        field_office_id: Option<&str>,
        roles: &[Role],
    ) -> AppResult<()> {
        let mission = [base_id, field_office_id]
            .into_iter()
            .flatten()
            .find_map(|id| {
                self.registry
                    .mission_of_base(id)
                    .or_else(|| self.registry.mission_of_field_office(id))
            });
        match mission {
            Some(m) => authorize(who, &m, roles),
            None => Ok(()),
        }
    }

    fn mission_exists(&self, who: &Principal, mission: &str, view: &View) -> AppResult<()> {
        authorize(who, mission, READERS)?;
        self.registry
            .mission(mission, view)
            .map(|_| ())
            .ok_or_else(|| {
                AppError::not_found(
                    "missionCode",
                    format!("no mission {mission} as of {}", view.as_of),
                )
            })
    }

    fn staff_answer(&self, who: &Principal, mut member: StaffMember, view: View) -> StaffAnswer {
        let home = std::mem::take(&mut member.home_community);
        member.erased = member.erased || self.staff.is_erased(&member.id);
        let home_community = if member.erased {
            Restricted::Erased
        } else {
            self.runtime.personal.disclose(
                who,
                who.holds_for(&member.place.mission_code, PERSONAL),
                &member.id,
                Datum::HomeCommunity,
                &home,
            )
        };
        StaffAnswer {
            home_community,
            member,
            view,
        }
    }

    /// Where a post is, from the registry: an open base, or a field office.
    fn place(
        &self,
        base_id: Option<&str>,
        field_office_id: Option<&str>,
        on: NaiveDate,
    ) -> AppResult<Option<PostPlace>> {
        let view = View::on(on);
        match (base_id, field_office_id) {
            (Some(base), _) => match self.registry.base(base, &view) {
                Some(b) if b.status == BaseStatus::Open => Ok(Some(PostPlace {
                    mission_code: b.mission_code,
                    field_office_id: b.details.field_office_id,
                    base_id: b.id,
                })),
                Some(_) => Err(AppError::conflict("the base is not open").on("baseId")),
                None => Ok(None),
            },
            (None, Some(office)) => {
                Ok(self
                    .registry
                    .field_office(office, &view)
                    .map(|o| PostPlace {
                        mission_code: o.mission_code,
                        field_office_id: o.id,
                        base_id: String::new(),
                    }))
            }
            (None, None) => Err(AppError::validation(
                "baseId",
                "name the base (or the field office) of the post",
            )),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Queries

    pub fn vacancy(&self, who: &Principal, id: &str, view: &View) -> AppResult<VacancyAnswer> {
        if let Some(mission) = self.staff.mission_of_vacancy(id) {
            authorize(who, &mission, READERS)?;
        }
        self.staff
            .vacancy(id, view)
            .map(|vacancy| VacancyAnswer {
                vacancy,
                view: *view,
            })
            .ok_or_else(|| {
                AppError::not_found("vacancyId", format!("no vacancy {id} as of {}", view.as_of))
            })
    }

    /// A mission's vacancies, oldest first, filtered.
    pub fn vacancies(
        &self,
        who: &Principal,
        mission: &str,
        filter: &VacancyFilter,
        view: &View,
    ) -> AppResult<Vec<VacancyAnswer>> {
        if filter
            .open_longer_than_days
            .is_some_and(|d| !(0..=36_500).contains(&d))
        {
            return Err(AppError::validation(
                "openLongerThanDays",
                "openLongerThanDays is between 0 and 36500",
            ));
        }
        self.mission_exists(who, mission, view)?;
        Ok(self
            .staff
            .vacancies(mission, view)
            .iter()
            .filter(|v| filter.admits(v, view.as_of))
            .cloned()
            .map(|vacancy| VacancyAnswer {
                vacancy,
                view: *view,
            })
            .collect())
    }

    /// A mission's recruitment: stages, conversion, time to fill, posts budgeted vs filled.
    pub fn recruitment_pipeline(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<RecruitmentPipeline> {
        self.mission_exists(who, mission, view)?;
        Ok(pipeline(
            mission,
            &self.staff.vacancies(mission, view),
            view.as_of,
        ))
    }

    pub fn staff_member(&self, who: &Principal, id: &str, view: &View) -> AppResult<StaffAnswer> {
        if let Some(mission) = self.staff.mission_of_member(id) {
            authorize(who, &mission, READERS)?;
        }
        self.staff
            .member(id, view)
            .map(|member| self.staff_answer(who, member, *view))
            .ok_or_else(|| {
                AppError::not_found(
                    "staffId",
                    format!("no staff member {id} as of {}", view.as_of),
                )
            })
    }

    /// Every event of a staff member the view sees, with its actor and recorded time.
    pub fn staff_history(
        &self,
        who: &Principal,
        id: &str,
        view: &View,
    ) -> AppResult<Vec<HistoryEntry>> {
        self.member_mission(who, id, READERS)?;
        Ok(self.staff.history(id, view))
    }

    /// The bases a staff member was deployed to, from–to, in order.
    pub fn deployments(
        &self,
        who: &Principal,
        id: &str,
        view: &View,
    ) -> AppResult<Vec<DeploymentRecord>> {
        self.member_mission(who, id, READERS)?;
        Ok(self
            .deployments
            .as_ref()
            .map(|d| d.deployments(id, view))
            .unwrap_or_default())
    }

    /// The staff directory of a mission, by name, filtered.
    pub fn staff_members(
        &self,
        who: &Principal,
        mission: &str,
        filter: &StaffFilter,
        view: &View,
    ) -> AppResult<Vec<StaffAnswer>> {
        self.mission_exists(who, mission, view)?;
        Ok(self
            .staff
            .members(mission, view)
            .iter()
            .filter(|m| filter.admits(m))
            .map(|m| self.staff_answer(who, m.clone(), *view))
            .collect())
    }

    /// Staff members not separated whose appointment ends within `within_days` (default 60) of
    /// the view's date, soonest first.
    pub fn appointments_ending(
        &self,
        who: &Principal,
        mission: &str,
        within_days: Option<i64>,
        view: &View,
    ) -> AppResult<Vec<StaffAnswer>> {
        self.mission_exists(who, mission, view)?;
        let days = within_days.unwrap_or(60);
        if !(0..=3650).contains(&days) {
            return Err(AppError::validation(
                "withinDays",
                "withinDays is between 0 and 3650",
            ));
        }
        let members = self.staff.members(mission, view);
        Ok(
            crate::projections::appointments_ending(&members, view.as_of, days)
                .into_iter()
                .map(|m| self.staff_answer(who, m, *view))
                .collect(),
        )
    }

    // -----------------------------------------------------------------------------------------
    // Commands on vacancies

    pub async fn open_vacancy(
        &self,
        who: &Principal,
        input: OpenVacancy,
    ) -> AppResult<VacancyAnswer> {
        self.place_access(
            who,
            input.base_id.as_deref(),
            input.field_office_id.as_deref(),
            WRITERS,
        )?;
        let effective = input.effective;
        let place = self.place(
            input.base_id.as_deref(),
            input.field_office_id.as_deref(),
            effective,
        )?;
        let Some(place) = place else {
            let field = if input.base_id.is_some() {
                "baseId"
            } else {
                "fieldOfficeId"
            };
            return Err(AppError::not_found(field, "no such base or field office"));
        };
        let id = uuid::Uuid::now_v7().to_string();
        let meta = CommandMeta::by(who, Some(&place.mission_code), WRITERS, effective)?;
        let command = VacancyCommand::Open {
            vacancy_id: id.clone(),
            place: Some(place),
            title: input.title,
            required_languages: input.required_languages,
            notes: input.notes,
            effective,
        };
        self.runtime
            .execute::<VacancyDecider>(&streams::vacancy(&id), &command, &(), &meta)
            .await?;
        self.vacancy(who, &id, &after_change(effective))
    }

    async fn on_vacancy(
        &self,
        who: &Principal,
        vacancy_id: &str,
        command: VacancyCommand,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let mission = self.vacancy_mission(who, vacancy_id, WRITERS)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, effective)?;
        self.runtime
            .execute::<VacancyDecider>(&streams::vacancy(vacancy_id), &command, &(), &meta)
            .await?;
        self.vacancy(who, vacancy_id, &after_change(effective))
    }

    pub async fn cancel_vacancy(
        &self,
        who: &Principal,
        vacancy_id: &str,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::Cancel { reason, effective };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    /// A candidate applies; the answer is the new candidate (with their id) and the vacancy.
    pub async fn add_candidate(
        &self,
        who: &Principal,
        vacancy_id: &str,
        input: NewCandidate,
    ) -> AppResult<CandidateAdded> {
        let candidate_id = uuid::Uuid::now_v7().to_string();
        let command = VacancyCommand::Apply {
            candidate_id: candidate_id.clone(),
            name: input.name,
            gender: input.gender,
            languages: input.languages,
            effective: input.effective,
        };
        let vacancy = self
            .on_vacancy(who, vacancy_id, command, input.effective)
            .await?;
        let candidate = vacancy
            .vacancy
            .candidates
            .get(&candidate_id)
            .cloned()
            .ok_or_else(|| {
                AppError::internal(format!("candidate {candidate_id} not in the view"))
            })?;
        Ok(CandidateAdded { candidate, vacancy })
    }

    /// To SCREENED or INTERVIEWED, each from the stage before it.
    pub async fn advance_candidate(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        to: CandidateStage,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::Advance {
            candidate_id,
            to,
            effective,
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    /// Vetting's result: passed moves the candidate to VETTED; failed rejects them.
    pub async fn record_vetting(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        passed: bool,
        notes: String,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = if passed {
            VacancyCommand::Vet {
                candidate_id,
                notes,
                effective,
            }
        } else {
            VacancyCommand::Reject {
                candidate_id,
                reason: format!("failed vetting. {notes}").trim().to_string(),
                effective,
            }
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    pub async fn make_offer(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        grade: String,
        appointment: Appointment,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::Offer {
            candidate_id,
            grade,
            appointment,
            effective,
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    pub async fn answer_offer(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        accepted: bool,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::AnswerOffer {
            candidate_id,
            accepted,
            reason,
            effective,
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    pub async fn reject_candidate(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::Reject {
            candidate_id,
            reason,
            effective,
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    pub async fn withdraw_candidate(
        &self,
        who: &Principal,
        vacancy_id: &str,
        candidate_id: String,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<VacancyAnswer> {
        let command = VacancyCommand::Withdraw {
            candidate_id,
            reason,
            effective,
        };
        self.on_vacancy(who, vacancy_id, command, effective).await
    }

    /// Hires a candidate whose offer was accepted: fills the vacancy and creates the staff member
    /// (onboarding), with the index number claimed for them (see [`hiring::hire`]).
    pub async fn hire_candidate(
        &self,
        who: &Principal,
        request: HireRequest,
    ) -> AppResult<StaffAnswer> {
        let mission = self.vacancy_mission(who, &request.vacancy_id, WRITERS)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, request.effective)?;
        let Onboarded {
            staff_id,
            effective,
        } = hiring::hire(&self.runtime, &request, &meta).await?;
        self.staff_member(who, &staff_id, &after_change(effective))
    }

    // -----------------------------------------------------------------------------------------
    // Commands on staff members

    /// Registers a staff member directly, in onboarding (see [`hiring::register`]).
    pub async fn register_staff_member(
        &self,
        who: &Principal,
        input: RegisterStaff,
    ) -> AppResult<StaffAnswer> {
        self.place_access(
            who,
            input.base_id.as_deref(),
            input.field_office_id.as_deref(),
            WRITERS,
        )?;
        let effective = input.effective;
        let place = self
            .place(
                input.base_id.as_deref(),
                input.field_office_id.as_deref(),
                effective,
            )?
            .ok_or_else(|| AppError::not_found("baseId", "no such base or field office"))?;
        let meta = CommandMeta::by(who, Some(&place.mission_code), WRITERS, effective)?;
        let staff = NewStaff {
            place: Some(place),
            vacancy_id: String::new(),
            candidate_id: String::new(),
            name: input.name,
            gender: input.gender,
            languages: input.languages,
            home_community: input.home_community,
            index_number: input.index_number,
            grade: input.grade,
            appointment: input.appointment,
        };
        let done = hiring::register(&self.runtime, staff, &meta).await?;
        self.staff_member(who, &done.staff_id, &after_change(done.effective))
    }

    async fn on_staff(
        &self,
        who: &Principal,
        staff_id: &str,
        command: StaffCommand,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let mission = self.member_mission(who, staff_id, WRITERS)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, effective)?;
        self.runtime
            .execute::<StaffDecider>(
                &streams::staff(staff_id),
                &command,
                &StaffContext::default(),
                &meta,
            )
            .await?;
        self.staff_member(who, staff_id, &after_change(effective))
    }

    pub async fn activate_staff(
        &self,
        who: &Principal,
        staff_id: &str,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        self.on_staff(
            who,
            staff_id,
            StaffCommand::Activate { effective },
            effective,
        )
        .await
    }

    pub async fn suspend_staff(
        &self,
        who: &Principal,
        staff_id: &str,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let command = StaffCommand::Suspend { reason, effective };
        self.on_staff(who, staff_id, command, effective).await
    }

    pub async fn reinstate_staff(
        &self,
        who: &Principal,
        staff_id: &str,
        reason: String,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let command = StaffCommand::Reinstate { reason, effective };
        self.on_staff(who, staff_id, command, effective).await
    }

    /// Separation is final; the staff member's index number becomes free.
    pub async fn separate_staff(
        &self,
        who: &Principal,
        staff_id: &str,
        reason: SeparationReason,
        notes: String,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let mission = self.member_mission(who, staff_id, WRITERS)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, effective)?;
        let command = StaffCommand::Separate {
            reason,
            notes,
            effective,
        };
        hiring::separate(&self.runtime, staff_id, &command, &meta).await?;
        self.staff_member(who, staff_id, &after_change(effective))
    }

    pub async fn renew_appointment(
        &self,
        who: &Principal,
        staff_id: &str,
        appointment: Appointment,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let command = StaffCommand::RenewAppointment {
            appointment,
            effective,
        };
        self.on_staff(who, staff_id, command, effective).await
    }

    pub async fn change_grade(
        &self,
        who: &Principal,
        staff_id: &str,
        grade: String,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let command = StaffCommand::ChangeGrade { grade, effective };
        self.on_staff(who, staff_id, command, effective).await
    }

    /// A new index number (on a transfer or a change of category): claimed, recorded, and the old
    /// one given back (see [`hiring::change_index_number`]).
    pub async fn change_index_number(
        &self,
        who: &Principal,
        staff_id: &str,
        number: &str,
        effective: NaiveDate,
    ) -> AppResult<StaffAnswer> {
        let mission = self.member_mission(who, staff_id, WRITERS)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, effective)?;
        hiring::change_index_number(&self.runtime, staff_id, number, &meta).await?;
        self.staff_member(who, staff_id, &after_change(effective))
    }

    pub async fn change_staff_details(
        &self,
        who: &Principal,
        staff_id: &str,
        change: DetailsChange,
    ) -> AppResult<StaffAnswer> {
        // The stored home community is sealed: the same one again is no change.
        let home_community = change.home_community.filter(|asked| {
            let current = self
                .staff
                .member(staff_id, &View::on(change.effective))
                .map(|m| {
                    self.runtime
                        .personal
                        .open(staff_id, Datum::HomeCommunity, &m.home_community)
                });
            current
                != Some(cla_platform::personal::Opened::Plain(
                    asked.trim().to_string(),
                ))
        });
        let command = StaffCommand::ChangeDetails {
            name: change.name,
            languages: change.languages,
            home_community,
            effective: change.effective,
        };
        self.on_staff(who, staff_id, command, change.effective)
            .await
    }

    /// Whether the caller may change the mission's recruitment and staff (open and cancel
    /// vacancies, move candidates, hire, import a staff list): the forms ask before they are
    /// shown, so a reader who may not act sees the refusal rather than a form.
    pub fn may_change_recruitment(
        &self,
        who: &Principal,
        mission: &str,
        view: &View,
    ) -> AppResult<()> {
        authorize(who, mission, WRITERS)?;
        self.mission_exists(who, mission, view)
    }

    /// The staff directory of a mission, filtered, and (where `ending_within_days` is given)
    /// only those whose appointment ends within that many days of the view's date, as
    /// [`Self::appointments_ending`] answers them (not separated, soonest first).
    pub fn staff_directory(
        &self,
        who: &Principal,
        mission: &str,
        filter: &StaffFilter,
        ending_within_days: Option<i64>,
        view: &View,
    ) -> AppResult<Vec<StaffAnswer>> {
        match ending_within_days {
            None => self.staff_members(who, mission, filter, view),
            Some(days) => Ok(self
                .appointments_ending(who, mission, Some(days), view)?
                .into_iter()
                .filter(|a| filter.admits(&a.member))
                .collect()),
        }
    }
}

pub mod contact;
pub mod privacy;

#[cfg(test)]
mod tests;
