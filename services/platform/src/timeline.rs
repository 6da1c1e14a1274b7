//! Time travel for every read model, built once.
//!
//! Each fact is stamped with its effective (business) date and with when it was recorded (its
//! global position and recorded time). A [`View`] asks for the world as of a business date, as
//! known at a moment: it sees the facts effective on or before `as_of` and recorded on or before
//! `known_at`, applied in business order (effective date, then position). A read model keeps, per
//! entity, the stamped facts in a [`Timeline`] and folds the visible ones.

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;

/// Which world a query looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// The business date: facts effective after it are not yet true.
    pub as_of: NaiveDate,
    /// What had been recorded by this moment; `None` for everything recorded so far.
    pub known_at: Option<DateTime<Utc>>,
}

impl View {
    /// Today, with everything known.
    pub fn now() -> Self {
        Self {
            as_of: Utc::now().date_naive(),
            known_at: None,
        }
    }

    pub fn sees(&self, stamp: &Stamp) -> bool {
        stamp.effective <= self.as_of && self.known_at.is_none_or(|t| stamp.recorded <= t)
    }
}

/// When a fact took effect and when it was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub effective: NaiveDate,
    pub position: u64,
    pub recorded: DateTime<Utc>,
}

impl Stamp {
    pub fn of(event: &RecordedEvent) -> Self {
        Self {
            effective: event.metadata.effective,
            position: event.position.0,
            recorded: event.recorded,
        }
    }

    fn order(&self) -> (NaiveDate, u64) {
        (self.effective, self.position)
    }
}

/// The stamped facts of one entity, kept in business order.
#[derive(Clone, Debug)]
pub struct Timeline<T> {
    entries: Vec<(Stamp, T)>,
}

impl<T> Default for Timeline<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<T> Timeline<T> {
    /// Adds a fact; a back-dated one goes into its place in business order. Returns that place.
    pub fn insert(&mut self, stamp: Stamp, fact: T) -> usize {
        let at = self
            .entries
            .partition_point(|(s, _)| s.order() <= stamp.order());
        self.entries.insert(at, (stamp, fact));
        at
    }

    /// How many facts, from the first, a view that knows everything recorded sees on `as_of`:
    /// those effective by then, which come first in business order.
    pub fn known_prefix(&self, as_of: NaiveDate) -> usize {
        self.entries.partition_point(|(s, _)| s.effective <= as_of)
    }

    /// The facts from place `from` to before place `to`, in business order.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = (&Stamp, &T)> {
        self.entries[from..to].iter().map(|(s, f)| (s, f))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The facts a view sees, in business order.
    pub fn visible<'a>(&'a self, view: &'a View) -> impl Iterator<Item = (&'a Stamp, &'a T)> + 'a {
        self.entries
            .iter()
            .filter(move |(s, _)| view.sees(s))
            .map(|(s, f)| (s, f))
    }

    /// Folds the visible facts from `initial`.
    pub fn fold<S>(&self, view: &View, initial: S, mut f: impl FnMut(S, &Stamp, &T) -> S) -> S {
        self.visible(view)
            .fold(initial, |s, (stamp, fact)| f(s, stamp, fact))
    }

    /// Every fact, in business order, whatever the view (for histories).
    pub fn all(&self) -> impl Iterator<Item = (&Stamp, &T)> {
        self.entries.iter().map(|(s, f)| (s, f))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A decider's state as a view sees it: the visible facts folded with the decider's own `evolve`,
/// so a read model and the rules never disagree about what an entity is.
pub fn fold_decider<D: crate::decider::Decider>(
    timeline: &Timeline<D::Event>,
    view: &View,
) -> D::State {
    timeline.fold(view, D::State::default(), |state, stamp, event| {
        D::evolve(state, event, stamp.effective)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(day: u32, position: u64, recorded_second: i64) -> Stamp {
        Stamp {
            effective: NaiveDate::from_ymd_opt(2026, 1, day).unwrap(),
            position,
            recorded: DateTime::from_timestamp(1_800_000_000 + recorded_second, 0).unwrap(),
        }
    }

    #[test]
    fn a_view_sees_what_was_effective_and_known() {
        let mut t = Timeline::default();
        t.insert(stamp(1, 1, 0), "created");
        t.insert(stamp(20, 2, 10), "renamed on the 20th");
        // Recorded last, but effective on the 10th: goes between the two.
        t.insert(stamp(10, 3, 20), "back-dated change");
        let all: Vec<_> = t.all().map(|(_, f)| *f).collect();
        assert_eq!(
            all,
            vec!["created", "back-dated change", "renamed on the 20th"]
        );

        let on = |day, known: Option<i64>| View {
            as_of: NaiveDate::from_ymd_opt(2026, 1, day).unwrap(),
            known_at: known.map(|s| DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()),
        };
        let seen = |v: View| t.visible(&v).map(|(_, f)| *f).collect::<Vec<_>>();
        assert_eq!(seen(on(15, None)), vec!["created", "back-dated change"]);
        assert_eq!(
            seen(on(15, Some(15))),
            vec!["created"],
            "not known yet at second 15"
        );
        assert_eq!(
            seen(on(31, Some(10))),
            vec!["created", "renamed on the 20th"]
        );
        assert!(seen(on(1, None)).len() == 1);
    }
}
