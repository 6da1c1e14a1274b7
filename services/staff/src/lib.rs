//! The staff and recruitment context: vacancies and their candidate pipeline, hiring, and each
//! staff member's working life (status, appointment, grade, index number), with the restricted
//! personal data DESIGN §5 names.
//!
//! - `events.rs` — what can have happened (the contracts in `proto/cla/staff/v1`);
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules.

pub mod commands;
pub mod decider;
pub mod events;
pub mod graphql;
pub mod projections;

pub use graphql::{StaffMutation, StaffQuery};
pub use projections::StaffView;
