//! The staffing actions' pages over plain HTTP (no JavaScript), on the real server with the demo
//! loaded: each form renders; a form posted without its token, with a date that is not a date,
//! an absence ending before it starts or a CLA nobody knows writes nothing (the store's head is
//! the same) and says why beside the field; the two-per-base rule's refusal in words, in English
//! and French, and accepting the gap (a reason required); readers who may not act are refused.

mod web_client;

mod actions_support;

use actions_support::{
    BaseOfTwo, base_of_two, board, cla_staffing, cla_staffing_in, planned_rotations,
};
use cla_e2e::TestServer;
use cla_platform::{Principal, Role};
use serde_json::Value;
use web_client::*;

fn manager() -> Principal {
    Principal::new(
        "ca-beni",
        "Béatrice Manager",
        &[Role::CivilAffairs],
        &["MONUSCO"],
    )
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn english(d: chrono::NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    use chrono::Datelike;
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

async fn head(server: &TestServer) -> Option<cla_event_store::Position> {
    server.written_head().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_refuse_in_words_write_nothing_when_refused_and_accept_a_gap_with_a_reason() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let BaseOfTwo {
        id: base_id,
        name: base_name,
        leaving,
        staying,
        other: other_base,
    } = base_of_two(&server).await;
    let cookie = session(&server, manager()).await;

    // Every form renders, with what it needs to choose from; the link's choices preselected;
    // within the budget on the wire with its assets (the mission's ~200 CLAs in a select).
    let (_, first) = get(&server, "/missions/MONUSCO/actions/absence", &cookie).await;
    let mut asset_bytes = 0;
    for (i, _) in first.match_indices("/assets/") {
        let asset = first[i..].split('"').next().unwrap();
        asset_bytes += wire(&server, asset, &cookie).await;
    }
    assert!(asset_bytes > 0, "a stylesheet and a script");
    for (path, fields) in [
        (
            format!("/missions/MONUSCO/actions/deploy?base={base_id}"),
            vec!["staffId", "baseId", "from"],
        ),
        (
            format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}"),
            vec!["staffId", "on", "reason"],
        ),
        (
            format!("/missions/MONUSCO/actions/plan-rotation?staff={staying}"),
            vec!["staffId", "toBaseId", "date"],
        ),
        (
            format!("/missions/MONUSCO/actions/complete-rotation?staff={staying}"),
            vec!["rotationId", "on"],
        ),
        (
            format!("/missions/MONUSCO/actions/cancel-rotation?staff={staying}"),
            vec!["rotationId", "reason"],
        ),
        (
            format!("/missions/MONUSCO/actions/absence?staff={staying}"),
            vec!["staffId", "kind", "from", "to"],
        ),
        (
            "/missions/MONUSCO/actions/absence".to_string(),
            vec!["staffId", "kind", "from", "to"],
        ),
    ] {
        let (status, page) = get(&server, &path, &cookie).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(
            page.contains("<form class=\"action\" method=\"post\""),
            "{path}"
        );
        for field in fields {
            assert!(
                page.contains(&format!("name=\"{field}\"")),
                "{path} has {field}"
            );
            assert!(
                page.contains(&format!("<label for=\"{field}\"")),
                "{path} labels {field}"
            );
        }
        assert!(!page.contains("id=\"action-refused\""), "{path}");
        let total = wire(&server, &path, &cookie).await + asset_bytes;
        println!("bytes on the wire: {path}: {total} with its assets (budget 61440)");
        assert!(total <= 60 * 1024, "{path}: {total} bytes");
    }
    let (_, page) = get(
        &server,
        &format!("/missions/MONUSCO/actions/deploy?base={base_id}"),
        &cookie,
    )
    .await;
    assert!(
        page.contains(&format!("<option value=\"{base_id}\" selected>")),
        "the base preselected"
    );
    let (_, page) = get(
        &server,
        &format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}"),
        &cookie,
    )
    .await;
    assert!(page.contains(&format!("<option value=\"{leaving}\" selected>")));
    assert!(
        page.contains(&format!("value=\"{}\"", today())),
        "today's date offered"
    );
    let token = csrf(&page);
    let end = format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}");
    let today_text = today().to_string();

    // Without the token: refused, nothing written.
    let before = head(&server).await;
    for form in [
        vec![("staffId", leaving.as_str()), ("on", today_text.as_str())],
        vec![
            ("staffId", leaving.as_str()),
            ("on", today_text.as_str()),
            ("csrf", "forged-token-forged"),
        ],
    ] {
        let (status, _, page) = post(&server, &end, &cookie, &form).await;
        assert_eq!(status, 403, "{form:?}");
        assert!(page.contains("Nothing was changed"), "{page}");
    }
    for action in [
        "deploy",
        "end-deployment",
        "plan-rotation",
        "complete-rotation",
        "cancel-rotation",
        "absence",
    ] {
        let path = format!("/missions/MONUSCO/actions/{action}");
        let (status, _, _) = post(&server, &path, &cookie, &[("staffId", leaving.as_str())]).await;
        assert_eq!(status, 403, "{path} without its token");
    }
    assert_eq!(
        head(&server).await,
        before,
        "nothing written without the token"
    );

    // A date that is not a date: the form again, the message beside the date, as filled.
    let (status, _, page) = post(
        &server,
        &end,
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &leaving),
            ("on", "31/12/2026x"),
            ("reason", "end of tour"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(beside(&page, "on-error").contains("Enter a date"), "{page}");
    assert!(page.contains("value=\"31/12/2026x\""), "kept as filled");
    assert!(page.contains("value=\"end of tour\""), "kept as filled");
    assert!(page.contains("aria-describedby=\"on-error\""));

    // An absence that ends before it starts: the rule, beside the end date.
    let absence = "/missions/MONUSCO/actions/absence";
    let (from, to) = (
        (today() + chrono::Duration::days(10)).to_string(),
        (today() + chrono::Duration::days(9)).to_string(),
    );
    let (status, _, page) = post(
        &server,
        absence,
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &staying),
            ("kind", "leave"),
            ("from", &from),
            ("to", &to),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(
        beside(&page, "to-error"),
        "An absence ends on or after the day it starts."
    );

    // A CLA nobody knows: beside the CLA.
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/actions/deploy",
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", "nobody-at-all"),
            ("baseId", &base_id),
            ("from", &today_text),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(
        beside(&page, "staffId-error"),
        "This CLA is not on this mission's roster."
    );
    // Nothing chosen at all: each field says so.
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/actions/deploy",
        &cookie,
        &[("csrf", &token), ("from", "")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(beside(&page, "staffId-error"), "Choose one.");
    assert_eq!(beside(&page, "baseId-error"), "Choose one.");
    assert!(beside(&page, "from-error").contains("Enter a date"));
    assert_eq!(head(&server).await, before, "nothing written by bad input");

    // The two-per-base rule: ending one of two is refused, in words, with the offer to accept.
    let ending = [
        ("csrf", token.as_str()),
        ("staffId", leaving.as_str()),
        ("on", today_text.as_str()),
        ("reason", "end of contract"),
    ];
    let (status, _, page) = post(&server, &end, &cookie, &ending).await;
    assert_eq!(status, 400, "{page}");
    let sentence = format!(
        "This would leave {base_name} with 1 CLA on {} (minimum 2).",
        english(today())
    );
    assert_eq!(beside(&page, "acceptGap-error"), sentence);
    assert!(page.contains("name=\"acceptGap\""));
    assert!(page.contains("name=\"gapReason\""));
    assert!(page.contains("Nothing was changed."));
    // In French, with the French date.
    let french = format!("{cookie}; cla_lang=fr");
    let (status, _, page) = post(&server, &end, &french, &ending).await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "acceptGap-error"),
        format!(
            "{base_name} n’aurait plus qu’un seul CLA le {} (minimum 2).",
            today().format("%d/%m/%Y")
        )
    );
    assert!(page.contains("Accepter le manque d’effectif"));
    assert_eq!(
        head(&server).await,
        before,
        "nothing written by the refusal"
    );

    // Accepting without a reason: refused, beside the reason, the gap still said.
    let mut accepting = ending.to_vec();
    accepting.push(("acceptGap", "yes"));
    accepting.push(("gapReason", "   "));
    let (status, _, page) = post(&server, &end, &cookie, &accepting).await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(
        beside(&page, "gapReason-error"),
        "To accept the gap, say why."
    );
    assert_eq!(beside(&page, "acceptGap-error"), sentence);
    assert!(
        page.contains("value=\"yes\" checked"),
        "the box stays ticked"
    );
    assert_eq!(head(&server).await, before);

    // With a reason: done, and back to the board, which says so and shows the base below two.
    accepting.pop();
    accepting.push(("gapReason", "replacement arrives next week"));
    let (status, location, _) = post(&server, &end, &cookie, &accepting).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/missions/MONUSCO/board?done=end-deployment");
    assert_ne!(head(&server).await, before, "written");
    assert_eq!(cla_staffing(&server, &leaving).await["baseId"], Value::Null);
    let row = board(&server)
        .await
        .into_iter()
        .find(|r| r["baseId"] == base_id.as_str())
        .unwrap();
    assert_eq!(row["effectiveStrength"], 1);
    let (status, page) = get(&server, &location, &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("The deployment is ended."), "{page}");

    // Deploy them back, from today: the deploy form offers them now.
    let (_, page) = get(
        &server,
        &format!("/missions/MONUSCO/actions/deploy?base={base_id}"),
        &cookie,
    )
    .await;
    assert!(
        page.contains(&format!("<option value=\"{leaving}\">")),
        "offered"
    );
    let (status, location, page) = post(
        &server,
        "/missions/MONUSCO/actions/deploy",
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &leaving),
            ("baseId", &base_id),
            ("from", &today_text),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(location, "/missions/MONUSCO/board?done=deploy");
    assert_eq!(
        cla_staffing(&server, &leaving).await["baseId"],
        base_id.as_str()
    );

    // Deploying them again: already deployed, in words.
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/actions/deploy",
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &leaving),
            ("baseId", &other_base),
            ("from", &today_text),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        beside(&page, "staffId-error").contains(&format!("is already deployed at {base_name}")),
        "{page}"
    );

    // Plan a rotation, then cancel it.
    let in_a_month = (today() + chrono::Duration::days(30)).to_string();
    let (status, location, page) = post(
        &server,
        "/missions/MONUSCO/actions/plan-rotation",
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &staying),
            ("toBaseId", &other_base),
            ("date", &in_a_month),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(location, "/missions/MONUSCO/board?done=plan-rotation");
    let planned = planned_rotations(&server, &staying).await;
    assert_eq!(planned.len(), 1, "{planned:?}");
    let planned = planned[0].clone();
    let cancel =
        format!("/missions/MONUSCO/actions/cancel-rotation?staff={staying}&rotation={planned}");
    let (status, page) = get(&server, &cancel, &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("<option value=\"{planned}\" selected>")));
    let (status, location, page) = post(
        &server,
        &cancel,
        &cookie,
        &[
            ("csrf", &token),
            ("rotationId", &planned),
            ("reason", "not needed"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(location, "/missions/MONUSCO/board?done=cancel-rotation");
    let rotations = cla_staffing(&server, &staying).await["rotations"].clone();
    assert!(
        rotations
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == planned.as_str() && r["state"] == "CANCELLED"),
        "{rotations}"
    );
    // Cancelled twice: said in words.
    let (status, _, page) = post(
        &server,
        &cancel,
        &cookie,
        &[("csrf", &token), ("rotationId", &planned)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        beside(&page, "rotationId-error"),
        "This rotation was cancelled."
    );

    // Plan another and complete it today: it takes one of two away, so the gap is offered; accepted.
    let (status, _, page) = post(
        &server,
        "/missions/MONUSCO/actions/plan-rotation",
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &staying),
            ("toBaseId", &other_base),
            ("date", &in_a_month),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let second = planned_rotations(&server, &staying).await;
    assert_eq!(second.len(), 1, "{second:?}");
    let complete = format!(
        "/missions/MONUSCO/actions/complete-rotation?staff={staying}&rotation={}",
        second[0]
    );
    let (status, page) = get(&server, &complete, &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("<option value=\"{}\" selected>", second[0])));
    let completing = [
        ("csrf", token.as_str()),
        ("rotationId", second[0].as_str()),
        ("on", today_text.as_str()),
    ];
    let (status, _, page) = post(&server, &complete, &cookie, &completing).await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(beside(&page, "acceptGap-error"), sentence);
    let mut accepting = completing.to_vec();
    accepting.push(("acceptGap", "yes"));
    accepting.push(("gapReason", "the other base needs a Lingala speaker"));
    let (status, location, page) = post(&server, &complete, &cookie, &accepting).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(location, "/missions/MONUSCO/board?done=complete-rotation");
    assert_eq!(
        cla_staffing(&server, &staying).await["baseId"],
        other_base.as_str(),
        "rotated"
    );

    // Record an absence, in the future: the board as of its first day.
    let absences = cla_staffing_in(&server, &staying, 40).await["absences"]
        .as_array()
        .unwrap()
        .len();
    let (from, to) = (
        (today() + chrono::Duration::days(40)).to_string(),
        (today() + chrono::Duration::days(44)).to_string(),
    );
    let (status, location, page) = post(
        &server,
        absence,
        &cookie,
        &[
            ("csrf", &token),
            ("staffId", &staying),
            ("kind", "training"),
            ("from", &from),
            ("to", &to),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(
        location,
        format!("/missions/MONUSCO/board?asOf={from}&done=absence")
    );
    let after = cla_staffing_in(&server, &staying, 40).await["absences"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, absences + 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_who_may_not_act_see_the_refusal_and_nothing_is_written() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let BaseOfTwo {
        id: base_id,
        leaving,
        ..
    } = base_of_two(&server).await;
    let manager = session(&server, manager()).await;
    let (_, page) = get(&server, "/missions/MONUSCO/actions/deploy", &manager).await;
    let before = head(&server).await;

    let hq = Principal::new("hq-1", "Hana Reviewer", &[Role::HqReviewer], &[]);
    let hr = Principal::new("hr-1", "Hugo Personnel", &[Role::MissionHr], &["MONUSCO"]);
    let outsider = Principal::new(
        "ca-2",
        "Ousmane Ailleurs",
        &[Role::CivilAffairs],
        &["MINUSCA"],
    );
    for who in [hq, hr, outsider] {
        let cookie = session(&server, who.clone()).await;
        // They read the board, but no action page.
        for path in [
            format!("/missions/MONUSCO/actions/deploy?base={base_id}"),
            format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}"),
            "/missions/MONUSCO/actions/plan-rotation".to_string(),
            "/missions/MONUSCO/actions/complete-rotation".to_string(),
            "/missions/MONUSCO/actions/cancel-rotation".to_string(),
            "/missions/MONUSCO/actions/absence".to_string(),
        ] {
            let (status, page) = get(&server, &path, &cookie).await;
            assert_eq!(status, 403, "{} {path}: {page}", who.id);
            assert!(page.contains("class=\"refusal\""), "{page}");
            assert!(!page.contains("<form class=\"action\""), "no form");
        }
        // Posting, with their own token (the refusal page's frame carries it): the refusal
        // page, nothing written.
        let (_, refusal) = get(&server, "/missions/MONUSCO/actions/absence", &cookie).await;
        let token = csrf(&refusal);
        let (status, _, page) = post(
            &server,
            &format!("/missions/MONUSCO/actions/end-deployment?staff={leaving}"),
            &cookie,
            &[
                ("csrf", token.as_str()),
                ("staffId", leaving.as_str()),
                ("on", today().to_string().as_str()),
                ("acceptGap", "yes"),
                ("gapReason", "trying"),
            ],
        )
        .await;
        assert_eq!(status, 403, "{}: {page}", who.id);
        assert!(page.contains("class=\"refusal\""));
        assert_eq!(head(&server).await, before, "nothing written by {}", who.id);
    }

    // The manager of MONUSCO, on another mission's action page: refused.
    let (status, _) = get(&server, "/missions/MINUSCA/actions/absence", &manager).await;
    assert_eq!(status, 403);
    let (status, _, _) = post(
        &server,
        "/missions/MINUSCA/actions/absence",
        &manager,
        &[("csrf", csrf(&page).as_str()), ("staffId", &leaving)],
    )
    .await;
    assert_eq!(status, 403);
    // A CLA of this mission nobody knows, named by the link: not found.
    let (status, _) = get(
        &server,
        "/missions/MONUSCO/actions/end-deployment?staff=nobody-at-all",
        &manager,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(head(&server).await, before);
    server.stop().await;
}

/// The absence a CLA's staffing lists from `from`: its id and last day.
async fn absence_from(
    server: &TestServer,
    staff: &str,
    from: chrono::NaiveDate,
) -> Option<(String, String)> {
    cla_staffing_in(server, staff, 60).await["absences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["from"] == from.to_string())
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["to"].as_str().unwrap().to_string(),
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absence_is_cut_short_and_another_cancelled_from_the_profile_with_refusals_in_words() {
    let server = TestServer::start().await;
    server.load_demo().await.expect("an empty store");
    server.ready().await;
    let BaseOfTwo { staying, .. } = base_of_two(&server).await;
    let cookie = session(&server, manager()).await;
    let (from, to) = (
        today() + chrono::Duration::days(10),
        today() + chrono::Duration::days(20),
    );
    let (later_from, later_to) = (
        today() + chrono::Duration::days(30),
        today() + chrono::Duration::days(33),
    );
    let record = "/missions/MONUSCO/actions/absence";
    let (_, form) = get(&server, record, &cookie).await;
    for (a, b) in [(from, to), (later_from, later_to)] {
        let (status, _, page) = post(
            &server,
            record,
            &cookie,
            &[
                ("csrf", csrf(&form).as_str()),
                ("staffId", &staying),
                ("kind", "leave"),
                ("from", &a.to_string()),
                ("to", &b.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 303, "{page}");
    }
    let (id, _) = absence_from(&server, &staying, from)
        .await
        .expect("recorded");
    let (later, _) = absence_from(&server, &staying, later_from)
        .await
        .expect("recorded");

    // The profile links each absence not over to both forms, which offer it chosen.
    let profile = format!("/missions/MONUSCO/staff/{staying}");
    let (status, page) = get(&server, &profile, &cookie).await;
    assert_eq!(status, 200);
    let cut =
        format!("/missions/MONUSCO/actions/cut-absence-short?staff={staying}&amp;absence={id}");
    let cancel =
        format!("/missions/MONUSCO/actions/cancel-absence?staff={staying}&amp;absence={later}");
    assert!(page.contains(&cut), "{page}");
    assert!(page.contains(&cancel), "{page}");
    let cut = cut.replace("&amp;", "&");
    let cancel = cancel.replace("&amp;", "&");
    let (status, form) = get(&server, &cut, &cookie).await;
    assert_eq!(status, 200);
    assert!(
        form.contains(&format!("<option value=\"{id}\" selected")),
        "{form}"
    );
    assert!(form.contains("name=\"to\""), "{form}");
    let token = csrf(&form);

    // Cut short before it starts: refused beside the date, nothing written.
    let before = head(&server).await;
    let too_early = (from - chrono::Duration::days(1)).to_string();
    let (status, _, page) = post(
        &server,
        &cut,
        &cookie,
        &[
            ("csrf", token.as_str()),
            ("absenceId", &id),
            ("to", &too_early),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("id=\"to-error\""),
        "the refusal is beside the date: {page}"
    );
    assert_eq!(head(&server).await, before, "nothing written");
    // An absence nobody knows: refused, nothing written.
    let (status, _, page) = post(
        &server,
        &cut,
        &cookie,
        &[
            ("csrf", token.as_str()),
            ("absenceId", "no-such-absence"),
            ("to", &from.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 400, "{page}");
    assert_eq!(head(&server).await, before, "nothing written");
    // Without the token: refused, nothing written.
    let (status, _, _) = post(
        &server,
        &cut,
        &cookie,
        &[("absenceId", id.as_str()), ("to", &from.to_string())],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(head(&server).await, before, "nothing written");

    // Cut short to its third day, then the later one cancelled.
    let third = from + chrono::Duration::days(2);
    let (status, location, page) = post(
        &server,
        &cut,
        &cookie,
        &[
            ("csrf", token.as_str()),
            ("absenceId", &id),
            ("to", &third.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert!(location.contains("done=cut-absence-short"), "{location}");
    assert_eq!(
        absence_from(&server, &staying, from).await,
        Some((id.clone(), third.to_string()))
    );
    let (_, form) = get(&server, &cancel, &cookie).await;
    let (status, location, page) = post(
        &server,
        &cancel,
        &cookie,
        &[("csrf", csrf(&form).as_str()), ("absenceId", &later)],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    assert!(location.contains("done=cancel-absence"), "{location}");
    assert_eq!(
        absence_from(&server, &staying, later_from).await,
        None,
        "cancelled"
    );

    // In French too; and the cancelled absence is no longer offered.
    let (_, page) = get_in(&server, &profile, &cookie, "fr").await;
    assert!(
        !page.contains(&format!("absence={later}")),
        "no link to a cancelled absence"
    );
    let (_, form) = get_in(&server, &cut, &cookie, "fr").await;
    assert!(form.contains("Écourter l’absence"), "{form}");
    // An HQ reviewer may not: refused on the form.
    let hq = session(
        &server,
        Principal::new("hq-1", "Hana Quartier", &[Role::HqReviewer], &[]),
    )
    .await;
    let (status, _) = get(&server, &cut, &hq).await;
    assert_eq!(status, 403);
    server.stop().await;
}
