//! The watch is watched: every periodic worker (the check-in detector, the alert monitor, the
//! escalation worker) registers here with its interval and marks each scan it completes, on the
//! injected clock. A part that has completed none for [`STALLED_AFTER_INTERVALS`] intervals (or,
//! never having completed one, since it was registered) is stalled: `/readyz` names it, `/metrics`
//! shows each part's last completed scan, and a [`Watchdog`] — a task of its own, which goes on
//! when the parts hang — calls a hook once when a part stalls and once when it recovers.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::clock::Clock;

/// How many intervals without a completed scan make a part stalled.
pub const STALLED_AFTER_INTERVALS: u32 = 3;

struct Part {
    every: StdDuration,
    registered: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
}

impl Part {
    /// Since when the part has completed no scan: its last one, or its registration.
    fn since(&self) -> DateTime<Utc> {
        self.last.unwrap_or(self.registered)
    }
}

/// The periodic parts and the last scan each completed. Shared (`Arc`) by the parts, the
/// watchdog, `/readyz` and `/metrics`.
#[derive(Default)]
pub struct Heartbeats {
    parts: Mutex<BTreeMap<&'static str, Part>>,
    checks: AtomicU64,
}

/// A part's side of [`Heartbeats`]: it marks each scan it completes. Dropping it (the part's task
/// ended) leaves the part registered: a part that is gone is stalled, not forgotten.
#[derive(Clone)]
pub struct Heartbeat {
    beats: Arc<Heartbeats>,
    part: &'static str,
}

impl Heartbeat {
    /// The part completed a scan at `at` (its clock's now).
    pub fn beat(&self, at: DateTime<Utc>) {
        let mut parts = self.beats.parts.lock().expect("heartbeats lock");
        if let Some(p) = parts.get_mut(self.part) {
            p.last = Some(p.last.map_or(at, |last| last.max(at)));
        }
    }
}

/// A part that has not completed a scan for more than [`STALLED_AFTER_INTERVALS`] intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stalled {
    pub part: &'static str,
    /// Its last completed scan, or when it was registered where it has completed none.
    pub since: DateTime<Utc>,
    /// Whether it has ever completed a scan.
    pub scanned: bool,
    /// Its interval between scans.
    pub every: StdDuration,
}

/// "detector has not completed a scan since 2026-12-02T04:00:00Z": names the part and the time,
/// nothing else.
impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self.since.to_rfc3339_opts(SecondsFormat::Secs, true);
        if self.scanned {
            write!(f, "{} has not completed a scan since {since}", self.part)
        } else {
            write!(
                f,
                "{} has not completed a scan since it started at {since}",
                self.part
            )
        }
    }
}

/// A stalled part that completed a scan again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    pub part: &'static str,
    /// Its last completed scan.
    pub at: DateTime<Utc>,
}

impl fmt::Display for Recovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at.to_rfc3339_opts(SecondsFormat::Secs, true);
        write!(f, "{} completed a scan again at {at}", self.part)
    }
}

impl Heartbeats {
    /// Registers `part` (a metric-name word: `detector`, `monitor`, `escalation`), which scans
    /// every `every`, at `now`; registering it again starts it afresh.
    ///
    /// Panics on a name that is not lower-case letters, digits and `_` from a letter: names are
    /// the product's constants, and each becomes a metric's name.
    pub fn register(
        self: &Arc<Self>,
        part: &'static str,
        every: StdDuration,
        now: DateTime<Utc>,
    ) -> Heartbeat {
        assert!(
            part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "a watched part's name is a metric-name word: {part:?}"
        );
        self.parts.lock().expect("heartbeats lock").insert(
            part,
            Part {
                every,
                registered: now,
                last: None,
            },
        );
        Heartbeat {
            beats: Arc::clone(self),
            part,
        }
    }

    /// The parts stalled at `now`, by name.
    pub fn stalled(&self, now: DateTime<Utc>) -> Vec<Stalled> {
        let parts = self.parts.lock().expect("heartbeats lock");
        parts
            .iter()
            .filter_map(|(name, p)| {
                let allowed = chrono::Duration::from_std(p.every * STALLED_AFTER_INTERVALS)
                    .unwrap_or(chrono::Duration::MAX);
                (now - p.since() > allowed).then(|| Stalled {
                    part: name,
                    since: p.since(),
                    scanned: p.last.is_some(),
                    every: p.every,
                })
            })
            .collect()
    }

    /// Each registered part and its last completed scan, by name.
    pub fn last_scans(&self) -> Vec<(&'static str, Option<DateTime<Utc>>)> {
        let parts = self.parts.lock().expect("heartbeats lock");
        parts.iter().map(|(name, p)| (*name, p.last)).collect()
    }

    /// How many looks the watchdog has taken.
    pub fn checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }
}

/// Called with a part newly stalled. It runs on the watchdog's task: quick, and never waiting on
/// the parts it watches (hand slow work, such as sending, to a task of its own).
pub type OnStall = Arc<dyn Fn(Stalled) + Send + Sync>;
/// Called with a stalled part that completed a scan again.
pub type OnRecovery = Arc<dyn Fn(Recovered) + Send + Sync>;

/// What the watchdog does when a part stalls and when it recovers.
#[derive(Clone)]
pub struct Hooks {
    pub on_stall: OnStall,
    pub on_recovery: OnRecovery,
}

