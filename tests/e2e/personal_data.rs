//! Personal data at rest, forgotten, and every look at it recorded (DESIGN.md §9), over the real
//! server and the embedded store:
//! - a scenario writes unique markers into every restricted field of two CLAs (home community,
//!   phone number, check-in notes, a risk flag's notes, mitigation, review, severity reason and
//!   resolution, vetting notes), erases one, stops the server and searches every byte of the data
//!   directory (the store and its WAL, the snapshot, the key store) for the markers: none of
//!   either (sealed at rest), and after a restart the other's still read through the API while
//!   the erased one's read as erased, their deployments kept;
//! - each look is recorded (who, whose, which datum, through which door) and ADMIN alone can ask
//!   who looked;
//! - a person's data is exported whole for ADMIN;
//! - the retention rule erases a CLA separated long enough ago, by itself.

use std::path::Path;
use std::time::{Duration, Instant};

use cla_e2e::{TestServer, day, deploy, mission_with_base};
use cla_platform::Role;
use serde_json::{Value, json};

const REGISTER: &str = "mutation($b: String!, $n: String!, $h: String!, $i: String!, $f: Date!) { registerStaffMember(input: {baseId: $b, name: $n, gender: FEMALE, homeCommunity: $h, indexNumber: $i, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}, effective: $f}) { id } }";

/// The markers of one CLA: none a substring of another's or of anything the system writes.
struct Markers {
    name: String,
    home: String,
    new_home: String,
    phone: String,
    check_in: String,
    risk: String,
    mitigation: String,
    review: String,
    severity: String,
    resolution: String,
    vetting: String,
}

impl Markers {
    fn of(tag: &str, digits: &str) -> Self {
        let m = |what: &str| format!("Zq{tag}{what}");
        Self {
            name: m("Name"),
            home: m("HomeCommunity"),
            new_home: m("MovedHome"),
            phone: format!("+24399{digits}"),
            check_in: m("CheckInNote"),
            risk: m("RiskNote"),
            mitigation: m("MitigationNote"),
            review: m("ReviewNote"),
            severity: m("SeverityReason"),
            resolution: m("Resolution"),
            vetting: m("VettingNote"),
        }
    }

    fn all(&self) -> Vec<&str> {
        vec![
            &self.home,
            &self.new_home,
            &self.phone,
            &self.check_in,
            &self.risk,
            &self.mitigation,
            &self.review,
            &self.severity,
            &self.resolution,
            &self.vetting,
        ]
    }
}

/// Every file under `dir` holding `needle`.
fn files_holding(dir: &Path, needle: &[u8], found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_holding(&path, needle, found);
        } else if let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            found.push(path.display().to_string());
        }
    }
}

fn id(data: &Value, path: &[&str]) -> String {
    let mut v = data;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("{path:?} in {data}"))
        .to_string()
}

