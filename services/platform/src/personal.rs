//! Personal data at rest and every look at it (DESIGN.md §9).
//!
//! - **What is restricted** is listed once, in [`RESTRICTED`]: each event field holding a person's
//!   restricted datum ([`Datum`]), and whose data key seals it (the person's). Nowhere else names
//!   them.
//! - **Sealed before it is stored**: [`SealingStore`] wraps the event store (either backend) and
//!   replaces each restricted field of an event with its sealed text (`v1.<key id>.<…>`,
//!   AES-256-GCM under the person's data key, bound to the person and the datum) before the event
//!   is appended. Events are read back as stored: deciders and read models keep the sealed text,
//!   so neither the store, its WAL, the read models' snapshot nor a backup holds the plaintext.
//! - **Opened at the door, and recorded**: the application layer, having decided that a caller
//!   may see a datum, opens it with [`PersonalData::disclose`], which records the look (who, whose,
//!   which datum, through which door). Looks are kept as `PersonalDataViewed` events, one per
//!   request and person ([`PersonalData::flush`]); a door records its request's looks before it
//!   answers ([`PersonalData::scope`]).
//! - **Erased by destroying the key** ([`PersonalData::erase`]): every copy of the person's sealed
//!   fields becomes unreadable for good; what is not sealed (deployments, coverage) stays.
//!
//! Without a key store ([`PersonalData::disabled`], for deciders' and views' tests) nothing is
//! sealed and texts pass through as they are.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use cla_contracts::EventContract;
use cla_contracts::cla::{field, idempotency, privacy, risk, staff};
use cla_event_store::{
    Actor, AppendLayer, AppendResult, Direction, EventStore, EventType, ExpectedRevision, Metadata,
    NewEvent, StoreError, StreamFrom, StreamName,
};
pub use cla_vault::{KeyStore, Opened, Sealed};

use crate::access::Principal;
use crate::app::Restricted;

/// A kind of restricted datum: what the access record names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Datum {
    HomeCommunity,
    PhoneNumber,
    DuressHash,
    CheckInNotes,
    RiskNotes,
    VettingNotes,
    SeparationNotes,
    SmsText,
    /// A kept answer to a request sent with an idempotency key (it may name anyone).
    KeptAnswer,
}

impl Datum {
    pub const ALL: &[Datum] = &[
        Datum::HomeCommunity,
        Datum::PhoneNumber,
        Datum::DuressHash,
        Datum::CheckInNotes,
        Datum::RiskNotes,
        Datum::VettingNotes,
        Datum::SeparationNotes,
        Datum::SmsText,
        Datum::KeptAnswer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::HomeCommunity => "homeCommunity",
            Self::PhoneNumber => "phoneNumber",
            Self::DuressHash => "duressHash",
            Self::CheckInNotes => "checkInNotes",
            Self::RiskNotes => "riskNotes",
            Self::VettingNotes => "vettingNotes",
            Self::SeparationNotes => "separationNotes",
            Self::SmsText => "smsText",
            Self::KeptAnswer => "keptAnswer",
        }
    }
}

