//! What a context's resolvers run commands and queries with.

use std::sync::Arc;
use std::time::Duration;

use cla_event_store::{EventStore, StreamName};

use crate::codec::EventCodec;
use crate::command::{CommandMeta, Handled, StateCache, handle};
use crate::decider::Decider;
use crate::error::AppResult;
use crate::metrics::Metrics;
use crate::projection::ProjectionHub;

#[derive(Clone)]
pub struct Runtime {
    pub store: Arc<dyn EventStore>,
    pub hub: Arc<ProjectionHub>,
    pub metrics: Arc<Metrics>,
    /// How long a command waits for the read models to show its events.
    pub settle_timeout: Duration,
    /// Streams' last known states, so commands on long streams start there.
    pub states: Arc<StateCache>,
}

impl Runtime {
    /// Handles a command and returns once the read models show its events (read-your-writes).
    pub async fn execute<D>(
        &self,
        stream: &StreamName,
        command: &D::Command,
        context: &D::Context,
        meta: &CommandMeta,
    ) -> AppResult<Handled<D::Event>>
    where
        D: Decider,
        D::Event: EventCodec,
        D::State: Send + 'static,
    {
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
