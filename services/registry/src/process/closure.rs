//! Closing a base, across two contexts: the registry decides, staffing is asked first.
//!
//! Every CLA at a base must have been rotated or released before it closes (the two-per-base rule
//! applies to each of those changes, so the gap they open was accepted with a reason). The steps:
//!
//! 1. decide the closing on the base as its stream holds it, writing nothing: a base that is not
//!    closing, already closed, or a blank reason is refused before staffing is asked;
//! 2. ask staffing ([`BaseOccupancy`]) who is still deployed there on the closing day: anyone, and
//!    the closing is refused with `COVERAGE_GAP` on `baseId`;
//! 3. the one write: the closing, through the command path (decided again on the stream as it is
//!    then).
//!
//! Nothing is written unless every check passed.

use cla_platform::command::{CommandMeta, load};
use cla_platform::decider::Decider;
use cla_platform::{AppError, AppResult, ErrorCode, Runtime};

use crate::BaseOccupancy;
use crate::app::BaseStep;
use crate::commands::BaseCommand;
use crate::decider::{BaseContext, BaseDecider};
use crate::events::{RegistryEvent, streams};

/// Closes the base `step` names, in `mission`; `occupancy` is staffing's answer to who is there
/// (none: nothing is asked).
pub async fn close_base(
    runtime: &Runtime,
    occupancy: Option<&dyn BaseOccupancy>,
    mission: &str,
    step: &BaseStep,
    meta: &CommandMeta,
) -> AppResult<Vec<RegistryEvent>> {
    let stream = streams::base(&step.base_id);
    let command = BaseCommand::Close {
        reason: step.reason.clone(),
        effective: step.effective,
    };
    let context = BaseContext::default();
    let refused = |e: AppError| {
        runtime.metrics.command_refused(e.code.as_str());
        e
    };
    // 1. The closing itself, decided on the base as it is, writing nothing.
    let (state, _) = load::<BaseDecider>(runtime.store.as_ref(), &stream).await?;
    BaseDecider::decide(&command, &state, &context).map_err(refused)?;
    // 2. Staffing: nobody may still be deployed there on the day.
    if let Some(occupancy) = occupancy {
        check_empty(occupancy, mission, step).map_err(refused)?;
    }
    // 3. The one write.
    let handled = runtime
        .execute::<BaseDecider>(&stream, &command, &context, meta)
        .await?;
    Ok(handled.events)
}

/// Refuses the closing while staffing has CLAs deployed at the base on its day.
pub fn check_empty(occupancy: &dyn BaseOccupancy, mission: &str, step: &BaseStep) -> AppResult<()> {
    let on = step.effective;
    let deployed = occupancy.deployed(mission, &step.base_id, on);
    if deployed > 0 {
        return Err(AppError::new(
            ErrorCode::CoverageGap,
            format!(
                "{deployed} CLA(s) are still deployed at this base on {on}; rotate or release them first"
            ),
        )
        .on("baseId"));
    }
    Ok(())
}
