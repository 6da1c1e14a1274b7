//! The imports page over plain HTTP (no JavaScript): a file uploaded as a browser uploads it
//! (multipart), its dry run's errors by line and column, nothing written until the checked file
//! is applied. A French Excel file (BOM, `;`, dd/mm/yyyy) with one bad line shows that line and
//! column and writes nothing; corrected, it applies. The lists offered are the reader's; another
//! mission's reader and HQ are refused; French; the wire.

mod web_client;

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use serde_json::json;
use web_client::*;

const PATH: &str = "/missions/MONUSCO/imports";

/// The staff list as French Excel saves it, with `end` as the second CLA's appointment end.
fn french_staff(end: &str) -> String {
    format!(
        "\u{feff}index_number;name;gender;grade;appointment_type;appointment_start;appointment_end;base;languages;home_community;status;effective\n\
         4610001;Neema Kavira;FEMALE;GS-5;FIXED_TERM;01/03/2024;28/02/2029;Base One;\"Swahili:NATIVE;French:WORKING\";Oicha;ACTIVE;01/03/2024\n\
         4610002;Baraka Paluku;MALE;GS-4;FIXED_TERM;15/07/2024;{end};Base One;Swahili:NATIVE;Mbau;ACTIVE;15/07/2024\n"
    )
}

