use chrono::NaiveDate;
use cla_platform::ErrorCode;
use cla_platform::decider::{given, given_date, given_on};

use super::*;
use crate::commands::CandidateStage as S;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn later() -> NaiveDate {
    day(2021, 3, 1)
}

fn place() -> PostPlace {
    PostPlace {
        mission_code: "MONUSCO".into(),
        field_office_id: "fo-1".into(),
        base_id: "b-1".into(),
    }
}

fn opened() -> StaffEvent {
    StaffEvent::VacancyOpened(contract::VacancyOpened {
        vacancy_id: "v-1".into(),
        mission_code: "MONUSCO".into(),
        field_office_id: "fo-1".into(),
        base_id: "b-1".into(),
        title: "Community Liaison Assistant".into(),
        required_languages: vec!["Swahili".into()],
        notes: String::new(),
    })
}

fn applied() -> StaffEvent {
    StaffEvent::CandidateApplied(contract::CandidateApplied {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        name: "Amani K.".into(),
        gender: Gender::Female as i32,
        languages: vec![contract::Language {
            language: "Swahili".into(),
            level: "NATIVE".into(),
        }],
    })
}

fn advanced(stage: S) -> StaffEvent {
    StaffEvent::CandidateAdvanced(contract::CandidateAdvanced {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        stage: stage_to_contract(stage) as i32,
    })
}

fn vetted() -> StaffEvent {
    StaffEvent::CandidateVetted(contract::CandidateVetted {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        notes: String::new(),
    })
}

fn appointment() -> Appointment {
    Appointment {
        kind: AppointmentKind::FixedTerm,
        start: day(2021, 4, 1),
        end: day(2022, 3, 31),
    }
}

fn offered() -> StaffEvent {
    StaffEvent::OfferMade(contract::OfferMade {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        grade: "GS-5".into(),
        appointment: Some(appointment_to_contract(&appointment())),
    })
}

fn accepted() -> StaffEvent {
    StaffEvent::OfferAccepted(contract::OfferAccepted {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
    })
}

fn through(stage: S) -> Vec<StaffEvent> {
    let mut events = vec![opened(), applied()];
    if stage >= S::Screened {
        events.push(advanced(S::Screened));
    }
    if stage >= S::Interviewed {
        events.push(advanced(S::Interviewed));
    }
    if stage >= S::Vetted {
        events.push(vetted());
    }
    if stage >= S::Offered {
        events.push(offered());
    }
    events
}

fn hire() -> VacancyCommand {
    VacancyCommand::Hire {
        candidate_id: "c-1".into(),
        staff_id: "s-1".into(),
        index_number: "123456".into(),
        effective: later(),
    }
}

#[test]
fn a_vacancy_opens_where_the_registry_knows_the_place() {
    let open = |place| VacancyCommand::Open {
        vacancy_id: "v-1".into(),
        place,
        title: " Community Liaison Assistant ".into(),
        required_languages: vec!["Swahili".into(), "Swahili".into()],
        notes: "".into(),
        effective: given_date(),
    };
    given::<VacancyDecider>(vec![])
        .when(open(Some(place())))
        .then(vec![opened()]);
    given::<VacancyDecider>(vec![])
        .when(open(None))
        .then_error_on(ErrorCode::NotFound, "baseId");
    given::<VacancyDecider>(vec![opened()])
        .when(open(Some(place())))
        .then_error_on(ErrorCode::Conflict, "vacancyId");
}

#[test]
fn candidates_apply_to_open_vacancies_once() {
    let apply = VacancyCommand::Apply {
        candidate_id: "c-1".into(),
        name: "Amani K.".into(),
        gender: Gender::Female,
        languages: vec![Language {
            language: "Swahili".into(),
            level: "native".into(),
        }],
        effective: later(),
    };
    given::<VacancyDecider>(vec![opened()])
        .when(apply.clone())
        .then(vec![applied()]);
    given::<VacancyDecider>(vec![opened(), applied()])
        .when(apply.clone())
        .then_error_on(ErrorCode::Conflict, "candidateId");
    let cancelled = StaffEvent::VacancyCancelled(contract::VacancyCancelled {
        vacancy_id: "v-1".into(),
        reason: "budget".into(),
    });
    given::<VacancyDecider>(vec![opened(), cancelled])
        .when(apply.clone())
        .then_error_on(ErrorCode::Conflict, "vacancyId");
    given::<VacancyDecider>(vec![])
        .when(apply)
        .then_error_on(ErrorCode::NotFound, "vacancyId");
    let bad_level = VacancyCommand::Apply {
        candidate_id: "c-2".into(),
        name: "X".into(),
        gender: Gender::Male,
        languages: vec![Language {
            language: "Lingala".into(),
            level: "SOME".into(),
        }],
        effective: later(),
    };
    given::<VacancyDecider>(vec![opened()])
        .when(bad_level)
        .then_error_on(ErrorCode::Validation, "languages.level");
}

