use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_platform::decider::{given, given_date, given_on};

use super::*;
use crate::commands::{BaseDetailsPatch, StaffingPolicyChange};
use crate::events::default_policy;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn later() -> NaiveDate {
    day(2021, 6, 1)
}

fn change_policy(change: StaffingPolicyChange) -> MissionCommand {
    MissionCommand::ChangePolicy {
        change,
        effective: later(),
    }
}

fn policy_changed(policy: StaffingPolicy) -> RegistryEvent {
    RegistryEvent::MissionPolicyChanged(contract::MissionPolicyChanged {
        code: "MONUSCO".into(),
        policy: Some(policy),
    })
}

fn created() -> RegistryEvent {
    RegistryEvent::MissionCreated(contract::MissionCreated {
        code: "MONUSCO".into(),
        name: "Stabilization Mission in the DR Congo".into(),
        country: "DR Congo".into(),
        policy: Some(default_policy()),
    })
}

fn create(code: &str) -> MissionCommand {
    MissionCommand::Create {
        code: code.into(),
        name: " Stabilization Mission in the DR Congo ".into(),
        country: "DR Congo".into(),
        policy: default_policy(),
        effective: given_date(),
    }
}

#[test]
fn a_mission_is_created_with_trimmed_names() {
    given::<MissionDecider>(vec![])
        .when(create("MONUSCO"))
        .then(vec![created()]);
}

#[test]
fn a_mission_code_is_taken_once() {
    given::<MissionDecider>(vec![created()])
        .when(create("MONUSCO"))
        .then_error_on(ErrorCode::Conflict, "code");
}

#[test]
fn mission_codes_names_and_policies_are_checked() {
    for bad in ["monusco", "M", "1MONUSCO", "MON-USCO", "ABCDEFGHIJKLMNOPQ"] {
        given::<MissionDecider>(vec![])
            .when(create(bad))
            .then_error_on(ErrorCode::Validation, "code");
    }
    let mut command = create("MINUSCA");
    if let MissionCommand::Create { name, .. } = &mut command {
        *name = "   ".into();
    }
    given::<MissionDecider>(vec![])
        .when(command)
        .then_error_on(ErrorCode::Validation, "name");
    let mut policy = default_policy();
    policy.minimum_clas_per_base = 0;
    given::<MissionDecider>(vec![])
        .when(MissionCommand::Create {
            code: "MINUSCA".into(),
            name: "MINUSCA".into(),
            country: "CAR".into(),
            policy,
            effective: given_date(),
        })
        .then_error_on(ErrorCode::Validation, "minimumClasPerBase");
}

#[test]
fn a_policy_change_records_the_whole_policy_and_a_same_one_changes_nothing() {
    let mut policy = default_policy();
    policy.minimum_clas_per_base = 3;
    given::<MissionDecider>(vec![created()])
        .when(change_policy(StaffingPolicyChange {
            minimum_clas_per_base: Some(3),
            ..Default::default()
        }))
        .then(vec![policy_changed(policy)]);
    given::<MissionDecider>(vec![created()])
        .when(change_policy(StaffingPolicyChange {
            max_tour_months: Some(default_policy().max_tour_months),
            ..Default::default()
        }))
        .then(vec![]);
}

#[test]
fn a_policy_change_is_made_to_the_policy_it_is_decided_on() {
    // Given a policy another change has already made (span of control 8), when a change of only
    // the tour length is decided, then the recorded policy keeps the span of 8.
    let mut spanned = default_policy();
    spanned.max_span_of_control = 8;
    let first = policy_changed(spanned);
    let mut both = spanned;
    both.max_tour_months = 18;
    given::<MissionDecider>(vec![created(), first])
        .when(change_policy(StaffingPolicyChange {
            max_tour_months: Some(18),
            ..Default::default()
        }))
        .then(vec![policy_changed(both)]);
    // The merged policy is what is checked.
    given::<MissionDecider>(vec![created()])
        .when(change_policy(StaffingPolicyChange {
            minimum_clas_per_base: Some(0),
            ..Default::default()
        }))
        .then_error_on(ErrorCode::Validation, "minimumClasPerBase");
}

#[test]
fn a_base_details_change_is_made_to_the_base_it_is_decided_on_and_needs_no_office_to_stay() {
    // Given a base whose contingent another change has made PAKBATT, when a change of only its
    // name is decided (with no field office looked up: it stays where it is), then the contingent
    // stays PAKBATT.
    let contingent = details_changed("Kamango COB", "PAKBATT", 0);
    given::<BaseDecider>(vec![base_opened(), contingent])
        .when(BaseCommand::ChangeDetails {
            patch: BaseDetailsPatch {
                name: Some("Kamango TOB".into()),
                ..Default::default()
            },
            effective: later(),
        })
        .then(vec![details_changed("Kamango TOB", "PAKBATT", 0)]);
    // Moving it needs the office it moves to, and that office only.
    given::<BaseDecider>(vec![base_opened()])
        .with(with_office())
        .when(BaseCommand::ChangeDetails {
            patch: BaseDetailsPatch {
                field_office_id: Some("fo-2".into()),
                ..Default::default()
            },
            effective: later(),
        })
        .then_error_on(ErrorCode::NotFound, "fieldOfficeId");
}