/// Whose data key seals a field.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    /// The id in another field of the same event (`staffId`, `candidateId`).
    Field(&'static str),
    /// A prefix and the id in a field of the same event (an unmatched SMS: `sms:<messageId>`).
    Prefixed(&'static str, &'static str),
    /// The id in a field of the stream's first event (a risk flag's later events: its CLA).
    FirstOfStream(&'static str),
    /// One key of its own (kept answers: destroyed with every erasure).
    Fixed(&'static str),
}

/// A restricted field of an event: its stored type, its name in the event's JSON, the datum it
/// holds and whose key seals it.
#[derive(Clone, Copy, Debug)]
pub struct RestrictedField {
    pub event_type: &'static str,
    pub field: &'static str,
    pub datum: Datum,
    pub subject: Subject,
}

const fn restricted(
    event_type: &'static str,
    field: &'static str,
    datum: Datum,
    subject: Subject,
) -> RestrictedField {
    RestrictedField {
        event_type,
        field,
        datum,
        subject,
    }
}

/// The subject whose key seals kept answers.
pub const ANSWERS_SUBJECT: &str = "kept-answers";

/// Every restricted field of every event (DESIGN.md §9): the one list.
pub const RESTRICTED: &[RestrictedField] = &[
    restricted(
        staff::v1::StaffMemberOnboarded::TYPE_NAME,
        "homeCommunity",
        Datum::HomeCommunity,
        Subject::Field("staffId"),
    ),
    restricted(
        staff::v1::StaffDetailsChanged::TYPE_NAME,
        "homeCommunity",
        Datum::HomeCommunity,
        Subject::Field("staffId"),
    ),
    restricted(
        staff::v1::StaffSeparated::TYPE_NAME,
        "notes",
        Datum::SeparationNotes,
        Subject::Field("staffId"),
    ),
    restricted(
        staff::v1::CandidateVetted::TYPE_NAME,
        "notes",
        Datum::VettingNotes,
        Subject::Field("candidateId"),
    ),
    restricted(
        staff::v1::PhoneNumberClaimed::TYPE_NAME,
        "phoneNumber",
        Datum::PhoneNumber,
        Subject::Field("staffId"),
    ),
    restricted(
        staff::v1::PhoneNumberReleased::TYPE_NAME,
        "phoneNumber",
        Datum::PhoneNumber,
        Subject::Field("staffId"),
    ),
    restricted(
        staff::v1::DuressWordSet::TYPE_NAME,
        "hash",
        Datum::DuressHash,
        Subject::Field("staffId"),
    ),
    restricted(
        risk::v1::CheckInRecorded::TYPE_NAME,
        "notes",
        Datum::CheckInNotes,
        Subject::Field("staffId"),
    ),
    restricted(
        risk::v1::RiskFlagRaised::TYPE_NAME,
        "notes",
        Datum::RiskNotes,
        Subject::Field("staffId"),
    ),
    restricted(
        risk::v1::RiskFlagSeverityChanged::TYPE_NAME,
        "reason",
        Datum::RiskNotes,
        Subject::FirstOfStream("staffId"),
    ),
    restricted(
        risk::v1::MitigationAdded::TYPE_NAME,
        "notes",
        Datum::RiskNotes,
        Subject::FirstOfStream("staffId"),
    ),
    restricted(
        risk::v1::RiskFlagReviewed::TYPE_NAME,
        "notes",
        Datum::RiskNotes,
        Subject::FirstOfStream("staffId"),
    ),
    restricted(
        risk::v1::RiskFlagClosed::TYPE_NAME,
        "resolution",
        Datum::RiskNotes,
        Subject::FirstOfStream("staffId"),
    ),
    restricted(
        field::v1::UnmatchedSmsReceived::TYPE_NAME,
        "fromNumber",
        Datum::PhoneNumber,
        Subject::Prefixed("sms:", "messageId"),
    ),
    restricted(
        field::v1::UnmatchedSmsReceived::TYPE_NAME,
        "text",
        Datum::SmsText,
        Subject::Prefixed("sms:", "messageId"),
    ),
    restricted(
        idempotency::v1::IdempotentAnswerKept::TYPE_NAME,
        "answer",
        Datum::KeptAnswer,
        Subject::Fixed(ANSWERS_SUBJECT),
    ),
];

fn restricted_of(event_type: &str) -> impl Iterator<Item = &'static RestrictedField> + '_ {
    RESTRICTED
        .iter()
        .filter(move |f| f.event_type == event_type)
}

/// The stream of access records (one a day, appended to by every door).
pub fn access_stream(day: chrono::NaiveDate) -> StreamName {
    StreamName::keyed("personal-data-access-", &day.format("%Y-%m-%d").to_string())
}

/// One look at one person's data (before it is recorded).
#[derive(Clone, Debug)]
struct Look {
    request: u64,
    door: &'static str,
    viewer: String,
    role: String,
    subject: String,
    datum: Datum,
}

/// The request a door is answering: its number, the door's name, and how many looks it made.
struct Request {
    id: u64,
    door: &'static str,
    looks: std::cell::Cell<usize>,
}

tokio::task_local! {
    static REQUEST: Request;
}

/// How many looks at restricted data the current request has made so far: an answer that made
/// any is not kept to be given again without them (each request's looks are recorded).
pub fn looks_in_request() -> usize {
    REQUEST.try_with(|r| r.looks.get()).unwrap_or(0)
}

/// `work` as part of the current request (a task it spawns), its looks counted as the request's.
pub fn carried<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let (id, door) = REQUEST
        .try_with(|r| (r.id, r.door))
        .unwrap_or((0, "internal"));
    REQUEST.scope(
        Request {
            id,
            door,
            looks: Default::default(),
        },
        work,
    )
}

/// The keys of personal data and the looks at it not yet recorded.
pub struct PersonalData {
    keys: Option<Arc<KeyStore>>,
    /// The sealing store looks are recorded in (weak: it holds this too).
    store: OnceLock<std::sync::Weak<dyn EventStore>>,
    pending: Mutex<Vec<Look>>,
    /// The subject of streams whose later events name no subject (a risk flag's CLA).
    stream_subjects: Mutex<HashMap<String, String>>,
    requests: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for PersonalData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalData")
            .field("sealing", &self.keys.is_some())
            .finish_non_exhaustive()
    }
}

