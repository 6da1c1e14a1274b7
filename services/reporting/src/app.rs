//! The application layer of reporting: the HQ staffing review for one date and as a monthly
//! series, taking the caller. HQ_REVIEWER and ADMIN get every mission; a scoped role gets its
//! missions. Counts and shares only, never a person, so there is nothing finer to withhold.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use cla_platform::disclosure::withhold;
use cla_platform::heavy::Stop;
use cla_platform::timeline::View;
use cla_platform::{AppError, AppResult, Principal};
use cla_registry::RegistryView;
use cla_risk::RiskView;
use cla_risk::app::DETAIL_ROLES;
use cla_staff::StaffView;
use cla_staffing::StaffingView;
use cla_supervision::SupervisionView;
use std::collections::BTreeMap;

use crate::{ReviewFigures, Sources, overall};

/// A series covers at most this many months.
pub const MAX_MONTHS: usize = 36;

/// The reporting application: cheap to clone.
#[derive(Clone)]
pub struct ReportingApp {
    registry: Arc<RegistryView>,
    staff: Arc<StaffView>,
    staffing: Arc<StaffingView>,
    risk: Arc<RiskView>,
    supervision: Arc<SupervisionView>,
    incidents: Option<Arc<cla_alerts::escalation::EscalationView>>,
}

/// How fast a field office's incidents were acknowledged: the incidents opened in the
/// [`ACKNOWLEDGEMENT_DAYS`] days up to the review's date. Counts only; the median is withheld
/// where fewer than 3 were acknowledged (a lone incident's time would tell of one person).
#[derive(Clone, Debug, PartialEq, async_graphql::SimpleObject)]
pub struct AcknowledgementFigures {
    pub mission_code: String,
    pub field_office_id: String,
    pub field_office_name: String,
    pub incidents: u32,
    pub acknowledged: u32,
    /// Median minutes from opening to acknowledgement; null where withheld.
    pub median_minutes_to_acknowledge: Option<f64>,
    pub withheld: bool,
}

/// The window of [`AcknowledgementFigures`].
pub const ACKNOWLEDGEMENT_DAYS: i64 = 90;

/// The review for one date: every mission the caller's scope covers, and all of them together.
#[derive(Clone, Debug, PartialEq)]
pub struct HqReview {
    pub as_of: NaiveDate,
    pub overall: ReviewFigures,
    pub missions: Vec<ReviewFigures>,
    /// Time to acknowledge incidents, per field office of the missions in scope.
    pub acknowledgement: Vec<AcknowledgementFigures>,
}

/// The review for the last day of a month.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyReview {
    pub month_end: NaiveDate,
    pub overall: ReviewFigures,
    pub missions: Vec<ReviewFigures>,
}

/// A review page's answer: the review for the view's date and the monthly series of the months
/// ending on or before it; of one mission (its figures as `overall`, and only it in `missions`),
/// or of every mission the caller reads.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewWithSeries {
    pub review: HqReview,
    pub series: Vec<MonthlyReview>,
}

/// The last month end on or before `day`.
pub fn last_month_end(day: NaiveDate) -> NaiveDate {
    let end = month_end(day.year(), day.month());
    if end == day {
        day
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month(), 1).expect("valid month")
            - Duration::days(1)
    }
}

fn month_end(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid month") - Duration::days(1)
}

impl ReportingApp {
    pub fn new(
        registry: Arc<RegistryView>,
        staff: Arc<StaffView>,
        staffing: Arc<StaffingView>,
        risk: Arc<RiskView>,
        supervision: Arc<SupervisionView>,
    ) -> Self {
        Self {
            registry,
            staff,
            staffing,
            risk,
            supervision,
            incidents: None,
        }
    }

    /// Time to acknowledge incidents comes from escalation's incidents.
    pub fn with_incidents(
        mut self,
        incidents: Arc<cla_alerts::escalation::EscalationView>,
    ) -> Self {
        self.incidents = Some(incidents);
        self
    }

