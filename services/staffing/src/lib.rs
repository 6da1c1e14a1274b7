//! The staffing context: deployments of CLAs to bases, the two-per-base rule, rotations, absences,
//! and what follows — the base board and the coverage forecast.
//!
//! - `events.rs` — what can have happened (`proto/cla/staffing/v1`), and the consistency boundary;
//! - `commands.rs` — what managers ask;
//! - `coverage.rs` — who is at a base on a day, and its effective strength;
//! - `decider.rs` — the rules;
//! - `projections/` — what is true, and the read computations over it: the board, the forecast,
//!   a CLA's staffing, the rotation calendar;
//! - `app.rs` — the commands and queries every door calls, where access is decided;
//! - `graphql.rs` — the GraphQL door.

pub mod app;
pub mod commands;
pub mod coverage;
pub mod decider;
pub mod events;
pub mod graphql;
pub mod projections;
pub mod reactor;

/// Open risk flags of a mission's bases by severity (low, medium, high, critical), as the risk
/// context lets the caller see them, for the board: one answer for the whole mission. The gateway
/// provides it, so staffing does not depend on risk.
pub trait OpenRiskFlags: Send + Sync {
    fn by_base(
        &self,
        who: &cla_platform::Principal,
        mission: &str,
        view: &cla_platform::timeline::View,
    ) -> BaseRiskCounts;
}

/// The open flags by base, and the bases whose counts are withheld from the caller (see
/// [`cla_platform::disclosure`]): for those, no count is given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaseRiskCounts {
    pub counts: std::collections::HashMap<String, [u32; 4]>,
    pub withheld: std::collections::BTreeSet<String>,
}

pub use app::StaffingApp;
pub use graphql::{StaffingMutation, StaffingQuery};
pub use projections::StaffingView;
