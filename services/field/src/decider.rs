//! Messages from numbers no current staff member holds, decided on each message's stream.
//!
//! - received once, however often the gateway resends it;
//! - open until an HR officer assigns it to a staff member (then recorded as that CLA's check-in)
//!   or dismisses it; either is final.

use chrono::NaiveDate;
use cla_platform::AppError;
use cla_platform::decider::Decider;

use crate::events::{FieldEvent, contract};

#[derive(Clone, Debug, PartialEq)]
pub enum UnmatchedCommand {
    Receive(contract::UnmatchedSmsReceived),
    Assign { staff_id: String },
    Dismiss { reason: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnmatchedStatus {
    Open,
    Assigned,
    Dismissed,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnmatchedState {
    pub received: Option<contract::UnmatchedSmsReceived>,
    pub status: Option<UnmatchedStatus>,
    pub staff_id: Option<String>,
}

pub struct UnmatchedDecider;

impl Decider for UnmatchedDecider {
    type Command = UnmatchedCommand;
    type Event = FieldEvent;
    type State = UnmatchedState;
    type Context = ();

    fn decide(
        command: &UnmatchedCommand,
        state: &UnmatchedState,
        _: &(),
    ) -> Result<Vec<FieldEvent>, AppError> {
        let open = || -> Result<&contract::UnmatchedSmsReceived, AppError> {
            let received = state
                .received
                .as_ref()
                .ok_or_else(|| AppError::not_found("messageId", "no such unmatched message"))?;
            if state.status != Some(UnmatchedStatus::Open) {
                return Err(AppError::conflict("this message was already resolved").on("messageId"));
            }
            Ok(received)
        };
        match command {
            UnmatchedCommand::Receive(received) => Ok(if state.received.is_some() {
                vec![]
            } else {
                vec![FieldEvent::UnmatchedSmsReceived(received.clone())]
            }),
            UnmatchedCommand::Assign { staff_id } => {
                if state.status == Some(UnmatchedStatus::Assigned)
                    && state.staff_id.as_deref() == Some(staff_id)
                {
                    return Ok(vec![]);
                }
                let received = open()?;
                Ok(vec![FieldEvent::UnmatchedSmsAssigned(
                    contract::UnmatchedSmsAssigned {
                        message_id: received.message_id.clone(),
                        staff_id: staff_id.clone(),
                    },
                )])
            }
            UnmatchedCommand::Dismiss { reason } => {
                let received = open()?;
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > 1000 {
                    return Err(AppError::validation(
                        "reason",
                        "say why the message is dismissed (at most 1000 characters)",
                    ));
                }
                Ok(vec![FieldEvent::UnmatchedSmsDismissed(
                    contract::UnmatchedSmsDismissed {
                        message_id: received.message_id.clone(),
                        reason: reason.to_string(),
                    },
                )])
            }
        }
    }

    fn evolve(mut state: UnmatchedState, event: &FieldEvent, _: NaiveDate) -> UnmatchedState {
        match event {
            FieldEvent::UnmatchedSmsReceived(e) => {
                state.received = Some(e.clone());
                state.status = Some(UnmatchedStatus::Open);
            }
            FieldEvent::UnmatchedSmsAssigned(e) => {
                state.status = Some(UnmatchedStatus::Assigned);
                state.staff_id = Some(e.staff_id.clone());
            }
            FieldEvent::UnmatchedSmsDismissed(_) => state.status = Some(UnmatchedStatus::Dismissed),
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use cla_platform::ErrorCode;
    use cla_platform::decider::given;

    use super::*;

    fn received() -> contract::UnmatchedSmsReceived {
        contract::UnmatchedSmsReceived {
            message_id: "twilio-SM1".into(),
            gateway: "twilio".into(),
            mission_code: "MONUSCO".into(),
            from_number: "+243815550199".into(),
            text: "ok".into(),
            sent_at: "2026-05-10T12:00:00+00:00".into(),
        }
    }

    #[test]
    fn an_unmatched_message_is_kept_once_and_resolved_once() {
        let got = FieldEvent::UnmatchedSmsReceived(received());
        given::<UnmatchedDecider>(vec![])
            .when(UnmatchedCommand::Receive(received()))
            .then(vec![got.clone()]);
        given::<UnmatchedDecider>(vec![got.clone()])
            .when(UnmatchedCommand::Receive(received()))
            .then(vec![]);
        let assigned = FieldEvent::UnmatchedSmsAssigned(contract::UnmatchedSmsAssigned {
            message_id: "twilio-SM1".into(),
            staff_id: "s-1".into(),
        });
        given::<UnmatchedDecider>(vec![got.clone()])
            .when(UnmatchedCommand::Assign {
                staff_id: "s-1".into(),
            })
            .then(vec![assigned.clone()]);
        given::<UnmatchedDecider>(vec![got.clone(), assigned.clone()])
            .when(UnmatchedCommand::Dismiss {
                reason: "spam".into(),
            })
            .then_error_on(ErrorCode::Conflict, "messageId");
        given::<UnmatchedDecider>(vec![got])
            .when(UnmatchedCommand::Dismiss { reason: " ".into() })
            .then_error_on(ErrorCode::Validation, "reason");
        given::<UnmatchedDecider>(vec![])
            .when(UnmatchedCommand::Assign {
                staff_id: "s-1".into(),
            })
            .then_error_on(ErrorCode::NotFound, "messageId");
    }
}