    /// Per field office of the missions `who` reads: how fast incidents opened in the window up
    /// to `as_of` were acknowledged.
    pub fn acknowledgement(
        &self,
        who: &Principal,
        as_of: NaiveDate,
    ) -> Vec<AcknowledgementFigures> {
        let Some(incidents) = &self.incidents else {
            return Vec::new();
        };
        let from = as_of - Duration::days(ACKNOWLEDGEMENT_DAYS - 1);
        let mut by_office: BTreeMap<(String, String), (String, u32, Vec<f64>)> = BTreeMap::new();
        for r in incidents.all() {
            let o = r.opened();
            let Some(opened) = r.opened_at else { continue };
            let day = opened.date_naive();
            if day < from || day > as_of || !who.can_read(&o.mission_code) {
                continue;
            }
            let entry = by_office
                .entry((o.mission_code.clone(), o.field_office_id.clone()))
                .or_insert_with(|| (o.field_office_name.clone(), 0, Vec::new()));
            entry.1 += 1;
            if let Some(at) = r.acknowledged_at {
                entry.2.push((at - opened).num_seconds() as f64 / 60.0);
            }
        }
        by_office
            .into_iter()
            .map(|((mission, office), (name, count, mut minutes))| {
                minutes.sort_by(f64::total_cmp);
                let withheld = minutes.len() < 3;
                let median = (!withheld).then(|| {
                    let n = minutes.len();
                    let m = if n % 2 == 1 {
                        minutes[n / 2]
                    } else {
                        (minutes[n / 2 - 1] + minutes[n / 2]) / 2.0
                    };
                    (m * 10.0).round() / 10.0
                });
                AcknowledgementFigures {
                    mission_code: mission,
                    field_office_id: office,
                    field_office_name: name,
                    incidents: count,
                    acknowledged: minutes.len() as u32,
                    median_minutes_to_acknowledge: median,
                    withheld,
                }
            })
            .collect()
    }

