//! The recruitment pages over plain HTTP (no JavaScript), on the real server with the demo
//! loaded: an HR officer opens a vacancy and takes a candidate along the pipeline; a refused
//! form (a grade that is no grade, a step out of order, a date that is not a date) says why
//! beside its field, in English and French, and writes nothing; another mission's HR officer
//! and the HQ reviewer are refused the forms on GET and POST; every page within the budget.

mod web_client;

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use web_client::*;

fn hr() -> Principal {
    Principal::new("hr-1", "Honoré RH", &[Role::MissionHr], &["MONUSCO"])
}

async fn head(server: &TestServer) -> Option<cla_event_store::Position> {
    server.written_head().await
}

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The first option of the open-vacancy form's place that is a base.
fn a_base(page: &str) -> String {
    let at = page
        .find("value=\"base:")
        .expect("a base to open a post at");
    let rest = &page[at + "value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The id in a Location such as `/missions/MONUSCO/recruitment/<id>?done=open`.
fn vacancy_of(location: &str) -> String {
    let rest = location
        .strip_prefix("/missions/MONUSCO/recruitment/")
        .unwrap_or_else(|| panic!("{location}"));
    rest.split(['?', '#']).next().unwrap().to_string()
}

/// The candidates' ids on a pipeline page, in the order of their cards.
fn candidates(page: &str) -> Vec<String> {
    page.match_indices("id=\"c-")
        .map(|(i, _)| {
            let rest = &page[i + "id=\"c-".len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hr_officer_moves_a_candidate_and_refusals_say_why_and_write_nothing() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let cookie = session(&server, hr()).await;

    // The vacancies page: the figures, vacancies by status, a link to open one.
    let (status, list) = get(&server, "/missions/MONUSCO/recruitment", &cookie).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("id=\"recruit-facts\"") && list.contains("id=\"recruit-open\""));
    assert!(
        list.contains("href=\"/missions/MONUSCO/recruitment\""),
        "the nav link"
    );
    assert!(list.contains(">Recruitment<"));

    // Opening a vacancy: a date that is not a date is refused beside it, nothing written.
    let (status, form) = get(&server, "/missions/MONUSCO/recruitment/open", &cookie).await;
    assert_eq!(status, 200, "{form}");
    let token = csrf(&form);
    let base = a_base(&form);
    let before = head(&server).await;
    let title = "Community Liaison Assistant (web test)";
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/recruitment/open",
        &cookie,
        &[
            ("csrf", &token),
            ("place", &base),
            ("title", title),
            ("effective", "soon"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "open-effective-error"),
        "Give a date (day, month, year)."
    );
    assert!(page.contains(&escaped(title)), "the form as sent");
    assert_eq!(head(&server).await, before, "nothing written");

    let (status, location, _) = post(
        &server,
        "/missions/MONUSCO/recruitment/open",
        &cookie,
        &[
            ("csrf", &token),
            ("place", &base),
            ("title", title),
            ("requiredLanguages", "Swahili"),
            ("effective", &today()),
        ],
    )
    .await;
    assert_eq!(status, 303, "opened");
    let vacancy = vacancy_of(&location);
    let path = format!("/missions/MONUSCO/recruitment/{vacancy}");

    // A candidate applies.
    let (status, location, _) = post(
        &server,
        &format!("{path}/candidates"),
        &cookie,
        &[
            ("csrf", &token),
            ("name", "Espérance Kahindo"),
            ("gender", "female"),
            ("languages", "Swahili:NATIVE; French:WORKING"),
            ("effective", &today()),
        ],
    )
    .await;
    assert_eq!(
        (status, location.starts_with(&path)),
        (303, true),
        "{location}"
    );
    let (_, pipeline) = get(&server, &path, &cookie).await;
    let ids = candidates(&pipeline);
    assert_eq!(ids.len(), 1, "one card");
    let c = &ids[0];
    let applied = section(&pipeline, "id=\"stage-0\"", "</section>");
    assert!(
        applied.contains("Espérance Kahindo"),
        "in the Applied column"
    );
    let step = |s: &str| format!("{path}/candidates/{c}/{s}");

    // Out of order: an offer to a candidate who has only applied is refused in words.
    let before = head(&server).await;
    let offer = |grade: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("grade", grade.to_string()),
            ("kind", "fixed-term".to_string()),
            ("start", today()),
            ("end", "2099-01-01".to_string()),
            ("effective", today()),
        ]
    };
    let sent = offer("GS-5");
    let (status, _, page) = post(&server, &step("offer"), &cookie, &as_pairs(&sent)).await;
    assert_eq!(status, 400, "{page}");
    let refusal = beside(&page, &format!("{c}-offer-refused"));
    assert!(refusal.is_empty() || refusal.contains("Not done"));
    assert!(
        page.contains("Espérance Kahindo is at Applied; this step needs Vetted (candidates move only along the pipeline)."),
        "the rule in words"
    );
    assert_eq!(head(&server).await, before, "nothing written");
    let (status, _, page) =
        get_in_post_fr(&server, &step("offer"), &cookie, &as_pairs(&sent)).await;
    assert_eq!(status, 400);
    assert!(
        page.contains(&escaped("Espérance Kahindo en est à l’étape « Candidature » ; cette action demande l’étape « Vérification » (les candidats n’avancent que dans l’ordre).")),
        "in French"
    );
    assert_eq!(head(&server).await, before, "nothing written");

    // Along the pipeline: screened, interviewed, vetted.
    for (s, form) in [
        ("advance", vec![("to", "screened")]),
        ("advance", vec![("to", "interviewed")]),
        (
            "vetting",
            vec![("result", "passed"), ("notes", "references checked")],
        ),
    ] {
        let mut f = vec![("csrf", token.as_str()), ("effective", "")];
        let day = today();
        f[1].1 = &day;
        f.extend(form);
        let (status, location, page) = post(&server, &step(s), &cookie, &f).await;
        assert_eq!(status, 303, "{s}: {page}");
        assert!(location.contains(&format!("#c-{c}")), "{location}");
    }
    let (_, pipeline) = get(&server, &path, &cookie).await;
    assert!(
        section(&pipeline, "id=\"stage-3\"", "</section>").contains("Espérance Kahindo"),
        "vetted"
    );
    assert!(
        !pipeline.contains("references checked"),
        "vetting notes are shown nowhere"
    );

    // A grade that is no grade: beside the grade, nothing written.
    let before = head(&server).await;
    let sent = offer("GS-9");
    let (status, _, page) = post(&server, &step("offer"), &cookie, &as_pairs(&sent)).await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, &format!("{c}-offer-grade-error")),
        "A grade is GS-1 to GS-7 or NO-A to NO-E."
    );
    assert!(page.contains("value=\"GS-9\""), "as sent");
    assert_eq!(head(&server).await, before, "nothing written");

    // The offer, its acceptance, the hire.
    let sent = offer("GS-5");
    let (status, _, page) = post(&server, &step("offer"), &cookie, &as_pairs(&sent)).await;
    assert_eq!(status, 303, "{page}");
    let d = today();
    let (status, _, page) = post(
        &server,
        &step("answer"),
        &cookie,
        &[("csrf", &token), ("answer", "accepted"), ("effective", &d)],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let (status, _, page) = post(
        &server,
        &step("hire"),
        &cookie,
        &[
            ("csrf", &token),
            ("indexNumber", "77001234"),
            ("homeCommunity", "Butembo"),
            ("effective", &d),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let (_, pipeline) = get(&server, &path, &cookie).await;
    assert!(
        section(&pipeline, "id=\"stage-5\"", "</section>").contains("Espérance Kahindo"),
        "hired"
    );
    assert!(beside(&pipeline, "recruit-status").contains("Filled"));
    assert!(
        pipeline.contains("/missions/MONUSCO/staff/"),
        "a link to the new staff member"
    );
    assert!(
        !pipeline.contains("Butembo"),
        "the home community is not on this page"
    );

    // The budget, in both languages.
    for p in [
        "/missions/MONUSCO/recruitment",
        path.as_str(),
        "/missions/MONUSCO/recruitment/open",
    ] {
        let bytes = wire(&server, p, &cookie).await;
        println!("{p}: {bytes} bytes on the wire");
        assert!(bytes > 500 && bytes <= 60 * 1024, "{p}: {bytes}");
    }
    let (status, fr) = get_in(&server, "/missions/MONUSCO/recruitment", &cookie, "fr").await;
    assert_eq!(status, 200);
    assert!(fr.contains(">Recrutement<") && fr.contains("Postes budgétés"));
    assert!(!fr.contains('⟦'));
    // The candidate's languages, their levels in the reader's words.
    let (_, en) = get(&server, &path, &cookie).await;
    assert!(en.contains("Swahili (native), French (working)"), "{en}");
    let (_, fr) = get_in(&server, &path, &cookie, "fr").await;
    assert!(fr.contains("Swahili (langue maternelle)"), "{fr}");
}

/// A form posted by a browser asking for French.
async fn get_in_post_fr(
    server: &TestServer,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = client()
        .post(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .header("accept-language", "fr")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, String::new(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_not_act_is_refused_the_forms_and_another_mission_the_pages() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let cookie = session(&server, hr()).await;
    let (_, form) = get(&server, "/missions/MONUSCO/recruitment/open", &cookie).await;
    let (_, location, _) = post(
        &server,
        "/missions/MONUSCO/recruitment/open",
        &cookie,
        &[
            ("csrf", &csrf(&form)),
            ("place", &a_base(&form)),
            ("title", "CLA"),
            ("effective", &today()),
        ],
    )
    .await;
    let vacancy = vacancy_of(&location);
    let path = format!("/missions/MONUSCO/recruitment/{vacancy}");

    let hq = Principal::new("hq-1", "Hanna HQ", &[Role::HqReviewer], &[]);
    let outsider = Principal::new("hr-2", "Omar RH", &[Role::MissionHr], &["MINUSCA"]);
    let ca = Principal::new("ca-1", "Claire CA", &[Role::CivilAffairs], &["MONUSCO"]);

    // The HQ reviewer and the mission's civil affairs read, with no forms; refused the forms.
    for who in [hq, ca] {
        let c = session(&server, who.clone()).await;
        let (status, page) = get(&server, &path, &c).await;
        assert_eq!(status, 200, "{}", who.id);
        assert!(page.contains("id=\"recruit-no-forms\"") && !page.contains("id=\"add-name\""));
        let token = csrf(&page);
        let (status, page) = get(&server, "/missions/MONUSCO/recruitment/open", &c).await;
        assert_eq!(status, 403, "{page}");
        let (status, _) = get(&server, &format!("{path}/cancel"), &c).await;
        assert_eq!(status, 403);
        let before = head(&server).await;
        let (status, _, _) = post(
            &server,
            &format!("{path}/cancel"),
            &c,
            &[("csrf", &token), ("reason", "no"), ("effective", &today())],
        )
        .await;
        assert_eq!(status, 403);
        let (status, _, _) = post(
            &server,
            &format!("{path}/candidates"),
            &c,
            &[
                ("csrf", &token),
                ("name", "X"),
                ("gender", "male"),
                ("effective", &today()),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert_eq!(head(&server).await, before, "nothing written");
    }

    // Another mission's HR officer: the pages and the forms refused, and the vacancy's name is
    // not told.
    let c = session(&server, outsider).await;
    for p in [
        "/missions/MONUSCO/recruitment",
        path.as_str(),
        "/missions/MONUSCO/recruitment/open",
    ] {
        let (status, page) = get(&server, p, &c).await;
        assert_eq!(status, 403, "{p}");
        assert!(!page.contains("CLA</"), "{p}");
    }
    let (_, page) = get(&server, "/missions/MONUSCO/recruitment", &c).await;
    let before = head(&server).await;
    let (status, _, _) = post(
        &server,
        &format!("{path}/candidates"),
        &c,
        &[
            ("csrf", &csrf(&page)),
            ("name", "X"),
            ("gender", "male"),
            ("effective", &today()),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(head(&server).await, before, "nothing written");
}

fn as_pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