#[test]
fn changes_to_an_unknown_mission_or_before_it_existed_are_refused() {
    given::<MissionDecider>(vec![])
        .when(MissionCommand::Rename {
            name: "X".into(),
            country: "Y".into(),
            effective: later(),
        })
        .then_error_on(ErrorCode::NotFound, "code");
    given_on::<MissionDecider>(vec![(day(2022, 1, 1), created())])
        .when(MissionCommand::Rename {
            name: "X".into(),
            country: "Y".into(),
            effective: day(2021, 12, 31),
        })
        .then_error_on(ErrorCode::Validation, "effective");
}

fn mission() -> Mission {
    MissionDecider::fold(&[(given_date(), created())])
        .0
        .unwrap()
}

fn office_opened() -> RegistryEvent {
    RegistryEvent::FieldOfficeOpened(contract::FieldOfficeOpened {
        field_office_id: "fo-1".into(),
        mission_code: "MONUSCO".into(),
        name: "Beni".into(),
    })
}

#[test]
fn a_field_office_opens_in_an_existing_mission() {
    let open = FieldOfficeCommand::Open {
        field_office_id: "fo-1".into(),
        mission_code: "MONUSCO".into(),
        name: "Beni".into(),
        effective: given_date(),
    };
    given::<FieldOfficeDecider>(vec![])
        .with(FieldOfficeContext {
            mission: Some(mission()),
        })
        .when(open.clone())
        .then(vec![office_opened()]);
    given::<FieldOfficeDecider>(vec![])
        .when(open.clone())
        .then_error_on(ErrorCode::NotFound, "missionCode");
    given::<FieldOfficeDecider>(vec![office_opened()])
        .with(FieldOfficeContext {
            mission: Some(mission()),
        })
        .when(open)
        .then_error_on(ErrorCode::Conflict, "fieldOfficeId");
}

#[test]
fn a_field_office_is_renamed() {
    given::<FieldOfficeDecider>(vec![office_opened()])
        .when(FieldOfficeCommand::Rename {
            name: "Beni-Butembo".into(),
            effective: later(),
        })
        .then(vec![RegistryEvent::FieldOfficeRenamed(
            contract::FieldOfficeRenamed {
                field_office_id: "fo-1".into(),
                name: "Beni-Butembo".into(),
            },
        )]);
    given::<FieldOfficeDecider>(vec![])
        .when(FieldOfficeCommand::Rename {
            name: "X".into(),
            effective: later(),
        })
        .then_error_on(ErrorCode::NotFound, "fieldOfficeId");
}

fn office() -> FieldOffice {
    FieldOfficeDecider::fold(&[(given_date(), office_opened())])
        .0
        .unwrap()
}

fn with_office() -> BaseContext {
    BaseContext {
        field_office: Some(office()),
    }
}

fn details() -> BaseDetails {
    BaseDetails {
        name: "Kamango COB".into(),
        kind: BaseKind::CompanyOperatingBase,
        field_office_id: "fo-1".into(),
        contingent: "NEPBATT".into(),
        local_languages: vec!["Swahili".into(), "Kinande".into(), "Swahili".into()],
        alert_network_working: true,
        minimum_override: None,
    }
}

fn base_opened() -> RegistryEvent {
    RegistryEvent::BaseOpened(contract::BaseOpened {
        base_id: "b-1".into(),
        mission_code: "MONUSCO".into(),
        field_office_id: "fo-1".into(),
        name: "Kamango COB".into(),
        kind: BaseKind::CompanyOperatingBase as i32,
        contingent: "NEPBATT".into(),
        local_languages: vec!["Swahili".into(), "Kinande".into()],
        alert_network_working: true,
        minimum_override: 0,
    })
}

/// Kamango's details changed to `name`, `contingent` and `minimum_override` (the rest as opened).
fn details_changed(name: &str, contingent: &str, minimum_override: u32) -> RegistryEvent {
    RegistryEvent::BaseDetailsChanged(contract::BaseDetailsChanged {
        base_id: "b-1".into(),
        name: name.into(),
        kind: BaseKind::CompanyOperatingBase as i32,
        contingent: contingent.into(),
        local_languages: vec!["Swahili".into(), "Kinande".into()],
        alert_network_working: true,
        minimum_override,
        field_office_id: "fo-1".into(),
    })
}

fn open_base() -> BaseCommand {
    BaseCommand::Open {
        base_id: "b-1".into(),
        details: details(),
        effective: later(),
    }
}

