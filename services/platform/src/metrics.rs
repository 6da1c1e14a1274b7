//! The figures `/metrics` serves, in Prometheus text: requests and latency by operation, commands
//! accepted and refused by code, events appended, projection lag.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Latency {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Figures {
    requests: BTreeMap<(String, String), u64>,
    latency: BTreeMap<String, Latency>,
    commands_accepted: u64,
    commands_refused: BTreeMap<&'static str, u64>,
    events_appended: u64,
    answers_kept: u64,
    answers_computed: u64,
    idempotency: BTreeMap<&'static str, u64>,
    sms_replies: BTreeMap<(&'static str, &'static str), u64>,
}

#[derive(Default)]
pub struct Metrics {
    figures: Mutex<Figures>,
}

impl Metrics {
    /// A GraphQL request (or other endpoint) finished: its operation name and outcome.
    pub fn request(&self, operation: &str, outcome: &str, took: Duration) {
        let mut f = self.figures.lock().expect("metrics lock");
        *f.requests
            .entry((operation.to_string(), outcome.to_string()))
            .or_default() += 1;
        let latency = f.latency.entry(operation.to_string()).or_default();
        let seconds = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                latency.counts[i] += 1;
            }
        }
        latency.count += 1;
        latency.sum += seconds;
    }

    /// A query answered: given again (`kept`) or computed.
    pub fn answer(&self, kept: bool) {
        let mut f = self.figures.lock().expect("metrics lock");
        if kept {
            f.answers_kept += 1;
        } else {
            f.answers_computed += 1;
        }
    }

    /// A mutation with an idempotency key: its answer `kept`, or the key `released` (refused,
    /// nothing written), the first answer `replayed`, the key `reused` for another request, or
    /// the first request still `in_progress`.
    pub fn idempotency(&self, outcome: &'static str) {
        let mut f = self.figures.lock().expect("metrics lock");
        *f.idempotency.entry(outcome).or_default() += 1;
    }

    /// An SMS reply sent through a gateway's send API (not in the webhook's answer): `sent` or
    /// `failed`.
    pub fn sms_reply(&self, gateway: &'static str, outcome: &'static str) {
        let mut f = self.figures.lock().expect("metrics lock");
        *f.sms_replies.entry((gateway, outcome)).or_default() += 1;
    }

    pub fn command_accepted(&self, events: usize) {
        let mut f = self.figures.lock().expect("metrics lock");
        f.commands_accepted += 1;
        f.events_appended += events as u64;
    }

    pub fn command_refused(&self, code: &'static str) {
        let mut f = self.figures.lock().expect("metrics lock");
        *f.commands_refused.entry(code).or_default() += 1;
    }

    /// The Prometheus text exposition, with the projection lag measured by the caller.
    pub fn render(&self, projection_lag: &[(&str, u64)]) -> String {
        let f = self.figures.lock().expect("metrics lock");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP cla_requests_total Requests by operation and outcome."
        );
        let _ = writeln!(out, "# TYPE cla_requests_total counter");
        for ((operation, outcome), n) in &f.requests {
            let _ = writeln!(
                out,
                "cla_requests_total{{operation=\"{}\",outcome=\"{}\"}} {n}",
                escape(operation),
                escape(outcome)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cla_request_duration_seconds Request latency by operation."
        );
        let _ = writeln!(out, "# TYPE cla_request_duration_seconds histogram");
        for (operation, l) in &f.latency {
            let op = escape(operation);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "cla_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{bound}\"}} {}",
                    l.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "cla_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                l.count
            );
            let _ = writeln!(
                out,
                "cla_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                l.sum
            );
            let _ = writeln!(
                out,
                "cla_request_duration_seconds_count{{operation=\"{op}\"}} {}",
                l.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP cla_query_answers_total Query answers given again while nothing changed (kept) or computed."
        );
        let _ = writeln!(out, "# TYPE cla_query_answers_total counter");
        let _ = writeln!(
            out,
            "cla_query_answers_total{{outcome=\"kept\"}} {}",
            f.answers_kept
        );
        let _ = writeln!(
            out,
            "cla_query_answers_total{{outcome=\"computed\"}} {}",
            f.answers_computed
        );
        let _ = writeln!(
            out,
            "# HELP cla_idempotent_requests_total Mutations with an idempotency key, by outcome."
        );
        let _ = writeln!(out, "# TYPE cla_idempotent_requests_total counter");
        for outcome in ["kept", "released", "replayed", "reused", "in_progress"] {
            let _ = writeln!(
                out,
                "cla_idempotent_requests_total{{outcome=\"{outcome}\"}} {}",
                f.idempotency.get(outcome).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(
            out,
            "# HELP cla_commands_total Commands accepted, and refused by error code."
        );
        let _ = writeln!(out, "# TYPE cla_commands_total counter");
        let _ = writeln!(
            out,
            "cla_commands_total{{outcome=\"accepted\",code=\"\"}} {}",
            f.commands_accepted
        );
        for (code, n) in &f.commands_refused {
            let _ = writeln!(
                out,
                "cla_commands_total{{outcome=\"refused\",code=\"{code}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cla_events_appended_total Events appended by commands."
        );
        let _ = writeln!(out, "# TYPE cla_events_appended_total counter");
        let _ = writeln!(out, "cla_events_appended_total {}", f.events_appended);
        let _ = writeln!(
            out,
            "# HELP cla_sms_replies_total SMS replies sent through a gateway's send API, by gateway and outcome."
        );
        let _ = writeln!(out, "# TYPE cla_sms_replies_total counter");
        for ((gateway, outcome), n) in &f.sms_replies {
            let _ = writeln!(
                out,
                "cla_sms_replies_total{{gateway=\"{gateway}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP cla_projection_lag_events Events stored but not yet applied, by projection."
        );
        let _ = writeln!(out, "# TYPE cla_projection_lag_events gauge");
        for (name, lag) in projection_lag {
            let _ = writeln!(
                out,
                "cla_projection_lag_events{{projection=\"{}\"}} {lag}",
                escape(name)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
