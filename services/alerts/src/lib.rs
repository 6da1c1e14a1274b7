//! The alerts context: the watch over every mission's coverage, rotations, appointments and
//! management, and the one alerts subscription.
//!
//! - `events.rs` — what can have happened (`proto/cla/alerts/v1`), and the consistency boundary;
//! - `decider.rs` — the rule: each condition is raised once when it becomes true, cleared when it
//!   stops being true;
//! - `monitor.rs` — what is true now, observed on the injected clock, on a schedule and after
//!   every change;
//! - `graphql.rs` — active alerts, and the `alerts` subscription, which adds the risk alerts (risk
//!   events themselves) to these.

pub mod decider;
pub mod events;
pub mod graphql;
pub mod monitor;

pub use graphql::{AlertsQuery, AlertsSubscription, AlertsView};
pub use monitor::Monitor;
