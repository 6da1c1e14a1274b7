//! The demo dataset and the scale generator live in `cla_devtools`, which calls the application
//! layers directly; this module hands them the layers the gateway serves with. A schema is taken
//! only as what holds those layers (`Schema::data`): no GraphQL request is run.

use cla_devtools::Apps as ToolApps;

pub use cla_devtools::demo::{DemoError, MissionSummary, SEED, Summary};

use crate::schema::{Apps, ClaSchema};

/// The application layers the demo and the generator write through.
pub fn tool_apps(apps: &Apps) -> ToolApps {
    ToolApps {
        registry: apps.registry.clone(),
        staff: apps.staff.clone(),
        staffing: apps.staffing.clone(),
        risk: apps.risk.clone(),
        supervision: apps.supervision.clone(),
    }
}

/// The application layers a schema was built with (see [`crate::schema::build`]).
pub fn apps_of(schema: &ClaSchema) -> Result<ToolApps, DemoError> {
    fn layer<T: Clone + Send + Sync + 'static>(schema: &ClaSchema) -> Result<T, DemoError> {
        schema.data::<T>().cloned().ok_or_else(|| {
            DemoError(format!(
                "the schema holds no {}",
                std::any::type_name::<T>()
            ))
        })
    }
    Ok(ToolApps {
        registry: layer(schema)?,
        staff: layer(schema)?,
        staffing: layer(schema)?,
        risk: layer(schema)?,
        supervision: layer(schema)?,
    })
}

/// Loads the demo through the schema's application layers if the store is empty (see
/// [`cla_devtools::demo::load_if_empty`]).
pub async fn load_if_empty(
    schema: &ClaSchema,
    store: &dyn cla_event_store::EventStore,
    now: chrono::DateTime<chrono::Utc>,
    seed: u64,
) -> Result<Option<Summary>, DemoError> {
    cla_devtools::demo::load_if_empty(&apps_of(schema)?, store, now, seed).await
}
