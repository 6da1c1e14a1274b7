//! Phone numbers and duress words: the rules.
//!
//! - A phone number (E.164: `+` and 8 to 15 digits; spaces, dots, dashes and brackets are ignored)
//!   is held by one current staff member at a time, on its own stream: a claim by another is a
//!   CONFLICT, a claim by its holder changes nothing. Its history (who held it, from when to when)
//!   is the stream itself.
//! - A duress word is kept only as a salted hash; setting it again replaces it.

use chrono::NaiveDate;
use cla_platform::decider::Decider;
use cla_platform::{AppError, ErrorCode};

use crate::commands::{DuressCommand, PhoneNumberCommand};
use crate::events::{StaffEvent, contract};

/// A phone number as the system keeps it: `+` and its digits.
pub fn check_phone_number(number: &str) -> Result<String, AppError> {
    let kept: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = kept.strip_prefix('+').unwrap_or("");
    if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::validation(
            "phoneNumber",
            "a phone number is written +<country code><number> (8 to 15 digits)",
        ));
    }
    Ok(kept)
}

/// Languages replies are written in (ISO 639-1); empty for the mission's.
pub fn check_language(language: &str) -> Result<String, AppError> {
    let language = language.trim().to_ascii_lowercase();
    if !language.is_empty()
        && (!(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_lowercase()))
    {
        return Err(AppError::validation(
            "language",
            "give the language as its ISO 639 code (en, fr, sw, ln, sg)",
        ));
    }
    Ok(language)
}

/// Who holds a phone number now.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhoneNumberState {
    pub holder: Option<String>,
    pub language: String,
}

pub struct PhoneNumberDecider;

impl Decider for PhoneNumberDecider {
    type Command = (String, PhoneNumberCommand);
    type Event = StaffEvent;
    type State = PhoneNumberState;
    type Context = ();

    fn decide(
        command: &(String, PhoneNumberCommand),
        state: &PhoneNumberState,
        _: &(),
    ) -> Result<Vec<StaffEvent>, AppError> {
        let (number, command) = command;
        let number = check_phone_number(number)?;
        match command {
            PhoneNumberCommand::Claim { staff_id, language } => {
                let language = check_language(language)?;
                match &state.holder {
                    Some(holder) if holder == staff_id && state.language == language => Ok(vec![]),
                    Some(holder) if holder != staff_id => Err(AppError::new(
                        ErrorCode::Conflict,
                        "this phone number is registered to another current staff member",
                    )
                    .on("phoneNumber")),
                    _ => Ok(vec![StaffEvent::PhoneNumberClaimed(
                        contract::PhoneNumberClaimed {
                            phone_number: number,
                            staff_id: staff_id.clone(),
                            language,
                        },
                    )]),
                }
            }
            PhoneNumberCommand::Release { staff_id } => match &state.holder {
                Some(holder) if holder == staff_id => Ok(vec![StaffEvent::PhoneNumberReleased(
                    contract::PhoneNumberReleased {
                        phone_number: number,
                        staff_id: staff_id.clone(),
                    },
                )]),
                _ => Err(AppError::not_found(
                    "phoneNumber",
                    "this phone number is not registered to the staff member",
                )),
            },
        }
    }

    fn evolve(mut state: PhoneNumberState, event: &StaffEvent, _: NaiveDate) -> PhoneNumberState {
        match event {
            StaffEvent::PhoneNumberClaimed(e) => {
                state.holder = Some(e.staff_id.clone());
                state.language = e.language.clone();
            }
            StaffEvent::PhoneNumberReleased(_) => {
                state.holder = None;
                state.language.clear();
            }
            _ => {}
        }
        state
    }
}

/// A CLA's duress word, as its hash.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DuressState {
    pub hash: Option<String>,
}

pub struct DuressDecider;

impl Decider for DuressDecider {
    type Command = (String, DuressCommand);
    type Event = StaffEvent;
    type State = DuressState;
    type Context = ();

    fn decide(
        command: &(String, DuressCommand),
        state: &DuressState,
        _: &(),
    ) -> Result<Vec<StaffEvent>, AppError> {
        let (staff_id, command) = command;
        match command {
            DuressCommand::Set { hash } => {
                if !hash.starts_with("$argon2id$") {
                    return Err(AppError::validation(
                        "word",
                        "a duress word is kept only as an argon2id hash",
                    ));
                }
                Ok(vec![StaffEvent::DuressWordSet(contract::DuressWordSet {
                    staff_id: staff_id.clone(),
                    hash: hash.clone(),
                })])
            }
            DuressCommand::Clear => Ok(if state.hash.is_some() {
                vec![StaffEvent::DuressWordCleared(contract::DuressWordCleared {
                    staff_id: staff_id.clone(),
                })]
            } else {
                vec![]
            }),
        }
    }

    fn evolve(mut state: DuressState, event: &StaffEvent, _: NaiveDate) -> DuressState {
        match event {
            StaffEvent::DuressWordSet(e) => state.hash = Some(e.hash.clone()),
            StaffEvent::DuressWordCleared(_) => state.hash = None,
            _ => {}
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::decider::given;

    use super::*;

    fn claim(staff: &str) -> (String, PhoneNumberCommand) {
        (
            "+243 81 555 0101".into(),
            PhoneNumberCommand::Claim {
                staff_id: staff.into(),
                language: "fr".into(),
            },
        )
    }

    fn claimed(staff: &str) -> StaffEvent {
        StaffEvent::PhoneNumberClaimed(contract::PhoneNumberClaimed {
            phone_number: "+243815550101".into(),
            staff_id: staff.into(),
            language: "fr".into(),
        })
    }

    #[test]
    fn a_number_belongs_to_one_current_staff_member_at_a_time() {
        given::<PhoneNumberDecider>(vec![])
            .when(claim("s-1"))
            .then(vec![claimed("s-1")]);
        given::<PhoneNumberDecider>(vec![claimed("s-1")])
            .when(claim("s-1"))
            .then(vec![]);
        given::<PhoneNumberDecider>(vec![claimed("s-1")])
            .when(claim("s-2"))
            .then_error_on(ErrorCode::Conflict, "phoneNumber");
        let released = StaffEvent::PhoneNumberReleased(contract::PhoneNumberReleased {
            phone_number: "+243815550101".into(),
            staff_id: "s-1".into(),
        });
        given::<PhoneNumberDecider>(vec![claimed("s-1")])
            .when((
                "+243815550101".into(),
                PhoneNumberCommand::Release {
                    staff_id: "s-1".into(),
                },
            ))
            .then(vec![released.clone()]);
        given::<PhoneNumberDecider>(vec![claimed("s-1"), released])
            .when(claim("s-2"))
            .then(vec![claimed("s-2")]);
    }

    #[test]
    fn numbers_and_languages_are_checked() {
        for bad in [
            "0815550101",
            "+12",
            "+243 81 555 0101 99999",
            "+24381555abc",
        ] {
            given::<PhoneNumberDecider>(vec![])
                .when((
                    bad.into(),
                    PhoneNumberCommand::Claim {
                        staff_id: "s".into(),
                        language: String::new(),
                    },
                ))
                .then_error_on(ErrorCode::Validation, "phoneNumber");
        }
        given::<PhoneNumberDecider>(vec![])
            .when((
                "+243815550101".into(),
                PhoneNumberCommand::Claim {
                    staff_id: "s".into(),
                    language: "french".into(),
                },
            ))
            .then_error_on(ErrorCode::Validation, "language");
    }
}
