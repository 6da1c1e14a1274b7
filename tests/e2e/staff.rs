//! Staff and recruitment through GraphQL over HTTP: the whole path from vacancy to hire to
//! separation, each refusal's code and field, the access table (with the restricted home
//! community), directory filters, appointments ending, and a staff member's history with a
//! back-dated change.

use std::sync::Arc;

use chrono::{Duration, Utc};
use cla_e2e::{Answer, Role, TestServer, mission_with_base};
use serde_json::{Value, json};

const VACANCY: &str = "mutation($base: String!) { openVacancy(input: {baseId: $base, title: \"Community Liaison Assistant\", requiredLanguages: [\"Swahili\"], effective: \"2024-03-01\"}) { id } }";
const CANDIDATE: &str = "mutation($v: String!, $n: String!) { addCandidate(vacancyId: $v, input: {name: $n, gender: FEMALE, languages: [{language: \"Swahili\", level: \"NATIVE\"}], effective: \"2024-03-02\"}) { vacancy { candidates { edges { node { id name } } } } } }";

fn hr(server: &TestServer) -> String {
    server.token(Role::MissionHr, &["ALPHA"])
}

async fn vacancy(server: &TestServer, token: &str, base: &str) -> String {
    server.ok(token, VACANCY, json!({ "base": base })).await["openVacancy"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn candidate(server: &TestServer, token: &str, vacancy: &str, name: &str) -> String {
    let data = server
        .ok(token, CANDIDATE, json!({ "v": vacancy, "n": name }))
        .await;
    data["addCandidate"]["vacancy"]["candidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .unwrap()
}

/// Takes a candidate through screening, interview, vetting, an offer and its acceptance.
async fn to_accepted_offer(server: &TestServer, token: &str, v: &str, c: &str) {
    for stage in ["SCREENED", "INTERVIEWED"] {
        server
            .ok(token, "mutation($v: String!, $c: String!, $s: Stage!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: $s, effective: \"2024-03-10\") { id } }", json!({ "v": v, "c": c, "s": stage }))
            .await;
    }
    server
        .ok(token, "mutation($v: String!, $c: String!) { recordVetting(vacancyId: $v, candidateId: $c, passed: true, notes: \"references and affiliations checked\", effective: \"2024-03-20\") { id } }", json!({ "v": v, "c": c }))
        .await;
    server
        .ok(token, "mutation($v: String!, $c: String!) { makeOffer(vacancyId: $v, candidateId: $c, grade: \"GS-5\", appointment: {type: FIXED_TERM, start: \"2024-04-01\", end: \"2025-03-31\"}, effective: \"2024-03-25\") { id } }", json!({ "v": v, "c": c }))
        .await;
    server
        .ok(token, "mutation($v: String!, $c: String!) { answerOffer(vacancyId: $v, candidateId: $c, accepted: true, effective: \"2024-03-26\") { id } }", json!({ "v": v, "c": c }))
        .await;
}

const HIRE: &str = "mutation($v: String!, $c: String!, $i: String!) { hireCandidate(vacancyId: $v, candidateId: $c, input: {indexNumber: $i, homeCommunity: \"Kamango\", effective: \"2024-04-01\"}) { id name status grade indexNumber homeCommunity missionCode baseId appointment { type start end } vacancyId } }";

const REGISTER: &str = "mutation($base: String!, $name: String!, $index: String!, $gender: Gender!, $grade: String!, $end: Date!, $lang: String!) { registerStaffMember(input: {baseId: $base, name: $name, gender: $gender, languages: [{language: $lang, level: \"FLUENT\"}], homeCommunity: \"Beni\", indexNumber: $index, grade: $grade, appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: $end}, effective: \"2024-02-15\"}) { id } }";

async fn register(server: &TestServer, token: &str, base: &str, name: &str, index: &str) -> String {
    register_with(
        server,
        token,
        base,
        name,
        index,
        "MALE",
        "GS-4",
        "2030-12-31",
        "French",
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn register_with(
    server: &TestServer,
    token: &str,
    base: &str,
    name: &str,
    index: &str,
    gender: &str,
    grade: &str,
    end: &str,
    lang: &str,
) -> String {
    server
        .ok(token, REGISTER, json!({ "base": base, "name": name, "index": index, "gender": gender, "grade": grade, "end": end, "lang": lang }))
        .await["registerStaffMember"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn from_vacancy_to_hire_to_separation() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let v = vacancy(&server, &hr, &base).await;
    let amani = candidate(&server, &hr, &v, "Amani K.").await;
    let bora = candidate(&server, &hr, &v, "Bora M.").await;
    to_accepted_offer(&server, &hr, &v, &amani).await;
    server
        .ok(&hr, "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: SCREENED, effective: \"2024-03-10\") { id } }", json!({ "v": v, "c": bora }))
        .await;
    server
        .ok(&hr, "mutation($v: String!, $c: String!) { rejectCandidate(vacancyId: $v, candidateId: $c, reason: \"weaker interview\", effective: \"2024-03-12\") { id } }", json!({ "v": v, "c": bora }))
        .await;

    // Hiring creates the staff member and fills the vacancy in one step.
    let hired = server
        .ok(&hr, HIRE, json!({ "v": v, "c": amani, "i": "100001" }))
        .await["hireCandidate"]
        .clone();
    let staff = hired["id"].as_str().unwrap().to_string();
    assert_eq!(hired["name"], "Amani K.");
    assert_eq!(hired["status"], "ONBOARDING");
    assert_eq!(hired["grade"], "GS-5");
    assert_eq!(hired["indexNumber"], "100001");
    assert_eq!(hired["homeCommunity"], "Kamango");
    assert_eq!(hired["baseId"], base.as_str());
    assert_eq!(hired["vacancyId"], v.as_str());
    assert_eq!(
        hired["appointment"],
        json!({ "type": "FIXED_TERM", "start": "2024-04-01", "end": "2025-03-31" })
    );

    let vacancy_now = server
        .ok(&hr, "query($v: String!) { vacancy(id: $v) { status closedOn timeToFillDays stages { stage reached current } conversion { from to conversionPercent } candidates(outcome: HIRED) { totalCount edges { node { staffId } } } } }", json!({ "v": v }))
        .await["vacancy"]
        .clone();
    assert_eq!(vacancy_now["status"], "FILLED");
    assert_eq!(vacancy_now["closedOn"], "2024-04-01");
    assert_eq!(
        vacancy_now["timeToFillDays"], 31,
        "opened 1 March, hired 1 April"
    );
    assert_eq!(
        vacancy_now["candidates"]["edges"][0]["node"]["staffId"],
        staff.as_str()
    );
    let reached: Vec<i64> = vacancy_now["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_i64().unwrap())
        .collect();
    assert_eq!(
        reached,
        vec![2, 2, 1, 1, 1, 1],
        "applied, screened, interviewed, vetted, offered, hired"
    );
    assert_eq!(
        vacancy_now["conversion"][1]["conversionPercent"], 50.0,
        "one of two screened was interviewed"
    );

    let pipeline = server
        .ok(&hr, "{ recruitmentPipeline(missionCode: \"ALPHA\") { postsBudgeted postsFilled postsOpen vacancyPercent meanTimeToFillDays openLongerThan60Days byBase { placeId budgeted filled } } }", json!({}))
        .await["recruitmentPipeline"]
        .clone();
    assert_eq!(pipeline["postsBudgeted"], 1);
    assert_eq!(pipeline["postsFilled"], 1);
    assert_eq!(pipeline["vacancyPercent"], 0.0);
    assert_eq!(pipeline["meanTimeToFillDays"], 31.0);
    assert_eq!(pipeline["byBase"][0]["placeId"], base.as_str());

    // A working life.
    for (mutation, status) in [
        (
            "activateStaff(staffId: $s, effective: \"2024-04-01\")",
            "ACTIVE",
        ),
        (
            "suspendStaff(staffId: $s, reason: \"inquiry\", effective: \"2024-06-01\")",
            "SUSPENDED",
        ),
        (
            "reinstateStaff(staffId: $s, reason: \"cleared\", effective: \"2024-06-15\")",
            "ACTIVE",
        ),
        (
            "renewAppointment(staffId: $s, appointment: {type: FIXED_TERM, start: \"2025-04-01\", end: \"2027-03-31\"}, effective: \"2025-02-01\")",
            "ACTIVE",
        ),
        (
            "changeGrade(staffId: $s, grade: \"GS-6\", effective: \"2025-04-01\")",
            "ACTIVE",
        ),
    ] {
        let data = server
            .ok(
                &hr,
                &format!("mutation($s: String!) {{ {mutation} {{ status }} }}"),
                json!({ "s": staff }),
            )
            .await;
        let field = mutation.split('(').next().unwrap();
        assert_eq!(data[field]["status"], status, "{mutation}");
    }
    let now = server
        .ok(
            &hr,
            "query($s: String!) { staffMember(id: $s) { grade appointment { end } category } }",
            json!({ "s": staff }),
        )
        .await;
    assert_eq!(now["staffMember"]["grade"], "GS-6");
    assert_eq!(now["staffMember"]["appointment"]["end"], "2027-03-31");
    assert_eq!(now["staffMember"]["category"], "GENERAL_SERVICE");

    // A new index number keeps the old one in the history.
    let changed = server
        .ok(&hr, "mutation($s: String!) { changeIndexNumber(staffId: $s, indexNumber: \"200002\", effective: \"2025-05-01\") { indexNumber indexNumberHistory { indexNumber since } } }", json!({ "s": staff }))
        .await;
    assert_eq!(changed["changeIndexNumber"]["indexNumber"], "200002");
    assert_eq!(
        changed["changeIndexNumber"]["indexNumberHistory"],
        json!([{ "indexNumber": "100001", "since": "2024-04-01" }, { "indexNumber": "200002", "since": "2025-05-01" }])
    );

    // Separation is final, and frees the index number.
    let separated = server
        .ok(&hr, "mutation($s: String!) { separateStaff(staffId: $s, reason: RESIGNED, effective: \"2025-06-30\") { status separatedOn separationReason } }", json!({ "s": staff }))
        .await;
    assert_eq!(
        separated["separateStaff"],
        json!({ "status": "SEPARATED", "separatedOn": "2025-06-30", "separationReason": "RESIGNED" })
    );
    let after = server
        .gql(
            Some(&hr),
            "mutation($s: String!) { changeGrade(staffId: $s, grade: \"GS-7\") { id } }",
            json!({ "s": staff }),
        )
        .await;
    assert_eq!((after.code(), after.field()), ("CONFLICT", Some("staffId")));
    register(&server, &hr, &base, "Next Holder", "200002").await;
    server.stop().await;
}

#[tokio::test]
async fn each_refusal_has_its_code_and_field() {
    let server = TestServer::start().await;
    let (office, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let v = vacancy(&server, &hr, &base).await;
    let c = candidate(&server, &hr, &v, "Amani K.").await;
    let held = register(&server, &hr, &base, "Holder", "300003").await;

    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: INTERVIEWED) { id } }",
            json!({ "v": v, "c": c }),
            "CONFLICT",
            "candidateId",
        ),
        (
            "mutation($v: String!, $c: String!) { advanceCandidate(vacancyId: $v, candidateId: $c, stage: OFFERED) { id } }",
            json!({ "v": v, "c": c }),
            "VALIDATION",
            "stage",
        ),
        (
            "mutation($v: String!, $c: String!) { recordVetting(vacancyId: $v, candidateId: $c, passed: true) { id } }",
            json!({ "v": v, "c": c }),
            "CONFLICT",
            "candidateId",
        ),
        (
            "mutation($v: String!, $c: String!) { hireCandidate(vacancyId: $v, candidateId: $c, input: {indexNumber: \"400004\"}) { id } }",
            json!({ "v": v, "c": c }),
            "CONFLICT",
            "candidateId",
        ),
        (
            "mutation($v: String!) { advanceCandidate(vacancyId: $v, candidateId: \"nobody\", stage: SCREENED) { id } }",
            json!({ "v": v }),
            "NOT_FOUND",
            "candidateId",
        ),
        (
            "mutation { cancelVacancy(vacancyId: \"nope\", reason: \"r\") { id } }",
            json!({}),
            "NOT_FOUND",
            "vacancyId",
        ),
        (
            "mutation($v: String!) { cancelVacancy(vacancyId: $v, reason: \"r\", effective: \"2024-02-01\") { id } }",
            json!({ "v": v }),
            "VALIDATION",
            "effective",
        ),
        (
            "mutation($v: String!) { addCandidate(vacancyId: $v, input: {name: \" \", gender: MALE}) { vacancy { id } } }",
            json!({ "v": v }),
            "VALIDATION",
            "name",
        ),
        (
            "mutation { openVacancy(input: {baseId: \"nope\", title: \"T\"}) { id } }",
            json!({}),
            "NOT_FOUND",
            "baseId",
        ),
        (
            "mutation($base: String!) { openVacancy(input: {baseId: $base, title: \"\"}) { id } }",
            json!({ "base": base }),
            "VALIDATION",
            "title",
        ),
        (
            "mutation($base: String!) { registerStaffMember(input: {baseId: $base, name: \"X\", gender: MALE, indexNumber: \"300003\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2025-01-01\"}}) { id } }",
            json!({ "base": base }),
            "CONFLICT",
            "indexNumber",
        ),
        (
            "mutation($base: String!) { registerStaffMember(input: {baseId: $base, name: \"X\", gender: MALE, indexNumber: \"500005\", grade: \"GS-9\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2025-01-01\"}}) { id } }",
            json!({ "base": base }),
            "VALIDATION",
            "grade",
        ),
        (
            "mutation($base: String!) { registerStaffMember(input: {baseId: $base, name: \"X\", gender: MALE, indexNumber: \"500005\", grade: \"GS-4\", appointment: {type: TEMPORARY, start: \"2024-01-01\", end: \"2024-12-31\"}}) { id } }",
            json!({ "base": base }),
            "VALIDATION",
            "appointment.end",
        ),
        (
            "mutation($base: String!) { registerStaffMember(input: {baseId: $base, name: \"X\", gender: MALE, indexNumber: \"5\", grade: \"GS-4\", appointment: {type: FIXED_TERM, start: \"2024-01-01\", end: \"2025-01-01\"}}) { id } }",
            json!({ "base": base }),
            "VALIDATION",
            "indexNumber",
        ),
        (
            "mutation($s: String!) { suspendStaff(staffId: $s, reason: \"r\") { id } }",
            json!({ "s": held }),
            "CONFLICT",
            "staffId",
        ),
        (
            "mutation($s: String!) { changeGrade(staffId: $s, grade: \"GS-5\", effective: \"2024-02-14\") { id } }",
            json!({ "s": held }),
            "VALIDATION",
            "effective",
        ),
        (
            "mutation { activateStaff(staffId: \"nope\") { id } }",
            json!({}),
            "NOT_FOUND",
            "staffId",
        ),
        (
            "mutation($s: String!) { renewAppointment(staffId: $s, appointment: {type: FIXED_TERM, start: \"2025-01-01\", end: \"2026-01-01\"}) { id } }",
            json!({ "s": held }),
            "VALIDATION",
            "appointment.end",
        ),
        (
            "{ staffMembers(missionCode: \"NOSUCH\") { totalCount } }",
            json!({}),
            "FORBIDDEN",
            "",
        ),
        (
            "{ appointmentsEnding(missionCode: \"ALPHA\", withinDays: -1) { totalCount } }",
            json!({}),
            "VALIDATION",
            "withinDays",
        ),
    ];
    for (query, variables, code, field) in &cases {
        let answer = server.gql(Some(&hr), query, variables.clone()).await;
        assert_eq!(answer.code(), *code, "{query}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.field(), Some(*field), "{query}: {}", answer.body);
        }
    }
    // The refused registration with a taken number left no staff member behind, and the number's
    // holder is unchanged.
    let directory = server.ok(&hr, "{ staffMembers(missionCode: \"ALPHA\") { totalCount edges { node { indexNumber } } } }", json!({})).await;
    assert_eq!(directory["staffMembers"]["totalCount"], 1);

    // A vacancy at a closed base is refused.
    let admin = server.admin();
    for step in ["startClosingBase", "closeBase"] {
        server
            .ok(
                &admin,
                &format!("mutation($b: String!) {{ {step}(baseId: $b, reason: \"r\") {{ id }} }}"),
                json!({ "b": base }),
            )
            .await;
    }
    // (As of today: back-dated to when the base was open, the same vacancy would be accepted.)
    let at_closed = server
        .gql(Some(&hr), "mutation($base: String!) { openVacancy(input: {baseId: $base, title: \"CLA\"}) { id } }", json!({ "base": base }))
        .await;
    assert_eq!(
        (at_closed.code(), at_closed.field()),
        ("CONFLICT", Some("baseId"))
    );
    // A post at the field office itself is fine.
    let at_office = server.gql(Some(&hr), "mutation($o: String!) { openVacancy(input: {fieldOfficeId: $o, title: \"Senior CLA\"}) { baseId fieldOfficeId } }", json!({ "o": office })).await;
    assert_eq!(at_office.data()["openVacancy"]["baseId"], Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn who_may_read_and_write_staff_and_the_restricted_home_community() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    mission_with_base(&server, "BRAVO").await;
    let hr = hr(&server);
    let staff = register(&server, &hr, &base, "Amani K.", "600006").await;
    let v = vacancy(&server, &hr, &base).await;

    let callers = [
        ("ADMIN", server.admin()),
        ("HQ_REVIEWER", server.token(Role::HqReviewer, &[])),
        ("MISSION_HR home", hr.clone()),
        (
            "CIVIL_AFFAIRS home",
            server.token(Role::CivilAffairs, &["ALPHA"]),
        ),
        ("MISSION_HR away", server.token(Role::MissionHr, &["BRAVO"])),
        (
            "CIVIL_AFFAIRS away",
            server.token(Role::CivilAffairs, &["BRAVO"]),
        ),
    ];
    // (operation, query, expected per caller in the order above: true = allowed)
    let table: Vec<(&str, String, [bool; 6])> = vec![
        ("read profile", "query($s: String!) { staffMember(id: $s) { name indexNumber } }".into(), [true, true, true, true, false, false]),
        ("read home community", "query($s: String!) { staffMember(id: $s) { homeCommunity } }".into(), [true, false, true, true, false, false]),
        ("read directory", "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }".into(), [true, true, true, true, false, false]),
        ("read pipeline", "{ recruitmentPipeline(missionCode: \"ALPHA\") { postsBudgeted } }".into(), [true, true, true, true, false, false]),
        ("read vacancy", "query($v: String!) { vacancy(id: $v) { title } }".into(), [true, true, true, true, false, false]),
        ("change details", "mutation($s: String!) { changeStaffDetails(staffId: $s, input: {name: \"Amani Kahindo\"}) { name } }".into(), [true, false, true, false, false, false]),
        ("add candidate", "mutation($v: String!) { addCandidate(vacancyId: $v, input: {name: \"C\", gender: MALE}) { vacancy { id } } }".into(), [true, false, true, false, false, false]),
        ("open vacancy", format!("mutation {{ openVacancy(input: {{baseId: \"{base}\", title: \"T\"}}) {{ id }} }}"), [true, false, true, false, false, false]),
    ];
    let mut wrong = Vec::new();
    for (operation, query, expected) in &table {
        for ((who, token), allowed) in callers.iter().zip(expected) {
            let answer = server
                .gql(Some(token), query, json!({ "s": staff, "v": v }))
                .await;
            if *allowed {
                if !answer.is_ok() {
                    wrong.push(format!("{operation} as {who}: refused {}", answer.body));
                }
            } else if answer.is_ok() || answer.code() != "FORBIDDEN" {
                wrong.push(format!(
                    "{operation} as {who}: expected FORBIDDEN, got {}",
                    answer.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // HQ's refusal names the restricted field, not the whole profile.
    let hq = server.token(Role::HqReviewer, &[]);
    let answer = server
        .gql(
            Some(&hq),
            "query($s: String!) { staffMember(id: $s) { name homeCommunity } }",
            json!({ "s": staff }),
        )
        .await;
    assert_eq!(answer.code(), "FORBIDDEN");
    assert_eq!(
        answer.body["errors"][0]["path"],
        json!(["staffMember", "homeCommunity"])
    );
    server.stop().await;
}

#[tokio::test]
async fn directory_filters_and_appointments_ending() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let soon = (Utc::now().date_naive() + Duration::days(30)).to_string();
    let later = (Utc::now().date_naive() + Duration::days(90)).to_string();
    register_with(
        &server, &hr, &base, "Aline", "700001", "FEMALE", "NO-B", &soon, "Lingala",
    )
    .await;
    register_with(
        &server, &hr, &base, "Bruno", "700002", "MALE", "GS-4", &later, "Swahili",
    )
    .await;
    register_with(
        &server,
        &hr,
        &base,
        "Chantal",
        "700003",
        "FEMALE",
        "GS-6",
        "2030-01-01",
        "Swahili",
    )
    .await;
    let names = |data: &Value, field: &str| -> Vec<String> {
        data[field]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let q = |filter: &str| {
        format!(
            "{{ staffMembers(missionCode: \"ALPHA\", {filter}) {{ totalCount edges {{ node {{ name }} }} }} }}"
        )
    };
    assert_eq!(
        names(
            &server.ok(&hr, &q("gender: FEMALE"), json!({})).await,
            "staffMembers"
        ),
        vec!["Aline", "Chantal"]
    );
    assert_eq!(
        names(
            &server
                .ok(&hr, &q("category: NATIONAL_OFFICER"), json!({}))
                .await,
            "staffMembers"
        ),
        vec!["Aline"]
    );
    assert_eq!(
        names(
            &server.ok(&hr, &q("language: \"swahili\""), json!({})).await,
            "staffMembers"
        ),
        vec!["Bruno", "Chantal"]
    );
    assert_eq!(
        names(
            &server
                .ok(
                    &hr,
                    &q(&format!("appointmentEndingBefore: \"{later}\"")),
                    json!({})
                )
                .await,
            "staffMembers"
        ),
        vec!["Aline"]
    );
    assert_eq!(
        names(
            &server.ok(&hr, &q("status: ONBOARDING"), json!({})).await,
            "staffMembers"
        )
        .len(),
        3
    );
    let ending = server
        .ok(
            &hr,
            "{ appointmentsEnding(missionCode: \"ALPHA\") { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        names(&ending, "appointmentsEnding"),
        vec!["Aline"],
        "within the default 60 days"
    );
    let ending = server.ok(&hr, "{ appointmentsEnding(missionCode: \"ALPHA\", withinDays: 120) { totalCount edges { node { name } } } }", json!({})).await;
    assert_eq!(names(&ending, "appointmentsEnding"), vec!["Aline", "Bruno"]);
    server.stop().await;
}

#[tokio::test]
async fn a_staff_members_history_with_a_back_dated_change() {
    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let staff = register(&server, &hr, &base, "Amani K.", "800008").await;
    server.ok(&hr, "mutation($s: String!) { activateStaff(staffId: $s, effective: \"2024-03-01\") { id } }", json!({ "s": staff })).await;
    let before = Utc::now();
    let ten_days_ago = Utc::now().date_naive() - Duration::days(10);
    // Recorded now, effective ten days ago: the suspension arrived late from the field.
    server
        .ok(&hr, "mutation($s: String!, $on: Date!) { suspendStaff(staffId: $s, reason: \"inquiry\", effective: $on) { id } }", json!({ "s": staff, "on": ten_days_ago.to_string() }))
        .await;

    let profile = |as_of: Option<String>, known_at: Option<String>| {
        let (server, hr, staff) = (&server, hr.clone(), staff.clone());
        async move {
            server
                .ok(&hr, "query($s: String!, $a: Date, $k: DateTime) { staffMember(id: $s, asOf: $a, knownAt: $k) { status history { eventType effective recordedAt actorId actorRole } } }", json!({ "s": staff, "a": as_of, "k": known_at }))
                .await["staffMember"]
                .clone()
        }
    };
    let now = profile(None, None).await;
    assert_eq!(now["status"], "SUSPENDED");
    let history = now["history"].as_array().unwrap();
    let types: Vec<&str> = history
        .iter()
        .map(|h| h["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "StaffMemberOnboarded.v1",
            "StaffActivated.v1",
            "StaffSuspended.v1"
        ]
    );
    assert_eq!(history[2]["effective"], ten_days_ago.to_string());
    assert_eq!(history[2]["actorRole"], "MISSION_HR");
    assert_eq!(history[2]["actorId"], "mission_hr-user");
    let recorded: chrono::DateTime<Utc> =
        history[2]["recordedAt"].as_str().unwrap().parse().unwrap();
    assert!(
        recorded >= before,
        "recorded now, though effective ten days ago"
    );

    let day_before = (ten_days_ago - Duration::days(1)).to_string();
    assert_eq!(
        profile(Some(day_before), None).await["status"],
        "ACTIVE",
        "as of before it took effect"
    );
    let known_before = profile(None, Some(before.to_rfc3339())).await;
    assert_eq!(
        known_before["status"], "ACTIVE",
        "as known before it was recorded"
    );
    assert_eq!(known_before["history"].as_array().unwrap().len(), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hires_and_index_numbers_never_both_win() {
    let server = Arc::new(TestServer::start().await);
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let v = vacancy(&server, &hr, &base).await;
    let a = candidate(&server, &hr, &v, "Amani").await;
    let b = candidate(&server, &hr, &v, "Bora").await;
    to_accepted_offer(&server, &hr, &v, &a).await;
    to_accepted_offer(&server, &hr, &v, &b).await;
    let hire = |c: String, index: &'static str| {
        let (server, hr, v) = (Arc::clone(&server), hr.clone(), v.clone());
        tokio::spawn(async move {
            server
                .gql(Some(&hr), HIRE, json!({ "v": v, "c": c, "i": index }))
                .await
        })
    };
    let (first, second) = tokio::join!(hire(a, "900001"), hire(b, "900002"));
    let (first, second) = (first.unwrap(), second.unwrap());
    let first_won = first.is_ok();
    let loser = Answer::one_wins(first, second, "one vacancy, one hire");
    assert_eq!(loser.code(), "CONFLICT");
    let directory = server
        .ok(
            &hr,
            "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        directory["staffMembers"]["totalCount"], 1,
        "the refused hire left no staff member"
    );
    // The loser's index number was given back.
    register(
        &server,
        &hr,
        &base,
        "Later",
        if first_won { "900002" } else { "900001" },
    )
    .await;

    // Two registrations racing for one index number: one holds it.
    let reg = |name: &'static str| {
        let (server, hr, base) = (Arc::clone(&server), hr.clone(), base.clone());
        tokio::spawn(async move {
            server
                .gql(Some(&hr), REGISTER, json!({ "base": base, "name": name, "index": "990099", "gender": "MALE", "grade": "GS-3", "end": "2030-01-01", "lang": "French" }))
                .await
        })
    };
    let (x, y) = tokio::join!(reg("X"), reg("Y"));
    let loser = Answer::one_wins(x.unwrap(), y.unwrap(), "one index number");
    assert_eq!(
        (loser.code(), loser.field()),
        ("CONFLICT", Some("indexNumber"))
    );
}

#[tokio::test]
async fn an_interrupted_hire_is_finished_by_sending_it_again() {
    use cla_event_store::Actor;
    use cla_platform::command::{CommandMeta, StateCache, handle};
    use cla_staff::commands::{IndexNumberCommand, VacancyCommand};
    use cla_staff::decider::{IndexNumberDecider, VacancyDecider};
    use cla_staff::events::streams;

    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let v = vacancy(&server, &hr, &base).await;
    let c = candidate(&server, &hr, &v, "Amani K.").await;
    to_accepted_offer(&server, &hr, &v, &c).await;

    // The first two steps of a hire (index number claimed, hire decided), as a request cut off
    // before the staff member was created leaves them.
    let store = server.running.state.store.clone();
    let meta = CommandMeta {
        actor: Actor {
            id: "mission_hr-user".into(),
            role: "MISSION_HR".into(),
        },
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
    };
    let staff_id = uuid::Uuid::now_v7().to_string();
    // Another writer (a replica of its own): the one command path, with its own state cache.
    let writer = StateCache::default();
    handle::<IndexNumberDecider>(
        &store,
        &writer,
        &streams::index_number("910001"),
        &(
            "910001".to_string(),
            IndexNumberCommand::Claim {
                staff_id: staff_id.clone(),
            },
        ),
        &(),
        &meta,
    )
    .await
    .unwrap();
    let hire = VacancyCommand::Hire {
        candidate_id: c.clone(),
        staff_id: staff_id.clone(),
        index_number: "910001".into(),
        effective: meta.effective,
    };
    let decided =
        handle::<VacancyDecider>(&store, &writer, &streams::vacancy(&v), &hire, &(), &meta)
            .await
            .unwrap();
    server
        .running
        .state
        .hub
        .wait_for(
            decided.position.unwrap(),
            std::time::Duration::from_secs(10),
        )
        .await
        .unwrap();
    let directory = server
        .ok(
            &hr,
            "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        directory["staffMembers"]["totalCount"], 0,
        "the staff member was not created"
    );

    // Sending the hire again finishes it, with the staff id and index number the hire recorded.
    let finished = server
        .ok(&hr, HIRE, json!({ "v": v, "c": c, "i": "123123" }))
        .await["hireCandidate"]
        .clone();
    assert_eq!(finished["id"], staff_id.as_str());
    assert_eq!(finished["indexNumber"], "910001");
    assert_eq!(finished["status"], "ONBOARDING");
    // Once finished, the same hire again is a conflict, and nothing is created twice.
    let again = server
        .gql(Some(&hr), HIRE, json!({ "v": v, "c": c, "i": "123123" }))
        .await;
    assert_eq!(
        (again.code(), again.field()),
        ("CONFLICT", Some("candidateId"))
    );
    let directory = server
        .ok(
            &hr,
            "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(directory["staffMembers"]["totalCount"], 1);
    server.stop().await;
}

#[tokio::test]
async fn a_number_left_held_by_a_separated_staff_member_can_be_claimed_again() {
    use cla_event_store::Actor;
    use cla_platform::command::{CommandMeta, StateCache, handle};
    use cla_staff::commands::StaffCommand;
    use cla_staff::decider::{StaffContext, StaffDecider};
    use cla_staff::events::{SeparationReason, streams};

    let server = TestServer::start().await;
    let (_, base) = mission_with_base(&server, "ALPHA").await;
    let hr = hr(&server);
    let first = register(&server, &hr, &base, "First Holder", "920002").await;
    // Separated, but cut off before the number was given back.
    let meta = CommandMeta {
        actor: Actor {
            id: "mission_hr-user".into(),
            role: "MISSION_HR".into(),
        },
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        effective: Utc::now().date_naive(),
    };
    let separate = StaffCommand::Separate {
        reason: SeparationReason::Resigned,
        notes: String::new(),
        effective: meta.effective,
    };
    let done = handle::<StaffDecider>(
        &server.running.state.store,
        &StateCache::default(),
        &streams::staff(&first),
        &separate,
        &StaffContext::default(),
        &meta,
    )
    .await
    .unwrap();
    server
        .running
        .state
        .hub
        .wait_for(done.position.unwrap(), std::time::Duration::from_secs(10))
        .await
        .unwrap();
    // A current staff member's number stays refused...
    let other = register(&server, &hr, &base, "Current Holder", "920003").await;
    let taken = server
        .gql(Some(&hr), REGISTER, json!({ "base": base, "name": "X", "index": "920003", "gender": "MALE", "grade": "GS-3", "end": "2030-01-01", "lang": "French" }))
        .await;
    assert_eq!(
        (taken.code(), taken.field()),
        ("CONFLICT", Some("indexNumber"))
    );
    assert!(!other.is_empty());
    // ...while the separated holder's number is free.
    let second = register(&server, &hr, &base, "Second Holder", "920002").await;
    let profile = server
        .ok(
            &hr,
            "query($s: String!) { staffMember(id: $s) { indexNumber } }",
            json!({ "s": second }),
        )
        .await;
    assert_eq!(profile["staffMember"]["indexNumber"], "920002");
    server.stop().await;
}
