//! The shape of every context's domain logic: a decider.
//!
//! `decide` turns a command into events given the stream's state and whatever outside facts the
//! decision needs (looked up first and passed in as the context); `evolve` folds an event, with the
//! business date it took effect on, into the state. Both are pure and synchronous: no I/O, no
//! clock, no store.

use std::fmt::Debug;

use chrono::NaiveDate;

use crate::error::{AppError, ErrorCode};

pub trait Decider {
    type Command: Debug;
    type Event: Clone + PartialEq + Debug;
    type State: Default + Debug;
    /// Facts from outside the stream the decision needs (today's date, another stream's state).
    type Context: Debug;

    fn decide(
        command: &Self::Command,
        state: &Self::State,
        context: &Self::Context,
    ) -> Result<Vec<Self::Event>, AppError>;

    /// Folds one event, effective on `effective`, into the state.
    fn evolve(state: Self::State, event: &Self::Event, effective: NaiveDate) -> Self::State;

    /// The state after `events`, from the initial state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a (NaiveDate, Self::Event)>) -> Self::State
    where
        Self::Event: 'a,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |state, (on, event)| {
                Self::evolve(state, event, *on)
            })
    }
}

/// The date [`given`] events take effect on.
pub fn given_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date")
}

/// Given / when / then, for decider tests:
/// `given::<D>(events).with(context).when(command).then(expected_events)` or `.then_error(code)`.
/// The given events take effect on [`given_date`]; use [`given_on`] for other dates.
pub fn given<D: Decider>(events: Vec<D::Event>) -> Given<D> {
    given_on::<D>(events.into_iter().map(|e| (given_date(), e)).collect())
}

/// Given events with the dates they took effect on.
pub fn given_on<D: Decider>(events: Vec<(NaiveDate, D::Event)>) -> Given<D> {
    Given { events }
}

pub struct Given<D: Decider> {
    events: Vec<(NaiveDate, D::Event)>,
}

impl<D: Decider> Given<D> {
    pub fn with(self, context: D::Context) -> When<D> {
        When {
            events: self.events,
            context,
        }
    }

    pub fn when(self, command: D::Command) -> Then<D>
    where
        D::Context: Default,
    {
        self.with(D::Context::default()).when(command)
    }
}

pub struct When<D: Decider> {
    events: Vec<(NaiveDate, D::Event)>,
    context: D::Context,
}

impl<D: Decider> When<D> {
    pub fn when(self, command: D::Command) -> Then<D> {
        let state = D::fold(&self.events);
        let outcome = D::decide(&command, &state, &self.context);
        Then {
            command,
            state,
            outcome,
        }
    }
}

pub struct Then<D: Decider> {
    command: D::Command,
    state: D::State,
    outcome: Result<Vec<D::Event>, AppError>,
}

impl<D: Decider> Then<D> {
    /// The command is accepted and yields exactly these events.
    #[track_caller]
    pub fn then(self, expected: Vec<D::Event>) -> Vec<D::Event> {
        match self.outcome {
            Ok(events) => {
                assert_eq!(
                    events, expected,
                    "when {:?} on {:?}",
                    self.command, self.state
                );
                events
            }
            Err(e) => panic!(
                "expected events, but {:?} on {:?} was refused: {e:?}",
                self.command, self.state
            ),
        }
    }

    /// The command is accepted; its events are returned for further checks.
    #[track_caller]
    pub fn then_any(self) -> Vec<D::Event> {
        match self.outcome {
            Ok(events) => events,
            Err(e) => panic!(
                "expected events, but {:?} on {:?} was refused: {e:?}",
                self.command, self.state
            ),
        }
    }

    /// The command is refused with this code; the error is returned for further checks.
    #[track_caller]
    pub fn then_error(self, code: ErrorCode) -> AppError {
        match self.outcome {
            Err(e) => {
                assert_eq!(e.code, code, "refusal of {:?}: {e:?}", self.command);
                e
            }
            Ok(events) => panic!(
                "expected {code}, but {:?} on {:?} gave {events:?}",
                self.command, self.state
            ),
        }
    }

    /// The command is refused with this code on this field.
    #[track_caller]
    pub fn then_error_on(self, code: ErrorCode, field: &str) -> AppError {
        let e = self.then_error(code);
        assert_eq!(e.field.as_deref(), Some(field), "field of {e:?}");
        e
    }
}
