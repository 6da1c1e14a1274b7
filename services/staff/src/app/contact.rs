//! Phone numbers and duress words, the SMS channel's personal data (DESIGN §5, §9).
//!
//! - a staff member's phone numbers and their history: read by MISSION_HR and CIVIL_AFFAIRS of
//!   their mission and ADMIN ([`PERSONAL`]); registered and released by MISSION_HR of the mission
//!   and ADMIN ([`WRITERS`]). A number is held by one current staff member at a time (a claim
//!   stream per number): another's is a CONFLICT; a separated holder's is taken over.
//! - a CLA's duress word: set or cleared on the CLA's behalf by CIVIL_AFFAIRS of their mission
//!   and ADMIN ([`DURESS_SETTERS`]), who manage their safety; it is never read back by anyone.
//! - who sends from a number (with the duress hash): for the SMS door only ([`SMS_DOOR`]).

use chrono::Utc;
use cla_platform::command::{CommandMeta, load};
use cla_platform::personal::Datum;
use cla_platform::{AppError, AppResult, Principal, Role};

use super::{PERSONAL, StaffApp, WRITERS};
use crate::commands::{DuressCommand, PhoneNumberCommand};
use crate::decider::phone::{DuressDecider, PhoneNumberDecider, check_phone_number};
use crate::decider::{StaffDecider, StaffStatus};
use crate::events::streams;
use crate::projections::PhoneNumberRecord;

/// Who sets a CLA's duress word on their behalf.
pub const DURESS_SETTERS: &[Role] = &[Role::Admin, Role::CivilAffairs];
impl StaffApp {
    /// The hash of a CLA's duress word, opened for the system's own matching (never shown).
    pub fn duress_hash(&self, staff_id: &str) -> Option<String> {
        let stored = self.staff.duress_hash(staff_id)?;
        match self
            .runtime
            .personal
            .open(staff_id, Datum::DuressHash, &stored)
        {
            cla_platform::personal::Opened::Plain(hash) if !hash.is_empty() => Some(hash),
            _ => None,
        }
    }
}

/// The role the SMS door acts with (its principal is the system's own).
pub const SMS_DOOR: &[Role] = &[Role::Admin];

/// Who an SMS came from, for the SMS door.
#[derive(Clone, Debug, PartialEq)]
pub struct SmsSender {
    pub staff_id: String,
    pub mission_code: String,
    /// The number's language; empty for the mission's.
    pub language: String,
    /// The hash of their duress word, where one is set.
    pub duress_hash: Option<String>,
}

impl StaffApp {
    fn current_member(&self, staff_id: &str) -> AppResult<()> {
        let today = Utc::now().date_naive();
        let member = self
            .staff
            .member(staff_id, &cla_platform::timeline::View::on(today))
            .ok_or_else(|| AppError::not_found("staffId", "no such staff member"))?;
        if member.status == StaffStatus::Separated {
            return Err(AppError::conflict("the staff member has separated").on("staffId"));
        }
        Ok(())
    }

    /// A staff member's phone numbers, current and past.
    pub fn phone_numbers(
        &self,
        who: &Principal,
        staff_id: &str,
    ) -> AppResult<Vec<PhoneNumberRecord>> {
        self.member_mission(who, staff_id, PERSONAL)?;
        Ok(self.shown_phone_numbers(who, staff_id))
    }

    /// A staff member's numbers opened for `who` (who may see them), each look recorded.
    fn shown_phone_numbers(&self, who: &Principal, staff_id: &str) -> Vec<PhoneNumberRecord> {
        let mut records = self.staff.phone_numbers(staff_id);
        for r in &mut records {
            r.phone_number = self
                .runtime
                .personal
                .disclose(who, true, staff_id, Datum::PhoneNumber, &r.phone_number)
                .shown()
                .unwrap_or_default();
        }
        records
    }

    fn phone_stream(&self, number: &str) -> cla_event_store::StreamName {
        streams::phone_number(&self.runtime.personal.blind_index(number))
    }