    fn sources(&self) -> Sources<'_> {
        Sources {
            registry: &self.registry,
            staff: &self.staff,
            staffing: &self.staffing,
            risk: &self.risk,
            supervision: &self.supervision,
        }
    }

    /// The HQ staffing review for the view's date: the missions `who` reads, and all of them
    /// together.
    pub fn hq_review(&self, who: &Principal, view: &View) -> AppResult<HqReview> {
        self.hq_review_until(who, view, &Stop::never())
    }

    /// [`Self::hq_review`], ending early (with an error) once `stop` is raised.
    pub fn hq_review_until(
        &self,
        who: &Principal,
        view: &View,
        stop: &Stop,
    ) -> AppResult<HqReview> {
        let src = self.sources();
        let mut rows = Vec::new();
        for m in self.registry.missions(view) {
            stop.check()?;
            if who.can_read(&m.code) {
                rows.push(src.mission(&m.code, view)?);
            }
        }
        let mut all = overall(&rows);
        // Risk counts that would single out a person are withheld from counts-only readers: a
        // mission of fewer than 3 CLAs, and whatever would let it be worked out from the total.
        let counts_only: BTreeMap<String, usize> = rows
            .iter()
            .filter(|r| !who.holds_for(&r.scope, DETAIL_ROLES))
            .map(|r| (r.scope.clone(), r.clas as usize))
            .collect();
        let withheld = withhold(&counts_only);
        for r in rows
            .iter_mut()
            .filter(|r| withheld.cells.contains(&r.scope))
        {
            r.withhold_flags();
        }
        if withheld.total {
            all.withhold_flags();
        }
        Ok(HqReview {
            as_of: view.as_of,
            overall: all,
            missions: rows,
            acknowledgement: self.acknowledgement(who, view.as_of),
        })
    }

    /// The review for the last day of each month from `from`'s to `to`'s (at most
    /// [`MAX_MONTHS`]), as known at `known_at`.
    pub fn hq_series(
        &self,
        who: &Principal,
        from: NaiveDate,
        to: NaiveDate,
        known_at: Option<DateTime<Utc>>,
    ) -> AppResult<Vec<MonthlyReview>> {
        self.hq_series_until(who, from, to, known_at, &Stop::never())
    }

    /// [`Self::hq_series`], ending early (with an error) once `stop` is raised: it is checked
    /// before each month and each mission.
    pub fn hq_series_until(
        &self,
        who: &Principal,
        from: NaiveDate,
        to: NaiveDate,
        known_at: Option<DateTime<Utc>>,
        stop: &Stop,
    ) -> AppResult<Vec<MonthlyReview>> {
        if to < from {
            return Err(AppError::validation(
                "to",
                "the range ends on or after it starts",
            ));
        }
        let mut out = Vec::new();
        let (mut y, mut m) = (from.year(), from.month());
        while month_end(y, m) <= month_end(to.year(), to.month()) {
            if out.len() >= MAX_MONTHS {
                return Err(AppError::validation(
                    "to",
                    "a series covers at most 36 months",
                ));
            }
            let end = month_end(y, m);
            let r = self.hq_review_until(
                who,
                &View {
                    as_of: end,
                    known_at,
                },
                stop,
            )?;
            out.push(MonthlyReview {
                month_end: end,
                overall: r.overall,
                missions: r.missions,
            });
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        Ok(out)
    }

    /// The review as of the view's date and the series of the `months` months (at most
    /// [`MAX_MONTHS`]) ending with the last month end on or before it, as known at the view's
    /// time; of `mission` alone where named: refused where `who` may not read it, not found where
    /// there is no such mission.
    pub fn review_with_series_until(
        &self,
        who: &Principal,
        mission: Option<&str>,
        view: &View,
        months: usize,
        stop: &Stop,
    ) -> AppResult<ReviewWithSeries> {
        if let Some(code) = mission {
            if !who.can_read(code) {
                return Err(AppError::forbidden("not a mission of yours"));
            }
            if self.registry.mission(code, view).is_none() {
                return Err(AppError::not_found(
                    "missionCode",
                    format!("no mission {code} as of {}", view.as_of),
                ));
            }
        }
        let months = months.clamp(1, MAX_MONTHS);
        let to = last_month_end(view.as_of);
        let mut from = NaiveDate::from_ymd_opt(to.year(), to.month(), 1).expect("valid month");
        for _ in 1..months {
            from = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).expect("valid month")
                - Duration::days(1);
        }
        let mut review = self.hq_review_until(who, view, stop)?;
        let mut series = self.hq_series_until(who, from, to, view.known_at, stop)?;
        if let Some(code) = mission {
            let only = |overall: &mut ReviewFigures, missions: &mut Vec<ReviewFigures>| {
                missions.retain(|m| m.scope == code);
                if let Some(m) = missions.first() {
                    *overall = m.clone();
                }
            };
            only(&mut review.overall, &mut review.missions);
            review.acknowledgement.retain(|a| a.mission_code == code);
            for month in &mut series {
                only(&mut month.overall, &mut month.missions);
            }
        }
        Ok(ReviewWithSeries { review, series })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cla_platform::{ErrorCode, Role};

    fn app() -> ReportingApp {
        ReportingApp::new(
            Arc::default(),
            Arc::default(),
            Arc::default(),
            Arc::default(),
            Arc::default(),
        )
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_review_page_covers_the_months_ended_by_its_date() {
        let hq = Principal::new("hq", "HQ", &[Role::HqReviewer], &[]);
        let answer = app()
            .review_with_series_until(&hq, None, &View::on(day(2027, 3, 15)), 12, &Stop::never())
            .unwrap();
        let ends: Vec<NaiveDate> = answer.series.iter().map(|m| m.month_end).collect();
        assert_eq!(ends.len(), 12);
        assert_eq!(ends.first(), Some(&day(2026, 3, 31)));
        assert_eq!(ends.last(), Some(&day(2027, 2, 28)));
        assert_eq!(answer.review.as_of, day(2027, 3, 15));
        // A month's last day is its own month end.
        assert_eq!(last_month_end(day(2027, 1, 31)), day(2027, 1, 31));
        assert_eq!(last_month_end(day(2024, 3, 1)), day(2024, 2, 29));
    }

    #[test]
    fn one_missions_review_is_refused_outside_the_readers_scope_and_not_found_when_unknown() {
        let hr = Principal::new("hr", "HR", &[Role::MissionHr], &["MONUSCO"]);
        let refused = app()
            .review_with_series_until(
                &hr,
                Some("UNMISS"),
                &View::on(day(2027, 3, 15)),
                12,
                &Stop::never(),
            )
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        let hq = Principal::new("hq", "HQ", &[Role::HqReviewer], &[]);
        let unknown = app()
            .review_with_series_until(
                &hq,
                Some("NOPE"),
                &View::on(day(2027, 3, 15)),
                12,
                &Stop::never(),
            )
            .unwrap_err();
        assert_eq!(unknown.code, ErrorCode::NotFound);
    }
}
