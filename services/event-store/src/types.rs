//! The envelope of a stored event and the vocabulary of the store's contract.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::StoreError;

/// A stream's name: non-empty, at most [`StreamName::MAX_LEN`] bytes, no control characters, and not
/// starting with `$` (reserved for the store's own system streams).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamName(Arc<str>);

impl StreamName {
    pub const MAX_LEN: usize = 256;

    pub fn new(name: impl AsRef<str>) -> Result<Self, StoreError> {
        let name = name.as_ref();
        let problem = if name.is_empty() {
            Some("a stream name must not be empty")
        } else if name.len() > Self::MAX_LEN {
            Some("a stream name is at most 256 bytes")
        } else if name.starts_with('$') {
            Some("stream names starting with '$' are reserved for the store")
        } else if name.chars().any(char::is_control) {
            Some("a stream name must not contain control characters")
        } else {
            None
        };
        match problem {
            Some(message) => Err(StoreError::invalid("stream", message)),
            None => Ok(Self(Arc::from(name))),
        }
    }

    /// The stream of one entity: the prefix of its kind (`"mission-"`) and its id or code. Ids and
    /// codes always make valid names; panics on one that does not.
    pub fn keyed(prefix: &str, key: &str) -> Self {
        Self::new(format!("{prefix}{key}")).expect("ids and codes make valid stream names")
    }

    /// A name read back from the store, trusted as it is.
    pub(crate) fn from_stored(name: &str) -> Self {
        Self(Arc::from(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Stream categories whose id is itself personal data (an index number): their names are shown
/// as `<category>-…` wherever a stream name is displayed (logs, error messages). The name itself,
/// as the store keeps it, is [`StreamName::as_str`].
static PERSONAL_CATEGORIES: std::sync::RwLock<Vec<&'static str>> =
    std::sync::RwLock::new(Vec::new());

impl StreamName {
    /// Declares that streams named `<category>-<id>` carry personal data in their id. Idempotent.
    pub fn declare_personal_category(category: &'static str) {
        let known = PERSONAL_CATEGORIES
            .read()
            .is_ok_and(|c| c.contains(&category));
        if !known
            && let Ok(mut categories) = PERSONAL_CATEGORIES.write()
            && !categories.contains(&category)
        {
            categories.push(category);
        }
    }

    /// The name as it may be shown: the id of a personal category withheld.
    fn shown(&self) -> &str {
        let Ok(categories) = PERSONAL_CATEGORIES.read() else {
            return &self.0;
        };
        for category in categories.iter() {
            if let Some(rest) = self.0.strip_prefix(category)
                && rest.starts_with('-')
            {
                return &self.0[..category.len() + 1];
            }
        }
        &self.0
    }
}

/// Shown as people and logs may see it: a personal id (see
/// [`StreamName::declare_personal_category`]) is withheld as `…`.
impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.shown();
        f.write_str(shown)?;
        if shown.len() < self.0.len() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl AsRef<str> for StreamName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An event's stored type: an explicit, stable name and version, written `Name.vN`
/// (`StaffDeployed.v1`). Never derived from a Rust type path, so renaming code changes nothing stored.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EventType(Arc<str>);

impl EventType {
    /// `EventType::new("StaffDeployed", 1)` is `StaffDeployed.v1`.
    pub fn new(name: &str, version: u32) -> Result<Self, StoreError> {
        Self::parse(&format!("{name}.v{version}"))
    }

    /// Parses `Name.vN`: the name starts with an ASCII letter and holds only ASCII letters and
    /// digits; the version is a whole number from 1.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let valid = text.rsplit_once(".v").is_some_and(|(name, version)| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric())
                && !version.starts_with('0')
                && version.parse::<u32>().is_ok_and(|v| v >= 1)
        });
        if valid {
            Ok(Self(Arc::from(text)))
        } else {
            Err(StoreError::invalid(
                "eventType",
                format!("event type {text:?} is not of the form Name.vN (e.g. StaffDeployed.v1)"),
            ))
        }
    }

    /// A type read back from the store, trusted as it is (the store may hold types written by
    /// other tools).
    pub(crate) fn from_stored(text: &str) -> Self {
        Self(Arc::from(text))
    }

    /// The full stored string, `Name.vN`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name without the version.
    pub fn name(&self) -> &str {
        self.0.rsplit_once(".v").map_or(&self.0, |(name, _)| name)
    }

    /// The version, where the stored string carries one.
    pub fn version(&self) -> Option<u32> {
        self.0.rsplit_once(".v").and_then(|(_, v)| v.parse().ok())
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user id (`sub` of the caller's token), or `system` for events the product raises itself.
    pub id: String,
    /// The role the actor acted in (`ADMIN`, `MISSION_HR`, `CIVIL_AFFAIRS`, `SYSTEM`, …).
    pub role: String,
}

/// What every event carries besides its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub actor: Actor,
    /// Ties together every event caused by one request.
    pub correlation_id: Uuid,
    /// The event or command that caused this one, where there is one.
    pub causation_id: Option<Uuid>,
    /// The business date on which the fact takes effect.
    pub effective: NaiveDate,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// A UUID v7, chosen by the writer so that re-sending the same append is idempotent.
    pub id: Uuid,
    pub event_type: EventType,
    /// A JSON document (the proto3 JSON mapping of the event's contract in `proto/`).
    pub data: Bytes,
    pub metadata: Metadata,
}

impl NewEvent {
    /// A new event with a fresh UUID v7 id.
    pub fn new(event_type: EventType, data: impl Into<Bytes>, metadata: Metadata) -> Self {
        Self {
            id: Uuid::now_v7(),
            event_type,
            data: data.into(),
            metadata,
        }
    }

    /// Checks what the store can check of an event before any of it is written.
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        if self.id.is_nil() {
            return Err(StoreError::invalid("id", "an event id must not be nil"));
        }
        if self.metadata.actor.id.trim().is_empty() {
            return Err(StoreError::invalid(
                "metadata.actor.id",
                "every event names the actor that caused it",
            ));
        }
        if self.metadata.actor.role.trim().is_empty() {
            return Err(StoreError::invalid(
                "metadata.actor.role",
                "every event names the role its actor acted in",
            ));
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&self.data).is_err() {
            return Err(StoreError::invalid(
                "data",
                "event data must be a JSON document",
            ));
        }
        Ok(())
    }
}

/// A stream's revision: the 0-based number of an event within its stream.
pub type Revision = u64;

/// An event's place in the global order of the whole store. Positions only grow; in the embedded
/// store they are consecutive from 1.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Position(pub u64);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What an append expects of its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedRevision {
    /// No check.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must exist.
    StreamExists,
    /// The stream's last event must have exactly this revision.
    Exact(Revision),
}

