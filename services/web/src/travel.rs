//! Time travel, kept in the URL: `asOf` (the world on that business date; today where absent)
//! and `knownAt` (only what had been recorded by then; everything where absent). Every link a
//! page makes carries them on.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use cla_platform::timeline::View;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Travel {
    pub as_of: Option<NaiveDate>,
    pub known_at: Option<DateTime<Utc>>,
}

/// A time-travel field that could not be read: the field, and the catalogue key saying why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadTravel {
    pub field: &'static str,
    pub key: &'static str,
}

impl Travel {
    /// From the query's `asOf` and `knownAt` (empty ones count as absent). `knownAt` is UTC: a
    /// browser's `datetime-local` (`2026-07-15T09:30`, seconds optional) or RFC 3339.
    pub fn parse(as_of: Option<&str>, known_at: Option<&str>) -> Result<Self, BadTravel> {
        let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => {
                Some(
                    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| BadTravel {
                        field: "asOf",
                        key: "travel-as-of-invalid",
                    })?,
                )
            }
        };
        let known_at = match known_at.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .or_else(|_| {
                        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
                            .map(|t| t.and_utc())
                    })
                    .map_err(|_| BadTravel {
                        field: "knownAt",
                        key: "travel-known-at-invalid",
                    })?,
            ),
        };
        Ok(Self { as_of, known_at })
    }

    /// The read models' view: `asOf`, or `today`.
    /// Whether a date or a time is asked for (the page is not simply today's).
    pub fn is_asked(&self) -> bool {
        self.as_of.is_some() || self.known_at.is_some()
    }

    pub fn view(&self, today: NaiveDate) -> View {
        View {
            as_of: self.as_of.unwrap_or(today),
            known_at: self.known_at,
        }
    }

    /// The query's pairs that carry this travel on (none for the present).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(day) = self.as_of {
            pairs.push(("asOf", day.format("%Y-%m-%d").to_string()));
        }
        if let Some(at) = self.known_at {
            pairs.push(("knownAt", at.format("%Y-%m-%dT%H:%M:%S").to_string()));
        }
        pairs
    }

    /// `path` with this travel and `more` in its query.
    pub fn link(&self, path: &str, more: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = more
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        pairs.extend(self.pairs());
        if pairs.is_empty() {
            return path.to_string();
        }
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travel_is_read_from_the_query_and_carried_on() {
        let t = Travel::parse(Some("2026-07-15"), Some("2026-07-15T09:30")).unwrap();
        assert_eq!(t.as_of, NaiveDate::from_ymd_opt(2026, 7, 15));
        assert_eq!(
            t.link("/missions/MONUSCO/board", &[("status", "empty".into())]),
            "/missions/MONUSCO/board?status=empty&asOf=2026-07-15&knownAt=2026-07-15T09%3A30%3A00"
        );
        let again = Travel::parse(Some("2026-07-15"), Some("2026-07-15T09:30:00")).unwrap();
        assert_eq!(again, t);
        assert_eq!(
            Travel::parse(Some(""), Some(" ")).unwrap(),
            Travel::default()
        );
        assert_eq!(
            Travel::parse(Some("15/07/2026"), None).unwrap_err().field,
            "asOf"
        );
        assert_eq!(
            Travel::parse(None, Some("yesterday")).unwrap_err().field,
            "knownAt"
        );
        assert_eq!(Travel::default().link("/", &[]), "/");
    }
}
