//! What every request can reach: the pool, settings and the shared services. Built once at
//! start-up and cloned into the schema and the HTTP app (a handle clone, never a rebuild).

use std::{net::IpAddr, sync::Arc};

use crate::{
    auth::{password::Passwords, throttle::RateLimiter, tokens::AccessTokens},
    config::Settings,
    db::Db,
    events::EventBus,
    jobs::Outcome,
    mail::Mailer,
    metrics::Metrics,
    redis_store::RedisStore,
    storage::FileStore,
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub passwords: Passwords,
    pub tokens: AccessTokens,
    pub limiter: Arc<dyn RateLimiter>,
    pub events: Arc<dyn EventBus>,
    pub files: FileStore,
    pub mailer: Mailer,
    /// Every job attempt's outcome, as workers record it.
    pub job_outcomes: tokio::sync::broadcast::Sender<Outcome>,
    /// Wakes this process's idle job workers (`jobs::enqueue`, and on PostgreSQL the listener of
    /// the replicas' `NOTIFY`).
    pub job_wakeup: Arc<tokio::sync::Notify>,
    /// The store several replicas share, when `REDIS_URL` is set (readiness checks it).
    pub redis: Option<RedisStore>,
    /// This server's Prometheus metrics (served on `METRICS_ADDR` when set).
    pub metrics: Metrics,
}

/// Facts about the HTTP request behind a GraphQL operation.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub address: IpAddr,
    pub user_agent: Option<String>,
    pub request_id: String,
}
