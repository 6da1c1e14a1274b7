//! The benchmarks' histories: written once by `cla generate` (4 missions × 300 CLAs, daily
//! check-ins, as many days as the size needs) and kept under `target/bench-data/history-<size>`
//! for the next run of any benchmark.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Events a day of the generated history holds, measured: 4 missions × 300 CLAs check in on most
/// days (not when away), with the rest of the day's changes.
pub const EVENTS_PER_DAY: u64 = 1000;

/// The `cla` binary of this build.
pub fn cla() -> &'static str {
    env!("CARGO_BIN_EXE_cla")
}

/// Where the history of about `size` events is kept.
pub fn data_dir(size: u64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-data")
        .join(format!("history-{size}"))
}

/// Writes the history of about `size` events into `dir`, unless it is there already.
pub fn generate(dir: &Path, size: u64) {
    if dir.join("events").join("events.db").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("bench data dir");
    let days = (size / EVENTS_PER_DAY).max(60);
    println!("generating a history of about {size} events ({days} days)…");
    let t = Instant::now();
    let status = Command::new(cla())
        .args([
            "generate",
            "--days",
            &days.to_string(),
            "--missions",
            "4",
            "--clas",
            "300",
        ])
        .env("CLA_DATA_DIR", dir)
        .env("CLA_LOG", "warn")
        .status()
        .expect("cla generate runs");
    assert!(status.success(), "cla generate failed");
    println!("generated in {:.0} s", t.elapsed().as_secs_f64());
}
