//! What keeps one caller from starving the others: a request rate per caller, a cap on the root
//! fields one request selects, a time budget per query, and metric labels from a fixed set.

use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroU32;
use std::time::Duration;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Config, Secret};
use crate::schema::ClaSchema;

/// The longest operation name that may become a metric label.
pub const MAX_LABEL_CHARS: usize = 64;

/// The label of every operation not in the known set.
pub const OTHER: &str = "other";

/// The limits and the metric labels, shared by every request.
pub struct Limits {
    rates: DefaultKeyedRateLimiter<String>,
    pub max_root_fields: usize,
    pub query_budget: Duration,
    pub max_body_bytes: usize,
    pub metrics_token: Option<Secret>,
    /// `/metrics` is served on its own listener, not on the main one.
    pub metrics_elsewhere: bool,
    pub labels: Labels,
}

impl Limits {
    pub fn new(config: &Config, schema: &ClaSchema) -> Self {
        let per_second = NonZeroU32::new(config.rate_limit_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.rate_limit_burst).unwrap_or(NonZeroU32::MIN);
        Self {
            rates: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            max_root_fields: config.max_root_fields,
            query_budget: config.query_budget(),
            max_body_bytes: config.max_body_bytes,
            metrics_token: config.metrics_token.clone(),
            metrics_elsewhere: config.metrics_listen.is_some(),
            labels: Labels::from_schema(schema),
        }
    }

    /// Admits one request from `caller`, or tells how long until one would be.
    pub fn admit(&self, caller: &str) -> Result<(), Duration> {
        let key = caller.to_string();
        let answer = self
            .rates
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()));
        // Forget callers whose bucket is full again, so the table holds the active ones only.
        if self.rates.len() > 10_000 {
            self.rates.retain_recent();
        }
        answer
    }

    /// Whether `token` is the configured metrics token (compared in constant time).
    pub fn is_metrics_token(&self, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.metrics_token
            .as_ref()
            .is_some_and(|t| bool::from(t.expose().as_bytes().ct_eq(token.as_bytes())))
    }
}

/// The names requests are labelled with in the metrics: the schema's root fields (queries,
/// mutations, subscriptions), read once at start-up, and a few fixed ones. A client-chosen
/// operation name outside that set is `other`, so no client can add series.
pub struct Labels {
    known: HashSet<String>,
}

impl Labels {
    pub fn from_schema(schema: &ClaSchema) -> Self {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let mut known = HashSet::new();
        if let Ok(document) = async_graphql::parser::parse_schema(schema.sdl()) {
            for definition in document.definitions {
                let TypeSystemDefinition::Type(ty) = definition else {
                    continue;
                };
                let name = ty.node.name.node.as_str();
                if !matches!(name, "Query" | "Mutation" | "Subscription") {
                    continue;
                }
                if let TypeKind::Object(object) = &ty.node.kind {
                    for field in &object.fields {
                        known.insert(field.node.name.node.to_string());
                    }
                }
            }
        }
        Self { known }
    }

    /// `name` where it is a known root field (and short enough), else `other`.
    pub fn label(&self, name: &str) -> String {
        if name.chars().count() <= MAX_LABEL_CHARS && self.known.contains(name) {
            name.to_string()
        } else {
            OTHER.to_string()
        }
    }

    /// Every label a request may get.
    pub fn all(&self) -> BTreeSet<String> {
        let mut all: BTreeSet<String> = self.known.iter().cloned().collect();
        for fixed in [OTHER, "anonymous", "unparsable", "unauthenticated"] {
            all.insert(fixed.to_string());
        }
        all
    }
}

/// The operation a request runs: the only one, or the one it names.
pub fn selected_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// How many fields an operation selects at its root, aliases counted, fragments spread.
pub fn root_fields(document: &ExecutableDocument, operation: &OperationDefinition) -> usize {
    fn count(
        document: &ExecutableDocument,
        set: &SelectionSet,
        spreading: &mut Vec<String>,
        visits: &mut usize,
    ) -> usize {
        let mut n = 0usize;
        for selection in &set.items {
            // Fragments spreading fragments could multiply the walk: past this many selections
            // visited the count is already far over any cap.
            if *visits == 0 {
                return n.max(1 << 20);
            }
            *visits -= 1;
            n = n.saturating_add(match &selection.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) => {
                    count(document, &f.node.selection_set.node, spreading, visits)
                }
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.to_string();
                    // A fragment spreading itself is refused by validation; count it once here.
                    if spreading.contains(&name) || spreading.len() > 32 {
                        0
                    } else if let Some(f) = document.fragments.get(name.as_str()) {
                        spreading.push(name);
                        let inner = count(document, &f.node.selection_set.node, spreading, visits);
                        spreading.pop();
                        inner
                    } else {
                        0
                    }
                }
            });
        }
        n
    }
    count(
        document,
        &operation.selection_set.node,
        &mut Vec::new(),
        &mut 100_000,
    )
}

/// Whether an operation asks about the schema only: every field it selects at its root
/// (fragments spread) is `__schema`, `__type` or `__typename`.
pub fn introspection_only(document: &ExecutableDocument, operation: &OperationDefinition) -> bool {
    fn only(document: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
        // Fragments nested this deep are not an introspection query's: checked as any other.
        depth < 8
            && set.items.iter().all(|selection| match &selection.node {
                Selection::Field(f) => matches!(
                    f.node.name.node.as_str(),
                    "__schema" | "__type" | "__typename"
                ),
                Selection::InlineFragment(f) => {
                    only(document, &f.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(s) => document
                    .fragments
                    .get(s.node.fragment_name.node.as_str())
                    .is_some_and(|f| only(document, &f.node.selection_set.node, depth + 1)),
            })
    }
    !operation.selection_set.node.items.is_empty()
        && only(document, &operation.selection_set.node, 0)
}
