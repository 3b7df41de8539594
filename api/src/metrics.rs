//! Prometheus metrics, served in the text format on a listener of their own (`METRICS_ADDR`, off
//! by default, so they are never public by accident). Each server owns its registry (the
//! `prometheus-client` crate, no global recorder), so tests running many servers in one process
//! read each server's own counts.
//!
//! Operation names come from clients: the first [`MAX_OPERATION_NAMES`] distinct well-formed
//! names are kept as labels, later ones count as `other`, so no client can grow the registry
//! without bound. Argument values are never recorded.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};

use entity::job;

use crate::db::Db;

/// Distinct operation names kept as labels; the rest count as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// Longest operation name kept as a label.
const MAX_OPERATION_NAME_CHARS: usize = 64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    kind: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// This server's metrics.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    operations: Family<OperationLabels, Counter>,
    operation_names: Mutex<HashSet<String>>,
    websocket_connections: Gauge,
    subscriptions: Gauge,
    jobs_finished: Family<JobLabels, Counter>,
    jobs: Family<StateLabels, Gauge>,
    throttle_refusals: Family<ReasonLabels, Counter>,
    pool_connections: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    /// The HTTP workers' own pools, read with the shared one at scrape time.
    worker_pools: Mutex<Vec<Db>>,
}

impl Metrics {
    /// A registry with every metric; `statements` counts the pool's SQL statements.
    pub fn new(statements: Counter, pool_max: u32) -> Self {
        let mut registry = Registry::with_prefix("fagruppe");
        let inner = Inner {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            operations: Family::default(),
            operation_names: Mutex::default(),
            websocket_connections: Gauge::default(),
            subscriptions: Gauge::default(),
            jobs_finished: Family::default(),
            jobs: Family::default(),
            throttle_refusals: Family::default(),
            pool_connections: Family::default(),
            pool_max: Gauge::default(),
            worker_pools: Mutex::default(),
            registry: Registry::default(),
        };
        inner.pool_max.set(i64::from(pool_max));
        registry.register(
            "http_requests",
            "HTTP requests by route (the matched pattern) and status",
            inner.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response head, by route",
            inner.http_duration.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL operations run, by operation name, type and outcome (ok or the first error code)",
            inner.operations.clone(),
        );
        registry.register(
            "sql_statements",
            "SQL statements run through the pool (divide by operations for statements per request)",
            statements,
        );
        registry.register(
            "db_pool_connections",
            "Pool connections open now, by state (busy or idle)",
            inner.pool_connections.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "The pools' size limits together (the shared pool's and every HTTP worker's)",
            inner.pool_max.clone(),
        );
        registry.register(
            "websocket_connections",
            "Open GraphQL WebSocket connections",
            inner.websocket_connections.clone(),
        );
        registry.register(
            "subscriptions",
            "Live GraphQL subscriptions",
            inner.subscriptions.clone(),
        );
        registry.register(
            "jobs",
            "Jobs in the queue by state (all replicas: read from the database at scrape)",
            inner.jobs.clone(),
        );
        registry.register(
            "jobs_finished",
            "Job attempts this replica's workers finished, by kind and resulting state (DONE, QUEUED for a retry, DEAD)",
            inner.jobs_finished.clone(),
        );
        registry.register(
            "throttle_refusals",
            "Attempts a throttle refused: limited (over the budget) or unavailable (Redis away)",
            inner.throttle_refusals.clone(),
        );
        Self(Arc::new(Inner { registry, ..inner }))
    }

