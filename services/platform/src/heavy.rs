//! CPU-heavy, synchronous computations (a report over many months, say): they run on the blocking
//! pool, a few at a time so the async workers (health checks, cheap queries) keep a core, and they
//! stop when the request that asked for them is gone: its time budget spent or its client
//! disconnected (either drops the request's future, and with it the [`run`] future).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;

use crate::error::{AppError, ErrorCode};

/// How many heavy computations run at once: every core but one (at least one).
static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
});

/// Asked of a computation between its steps: has the request gone?
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A flag never raised (for callers outside a request).
    pub fn never() -> Self {
        Self::default()
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err` once the request has gone: the computation's `?` ends it.
    pub fn check(&self) -> Result<(), AppError> {
        if self.requested() {
            Err(stopped())
        } else {
            Ok(())
        }
    }
}

/// Raises the flag when dropped (the request's future was dropped, or the work is done).
struct RaiseOnDrop(Stop);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::Relaxed);
    }
}

fn stopped() -> AppError {
    AppError::new(
        ErrorCode::Unavailable,
        "the request's time budget was spent, or its client went away",
    )
}

/// Runs `work` on the blocking pool once one of the few heavy slots is free; when this future is
/// dropped, `work`'s [`Stop`] is raised and it should end at its next check.
pub async fn run<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Stop) -> Result<T, AppError> + Send + 'static,
{
    let stop = Stop::default();
    let _raise = RaiseOnDrop(stop.clone());
    let permit = Arc::clone(&PERMITS)
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        stop.check()?;
        work(&stop)
    });
    task.await.map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_dropped_request_stops_its_work() {
        let ended = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&ended);
        let work = run(move |stop| {
            while !stop.requested() {
                std::thread::sleep(Duration::from_millis(1));
            }
            seen.store(true, Ordering::SeqCst);
            Err::<(), _>(stopped())
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(50), work)
                .await
                .is_err(),
            "the work runs until stopped"
        );
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while !ended.load(Ordering::SeqCst) {
            assert!(std::time::Instant::now() < until, "the work never stopped");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn finished_work_gives_its_answer() {
        assert_eq!(run(|_| Ok(6 * 7)).await.unwrap(), 42);
    }
}
