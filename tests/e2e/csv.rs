//! CSV over HTTP: the staff list and the deployment list imported (validated whole, every error
//! by line and column, all or nothing, the same file twice changing nothing), and the base
//! board, the staff directory and the HQ review downloaded, under the same access rules as
//! GraphQL. The example files in `ops/examples/` are the ones imported here.

use cla_e2e::{Role, TestServer, mission_with_base, open_base};
use serde_json::{Value, json};

const STAFF: &str = include_str!("../../ops/examples/staff.csv");
const DEPLOYMENTS: &str = include_str!("../../ops/examples/deployments.csv");
const HEADER: &str = "index_number,name,gender,grade,appointment_type,appointment_start,appointment_end,base,languages,home_community,status,effective";

async fn post(server: &TestServer, token: Option<&str>, path: &str, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.base))
        .header("Content-Type", "text/csv")
        .body(body.to_string());
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn download(server: &TestServer, token: &str, path: &str) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// Mission ALPHA with COB Oicha and COB Eringeti (the example files' bases), and a closed one.
async fn world() -> (TestServer, String, String) {
    let server = TestServer::start().await;
    let admin = server.admin();
    server.ok(&admin, "mutation { createMission(input: {code: \"ALPHA\", name: \"Mission\", country: \"Country\", effective: \"2020-01-01\"}) { code } }", json!({})).await;
    let office = server.ok(&admin, "mutation { openFieldOffice(input: {missionCode: \"ALPHA\", name: \"Beni\", effective: \"2020-01-01\"}) { id } }", json!({})).await["openFieldOffice"]["id"].as_str().unwrap().to_string();
    for name in ["COB Oicha", "COB Eringeti"] {
        server.ok(&admin, "mutation($o: String!, $n: String!) { openBase(input: {fieldOfficeId: $o, name: $n, kind: COMPANY_OPERATING_BASE, effective: \"2020-01-01\"}) { id } }", json!({ "o": office, "n": name })).await;
    }
    mission_with_base(&server, "BRAVO").await;
    let hr = server.token(Role::MissionHr, &["ALPHA"]);
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    (server, hr, ca)
}

async fn staff_count(server: &TestServer) -> u64 {
    server
        .ok(
            &server.admin(),
            "{ staffMembers(missionCode: \"ALPHA\") { totalCount } }",
            json!({}),
        )
        .await["staffMembers"]["totalCount"]
        .as_u64()
        .unwrap()
}

fn errors(report: &Value) -> Vec<(u64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_staff_list_imports_once_and_again_changes_nothing() {
    let (server, hr, _) = world().await;
    let path = "/import/staff?missionCode=ALPHA";
    // A dry run reports and writes nothing.
    let (status, dry) = post(&server, Some(&hr), &format!("{path}&dryRun=true"), STAFF).await;
    assert_eq!(
        (status, dry["created"].clone(), dry["applied"].clone()),
        (200, json!(4), json!(false))
    );
    assert_eq!(staff_count(&server).await, 0);
    let (status, report) = post(&server, Some(&hr), path, STAFF).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["rows"].clone(),
            report["created"].clone(),
            report["unchanged"].clone(),
            report["applied"].clone()
        ),
        (json!(4), json!(4), json!(0), json!(true))
    );
    assert_eq!(staff_count(&server).await, 4);
    let active = server.ok(&hr, "{ staffMembers(missionCode: \"ALPHA\", status: ACTIVE) { totalCount edges { node { indexNumber homeCommunity languages { language level } since } } } }", json!({})).await;
    assert_eq!(active["staffMembers"]["totalCount"], 3);
    let first = active["staffMembers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["indexNumber"] == "4510001")
        .unwrap()["node"]
        .clone();
    assert_eq!(first["homeCommunity"], "Oicha");
    assert_eq!(first["since"], "2023-03-01");
    assert_eq!(first["languages"].as_array().unwrap().len(), 3);
    // The same file again: nothing changes.
    let (status, again) = post(&server, Some(&hr), path, STAFF).await;
    assert_eq!(
        (status, again["created"].clone(), again["unchanged"].clone()),
        (200, json!(0), json!(4))
    );
    assert_eq!(staff_count(&server).await, 4);

    // Deployments: three, then again nothing.
    let ca = server.token(Role::CivilAffairs, &["ALPHA"]);
    let (status, deployed) = post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA",
        DEPLOYMENTS,
    )
    .await;
    assert_eq!(
        (status, deployed["created"].clone()),
        (200, json!(3)),
        "{deployed}"
    );
    let board = server
        .ok(
            &ca,
            "{ baseBoard(missionCode: \"ALPHA\") { edges { node { name deployed } } } }",
            json!({}),
        )
        .await;
    let at = |name: &str| {
        board["baseBoard"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["name"] == name)
            .unwrap()["node"]["deployed"]
            .clone()
    };
    assert_eq!((at("COB Oicha"), at("COB Eringeti")), (json!(2), json!(1)));
    let (_, again) = post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA",
        DEPLOYMENTS,
    )
    .await;
    assert_eq!(
        (again["created"].clone(), again["unchanged"].clone()),
        (json!(0), json!(3))
    );
    server.stop().await;
}

