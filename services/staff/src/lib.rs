//! The staff and recruitment context: vacancies and their candidate pipeline, hiring, and each
//! staff member's working life (status, appointment, grade, index number), with the restricted
//! personal data DESIGN §5 names.
//!
//! - `events.rs` — what can have happened (the contracts in `proto/cla/staff/v1`);
//! - `commands.rs` — what users ask;
//! - `decider.rs` — the rules;
//! - `projections/` — the read models and what is computed from them (the recruitment pipeline);
//! - `process/` — workflows across streams (hiring, index numbers);
//! - `duress.rs` — duress words: their hash and the check every SMS runs;
//! - `app.rs` — the application layer: every command and query, access decided;
//! - `graphql.rs` — the GraphQL door, mapping only.

pub mod app;
pub mod commands;
pub mod decider;
pub mod duress;
pub mod events;
pub mod graphql;
pub mod process;
pub mod projections;

/// A staff member's deployments (bases, from–to) as the staffing context knows them, for the
/// profile. The gateway provides the answer, so this context does not depend on staffing.
pub trait DeploymentHistory: Send + Sync {
    fn deployments(
        &self,
        staff_id: &str,
        view: &cla_platform::timeline::View,
    ) -> Vec<DeploymentRecord>;
}

/// One deployment of a staff member.
#[derive(async_graphql::SimpleObject, Clone, Debug, PartialEq)]
pub struct DeploymentRecord {
    pub base_id: String,
    pub base_name: String,
    pub from: cla_platform::graphql::Date,
    /// The day it ended (no longer at the base); null while it runs.
    pub to: Option<cla_platform::graphql::Date>,
}

pub use app::StaffApp;
pub use graphql::{
    StaffMutation, StaffPhoneMutation, StaffPhoneQuery, StaffPrivacyMutation, StaffPrivacyQuery,
    StaffQuery,
};
pub use projections::StaffView;
