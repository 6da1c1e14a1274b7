//! Recruitment figures computed from vacancies as a view sees them: each vacancy's stage counts,
//! conversion and time to fill, and a mission's pipeline (posts budgeted, filled and open, by base
//! and by field office).

use std::collections::BTreeMap;

use async_graphql::SimpleObject;
use chrono::NaiveDate;
use cla_platform::graphql::Date;

use crate::commands::CandidateStage;
use crate::decider::{Candidate, CandidateOutcome, Vacancy, VacancyStatus, stage_key};

/// How many candidates reached a stage, and how many are there now.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct StageCount {
    pub stage: CandidateStage,
    /// Candidates who reached this stage (whatever became of them after).
    pub reached: usize,
    /// Candidates at this stage now, still in the pipeline.
    // (Or hired at it.)
    pub current: usize,
}

/// The share of candidates who went on from one stage to the next.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Conversion {
    pub from: CandidateStage,
    pub to: CandidateStage,
    /// reached(to) / reached(from), in percent (0–100); null where nobody reached `from`.
    // A share (0–1) here; in percent in the schema, as every share is.
    #[graphql(
        skip,
        derived(
            name = "conversion_percent",
            into = "Option<f64>",
            with = "cla_platform::graphql::percent",
            owned = true
        )
    )]
    pub rate: Option<f64>,
}

/// Posts budgeted and filled at one place.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct PostCount {
    /// A base id, a field office id, or the mission code.
    pub place_id: String,
    pub budgeted: usize,
    pub filled: usize,
    pub open: usize,
}

/// A mission's recruitment, as of a date.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct RecruitmentPipeline {
    pub mission_code: String,
    #[graphql(skip, derived(name = "as_of", into = "Date", owned = true))]
    pub as_of: NaiveDate,
    /// Posts opened and not cancelled.
    pub posts_budgeted: usize,
    pub posts_filled: usize,
    pub posts_open: usize,
    /// Open posts of budgeted posts, in percent (0–100); null where none are budgeted.
    // A share (0–1) here; in percent in the schema, as every share is.
    #[graphql(
        skip,
        derived(
            name = "vacancy_percent",
            into = "Option<f64>",
            with = "cla_platform::graphql::percent",
            owned = true
        )
    )]
    pub vacancy_rate: Option<f64>,
    /// Mean days from opening to hiring over filled posts; null where none are filled.
    pub mean_time_to_fill_days: Option<f64>,
    pub stages: Vec<StageCount>,
    pub conversion: Vec<Conversion>,
    /// Open vacancies open longer than 60 days.
    pub open_longer_than_60_days: usize,
    pub by_base: Vec<PostCount>,
    pub by_field_office: Vec<PostCount>,
}

/// Candidates per stage (reached, and there now), in pipeline order.
pub fn stage_counts<'a>(
    candidates: impl Iterator<Item = &'a Candidate> + Clone,
) -> Vec<StageCount> {
    CandidateStage::ALL
        .iter()
        .map(|s| StageCount {
            stage: *s,
            reached: candidates
                .clone()
                .filter(|c| c.reached.contains_key(&stage_key(*s)))
                .count(),
            current: candidates
                .clone()
                .filter(|c| {
                    c.stage == *s
                        && matches!(
                            c.outcome,
                            CandidateOutcome::InProgress | CandidateOutcome::Hired
                        )
                })
                .count(),
        })
        .collect()
}

/// From each stage to the next: the share of those who reached it who reached the next.
pub fn conversion(counts: &[StageCount]) -> Vec<Conversion> {
    counts
        .windows(2)
        .map(|w| Conversion {
            from: w[0].stage,
            to: w[1].stage,
            rate: (w[0].reached > 0).then(|| w[1].reached as f64 / w[0].reached as f64),
        })
        .collect()
}

/// Days from opening to hiring, once a candidate was hired.
pub fn time_to_fill(v: &Vacancy) -> Option<i64> {
    let hired_on = v
        .candidates
        .values()
        .find_map(|c| c.reached.get(&stage_key(CandidateStage::Hired)).copied())?;
    Some((hired_on - v.opened_on).num_days())
}

/// Days a vacancy has been open as of `as_of` (until it was filled or cancelled).
pub fn days_open(v: &Vacancy, as_of: NaiveDate) -> i64 {
    (v.closed_on.unwrap_or(as_of) - v.opened_on).num_days()
}

/// A vacancy's candidates, at `stage` and with `outcome` where given.
pub fn candidates(
    v: &Vacancy,
    stage: Option<CandidateStage>,
    outcome: Option<CandidateOutcome>,
) -> Vec<Candidate> {
    v.candidates
        .values()
        .filter(|c| stage.is_none_or(|s| c.stage == s))
        .filter(|c| outcome.is_none_or(|o| c.outcome == o))
        .cloned()
        .collect()
}

/// A mission's recruitment figures as of a date, from its vacancies.
pub fn pipeline(mission: &str, vacancies: &[Vacancy], as_of: NaiveDate) -> RecruitmentPipeline {
    let budgeted: Vec<&Vacancy> = vacancies
        .iter()
        .filter(|v| v.status != VacancyStatus::Cancelled)
        .collect();
    let filled: Vec<&&Vacancy> = budgeted
        .iter()
        .filter(|v| v.status == VacancyStatus::Filled)
        .collect();
    let open = budgeted
        .iter()
        .filter(|v| v.status == VacancyStatus::Open)
        .count();
    let fills: Vec<i64> = filled.iter().filter_map(|v| time_to_fill(v)).collect();
    let stages = stage_counts(vacancies.iter().flat_map(|v| v.candidates.values()));
    let conversion = conversion(&stages);
    let count_by = |key: fn(&Vacancy) -> &str| {
        let mut by: BTreeMap<String, PostCount> = BTreeMap::new();
        for v in &budgeted {
            let k = key(v);
            if k.is_empty() {
                continue;
            }
            let e = by.entry(k.to_string()).or_insert(PostCount {
                place_id: k.to_string(),
                budgeted: 0,
                filled: 0,
                open: 0,
            });
            e.budgeted += 1;
            e.filled += usize::from(v.status == VacancyStatus::Filled);
            e.open += usize::from(v.status == VacancyStatus::Open);
        }
        by.into_values().collect::<Vec<_>>()
    };
    RecruitmentPipeline {
        mission_code: mission.to_string(),
        as_of,
        posts_budgeted: budgeted.len(),
        posts_filled: filled.len(),
        posts_open: open,
        vacancy_rate: (!budgeted.is_empty()).then(|| open as f64 / budgeted.len() as f64),
        mean_time_to_fill_days: (!fills.is_empty())
            .then(|| fills.iter().sum::<i64>() as f64 / fills.len() as f64),
        stages,
        conversion,
        open_longer_than_60_days: budgeted
            .iter()
            .filter(|v| v.status == VacancyStatus::Open && (as_of - v.opened_on).num_days() > 60)
            .count(),
        by_base: count_by(|v| v.place.base_id.as_str()),
        by_field_office: count_by(|v| v.place.field_office_id.as_str()),
    }
}
