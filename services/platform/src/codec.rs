//! Events to and from their stored form: a type name `Name.vN` and JSON by the proto3 JSON
//! mapping of their contract in `proto/` (see `cla-contracts`).

use cla_contracts::DecodeError;

/// A context's event enum, each variant one contract message.
pub trait EventCodec: Sized {
    /// The stored type name, `Name.vN`.
    fn event_type(&self) -> &'static str;
    /// The event's data, JSON by its contract.
    fn encode(&self) -> Vec<u8>;
    /// Reads a stored event; `None` where the type is not one of this context's events.
    fn decode(event_type: &str, data: &[u8]) -> Result<Option<Self>, DecodeError>;
    /// Whether a stored type is one of this context's events.
    fn reads(event_type: &str) -> bool;
}

/// Declares a context's event enum over its contract messages (deriving `Clone`, `Debug` and
/// `PartialEq`) and implements [`EventCodec`]. Where each variant is named as its message in the
/// contract module, the module is named once:
///
/// ```text
/// event_enum! {
///     pub enum RegistryEvent of contract { MissionCreated, MissionRenamed }
/// }
/// ```
///
/// and otherwise each variant names its message:
///
/// ```text
/// event_enum! {
///     pub enum StaffFact { Onboarded(staff::StaffMemberOnboarded) }
/// }
/// ```
#[macro_export]
macro_rules! event_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident of $module:ident {
        $($variant:ident),* $(,)?
    }) => {
        $crate::event_enum! {
            $(#[$meta])* $vis enum $name { $($variant($module::$variant)),* }
        }
    };
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident($ty:ty)),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis enum $name {
            $($variant($ty)),*
        }

        impl $crate::codec::EventCodec for $name {
            fn event_type(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => <$ty as ::cla_contracts::EventContract>::TYPE_NAME),*
                }
            }

            fn encode(&self) -> Vec<u8> {
                match self {
                    $(Self::$variant(event) => ::cla_contracts::encode_json(event)),*
                }
            }

            fn decode(
                event_type: &str,
                data: &[u8],
            ) -> Result<Option<Self>, ::cla_contracts::DecodeError> {
                $(
                    if event_type == <$ty as ::cla_contracts::EventContract>::TYPE_NAME {
                        return Ok(Some(Self::$variant(::cla_contracts::decode_json(data)?)));
                    }
                )*
                Ok(None)
            }

            fn reads(event_type: &str) -> bool {
                false $(|| event_type == <$ty as ::cla_contracts::EventContract>::TYPE_NAME)*
            }
        }
    };
}

/// Reads a stored event of context `E`, logging (not failing on) one that cannot be read.
pub fn decode_recorded<E: EventCodec>(event: &cla_event_store::RecordedEvent) -> Option<E> {
    match E::decode(event.event_type.as_str(), &event.data) {
        Ok(decoded) => decoded,
        Err(e) => {
            tracing::error!(
                position = event.position.0,
                stream = %event.stream,
                event_type = %event.event_type,
                error = %e,
                "stored event does not match its contract; skipped"
            );
            None
        }
    }
}
