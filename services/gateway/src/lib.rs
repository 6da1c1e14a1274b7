//! The gateway, transport only: one binary (`cla`) serving every context's GraphQL (and the CSV
//! import and export) over the event store, with sign-in, roles and mission scope. The demo, the
//! generator and the CSV command-line client are `cla_devtools`; `demo` and `generate` here hand
//! them the application layers the gateway serves with.

pub mod ack;
pub mod answers;
pub mod auth;
pub mod backup;
pub mod config;
pub mod csvio;
pub mod demo;
pub mod figures;
pub mod generate;
pub mod http;
pub mod jwks;
pub mod lifetime;
pub mod limits;
pub mod notify;
pub mod privacy;
pub mod schema;
pub mod server;
pub mod sms;
pub mod telemetry;

pub use config::Config;
pub use server::{Running, start, start_with_clock};