/// A CLA hired through a vacancy (vetting notes), deployed, with a phone number, a duress word,
/// a check-in and a risk flag taken from raised to closed, each with its markers; returns their
/// id and the flag's.
async fn cla_with_markers(
    server: &TestServer,
    base: &str,
    m: &Markers,
    index: &str,
) -> (String, String) {
    let admin = server.admin();
    let vacancy = id(
        &server
            .ok(
                &admin,
                "mutation($b: String!, $f: Date!) { openVacancy(input: {baseId: $b, title: \"CLA\", effective: $f}) { id } }",
                json!({ "b": base, "f": day(-200) }),
            )
            .await,
        &["openVacancy", "id"],
    );
    let added = server
        .ok(
            &admin,
            "mutation($v: String!, $n: String!, $f: Date!) { addCandidate(vacancyId: $v, input: {name: $n, gender: FEMALE, effective: $f}) { vacancy { candidates { edges { node { id } } } } } }",
            json!({ "v": vacancy, "n": m.name, "f": day(-190) }),
        )
        .await;
    let candidate = id(
        &added["addCandidate"]["vacancy"]["candidates"]["edges"][0],
        &["node", "id"],
    );
    let ids = json!({ "v": vacancy, "c": candidate, "n": m.vetting, "f": day(10) });
    for step in [
        "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: SCREENED) { id } }",
        "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: INTERVIEWED) { id } }",
        "mutation($v: String!, $c: String!, $n: String) { recordVetting(vacancyId: $v, candidateId: $c, passed: true, notes: $n) { id } }",
        "mutation($v: String!, $c: String!, $f: Date!) { makeOffer(vacancyId: $v, candidateId: $c, grade: \"GS-4\", appointment: {type: FIXED_TERM, start: $f, end: \"2030-12-31\"}) { id } }",
        "mutation($v: String!, $c: String!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: true) { id } }",
    ] {
        server.ok(&admin, step, ids.clone()).await;
    }
    let staff = id(
        &server
            .ok(
                &admin,
                "mutation($v: String!, $c: String!, $i: String!, $h: String!) { hireCandidate(vacancyId: $v, candidateId: $c, input: {indexNumber: $i, homeCommunity: $h}) { id } }",
                json!({ "v": vacancy, "c": candidate, "i": index, "h": m.home }),
            )
            .await,
        &["hireCandidate", "id"],
    );
    let s = json!({ "s": staff, "h": m.new_home, "p": m.phone, "n": m.check_in });
    for step in [
        "mutation($s: String!) { activateStaff(staffId: $s) { id } }",
        "mutation($s: String!, $h: String!) { changeStaffDetails(staffId: $s, input: {homeCommunity: $h}) { id } }",
        "mutation($s: String!, $p: String!) { registerPhoneNumber(staffId: $s, phoneNumber: $p) { phoneNumber } }",
        "mutation($s: String!) { setDuressWord(staffId: $s, word: \"papaye\") }",
    ] {
        server.ok(&admin, step, s.clone()).await;
    }
    deploy(server, &admin, &staff, base, &day(0)).await;
    server
        .ok(
            &admin,
            "mutation($s: String!, $n: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: OK, notes: $n) { checkInId } }",
            s.clone(),
        )
        .await;
    let flag = id(
        &server
            .ok(
                &admin,
                "mutation($s: String!, $n: String!) { raiseRiskFlag(staffId: $s, category: SEEN_AS_INFORMANT, severity: HIGH, notes: $n) { id } }",
                json!({ "s": staff, "n": m.risk }),
            )
            .await,
        &["raiseRiskFlag", "id"],
    );
    let f = json!({ "f": flag, "m": m.mitigation, "r": m.review, "v": m.severity });
    for step in [
        "mutation($f: String!, $m: String!) { addMitigation(flagId: $f, action: RELOCATION, notes: $m) { id } }",
        "mutation($f: String!, $r: String!) { reviewRiskFlag(flagId: $f, notes: $r) { id } }",
        "mutation($f: String!, $v: String!) { changeRiskSeverity(flagId: $f, severity: CRITICAL, reason: $v) { id } }",
    ] {
        server.ok(&admin, step, f.clone()).await;
    }
    (staff, flag)
}

const READ_BACK: &str = "query($s: String!, $f: String!) { staffMember(id: $s) { name homeCommunity personalDataErased } phoneNumbers(staffId: $s) { phoneNumber } riskFlag(id: $f) { notes mitigations { notes } } }";

