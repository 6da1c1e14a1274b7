//! The staff pages over plain HTTP (no JavaScript), on the real server with the demo loaded: the
//! directory's filters narrow the list and its counts; an HR officer registers staff members and
//! takes one through the lifecycle forms of the profile; every refusal comes back as the form,
//! 400, the reason beside its field, nothing written; readers who may not act are refused the
//! forms on GET and POST; another mission's reader is refused the pages; the home community only
//! where the reader may see it; French; every page within the budget.

mod web_client;

use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use web_client::*;

const DIRECTORY: &str = "/missions/MONUSCO/staff";
const NEW: &str = "/missions/MONUSCO/staff/new";
const HOME: &str = "Kasindi-Lubiriha (web test)";

fn hr() -> Principal {
    Principal::new("hr-1", "Honoré RH", &[Role::MissionHr], &["MONUSCO"])
}

fn day(n: i64) -> String {
    days_from_today(n).to_string()
}

async fn started() -> TestServer {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    server
}

/// The names linked in the directory's table, in order.
fn listed(page: &str) -> Vec<String> {
    if !page.contains("id=\"staff-list\"") {
        return Vec::new();
    }
    let table = section(page, "id=\"staff-list\"", "</table>");
    table
        .match_indices("<th scope=\"row\"><a href=\"/missions/MONUSCO/staff/")
        .map(|(i, _)| {
            let rest = &table[i + "<th scope=\"row\">".len()..];
            let start = rest.find("\">").unwrap() + 2;
            let rest = &rest[start..];
            rest[..rest.find("</a>").unwrap()].to_string()
        })
        .collect()
}

/// A count of the directory's counts table, as a number.
fn count(page: &str, id: &str) -> usize {
    beside(page, id)
        .replace([',', '\u{202f}', '\u{a0}', ' '], "")
        .parse()
        .unwrap()
}

/// The staff id in a Location such as `/missions/MONUSCO/staff/<id>?done=register`.
fn staff_of(location: &str) -> String {
    let rest = location
        .strip_prefix("/missions/MONUSCO/staff/")
        .unwrap_or_else(|| panic!("{location}"));
    rest.split(['?', '#', '/']).next().unwrap().to_string()
}

/// A registration as the new-staff form sends it, with `change` over the good values.
fn registration<'a>(
    token: &'a str,
    place: &'a str,
    name: &'a str,
    change: &[(&'a str, &'a str)],
) -> Vec<(&'a str, String)> {
    let mut form: Vec<(&str, String)> = vec![
        ("csrf", token.to_string()),
        ("place", place.to_string()),
        ("name", name.to_string()),
        ("gender", "female".into()),
        ("languages", "Swahili:NATIVE; Kinande:FLUENT".into()),
        ("homeCommunity", HOME.into()),
        ("indexNumber", String::new()),
        ("grade", "GS-4".into()),
        ("kind", "fixed-term".into()),
        ("start", day(0)),
        ("end", day(300)),
        ("effective", day(0)),
    ];
    for (k, v) in change {
        form.retain(|(name, _)| name != k);
        form.push((k, v.to_string()));
    }
    form
}

/// Inputs changed over a good registration.
type Change<'a> = &'a [(&'a str, &'a str)];

