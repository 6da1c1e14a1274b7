//! Forgetting a person and answering for every look at their data (DESIGN.md §9).
//!
//! - `erase_personal_data` (ADMIN, with a reason) records the erasure on the staff member's
//!   stream, then destroys their data keys (theirs and the candidate's they were hired as): from
//!   then on every restricted field sealed with them reads as erased, in every copy. The
//!   non-personal history (deployments, coverage) stays. An erasure recorded whose keys outlived
//!   it (the process stopped between the two) is completed by the next erasure asked or by the
//!   retention rule's next pass.
//! - `apply_retention`: the retention rule, run by a scheduled task — a staff member separated
//!   `days` days ago or more is erased, by the system.
//! - `personal_data_access` (ADMIN): who looked at a person's restricted data, and when.

use chrono::{NaiveDate, Utc};
use cla_platform::app::authorize_role;
use cla_platform::command::CommandMeta;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal, Role};

use super::{StaffAnswer, StaffApp};
use crate::commands::StaffCommand;
use crate::decider::{StaffContext, StaffDecider, StaffMember, StaffStatus};
use crate::events::streams;
use crate::projections::access::AccessRecord;

/// Who erases personal data and reviews the looks at it.
pub const ERASERS: &[Role] = &[Role::Admin];

impl StaffApp {
    /// Destroys the data keys of `member` (theirs, the candidate's they were hired as).
    fn destroy_keys(&self, member: &StaffMember) -> AppResult<()> {
        let personal = &self.runtime.personal;
        for subject in [member.id.as_str(), member.candidate_id.as_str()] {
            if !subject.is_empty() {
                personal.erase(subject).map_err(|e| {
                    AppError::new(
                        cla_platform::ErrorCode::Unavailable,
                        format!("the key store cannot destroy a key now: {e}"),
                    )
                })?;
            }
        }
        Ok(())
    }

    async fn erase(
        &self,
        who: &Principal,
        member: &StaffMember,
        reason: String,
        by_retention: bool,
    ) -> AppResult<()> {
        let today = Utc::now().date_naive();
        let meta = CommandMeta::by(who, None, ERASERS, today)?;
        let command = StaffCommand::ErasePersonalData {
            reason,
            by_retention,
            effective: today.max(member.since),
        };
        let recorded = self
            .runtime
            .execute::<StaffDecider>(
                &streams::staff(&member.id),
                &command,
                &StaffContext::default(),
                &meta,
            )
            .await;
        match recorded {
            Ok(_) => self.destroy_keys(member),
            Err(e) => {
                if member.erased || self.staff.is_erased(&member.id) {
                    // Recorded before: make sure no key outlived it.
                    self.destroy_keys(member)?;
                }
                Err(e)
            }
        }
    }

    /// Erases a staff member's personal data, on request (ADMIN, with a reason).
    pub async fn erase_personal_data(
        &self,
        who: &Principal,
        staff_id: &str,
        reason: &str,
    ) -> AppResult<StaffAnswer> {
        authorize_role(who, ERASERS)?;
        let today = Utc::now().date_naive();
        let member = self
            .staff
            .member(staff_id, &View::on(today))
            .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
        if reason.trim().is_empty() {
            return Err(AppError::validation(
                "reason",
                "give the reason for the erasure",
            ));
        }
        self.erase(who, &member, reason.to_string(), false).await?;
        self.staff_member(who, staff_id, &View::on(today))
    }

    /// The retention rule: erases every staff member separated `days` days or more before
    /// `today`, as the system. How many were erased.
    pub async fn apply_retention(&self, today: NaiveDate, days: u64) -> AppResult<usize> {
        let system = Principal::new("system", "System", &[Role::Admin], &[]);
        let due = today - chrono::Duration::days(i64::try_from(days).unwrap_or(i64::MAX / 2));
        let mut erased = 0;
        for member in self.staff.every_member(&View::on(today)) {
            let Some((separated, _)) = member.separation else {
                continue;
            };
            if member.status != StaffStatus::Separated || separated > due {
                continue;
            }
            if member.erased || self.staff.is_erased(&member.id) {
                // Recorded: make sure no key outlived it.
                self.destroy_keys(&member)?;
                continue;
            }
            let reason = format!("retention: separated on {separated}, kept {days} days");
            self.erase(&system, &member, reason, true).await?;
            erased += 1;
        }
        Ok(erased)
    }

    /// Who has looked at a staff member's restricted data (or at the candidate's they were hired
    /// as), the latest first.
    pub fn personal_data_access(
        &self,
        who: &Principal,
        staff_id: &str,
    ) -> AppResult<Vec<AccessRecord>> {
        authorize_role(who, ERASERS)?;
        let member = self
            .staff
            .member(staff_id, &View::on(Utc::now().date_naive()))
            .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
        let mut looks = self.access.of(staff_id);
        if !member.candidate_id.is_empty() {
            looks.extend(self.access.of(&member.candidate_id));
            looks.sort_by_key(|l| std::cmp::Reverse(l.at));
        }
        Ok(looks)
    }
}
