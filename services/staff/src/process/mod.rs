//! Workflows that span streams. Each validates everything that can be validated before its first
//! write, and says what is left when a write fails and how sending it again completes it.
//!
//! - [`hiring`] — hiring a candidate, registering a staff member, changing an index number and
//!   separating: a staff member's stream together with the index numbers they hold.

pub mod hiring;

#[cfg(test)]
mod tests;
