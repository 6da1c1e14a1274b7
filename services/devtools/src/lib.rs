//! Tools for development and benchmarks: the demo dataset, the scale generator and the CSV
//! command-line client. Each is a door like any other: the demo and the generator call the
//! application layer's typed commands (as an ADMIN), the client calls a running server over HTTP.
//! Nothing here knows GraphQL or the gateway; the `cla` binary hands the application layers in.

pub mod csv_client;
pub mod demo;
pub mod generate;
pub mod progress;

use cla_registry::RegistryApp;
use cla_risk::RiskApp;
use cla_staff::StaffApp;
use cla_staffing::StaffingApp;
use cla_supervision::SupervisionApp;

/// The application layers the demo and the generator write through (each cheap to clone): the
/// gateway fills it from the ones it serves requests with.
#[derive(Clone)]
pub struct Apps {
    pub registry: RegistryApp,
    pub staff: StaffApp,
    pub staffing: StaffingApp,
    pub risk: RiskApp,
    pub supervision: SupervisionApp,
}

/// Runs a command's work on a new runtime; a runtime that cannot start is the command's failure.
pub fn on_runtime<F>(work: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = std::process::ExitCode>,
{
    block_on(work).unwrap_or(std::process::ExitCode::FAILURE)
}

/// Runs `work` on a runtime of its own; `None` (said on stderr) where none can be started.
pub fn block_on<F: std::future::Future>(work: F) -> Option<F::Output> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime.block_on(work)),
        Err(e) => {
            eprintln!("cla: cannot start: {e}");
            None
        }
    }
}
