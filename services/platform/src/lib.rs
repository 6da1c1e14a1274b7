//! What every bounded context shares, so that each one has the same shape:
//!
//! - [`decider`]: `decide(command, state, context) -> events`, `evolve(state, event) -> state`, pure
//!   and synchronous, with a given / when / then test helper;
//! - [`command`]: load a stream, decide, append with the expected revision, retry on a concurrent
//!   write, and wait until the read models show the result (read-your-writes);
//! - [`projection`]: read models fed by one subscription to the store, with their position for
//!   `/readyz` and read-your-writes, and a feed of changes for GraphQL subscriptions;
//! - [`cache`]: the one bounded cache (least recently used entries not in use go first) behind
//!   every cache: stream states, kept folds and views, kept answers;
//! - [`timeline`]: the one mechanism behind every read model's `asOf` (business date) and
//!   `knownAt` (what was recorded by then);
//! - [`claims`]: the one mapping from an identity provider's claims to the caller;
//! - [`access`]: roles, the signed-in principal and mission scope, and the guards that declare at
//!   each GraphQL field who may use it;
//! - [`error`]: the one error type at the edge, with stable codes;
//! - [`graphql`]: connections (Relay), views and other helpers;
//! - [`idempotency`]: idempotency keys, kept in the store, honoured by one schema extension;
//! - [`personal`]: restricted fields sealed before they are stored, opened at the door with
//!   each look recorded, and erased by destroying the person's key;
//! - [`watch`]: the periodic workers' heartbeats, and the watchdog that tells when one stalls.

pub mod access;
pub mod app;
pub mod cache;
pub mod claims;
pub mod clock;
pub mod codec;
pub mod command;
pub mod correlation;
pub mod decider;
pub mod disclosure;
pub mod error;
pub mod graphql;
pub mod heavy;
pub mod idempotency;
pub mod metrics;
pub mod personal;
pub mod projection;
pub mod reactor;
pub mod runtime;
pub mod secret_file;
pub mod snapshot;
pub mod timeline;
pub mod view_spec;
pub mod watch;

pub use access::{Principal, Role};
pub use app::Restricted;
pub use error::{AppError, AppResult, ErrorCode};
pub use runtime::Runtime;
