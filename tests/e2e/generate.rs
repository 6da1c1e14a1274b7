//! The scale generator: the same seed gives the same history, another seed another; what it
//! writes is a history the read models answer from.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use cla_e2e::{Role, TestServer};
use cla_event_store::{AllFrom, EventStore};
use cla_gateway::generate::{Params, generate};
use serde_json::json;

fn params(seed: u64) -> Params {
    Params {
        seed,
        years: 2,
        days: None,
        missions: 2,
        clas: 9,
        daily_check_ins: true,
    }
}

/// Replaces the UUIDs the system drew itself (staff, deployment, rotation ids…) with their order
/// of first appearance in the history written through GraphQL, which runs one command at a time.
fn canonical(text: &str, ids: &mut HashMap<String, usize>, learn: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let candidate = text.get(i..i + 36);
        let is_uuid = candidate.is_some_and(|c| {
            c.bytes().enumerate().all(|(k, b)| {
                if [8, 13, 18, 23].contains(&k) {
                    b == b'-'
                } else {
                    b.is_ascii_hexdigit()
                }
            })
        });
        if is_uuid {
            let c = candidate.unwrap();
            let next = ids.len();
            match ids.get(c) {
                Some(n) => out.push_str(&format!("#{n}")),
                None if learn => {
                    ids.insert(c.to_string(), next);
                    out.push_str(&format!("#{next}"));
                }
                None => out.push_str(c),
            }
            i += 36;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The history by stream, each stream's events in order: type, effective date and data.
async fn history(store: &dyn EventStore) -> BTreeMap<String, Vec<String>> {
    let events = store.read_all(AllFrom::Start, usize::MAX).await.unwrap();
    let mut ids = HashMap::new();
    let mut by_stream: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &events {
        // Everything but check-ins is written one command at a time, in a repeatable order.
        let learn = e.event_type.as_str() != "CheckInRecorded.v1";
        let stream = canonical(e.stream.as_str(), &mut ids, learn);
        let line = format!(
            "{} {} {}",
            e.event_type.as_str(),
            e.metadata.effective,
            canonical(std::str::from_utf8(&e.data).unwrap(), &mut ids, learn)
        );
        by_stream.entry(stream).or_default().push(line);
    }
    by_stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seed_one_history() {
    let now = Utc::now();
    let mut histories = Vec::new();
    for seed in [5, 5, 6] {
        let server = TestServer::start().await;
        let state = &server.running.state;
        let report = generate(&state.schema, state.store.clone(), now, &params(seed))
            .await
            .expect("generated");
        assert!(report.check_ins > 9 * 365, "{report:?}");
        assert_eq!(report.events, state.store.head().await.unwrap().unwrap().0);
        // The read models answer from it: every CLA deployed, check-ins counted.
        let hq = server.token(Role::HqReviewer, &[]);
        let review = server
            .ok(
                &hq,
                "{ hqStaffingReview { overall { clas deployed checkInCompliancePercent } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            review["hqStaffingReview"]["overall"],
            json!({ "clas": 18, "deployed": 18, "checkInCompliancePercent": 100.0 })
        );
        histories.push(history(state.store.as_ref()).await);
        // A store with data is refused.
        let again = generate(&state.schema, state.store.clone(), now, &params(seed)).await;
        assert!(again.is_err());
        server.stop().await;
    }
    assert!(histories[0].len() > 18, "a stream per CLA and more");
    assert_eq!(
        histories[0], histories[1],
        "the same seed, the same history"
    );
    assert_ne!(histories[0], histories[2], "another seed, another history");
}
