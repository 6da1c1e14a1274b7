//! The registry context: missions and their staffing policy, field offices, and bases with their
//! lifecycle (open → closing → closed).
//!
//! - `events.rs` — what can have happened (the contracts in `proto/cla/registry/v1`);
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules;
//! - `projections/` — what is true, as of any date and as known at any time;
//! - `app.rs` — the application layer: every command and query, taking the caller, with access
//!   decided there;
//! - `process/` — workflows across streams (closing a base asks staffing first);
//! - `graphql.rs` — this context's part of the schema, mapping arguments to the application layer.

pub mod app;
pub mod commands;
pub mod decider;
pub mod events;
pub mod graphql;
pub mod process;
pub mod projections;

/// Who is deployed at a base on a day, as the staffing context knows it. The registry asks before a
/// base closes (every CLA there must have been rotated or released first); the gateway provides the
/// answer, so the registry does not depend on staffing.
pub trait BaseOccupancy: Send + Sync {
    fn deployed(&self, mission: &str, base_id: &str, on: chrono::NaiveDate) -> usize;
}

pub use app::RegistryApp;
pub use graphql::{RegistryMutation, RegistryQuery, RegistrySubscription};
pub use projections::RegistryView;
