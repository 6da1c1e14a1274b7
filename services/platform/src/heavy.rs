//! CPU-heavy, synchronous computations (a report over many months, say): they run on a few
//! threads of their own, at a lower CPU priority, so the async workers (health checks, cheap
//! queries) keep the cores they need; and they stop when the request that asked for them is gone:
//! its time budget spent or its client disconnected (either drops the request's future, and with
//! it the [`run`] future).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::oneshot;

use crate::error::{AppError, ErrorCode};

/// How much less CPU a heavy thread gets than a request's thread when both want a core (a nice
/// value: at 10 the scheduler weighs it about one tenth).
const NICENESS: libc::c_int = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The heavy threads: every core but one (at least one), each taking the next queued job.
static POOL: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (send, receive) = mpsc::channel::<Job>();
    let receive = Arc::new(Mutex::new(receive));
    for n in 0..cores.saturating_sub(1).max(1) {
        let receive = Arc::clone(&receive);
        std::thread::Builder::new()
            .name(format!("cla-heavy-{n}"))
            .spawn(move || {
                lower_priority();
                loop {
                    let job = match receive.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .expect("a heavy computation thread");
    }
    Mutex::new(send)
});

/// Lowers the calling thread's CPU priority (on Linux a nice value is per thread). Lowering needs
/// no privilege; where it fails the thread runs at the usual priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; `0` names the calling thread.
    unsafe {
        if libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS) != 0 {
            tracing::warn!("heavy computations run at the usual CPU priority");
        }
    }
}

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

/// Runs `work` on a heavy thread once one is free; when this future is dropped, `work`'s
/// [`Stop`] is raised and it should end at its next check (or not start, if still queued).
pub async fn run<T, F>(work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Stop) -> Result<T, AppError> + Send + 'static,
{
    let stop = Stop::default();
    let _raise = RaiseOnDrop(stop.clone());
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            stop.check()?;
            work(&stop)
        }))
        .unwrap_or_else(|_| Err(AppError::internal("a heavy computation panicked")));
        // The request may be gone; then nobody waits for the answer.
        let _ = answer.send(result);
    });
    POOL.lock()
        .map_err(|_| AppError::internal("the heavy computation queue is poisoned"))?
        .send(job)
        .map_err(AppError::internal)?;
    answered.await.map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Waits (with a deadline) until `flag` is raised.
    async fn raised(flag: &AtomicBool, what: &str) {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while !flag.load(Ordering::SeqCst) {
            assert!(std::time::Instant::now() < until, "{what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_dropped_request_stops_its_work() {
        let started = Arc::new(AtomicBool::new(false));
        let ended = Arc::new(AtomicBool::new(false));
        let (began, seen) = (Arc::clone(&started), Arc::clone(&ended));
        let request = tokio::spawn(run(move |stop| {
            began.store(true, Ordering::SeqCst);
            while !stop.requested() {
                std::thread::sleep(Duration::from_millis(1));
            }
            seen.store(true, Ordering::SeqCst);
            Err::<(), _>(stopped())
        }));
        raised(&started, "the work never started").await;
        assert!(!request.is_finished(), "the work runs until stopped");
        request.abort();
        raised(&ended, "the work never stopped").await;
    }

    #[tokio::test]
    async fn queued_work_of_a_gone_request_never_starts() {
        use std::sync::atomic::AtomicUsize;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = threads.saturating_sub(1).max(1);
        let release = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicUsize::new(0));
        // Hold every heavy thread, so the next job waits in the queue.
        let busy: Vec<_> = (0..threads)
            .map(|_| {
                let (hold, running) = (Arc::clone(&release), Arc::clone(&running));
                tokio::spawn(run(move |_| {
                    running.fetch_add(1, Ordering::SeqCst);
                    while !hold.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Ok(())
                }))
            })
            .collect();
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while running.load(Ordering::SeqCst) < threads {
            assert!(
                std::time::Instant::now() < until,
                "the threads never filled"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let mut queued = Box::pin(run(move |_| {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        }));
        assert!(
            futures::poll!(&mut queued).is_pending(),
            "the job is queued"
        );
        drop(queued);
        release.store(true, Ordering::SeqCst);
        for b in busy {
            b.await.unwrap().unwrap();
        }
        // Work queued after the dropped request's runs after it: by then it has had its turn.
        assert_eq!(run(|_| Ok(1)).await.unwrap(), 1);
        assert!(!ran.load(Ordering::SeqCst), "the gone request's work ran");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn heavy_work_runs_below_the_usual_priority() {
        // SAFETY: getpriority only reads its arguments; `0` names the calling thread.
        let here = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let there = run(|_| Ok(unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }))
            .await
            .unwrap();
        assert_eq!(
            there,
            (here + NICENESS).min(19),
            "the heavy thread is niced"
        );
    }

    #[tokio::test]
    async fn a_panic_is_an_internal_error_and_the_threads_go_on() {
        let failed = run(|_| -> Result<(), AppError> { panic!("a broken report") }).await;
        assert_eq!(failed.unwrap_err().code, ErrorCode::Internal);
        for n in 0..4 {
            assert_eq!(
                run(move |_| Ok(n)).await.unwrap(),
                n,
                "later work still runs"
            );
        }
    }

    #[tokio::test]
    async fn finished_work_gives_its_answer() {
        assert_eq!(run(|_| Ok(6 * 7)).await.unwrap(), 42);
    }
}