#[tokio::test]
async fn an_erased_person_is_nowhere_in_the_data_directory_and_the_others_still_read() {
    let kept = tempfile::tempdir().unwrap();
    let dir = kept.path().join("data");
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.snapshot_every_events = 1;
    })
    .await;
    let (_, base) = mission_with_base(&server, "ERASE").await;
    let (a, b) = (Markers::of("A", "0417263"), Markers::of("B", "0528374"));
    let (staff_a, flag_a) = cla_with_markers(&server, &base, &a, "4417263").await;
    let (staff_b, flag_b) = cla_with_markers(&server, &base, &b, "5528374").await;
    let admin = server.admin();
    // Close the flag after the review so the resolution is written too.
    for flag in [&flag_a, &flag_b] {
        let resolution = if flag == &flag_a {
            &a.resolution
        } else {
            &b.resolution
        };
        server
            .ok(
                &admin,
                "mutation($f: String!, $r: String!) { closeRiskFlag(flagId: $f, resolution: $r) { id } }",
                json!({ "f": flag, "r": resolution }),
            )
            .await;
    }
    // Read back before the erasure: the API opens them for ADMIN.
    let before = server
        .ok(&admin, READ_BACK, json!({ "s": staff_a, "f": flag_a }))
        .await
        .to_string();
    for marker in [&a.new_home, &a.phone, &a.risk, &a.mitigation] {
        assert!(before.contains(marker.as_str()), "{marker}: {before}");
    }

    // Only ADMIN erases, with a reason; nothing is written on a refusal.
    let hr = server.token(Role::MissionHr, &["ERASE"]);
    let erase = "mutation($s: String!, $r: String!) { eraseStaffPersonalData(staffId: $s, reason: $r) { id personalDataErased homeCommunity } }";
    let head = server.written_head().await;
    let refused = server
        .gql(Some(&hr), erase, json!({ "s": staff_a, "r": "asked" }))
        .await;
    assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.body);
    let blank = server
        .gql(Some(&admin), erase, json!({ "s": staff_a, "r": "  " }))
        .await;
    assert_eq!(blank.code(), "VALIDATION", "{}", blank.body);
    assert_eq!(blank.field(), Some("reason"));
    assert_eq!(server.written_head().await, head);
    let erased = server
        .ok(
            &admin,
            erase,
            json!({ "s": staff_a, "r": "asked by the person (subject request 12)" }),
        )
        .await;
    assert_eq!(erased["eraseStaffPersonalData"]["personalDataErased"], true);
    assert_eq!(erased["eraseStaffPersonalData"]["homeCommunity"], "");
    let again = server
        .gql(Some(&admin), erase, json!({ "s": staff_a, "r": "again" }))
        .await;
    assert_eq!(again.code(), "CONFLICT", "{}", again.body);
    server.stop().await;

    // Every byte of the data directory: neither person's markers (the erased one's are gone,
    // the other's are sealed).
    for marker in a.all().into_iter().chain(b.all()) {
        let mut found = Vec::new();
        files_holding(&dir, marker.as_bytes(), &mut found);
        assert!(found.is_empty(), "{marker} found in {found:?}");
    }
    let mut names = Vec::new();
    files_holding(&dir, b"SQLite format 3", &mut names);
    assert!(
        names.iter().any(|n| n.contains("keys")) && names.iter().any(|n| n.contains("events")),
        "the key store and the store were searched: {names:?}"
    );
    let mut snapshot = Vec::new();
    files_holding(&dir, b"CLASNAP", &mut snapshot);
    assert!(!snapshot.is_empty(), "a snapshot was written and searched");

    // Restarted on the same data directory: the other's data reads, the erased one's is gone,
    // their non-personal history stays.
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
    })
    .await;
    server.ready().await;
    let admin = server.admin();
    let b_read = server
        .ok(&admin, READ_BACK, json!({ "s": staff_b, "f": flag_b }))
        .await;
    assert_eq!(b_read["staffMember"]["homeCommunity"], b.new_home.as_str());
    assert_eq!(b_read["phoneNumbers"][0]["phoneNumber"], b.phone.as_str());
    assert_eq!(b_read["riskFlag"]["notes"], b.risk.as_str());
    assert_eq!(
        b_read["riskFlag"]["mitigations"][0]["notes"],
        b.mitigation.as_str()
    );
    let a_read = server
        .ok(&admin, READ_BACK, json!({ "s": staff_a, "f": flag_a }))
        .await;
    assert_eq!(a_read["staffMember"]["personalDataErased"], true);
    assert_eq!(a_read["staffMember"]["homeCommunity"], "");
    assert_eq!(
        a_read["staffMember"]["name"],
        a.name.as_str(),
        "the name stays"
    );
    assert_eq!(a_read["phoneNumbers"][0]["phoneNumber"], "");
    assert_eq!(a_read["riskFlag"]["notes"], "");
    let text = a_read.to_string();
    for marker in a.all() {
        assert!(!text.contains(marker), "{marker}: {text}");
    }
    let deployments = server
        .ok(
            &admin,
            "query($s: String!) { staffMember(id: $s) { deployments { baseId } } }",
            json!({ "s": staff_a }),
        )
        .await;
    assert_eq!(
        deployments["staffMember"]["deployments"][0]["baseId"],
        base.as_str(),
        "deployments stay"
    );
    server.stop().await;
}