impl PersonalData {
    /// Nothing sealed, nothing recorded: for tests of deciders and views.
    pub fn disabled() -> Arc<Self> {
        Arc::new(Self::new(None))
    }

    /// Sealing with the data keys of `keys`.
    pub fn with_keys(keys: Arc<KeyStore>) -> Arc<Self> {
        Arc::new(Self::new(Some(keys)))
    }

    fn new(keys: Option<Arc<KeyStore>>) -> Self {
        Self {
            keys,
            store: OnceLock::new(),
            pending: Mutex::default(),
            stream_subjects: Mutex::default(),
            requests: Default::default(),
        }
    }

    /// `store` wrapped so that every restricted field is sealed before it is stored; looks are
    /// recorded there too.
    pub fn seal_store(self: &Arc<Self>, store: Arc<dyn EventStore>) -> Arc<dyn EventStore> {
        let sealing: Arc<dyn EventStore> = Arc::new(SealingStore {
            inner: store,
            personal: Arc::clone(self),
        });
        let _ = self.store.set(Arc::downgrade(&sealing));
        sealing
    }

    /// A keyed hash of a personal value to look it up by (a phone number): the value itself
    /// where nothing is sealed.
    pub fn blind_index(&self, value: &str) -> String {
        match &self.keys {
            Some(keys) => keys.blind_index(value).unwrap_or_else(|e| {
                tracing::error!(error = %e, "the blind index key cannot be read");
                String::new()
            }),
            None => value.to_string(),
        }
    }

    /// Opens a stored field without recording a look: for the system's own use (matching a
    /// duress word, sending a reply), never to show it to a person.
    pub fn open(&self, subject: &str, datum: Datum, text: &str) -> Opened {
        if !Sealed::is_sealed(text) {
            return Opened::Plain(text.to_string());
        }
        let Some(keys) = &self.keys else {
            return Opened::Erased;
        };
        match keys.unseal(subject, datum.name(), text) {
            Ok(opened) => opened,
            Err(e) => {
                tracing::error!(error = %e, datum = datum.name(), "a sealed field does not open");
                Opened::Erased
            }
        }
    }

    /// What `who` is shown of `subject`'s `datum` stored as `text`: withheld unless `allowed`
    /// (the application layer's decision), erased where the key was destroyed, else the text,
    /// and the look recorded.
    pub fn disclose(
        &self,
        who: &Principal,
        allowed: bool,
        subject: &str,
        datum: Datum,
        text: &str,
    ) -> Restricted<String> {
        if !allowed {
            return Restricted::Withheld;
        }
        match self.open(subject, datum, text) {
            Opened::Erased => Restricted::Erased,
            Opened::Plain(plain) => {
                if !plain.is_empty() {
                    self.looked(who, subject, datum);
                }
                Restricted::Shown(plain)
            }
        }
    }

    /// Records that `who` was shown `subject`'s `datum` (by a door that opened it itself).
    pub fn looked(&self, who: &Principal, subject: &str, datum: Datum) {
        if self.keys.is_none() {
            return;
        }
        let (request, door) = REQUEST
            .try_with(|r| {
                r.looks.set(r.looks.get() + 1);
                (r.id, r.door)
            })
            .unwrap_or((0, "internal"));
        let role = who
            .roles
            .iter()
            .next()
            .map_or("SYSTEM", |r| r.as_str())
            .to_string();
        self.pending.lock().expect("looks lock").push(Look {
            request,
            door,
            viewer: who.id.clone(),
            role,
            subject: subject.to_string(),
            datum,
        });
    }

    /// Runs `work` as one request through `door`, then records its looks: the answer is given
    /// only once they are recorded (`Err` where they could not be).
    pub async fn scope<F: Future>(&self, door: &'static str, work: F) -> (F::Output, bool) {
        let request = self
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let output = REQUEST
            .scope(
                Request {
                    id: request,
                    door,
                    looks: Default::default(),
                },
                work,
            )
            .await;
        let recorded = self.flush().await.is_ok();
        (output, recorded)
    }

