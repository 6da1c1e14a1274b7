//! The mission's set-up pages over plain HTTP (no JavaScript), on the real server with the demo
//! loaded: an administrator renames the mission, changes one rule of its policy (the others stay),
//! opens a field office and a base under it, and on a base with CLAs sees whom closing it exposes,
//! starts closing it (a closing refused while CLAs are there) and cancels the closing. Every
//! refusal of the input comes back in words beside its field, 400, and writes nothing; MISSION_HR
//! and HQ may read but not change; another mission's reader is refused.

mod web_client;

#[allow(dead_code)]
mod actions_support;

use actions_support::board;
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use web_client::*;

async fn head(server: &TestServer) -> Option<cla_event_store::Position> {
    server.written_head().await
}

/// Whether the set-up page says it lists only the last of the mission's changes.
fn history_note(page: &str) -> bool {
    section(page, "id=\"setup-history\"", "</section>").contains("The last 50 of")
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Posts `form` with the page's token; the status, location and page.
async fn send(
    server: &TestServer,
    path: &str,
    cookie: &str,
    token: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let mut all = vec![("csrf", token)];
    all.extend_from_slice(form);
    post(server, path, cookie, &all).await
}

/// The value of the option labelled `label` in the select `id` of `page`.
fn option_value(page: &str, id: &str, label: &str) -> String {
    let select = section(page, &format!("id=\"{id}\""), "</select>");
    let at = select
        .find(&format!(">{}<", escaped(label)))
        .unwrap_or_else(|| panic!("{label} in {select}"));
    let before = &select[..at];
    let v = before.rfind("value=\"").unwrap() + "value=\"".len();
    before[v..v + before[v..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_up_forms_change_the_registry_and_refuse_in_words_writing_nothing() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let admin = Principal::new("admin-1", "Ada Admin", &[Role::Admin], &[]);
    let cookie = session(&server, admin).await;
    let setup = "/missions/MONUSCO/setup";

    let (status, page) = get(&server, setup, &cookie).await;
    assert_eq!(status, 200, "{page}");
    for form in ["rename-mission", "policy", "open-office", "open-base"] {
        assert!(
            page.contains(&format!("id=\"{form}\"")),
            "{form} on the page"
        );
    }
    assert!(
        page.contains("href=\"/missions/MONUSCO/setup\""),
        "in the nav"
    );
    let size = wire(&server, setup, &cookie).await;
    assert!(size <= 60 * 1024, "set-up page {size} bytes on the wire");
    println!("wire: set-up page {size} bytes");
    let token = csrf(&page);
    let minimum_before = section(&page, "Minimum CLAs per base", "</tr>").to_string();

    // Refusals of the input: in words beside the field, 400, nothing written.
    let before = head(&server).await;
    for (form, fields, id, words) in [
        (
            "open-office",
            vec![("name", "  ".to_string()), ("effective", today())],
            "open-office-name-error",
            "Fill this in",
        ),
        (
            "policy",
            vec![("minimumClasPerBase", "0".into()), ("effective", today())],
            "policy-minimumClasPerBase-error",
            "between 1 and 50",
        ),
        (
            "policy",
            vec![("maxTourMonths", "many".into()), ("effective", today())],
            "policy-maxTourMonths-error",
            "whole number",
        ),
        (
            "rename-mission",
            vec![
                ("name", "Mission renamed".into()),
                ("country", "RDC".into()),
                ("effective", "not a date".into()),
            ],
            "rename-mission-effective-error",
            "Give a date",
        ),
        (
            "open-office",
            vec![
                ("name", "Bureau d'Ituri".into()),
                ("effective", "1990-01-01".into()),
            ],
            "open-office-effective-error",
            "before what it changes existed",
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, page) = send(
            &server,
            &format!("{setup}/{form}"),
            &cookie,
            &token,
            &fields,
        )
        .await;
        assert_eq!(status, 400, "{form}: {page}");
        assert!(
            beside(&page, id).contains(words),
            "{form}: {}",
            beside(&page, id)
        );
        assert!(page.contains(&format!("id=\"{form}-refused\"")), "{form}");
        assert_eq!(head(&server).await, before, "{form}: nothing written");
    }
    // The form comes back as filled.
    let (_, _, page) = send(
        &server,
        &format!("{setup}/policy"),
        &cookie,
        &token,
        &[
            ("minimumClasPerBase", "0"),
            ("fieldVisitIntervalDays", "45"),
            ("effective", &today()),
        ],
    )
    .await;
    assert!(
        page.contains("name=\"fieldVisitIntervalDays\" value=\"45\""),
        "kept as sent"
    );
    assert_eq!(head(&server).await, before);

    // Each form's success shows on the page it comes back to.
    let (status, location, _) = send(
        &server,
        &format!("{setup}/policy"),
        &cookie,
        &token,
        // 40: the demo's MONUSCO visits every 45 days.
        &[("fieldVisitIntervalDays", "40"), ("effective", &today())],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/MONUSCO/setup?done=policy")
    );
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "setup-done").contains("policy is changed"));
    let visits = section(&page, "Days between field visits", "</tr>");
    assert!(visits.contains("<td>40</td>"), "{visits}");
    assert_eq!(
        section(&page, "Minimum CLAs per base", "</tr>"),
        minimum_before,
        "a partial change: what was left blank stays"
    );

    let (status, location, _) = send(
        &server,
        &format!("{setup}/rename-mission"),
        &cookie,
        &token,
        &[
            ("name", "Mission de stabilisation (renamed)"),
            ("country", "DR Congo"),
            ("effective", &today()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "setup-mission-name").contains("Mission de stabilisation (renamed)"));

    let (status, location, _) = send(
        &server,
        &format!("{setup}/open-office"),
        &cookie,
        &token,
        &[("name", "Bureau de Djugu"), ("effective", &today())],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/MONUSCO/setup?done=open-office")
    );
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(section(&page, "id=\"setup-office-table\"", "</table>").contains("Bureau de Djugu"));
    let office = option_value(&page, "open-base-fieldOfficeId", "Bureau de Djugu");

    let (status, location, _) = send(
        &server,
        &format!("{setup}/rename-office"),
        &cookie,
        &token,
        &[
            ("fieldOfficeId", &office),
            ("name", "Bureau de Djugu-Centre"),
            ("effective", &today()),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(
        section(&page, "id=\"setup-office-table\"", "</table>").contains("Bureau de Djugu-Centre")
    );

    // A base without a kind is refused beside the kind; with one it opens under the office.
    let base_form = |kind: &'static str| {
        vec![
            ("name", "TOB Fataki"),
            ("kind", kind),
            ("fieldOfficeId", office.as_str()),
            ("contingent", "BANBAT"),
            ("localLanguages", "Swahili, Lendu"),
            ("alertNetworkWorking", "yes"),
            ("minimumOverride", ""),
        ]
    };
    let before = head(&server).await;
    let mut form = base_form("");
    let day = today();
    form.push(("effective", &day));
    let (status, _, page) = send(
        &server,
        &format!("{setup}/open-base"),
        &cookie,
        &token,
        &form,
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(beside(&page, "open-base-kind-error").contains("Choose one"));
    assert!(page.contains("name=\"contingent\" maxlength=\"200\" value=\"BANBAT\""));
    assert_eq!(head(&server).await, before);
    let mut form = base_form("temporary-operating-base");
    form.push(("effective", &day));
    let (status, location, _) = send(
        &server,
        &format!("{setup}/open-base"),
        &cookie,
        &token,
        &form,
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, &location, &cookie).await;
    let row = section(&page, ">TOB Fataki<", "</tr>");
    assert!(
        row.contains("Temporary operating base") && row.contains("Bureau de Djugu-Centre"),
        "{row}"
    );
    assert!(
        row.contains("the mission&#39;s policy") || row.contains("the mission's policy"),
        "{row}"
    );
    // Who changed what: the last recorded first, each with its actor.
    let history = section(&page, "id=\"setup-timeline\"", "</ol>");
    let items: Vec<&str> = history.split("<li>").skip(1).take(5).collect();
    let said = [
        "Base TOB Fataki opened",
        "Field office Bureau de Djugu-Centre renamed",
        "Field office Bureau de Djugu-Centre opened",
        "Mission renamed",
        "Staffing policy changed",
    ];
    for (item, words) in items.iter().zip(said) {
        assert!(item.contains(words), "{words}: {item} in {history}");
        assert!(item.contains("by admin-1 (ADMIN)"), "{item}");
    }
    assert_eq!(items.len(), 5, "{history}");
    assert!(
        history.contains("Mission MONUSCO created") || history_note(&page),
        "the demo's own changes, or a note that only the last are listed: {history}"
    );
    // As of yesterday, today's changes had not taken effect.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let (status, before) = get(&server, &format!("{setup}?asOf={yesterday}"), &cookie).await;
    assert_eq!(status, 200);
    let history = section(&before, "id=\"setup-timeline\"", "</ol>");
    assert!(
        !history.contains("TOB Fataki") && !history.contains("by admin-1"),
        "{history}"
    );
    let (_, french) = get_in(&server, setup, &cookie, "fr").await;
    assert!(
        section(&french, "id=\"setup-timeline\"", "</ol>").contains("Base TOB Fataki ouverte"),
        "in French"
    );

    // A base with CLAs: whom closing it exposes, in words, before it is started.
    let rows = board(&server).await;
    let staffed = rows
        .iter()
        .find(|r| r["deployed"].as_u64() >= Some(2))
        .expect("a base with CLAs");
    let base_id = staffed["baseId"].as_str().unwrap();
    let names: Vec<&str> = staffed["clas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let base_page = format!("{setup}/bases/{base_id}");
    let (status, page) = get(&server, &base_page, &cookie).await;
    assert_eq!(status, 200, "{page}");
    let size = wire(&server, &base_page, &cookie).await;
    assert!(size <= 60 * 1024, "base set-up page {size} bytes");
    println!("wire: base set-up page {size} bytes");
    let sentence = beside(&page, "setup-exposure-sentence");
    assert!(sentence.contains("would expose"), "{sentence}");
    for name in &names {
        assert!(sentence.contains(&escaped(name)), "{name} in {sentence}");
    }
    let before = head(&server).await;
    let (status, _, page) = send(
        &server,
        &format!("{base_page}/start-closing"),
        &cookie,
        &token,
        &[("reason", ""), ("effective", &day)],
    )
    .await;
    assert_eq!(status, 400);
    assert!(beside(&page, "start-closing-reason-error").contains("Fill this in"));
    let (status, _, page) = send(
        &server,
        &format!("{base_page}/close"),
        &cookie,
        &token,
        &[("reason", "withdrawal"), ("effective", &day)],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        section(&page, "id=\"close-refused\"", "</div>").contains("Start closing the base first")
    );
    assert_eq!(head(&server).await, before, "nothing written");

    let (status, location, _) = send(
        &server,
        &format!("{base_page}/start-closing"),
        &cookie,
        &token,
        &[("reason", "The contingent withdraws"), ("effective", &day)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "setup-done").contains("is closing"));
    let sentence = beside(&page, "setup-exposure-sentence");
    assert!(sentence.contains("started closing"), "{sentence}");
    for name in &names {
        assert!(sentence.contains(&escaped(name)), "{name} in {sentence}");
    }
    // Closing is refused while they are there; nothing written.
    let before = head(&server).await;
    let (status, _, page) = send(
        &server,
        &format!("{base_page}/close"),
        &cookie,
        &token,
        &[("reason", "withdrawal"), ("effective", &day)],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(section(&page, "id=\"close-refused\"", "</div>").contains("still deployed"));
    assert_eq!(head(&server).await, before);
    let (status, location, _) = send(
        &server,
        &format!("{base_page}/cancel-closing"),
        &cookie,
        &token,
        &[("reason", "The contingent stays"), ("effective", &day)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "setup-done").contains("stays open"));
    assert!(page.contains("id=\"start-closing\""));

    // French: the page and a refusal in French.
    let (status, page) = get_in(&server, setup, &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Configuration de MONUSCO"), "{page}");
    assert!(page.contains("Politique d’effectifs"));

    // MISSION_HR and HQ read, without forms; their posts are refused and write nothing.
    let hr = Principal::new("hr-1", "Hugo Personnel", &[Role::MissionHr], &["MONUSCO"]);
    let hq = Principal::new("hq-1", "Hana Reviewer", &[Role::HqReviewer], &[]);
    let before = head(&server).await;
    for who in [hr, hq] {
        let cookie = session(&server, who).await;
        let (status, page) = get(&server, setup, &cookie).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"setup-read-only\""));
        assert!(!page.contains("id=\"open-office\""));
        let token = csrf(&page);
        let (status, _, _) = send(
            &server,
            &format!("{setup}/open-office"),
            &cookie,
            &token,
            &[("name", "Bureau fantôme"), ("effective", &day)],
        )
        .await;
        assert_eq!(status, 403);
        let (status, _, _) = send(
            &server,
            &format!("{base_page}/start-closing"),
            &cookie,
            &token,
            &[("reason", "no"), ("effective", &day)],
        )
        .await;
        assert_eq!(status, 403);
    }
    assert_eq!(head(&server).await, before, "nothing written");

    // Another mission's reader is refused.
    let outsider = Principal::new(
        "ca-x",
        "Xavier Ailleurs",
        &[Role::CivilAffairs],
        &["UNMISS"],
    );
    let cookie = session(&server, outsider).await;
    let (status, _) = get(&server, setup, &cookie).await;
    assert_eq!(status, 403);
    let (status, _) = get(&server, &base_page, &cookie).await;
    assert_eq!(status, 403);
}

/// The first option offered (value, label) by the select `id` of `page`.
fn first_option(page: &str, id: &str) -> (String, String) {
    let select = section(page, &format!("id=\"{id}\""), "</select>");
    let at = select
        .match_indices("<option value=\"")
        .map(|(i, _)| i)
        .find(|&i| !select[i..].starts_with("<option value=\"\""))
        .unwrap_or_else(|| panic!("an option in {select}"));
    let rest = &select[at + "<option value=\"".len()..];
    let value = rest[..rest.find('"').unwrap()].to_string();
    let label = rest[rest.find('>').unwrap() + 1..rest.find("</option>").unwrap()].to_string();
    (value, label)
}

fn tomorrow() -> String {
    days_from_today(1).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_are_appointed_leave_and_supervisions_end_on_the_supervision_page() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let cookie = session(&server, mission_manager()).await;
    let path = "/missions/MONUSCO/supervision";
    let (status, page) = get(&server, path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    for form in ["appoint", "leave", "assign", "end", "visit"] {
        assert!(
            page.contains(&format!("action=\"{path}/{form}\"")),
            "{form}"
        );
    }
    // The mission's navigation in labelled groups, each link kept.
    let nav = section(&page, "<nav", "</nav>");
    for (group, links) in [
        (
            "staffing",
            &["board", "rotations", "staff", "recruitment"][..],
        ),
        ("safety", &["check-ins", "alerts", "incidents", "risk"][..]),
        ("management", &["supervision", "review", "setup"][..]),
    ] {
        let group = section(
            nav,
            &format!("aria-labelledby=\"nav-group-{group}\""),
            "</ul>",
        );
        for link in links {
            assert!(
                group.contains(&format!("href=\"/missions/MONUSCO/{link}\"")),
                "{link} in {group}"
            );
        }
    }
    let size = wire(&server, path, &cookie).await;
    assert!(
        size <= 60 * 1024,
        "supervision page {size} bytes on the wire"
    );
    println!("wire: supervision page with the manager forms {size} bytes");
    let token = csrf(&page);
    let (office, office_name) = first_option(&page, "fieldOfficeId");
    let day = today();

    // Refusals of the input, beside their field, 400, the form as sent, nothing written.
    let before = head(&server).await;
    for (form, fields, id, words) in [
        (
            "appoint",
            vec![
                ("fieldOfficeId", office.as_str()),
                ("managerName", "  "),
                ("kind", "international-staff"),
                ("appointFrom", day.as_str()),
            ],
            "managerName-error",
            "Give the manager’s name",
        ),
        (
            "appoint",
            vec![
                ("fieldOfficeId", office.as_str()),
                ("managerName", "Nadia Kabongo"),
                ("kind", ""),
                ("appointFrom", day.as_str()),
            ],
            "kind-error",
            "Choose one",
        ),
        (
            "appoint",
            vec![
                ("fieldOfficeId", office.as_str()),
                ("managerName", "Nadia Kabongo"),
                ("kind", "senior-cla"),
                ("coordinatorId", ""),
                ("appointFrom", day.as_str()),
            ],
            "coordinatorId-error",
            "Choose one",
        ),
        (
            "appoint",
            vec![
                ("fieldOfficeId", "no-such-office"),
                ("managerName", "Nadia Kabongo"),
                ("kind", "un-volunteer"),
                ("appointFrom", day.as_str()),
            ],
            "fieldOfficeId-error",
            "No such field office",
        ),
        (
            "leave",
            vec![("leavingManagerId", ""), ("leavesOn", day.as_str())],
            "leavingManagerId-error",
            "Choose one",
        ),
        (
            "end",
            vec![("endStaffId", "cla-x"), ("endOn", "soon")],
            "endOn-error",
            "Enter a date",
        ),
    ] {
        let (status, _, page) =
            send(&server, &format!("{path}/{form}"), &cookie, &token, &fields).await;
        assert_eq!(status, 400, "{form} {id}: {page}");
        let said = beside(&page, id);
        assert!(
            said.contains(&escaped(words)) || said.contains(words),
            "{id}: {said}"
        );
        if form == "appoint" && id != "managerName-error" {
            assert!(page.contains("value=\"Nadia Kabongo\""), "kept as sent");
        }
        assert_eq!(head(&server).await, before, "{id}: nothing written");
    }

    // Appointed: back to the page, the manager in their office.
    let (status, location, _) = send(
        &server,
        &format!("{path}/appoint"),
        &cookie,
        &token,
        &[
            ("fieldOfficeId", &office),
            ("managerName", "Nadia Kabongo"),
            ("kind", "un-volunteer"),
            ("appointFrom", &day),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/MONUSCO/supervision?done=appoint")
    );
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "supervision-done").contains("appointed"));
    let office_html = section(&page, &format!("id=\"office-{office}\""), "</section>");
    assert!(
        office_html.contains("<th scope=\"row\">Nadia Kabongo</th>"),
        "{office_name}: {office_html}"
    );
    let nadia = option_value(&page, "leavingManagerId", "Nadia Kabongo");

    // Leaving on the day of the appointment is refused; the day after, recorded.
    let before = head(&server).await;
    let (status, _, page) = send(
        &server,
        &format!("{path}/leave"),
        &cookie,
        &token,
        &[("leavingManagerId", &nadia), ("leavesOn", &day)],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(beside(&page, "leavesOn-error").contains("leaves after the day"));
    assert_eq!(head(&server).await, before, "nothing written");
    let (status, location, _) = send(
        &server,
        &format!("{path}/leave"),
        &cookie,
        &token,
        &[("leavingManagerId", &nadia), ("leavesOn", &tomorrow())],
    )
    .await;
    assert_eq!(
        (status, location.clone()),
        (
            303,
            format!(
                "/missions/MONUSCO/supervision?asOf={}&done=leave",
                tomorrow()
            )
        )
    );
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "supervision-done").contains("departure is recorded"));
    assert!(
        !section(&page, "id=\"leavingManagerId\"", "</select>").contains("Nadia Kabongo"),
        "no longer in post"
    );

    // A supervision ends: the CLA is then among the unsupervised; ending it again is refused.
    let (_, page) = get(&server, path, &cookie).await;
    let supervised = board(&server)
        .await
        .iter()
        .flat_map(|b| b["clas"].as_array().unwrap().clone())
        .map(|c| c["staffId"].as_str().unwrap().to_string())
        // Not listed among the unsupervised (the only links to a CLA's profile on the page).
        .find(|s| !page.contains(&format!("/staff/{s}\"")))
        .expect("a supervised CLA");
    let (status, location, _) = send(
        &server,
        &format!("{path}/end"),
        &cookie,
        &token,
        &[("endStaffId", &supervised), ("endOn", &day)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/MONUSCO/supervision?done=end")
    );
    let (_, page) = get(&server, &location, &cookie).await;
    assert!(beside(&page, "supervision-done").contains("supervision is ended"));
    let unsupervised = section(&page, "id=\"supervision-mission\"", "id=\"appoint\"");
    assert!(
        unsupervised.contains(&format!("/staff/{supervised}\"")),
        "now unsupervised"
    );
    let before = head(&server).await;
    let (status, _, page) = send(
        &server,
        &format!("{path}/end"),
        &cookie,
        &token,
        &[("endStaffId", &supervised), ("endOn", &day)],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(beside(&page, "endStaffId-error").contains("has no supervisor"));
    assert!(page.contains(&format!("value=\"{day}\"")), "kept as sent");
    assert_eq!(head(&server).await, before, "nothing written");

    // French.
    let (status, page) = get_in(&server, path, &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nommer un responsable") && page.contains("Mettre fin à un encadrement"));

    // MISSION_HR reads without the forms and is refused on posting; another mission's reader is
    // refused; nothing written.
    let before = head(&server).await;
    let hr = session(&server, mission_hr()).await;
    let (status, page) = get(&server, path, &hr).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("id=\"appoint\"") && !page.contains("id=\"leave\""));
    let hr_token = csrf(&page);
    for (form, fields) in [
        (
            "appoint",
            vec![
                ("fieldOfficeId", office.as_str()),
                ("managerName", "Intrus"),
                ("kind", "un-volunteer"),
                ("appointFrom", day.as_str()),
            ],
        ),
        (
            "end",
            vec![("endStaffId", supervised.as_str()), ("endOn", day.as_str())],
        ),
    ] {
        let (status, _, _) =
            send(&server, &format!("{path}/{form}"), &hr, &hr_token, &fields).await;
        assert_eq!(status, 403, "{form}");
    }
    let outsider = Principal::new(
        "ca-x",
        "Xavier Ailleurs",
        &[Role::CivilAffairs],
        &["UNMISS"],
    );
    let other = session(&server, outsider).await;
    let (status, _) = get(&server, path, &other).await;
    assert_eq!(status, 403);
    assert_eq!(head(&server).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_creates_a_mission_and_lands_on_its_set_up_page() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let admin = session(
        &server,
        Principal::new("admin-1", "Ada Admin", &[Role::Admin], &[]),
    )
    .await;
    let (status, home) = get(&server, "/", &admin).await;
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("href=\"/missions/new\""), "{home}");
    let (status, page) = get(&server, "/missions/new", &admin).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"create-mission\""));
    let size = wire(&server, "/missions/new", &admin).await;
    assert!(
        size <= 60 * 1024,
        "new mission page {size} bytes on the wire"
    );
    println!("wire: new mission page {size} bytes");
    assert!(
        page.contains("name=\"minimumClasPerBase\"") && page.contains("value=\"12\""),
        "the policy's inputs, at the default policy's figures: {page}"
    );
    let token = csrf(&page);
    let day = today();

    let before = head(&server).await;
    for (code, name, effective, id, words) in [
        (
            "unficyp",
            "UNFICYP",
            day.as_str(),
            "create-mission-code-error",
            "2 to 16 capital letters",
        ),
        (
            "MONUSCO",
            "Again",
            day.as_str(),
            "create-mission-code-error",
            "exists already",
        ),
        (
            "UNFICYP",
            " ",
            day.as_str(),
            "create-mission-name-error",
            "Fill this in",
        ),
        (
            "UNFICYP",
            "UNFICYP",
            "someday",
            "create-mission-effective-error",
            "Give a date",
        ),
    ] {
        let (status, _, page) = send(
            &server,
            "/missions/new",
            &admin,
            &token,
            &[
                ("code", code),
                ("name", name),
                ("country", "Cyprus"),
                ("effective", effective),
            ],
        )
        .await;
        assert_eq!(status, 400, "{id}: {page}");
        assert!(
            beside(&page, id).contains(words),
            "{id}: {}",
            beside(&page, id)
        );
        assert!(page.contains("value=\"Cyprus\""), "kept as sent");
        assert_eq!(head(&server).await, before, "{id}: nothing written");
    }
    // A policy out of bounds, and a figure that is no number: beside their inputs.
    for (value, words) in [("0", "between 1 and 50"), ("two", "whole number")] {
        let (status, _, page) = send(
            &server,
            "/missions/new",
            &admin,
            &token,
            &[
                ("code", "UNFICYP"),
                ("name", "UNFICYP"),
                ("country", "Cyprus"),
                ("effective", &day),
                ("minimumClasPerBase", value),
                ("deploymentModel", "co-located"),
            ],
        )
        .await;
        assert_eq!(status, 400, "{value}: {page}");
        let beside = beside(&page, "create-mission-minimumClasPerBase-error");
        assert!(beside.contains(words), "{value}: {beside}");
        assert_eq!(head(&server).await, before, "{value}: nothing written");
    }

    let (status, location, _) = send(
        &server,
        "/missions/new",
        &admin,
        &token,
        &[
            ("code", "UNFICYP"),
            ("name", "United Nations Peacekeeping Force in Cyprus"),
            ("country", "Cyprus"),
            ("effective", &day),
            ("minimumClasPerBase", "3"),
            ("deploymentModel", "co-located"),
            ("maxSpanOfControl", "8"),
            ("checkInIntervalHours", "12"),
            ("checkInGraceHours", "4"),
            ("fieldVisitIntervalDays", "30"),
            ("maxTourMonths", "24"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/missions/UNFICYP/setup?done=created")
    );
    let (status, page) = get(&server, &location, &admin).await;
    assert_eq!(status, 200, "{page}");
    assert!(beside(&page, "setup-done").contains("mission is created"));
    assert!(
        beside(&page, "setup-mission-name").contains("United Nations Peacekeeping Force in Cyprus")
    );
    assert!(page.contains("id=\"open-office\"") && page.contains("id=\"open-base\""));
    let policy = section(&page, "id=\"setup-policy\"", "</table>");
    assert!(
        policy.contains("<td>3</td>") && policy.contains("<td>8</td>"),
        "the policy as created: {policy}"
    );
    let (_, home) = get(&server, "/", &admin).await;
    assert!(
        home.contains("href=\"/missions/UNFICYP\""),
        "listed on the home page"
    );

    // French.
    let (status, page) = get_in(&server, "/missions/new", &admin, "fr").await;
    assert_eq!(status, 200);
    assert!(page.contains("Créer une mission") && page.contains("Existe à partir du"));

    // Who does not administer: no link, the form refused on GET and POST, nothing written.
    for who in [
        mission_manager(),
        Principal::new("hq-1", "Hana Reviewer", &[Role::HqReviewer], &[]),
    ] {
        let cookie = session(&server, who).await;
        let (_, home) = get(&server, "/", &cookie).await;
        assert!(!home.contains("/missions/new"));
        let (status, _) = get(&server, "/missions/new", &cookie).await;
        assert_eq!(status, 403);
        let (_, any) = get(&server, "/missions/MONUSCO", &cookie).await;
        let token = csrf(&any);
        let before = head(&server).await;
        let (status, _, _) = send(
            &server,
            "/missions/new",
            &cookie,
            &token,
            &[
                ("code", "MINURSO"),
                ("name", "MINURSO"),
                ("country", "Western Sahara"),
                ("effective", &day),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert_eq!(head(&server).await, before, "nothing written");
    }
}
