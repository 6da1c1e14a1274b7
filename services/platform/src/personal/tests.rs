use super::*;
use crate::access::Role;
use cla_event_store::{AllFrom, EmbeddedStore};

fn meta() -> Metadata {
    Metadata {
        actor: Actor {
            id: "hr-1".into(),
            role: "MISSION_HR".into(),
        },
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    }
}

fn event<C: EventContract + serde::Serialize>(data: &C) -> NewEvent {
    NewEvent::new(
        EventType::parse(C::TYPE_NAME).unwrap(),
        cla_contracts::encode_json(data),
        meta(),
    )
}

struct Setup {
    _dir: tempfile::TempDir,
    personal: Arc<PersonalData>,
    store: Arc<dyn EventStore>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let master: Arc<dyn cla_vault::MasterKey> =
        Arc::new(cla_vault::LocalMasterKey::generate().unwrap());
    let keys = Arc::new(KeyStore::open(&dir.path().join("keys.db"), master).unwrap());
    let personal = PersonalData::with_keys(keys);
    let inner: Arc<dyn EventStore> =
        Arc::new(EmbeddedStore::open(dir.path().join("events")).unwrap());
    let store = personal.seal_store(inner);
    Setup {
        _dir: dir,
        personal,
        store,
    }
}

async fn stored(store: &dyn EventStore, stream: &StreamName) -> Vec<serde_json::Value> {
    store
        .read_stream(stream, StreamFrom::Start, Direction::Forwards, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| serde_json::from_slice(&e.data).unwrap())
        .collect()
}

#[tokio::test]
async fn restricted_fields_are_stored_sealed_for_their_person_and_the_rest_stays_readable() {
    let s = setup();
    let stream = StreamName::new("risk-flag-f1").unwrap();
    let raised = risk::v1::RiskFlagRaised {
        flag_id: "f1".into(),
        staff_id: "s1".into(),
        mission_code: "MONUSCO".into(),
        notes: "threatened at the Mutwanga market".into(),
        ..Default::default()
    };
    s.store
        .append(&stream, ExpectedRevision::NoStream, vec![event(&raised)])
        .await
        .unwrap();
    // A later event names only the flag: sealed with the key of the flag's CLA.
    let mitigated = risk::v1::MitigationAdded {
        flag_id: "f1".into(),
        notes: "moved to the Beni base".into(),
        ..Default::default()
    };
    s.store
        .append(&stream, ExpectedRevision::Exact(0), vec![event(&mitigated)])
        .await
        .unwrap();
    let events = stored(s.store.as_ref(), &stream).await;
    let notes = events[0]["notes"].as_str().unwrap();
    assert!(Sealed::is_sealed(notes), "{notes}");
    assert!(!notes.contains("Mutwanga"));
    assert_eq!(
        events[0]["staffId"], "s1",
        "what is not restricted stays readable"
    );
    assert_eq!(events[0]["missionCode"], "MONUSCO");
    assert_eq!(
        s.personal.open("s1", Datum::RiskNotes, notes),
        Opened::Plain("threatened at the Mutwanga market".into())
    );
    let later = events[1]["notes"].as_str().unwrap();
    assert_eq!(
        s.personal.open("s1", Datum::RiskNotes, later),
        Opened::Plain("moved to the Beni base".into())
    );
    // Bound to the person and the datum.
    assert_eq!(
        s.personal.open("s2", Datum::RiskNotes, notes),
        Opened::Erased
    );
    assert_eq!(
        s.personal.open("s1", Datum::CheckInNotes, notes),
        Opened::Erased
    );
}