async fn staff_count(server: &TestServer) -> u64 {
    let hr = server.token(Role::MissionHr, &["MONUSCO"]);
    server
        .ok(
            &hr,
            "{ staffMembers(missionCode: \"MONUSCO\") { totalCount } }",
            json!({}),
        )
        .await["staffMembers"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn dry_run(
    server: &TestServer,
    cookie: &str,
    token: &str,
    file: Option<&[u8]>,
) -> (u16, String, String) {
    post_multipart(
        server,
        PATH,
        cookie,
        &[
            ("csrf", token),
            ("step", "dry-run"),
            ("kind", "staff"),
            ("locale", "fr"),
        ],
        file.map(|f| ("personnel.csv", f)),
    )
    .await
}

#[tokio::test]
async fn a_french_excel_staff_list_with_a_bad_line_shows_it_and_writes_nothing_then_applies_corrected()
 {
    let server = TestServer::start().await;
    cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let cookie = session(&server, mission_hr()).await;
    let (_, board) = get(&server, "/missions/MONUSCO/board", &cookie).await;
    assert!(
        board.contains(&format!("href=\"{PATH}\"")),
        "linked from the board: {board}"
    );
    let (status, page) = get(&server, PATH, &cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("type=\"file\" name=\"file\""), "{page}");
    assert!(page.contains("value=\"staff\""), "HR imports staff: {page}");
    assert!(
        !page.contains("value=\"deployments\""),
        "not deployments: {page}"
    );
    let token = csrf(&page);

    // One bad line: that line and column, nothing written.
    let head = store_head(&server).await;
    let (status, _, refused) = dry_run(
        &server,
        &cookie,
        &token,
        Some(french_staff("31/02/2029").as_bytes()),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let errors = section(&refused, "id=\"imports-errors\"", "</table>");
    assert!(
        errors.contains("<th scope=\"row\">3</th><td><code>appointment_end</code></td>"),
        "line 3, its column: {errors}"
    );
    assert_eq!(
        errors.matches("<th scope=\"row\">").count(),
        1,
        "only that line: {errors}"
    );
    assert!(refused.contains("Nothing was written."), "{refused}");
    assert!(
        !refused.contains("name=\"content\""),
        "no apply form: {refused}"
    );
    assert!(
        errors.contains("“31/02/2029” is not a date"),
        "in words: {errors}"
    );
    // In French, the error too.
    let (status, _, refused_fr) = dry_run(
        &server,
        &format!("{cookie}; cla_lang=fr"),
        &token,
        Some(french_staff("31/02/2029").as_bytes()),
    )
    .await;
    assert_eq!(status, 400, "{refused_fr}");
    let errors_fr = section(&refused_fr, "id=\"imports-errors\"", "</table>");
    assert!(
        errors_fr.contains("« 31/02/2029 » n’est pas une date (AAAA-MM-JJ, ou JJ/MM/AAAA dans un fichier français)."),
        "in French: {errors_fr}"
    );
    // No file, or not text: refused beside the file field.
    let (status, _, refused) = dry_run(&server, &cookie, &token, None).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(beside(&refused, "file-error"), "Choose a file to check.");
    let (status, _, refused) =
        dry_run(&server, &cookie, &token, Some(&[0xff, 0xfe, 0x00, 0x41])).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        beside(&refused, "file-error").contains("not UTF-8 text"),
        "{refused}"
    );
    assert_eq!(store_head(&server).await, head, "nothing written");
    assert_eq!(staff_count(&server).await, 0);

    // Corrected: the dry run says what it would do, still writes nothing.
    let corrected = french_staff("28/02/2029");
    let (status, _, checked) = dry_run(&server, &cookie, &token, Some(corrected.as_bytes())).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(
        beside(&checked, "imports-ready"),
        "No error in 2 rows: applying it creates 2 and leaves 0 unchanged."
    );
    assert_eq!(store_head(&server).await, head, "a dry run writes nothing");
    // The apply form carries the file back as checked.
    let content = input_value(&checked, "content");
    assert_eq!(
        content.replace("\r\n", "\n"),
        corrected.replace("\r\n", "\n")
    );
    let (status, to, _) = post_multipart(
        &server,
        PATH,
        &cookie,
        &[
            ("csrf", &token),
            ("step", "apply"),
            ("kind", "staff"),
            ("locale", "fr"),
            ("content", &content),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/missions/MONUSCO/imports?created=2&unchanged=0")
    );
    let (_, page) = get(&server, &to, &cookie).await;
    assert_eq!(
        beside(&page, "imports-done"),
        "The file is applied: 2 created, 0 unchanged."
    );
    assert_eq!(staff_count(&server).await, 2);
    let hr_token = server.token(Role::MissionHr, &["MONUSCO"]);
    let end = server.ok(&hr_token, "{ staffMembers(missionCode: \"MONUSCO\") { edges { node { indexNumber appointment { end } } } } }", json!({})).await;
    assert!(end.to_string().contains("2029-02-28"), "day first: {end}");

    // French, and the wire.
    let (status, page) = get_in(&server, PATH, &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Vérifier le fichier (essai)"), "{page}");
    assert!(page.contains("Excel en français"), "{page}");
    let bytes = wire(&server, PATH, &cookie).await;
    println!("wire: imports {bytes} bytes");
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    server.stop().await;
}

#[tokio::test]
async fn imports_offer_the_readers_lists_and_are_refused_to_another_mission_and_hq() {
    let server = TestServer::start().await;
    cla_e2e::mission_with_base(&server, "MONUSCO").await;
    let ca = session(
        &server,
        Principal::new(
            "ca-1",
            "Clémence Affaires",
            &[Role::CivilAffairs],
            &["MONUSCO"],
        ),
    )
    .await;
    let (status, page) = get(&server, PATH, &ca).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("value=\"deployments\"") && !page.contains("value=\"staff\""),
        "{page}"
    );
    // Civil affairs may not import staff: refused, nothing written.
    let head = store_head(&server).await;
    let (status, _, refused) = dry_run(
        &server,
        &ca,
        &csrf(&page),
        Some(french_staff("28/02/2029").as_bytes()),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let other = session(
        &server,
        Principal::new("hr-2", "Autre Mission", &[Role::MissionHr], &["MINUSCA"]),
    )
    .await;
    let (status, page) = get(&server, PATH, &other).await;
    assert_eq!(status, 403, "{page}");
    let (status, _, refused) = post_multipart(
        &server,
        PATH,
        &other,
        &[
            ("csrf", &csrf(&page)),
            ("step", "apply"),
            ("kind", "staff"),
            ("locale", "fr"),
            ("content", &french_staff("28/02/2029")),
        ],
        None,
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    let hq = session(
        &server,
        Principal::new("hq-1", "Hubert Siège", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, _) = get(&server, PATH, &hq).await;
    assert_eq!(status, 403);
    assert_eq!(store_head(&server).await, head, "nothing written");
    assert_eq!(staff_count(&server).await, 0);
    server.stop().await;
}