#[test]
fn stages_move_only_along_the_pipeline() {
    let advance = |to| VacancyCommand::Advance {
        candidate_id: "c-1".into(),
        to,
        effective: later(),
    };
    given::<VacancyDecider>(through(S::Applied))
        .when(advance(S::Screened))
        .then(vec![advanced(S::Screened)]);
    given::<VacancyDecider>(through(S::Screened))
        .when(advance(S::Interviewed))
        .then(vec![advanced(S::Interviewed)]);
    // Skipping a stage, going back, or advancing past what `advance` covers is refused.
    given::<VacancyDecider>(through(S::Applied))
        .when(advance(S::Interviewed))
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(through(S::Interviewed))
        .when(advance(S::Screened))
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(through(S::Interviewed))
        .when(advance(S::Vetted))
        .then_error_on(ErrorCode::Validation, "stage");
    let vet = VacancyCommand::Vet {
        candidate_id: "c-1".into(),
        notes: "references checked".into(),
        effective: later(),
    };
    given::<VacancyDecider>(through(S::Screened))
        .when(vet.clone())
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(through(S::Interviewed))
        .when(vet)
        .then(vec![StaffEvent::CandidateVetted(
            contract::CandidateVetted {
                vacancy_id: "v-1".into(),
                candidate_id: "c-1".into(),
                notes: "references checked".into(),
            },
        )]);
    given::<VacancyDecider>(through(S::Applied))
        .when(advance(S::Screened).clone_with("c-9"))
        .then_error_on(ErrorCode::NotFound, "candidateId");
}

trait CloneWith {
    fn clone_with(&self, candidate: &str) -> Self;
}

impl CloneWith for VacancyCommand {
    fn clone_with(&self, candidate: &str) -> Self {
        match self.clone() {
            VacancyCommand::Advance { to, effective, .. } => VacancyCommand::Advance {
                candidate_id: candidate.into(),
                to,
                effective,
            },
            other => other,
        }
    }
}

#[test]
fn offers_need_vetting_and_valid_terms() {
    let offer = |grade: &str, appointment| VacancyCommand::Offer {
        candidate_id: "c-1".into(),
        grade: grade.into(),
        appointment,
        effective: later(),
    };
    given::<VacancyDecider>(through(S::Vetted))
        .when(offer("gs-5", appointment()))
        .then(vec![offered()]);
    given::<VacancyDecider>(through(S::Interviewed))
        .when(offer("GS-5", appointment()))
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(through(S::Vetted))
        .when(offer("GS-8", appointment()))
        .then_error_on(ErrorCode::Validation, "grade");
    let too_long = Appointment {
        kind: AppointmentKind::Temporary,
        start: day(2021, 4, 1),
        end: day(2022, 3, 31),
    };
    given::<VacancyDecider>(through(S::Vetted))
        .when(offer("NO-B", too_long))
        .then_error_on(ErrorCode::Validation, "appointment.end");
    let backwards = Appointment {
        kind: AppointmentKind::FixedTerm,
        start: day(2021, 4, 1),
        end: day(2021, 3, 31),
    };
    given::<VacancyDecider>(through(S::Vetted))
        .when(offer("NO-B", backwards))
        .then_error_on(ErrorCode::Validation, "appointment.end");
    let just_364 = Appointment {
        kind: AppointmentKind::Temporary,
        start: day(2021, 4, 1),
        end: day(2022, 3, 30),
    };
    given::<VacancyDecider>(through(S::Vetted))
        .when(offer("NO-B", just_364))
        .then(vec![StaffEvent::OfferMade(contract::OfferMade {
            vacancy_id: "v-1".into(),
            candidate_id: "c-1".into(),
            grade: "NO-B".into(),
            appointment: Some(appointment_to_contract(&just_364)),
        })]);
}

