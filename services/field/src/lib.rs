//! The field channel: CLAs check in by SMS from their registered numbers, through real SMS
//! gateways (DESIGN §8).
//!
//! - `gateways.rs` — the gateways' webhook formats, each verified exactly as the gateway documents
//!   it (Twilio, Vonage), and their reply formats;
//! - `keywords.rs` — the check-in keywords per mission and language, and how a message is read;
//! - `replies.rs` — the reply texts, per language;
//! - `events.rs`, `decider.rs` — messages from numbers no current staff member holds;
//! - `projections.rs` — what is true of them;
//! - `app.rs` — the application layer: the SMS door and the unmatched messages, access decided;
//! - `graphql.rs` — the GraphQL part: mapping only.

pub mod app;
pub mod decider;
pub mod events;
pub mod gateways;
pub mod graphql;
pub mod keywords;
pub mod projections;
pub mod replies;

pub use app::{FieldApp, FieldSettings};
pub use graphql::{FieldMutation, FieldQuery};
pub use projections::FieldView;
