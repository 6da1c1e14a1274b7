//! What can have happened in the field channel: the contracts of `proto/cla/field/v1`.

pub use cla_contracts::cla::field::v1 as contract;

cla_platform::event_enum! {
    pub enum FieldEvent of contract {
        UnmatchedSmsReceived, UnmatchedSmsAssigned, UnmatchedSmsDismissed,
    }
}

/// One unmatched message's stream, named by its gateway and the gateway's message id.
pub fn stream(message_id: &str) -> cla_event_store::StreamName {
    cla_event_store::StreamName::keyed("sms-unmatched-", message_id)
}
