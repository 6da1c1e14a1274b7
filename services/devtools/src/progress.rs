//! Progress on long work (`cla generate`, `cla import`, the first start's rebuild of the read
//! models): a bar ([`indicatif`]) where standard error is a terminal, and otherwise a line every
//! few seconds, so a service manager's journal or a CI log shows the work moving without a
//! redraw per step.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a line is written where there is no terminal to draw a bar on.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Where the lines go where there is no bar: standard error, or the log (JSON mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    Stderr,
    Log,
}

pub struct Progress {
    label: String,
    unit: &'static str,
    total: Option<u64>,
    bar: Option<ProgressBar>,
    lines: Lines,
    done: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// `label` (what is done) over `total` `unit`s; `None`: a count without an end (a spinner).
    pub fn new(label: &str, unit: &'static str, total: Option<u64>, lines: Lines) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{msg} [{bar:30}] {human_pos}/{human_len} {prefix} ({percent} %, {elapsed}, {eta} left)",
                    )
                    .expect("a template")
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a template"),
                ),
            };
            bar.set_message(label.to_string());
            bar.set_prefix(unit);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Self {
            label: label.to_string(),
            unit,
            total,
            bar,
            lines,
            done: AtomicU64::new(0),
            started: now,
            last_line: Mutex::new(now),
        }
    }

    /// `n` more done.
    pub fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        self.at(done);
    }

    /// `done` so far, in all.
    pub fn set(&self, done: u64) {
        self.done.store(done, Ordering::Relaxed);
        self.at(done);
    }

    fn at(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= LINE_EVERY {
            *last = Instant::now();
            self.line(&self.status(done));
        }
    }

    /// What has been done, in words: "812 of 1200 CLAs (67 %), 48 s".
    pub fn status(&self, done: u64) -> String {
        let seconds = self.started.elapsed().as_secs();
        match self.total {
            Some(total) if total > 0 => format!(
                "{}: {done} of {total} {} ({} %), {seconds} s",
                self.label,
                self.unit,
                done * 100 / total
            ),
            _ if self.unit.is_empty() => format!("{}, {seconds} s", self.label),
            _ => format!("{}: {done} {}, {seconds} s", self.label, self.unit),
        }
    }

    fn line(&self, text: &str) {
        match self.lines {
            Lines::Stderr => eprintln!("{text}"),
            Lines::Log => tracing::info!(target: "cla::progress", "{text}"),
        }
    }

    /// The work is done: the bar cleared, `message` said (where there is one).
    pub fn finish(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !message.is_empty() {
            self.line(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_says_how_far_the_work_is() {
        let p = Progress::new("check-ins", "CLAs", Some(1200), Lines::Stderr);
        assert!(
            p.status(812)
                .starts_with("check-ins: 812 of 1200 CLAs (67 %), ")
        );
        let s = Progress::new("checking the file", "rows", None, Lines::Stderr);
        assert!(s.status(3).starts_with("checking the file: 3 rows, "));
    }
}
