//! The supervision context: managers (international staff, UN Volunteers, senior CLAs acting as
//! field coordinators), who supervises whom, field visits, and management coverage.
//!
//! - `events.rs` — what can have happened (`proto/cla/supervision/v1`), and the consistency boundary;
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules;
//! - `projections/` — what is true (each mission's management) and management coverage, with
//!   their view specs;
//! - `app.rs` — the application layer: every command and query, taking the caller, with access
//!   decided there;
//! - `graphql.rs` — this context's part of the schema, mapping arguments to the application layer.

pub mod app;
pub mod commands;
pub mod decider;
pub mod events;
pub mod graphql;
pub mod projections;

pub use app::SupervisionApp;
pub use graphql::{SupervisionMutation, SupervisionQuery};
pub use projections::SupervisionView;
