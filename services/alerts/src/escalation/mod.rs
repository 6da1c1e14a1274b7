//! Escalation: every alert that endangers a person (a silence, duress, DANGER or HELP, a CRITICAL
//! flag, a base left empty) opens an incident that runs the mission's procedure — ordered steps,
//! each contacting the CLA's supervisor, the field office's managers or named contacts by email,
//! SMS or signed webhook, and waiting for an acknowledgement before the next — until someone
//! acknowledges it; then someone records the outcome. Everything is events.
//!
//! - `events.rs` — the contracts (`proto/cla/alerts/v1/escalation.proto`) and the streams;
//! - `procedures.rs` — a mission's procedures and contacts (the decider);
//! - `incident.rs` — one incident's steps, notifications, acknowledgement, resolution (the decider);
//! - `view.rs` — procedures, incidents and their timelines, what is due (the projection);
//! - `worker.rs` — the opener (a reactor), the steps as they fall due, the outbox's sending;
//! - `links.rs` — acknowledge links and SMS codes;
//! - `app.rs` — the application layer: access decided here for every door;
//! - `graphql.rs` — mapping only.

pub mod app;
pub mod events;
pub mod graphql;
pub mod incident;
pub mod links;
pub mod procedures;
pub mod view;
pub mod worker;

pub use app::EscalationApp;
pub use view::EscalationView;
pub use worker::{Escalation, Message, NoChannels, SendFailure, Sender};