    /// Registers `number` to a current staff member, with the language replies are written in
    /// (empty for the mission's).
    pub async fn register_phone_number(
        &self,
        who: &Principal,
        staff_id: &str,
        number: &str,
        language: &str,
    ) -> AppResult<Vec<PhoneNumberRecord>> {
        let mission = self.member_mission(who, staff_id, WRITERS)?;
        self.current_member(staff_id)?;
        let number = check_phone_number(number)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, Utc::now().date_naive())?;
        let stream = self.phone_stream(&number);
        let (held, _) = load::<PhoneNumberDecider>(self.runtime.store.as_ref(), &stream).await?;
        if let Some(holder) = held.holder.filter(|h| h != staff_id) {
            // A separated holder's number is free to be given again.
            let (member, _) =
                load::<StaffDecider>(self.runtime.store.as_ref(), &streams::staff(&holder)).await?;
            if member.0.is_some_and(|m| m.status == StaffStatus::Separated) {
                let release = (
                    number.clone(),
                    PhoneNumberCommand::Release { staff_id: holder },
                );
                self.runtime
                    .execute::<PhoneNumberDecider>(&stream, &release, &(), &meta)
                    .await?;
            }
        }
        let claim = (
            number,
            PhoneNumberCommand::Claim {
                staff_id: staff_id.to_string(),
                language: language.to_string(),
            },
        );
        self.runtime
            .execute::<PhoneNumberDecider>(&stream, &claim, &(), &meta)
            .await?;
        Ok(self.shown_phone_numbers(who, staff_id))
    }

    /// The number is no longer the staff member's (its history stays).
    pub async fn release_phone_number(
        &self,
        who: &Principal,
        staff_id: &str,
        number: &str,
    ) -> AppResult<Vec<PhoneNumberRecord>> {
        let mission = self.member_mission(who, staff_id, WRITERS)?;
        let number = check_phone_number(number)?;
        let meta = CommandMeta::by(who, Some(&mission), WRITERS, Utc::now().date_naive())?;
        let release = (
            number.clone(),
            PhoneNumberCommand::Release {
                staff_id: staff_id.to_string(),
            },
        );
        self.runtime
            .execute::<PhoneNumberDecider>(&self.phone_stream(&number), &release, &(), &meta)
            .await?;
        Ok(self.shown_phone_numbers(who, staff_id))
    }

    /// Sets (or, with `None`, clears) a CLA's duress word; only its salted hash is recorded.
    /// The word may not be one a check-in keyword could be read as (`reserved`).
    pub async fn set_duress_word(
        &self,
        who: &Principal,
        staff_id: &str,
        word: Option<&str>,
        reserved: &(dyn Fn(&str) -> bool + Sync),
    ) -> AppResult<()> {
        let mission = self.member_mission(who, staff_id, DURESS_SETTERS)?;
        self.current_member(staff_id)?;
        let command = match word {
            None => DuressCommand::Clear,
            Some(word) => {
                let normalized = crate::duress::normalize(word);
                if normalized.chars().count() < 3 || normalized.chars().count() > 40 {
                    return Err(AppError::validation(
                        "word",
                        "a duress word has 3 to 40 letters or digits",
                    ));
                }
                if reserved(&normalized) {
                    return Err(AppError::validation(
                        "word",
                        "a duress word may not be a check-in keyword",
                    ));
                }
                let word = word.to_string();
                let hash = tokio::task::spawn_blocking(move || crate::duress::hash_word(&word))
                    .await
                    .map_err(|e| AppError::internal(format!("duress hash: {e}")))?;
                DuressCommand::Set { hash }
            }
        };
        let meta = CommandMeta::by(who, Some(&mission), DURESS_SETTERS, Utc::now().date_naive())?;
        self.runtime
            .execute::<DuressDecider>(
                &streams::duress(staff_id),
                &(staff_id.to_string(), command),
                &(),
                &meta,
            )
            .await?;
        Ok(())
    }

    /// Who holds `number` now, for the SMS door (and nothing for an unknown number).
    pub fn sms_sender(&self, who: &Principal, number: &str) -> AppResult<Option<SmsSender>> {
        cla_platform::app::authorize_role(who, SMS_DOOR)?;
        let Ok(number) = check_phone_number(number) else {
            return Ok(None);
        };
        let index = self.runtime.personal.blind_index(&number);
        Ok(self.staff.phone_holder(&index).and_then(|holder| {
            let mission_code = self.staff.mission_of_member(&holder.staff_id)?;
            Some(SmsSender {
                duress_hash: self.duress_hash(&holder.staff_id),
                staff_id: holder.staff_id,
                mission_code,
                language: holder.language,
            })
        }))
    }
}
