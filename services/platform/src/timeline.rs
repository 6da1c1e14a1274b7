//! Time travel for every read model, built once.
//!
//! Each fact is stamped with its effective (business) date and with when it was recorded (its
//! global position and recorded time). A [`View`] asks for the world as of a business date, as
//! known at a moment: it sees the facts effective on or before `as_of` and recorded on or before
//! `known_at`, applied in business order (effective date, then position). A read model keeps, per
//! entity, the stamped facts in a [`Timeline`] and folds the visible ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use cla_event_store::RecordedEvent;

use crate::cache::{Kept, Named, NamedKey};

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
        Self::on(Utc::now().date_naive())
    }

    /// The business date `day`, with everything known.
    pub fn on(day: NaiveDate) -> Self {
        Self {
            as_of: day,
            known_at: None,
        }
    }

    /// Whether this is a view of now (today or later, everything known): what changes are made in.
    pub fn is_present(&self, today: NaiveDate) -> bool {
        self.known_at.is_none() && self.as_of >= today
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

/// How many folds of one entity's timeline [`KeptFolds`] keeps.
const KEPT_FOLDS: usize = 4;

/// Folds of long timelines (a mission's staffing, its management), kept for views that know
/// everything recorded: such a view on `as_of` sees the first facts of the timeline in business
/// order, a prefix. A few prefixes per entity are kept; asking again answers at once, and a later
/// date carries the nearest earlier fold forward by the facts between, so no question folds a
/// mission's whole history. A back-dated fact drops the folds it falls inside
/// ([`KeptFolds::inserted`]).
pub struct KeptFolds<S> {
    /// Per entity, its state folded from the first so many facts of its timeline, by how many.
    folds: Mutex<HashMap<String, Kept<usize, Arc<S>>>>,
}

impl<S> Default for KeptFolds<S> {
    fn default() -> Self {
        Self {
            folds: Mutex::new(HashMap::new()),
        }
    }
}

impl<S: Clone + Default> KeptFolds<S> {
    /// The entity's state as the view sees it. Views with `known_at` are folded afresh: what was
    /// known at a moment is not a prefix of business order.
    pub fn fold<E>(
        &self,
        entity: &str,
        timeline: &Timeline<E>,
        view: &View,
        evolve: impl Fn(S, &E, NaiveDate) -> S,
    ) -> Arc<S> {
        if view.known_at.is_some() {
            return Arc::new(timeline.fold(view, S::default(), |s, stamp, e| {
                evolve(s, e, stamp.effective)
            }));
        }
        let upto = timeline.known_prefix(view.as_of);
        let mut folds = self.folds.lock().expect("kept folds lock");
        if !folds.contains_key(entity) {
            folds.insert(entity.to_string(), Kept::new(KEPT_FOLDS));
        }
        let kept = folds.get_mut(entity).expect("kept just now");
        let start = kept
            .iter()
            .map(|(from, _)| *from)
            .filter(|from| *from <= upto)
            .max();
        let (from, state) = match start {
            Some(from) => {
                let state = kept.get(&from).expect("a kept fold");
                if from == upto {
                    return Arc::clone(state);
                }
                (from, (**state).clone())
            }
            None => (0, S::default()),
        };
        let state = Arc::new(
            timeline
                .range(from, upto)
                .fold(state, |s, (stamp, e)| evolve(s, e, stamp.effective)),
        );
        kept.insert(upto, Arc::clone(&state));
        state
    }

    /// A fact went into the entity's timeline at place `at`: the folds of the facts before it
    /// still stand, the others do not.
    pub fn inserted(&self, entity: &str, at: usize) {
        if let Some(kept) = self.folds.lock().expect("kept folds lock").get_mut(entity) {
            kept.retain(|upto, _| *upto <= at);
        }
    }
}

/// How many answers [`KeptViews`] keeps.
const KEPT_VIEWS: usize = 16;

/// Answers worked out from many entities of a read model for one view (a mission's roster as of a
/// date), kept until the read model changes. Such an answer folds every entity the mission ever
/// had, and the facts behind it change rarely; asking again, for the same date, answers at once.
/// Views with `known_at` are worked out afresh.
///
/// The read model calls [`KeptViews::changed`] while it holds its write lock, and
/// [`KeptViews::get`] while it holds its read lock, so no answer worked out before a change is
/// kept after it.
pub struct KeptViews<V> {
    /// By date and key.
    views: Mutex<Kept<Named<NaiveDate>, Arc<V>>>,
}

impl<V> Default for KeptViews<V> {
    fn default() -> Self {
        Self {
            views: Mutex::new(Kept::new(KEPT_VIEWS)),
        }
    }
}

impl<V> KeptViews<V> {
    pub fn get(&self, key: &str, view: &View, work_out: impl FnOnce() -> V) -> Arc<V> {
        if view.known_at.is_some() {
            return Arc::new(work_out());
        }
        if let Some(answer) = self
            .views
            .lock()
            .expect("kept views lock")
            .get(&(view.as_of, key) as &dyn NamedKey<NaiveDate>)
        {
            return Arc::clone(answer);
        }
        let answer = Arc::new(work_out());
        self.views.lock().expect("kept views lock").insert(
            Named {
                tag: view.as_of,
                name: key.to_string(),
            },
            Arc::clone(&answer),
        );
        answer
    }

    /// The read model changed: nothing kept stands.
    pub fn changed(&self) {
        self.views.lock().expect("kept views lock").clear();
    }
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

    fn folded(facts: &[&str]) -> Vec<String> {
        facts.iter().map(|f| f.to_string()).collect()
    }

    fn push(mut s: Vec<String>, fact: &&str, _: NaiveDate) -> Vec<String> {
        s.push(fact.to_string());
        s
    }

    #[test]
    fn kept_folds_answer_as_a_fresh_fold_does_and_a_back_dated_fact_drops_them() {
        let mut t = Timeline::default();
        t.insert(stamp(1, 1, 0), "a");
        t.insert(stamp(5, 2, 1), "b");
        t.insert(stamp(9, 3, 2), "c");
        let kept = KeptFolds::<Vec<String>>::default();
        let on = |day| View {
            as_of: NaiveDate::from_ymd_opt(2026, 1, day).unwrap(),
            known_at: None,
        };
        let first = kept.fold("m", &t, &on(5), push);
        assert_eq!(*first, folded(&["a", "b"]));
        let again = kept.fold("m", &t, &on(6), push);
        assert!(Arc::ptr_eq(&first, &again), "the same prefix is kept");
        // A later date carries the kept fold forward.
        assert_eq!(*kept.fold("m", &t, &on(9), push), folded(&["a", "b", "c"]));
        // Back-dated to the 3rd: the folds past it no longer stand.
        let at = t.insert(stamp(3, 4, 3), "late");
        kept.inserted("m", at);
        assert_eq!(
            *kept.fold("m", &t, &on(9), push),
            folded(&["a", "late", "b", "c"])
        );
        assert_eq!(
            *kept.fold("m", &t, &on(5), push),
            folded(&["a", "late", "b"])
        );
        assert_eq!(*kept.fold("m", &t, &on(2), push), folded(&["a"]));
        // What was known at a moment is folded afresh: not yet the late fact.
        let known = View {
            as_of: on(9).as_of,
            known_at: DateTime::from_timestamp(1_800_000_002, 0),
        };
        assert_eq!(*kept.fold("m", &t, &known, push), folded(&["a", "b", "c"]));
    }

    #[test]
    fn kept_views_stand_until_the_read_model_changes() {
        let kept = KeptViews::<u32>::default();
        let day = |d| View {
            as_of: NaiveDate::from_ymd_opt(2026, 1, d).unwrap(),
            known_at: None,
        };
        let mut worked = 0;
        let mut ask = |key: &str, view: &View, answer: u32| {
            *kept.get(key, view, || {
                worked += 1;
                answer
            })
        };
        assert_eq!(ask("m", &day(1), 1), 1);
        assert_eq!(ask("m", &day(1), 99), 1, "kept");
        assert_eq!(ask("m", &day(2), 2), 2, "another date is its own answer");
        assert_eq!(ask("n", &day(1), 3), 3, "another key is its own answer");
        let known = View {
            as_of: day(1).as_of,
            known_at: DateTime::from_timestamp(1_800_000_000, 0),
        };
        assert_eq!(ask("m", &known, 4), 4, "known-at views are worked out");
        assert_eq!(ask("m", &known, 5), 5, "and never kept");
        kept.changed();
        assert_eq!(ask("m", &day(1), 6), 6, "after a change nothing stands");
        assert_eq!(worked, 6);
    }
}