fn pairs<'a>(v: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Registers a staff member through the form: their id.
async fn register(
    server: &TestServer,
    cookie: &str,
    name: &str,
    index: &str,
    change: &[(&str, &str)],
) -> String {
    let (_, form) = get(server, NEW, cookie).await;
    let token = csrf(&form);
    let place = value_starting(&form, "base:");
    let mut fields = registration(&token, &place, name, change);
    fields.retain(|(k, _)| *k != "indexNumber");
    fields.push(("indexNumber", index.to_string()));
    let (status, location, page) = post(server, NEW, cookie, &pairs(&fields)).await;
    assert_eq!(status, 303, "{page}");
    staff_of(&location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_s_filters_narrow_the_list_and_its_counts() {
    let server = started().await;
    let cookie = session(&server, hr()).await;
    let soon = register(
        &server,
        &cookie,
        "Furaha Soon",
        "WEBS0001",
        &[("end", &day(20))],
    )
    .await;
    register(
        &server,
        &cookie,
        "Baraka Later",
        "WEBS0002",
        &[("gender", "male")],
    )
    .await;

    let (status, all) = get(&server, DIRECTORY, &cookie).await;
    assert_eq!(status, 200, "{all}");
    assert!(all.contains("href=\"/missions/MONUSCO/staff\"") && all.contains(">Staff<"));
    assert!(all.contains("id=\"staff-filters\"") && all.contains("method=\"get\""));
    let names = listed(&all);
    assert!(names.len() > 2, "the demo's staff and ours: {names:?}");
    assert_eq!(count(&all, "staff-count"), names.len());
    assert!(names.contains(&"Furaha Soon".to_string()), "{names:?}");
    assert!(all.contains(&format!("href=\"/missions/MONUSCO/staff/{soon}\"")));
    let by_status: usize = ["onboarding", "active", "suspended", "separated"]
        .iter()
        .map(|s| count(&all, &format!("staff-count-{s}")))
        .sum();
    assert_eq!(by_status, names.len(), "every one counted once by status");
    assert!(all.contains("as of"), "as of a date");

    // Each filter narrows the list, and the counts follow it.
    let women = count(&all, "staff-count-women");
    let (_, page) = get(&server, &format!("{DIRECTORY}?gender=female"), &cookie).await;
    assert_eq!(listed(&page).len(), women);
    assert!(women < names.len() && listed(&page).contains(&"Furaha Soon".to_string()));
    assert!(!listed(&page).contains(&"Baraka Later".to_string()));
    assert_eq!(count(&page, "staff-count-women"), women);

    let onboarding = count(&all, "staff-count-onboarding");
    let (_, page) = get(&server, &format!("{DIRECTORY}?status=onboarding"), &cookie).await;
    assert_eq!(listed(&page).len(), onboarding);
    assert!(onboarding >= 2 && onboarding < names.len());
    assert_eq!(count(&page, "staff-count-active"), 0);

    let select = section(&all, "id=\"staff-fieldOffice\"", "</select>");
    let office = select
        .split("value=\"")
        .nth(2)
        .and_then(|rest| rest.split('"').next())
        .expect("a field office to filter by")
        .to_string();
    let (_, page) = get(
        &server,
        &format!("{DIRECTORY}?fieldOffice={office}"),
        &cookie,
    )
    .await;
    let in_office = listed(&page);
    assert!(in_office.len() < names.len(), "{office}: {in_office:?}");
    assert_eq!(count(&page, "staff-count"), in_office.len());

    let (_, page) = get(&server, &format!("{DIRECTORY}?language=kinande"), &cookie).await;
    let speakers = listed(&page);
    assert!(speakers.contains(&"Furaha Soon".to_string()) && speakers.len() < names.len());
    let table = section(&page, "id=\"staff-list\"", "</table>");
    assert_eq!(table.matches("Kinande").count(), speakers.len());

    let (_, page) = get(&server, &format!("{DIRECTORY}?endingWithin=30"), &cookie).await;
    let ending = listed(&page);
    assert!(ending.contains(&"Furaha Soon".to_string()), "{ending:?}");
    assert!(!ending.contains(&"Baraka Later".to_string()));
    let (_, page) = get(
        &server,
        &format!("{DIRECTORY}?endingWithin=30&gender=male"),
        &cookie,
    )
    .await;
    assert!(
        !listed(&page).contains(&"Furaha Soon".to_string()),
        "filters combine"
    );

    // As of yesterday, neither of ours was registered yet.
    let (_, page) = get(&server, &format!("{DIRECTORY}?asOf={}", day(-1)), &cookie).await;
    assert!(!listed(&page).contains(&"Furaha Soon".to_string()));
    assert!(listed(&page).len() <= names.len() - 2);

    // A filter that is not one is said beside it (400), in English and in French.
    let (status, page) = get(&server, &format!("{DIRECTORY}?endingWithin=soon"), &cookie).await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "staff-endingWithin-error"),
        "Give a number of days from 0 to 3650."
    );
    let (status, page) = get(&server, &format!("{DIRECTORY}?endingWithin=99999"), &cookie).await;
    assert_eq!(status, 400, "the application layer's limit");
    assert!(page.contains("id=\"staff-endingWithin-error\""));
    let (status, page) = get_in(
        &server,
        &format!("{DIRECTORY}?status=retired"),
        &cookie,
        "fr",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "staff-status-error"),
        "Choisissez un statut dans la liste."
    );
    let (_, page) = get_in(&server, DIRECTORY, &cookie, "fr").await;
    assert!(
        page.contains("<h1>Personnel — MONUSCO, au "),
        "French title"
    );
    assert!(page.contains("Femmes") && listed(&page).len() == names.len());

    let first = value_starting(
        &section(&all, "id=\"staff-list\"", "</table>").replace("href=", "value="),
        "/missions/MONUSCO/staff/",
    );
    let (_, demo) = get(&server, &first, &cookie).await;
    assert!(
        demo.contains("id=\"staff-suspend\""),
        "a demo profile with its forms"
    );
    for path in [
        DIRECTORY.to_string(),
        NEW.to_string(),
        format!("{DIRECTORY}/{soon}"),
        first,
    ] {
        let bytes = wire(&server, &path, &cookie).await;
        println!("{path}: {bytes} bytes on the wire");
        assert!(bytes <= 60 * 1024, "{path}: {bytes} bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_registrations_say_why_beside_the_field_and_write_nothing() {
    let server = started().await;
    let cookie = session(&server, hr()).await;
    let (status, form) = get(&server, NEW, &cookie).await;
    assert_eq!(status, 200, "{form}");
    let token = csrf(&form);
    let place = value_starting(&form, "base:");
    let name = "Neema Refused";
    let cases: [(Change, &str, &str); 5] = [
        (
            &[("grade", "GS-9"), ("indexNumber", "WEBR0001")],
            "staff-new-grade-error",
            "A grade is GS-1 to GS-7 or NO-A to NO-E.",
        ),
        (
            &[("name", "  "), ("indexNumber", "WEBR0002")],
            "staff-new-name-error",
            "Give a name (at most 200 characters).",
        ),
        (
            &[("end", &day(-10)), ("indexNumber", "WEBR0003")],
            "staff-new-end-error",
            "An appointment ends on or after the day it starts.",
        ),
        (
            &[
                ("kind", "temporary"),
                ("end", &day(730)),
                ("indexNumber", "WEBR0004"),
            ],
            "staff-new-end-error",
            "A temporary appointment lasts at most 364 days: make it fixed-term, or end it sooner.",
        ),
        (
            &[("start", "12/03/2027"), ("indexNumber", "WEBR0005")],
            "staff-new-start-error",
            "Give a date (day, month, year).",
        ),
    ];
    for (change, id, words) in cases {
        let before = store_head(&server).await;
        let fields = registration(&token, &place, name, change);
        let (status, _, page) = post(&server, NEW, &cookie, &pairs(&fields)).await;
        assert_eq!(status, 400, "{change:?}");
        assert_eq!(beside(&page, id), words, "{change:?}");
        assert!(
            page.contains("id=\"staff-new-refused\""),
            "the form says not done"
        );
        assert!(page.contains(&escaped(HOME)), "the form as sent");
        assert!(page.contains(&format!("value=\"{place}\" selected")));
        assert_eq!(
            store_head(&server).await,
            before,
            "nothing written: {change:?}"
        );
    }
    let (_, page) = get(&server, &format!("{DIRECTORY}?language=kinande"), &cookie).await;
    assert!(
        !listed(&page).contains(&name.to_string()),
        "no one registered"
    );

    // In French, beside its field too.
    let french = format!("{cookie}; cla_lang=fr");
    let fields = registration(
        &token,
        &place,
        name,
        &[("grade", "GS-9"), ("indexNumber", "WEBR0006")],
    );
    let before = store_head(&server).await;
    let (status, _, page) = post(&server, NEW, &french, &pairs(&fields)).await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "staff-new-grade-error"),
        "Une classe va de GS-1 à GS-7 ou de NO-A à NO-E."
    );
    assert_eq!(store_head(&server).await, before);
}

