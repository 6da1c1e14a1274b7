//! The reporting part of the GraphQL schema: mapping only, to [`ReportingApp`].

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use cla_platform::access::principal;
use cla_platform::graphql::{Date, view};
use cla_platform::heavy;

use crate::ReviewFigures;
use crate::app::{self, ReportingApp};

#[derive(SimpleObject, Clone, Debug)]
pub struct HqReview {
    pub as_of: Date,
    pub overall: ReviewFigures,
    pub missions: Vec<ReviewFigures>,
    /// How fast incidents were acknowledged, per field office, over the 90 days up to `asOf`.
    pub acknowledgement: Vec<app::AcknowledgementFigures>,
}

impl From<app::HqReview> for HqReview {
    fn from(r: app::HqReview) -> Self {
        Self {
            as_of: Date(r.as_of),
            overall: r.overall,
            missions: r.missions,
            acknowledgement: r.acknowledgement,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct MonthlyReview {
    /// The last day of the month.
    pub month_end: Date,
    pub overall: ReviewFigures,
    pub missions: Vec<ReviewFigures>,
}

impl From<app::MonthlyReview> for MonthlyReview {
    fn from(r: app::MonthlyReview) -> Self {
        Self {
            month_end: Date(r.month_end),
            overall: r.overall,
            missions: r.missions,
        }
    }
}

/// What one review costs in a query's complexity beyond its selection: it reads every mission.
const REVIEW_COST: usize = 50;

fn reporting<'a>(ctx: &'a Context<'_>) -> &'a ReportingApp {
    ctx.data_unchecked::<ReportingApp>()
}

#[derive(Default)]
pub struct ReportingQuery;

#[Object]
impl ReportingQuery {
    /// The HQ staffing review for one date: every mission the caller's scope covers, and all of
    /// them together. Counts and shares only.
    #[graphql(complexity = "REVIEW_COST + child_complexity")]
    async fn hq_staffing_review(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<HqReview> {
        let view = view(as_of, known_at);
        let app = reporting(ctx).clone();
        let who = principal(ctx)?.clone();
        let review = heavy::run(move |stop| app.hq_review_until(&who, &view, stop)).await?;
        Ok(review.into())
    }

    /// The HQ staffing review for the last day of each month from `from` to `to` (at most 36).
    #[graphql(complexity = "REVIEW_COST + crate::app::MAX_MONTHS * child_complexity")]
    async fn hq_staffing_series(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        known_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<MonthlyReview>> {
        let app = reporting(ctx).clone();
        let who = principal(ctx)?.clone();
        let series =
            heavy::run(move |stop| app.hq_series_until(&who, from.0, to.0, known_at, stop)).await?;
        Ok(series.into_iter().map(Into::into).collect())
    }
}