#[tokio::test]
async fn every_bad_row_is_reported_by_line_and_column_and_nothing_is_written() {
    let (server, hr, ca) = world().await;
    let admin = server.admin();
    let office = server
        .ok(
            &admin,
            "{ mission(code: \"ALPHA\") { fieldOffices { edges { node { id } } } } }",
            json!({}),
        )
        .await["mission"]["fieldOffices"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Two bases of one name: naming it is ambiguous.
    open_base(&server, &admin, &office, "Twin").await;
    open_base(&server, &admin, &office, "Twin").await;
    let good = "4600001,Good Row,FEMALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,Swahili:NATIVE,,ACTIVE,2024-01-01";
    let rows = [
        good,                                                                                        // 2
        "46-1,Bad Index,FEMALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 3 index_number
        "4600001,Twice,FEMALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 4 index_number
        "4600003,Bad Gender,F,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 5 gender
        "4600004,Bad Grade,MALE,GS-9,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 6 grade
        "4600005,Bad Type,MALE,GS-5,PERMANENT,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 7 appointment_type
        "4600006,Bad Date,MALE,GS-5,FIXED_TERM,2024-13-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 8 appointment_start
        "4600007,Ends First,MALE,GS-5,FIXED_TERM,2024-06-01,2024-01-01,COB Oicha,,,ACTIVE,2024-01-01", // 9 appointment_end
        "4600008,Too Long,MALE,GS-5,TEMPORARY,2024-01-01,2025-06-01,COB Oicha,,,ACTIVE,2024-01-01", // 10 appointment_end
        "4600009,No Base,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Nowhere,,,ACTIVE,2024-01-01", // 11 base
        "4600010,Ambiguous,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,Twin,,,ACTIVE,2024-01-01", // 12 base
        "4600011,Bad Level,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,Swahili:GOOD,,ACTIVE,2024-01-01", // 13 languages
        "4600012,Bad Status,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,RETIRED,2024-01-01", // 14 status
        "4600013,No Effective,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,", // 15 effective
        ",,MALE,GS-5,FIXED_TERM,2024-01-01,2026-12-31,COB Oicha,,,ACTIVE,2024-01-01", // 16 index_number
        "4600014,Too Early,MALE,GS-5,FIXED_TERM,2019-01-01,2026-12-31,COB Oicha,,,ACTIVE,2019-06-01", // 17 effective
    ];
    let file = format!("{HEADER}\n{}\n", rows.join("\n"));
    let (status, report) = post(&server, Some(&hr), "/import/staff?missionCode=ALPHA", &file).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        errors(&report),
        vec![
            (3, "index_number".into()),
            (4, "index_number".into()),
            (5, "gender".into()),
            (6, "grade".into()),
            (7, "appointment_type".into()),
            (8, "appointment_start".into()),
            (9, "appointment_end".into()),
            (10, "appointment_end".into()),
            (11, "base".into()),
            (12, "base".into()),
            (13, "languages".into()),
            (14, "status".into()),
            (15, "effective".into()),
            (16, "index_number".into()),
            (17, "effective".into()),
        ]
    );
    assert!(
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["code"] == "VALIDATION" && !e["message"].as_str().unwrap().is_empty())
    );
    assert_eq!(report["applied"], false);
    assert_eq!(
        staff_count(&server).await,
        0,
        "all or nothing: the good row is not written either"
    );
    // The file's shape: an unknown column, a missing one, a row with too few cells.
    let (status, report) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA",
        "index_number,name,colour\n1,2,3\n",
    )
    .await;
    assert_eq!(status, 422);
    let columns: Vec<String> = errors(&report).into_iter().map(|e| e.1).collect();
    assert!(
        columns.contains(&"colour".to_string()) && columns.contains(&"gender".to_string()),
        "{report}"
    );
    let (_, report) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA",
        &format!("{HEADER}\n{good}\n4600002,Short Row\n"),
    )
    .await;
    assert_eq!(errors(&report), vec![(3, String::new())]);
    assert_eq!(staff_count(&server).await, 0);

    // Deployment rows: an unknown index number, a bad date, a base not open, someone already
    // deployed elsewhere.
    post(&server, Some(&hr), "/import/staff?missionCode=ALPHA", STAFF).await;
    post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA",
        DEPLOYMENTS,
    )
    .await;
    let closing = open_base(&server, &admin, &office, "Closing").await;
    server
        .ok(
            &admin,
            "mutation($b: String!) { startClosingBase(baseId: $b, reason: \"withdrawal\") { id } }",
            json!({ "b": closing }),
        )
        .await;
    let file = "index_number,base,from\n9999999,COB Oicha,2024-01-01\n4510004,COB Oicha,2024-02-30\n4510004,Closing,2026-03-01\n4510001,COB Eringeti,2025-01-01\n";
    let (status, report) = post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA",
        file,
    )
    .await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        errors(&report),
        vec![
            (2, "index_number".into()),
            (3, "from".into()),
            (4, "index_number".into()),
            (4, "base".into()),
            (5, "base".into())
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn imports_and_downloads_keep_to_roles_and_missions() {
    let (server, hr, ca) = world().await;
    let bravo_hr = server.token(Role::MissionHr, &["BRAVO"]);
    let (status, _) = post(&server, None, "/import/staff?missionCode=ALPHA", STAFF).await;
    assert_eq!(status, 401);
    let (status, body) = post(
        &server,
        Some(&bravo_hr),
        "/import/staff?missionCode=ALPHA",
        STAFF,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (403, json!("FORBIDDEN"))
    );
    let (status, _) = post(&server, Some(&ca), "/import/staff?missionCode=ALPHA", STAFF).await;
    assert_eq!(status, 403, "CIVIL_AFFAIRS does not register staff");
    let (status, _) = post(
        &server,
        Some(&hr),
        "/import/deployments?missionCode=ALPHA",
        DEPLOYMENTS,
    )
    .await;
    assert_eq!(status, 403, "MISSION_HR does not deploy");
    let (status, body) = post(&server, Some(&hr), "/import/staff", STAFF).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["field"].clone()),
        (400, json!("missionCode"))
    );
    assert_eq!(staff_count(&server).await, 0);
    let (status, _, _) = download(&server, &bravo_hr, "/export/board.csv?missionCode=ALPHA").await;
    assert_eq!(status, 403);
    let (status, _, _) = download(&server, &bravo_hr, "/export/staff.csv?missionCode=ALPHA").await;
    assert_eq!(status, 403);
    server.stop().await;
}