/// By default, an error in the log once per stall, and a line once it recovers.
impl Default for Hooks {
    fn default() -> Self {
        Self {
            on_stall: Arc::new(|s: Stalled| {
                tracing::error!(part = s.part, since = %s.since, "{s}");
            }),
            on_recovery: Arc::new(|r: Recovered| {
                tracing::warn!(part = r.part, at = %r.at, "{r}");
            }),
        }
    }
}

/// Looks at the heartbeats on a schedule and tells of each part newly stalled, and of each
/// recovered, once.
pub struct Watchdog {
    heartbeats: Arc<Heartbeats>,
    clock: Arc<dyn Clock>,
    hooks: Hooks,
    stalled: BTreeSet<&'static str>,
}

impl Watchdog {
    pub fn new(heartbeats: Arc<Heartbeats>, clock: Arc<dyn Clock>, hooks: Hooks) -> Self {
        Self {
            heartbeats,
            clock,
            hooks,
            stalled: BTreeSet::new(),
        }
    }

    /// One look at the clock's now: the hooks called for the parts newly stalled and those
    /// recovered.
    pub fn check(&mut self) {
        let now = self.clock.now();
        let stalled = self.heartbeats.stalled(now);
        let names: BTreeSet<&'static str> = stalled.iter().map(|s| s.part).collect();
        for s in stalled {
            if !self.stalled.contains(s.part) {
                (self.hooks.on_stall)(s);
            }
        }
        let last: BTreeMap<&'static str, Option<DateTime<Utc>>> =
            self.heartbeats.last_scans().into_iter().collect();
        for part in self.stalled.difference(&names) {
            if let Some(Some(at)) = last.get(part) {
                (self.hooks.on_recovery)(Recovered { part, at: *at });
            }
        }
        self.stalled = names;
        self.heartbeats.checks.fetch_add(1, Ordering::Relaxed);
    }

    /// Looks every `every` on a task of its own, until it is stopped.
    pub fn spawn(mut self, every: StdDuration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.check();
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::clock::ManualClock;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap()
    }

    const MINUTE: StdDuration = StdDuration::from_secs(60);

    #[test]
    fn a_part_is_stalled_past_three_intervals_without_a_completed_scan() {
        let beats = Arc::new(Heartbeats::default());
        let detector = beats.register("detector", MINUTE, start());
        let _monitor = beats.register("monitor", MINUTE, start());
        // Never scanned: counted from its registration.
        assert_eq!(beats.stalled(start() + TimeDelta::minutes(3)), vec![]);
        let never = beats.stalled(start() + TimeDelta::minutes(3) + TimeDelta::seconds(1));
        assert_eq!(
            never
                .iter()
                .map(|s| (s.part, s.scanned))
                .collect::<Vec<_>>(),
            vec![("detector", false), ("monitor", false)]
        );
        assert_eq!(
            never[0].to_string(),
            "detector has not completed a scan since it started at 2026-01-01T00:00:00Z"
        );
        detector.beat(start() + TimeDelta::minutes(2));
        let at = start() + TimeDelta::minutes(5);
        assert_eq!(
            beats.stalled(at),
            vec![Stalled {
                part: "monitor",
                since: start(),
                scanned: false,
                every: MINUTE,
            }]
        );
        let later = beats.stalled(start() + TimeDelta::minutes(6));
        assert_eq!(
            later[0].to_string(),
            "detector has not completed a scan since 2026-01-01T00:02:00Z"
        );
        // A beat never moves a part's last scan back.
        detector.beat(start());
        assert_eq!(
            beats.last_scans(),
            vec![
                ("detector", Some(start() + TimeDelta::minutes(2))),
                ("monitor", None)
            ]
        );
    }

    #[test]
    #[should_panic(expected = "metric-name word")]
    fn a_part_is_named_by_a_metric_name_word() {
        Arc::new(Heartbeats::default()).register("the detector", MINUTE, start());
    }

    #[test]
    fn the_watchdog_tells_of_a_stall_once_and_of_the_recovery_once() {
        let clock = Arc::new(ManualClock::new(start()));
        let beats = Arc::new(Heartbeats::default());
        let detector = beats.register("detector", MINUTE, start());
        let monitor = beats.register("monitor", MINUTE, start());
        let told: Arc<Mutex<Vec<String>>> = Arc::default();
        let (stalls, recoveries) = (Arc::clone(&told), Arc::clone(&told));
        let hooks = Hooks {
            on_stall: Arc::new(move |s: Stalled| {
                stalls.lock().unwrap().push(format!("stalled {}", s.part))
            }),
            on_recovery: Arc::new(move |r: Recovered| {
                recoveries
                    .lock()
                    .unwrap()
                    .push(format!("recovered {}", r.part))
            }),
        };
        let mut watchdog = Watchdog::new(Arc::clone(&beats), clock.clone(), hooks);
        for minute in 1..=10 {
            clock.advance(TimeDelta::minutes(1));
            monitor.beat(clock.now());
            if minute <= 2 {
                detector.beat(clock.now());
            }
            watchdog.check();
        }
        assert_eq!(*told.lock().unwrap(), vec!["stalled detector"]);
        detector.beat(clock.now());
        watchdog.check();
        watchdog.check();
        assert_eq!(
            *told.lock().unwrap(),
            vec!["stalled detector", "recovered detector"]
        );
        assert_eq!(beats.checks(), 12);
    }
}
