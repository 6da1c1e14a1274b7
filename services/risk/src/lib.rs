//! The risk and welfare context: check-ins, missed-check-in detection, risk flags and the
//! restricted risk register.
//!
//! - `events.rs` — what can have happened (`proto/cla/risk/v1`), and the consistency boundary;
//! - `commands.rs` — what managers and the system's detectors ask;
//! - `decider.rs` — the rules.

pub mod commands;
pub mod decider;
pub mod detector;
pub mod events;
pub mod graphql;
pub mod projections;

pub use graphql::{RiskMutation, RiskQuery};
pub use projections::RiskView;