/// Posts a lifecycle form of `staff`'s profile: status, Location, page.
async fn act(
    server: &TestServer,
    cookie: &str,
    staff: &str,
    step: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let path = format!("{DIRECTORY}/{staff}");
    let (_, page) = get(server, &path, cookie).await;
    let token = csrf(&page);
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    post(server, &format!("{path}/{step}"), cookie, &form).await
}

fn offered(profile: &str) -> Vec<&'static str> {
    [
        "activate",
        "suspend",
        "reinstate",
        "renew",
        "regrade",
        "index-number",
        "details",
        "separate",
    ]
    .into_iter()
    .filter(|s| profile.contains(&format!("id=\"staff-{s}\"")))
    .collect()
}

/// One lifecycle form as the test sends it: refused first (the inputs, what is said beside
/// which field), then done (the inputs, what the profile shows after it).
struct Round<'a> {
    step: &'a str,
    refused: Vec<(&'a str, String)>,
    beside: (&'a str, &'a str),
    done: Vec<(&'a str, String)>,
    shows: String,
    offered: &'a [&'a str],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_lifecycle_form_shows_on_the_profile_and_refusals_write_nothing() {
    let server = started().await;
    let cookie = session(&server, hr()).await;
    let other = register(&server, &cookie, "Amani Other", "WEBL0001", &[]).await;
    let staff = register(&server, &cookie, "Zawadi Lifecycle", "WEBL0002", &[]).await;
    let (_, profile) = get(&server, &format!("{DIRECTORY}/{staff}"), &cookie).await;
    assert!(profile.contains("onboarding") && profile.contains("id=\"staff-actions\""));
    let while_active = [
        "suspend",
        "renew",
        "regrade",
        "index-number",
        "details",
        "separate",
    ];
    assert_eq!(
        offered(&profile),
        [
            "activate",
            "renew",
            "regrade",
            "index-number",
            "details",
            "separate"
        ]
    );

    // Each form has an address of its own (the page a refusal comes back as).
    let (status, page) = get(&server, &format!("{DIRECTORY}/{staff}/renew"), &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"staff-renew-end\"") && page.contains("Zawadi Lifecycle"));
    let (status, _) = get(&server, &format!("{DIRECTORY}/{staff}/promote"), &cookie).await;
    assert_eq!(status, 404, "no such form");

    let on = || ("effective", day(0));
    let text = |k: &'static str, v: &str| (k, v.to_string());
    let rounds = [
        Round {
            step: "activate",
            refused: vec![("effective", day(-30))],
            beside: (
                "staff-activate-effective-error",
                "This date is before the staff member's record begins.",
            ),
            done: vec![on()],
            shows: ">Activated.<".into(),
            offered: &while_active,
        },
        Round {
            step: "suspend",
            refused: vec![text("reason", ""), on()],
            beside: (
                "staff-suspend-reason-error",
                "Give a reason (at most 2000 characters).",
            ),
            done: vec![text("reason", "inquiry"), on()],
            shows: "suspended".into(),
            offered: &[
                "reinstate",
                "renew",
                "regrade",
                "index-number",
                "details",
                "separate",
            ],
        },
        Round {
            step: "reinstate",
            refused: vec![text("reason", ""), on()],
            beside: (
                "staff-reinstate-reason-error",
                "Give a reason (at most 2000 characters).",
            ),
            done: vec![text("reason", "cleared"), on()],
            shows: ">Reinstated.<".into(),
            offered: &while_active,
        },
        Round {
            step: "renew",
            refused: vec![
                text("kind", "fixed-term"),
                ("start", day(0)),
                ("end", day(100)),
                on(),
            ],
            beside: (
                "staff-renew-end-error",
                "A renewal ends after the current appointment ends.",
            ),
            done: vec![
                text("kind", "fixed-term"),
                ("start", day(301)),
                ("end", day(700)),
                on(),
            ],
            shows: english_date(days_from_today(700)),
            offered: &while_active,
        },
        Round {
            step: "regrade",
            refused: vec![text("grade", "GS-9"), on()],
            beside: (
                "staff-regrade-grade-error",
                "A grade is GS-1 to GS-7 or NO-A to NO-E.",
            ),
            done: vec![text("grade", "NO-B"), on()],
            shows: "<dd>NO-B</dd>".into(),
            offered: &while_active,
        },
        Round {
            step: "index-number",
            refused: vec![text("indexNumber", "WEBL0001"), on()],
            beside: (
                "staff-index-number-indexNumber-error",
                "Index number WEBL0001 is held by a current staff member.",
            ),
            done: vec![text("indexNumber", "WEBL0099"), on()],
            shows: "<dd>WEBL0099</dd>".into(),
            offered: &while_active,
        },
        Round {
            step: "details",
            refused: vec![
                text("name", ""),
                text("languages", "Swahili:NATIVE"),
                text("homeCommunity", HOME),
                on(),
            ],
            beside: (
                "staff-details-name-error",
                "Give a name (at most 200 characters).",
            ),
            done: vec![
                text("name", "Zawadi Kavira"),
                text("languages", "Swahili:NATIVE; French:WORKING"),
                text("homeCommunity", HOME),
                on(),
            ],
            shows: "French (working)".into(),
            offered: &while_active,
        },
        Round {
            step: "separate",
            refused: vec![text("reason", ""), on()],
            beside: ("staff-separate-reason-error", "Choose one."),
            done: vec![text("reason", "resigned"), text("notes", ""), on()],
            shows: "separation is final".into(),
            offered: &[],
        },
    ];
    for round in &rounds {
        let (id, words) = round.beside;
        let before = store_head(&server).await;
        let (status, _, page) =
            act(&server, &cookie, &staff, round.step, &pairs(&round.refused)).await;
        assert_eq!(status, 400, "{}: {page}", round.step);
        assert_eq!(beside(&page, id), words, "{}", round.step);
        assert_eq!(
            store_head(&server).await,
            before,
            "{}: nothing written",
            round.step
        );

        let (status, location, page) =
            act(&server, &cookie, &staff, round.step, &pairs(&round.done)).await;
        assert_eq!(status, 303, "{}: {page}", round.step);
        let back = format!("{DIRECTORY}/{staff}?done={}", round.step);
        assert!(location.starts_with(&back), "{location}");
        let (status, profile) = get(&server, &location, &cookie).await;
        assert_eq!(status, 200);
        assert!(profile.contains("id=\"staff-done\""), "{}", round.step);
        assert!(
            profile.contains(&round.shows),
            "{}: {}",
            round.step,
            round.shows
        );
        assert_eq!(offered(&profile), round.offered, "{}", round.step);
    }
    let (_, profile) = get(&server, &format!("{DIRECTORY}/{staff}"), &cookie).await;
    assert!(profile.contains("Zawadi Kavira") && profile.contains("separated"));
    // The registration and every change are on the timeline, by whom.
    let timeline = section(&profile, "id=\"timeline\"", "</ol>");
    assert!(
        timeline.matches("hr-1").count() > rounds.len(),
        "{timeline}"
    );

    // The other staff member's number was never taken; a separated member's freed number is.
    let (_, page) = get(&server, &format!("{DIRECTORY}/{other}"), &cookie).await;
    assert!(page.contains("<dd>WEBL0001</dd>"));
    register(&server, &cookie, "Rehema Next", "WEBL0099", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_who_may_not_act_are_refused_and_see_only_what_they_may() {
    let server = started().await;
    let cookie = session(&server, hr()).await;
    let staff = register(&server, &cookie, "Imani Access", "WEBA0001", &[]).await;
    let profile = format!("{DIRECTORY}/{staff}");

    // The HR officer sees the home community; the civil affairs officer of the mission too.
    let (_, page) = get(&server, DIRECTORY, &cookie).await;
    assert!(page.contains(&escaped(HOME)) && page.contains("staff-register"));
    let ca = session(
        &server,
        Principal::new("ca-1", "Claire CA", &[Role::CivilAffairs], &["MONUSCO"]),
    )
    .await;
    let (status, page) = get(&server, DIRECTORY, &ca).await;
    assert_eq!(status, 200);
    assert!(page.contains(&escaped(HOME)), "civil affairs may see it");
    assert!(!page.contains("id=\"staff-register\""), "no register link");

    // The HQ reviewer reads the directory and the profile without it.
    let hq = session(
        &server,
        Principal::new("hq-1", "Hanna HQ", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, page) = get(&server, DIRECTORY, &hq).await;
    assert_eq!(status, 200);
    assert!(listed(&page).contains(&"Imani Access".to_string()));
    assert!(!page.contains(HOME) && !page.contains(&escaped(HOME)));
    assert!(page.contains("id=\"staff-home-withheld\""));
    let (status, page) = get(&server, &profile, &hq).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&escaped(HOME)) && !page.contains("id=\"staff-actions\""));

    // Neither may act: the forms refused on GET and POST, nothing written.
    for reader in [&ca, &hq] {
        let (_, page) = get(&server, DIRECTORY, reader).await;
        let token = csrf(&page);
        for path in [NEW.to_string(), format!("{profile}/activate")] {
            let (status, _) = get(&server, &path, reader).await;
            assert_eq!(status, 403, "{path}");
        }
        let before = store_head(&server).await;
        let (status, _, _) = post(
            &server,
            &format!("{profile}/activate"),
            reader,
            &[("csrf", &token), ("effective", &day(0))],
        )
        .await;
        assert_eq!(status, 403);
        let fields = registration(&token, "base:x", "Someone", &[("indexNumber", "WEBA0002")]);
        let (status, _, _) = post(&server, NEW, reader, &pairs(&fields)).await;
        assert_eq!(status, 403);
        assert_eq!(store_head(&server).await, before, "nothing written");
    }

    // Another mission's HR officer: the pages refused, nothing told, nothing written.
    let outsider = session(
        &server,
        Principal::new("hr-2", "Omar RH", &[Role::MissionHr], &["MINUSCA"]),
    )
    .await;
    for path in [DIRECTORY.to_string(), NEW.to_string(), profile.clone()] {
        let (status, page) = get(&server, &path, &outsider).await;
        assert_eq!(status, 403, "{path}");
        assert!(!page.contains("Imani Access"), "{path}");
    }
    let (_, page) = get(&server, DIRECTORY, &outsider).await;
    let before = store_head(&server).await;
    let (status, _, _) = post(
        &server,
        &format!("{profile}/suspend"),
        &outsider,
        &[
            ("csrf", &csrf(&page)),
            ("reason", "x"),
            ("effective", &day(0)),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(store_head(&server).await, before, "nothing written");

    // A form without its token is refused too.
    let (status, _, _) = post(
        &server,
        &format!("{profile}/activate"),
        &cookie,
        &[("csrf", "forged-token-000000"), ("effective", &day(0))],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(store_head(&server).await, before, "nothing written");
}
