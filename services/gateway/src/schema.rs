//! The one schema: every context's part, merged. The gateway adds nothing of its own but limits.

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};
use cla_platform::Runtime;
use cla_registry::{RegistryMutation, RegistryQuery, RegistrySubscription, RegistryView};
use cla_staff::{StaffMutation, StaffQuery, StaffView};
use cla_staffing::{StaffingMutation, StaffingQuery, StaffingView};

#[derive(MergedObject, Default)]
pub struct Query(RegistryQuery, StaffQuery, StaffingQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(RegistryMutation, StaffMutation, StaffingMutation);

#[derive(MergedSubscription, Default)]
pub struct Subscription(RegistrySubscription);

pub type ClaSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits, before any data is attached.
pub fn builder(
    max_depth: usize,
    max_complexity: usize,
) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(max_depth)
    .limit_complexity(max_complexity)
}

/// The schema serving requests.
pub fn build(
    max_depth: usize,
    max_complexity: usize,
    runtime: Runtime,
    registry: Arc<RegistryView>,
    staff: Arc<StaffView>,
    staffing: Arc<StaffingView>,
) -> ClaSchema {
    let occupancy: Arc<dyn cla_registry::BaseOccupancy> = staffing.clone();
    let history: Arc<dyn cla_staff::DeploymentHistory> =
        Arc::new(cla_staffing::projections::ProfileDeployments {
            staffing: staffing.clone(),
            registry: registry.clone(),
        });
    builder(max_depth, max_complexity)
        .data(runtime)
        .data(registry)
        .data(staff)
        .data(staffing)
        .data(occupancy)
        .data(history)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    builder(usize::MAX, usize::MAX).finish().sdl()
}
