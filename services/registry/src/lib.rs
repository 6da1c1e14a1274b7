//! The registry context: missions and their staffing policy, field offices, and bases with their
//! lifecycle (open → closing → closed).
//!
//! - `events.rs` — what can have happened (the contracts in `proto/cla/registry/v1`);
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules;
//! - `projections/` — what is true, as of any date and as known at any time;
//! - `graphql.rs` — this context's part of the schema, with who may do what declared per field.

pub mod commands;
pub mod decider;
pub mod events;
pub mod graphql;
pub mod projections;

pub use graphql::{RegistryMutation, RegistryQuery, RegistrySubscription};
pub use projections::RegistryView;
