//! The channels notifications go out by, as configured.

use std::sync::Arc;

use cla_alerts::escalation::{NoChannels, Sender};

use crate::config::Config;

/// The configured channels.
pub fn sender(_config: &Config) -> Arc<dyn Sender> {
    Arc::new(NoChannels)
}