    /// Records the looks not yet recorded every `every`, for those made outside a request (a
    /// subscription's answers, a worker).
    pub fn spawn_flusher(
        self: &Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let personal = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let _ = personal.flush().await;
            }
        })
    }

    /// Records every look not yet recorded: one event per request, viewer, person and door.
    pub async fn flush(&self) -> Result<usize, StoreError> {
        let looks = std::mem::take(&mut *self.pending.lock().expect("looks lock"));
        if looks.is_empty() {
            return Ok(0);
        }
        let Some(store) = self.store.get().and_then(std::sync::Weak::upgrade) else {
            return Ok(0);
        };
        type Group = (u64, &'static str, String, String, String);
        let key = |l: &Look| -> Group {
            (
                l.request,
                l.door,
                l.viewer.clone(),
                l.role.clone(),
                l.subject.clone(),
            )
        };
        let mut grouped: BTreeMap<Group, BTreeSet<Datum>> = BTreeMap::new();
        for look in &looks {
            grouped.entry(key(look)).or_default().insert(look.datum);
        }
        let today = chrono::Utc::now().date_naive();
        let correlation = crate::correlation::current_or_new();
        let groups: Vec<(Group, BTreeSet<Datum>)> = grouped.into_iter().collect();
        let event = |((_, door, viewer, role, subject), data): &(Group, BTreeSet<Datum>)| {
            let viewed = privacy::v1::PersonalDataViewed {
                subject_id: subject.clone(),
                viewer_id: viewer.clone(),
                data: data.iter().map(|d| d.name().to_string()).collect(),
                door: door.to_string(),
            };
            NewEvent::new(
                EventType::parse(privacy::v1::PersonalDataViewed::TYPE_NAME)
                    .expect("a contract's type name"),
                cla_contracts::encode_json(&viewed),
                Metadata {
                    actor: Actor {
                        id: viewer.clone(),
                        role: role.clone(),
                    },
                    correlation_id: correlation,
                    causation_id: None,
                    effective: today,
                },
            )
        };
        let stream = access_stream(today);
        // A batch at a time, within what either backend takes in one append.
        const BATCH: usize = 500;
        for (i, batch) in groups.chunks(BATCH).enumerate() {
            let events = batch.iter().map(event).collect();
            if let Err(e) = store.append(&stream, ExpectedRevision::Any, events).await {
                tracing::error!(error = %e, "looks at personal data could not be recorded");
                // This batch's looks and those after it, for the next flush (not the ones
                // already recorded).
                let unsent: BTreeSet<&Group> = groups[i * BATCH..].iter().map(|(g, _)| g).collect();
                self.pending
                    .lock()
                    .expect("looks lock")
                    .extend(looks.iter().filter(|l| unsent.contains(&key(l))).cloned());
                return Err(e);
            }
        }
        let n = groups.len();
        Ok(n)
    }

    /// A stored event's data with its restricted fields opened (for a subject-access export):
    /// `subject` is the person whose stream it is, for fields that name no one; an erased field
    /// is JSON `null`.
    pub fn opened_json(&self, subject: &str, event_type: &str, data: &[u8]) -> serde_json::Value {
        let mut json: serde_json::Value =
            serde_json::from_slice(data).unwrap_or(serde_json::Value::Null);
        for f in restricted_of(event_type) {
            let Some(text) = json
                .get(f.field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
            else {
                continue;
            };
            let whose = match f.subject {
                Subject::Field(name) => json
                    .get(name)
                    .and_then(|v| v.as_str())
                    .unwrap_or(subject)
                    .to_string(),
                Subject::Prefixed(prefix, name) => format!(
                    "{prefix}{}",
                    json.get(name).and_then(|v| v.as_str()).unwrap_or_default()
                ),
                Subject::FirstOfStream(_) => subject.to_string(),
                Subject::Fixed(fixed) => fixed.to_string(),
            };
            json[f.field] = match self.open(&whose, f.datum, &text) {
                Opened::Plain(plain) => serde_json::Value::String(plain),
                Opened::Erased => serde_json::Value::Null,
            };
        }
        json
    }

    /// Destroys `subject`'s data key: every field sealed with it is unreadable in every copy from
    /// now on. Kept answers go too (they may name the person). Whether the person had a key.
    pub fn erase(&self, subject: &str) -> Result<bool, cla_vault::VaultError> {
        self.forget(ANSWERS_SUBJECT)?;
        self.forget(subject)
    }

    /// Destroys the one key of `subject` (a message whose text now lives elsewhere, say).
    pub fn forget(&self, subject: &str) -> Result<bool, cla_vault::VaultError> {
        match &self.keys {
            Some(keys) => keys.destroy(subject),
            None => Ok(false),
        }
    }

    /// Seals the restricted fields of one event bound for `stream` (`earlier`: the events before
    /// it in the same append).
    async fn seal_event(
        &self,
        inner: &dyn EventStore,
        stream: &StreamName,
        event: &NewEvent,
        earlier: &[NewEvent],
    ) -> Result<Option<Bytes>, StoreError> {
        let Some(keys) = &self.keys else {
            return Ok(None);
        };
        let fields: Vec<&RestrictedField> = restricted_of(event.event_type.as_str()).collect();
        if fields.is_empty() {
            return Ok(None);
        }
        let mut json: serde_json::Value =
            serde_json::from_slice(&event.data).map_err(|e| StoreError::InvalidInput {
                field: "data".into(),
                message: format!("not JSON: {e}").into(),
            })?;
        let mut changed = false;
        for f in fields {
            let text = match json.get(f.field) {
                Some(serde_json::Value::String(text)) if !text.is_empty() => text.clone(),
                _ => continue,
            };
            if Sealed::is_sealed(&text) {
                continue;
            }
            let subject = self
                .subject_of(inner, stream, &json, earlier, f.subject)
                .await?;
            let sealed = keys
                .seal(&subject, f.datum.name(), &text)
                .map_err(|e| StoreError::Unavailable(format!("sealing personal data: {e}")))?;
            json[f.field] = serde_json::Value::String(sealed);
            changed = true;
        }
        Ok(changed.then(|| Bytes::from(serde_json::to_vec(&json).expect("JSON"))))
    }

    async fn subject_of(
        &self,
        inner: &dyn EventStore,
        stream: &StreamName,
        json: &serde_json::Value,
        earlier: &[NewEvent],
        subject: Subject,
    ) -> Result<String, StoreError> {
        let missing = |name: &str| StoreError::InvalidInput {
            field: name.to_string().into(),
            message: "a restricted field's person is not named".into(),
        };
        let text = |json: &serde_json::Value, name: &str| {
            json.get(name)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match subject {
            Subject::Field(name) => text(json, name).ok_or_else(|| missing(name)),
            Subject::Prefixed(prefix, name) => text(json, name)
                .map(|id| format!("{prefix}{id}"))
                .ok_or_else(|| missing(name)),
            Subject::Fixed(subject) => Ok(subject.to_string()),
            Subject::FirstOfStream(name) => {
                if let Some(known) = self
                    .stream_subjects
                    .lock()
                    .expect("stream subjects lock")
                    .get(stream.as_str())
                {
                    return Ok(known.clone());
                }
                // An earlier event of the same append that names the person, else the stream's
                // first stored event.
                let in_batch = earlier.iter().find_map(|e| {
                    serde_json::from_slice::<serde_json::Value>(&e.data)
                        .ok()
                        .and_then(|json| text(&json, name))
                });
                let id = match in_batch {
                    Some(id) => id,
                    None => inner
                        .read_stream(stream, StreamFrom::Start, Direction::Forwards, 1)
                        .await?
                        .first()
                        .and_then(|e| serde_json::from_slice::<serde_json::Value>(&e.data).ok())
                        .and_then(|f| text(&f, name))
                        .ok_or_else(|| missing(name))?,
                };
                self.stream_subjects
                    .lock()
                    .expect("stream subjects lock")
                    .insert(stream.as_str().to_string(), id.clone());
                Ok(id)
            }
        }
    }
}

/// The event store with every restricted field sealed before it is stored.
struct SealingStore {
    inner: Arc<dyn EventStore>,
    personal: Arc<PersonalData>,
}

#[async_trait]
impl AppendLayer for SealingStore {
    fn inner(&self) -> &dyn EventStore {
        self.inner.as_ref()
    }

    async fn append_through(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        mut events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        for i in 0..events.len() {
            let (earlier, rest) = events.split_at(i);
            if let Some(sealed) = self
                .personal
                .seal_event(self.inner.as_ref(), stream, &rest[0], earlier)
                .await?
            {
                events[i].data = sealed;
            }
        }
        self.inner.append(stream, expected, events).await
    }
}

#[cfg(test)]
mod tests;
