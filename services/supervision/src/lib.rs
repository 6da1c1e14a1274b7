//! The supervision context: managers (international staff, UN Volunteers, senior CLAs acting as
//! field coordinators), who supervises whom, field visits, and management coverage.
//!
//! - `events.rs` — what can have happened (`proto/cla/supervision/v1`), and the consistency boundary;
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules.

pub mod commands;
pub mod coverage;
pub mod decider;
pub mod events;

pub use coverage::{SupervisionMutation, SupervisionQuery, SupervisionView};
