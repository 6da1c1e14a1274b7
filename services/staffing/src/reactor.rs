//! Staffing's reaction to a base starting to close: the CLAs deployed there that day are recorded
//! as exposed (`ClasExposedByBaseClosing`), for the risk context to flag each one.
//!
//! The reactor follows the store with its own subscription to `BaseClosingStarted` alone (the store
//! filters, so the rest of history is neither sent nor decoded), from its checkpoint (so no
//! closing is missed, whatever the restarts, and a restart does not read the store again from the
//! start). It reads the registry's event through its contract (not the registry's code) and
//! records each closing once: the decider makes the command a no-op when the exposure is already
//! recorded, so replays after a restart change nothing.

use std::sync::Arc;
use std::time::Duration;

use cla_contracts::EventContract;
use cla_contracts::cla::registry::v1::BaseClosingStarted;
use cla_event_store::{EventStore, RecordedEvent};
use cla_platform::Runtime;
use cla_platform::command::CommandMeta;
use cla_platform::reactor::{ReactorCheckpoint, spawn_reactor, system_actor};
use cla_platform::timeline::View;

use crate::commands::StaffingCommand;
use crate::decider::{StaffingContext, StaffingDecider};
use crate::events::stream;
use crate::projections::StaffingView;

pub fn spawn_closure_reactor(
    store: Arc<dyn EventStore>,
    runtime: Runtime,
    staffing: Arc<StaffingView>,
    checkpoint: ReactorCheckpoint,
) -> tokio::task::JoinHandle<()> {
    spawn_reactor(
        "base-closing-exposures",
        store,
        &[BaseClosingStarted::TYPE_NAME],
        checkpoint,
        move |event| {
            let runtime = runtime.clone();
            let staffing = Arc::clone(&staffing);
            async move { record_exposure(&runtime, &staffing, &event).await }
        },
    )
}

async fn record_exposure(runtime: &Runtime, staffing: &StaffingView, event: &RecordedEvent) {
    let Ok(started) = cla_contracts::decode_json::<BaseClosingStarted>(&event.data) else {
        return;
    };
    // Who is deployed comes from the read models: let them reach this event first.
    if runtime
        .hub
        .wait_for(event.position, Duration::from_secs(600))
        .await
        .is_err()
    {
        return;
    }
    let on = event.metadata.effective;
    let view = View::on(on);
    let context = StaffingContext {
        mission: started.mission_code.clone(),
        availability: staffing.availability(&started.mission_code, &view, false),
        ..Default::default()
    };
    let meta = CommandMeta {
        actor: system_actor(),
        correlation_id: event.metadata.correlation_id,
        causation_id: Some(event.id),
        effective: on,
    };
    let command = StaffingCommand::RecordClosureExposure {
        base_id: started.base_id.clone(),
        closing_started_on: on,
        cause_event_id: event.id.to_string(),
    };
    if let Err(e) = runtime
        .execute::<StaffingDecider>(&stream(&started.mission_code), &command, &context, &meta)
        .await
    {
        tracing::error!(error = ?e, base = %started.base_id, "could not record the CLAs exposed by a base closing");
    }
}
