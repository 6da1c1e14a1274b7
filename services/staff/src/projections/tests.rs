//! View specs: given these events, the pipeline reads so.

use chrono::NaiveDate;
use cla_platform::timeline::View;
use cla_platform::view_spec::{History, given};

use super::*;
use crate::commands::CandidateStage::{self, *};
use crate::events::{StaffEvent as E, contract as c};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn as_of(on: NaiveDate) -> View {
    View::on(on)
}

fn opened(id: &str, base: &str, office: &str) -> E {
    E::VacancyOpened(c::VacancyOpened {
        vacancy_id: id.into(),
        mission_code: "ALPHA".into(),
        field_office_id: office.into(),
        base_id: base.into(),
        title: "CLA".into(),
        ..Default::default()
    })
}

fn applied(v: &str, id: &str) -> E {
    E::CandidateApplied(c::CandidateApplied {
        vacancy_id: v.into(),
        candidate_id: id.into(),
        name: id.into(),
        gender: crate::events::Gender::Female as i32,
        languages: vec![],
    })
}

fn advanced(v: &str, id: &str, to: crate::events::Stage) -> E {
    E::CandidateAdvanced(c::CandidateAdvanced {
        vacancy_id: v.into(),
        candidate_id: id.into(),
        stage: to as i32,
    })
}

/// Three vacancies: one filled 20 days after opening (one of its two candidates rejected), one at
/// a field office still open, one cancelled.
fn recruitment() -> History {
    use crate::events::Stage as S;
    History::new()
        .event("vacancy-v1", day(1, 1), opened("v1", "b1", "f1"))
        .event("vacancy-v1", day(1, 2), applied("v1", "a"))
        .event("vacancy-v1", day(1, 3), applied("v1", "b"))
        .event("vacancy-v1", day(1, 5), advanced("v1", "a", S::Screened))
        .event(
            "vacancy-v1",
            day(1, 6),
            E::CandidateRejected(c::CandidateRejected {
                vacancy_id: "v1".into(),
                candidate_id: "b".into(),
                at_stage: S::Applied as i32,
                reason: String::new(),
            }),
        )
        .event(
            "vacancy-v1",
            day(1, 10),
            advanced("v1", "a", S::Interviewed),
        )
        .event("vacancy-v2", day(1, 10), opened("v2", "", "f1"))
        .event("vacancy-v3", day(1, 11), opened("v3", "b2", "f1"))
        .event(
            "vacancy-v1",
            day(1, 12),
            E::CandidateVetted(c::CandidateVetted {
                vacancy_id: "v1".into(),
                candidate_id: "a".into(),
                notes: String::new(),
            }),
        )
        .event(
            "vacancy-v1",
            day(1, 15),
            E::OfferMade(c::OfferMade {
                vacancy_id: "v1".into(),
                candidate_id: "a".into(),
                grade: "GS-4".into(),
                appointment: Some(c::Appointment {
                    r#type: crate::events::AppointmentType::FixedTerm as i32,
                    start: "2026-02-01".into(),
                    end: "2027-01-31".into(),
                }),
            }),
        )
        .event(
            "vacancy-v1",
            day(1, 16),
            E::OfferAccepted(c::OfferAccepted {
                vacancy_id: "v1".into(),
                candidate_id: "a".into(),
            }),
        )
        .event(
            "vacancy-v3",
            day(1, 20),
            E::VacancyCancelled(c::VacancyCancelled {
                vacancy_id: "v3".into(),
                reason: "budget cut".into(),
            }),
        )
        .event(
            "vacancy-v1",
            day(1, 21),
            E::CandidateHired(c::CandidateHired {
                vacancy_id: "v1".into(),
                candidate_id: "a".into(),
                staff_id: "s1".into(),
                index_number: "1234".into(),
            }),
        )
        .event(
            "vacancy-v1",
            day(1, 21),
            E::VacancyFilled(c::VacancyFilled {
                vacancy_id: "v1".into(),
                staff_id: "s1".into(),
            }),
        )
}

