//! The gateway: one binary (`cla`) serving every context's GraphQL over the event store, with
//! sign-in, roles and mission scope.

pub mod answers;
pub mod auth;
pub mod config;
pub mod csvio;
pub mod demo;
pub mod generate;
pub mod schema;
pub mod server;
pub mod telemetry;

pub use config::Config;
pub use server::{Running, start, start_with_clock};