#[test]
fn hiring_needs_an_accepted_offer_and_fills_the_vacancy_in_one_decision() {
    given::<VacancyDecider>(through(S::Offered))
        .when(hire())
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(through(S::Interviewed))
        .when(hire())
        .then_error_on(ErrorCode::Conflict, "candidateId");
    let mut ready = through(S::Offered);
    ready.push(accepted());
    given::<VacancyDecider>(ready.clone())
        .when(hire())
        .then(vec![
            StaffEvent::CandidateHired(contract::CandidateHired {
                vacancy_id: "v-1".into(),
                candidate_id: "c-1".into(),
                staff_id: "s-1".into(),
                index_number: "123456".into(),
            }),
            StaffEvent::VacancyFilled(contract::VacancyFilled {
                vacancy_id: "v-1".into(),
                staff_id: "s-1".into(),
            }),
        ]);
    let declined = StaffEvent::OfferDeclined(contract::OfferDeclined {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        reason: "".into(),
    });
    let mut gone = through(S::Offered);
    gone.push(declined);
    given::<VacancyDecider>(gone)
        .when(hire())
        .then_error_on(ErrorCode::Conflict, "candidateId");
    // A filled vacancy hires no one else.
    let mut filled = ready;
    filled.push(StaffEvent::VacancyFilled(contract::VacancyFilled {
        vacancy_id: "v-1".into(),
        staff_id: "s-0".into(),
    }));
    given::<VacancyDecider>(filled)
        .when(hire())
        .then_error_on(ErrorCode::Conflict, "vacancyId");
}

#[test]
fn candidates_leave_the_pipeline_from_any_stage_before_hire_and_only_once() {
    let reject = VacancyCommand::Reject {
        candidate_id: "c-1".into(),
        reason: "affiliation".into(),
        effective: later(),
    };
    given::<VacancyDecider>(through(S::Interviewed))
        .when(reject.clone())
        .then(vec![StaffEvent::CandidateRejected(
            contract::CandidateRejected {
                vacancy_id: "v-1".into(),
                candidate_id: "c-1".into(),
                at_stage: events::Stage::Interviewed as i32,
                reason: "affiliation".into(),
            },
        )]);
    let mut rejected = through(S::Interviewed);
    rejected.push(StaffEvent::CandidateRejected(contract::CandidateRejected {
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        at_stage: events::Stage::Interviewed as i32,
        reason: "".into(),
    }));
    let withdraw = VacancyCommand::Withdraw {
        candidate_id: "c-1".into(),
        reason: "".into(),
        effective: later(),
    };
    given::<VacancyDecider>(rejected.clone())
        .when(withdraw)
        .then_error_on(ErrorCode::Conflict, "candidateId");
    given::<VacancyDecider>(rejected)
        .when(VacancyCommand::Vet {
            candidate_id: "c-1".into(),
            notes: "".into(),
            effective: later(),
        })
        .then_error(ErrorCode::Conflict);
}

#[test]
fn nothing_takes_effect_before_the_vacancy_existed() {
    given_on::<VacancyDecider>(vec![(day(2021, 2, 1), opened())])
        .when(VacancyCommand::Cancel {
            reason: "budget".into(),
            effective: day(2021, 1, 31),
        })
        .then_error_on(ErrorCode::Validation, "effective");
}

fn new_staff() -> NewStaff {
    NewStaff {
        place: Some(place()),
        vacancy_id: "v-1".into(),
        candidate_id: "c-1".into(),
        name: "Amani K.".into(),
        gender: Gender::Female,
        languages: vec![Language {
            language: "Swahili".into(),
            level: "NATIVE".into(),
        }],
        home_community: "Kamango".into(),
        index_number: "123456".into(),
        grade: "GS-5".into(),
        appointment: appointment(),
    }
}

