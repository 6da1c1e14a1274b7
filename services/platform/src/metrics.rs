//! The figures `/metrics` serves, kept with `prometheus-client`: requests and latency by
//! operation, commands accepted and refused by code, events appended and the store's append
//! latency, idempotent requests, query answers, SMS replies, open websockets. Figures that are
//! read rather than counted (projection lag, heartbeats, active alerts, the process) are brought
//! by the caller at each scrape as a [`Collector`] of its own.
//!
//! Two expositions: OpenMetrics 1.0 (ending with `# EOF`) to a scraper that asks for it, and the
//! Prometheus text format 0.0.4 otherwise. Labels hold operation names, outcomes, codes and
//! channels: never a person, a place or an id.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cla_event_store::{
    AppendLayer, AppendResult, EventStore, ExpectedRevision, NewEvent, StoreError, StreamName,
};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{EncodeLabelSet, text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use prometheus_client;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

fn latency() -> Histogram {
    Histogram::new(BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Command {
    outcome: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SmsReply {
    gateway: &'static str,
    outcome: &'static str,
}

/// How a scraper asked for the figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposition {
    /// OpenMetrics 1.0 text, ending with `# EOF`.
    OpenMetrics,
    /// The Prometheus text format, version 0.0.4.
    Prometheus,
}

impl Exposition {
    /// The exposition an `Accept` header asks for: OpenMetrics where it names it.
    pub fn negotiate(accept: Option<&str>) -> Self {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Self::OpenMetrics,
            _ => Self::Prometheus,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Self::Prometheus => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        }
    }
}

pub struct Metrics {
    registry: RwLock<Registry>,
    requests: Family<Request, Counter>,
    latency: Family<Operation, Histogram, fn() -> Histogram>,
    answers: Family<Outcome, Counter>,
    idempotency: Family<Outcome, Counter>,
    commands: Family<Command, Counter>,
    events_appended: Counter,
    appends: Family<Outcome, Histogram, fn() -> Histogram>,
    sms_replies: Family<SmsReply, Counter>,
    websockets: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Self {
            registry: RwLock::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency),
            answers: Family::default(),
            idempotency: Family::default(),
            commands: Family::default(),
            events_appended: Counter::default(),
            appends: Family::new_with_constructor(latency),
            sms_replies: Family::default(),
            websockets: Gauge::default(),
        };
        // Outcomes known in advance are shown at 0 before the first one happens.
        for outcome in ["kept", "computed"] {
            m.answers.get_or_create(&Outcome { outcome }).inc_by(0);
        }
        for outcome in ["kept", "released", "replayed", "reused", "in_progress"] {
            m.idempotency.get_or_create(&Outcome { outcome }).inc_by(0);
        }
        m.commands
            .get_or_create(&Command {
                outcome: "accepted",
                code: "",
            })
            .inc_by(0);
        {
            let mut r = m.registry.write().expect("metrics registry lock");
            r.register(
                "cla_requests",
                "Requests by operation and outcome",
                m.requests.clone(),
            );
            r.register_with_unit(
                "cla_request_duration",
                "Request latency by operation",
                Unit::Seconds,
                m.latency.clone(),
            );
            r.register(
                "cla_query_answers",
                "Query answers given again while nothing changed (kept) or computed",
                m.answers.clone(),
            );
            r.register(
                "cla_idempotent_requests",
                "Mutations with an idempotency key, by outcome",
                m.idempotency.clone(),
            );
            r.register(
                "cla_commands",
                "Commands accepted, and refused by error code",
                m.commands.clone(),
            );
            r.register(
                "cla_events_appended",
                "Events appended by commands",
                m.events_appended.clone(),
            );
            r.register_with_unit(
                "cla_store_append_duration",
                "Appends to the event store, by outcome: how long each took",
                Unit::Seconds,
                m.appends.clone(),
            );
            r.register(
                "cla_sms_replies",
                "SMS replies sent through a gateway's send API, by gateway and outcome",
                m.sms_replies.clone(),
            );
            r.register(
                "cla_websocket_connections",
                "GraphQL websockets open now",
                m.websockets.clone(),
            );
        }
        m
    }
}