    /// One HTTP request answered.
    pub fn http_request(&self, route: &str, status: u16, elapsed: Duration) {
        self.0
            .http_requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.0
            .http_duration
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// One GraphQL operation run (over HTTP or WebSocket).
    pub fn operation(&self, name: Option<&str>, kind: &str, outcome: &str) {
        let operation = self.operation_label(name);
        self.0
            .operations
            .get_or_create(&OperationLabels {
                operation,
                kind: kind.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|name| well_formed(name)) else {
            return if name.is_some() { "other" } else { "anonymous" }.into();
        };
        let Ok(mut names) = self.0.operation_names.lock() else {
            return "other".into();
        };
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// Counts a WebSocket connection while the guard lives.
    pub fn websocket_connection(&self) -> GaugeGuard {
        GaugeGuard::new(&self.0.websocket_connections)
    }

    /// Counts a live subscription while the guard lives.
    pub fn subscription(&self) -> GaugeGuard {
        GaugeGuard::new(&self.0.subscriptions)
    }

    /// A job attempt finished in `state`.
    pub fn job_finished(&self, kind: &str, state: job::State) {
        self.0
            .jobs_finished
            .get_or_create(&JobLabels {
                kind: kind.to_owned(),
                state: state_name(state).to_owned(),
            })
            .inc();
    }

    /// A throttle refused an attempt.
    pub fn throttle_refusal(&self, reason: &str) {
        self.0
            .throttle_refusals
            .get_or_create(&ReasonLabels {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Counts `db`, an HTTP worker's pool of at most `max` connections, with the shared one.
    pub fn watch_pool(&self, db: &Db, max: u32) {
        self.0.pool_max.inc_by(i64::from(max));
        self.0
            .worker_pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(db.clone());
    }

    /// The text exposition, with the gauges read at scrape time (pool, queue) brought up to date.
    pub async fn render(&self, db: &Db) -> Result<String, std::fmt::Error> {
        self.read_pool(db);
        self.read_queue(db).await;
        let mut text = String::new();
        encode(&mut text, &self.0.registry)?;
        Ok(text)
    }

    fn read_pool(&self, db: &Db) {
        let workers = self
            .0
            .worker_pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let (size, idle) = std::iter::once(db)
            .chain(&workers)
            .map(pool_usage)
            .fold((0, 0), |(size, idle), (s, i)| (size + s, idle + i));
        let connections = &self.0.pool_connections;
        connections
            .get_or_create(&state_label("busy"))
            .set(size - idle);
        connections.get_or_create(&state_label("idle")).set(idle);
    }

    async fn read_queue(&self, db: &Db) {
        let counts: Result<Vec<(job::State, i64)>, _> = job::Entity::find()
            .select_only()
            .column(job::Column::State)
            .column_as(Expr::expr(Func::count(Expr::col(job::Column::Id))), "count")
            // The queue's depth, failures waiting for a retry, and the dead.
            .filter(job::Column::State.ne(job::State::Done))
            .group_by(job::Column::State)
            .into_tuple()
            .all(db)
            .await;
        let Ok(counts) = counts else {
            tracing::warn!("metrics: the job queue could not be counted");
            return;
        };
        for state in [job::State::Queued, job::State::Running, job::State::Dead] {
            let count = counts
                .iter()
                .find(|(counted, _)| *counted == state)
                .map_or(0, |(_, count)| *count);
            self.0
                .jobs
                .get_or_create(&state_label(state_name(state)))
                .set(count);
        }
    }
}

fn state_label(state: &str) -> StateLabels {
    StateLabels {
        state: state.to_owned(),
    }
}

fn state_name(state: job::State) -> &'static str {
    match state {
        job::State::Queued => "QUEUED",
        job::State::Running => "RUNNING",
        job::State::Done => "DONE",
        job::State::Dead => "DEAD",
    }
}

/// A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) short enough to be a label.
fn well_formed(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_OPERATION_NAME_CHARS
        && chars
            .next()
            .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|rest| rest == '_' || rest.is_ascii_alphanumeric())
}

/// Raises a gauge by one until dropped.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Connections a pool has open, and how many of them are idle (in the pool, or kept by `db`
/// between statements).
fn pool_usage(db: &Db) -> (i64, i64) {
    let (open, idle) = db.usage();
    (i64::from(open), i64::try_from(idle).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_labels_up_to_a_bound_then_other() {
        let metrics = Metrics::new(Counter::default(), 5);
        assert_eq!(metrics.operation_label(Some("GroupPage")), "GroupPage");
        assert_eq!(metrics.operation_label(None), "anonymous");
        assert_eq!(metrics.operation_label(Some("not a name")), "other");
        for n in 0..MAX_OPERATION_NAMES {
            metrics.operation_label(Some(&format!("Op{n}")));
        }
        assert_eq!(metrics.operation_label(Some("GroupPage")), "GroupPage");
        assert_eq!(metrics.operation_label(Some("OneTooMany")), "other");
    }
}
