//! The application layer alone decides access: outsiders are refused, and the home community is
//! withheld from who may not see it, with no GraphQL in between.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use cla_event_store::{EmbeddedStore, EventStore};
use cla_platform::projection::ProjectionHub;
use cla_platform::timeline::View;
use cla_platform::view_spec::History;
use cla_platform::{ErrorCode, Principal, Restricted, Role, Runtime};
use cla_registry::RegistryView;

use super::*;
use crate::events::{StaffEvent as E, contract as c};

fn who(role: Role, missions: &[&str]) -> Principal {
    Principal::new(format!("{}-user", role.as_str()), "U", &[role], missions)
}

fn app() -> (StaffApp, Arc<dyn EventStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let staff = Arc::new(StaffView::default());
    let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    History::new()
        .event(
            "vacancy-v1",
            on,
            E::VacancyOpened(c::VacancyOpened {
                vacancy_id: "v1".into(),
                mission_code: "ALPHA".into(),
                field_office_id: "f1".into(),
                base_id: "b1".into(),
                title: "CLA".into(),
                ..Default::default()
            }),
        )
        .event(
            "staff-s1",
            on,
            E::StaffMemberOnboarded(c::StaffMemberOnboarded {
                staff_id: "s1".into(),
                mission_code: "ALPHA".into(),
                field_office_id: "f1".into(),
                base_id: "b1".into(),
                name: "Amani K.".into(),
                gender: crate::events::Gender::Female as i32,
                home_community: "Beni".into(),
                index_number: "123456".into(),
                grade: "GS-4".into(),
                ..Default::default()
            }),
        )
        .apply_to(staff.as_ref());
    let runtime = Runtime {
        store: store.clone(),
        hub: ProjectionHub::new(store.clone(), vec![], None),
        metrics: Default::default(),
        settle_timeout: Duration::from_secs(1),
        states: Default::default(),
        personal: cla_platform::personal::PersonalData::disabled(),
    };
    let app = StaffApp::new(runtime, staff, Arc::new(RegistryView::default()));
    (app, store, dir)
}

fn any_day() -> View {
    View::on(NaiveDate::MAX)
}

#[tokio::test]
async fn the_home_community_is_shown_only_to_hr_civil_affairs_and_admin_of_the_mission() {
    let (app, _, _dir) = app();
    for shown in [
        who(Role::MissionHr, &["ALPHA"]),
        who(Role::CivilAffairs, &["ALPHA"]),
        who(Role::Admin, &[]),
    ] {
        let answer = app.staff_member(&shown, "s1", &any_day()).unwrap();
        assert_eq!(answer.home_community, Restricted::Shown("Beni".into()));
    }
    let hq = who(Role::HqReviewer, &[]);
    let answer = app.staff_member(&hq, "s1", &any_day()).unwrap();
    assert_eq!(answer.home_community, Restricted::Withheld);
    assert_eq!(
        answer.member.home_community, "",
        "the value is not in the answer"
    );
    assert_eq!(answer.member.name, "Amani K.");
    let e = answer
        .home_community
        .or_forbidden("homeCommunity")
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Forbidden, Some("homeCommunity"))
    );
}

#[tokio::test]
async fn another_missions_staff_read_and_change_nothing_here() {
    let (app, store, _dir) = app();
    let outsider = who(Role::CivilAffairs, &["BRAVO"]);
    let forbidden = |r: Result<(), AppError>| assert_eq!(r.unwrap_err().code, ErrorCode::Forbidden);
    forbidden(app.staff_member(&outsider, "s1", &any_day()).map(|_| ()));
    forbidden(app.vacancy(&outsider, "v1", &any_day()).map(|_| ()));
    forbidden(app.staff_history(&outsider, "s1", &any_day()).map(|_| ()));
    forbidden(
        app.staff_members(&outsider, "ALPHA", &StaffFilter::default(), &any_day())
            .map(|_| ()),
    );
    forbidden(
        app.recruitment_pipeline(&outsider, "ALPHA", &any_day())
            .map(|_| ()),
    );
    let outsider_hr = who(Role::MissionHr, &["BRAVO"]);
    let on = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    forbidden(
        app.suspend_staff(&outsider_hr, "s1", "absent".into(), on)
            .await
            .map(|_| ()),
    );
    forbidden(
        app.cancel_vacancy(&outsider_hr, "v1", "budget".into(), on)
            .await
            .map(|_| ()),
    );
    let hire = HireRequest {
        vacancy_id: "v1".into(),
        candidate_id: "c1".into(),
        index_number: "654321".into(),
        home_community: String::new(),
        effective: on,
    };
    forbidden(app.hire_candidate(&outsider_hr, hire).await.map(|_| ()));
    // Readers of the mission read, but do not write.
    let ca = who(Role::CivilAffairs, &["ALPHA"]);
    forbidden(app.activate_staff(&ca, "s1", on).await.map(|_| ()));
    assert_eq!(store.head().await.unwrap(), None, "nothing written");
}