/// Waits until `check` holds, up to a deadline.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_look_is_recorded_and_only_admin_asks_who_looked_or_exports() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "LOOK").await;
    let admin = server.admin();
    let staff = id(
        &server
            .ok(
                &admin,
                REGISTER,
                json!({ "b": base, "n": "Looked At", "h": "Zq7LookedHome", "i": "7726354", "f": day(-30) }),
            )
            .await,
        &["registerStaffMember", "id"],
    );
    let hr = server.token(Role::MissionHr, &["LOOK"]);
    let reviewer = server.token(Role::HqReviewer, &[]);
    let home = "query($s: String!) { staffMember(id: $s) { homeCommunity } }";
    // Two requests by HR (the same question twice: each is a look), one by a reader who may not
    // see it (no look).
    for _ in 0..2 {
        let read = server.ok(&hr, home, json!({ "s": staff })).await;
        assert_eq!(read["staffMember"]["homeCommunity"], "Zq7LookedHome");
    }
    let withheld = server
        .gql(Some(&reviewer), home, json!({ "s": staff }))
        .await;
    assert_eq!(withheld.code(), "FORBIDDEN", "{}", withheld.body);
    let access = "query($s: String!) { personalDataAccess(staffId: $s) { viewerId viewerRole data door at } }";
    until("two looks by HR recorded", || async {
        let looks = server.ok(&admin, access, json!({ "s": staff })).await;
        looks["personalDataAccess"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["viewerRole"] == "MISSION_HR")
            .count()
            == 2
    })
    .await;
    let looks = server.ok(&admin, access, json!({ "s": staff })).await;
    let looks = looks["personalDataAccess"].as_array().unwrap().clone();
    for look in looks.iter().filter(|l| l["viewerRole"] == "MISSION_HR") {
        assert_eq!(look["data"], json!(["homeCommunity"]), "{look}");
        assert_eq!(look["door"], "graphql");
        assert!(look["at"].as_str().is_some());
    }
    assert!(
        looks.iter().all(|l| l["viewerRole"] != "HQ_REVIEWER"),
        "a withheld field is no look: {looks:?}"
    );
    // Only ADMIN asks.
    let refused = server.gql(Some(&hr), access, json!({ "s": staff })).await;
    assert_eq!(refused.code(), "FORBIDDEN", "{}", refused.body);

    // The export: ADMIN only, whole, and itself a look.
    let url = format!("{}/export/personal-data/{staff}", server.base);
    let client = reqwest::Client::new();
    let denied = client.get(&url).bearer_auth(&hr).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    let export: Value = client
        .get(&url)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["staffId"], staff.as_str());
    assert_eq!(export["record"]["homeCommunity"], "Zq7LookedHome");
    let events = export["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["data"]["homeCommunity"] == "Zq7LookedHome"),
        "the stored events, opened: {events:?}"
    );
    assert!(export["lookedAtBy"].as_array().unwrap().len() >= 2);
    until("the export recorded as a look", || async {
        let looks = server.ok(&admin, access, json!({ "s": staff })).await;
        looks["personalDataAccess"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["door"] == "export")
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn the_retention_rule_erases_a_cla_separated_long_enough_ago_by_itself() {
    let server = TestServer::start_with(|c| {
        c.erase_after_separation_days = 30;
        c.scan_interval_seconds = 1;
    })
    .await;
    let (_, base) = mission_with_base(&server, "KEEP").await;
    let admin = server.admin();
    let register = |name: &str, home: &str, index: &str| json!({ "b": base, "n": name, "h": home, "i": index, "f": day(-400) });
    let old = id(
        &server
            .ok(
                &admin,
                REGISTER,
                register("Long Gone", "Zq9GoneHome", "9912345"),
            )
            .await,
        &["registerStaffMember", "id"],
    );
    let recent = id(
        &server
            .ok(
                &admin,
                REGISTER,
                register("Just Left", "Zq9LeftHome", "9923456"),
            )
            .await,
        &["registerStaffMember", "id"],
    );
    let separate = "mutation($s: String!, $f: Date!) { separateStaff(staffId: $s, reason: RESIGNED, effective: $f) { id } }";
    server
        .ok(&admin, separate, json!({ "s": old, "f": day(-40) }))
        .await;
    server
        .ok(&admin, separate, json!({ "s": recent, "f": day(-10) }))
        .await;
    let read = "query($s: String!) { staffMember(id: $s) { homeCommunity personalDataErased } }";
    until("the rule erased the one separated 40 days ago", || async {
        server.ok(&admin, read, json!({ "s": old })).await["staffMember"]["personalDataErased"]
            == true
    })
    .await;
    let old_read = server.ok(&admin, read, json!({ "s": old })).await;
    assert_eq!(old_read["staffMember"]["homeCommunity"], "");
    let recent_read = server.ok(&admin, read, json!({ "s": recent })).await;
    assert_eq!(recent_read["staffMember"]["personalDataErased"], false);
    assert_eq!(recent_read["staffMember"]["homeCommunity"], "Zq9LeftHome");
    server.stop().await;
}

#[tokio::test]
async fn a_backup_taken_under_write_load_restores_every_acknowledged_event() {
    let master = cla_vault::LocalMasterKey::generate().unwrap().to_hex();
    let key = cla_gateway::config::Secret::new(master.as_str());
    let kept = tempfile::tempdir().unwrap();
    let (dir, backup_dir, restored) = (
        kept.path().join("data"),
        kept.path().join("backup"),
        kept.path().join("restored"),
    );
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.master_key = Some(key.clone());
    })
    .await;
    let (_, base) = mission_with_base(&server, "BACK").await;
    let admin = server.admin();
    let staff = id(
        &server
            .ok(
                &admin,
                REGISTER,
                json!({ "b": base, "n": "Backed Up", "h": "Zq8BackedHome", "i": "8834521", "f": day(-30) }),
            )
            .await,
        &["registerStaffMember", "id"],
    );
    server
        .ok(
            &admin,
            "mutation($s: String!) { activateStaff(staffId: $s) { id } }",
            json!({ "s": staff }),
        )
        .await;
    deploy(&server, &admin, &staff, &base, &day(0)).await;

    // Writers record check-ins without pause; each acknowledged one is noted.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (url, token, staff) = (server.base.clone(), admin.clone(), staff.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let answer: Value = client
                    .post(format!("{url}/graphql"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "query": "mutation($s: String!) { recordCheckIn(staffId: $s, channel: PHONE, welfare: OK, notes: \"Zq8LoadNote\") { checkInId } }",
                        "variables": { "s": staff },
                    }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = answer["data"]["recordCheckIn"]["checkInId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{answer}"))
                    .to_string();
                acknowledged.lock().unwrap().push(id);
            }
        }));
    }
    until("writers under way", || async {
        acknowledged.lock().unwrap().len() >= 20
    })
    .await;
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let config = server.config.clone();
    let into = backup_dir.clone();
    let manifest = tokio::task::spawn_blocking(move || cla_gateway::backup::backup(&config, &into))
        .await
        .unwrap()
        .expect("the backup is taken while serving");
    let during = acknowledged.lock().unwrap().len();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(
        during > before.len(),
        "writes went on while the backup was taken ({} then {during})",
        before.len()
    );
    assert!(manifest.events > 0);
    server.stop().await;
    // Sealed: nothing of the data reads in the backup's files.
    for needle in [
        "Zq8BackedHome",
        "Zq8LoadNote",
        "CheckInRecorded",
        "SQLite format",
    ] {
        let mut found = Vec::new();
        files_holding(&backup_dir, needle.as_bytes(), &mut found);
        assert!(found.is_empty(), "{needle} in {found:?}");
    }

    // Restored into a new data directory under another master key: refused, nothing written.
    let restore_config = |key: &cla_gateway::config::Secret| cla_gateway::config::Config {
        data_dir: restored.clone(),
        master_key: Some(key.clone()),
        ..Default::default()
    };
    let other = cla_gateway::config::Secret::new(
        cla_vault::LocalMasterKey::generate()
            .unwrap()
            .to_hex()
            .as_str(),
    );
    let refused = cla_gateway::backup::restore(&restore_config(&other), &backup_dir);
    assert!(refused.is_err(), "another master key opens nothing");
    assert!(!restored.join("events").join("events.db").exists());
    let back = cla_gateway::backup::restore(&restore_config(&key), &backup_dir).unwrap();
    assert_eq!(back.last_position, manifest.last_position);
    assert!(
        cla_gateway::backup::restore(&restore_config(&key), &backup_dir).is_err(),
        "never over a store"
    );

    let server = TestServer::start_with(|c| {
        c.data_dir = restored.clone();
        c.master_key = Some(key.clone());
    })
    .await;
    server.ready().await;
    let mut stored = std::collections::HashSet::new();
    let mut from = cla_event_store::AllFrom::Start;
    loop {
        let page = server
            .running
            .state
            .store
            .read_all(from, 1000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        from = cla_event_store::AllFrom::After(last.position);
        for e in &page {
            if e.event_type.as_str() == "CheckInRecorded.v1" {
                let data: Value = serde_json::from_slice(&e.data).unwrap();
                stored.insert(data["checkInId"].as_str().unwrap().to_string());
            }
        }
    }
    for id in &before {
        assert!(
            stored.contains(id),
            "acknowledged check-in {id} missing from the restore"
        );
    }
    // The keys came back with the store: restricted fields still open.
    let admin = server.admin();
    let read = server
        .ok(
            &admin,
            "query($s: String!) { staffMember(id: $s) { homeCommunity } }",
            json!({ "s": staff }),
        )
        .await;
    assert_eq!(read["staffMember"]["homeCommunity"], "Zq8BackedHome");
    server.stop().await;
}

