//! The risk and welfare context: check-ins, missed-check-in detection, risk flags and the
//! restricted risk register.
//!
//! - `events.rs` — what can have happened (`proto/cla/risk/v1`), and the consistency boundary;
//! - `commands.rs` — what managers and the system's detectors ask;
//! - `decider.rs` — the rules;
//! - `projections/` — what is true, and the read computations on it (register counts,
//!   compliance, risk alerts);
//! - `app.rs` — the application layer: every command and query, taking the caller; access is
//!   decided there;
//! - `graphql.rs` — the GraphQL part: mapping only.

pub mod app;
pub mod commands;
pub mod decider;
pub mod detector;
pub mod events;
pub mod graphql;
pub mod projections;

pub use app::RiskApp;
pub use graphql::{RiskMutation, RiskQuery};
pub use projections::RiskView;