#[test]
fn only_the_missions_hr_and_admin_may_change_its_recruitment() {
    let (app, _, _dir) = app();
    for refused in [
        who(Role::HqReviewer, &[]),
        who(Role::CivilAffairs, &["ALPHA"]),
        who(Role::MissionHr, &["BRAVO"]),
    ] {
        let e = app
            .may_change_recruitment(&refused, "ALPHA", &any_day())
            .expect_err("may not act");
        assert_eq!(e.code, ErrorCode::Forbidden, "{:?}", refused.roles);
    }
    // The mission's HR passes the role check; this registry knows no mission ALPHA, so the
    // answer is that it is not found, never a yes.
    let hr = who(Role::MissionHr, &["ALPHA"]);
    let e = app
        .may_change_recruitment(&hr, "ALPHA", &any_day())
        .expect_err("no such mission here");
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[test]
fn the_directory_combines_its_filters_with_appointments_ending_within_days() {
    use cla_registry::events::{RegistryEvent, contract as registry, default_policy};
    let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let member = |id: &str, office: &str, grade: &str, end: &str| {
        E::StaffMemberOnboarded(c::StaffMemberOnboarded {
            staff_id: id.into(),
            mission_code: "ALPHA".into(),
            field_office_id: office.into(),
            name: format!("Member {id}"),
            gender: crate::events::Gender::Female as i32,
            home_community: "Beni".into(),
            index_number: format!("IDX{id}"),
            grade: grade.into(),
            appointment: Some(c::Appointment {
                r#type: crate::events::AppointmentType::FixedTerm as i32,
                start: "2026-01-01".into(),
                end: end.into(),
            }),
            ..Default::default()
        })
    };
    let registry = Arc::new(RegistryView::default());
    History::new()
        .event(
            "mission-ALPHA",
            on,
            RegistryEvent::MissionCreated(registry::MissionCreated {
                code: "ALPHA".into(),
                name: "Alpha".into(),
                country: "Somewhere".into(),
                policy: Some(default_policy()),
            }),
        )
        .apply_to(registry.as_ref());
    let staff = Arc::new(StaffView::default());
    History::new()
        .event("staff-s1", on, member("s1", "f1", "GS-4", "2026-02-01"))
        .event("staff-s2", on, member("s2", "f1", "NO-B", "2026-12-31"))
        .event("staff-s3", on, member("s3", "f2", "GS-5", "2026-01-20"))
        .event("staff-s4", on, member("s4", "f1", "GS-3", "2026-01-15"))
        .event(
            "staff-s4",
            on,
            E::StaffSeparated(c::StaffSeparated {
                staff_id: "s4".into(),
                reason: crate::events::SeparationReason::Resigned as i32,
                notes: String::new(),
            }),
        )
        .apply_to(staff.as_ref());
    let (base, _, _dir) = app();
    let app = StaffApp::new(base.runtime.clone(), staff, registry);
    let hq = who(Role::HqReviewer, &[]);
    let view = View::on(NaiveDate::from_ymd_opt(2026, 1, 10).unwrap());
    let ids = |answers: Vec<StaffAnswer>| -> Vec<String> {
        answers.into_iter().map(|a| a.member.id).collect()
    };
    let all = app
        .staff_directory(&hq, "ALPHA", &StaffFilter::default(), None, &view)
        .unwrap();
    assert_eq!(all.len(), 4, "every member without a filter");
    assert!(all.iter().all(|a| a.home_community == Restricted::Withheld));
    let in_f1 = StaffFilter {
        field_office_id: Some("f1".into()),
        ..Default::default()
    };
    let ending = app
        .staff_directory(&hq, "ALPHA", &in_f1, Some(30), &view)
        .unwrap();
    assert_eq!(
        ids(ending),
        ["s1"],
        "in f1, ending within 30 days, not separated"
    );
    let ending = app
        .staff_directory(&hq, "ALPHA", &StaffFilter::default(), Some(30), &view)
        .unwrap();
    assert_eq!(ids(ending), ["s3", "s1"], "soonest first");
    let e = app
        .staff_directory(&hq, "ALPHA", &in_f1, Some(-1), &view)
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::Validation, Some("withinDays"))
    );
    let outsider = who(Role::MissionHr, &["BRAVO"]);
    let e = app
        .staff_directory(&outsider, "ALPHA", &in_f1, Some(30), &view)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
}
