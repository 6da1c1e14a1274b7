//! The figures `/metrics` reads at each scrape rather than counts: how far each projection is
//! behind the store, where the read models were restored from, the periodic parts' last scans,
//! notifications sent, failed and waiting, the alerts active now, and what is running. Counts
//! and names of parts only: nothing about a person or a place.

use cla_platform::metrics::Writer;
use cla_platform::metrics::prometheus_client::collector::Collector;
use cla_platform::metrics::prometheus_client::encoding::DescriptorEncoder;
use cla_platform::metrics::prometheus_client::registry::Unit;

use crate::server::AppState;

/// What a scrape read, ready to be written out.
#[derive(Debug)]
pub struct Scrape {
    /// Each projection and how many events it is behind; `None` where the store's head could not
    /// be read (then `cla_store_reachable` is 0 and no lag is made up).
    lags: Option<Vec<(&'static str, u64)>>,
    restored_from: u64,
    last_scans: Vec<(&'static str, f64)>,
    watchdog_checks: u64,
    notifications: Vec<(&'static str, u64, u64)>,
    pending: u64,
    active_alerts: Vec<(String, u64)>,
    backend: &'static str,
}

impl Scrape {
    pub async fn read(app: &AppState) -> Self {
        let head = app.store.head().await.map(|h| h.map_or(0, |p| p.0));
        let lags = head.ok().map(|head| {
            app.hub
                .positions()
                .into_iter()
                .map(|(name, applied)| (name, head.saturating_sub(applied)))
                .collect()
        });
        Self {
            lags,
            restored_from: app.hub.restored_from(),
            last_scans: app
                .heartbeats
                .last_scans()
                .into_iter()
                .map(|(part, last)| {
                    (
                        part,
                        last.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0),
                    )
                })
                .collect(),
            watchdog_checks: app.heartbeats.checks(),
            notifications: app.escalation.counters.figures(),
            pending: app.escalation.view.pending_count() as u64,
            active_alerts: app.alerts.active_by_kind().into_iter().collect(),
            backend: app.store.backend(),
        }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut w = Writer(&mut encoder);
        w.info(
            "cla_build_info",
            "The running version and its event store backend (always 1)",
            &[
                ("version", env!("CARGO_PKG_VERSION")),
                ("backend", self.backend),
            ],
        )?;
        w.gauge(
            "cla_store_reachable",
            "Whether the event store answered this scrape (1) or not (0)",
            None,
            i64::from(self.lags.is_some()),
        )?;
        if let Some(lags) = &self.lags {
            w.gauges(
                "cla_projection_lag_events",
                "Events stored but not yet applied, by projection",
                None,
                lags.iter()
                    .map(|(name, lag)| (vec![("projection", *name)], count(*lag))),
            )?;
        }
        w.gauge(
            "cla_projections_restored_position",
            "The checkpoint the read models were restored from at start-up (0: rebuilt from the start)",
            None,
            count(self.restored_from),
        )?;
        for (part, seconds) in &self.last_scans {
            w.gauge_f64(
                &format!("cla_{part}_last_scan_timestamp"),
                &format!(
                    "When the {part} last completed a scan (Unix seconds on the product's clock; 0: none yet)"
                ),
                Some(Unit::Seconds),
                *seconds,
            )?;
        }
        w.counters(
            "cla_watchdog_checks",
            "Looks the watchdog has taken at the periodic parts",
            [(Vec::<(&str, &str)>::new(), self.watchdog_checks)],
        )?;
        w.counters(
            "cla_notifications_sent",
            "Notifications delivered, per channel",
            self.notifications
                .iter()
                .map(|(channel, sent, _)| (vec![("channel", *channel)], *sent)),
        )?;
        w.counters(
            "cla_notifications_failed",
            "Attempts to send a notification that failed, per channel",
            self.notifications
                .iter()
                .map(|(channel, _, failed)| (vec![("channel", *channel)], *failed)),
        )?;
        w.gauge(
            "cla_notifications_pending",
            "Notifications decided and not yet delivered or given up",
            None,
            count(self.pending),
        )?;
        w.gauges(
            "cla_active_alerts",
            "Alerts of the watch active now, by kind, over every mission",
            None,
            self.active_alerts
                .iter()
                .map(|(kind, n)| (vec![("kind", kind.as_str())], count(*n))),
        )
    }
}
