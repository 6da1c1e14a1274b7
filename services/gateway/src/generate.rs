//! The scale generator (`cla_devtools::generate`), writing through the application layers a
//! schema was built with; no GraphQL request is run.

use std::sync::Arc;

use cla_event_store::EventStore;

pub use cla_devtools::generate::{Params, Report};

use crate::demo::{DemoError, apps_of};
use crate::schema::ClaSchema;

/// Generates into an empty store (see [`cla_devtools::generate::generate`]).
pub async fn generate(
    schema: &ClaSchema,
    store: Arc<dyn EventStore>,
    now: chrono::DateTime<chrono::Utc>,
    params: &Params,
) -> Result<Report, DemoError> {
    cla_devtools::generate::generate(&apps_of(schema)?, store.as_ref(), now, params, None).await
}