fn lines(csv: &str) -> Vec<String> {
    let mut v: Vec<String> = csv.lines().skip(1).map(str::to_string).collect();
    v.sort();
    v
}

#[tokio::test]
async fn import_export_import_changes_nothing_and_downloads_match_graphql() {
    let (server, hr, ca) = world().await;
    post(&server, Some(&hr), "/import/staff?missionCode=ALPHA", STAFF).await;
    post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA",
        DEPLOYMENTS,
    )
    .await;
    let (status, kind, exported) =
        download(&server, &hr, "/export/staff.csv?missionCode=ALPHA").await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(exported.lines().next(), Some(HEADER));
    assert_eq!(
        lines(&exported),
        lines(STAFF),
        "the export is the imported list"
    );
    let (status, report) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA",
        &exported,
    )
    .await;
    assert_eq!(
        (
            status,
            report["created"].clone(),
            report["unchanged"].clone()
        ),
        (200, json!(0), json!(4))
    );
    assert_eq!(staff_count(&server).await, 4);
    // HQ downloads the directory without home communities.
    let hq = server.token(Role::HqReviewer, &[]);
    let (_, _, for_hq) = download(&server, &hq, "/export/staff.csv?missionCode=ALPHA").await;
    assert_eq!(lines(&for_hq).len(), 4);
    assert!(
        !for_hq.contains("Oicha,ACTIVE") && !for_hq.contains("Mbau"),
        "{for_hq}"
    );
    // The board: one row per base, as GraphQL has it.
    let (status, _, board) = download(&server, &ca, "/export/board.csv?missionCode=ALPHA").await;
    assert_eq!(status, 200);
    let graphql = server.ok(&ca, "{ baseBoard(missionCode: \"ALPHA\") { totalCount edges { node { baseId deployed status } } } }", json!({})).await;
    assert_eq!(
        lines(&board).len() as u64,
        graphql["baseBoard"]["totalCount"].as_u64().unwrap()
    );
    for edge in graphql["baseBoard"]["edges"].as_array().unwrap() {
        let n = &edge["node"];
        let row = board
            .lines()
            .find(|l| l.starts_with(n["baseId"].as_str().unwrap()))
            .unwrap();
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(
            (cells[3], cells[6]),
            (
                n["deployed"].to_string().as_str(),
                n["status"].as_str().unwrap()
            )
        );
    }
    // The HQ review: a row per mission and ALL.
    let (status, _, review) = download(&server, &hq, "/export/hq-review.csv").await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = review.lines().collect();
    assert!(
        rows[0].starts_with("as_of,scope,clas,deployed,bases,bases_at_minimum"),
        "{review}"
    );
    assert_eq!(rows.len(), 4, "ALPHA, BRAVO, ALL: {review}");
    let alpha = rows
        .iter()
        .find(|r| r.split(',').nth(1) == Some("ALPHA"))
        .unwrap();
    assert_eq!(alpha.split(',').nth(2), Some("4"), "{alpha}");
    assert_eq!(alpha.split(',').nth(3), Some("3"), "{alpha}");
    // Shares in percent, as the schema gives them.
    let header: Vec<&str> = rows[0].split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let answer = server
        .ok(
            &hq,
            "{ hqStaffingReview { missions { scope womenPercent vacancyPercent basesAtMinimumPercent } } }",
            serde_json::json!({}),
        )
        .await;
    let figures = answer["hqStaffingReview"]["missions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["scope"] == "ALPHA")
        .unwrap()
        .clone();
    let cells: Vec<&str> = alpha.split(',').collect();
    for (name, field) in [
        ("women_percent", "womenPercent"),
        ("vacancy_percent", "vacancyPercent"),
        ("bases_at_minimum_percent", "basesAtMinimumPercent"),
    ] {
        let cell = cells[column(name)];
        match figures[field].as_f64() {
            Some(expected) => {
                let got: f64 = cell.parse().unwrap_or_else(|_| panic!("{name}: {cell}"));
                assert!((got - expected).abs() < 1e-9, "{name}: {got} vs {expected}");
                assert!((0.0..=100.0).contains(&got), "{name}: {got}");
            }
            None => assert_eq!(cell, "", "{name}"),
        }
    }
    assert!(
        figures["womenPercent"].as_f64().is_some(),
        "ALPHA has staff: {figures}"
    );
    server.stop().await;
}

