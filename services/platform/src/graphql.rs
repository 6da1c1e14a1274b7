//! GraphQL helpers shared by every context's schema.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{
    InputValueError, InputValueResult, OutputType, Scalar, ScalarType, SimpleObject, Value,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{AppError, AppResult};
use crate::timeline::View;

/// The largest page a connection returns.
pub const MAX_PAGE: usize = 500;
/// The page size when `first` is not given.
pub const DEFAULT_PAGE: usize = 50;

/// What a page of a connection costs in a query's complexity: its selection once per ten items
/// it may hold (`first`, default [`DEFAULT_PAGE`], at most [`MAX_PAGE`]), plus one.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let items = first.map_or(DEFAULT_PAGE, |n| n.clamp(0, MAX_PAGE as i32) as usize);
    1 + child_complexity.saturating_mul(items.div_ceil(10).max(1))
}

/// `totalCount` on every connection: how many items match, across all pages.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionTotals {
    pub total_count: usize,
}

/// A list as a Relay connection, one page of it after `after` (an opaque cursor from an earlier
/// page), at most `first` items.
pub fn connection<T: OutputType>(
    items: Vec<T>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<String, T, ConnectionTotals>> {
    let first = match first {
        None => DEFAULT_PAGE,
        Some(n) if n >= 0 && (n as usize) <= MAX_PAGE => n as usize,
        Some(_) => {
            return Err(AppError::validation(
                "first",
                format!("first must be between 0 and {MAX_PAGE}"),
            ));
        }
    };
    let start = match after {
        None => 0,
        Some(cursor) => decode_cursor(&cursor)
            .filter(|i| *i < items.len().max(1))
            .map(|i| i + 1)
            .ok_or_else(|| AppError::validation("after", "not a cursor from this list"))?,
    };
    let total = items.len();
    let end = (start + first).min(total);
    let mut page = Connection::with_additional_fields(
        start > 0,
        end < total,
        ConnectionTotals { total_count: total },
    );
    page.edges.extend(
        items
            .into_iter()
            .enumerate()
            .skip(start)
            .take(end.saturating_sub(start))
            .map(|(i, item)| Edge::new(encode_cursor(i), item)),
    );
    Ok(page)
}

fn encode_cursor(index: usize) -> String {
    format!("c{index}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix('c')?.parse().ok()
}

/// A calendar date, `YYYY-MM-DD` (ISO 8601): business dates such as `asOf` and `effective`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("{text:?} is not a date (YYYY-MM-DD)"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// A share (0–1) as the schema gives every share: in percent, 0–100.
pub fn percent(share: Option<f64>) -> Option<f64> {
    share.map(|s| s * 100.0)
}

/// An optional domain date as a GraphQL `Date`: for domain structs that are GraphQL objects
/// themselves, `#[graphql(skip, derived(name = "on", into = "Option<Date>", with = "date",
/// owned = true))]` on a `NaiveDate` field (and `into = "Date"` alone on a required one).
pub fn date(d: Option<NaiveDate>) -> Option<Date> {
    d.map(Date)
}

/// Declares a GraphQL enum named `$gql` over a contract's enum `$domain` (same variant names; the
/// contract's `Unspecified` has none), with `to_domain`, `from_domain` (`None` for a variant the
/// GraphQL enum does not have) and `of` (the same, for an optional one).
#[macro_export]
macro_rules! graphql_enum {
    ($(#[$meta:meta])* $name:ident, $gql:literal, $domain:ty, { $($variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(::async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
        #[graphql(name = $gql)]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn to_domain(self) -> $domain {
                match self { $(Self::$variant => <$domain>::$variant),* }
            }
            #[allow(unreachable_patterns)]
            pub fn from_domain(d: $domain) -> Option<Self> {
                match d { $(<$domain>::$variant => Some(Self::$variant),)* _ => None }
            }
            pub fn of(d: Option<$domain>) -> Option<Self> {
                d.and_then(Self::from_domain)
            }
        }
    };
}

/// The view a query asks for: `asOf` (default today) and `knownAt` (default now).
pub fn view(as_of: Option<Date>, known_at: Option<DateTime<Utc>>) -> View {
    View {
        as_of: as_of.map_or_else(|| Utc::now().date_naive(), |d| d.0),
        known_at,
    }
}

/// A command's effective date: as given, or today.
pub fn effective(date: Option<Date>) -> NaiveDate {
    date.map_or_else(|| Utc::now().date_naive(), |d| d.0)
}

/// Trims a required text input; empty is a validation error on `field`.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::validation(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("{field} is at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_cursors_and_report_totals() {
        let items: Vec<i32> = (0..7).collect();
        let page = connection(items.clone(), Some(3), None).unwrap();
        assert_eq!(page.edges.len(), 3);
        assert!(page.has_next_page && !page.has_previous_page);
        assert_eq!(page.additional_fields.total_count, 7);
        let cursor = page.edges.last().unwrap().cursor.clone();
        let next = connection(items.clone(), Some(3), Some(cursor)).unwrap();
        assert_eq!(
            next.edges.iter().map(|e| e.node).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        let last = connection(items.clone(), Some(3), Some(next.edges[2].cursor.clone())).unwrap();
        assert_eq!(last.edges.len(), 1);
        assert!(!last.has_next_page);
        assert_eq!(
            connection(items.clone(), Some(-1), None)
                .err()
                .unwrap()
                .field
                .as_deref(),
            Some("first")
        );
        assert_eq!(
            connection(items, None, Some("zz".into()))
                .err()
                .unwrap()
                .field
                .as_deref(),
            Some("after")
        );
    }
}