impl Metrics {
    /// A GraphQL request (or other endpoint) finished: its operation name and outcome.
    pub fn request(&self, operation: &str, outcome: &str, took: Duration) {
        self.requests
            .get_or_create(&Request {
                operation: operation.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&Operation {
                operation: operation.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// A query answered: given again (`kept`) or computed.
    pub fn answer(&self, kept: bool) {
        let outcome = if kept { "kept" } else { "computed" };
        self.answers.get_or_create(&Outcome { outcome }).inc();
    }

    /// A mutation with an idempotency key: its answer `kept`, or the key `released` (refused,
    /// nothing written), the first answer `replayed`, the key `reused` for another request, or
    /// the first request still `in_progress`.
    pub fn idempotency(&self, outcome: &'static str) {
        self.idempotency.get_or_create(&Outcome { outcome }).inc();
    }

    /// An SMS reply sent through a gateway's send API (not in the webhook's answer): `sent` or
    /// `failed`.
    pub fn sms_reply(&self, gateway: &'static str, outcome: &'static str) {
        self.sms_replies
            .get_or_create(&SmsReply { gateway, outcome })
            .inc();
    }

    pub fn command_accepted(&self, events: usize) {
        self.commands
            .get_or_create(&Command {
                outcome: "accepted",
                code: "",
            })
            .inc();
        self.events_appended.inc_by(events as u64);
    }

    pub fn command_refused(&self, code: &'static str) {
        self.commands
            .get_or_create(&Command {
                outcome: "refused",
                code,
            })
            .inc();
    }

    /// An append to the store finished (`ok` or `error`) after `took`.
    pub fn append(&self, outcome: &'static str, took: Duration) {
        self.appends
            .get_or_create(&Outcome { outcome })
            .observe(took.as_secs_f64());
    }

    /// A websocket opened: it counts as open until the guard is dropped.
    pub fn websocket_opened(&self) -> WebsocketOpen {
        self.websockets.inc();
        WebsocketOpen(self.websockets.clone())
    }

    /// Adds figures read at every scrape (the process, build information, heartbeats…).
    pub fn register_collector(&self, collector: Box<dyn Collector>) {
        self.registry
            .write()
            .expect("metrics registry lock")
            .register_collector(collector);
    }

    /// The figures counted here and those of the registered collectors, in the Prometheus text
    /// format (what a test or a tool looks at without a scrape's own readings).
    pub fn counted(&self) -> String {
        self.encode(Exposition::Prometheus, &Registry::default())
    }

    /// The exposition of every figure, with those of `scrape` (read by the caller just now).
    pub fn render(&self, exposition: Exposition, scrape: impl Collector) -> String {
        let mut now = Registry::default();
        now.register_collector(Box::new(scrape));
        self.encode(exposition, &now)
    }

    fn encode(&self, exposition: Exposition, now: &Registry) -> String {
        let registry = self.registry.read().expect("metrics registry lock");
        let mut out = String::new();
        // Writing to a String does not fail.
        let _ = match exposition {
            Exposition::OpenMetrics => text::encode_registry(&mut out, &registry)
                .and_then(|()| text::encode_registry(&mut out, now))
                .and_then(|()| text::encode_eof(&mut out)),
            Exposition::Prometheus => {
                use prometheus_client::encoding::prometheus_text::encode;
                encode(&mut out, &registry).and_then(|()| encode(&mut out, now))
            }
        };
        out
    }
}

/// An open websocket, counted in `cla_websocket_connections` until dropped.
#[must_use]
pub struct WebsocketOpen(Gauge);

impl Drop for WebsocketOpen {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The process, as the operating system tells it: CPU time, memory, file descriptors, threads
/// and start time (`process_…`, as every Prometheus client names them). Linux only; elsewhere
/// nothing.
#[derive(Debug, Default)]
pub struct ProcessCollector;

#[derive(Debug, Default, PartialEq)]
struct Process {
    cpu_seconds: f64,
    resident_bytes: i64,
    virtual_bytes: i64,
    start_time_seconds: f64,
    threads: i64,
    open_fds: i64,
    max_fds: i64,
}

#[cfg(target_os = "linux")]
fn process() -> Option<Process> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name is in parentheses and may hold spaces: the fields are after it.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    // Fields numbered from 3 (state) in proc(5).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    // SAFETY: sysconf and getrlimit only read the process's settings.
    let (ticks, page) = unsafe {
        (
            libc::sysconf(libc::_SC_CLK_TCK) as f64,
            libc::sysconf(libc::_SC_PAGESIZE) as f64,
        )
    };
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse::<f64>().ok())?;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to fill.
    let max_fds = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as i64
    } else {
        0
    };
    Some(Process {
        cpu_seconds: (field(14)? + field(15)?) / ticks,
        threads: field(20)? as i64,
        start_time_seconds: boot + field(22)? / ticks,
        virtual_bytes: field(23)? as i64,
        resident_bytes: (field(24)? * page) as i64,
        open_fds: std::fs::read_dir("/proc/self/fd").ok()?.count() as i64,
        max_fds,
    })
}

#[cfg(not(target_os = "linux"))]
fn process() -> Option<Process> {
    None
}

impl Collector for ProcessCollector {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::DescriptorEncoder,
    ) -> Result<(), std::fmt::Error> {
        let Some(p) = process() else {
            return Ok(());
        };
        let mut writer = Writer(&mut encoder);
        writer.counter_f64(
            "process_cpu",
            "Total user and system CPU time spent",
            Some(Unit::Seconds),
            p.cpu_seconds,
        )?;
        writer.gauge(
            "process_resident_memory",
            "Resident memory size",
            Some(Unit::Bytes),
            p.resident_bytes,
        )?;
        writer.gauge(
            "process_virtual_memory",
            "Virtual memory size",
            Some(Unit::Bytes),
            p.virtual_bytes,
        )?;
        writer.gauge_f64(
            "process_start_time",
            "Start time of the process since the Unix epoch",
            Some(Unit::Seconds),
            p.start_time_seconds,
        )?;
        writer.gauge("process_threads", "Threads", None, p.threads)?;
        writer.gauge(
            "process_open_fds",
            "Open file descriptors",
            None,
            p.open_fds,
        )?;
        writer.gauge(
            "process_max_fds",
            "The most file descriptors the process may open",
            None,
            p.max_fds,
        )
    }
}

/// Writes figures read just now, one family of one value (or labelled values) at a time.
pub struct Writer<'a, 'b>(pub &'a mut prometheus_client::encoding::DescriptorEncoder<'b>);

impl Writer<'_, '_> {
    pub fn gauge(
        &mut self,
        name: &str,
        help: &str,
        unit: Option<Unit>,
        value: i64,
    ) -> Result<(), std::fmt::Error> {
        self.gauges(name, help, unit, [(Vec::<(&str, &str)>::new(), value)])
    }