fn onboarded() -> Vec<StaffEvent> {
    StaffDecider::decide(
        &StaffCommand::Onboard {
            staff_id: "s-1".into(),
            staff: Box::new(new_staff()),
            effective: given_date(),
        },
        &StaffState::default(),
        &StaffContext::default(),
    )
    .unwrap()
}

fn event(e: StaffEvent) -> Vec<StaffEvent> {
    let mut events = onboarded();
    events.push(e);
    events
}

#[test]
fn staff_lifecycle_moves_only_as_allowed_and_separation_is_final() {
    let activate = StaffCommand::Activate { effective: later() };
    let suspend = StaffCommand::Suspend {
        reason: "inquiry".into(),
        effective: later(),
    };
    let reinstate = StaffCommand::Reinstate {
        reason: "cleared".into(),
        effective: later(),
    };
    let separate = StaffCommand::Separate {
        reason: SeparationReason::Resigned,
        notes: "".into(),
        effective: later(),
    };
    let active = event(StaffEvent::StaffActivated(contract::StaffActivated {
        staff_id: "s-1".into(),
    }));
    let mut suspended = active.clone();
    suspended.push(StaffEvent::StaffSuspended(contract::StaffSuspended {
        staff_id: "s-1".into(),
        reason: "inquiry".into(),
    }));
    let mut separated = active.clone();
    separated.push(StaffEvent::StaffSeparated(contract::StaffSeparated {
        staff_id: "s-1".into(),
        reason: SeparationReason::Resigned as i32,
        notes: "".into(),
    }));

    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(activate.clone())
        .then(active[active.len() - 1..].to_vec());
    given::<StaffDecider>(active.clone())
        .with(StaffContext::default())
        .when(activate)
        .then_error_on(ErrorCode::Conflict, "staffId");
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(suspend.clone())
        .then_error_on(ErrorCode::Conflict, "staffId");
    given::<StaffDecider>(active.clone())
        .with(StaffContext::default())
        .when(suspend)
        .then(suspended[suspended.len() - 1..].to_vec());
    given::<StaffDecider>(active.clone())
        .with(StaffContext::default())
        .when(reinstate.clone())
        .then_error(ErrorCode::Conflict);
    given::<StaffDecider>(suspended)
        .with(StaffContext::default())
        .when(reinstate.clone())
        .then(vec![StaffEvent::StaffReinstated(
            contract::StaffReinstated {
                staff_id: "s-1".into(),
                reason: "cleared".into(),
            },
        )]);
    given::<StaffDecider>(active)
        .with(StaffContext::default())
        .when(separate.clone())
        .then(separated[separated.len() - 1..].to_vec());
    for after in [
        separate,
        reinstate,
        StaffCommand::ChangeGrade {
            grade: "GS-6".into(),
            effective: later(),
        },
    ] {
        given::<StaffDecider>(separated.clone())
            .with(StaffContext::default())
            .when(after)
            .then_error_on(ErrorCode::Conflict, "staffId");
    }
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(StaffCommand::Separate {
            reason: SeparationReason::Unspecified,
            notes: "".into(),
            effective: later(),
        })
        .then_error_on(ErrorCode::Validation, "reason");
}

#[test]
fn onboarding_checks_the_record() {
    let onboard = |s: NewStaff| StaffCommand::Onboard {
        staff_id: "s-1".into(),
        staff: Box::new(s),
        effective: given_date(),
    };
    let refuse = |change: fn(&mut NewStaff), field: &str| {
        let mut s = new_staff();
        change(&mut s);
        given::<StaffDecider>(vec![])
            .with(StaffContext::default())
            .when(onboard(s))
            .then_error_on(ErrorCode::Validation, field);
    };
    refuse(|s| s.name = " ".into(), "name");
    refuse(|s| s.grade = "P-3".into(), "grade");
    refuse(|s| s.index_number = "12".into(), "indexNumber");
    refuse(|s| s.gender = Gender::Unspecified, "gender");
    refuse(
        |s| s.appointment.end = s.appointment.start.pred_opt().unwrap(),
        "appointment.end",
    );
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(onboard(new_staff()))
        .then_error_on(ErrorCode::Conflict, "staffId");
    let mut nowhere = new_staff();
    nowhere.place = None;
    given::<StaffDecider>(vec![])
        .with(StaffContext::default())
        .when(onboard(nowhere))
        .then_error_on(ErrorCode::NotFound, "baseId");
}