#[tokio::test]
async fn a_look_is_recorded_once_per_request_and_person_and_an_erased_person_reads_as_erased() {
    let s = setup();
    let stream = StreamName::new("staff-s1").unwrap();
    let onboarded = staff::v1::StaffMemberOnboarded {
        staff_id: "s1".into(),
        mission_code: "MONUSCO".into(),
        name: "Amani".into(),
        home_community: "Mutwanga".into(),
        ..Default::default()
    };
    s.store
        .append(&stream, ExpectedRevision::NoStream, vec![event(&onboarded)])
        .await
        .unwrap();
    let home = stored(s.store.as_ref(), &stream).await[0]["homeCommunity"]
        .as_str()
        .unwrap()
        .to_string();
    let hr = Principal::new("hr-1", "HR", &[Role::MissionHr], &["MONUSCO"]);
    let head = s.store.head().await.unwrap();
    let (shown, recorded) = s
        .personal
        .scope("graphql", async {
            // Twice in one request: one record.
            let a = s
                .personal
                .disclose(&hr, true, "s1", Datum::HomeCommunity, &home);
            let b = s
                .personal
                .disclose(&hr, true, "s1", Datum::HomeCommunity, &home);
            let withheld = s
                .personal
                .disclose(&hr, false, "s1", Datum::HomeCommunity, &home);
            (a, b, withheld)
        })
        .await;
    assert!(recorded);
    assert_eq!(shown.0, Restricted::Shown("Mutwanga".into()));
    assert_eq!(shown.1, Restricted::Shown("Mutwanga".into()));
    assert_eq!(shown.2, Restricted::Withheld);
    let looks = s
        .store
        .read_all(AllFrom::checkpoint(head), 10)
        .await
        .unwrap();
    assert_eq!(looks.len(), 1, "one record for the request");
    let viewed: privacy::v1::PersonalDataViewed =
        cla_contracts::decode_json(&looks[0].data).unwrap();
    assert_eq!(viewed.subject_id, "s1");
    assert_eq!(viewed.viewer_id, "hr-1");
    assert_eq!(viewed.data, vec!["homeCommunity".to_string()]);
    assert_eq!(viewed.door, "graphql");
    assert_eq!(looks[0].metadata.actor.id, "hr-1");

    assert!(s.personal.erase("s1").unwrap());
    assert_eq!(
        s.personal
            .disclose(&hr, true, "s1", Datum::HomeCommunity, &home),
        Restricted::Erased
    );
    assert!(!s.personal.erase("s1").unwrap(), "nothing left to destroy");
}

#[tokio::test]
async fn an_event_whose_restricted_field_names_no_person_is_refused_and_nothing_is_written() {
    let s = setup();
    let stream = StreamName::new("risk-flag-f9").unwrap();
    let orphan = risk::v1::MitigationAdded {
        flag_id: "f9".into(),
        notes: "no flag raised before".into(),
        ..Default::default()
    };
    let refused = s
        .store
        .append(&stream, ExpectedRevision::Any, vec![event(&orphan)])
        .await;
    assert!(
        matches!(refused, Err(StoreError::InvalidInput { .. })),
        "{refused:?}"
    );
    assert_eq!(s.store.head().await.unwrap(), None);
}

#[test]
fn every_restricted_field_is_a_field_of_its_contract() {
    // Each field named is in the contract's JSON (a default message encodes no field, so every
    // string field is set to a marker and looked for).
    let descriptor = cla_contracts::FILE_DESCRIPTOR_SET;
    let set = <prost_types::FileDescriptorSet as prost::Message>::decode(descriptor).unwrap();
    for f in RESTRICTED {
        let (message, _) = f.event_type.split_once('.').unwrap();
        let found = set
            .file
            .iter()
            .flat_map(|file| &file.message_type)
            .any(|m| {
                m.name() == message
                    && m.field.iter().any(|field| {
                        field.json_name() == f.field
                            && field.r#type() == prost_types::field_descriptor_proto::Type::String
                    })
            });
        assert!(
            found,
            "{}.{} is no string field of its contract",
            f.event_type, f.field
        );
    }
}

#[tokio::test]
async fn a_later_event_appended_with_others_that_name_no_one_is_sealed_for_the_streams_person() {
    let s = setup();
    let stream = StreamName::new("risk-s7").unwrap();
    let raised = risk::v1::RiskFlagRaised {
        flag_id: "f7".into(),
        staff_id: "s7".into(),
        notes: "raised".into(),
        ..Default::default()
    };
    s.store
        .append(&stream, ExpectedRevision::NoStream, vec![event(&raised)])
        .await
        .unwrap();
    // As the silence detector appends: a count (no person named) then an escalation.
    let counted = risk::v1::MissedCheckInsCounted {
        flag_id: "f7".into(),
        periods_missed: 3,
        ..Default::default()
    };
    let escalated = risk::v1::RiskFlagSeverityChanged {
        flag_id: "f7".into(),
        reason: "three periods missed".into(),
        ..Default::default()
    };
    s.store
        .append(
            &stream,
            ExpectedRevision::Exact(0),
            vec![event(&counted), event(&escalated)],
        )
        .await
        .unwrap();
    let events = stored(s.store.as_ref(), &stream).await;
    let reason = events[2]["reason"].as_str().unwrap();
    assert!(Sealed::is_sealed(reason));
    assert_eq!(
        s.personal.open("s7", Datum::RiskNotes, reason),
        Opened::Plain("three periods missed".into())
    );
}