    pub fn gauge_f64(
        &mut self,
        name: &str,
        help: &str,
        unit: Option<Unit>,
        value: f64,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        let gauge = prometheus_client::metrics::gauge::ConstGauge::new(value);
        let encoder = self
            .0
            .encode_descriptor(name, help, unit.as_ref(), gauge.metric_type())?;
        gauge.encode(encoder)
    }

    pub fn counter_f64(
        &mut self,
        name: &str,
        help: &str,
        unit: Option<Unit>,
        value: f64,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        let counter = prometheus_client::metrics::counter::ConstCounter::new(value);
        let encoder = self
            .0
            .encode_descriptor(name, help, unit.as_ref(), counter.metric_type())?;
        counter.encode(encoder)
    }

    /// A family of gauges, one per set of labels.
    pub fn gauges<L: EncodeLabelSet>(
        &mut self,
        name: &str,
        help: &str,
        unit: Option<Unit>,
        values: impl IntoIterator<Item = (L, i64)>,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        use prometheus_client::metrics::MetricType;
        let mut family = self
            .0
            .encode_descriptor(name, help, unit.as_ref(), MetricType::Gauge)?;
        for (labels, value) in values {
            let gauge = prometheus_client::metrics::gauge::ConstGauge::new(value);
            gauge.encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }

    /// A family of counters, one per set of labels.
    pub fn counters<L: EncodeLabelSet>(
        &mut self,
        name: &str,
        help: &str,
        values: impl IntoIterator<Item = (L, u64)>,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        use prometheus_client::metrics::MetricType;
        let mut family = self
            .0
            .encode_descriptor(name, help, None, MetricType::Counter)?;
        for (labels, value) in values {
            let counter = prometheus_client::metrics::counter::ConstCounter::new(value);
            counter.encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }

    /// Build information: one gauge at 1 with the labels.
    pub fn info(
        &mut self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
    ) -> Result<(), std::fmt::Error> {
        let labels: Vec<(&str, &str)> = labels.to_vec();
        self.gauges(name, help, None, [(labels, 1)])
    }
}

/// The store with each append timed into [`Metrics`] (`cla_store_append_duration_seconds`).
pub struct TimedStore {
    store: std::sync::Arc<dyn EventStore>,
    metrics: std::sync::Arc<Metrics>,
}

impl TimedStore {
    pub fn wrap(
        store: std::sync::Arc<dyn EventStore>,
        metrics: std::sync::Arc<Metrics>,
    ) -> std::sync::Arc<dyn EventStore> {
        std::sync::Arc::new(Self { store, metrics })
    }
}

#[async_trait]
impl AppendLayer for TimedStore {
    fn inner(&self) -> &dyn EventStore {
        self.store.as_ref()
    }

    async fn append_through(
        &self,
        stream: &StreamName,
        expected: ExpectedRevision,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let started = Instant::now();
        let appended = self.store.append(stream, expected, events).await;
        let outcome = if appended.is_ok() { "ok" } else { "error" };
        self.metrics.append(outcome, started.elapsed());
        appended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Now;

    impl Collector for Now {
        fn encode(
            &self,
            mut encoder: prometheus_client::encoding::DescriptorEncoder,
        ) -> Result<(), std::fmt::Error> {
            Writer(&mut encoder).gauges(
                "cla_projection_lag_events",
                "Events stored but not yet applied, by projection",
                None,
                [(vec![("projection", "registry")], 4)],
            )
        }
    }

    #[test]
    fn counted_and_read_figures_in_both_expositions() {
        let m = Metrics::default();
        m.command_accepted(3);
        m.command_refused("CONFLICT");
        m.request("board", "ok", Duration::from_millis(3));
        m.append("ok", Duration::from_millis(2));
        let open = m.websocket_opened();
        m.register_collector(Box::new(ProcessCollector));

        let om = m.render(Exposition::OpenMetrics, Now);
        for line in [
            "cla_commands_total{outcome=\"accepted\",code=\"\"} 1",
            "cla_commands_total{outcome=\"refused\",code=\"CONFLICT\"} 1",
            "cla_events_appended_total 3",
            "cla_request_duration_seconds_bucket{le=\"0.005\",operation=\"board\"} 1",
            "cla_request_duration_seconds_count{operation=\"board\"} 1",
            "cla_store_append_duration_seconds_count{outcome=\"ok\"} 1",
            "cla_idempotent_requests_total{outcome=\"reused\"} 0",
            "cla_websocket_connections 1",
            "cla_projection_lag_events{projection=\"registry\"} 4",
        ] {
            assert!(om.lines().any(|l| l == line), "{line} in\n{om}");
        }
        assert!(om.ends_with("# EOF\n"), "{om}");
        #[cfg(target_os = "linux")]
        {
            let rss = om
                .lines()
                .find_map(|l| l.strip_prefix("process_resident_memory_bytes "))
                .expect("the process's memory");
            assert!(rss.parse::<i64>().unwrap() > 0, "{rss}");
            assert!(om.contains("process_start_time_seconds "), "{om}");
        }

        drop(open);
        let text = m.render(Exposition::Prometheus, Now);
        assert!(
            text.lines().any(|l| l == "cla_websocket_connections 0"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l == "cla_events_appended_total 3"),
            "{text}"
        );
        assert!(!text.contains("# EOF"), "{text}");
    }

    #[test]
    fn the_exposition_follows_the_accept_header() {
        assert_eq!(
            Exposition::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
            )),
            Exposition::OpenMetrics
        );
        assert_eq!(
            Exposition::negotiate(Some("text/plain")),
            Exposition::Prometheus
        );
        assert_eq!(Exposition::negotiate(None), Exposition::Prometheus);
    }
}