#[test]
fn changes_are_not_back_dated_before_the_staff_member_existed() {
    let onboarded_on = day(2021, 4, 1);
    let events: Vec<_> = onboarded().into_iter().map(|e| (onboarded_on, e)).collect();
    given_on::<StaffDecider>(events)
        .with(StaffContext::default())
        .when(StaffCommand::ChangeGrade {
            grade: "GS-6".into(),
            effective: day(2021, 3, 31),
        })
        .then_error_on(ErrorCode::Validation, "effective");
}

#[test]
fn renewals_grades_and_index_numbers() {
    let renewal = Appointment {
        kind: AppointmentKind::FixedTerm,
        start: day(2022, 4, 1),
        end: day(2024, 3, 31),
    };
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(StaffCommand::RenewAppointment {
            appointment: renewal,
            effective: later(),
        })
        .then(vec![StaffEvent::AppointmentRenewed(
            contract::AppointmentRenewed {
                staff_id: "s-1".into(),
                appointment: Some(appointment_to_contract(&renewal)),
            },
        )]);
    let shorter = Appointment {
        kind: AppointmentKind::FixedTerm,
        start: day(2021, 4, 1),
        end: day(2022, 1, 31),
    };
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(StaffCommand::RenewAppointment {
            appointment: shorter,
            effective: later(),
        })
        .then_error_on(ErrorCode::Validation, "appointment.end");
    given::<StaffDecider>(onboarded())
        .with(StaffContext::default())
        .when(StaffCommand::ChangeGrade {
            grade: "GS-5".into(),
            effective: later(),
        })
        .then(vec![]);
    let change = StaffCommand::ChangeIndexNumber {
        index_number: "654321".into(),
        effective: later(),
    };
    given::<StaffDecider>(onboarded())
        .with(StaffContext {
            index_holder: Some("someone-else".into()),
        })
        .when(change.clone())
        .then_error_on(ErrorCode::Conflict, "indexNumber");
    given::<StaffDecider>(onboarded())
        .with(StaffContext {
            index_holder: Some("s-1".into()),
        })
        .when(change)
        .then(vec![StaffEvent::IndexNumberChanged(
            contract::IndexNumberChanged {
                staff_id: "s-1".into(),
                index_number: "654321".into(),
            },
        )]);
}

#[test]
fn an_index_number_is_held_by_one_current_staff_member() {
    let claim = |who: &str| {
        (
            "123456".to_string(),
            IndexNumberCommand::Claim {
                staff_id: who.into(),
            },
        )
    };
    let claimed = StaffEvent::IndexNumberClaimed(contract::IndexNumberClaimed {
        index_number: "123456".into(),
        staff_id: "s-1".into(),
    });
    given::<IndexNumberDecider>(vec![])
        .when(claim("s-1"))
        .then(vec![claimed.clone()]);
    given::<IndexNumberDecider>(vec![claimed.clone()])
        .when(claim("s-1"))
        .then(vec![]);
    given::<IndexNumberDecider>(vec![claimed.clone()])
        .when(claim("s-2"))
        .then_error_on(ErrorCode::Conflict, "indexNumber");
    let released = StaffEvent::IndexNumberReleased(contract::IndexNumberReleased {
        index_number: "123456".into(),
        staff_id: "s-1".into(),
    });
    given::<IndexNumberDecider>(vec![claimed.clone()])
        .when((
            "123456".to_string(),
            IndexNumberCommand::Release {
                staff_id: "s-1".into(),
            },
        ))
        .then(vec![released.clone()]);
    given::<IndexNumberDecider>(vec![claimed, released])
        .when(claim("s-2"))
        .then(vec![StaffEvent::IndexNumberClaimed(
            contract::IndexNumberClaimed {
                index_number: "123456".into(),
                staff_id: "s-2".into(),
            },
        )]);
    given::<IndexNumberDecider>(vec![])
        .when((
            "1".to_string(),
            IndexNumberCommand::Claim {
                staff_id: "s-1".into(),
            },
        ))
        .then_error_on(ErrorCode::Validation, "indexNumber");
}