impl fmt::Display for ExpectedRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::NoStream => f.write_str("no stream"),
            Self::StreamExists => f.write_str("stream exists"),
            Self::Exact(r) => write!(f, "revision {r}"),
        }
    }
}

/// A stream's actual state, as carried by a wrong-expectation error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrentRevision {
    NoStream,
    Current(Revision),
}

impl CurrentRevision {
    pub(crate) fn from_option(revision: Option<Revision>) -> Self {
        revision.map_or(Self::NoStream, Self::Current)
    }

    /// Whether this state satisfies `expected`.
    pub fn satisfies(self, expected: ExpectedRevision) -> bool {
        match (expected, self) {
            (ExpectedRevision::Any, _) => true,
            (ExpectedRevision::NoStream, Self::NoStream) => true,
            (ExpectedRevision::StreamExists, Self::Current(_)) => true,
            (ExpectedRevision::Exact(e), Self::Current(c)) => e == c,
            _ => false,
        }
    }
}

impl fmt::Display for CurrentRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStream => f.write_str("no stream"),
            Self::Current(r) => write!(f, "revision {r}"),
        }
    }
}

/// What an acknowledged append returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendResult {
    /// The stream's revision after the append: the revision of its last event.
    pub revision: Revision,
    /// The global position of the append's last event.
    pub position: Position,
}

/// Where a stream read starts (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFrom {
    Start,
    End,
    Revision(Revision),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forwards,
    Backwards,
}

/// Where a read of, or subscription to, the global order starts: from the beginning, or just after
/// a position already seen (a checkpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllFrom {
    Start,
    After(Position),
}

impl AllFrom {
    /// Resumes after a stored checkpoint, or from the beginning where there is none.
    pub fn checkpoint(checkpoint: Option<Position>) -> Self {
        checkpoint.map_or(Self::Start, Self::After)
    }
}

/// A stored event: the envelope every reader sees.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    pub id: Uuid,
    pub stream: StreamName,
    pub event_type: EventType,
    pub data: Bytes,
    pub metadata: Metadata,
    /// When the store recorded it.
    pub recorded: DateTime<Utc>,
    pub revision: Revision,
    pub position: Position,
}

/// Refusals that need no look at the store: made before a request reaches the writer.
pub(crate) fn check_append(events: &[NewEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Err(StoreError::invalid(
            "events",
            "an append needs at least one event",
        ));
    }
    let mut ids = HashSet::with_capacity(events.len());
    for event in events {
        event.validate()?;
        if !ids.insert(event.id) {
            return Err(StoreError::invalid(
                "events",
                format!("event id {} appears twice in one append", event.id),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::StreamName;

    #[test]
    fn a_personal_streams_id_is_withheld_wherever_the_name_is_shown() {
        StreamName::declare_personal_category("held-number");
        StreamName::declare_personal_category("held-number");
        let personal = StreamName::new("held-number-5512").unwrap();
        assert_eq!(personal.as_str(), "held-number-5512");
        assert_eq!(personal.to_string(), "held-number-…");
        assert_eq!(format!("{personal:?}"), "\"held-number-…\"");
        let error = crate::StoreError::WrongExpectedRevision {
            stream: personal.clone(),
            expected: crate::ExpectedRevision::StreamExists,
            actual: crate::CurrentRevision::NoStream,
        };
        assert!(!error.to_string().contains("5512"), "{error}");
        // Other streams, and names that merely begin with the category's letters, show whole.
        assert_eq!(
            StreamName::new("staff-5512").unwrap().to_string(),
            "staff-5512"
        );
        assert_eq!(
            StreamName::new("held-numbers-5512").unwrap().to_string(),
            "held-numbers-5512"
        );
    }
}
