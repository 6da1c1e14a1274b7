//! The alerts context: the watch over every mission's coverage, rotations, appointments and
//! management, and the one alerts subscription.
//!
//! - `events.rs` — what can have happened (`proto/cla/alerts/v1`), and the consistency boundary;
//! - `decider.rs` — the rule: each condition is raised once when it becomes true, cleared when it
//!   stops being true;
//! - `monitor.rs` — what is true now, observed on the injected clock, on a schedule and after
//!   every change;
//! - `projections.rs` — each mission's active alerts, and the alert as a domain struct;
//! - `app.rs` — the application layer: active alerts and the feed of alerts, taking the caller;
//!   which missions and how much of a risk alert a caller sees is decided there;
//! - `escalation/` — incidents and their escalation: procedures, steps, notifications through an
//!   outbox, acknowledgements (see its module);
//! - `graphql.rs` — active alerts, and the `alerts` subscription, which adds the risk alerts (risk
//!   events themselves) to these: mapping only.

pub mod app;
pub mod decider;
pub mod escalation;
pub mod events;
pub mod graphql;
pub mod monitor;
pub mod projections;

pub use app::AlertsApp;
pub use graphql::{AlertsQuery, AlertsSubscription};
pub use monitor::Monitor;
pub use projections::AlertsView;