#[tokio::test]
async fn rotating_the_master_key_wraps_the_keys_again_and_the_data_reads_under_the_new_one() {
    let old = cla_gateway::config::Secret::new(
        cla_vault::LocalMasterKey::generate()
            .unwrap()
            .to_hex()
            .as_str(),
    );
    let kept = tempfile::tempdir().unwrap();
    let dir = kept.path().join("data");
    let new_file = kept.path().join("new-master-key");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&new_file)
            .unwrap();
        f.write_all(
            cla_vault::LocalMasterKey::generate()
                .unwrap()
                .to_hex()
                .as_bytes(),
        )
        .unwrap();
    }
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.master_key = Some(old.clone());
    })
    .await;
    let (_, base) = mission_with_base(&server, "ROTA").await;
    let admin = server.admin();
    let staff = id(
        &server
            .ok(
                &admin,
                REGISTER,
                json!({ "b": base, "n": "Rotated", "h": "Zq5RotatedHome", "i": "5534521", "f": day(-30) }),
            )
            .await,
        &["registerStaffMember", "id"],
    );
    let config = server.config.clone();
    // Refused while the server runs on the data directory.
    assert!(cla_gateway::backup::rotate_master_key(&config, &new_file).is_err());
    server.stop().await;
    let wrapped = cla_gateway::backup::rotate_master_key(&config, &new_file).unwrap();
    assert_eq!(wrapped, 1, "the one person's key");
    let read = "query($s: String!) { staffMember(id: $s) { homeCommunity } }";
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.master_key = None;
        c.master_key_file = Some(new_file.clone());
    })
    .await;
    server.ready().await;
    let admin = server.admin();
    let data = server.ok(&admin, read, json!({ "s": staff })).await;
    assert_eq!(data["staffMember"]["homeCommunity"], "Zq5RotatedHome");
    server.stop().await;
    // The old key no longer opens them.
    let server = TestServer::start_with(|c| {
        c.data_dir = dir.clone();
        c.master_key = Some(old.clone());
    })
    .await;
    server.ready().await;
    let admin = server.admin();
    let data = server.ok(&admin, read, json!({ "s": staff })).await;
    assert_eq!(data["staffMember"]["homeCommunity"], "");
    server.stop().await;
}