fn stages(counts: [(CandidateStage, usize, usize); 6]) -> Vec<StageCount> {
    counts
        .into_iter()
        .map(|(stage, reached, current)| StageCount {
            stage,
            reached,
            current,
        })
        .collect()
}

fn rates(rates: [Option<f64>; 5]) -> Vec<Conversion> {
    CandidateStage::ALL
        .windows(2)
        .zip(rates)
        .map(|(w, rate)| Conversion {
            from: w[0],
            to: w[1],
            rate,
        })
        .collect()
}

fn posts(place_id: &str, budgeted: usize, filled: usize, open: usize) -> PostCount {
    PostCount {
        place_id: place_id.into(),
        budgeted,
        filled,
        open,
    }
}

#[test]
fn the_pipeline_counts_posts_stages_conversion_and_time_to_fill() {
    let on = day(3, 20);
    given(recruitment()).then_view(
        &StaffView::default(),
        |p| pipeline("ALPHA", &p.vacancies("ALPHA", &as_of(on)), on),
        RecruitmentPipeline {
            mission_code: "ALPHA".into(),
            as_of: on,
            posts_budgeted: 2,
            posts_filled: 1,
            posts_open: 1,
            vacancy_rate: Some(0.5),
            mean_time_to_fill_days: Some(20.0),
            stages: stages([
                (Applied, 2, 0),
                (Screened, 1, 0),
                (Interviewed, 1, 0),
                (Vetted, 1, 0),
                (Offered, 1, 0),
                (Hired, 1, 1),
            ]),
            conversion: rates([Some(0.5), Some(1.0), Some(1.0), Some(1.0), Some(1.0)]),
            open_longer_than_60_days: 1,
            by_base: vec![posts("b1", 1, 1, 0)],
            by_field_office: vec![posts("f1", 2, 1, 1)],
        },
    );
}

#[test]
fn the_pipeline_as_of_an_earlier_day_sees_only_what_had_happened_by_then() {
    let on = day(1, 15);
    given(recruitment()).then_view(
        &StaffView::default(),
        |p| pipeline("ALPHA", &p.vacancies("ALPHA", &as_of(on)), on),
        RecruitmentPipeline {
            mission_code: "ALPHA".into(),
            as_of: on,
            posts_budgeted: 3,
            posts_filled: 0,
            posts_open: 3,
            vacancy_rate: Some(1.0),
            mean_time_to_fill_days: None,
            stages: stages([
                (Applied, 2, 0),
                (Screened, 1, 0),
                (Interviewed, 1, 0),
                (Vetted, 1, 0),
                (Offered, 1, 1),
                (Hired, 0, 0),
            ]),
            conversion: rates([Some(0.5), Some(1.0), Some(1.0), Some(1.0), Some(0.0)]),
            open_longer_than_60_days: 0,
            by_base: vec![posts("b1", 1, 0, 1), posts("b2", 1, 0, 1)],
            by_field_office: vec![posts("f1", 3, 0, 3)],
        },
    );
}

#[test]
fn a_vacancy_reads_its_own_stages_time_to_fill_and_days_open() {
    given(recruitment()).then(&StaffView::default(), |p| {
        let v1 = p.vacancy("v1", &as_of(day(3, 20))).unwrap();
        assert_eq!(time_to_fill(&v1), Some(20));
        assert_eq!(pipeline::days_open(&v1, day(3, 20)), 20);
        let v2 = p.vacancy("v2", &as_of(day(3, 20))).unwrap();
        assert_eq!(time_to_fill(&v2), None);
        assert_eq!(pipeline::days_open(&v2, day(3, 20)), 69);
        let rejected =
            pipeline::candidates(&v1, None, Some(crate::decider::CandidateOutcome::Rejected));
        assert_eq!(
            rejected.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        assert_eq!(
            stage_counts(v2.candidates.values()),
            stages([
                (Applied, 0, 0),
                (Screened, 0, 0),
                (Interviewed, 0, 0),
                (Vetted, 0, 0),
                (Offered, 0, 0),
                (Hired, 0, 0),
            ])
        );
    });
}