/// The example staff list as French Excel saves it: a BOM, `;` between cells (the languages cell
/// quoted), dates day first.
fn as_french_excel(csv: &str) -> String {
    let mut out = String::from("\u{feff}");
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(reader.headers().unwrap()).unwrap();
    for record in reader.records() {
        let cells: Vec<String> = record
            .unwrap()
            .iter()
            .map(
                |cell| match chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d") {
                    Ok(d) => d.format("%d/%m/%Y").to_string(),
                    Err(_) => cell.to_string(),
                },
            )
            .collect();
        writer.write_record(&cells).unwrap();
    }
    out.push_str(&String::from_utf8(writer.into_inner().unwrap()).unwrap());
    out
}

#[tokio::test]
async fn french_excel_files_import_and_downloads_open_in_french_excel() {
    let (server, hr, ca) = world().await;
    let french = as_french_excel(STAFF);
    assert!(
        french.contains("01/03/2023;")
            && french.contains("\"Swahili:NATIVE;French:WORKING;Kinande:FLUENT\"")
    );

    // Without a locale, a date that reads both ways is an error naming its cell, and nothing is
    // written; 15/07/2022 (one way only) is not among the errors.
    let (status, report) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA&dryRun=true",
        &french,
    )
    .await;
    assert_eq!(status, 422, "{report}");
    let found = errors(&report);
    assert!(
        found.contains(&(2, "appointment_start".to_string())),
        "{found:?}"
    );
    assert!(
        !found.contains(&(3, "appointment_start".to_string())),
        "{found:?}"
    );
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("01/03/2023") && message.contains("locale fr"),
        "{message}"
    );
    assert_eq!(staff_count(&server).await, 0);

    // With the French locale: every row, no "column missing", and the dates day first.
    let (status, report) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA&locale=fr",
        &french,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["created"].clone(), report["errors"].clone()),
        (json!(4), json!([]))
    );
    let member = server.ok(&hr, "{ staffMembers(missionCode: \"ALPHA\") { edges { node { indexNumber appointment { start end } languages { language } } } } }", json!({})).await;
    let first = member["staffMembers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["indexNumber"] == "4510002")
        .unwrap()["node"]
        .clone();
    assert_eq!(
        first["appointment"],
        json!({ "start": "2022-07-15", "end": "2026-07-14" })
    );
    assert_eq!(first["languages"].as_array().unwrap().len(), 2);
    let (_, deployed) = post(
        &server,
        Some(&ca),
        "/import/deployments?missionCode=ALPHA&locale=fr",
        &as_french_excel(DEPLOYMENTS),
    )
    .await;
    assert_eq!(deployed["errors"], json!([]), "{deployed}");

    // Downloads in French: a BOM, `;`, dates day first; and one imports back unchanged.
    let (status, _, staff) = download(
        &server,
        &hr,
        "/export/staff.csv?missionCode=ALPHA&locale=fr",
    )
    .await;
    assert_eq!(status, 200);
    assert!(staff.starts_with("\u{feff}index_number;name;"), "{staff}");
    assert!(staff.contains(";15/07/2022;14/07/2026;"), "{staff}");
    assert!(!staff.contains("2022-07-15"), "{staff}");
    let (status, again) = post(
        &server,
        Some(&hr),
        "/import/staff?missionCode=ALPHA&locale=fr",
        &staff,
    )
    .await;
    assert_eq!(
        (status, again["unchanged"].clone(), again["created"].clone()),
        (200, json!(4), json!(0)),
        "{again}"
    );
    let (_, _, review) =
        download(&server, &server.admin(), "/export/hq-review.csv?locale=fr").await;
    assert!(review.starts_with("\u{feff}as_of;scope;"), "{review}");
    let (_, _, board) = download(
        &server,
        &ca,
        "/export/board.csv?missionCode=ALPHA&locale=fr",
    )
    .await;
    assert!(board.starts_with("\u{feff}base_id;base;"), "{board}");
    // The default stays RFC 4180.
    let (_, _, plain) = download(&server, &hr, "/export/staff.csv?missionCode=ALPHA").await;
    assert!(
        plain.starts_with("index_number,name,") && plain.contains(",2022-07-15,"),
        "{plain}"
    );

    // A locale the files are not written in is refused, naming the parameter.
    let (status, _, refused) = download(
        &server,
        &hr,
        "/export/staff.csv?missionCode=ALPHA&locale=xx",
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let refused: Value = serde_json::from_str(&refused).unwrap();
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "locale",
        "{refused}"
    );
    server.stop().await;
}
