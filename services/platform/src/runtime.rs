//! What a context's resolvers run commands and queries with.

use std::sync::Arc;
use std::time::Duration;

use cla_event_store::{EventStore, StreamName};

use crate::command::{CommandMeta, Handled, StateCache, StoredDecider, handle};
use crate::error::AppResult;
use crate::metrics::Metrics;
use crate::projection::{Projection, ProjectionHub};

#[derive(Clone)]
pub struct Runtime {
    pub store: Arc<dyn EventStore>,
    pub hub: Arc<ProjectionHub>,
    pub metrics: Arc<Metrics>,
    /// How long a command waits for the read models to show its events.
    pub settle_timeout: Duration,
    /// Streams' last known states, so commands on long streams start there.
    pub states: Arc<StateCache>,
    /// Personal data's keys: sealing on the way in, opening at the door, erasure.
    pub personal: Arc<crate::personal::PersonalData>,
}

impl Runtime {
    /// A runtime over `store` whose read models (`projections`) are fed from it from the start,
    /// with metrics and stream states of its own: what a test or a tool runs commands with.
    pub fn started(
        store: Arc<dyn EventStore>,
        projections: Vec<Arc<dyn Projection>>,
        settle_timeout: Duration,
    ) -> Self {
        let hub = ProjectionHub::new(Arc::clone(&store), projections, None);
        hub.start();
        Self {
            store,
            hub,
            metrics: Default::default(),
            settle_timeout,
            states: Default::default(),
            personal: crate::personal::PersonalData::disabled(),
        }
    }

    /// Handles a command and returns once the read models show its events (read-your-writes).
    pub async fn execute<D: StoredDecider>(
        &self,
        stream: &StreamName,
        command: &D::Command,
        context: &D::Context,
        meta: &CommandMeta,
    ) -> AppResult<Handled<D::Event>> {
        let outcome = handle::<D>(&self.store, &self.states, stream, command, context, meta).await;
        match &outcome {
            Ok(handled) => {
                self.metrics.command_accepted(handled.events.len());
                if let Some(position) = handled.position {
                    self.hub.wait_for(position, self.settle_timeout).await?;
                }
            }
            Err(refusal) => {
                tracing::info!(code = %refusal.code, field = ?refusal.field, "command refused");
                self.metrics.command_refused(refusal.code.as_str());
            }
        }
        outcome
    }
}