#[test]
fn a_base_opens_under_a_field_office_of_its_mission() {
    given::<BaseDecider>(vec![])
        .with(with_office())
        .when(open_base())
        .then(vec![base_opened()]);
    given::<BaseDecider>(vec![])
        .when(open_base())
        .then_error_on(ErrorCode::NotFound, "fieldOfficeId");
    given::<BaseDecider>(vec![base_opened()])
        .with(with_office())
        .when(open_base())
        .then_error_on(ErrorCode::Conflict, "baseId");
}

#[test]
fn base_details_are_checked() {
    let refuse = |change: fn(&mut BaseDetails), field: &str| {
        let mut d = details();
        change(&mut d);
        given::<BaseDecider>(vec![])
            .with(with_office())
            .when(BaseCommand::Open {
                base_id: "b-2".into(),
                details: d,
                effective: later(),
            })
            .then_error_on(ErrorCode::Validation, field);
    };
    refuse(|d| d.name = " ".into(), "name");
    refuse(|d| d.minimum_override = Some(0), "minimumOverride");
    refuse(|d| d.kind = BaseKind::Unspecified, "kind");
    refuse(|d| d.local_languages = vec!["".into()], "localLanguages");
}

#[test]
fn a_base_closes_only_through_closing_and_once() {
    let closing = RegistryEvent::BaseClosingStarted(contract::BaseClosingStarted {
        base_id: "b-1".into(),
        mission_code: "MONUSCO".into(),
        reason: "contingent withdraws".into(),
    });
    let closed = RegistryEvent::BaseClosed(contract::BaseClosed {
        base_id: "b-1".into(),
        mission_code: "MONUSCO".into(),
        reason: "withdrawn".into(),
    });
    let close = || BaseCommand::Close {
        reason: "withdrawn".into(),
        effective: later(),
    };
    given::<BaseDecider>(vec![base_opened()])
        .when(BaseCommand::StartClosing {
            reason: "contingent withdraws".into(),
            effective: later(),
        })
        .then(vec![closing.clone()]);
    given::<BaseDecider>(vec![base_opened()])
        .when(close())
        .then_error_on(ErrorCode::Conflict, "baseId");
    given::<BaseDecider>(vec![base_opened(), closing.clone()])
        .when(close())
        .then(vec![closed.clone()]);
    given::<BaseDecider>(vec![base_opened(), closing.clone(), closed.clone()])
        .when(close())
        .then_error_on(ErrorCode::Conflict, "baseId");
    given::<BaseDecider>(vec![base_opened(), closing.clone()])
        .when(BaseCommand::StartClosing {
            reason: "again".into(),
            effective: later(),
        })
        .then_error(ErrorCode::Conflict);
    given::<BaseDecider>(vec![base_opened(), closing.clone(), closed.clone()])
        .with(with_office())
        .when(BaseCommand::ChangeDetails {
            patch: details().into(),
            effective: later(),
        })
        .then_error(ErrorCode::Conflict);
    given::<BaseDecider>(vec![base_opened(), closing])
        .when(BaseCommand::CancelClosing {
            reason: "contingent stays".into(),
            effective: later(),
        })
        .then(vec![RegistryEvent::BaseClosingCancelled(
            contract::BaseClosingCancelled {
                base_id: "b-1".into(),
                reason: "contingent stays".into(),
            },
        )]);
    given::<BaseDecider>(vec![])
        .when(close())
        .then_error_on(ErrorCode::NotFound, "baseId");
}

#[test]
fn base_changes_stay_in_its_mission_and_after_its_opening() {
    let mut elsewhere = office();
    elsewhere.id = "fo-9".into();
    elsewhere.mission_code = "MINUSCA".into();
    let moved = BaseDetailsPatch {
        field_office_id: Some("fo-9".into()),
        ..Default::default()
    };
    given::<BaseDecider>(vec![base_opened()])
        .with(BaseContext {
            field_office: Some(elsewhere),
        })
        .when(BaseCommand::ChangeDetails {
            patch: moved,
            effective: later(),
        })
        .then_error_on(ErrorCode::Validation, "fieldOfficeId");
    given_on::<BaseDecider>(vec![(day(2021, 6, 1), base_opened())])
        .with(with_office())
        .when(BaseCommand::ChangeDetails {
            patch: details().into(),
            effective: day(2021, 5, 31),
        })
        .then_error_on(ErrorCode::Validation, "effective");
    let override_three = BaseDetailsPatch {
        minimum_override: Some(Some(3)),
        ..Default::default()
    };
    let changed = given::<BaseDecider>(vec![base_opened()])
        .with(with_office())
        .when(BaseCommand::ChangeDetails {
            patch: override_three,
            effective: later(),
        })
        .then(vec![details_changed("Kamango COB", "NEPBATT", 3)]);
    let state = BaseDecider::fold(&[(given_date(), base_opened()), (later(), changed[0].clone())]);
    assert_eq!(state.0.unwrap().details.minimum_override, Some(3));
}
