//! Building and running the server. `Application::build` connects, migrates, builds the schema
//! once, and binds (port 0 gives a free port, which the tests use); `run_until_stopped` serves
//! until SIGTERM or Ctrl-C, letting in-flight requests finish.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use async_graphql::ValidationMode;

use crate::{
    auth::{
        password::Passwords,
        throttle::{InProcessRateLimiter, RateLimiter},
        tokens::AccessTokens,
    },
    config::Settings,
    db::{self, StatementCounter},
    events::{EventBus, InProcessEventBus},
    graphql::{build_schema, limits::GuardedSchema},
    http::{
        self, HttpState,
        drain::{self, Drain},
        request_id,
    },
    jobs::{OUTCOMES_BUFFER, Outcome, worker::Workers},
    mail::Mailer,
    metrics::Metrics,
    redis_store::{RedisEventBus, RedisRateLimiter, RedisStore},
    state::AppState,
    storage::FileStore,
};

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    metrics_port: Option<u16>,
    /// Serves `/metrics` when `METRICS_ADDR` is set.
    metrics_server: Option<Server>,
    statements: StatementCounter,
    drain: Drain,
    drain_period: Duration,
    state: AppState,
}

/// Why start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("{0}")]
    Setup(String),
}

/// Connects, migrates and builds the shared services: what the server and the job workers both
/// run on.
async fn app_state(settings: Settings) -> Result<(AppState, StatementCounter), StartupError> {
    let (connection, statements) = connect_and_migrate(&settings).await?;
    let settings = Arc::new(settings);
    if !settings.throttles.enabled {
        tracing::warn!("RATE_LIMIT=off: sign-in and write throttles are disabled");
    }
    let passwords = Passwords::for_settings(&settings).map_err(StartupError::Setup)?;
    let tokens = AccessTokens::new(settings.jwt_secret.expose(), settings.access_token_ttl)
        .map_err(|err| StartupError::Setup(err.to_string()))?;
    let metrics = Metrics::new(statements.metric(), settings.database_max_connections);
    let redis = settings
        .redis
        .as_ref()
        .map(|redis| RedisStore::new(redis.url.expose(), &redis.prefix))
        .transpose()
        .map_err(StartupError::Setup)?;
    let (limiter, events): (Arc<dyn RateLimiter>, Arc<dyn EventBus>) = match &redis {
        Some(store) => (
            Arc::new(RedisRateLimiter::new(store.clone())),
            Arc::new(RedisEventBus::start(store.clone())),
        ),
        None => (
            Arc::new(InProcessRateLimiter::default()),
            Arc::new(InProcessEventBus::default()),
        ),
    };
    if let Some(store) = &redis
        && !store.relaying_within(REDIS_START_WAIT).await
    {
        tracing::warn!("Redis is unreachable: starting, not ready until it is");
    }
    let state = AppState {
        db: connection,
        settings: settings.clone(),
        passwords,
        tokens,
        limiter,
        events,
        files: FileStore::open(&settings.file_store).map_err(StartupError::Setup)?,
        mailer: Mailer::new(&settings.mail).map_err(StartupError::Setup)?,
        job_outcomes: tokio::sync::broadcast::channel(OUTCOMES_BUFFER).0,
        job_wakeup: Arc::new(tokio::sync::Notify::new()),
        redis,
        metrics,
    };
    Ok((state, statements))
}

/// How long start-up waits for the event relay to subscribe to Redis before it goes on
/// without (and reports itself not ready until the relay is up).
const REDIS_START_WAIT: Duration = Duration::from_secs(2);

/// How long start-up waits for a database that is busy (another replica migrating it) or not
/// up yet.
const STARTUP_WAIT: Duration = Duration::from_secs(60);

/// Connects and migrates, waiting while the database cannot serve yet: replicas starting
/// together queue behind the one that migrates instead of failing.
async fn connect_and_migrate(
    settings: &Settings,
) -> Result<(db::Db, StatementCounter), StartupError> {
    let started = std::time::Instant::now();
    loop {
        let attempt = async {
            let (connection, statements) = db::connect(settings).await?;
            db::migrate(&connection).await?;
            Ok::<_, sea_orm::DbErr>((connection, statements))
        };
        match attempt.await {
            Ok(ready) => return Ok(ready),
            Err(err) if db::is_unavailable(&err) && started.elapsed() < STARTUP_WAIT => {
                tracing::warn!(%err, "the database cannot serve yet; trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// `fagruppe worker`: job workers without the HTTP server, until `drain` begins; the workers
/// finish the jobs they hold before this returns.
pub async fn run_workers(settings: Settings, drain: Drain) -> Result<(), StartupError> {
    let (state, _) = app_state(settings).await?;
    let workers = Workers::start(&state, &drain);
    drain.begun().await;
    workers.stopped().await;
    Ok(())
}

/// `shared` for one HTTP worker: on PostgreSQL reading and writing through a pool of
/// `connections` on the worker's own runtime (see `db::connect_local`), counted by the
/// statement counter and the pool metrics with the others.
async fn worker_state(
    mut shared: HttpState,
    statements: StatementCounter,
    connections: u32,
) -> Result<HttpState, sea_orm::DbErr> {
    if let Some(db) = db::connect_local(&shared.app.settings, &statements, connections).await? {
        shared.app.metrics.watch_pool(&db, connections);
        shared.app = Arc::new(AppState {
            db,
            ..AppState::clone(&shared.app)
        });
    }
    Ok(shared)
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let (app_state, statements) = app_state(settings).await?;
        let settings = app_state.settings.clone();
        let shared = Arc::new(app_state.clone());
        let schema = build_schema(
            Some(shared.clone()),
            &settings,
            true,
            ValidationMode::Strict,
        );
        let terse = {
            let (state, settings) = (shared.clone(), settings.clone());
            move || build_schema(Some(state), &settings, false, ValidationMode::Strict)
        };
        let revalidating = {
            let (state, settings) = (shared.clone(), settings.clone());
            move || build_schema(Some(state), &settings, false, ValidationMode::Fast)
        };
        let http_state = HttpState {
            schema: GuardedSchema::new(
                schema,
                terse,
                revalidating,
                settings.limits.clone(),
                !settings.is_production(),
                app_state.metrics.clone(),
            ),
            app: shared,
            graphiql: !settings.is_production(),
            uploads: Arc::new(tokio::sync::Semaphore::new(settings.workers.max(1) * 2)),
            drain: Drain::default(),
        };
        let drain = http_state.drain.clone();
        let listener = TcpListener::bind(settings.listen_addr)?;
        let port = listener.local_addr()?.port();
        let cors_origins = settings.cors.clone();
        let worker_connections = settings
            .database_max_connections
            .div_ceil(u32::try_from(settings.workers.max(1)).unwrap_or(u32::MAX))
            .max(2);
        let worker_statements = statements.clone();
        let server = HttpServer::new(move || {
            let shared = http_state.clone();
            let statements = worker_statements.clone();
            App::new()
                // Each worker thread gets the state with a database pool of its own, made when
                // the worker starts.
                .data_factory(move || {
                    worker_state(shared.clone(), statements.clone(), worker_connections)
                })
                .wrap(http::security_headers())
                .wrap(from_fn(drain::middleware))
                .wrap(from_fn(request_id::middleware))
                .wrap(http::cors(&cors_origins))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
        })
        .workers(settings.workers.max(1))
        .shutdown_timeout(30)
        // Signals are ours (`run_until_stopped`): drain first, then stop.
        .disable_signals()
        .listen(listener)?
        .run();
        let (metrics_server, metrics_port) = match settings.metrics_addr {
            Some(address) => {
                let listener = TcpListener::bind(address)?;
                let port = listener.local_addr()?.port();
                tracing::info!(%address, port, "serving metrics at /metrics");
                (
                    Some(http::metrics::server(app_state.clone(), listener)?),
                    Some(port),
                )
            }
            None => (None, None),
        };
        Ok(Self {
            port,
            metrics_port,
            metrics_server,
            server,
            statements,
            drain,
            drain_period: settings.shutdown_drain,
            state: app_state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared Redis this server uses, when `REDIS_URL` is set.
    pub fn redis(&self) -> Option<RedisStore> {
        self.state.redis.clone()
    }

    /// The port `/metrics` is served on, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Counts SQL statements run through this server's pool.
    pub fn statement_counter(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// The outcome of every job attempt this server's workers make, from now on.
    pub fn job_outcomes(&self) -> tokio::sync::broadcast::Sender<Outcome> {
        self.state.job_outcomes.clone()
    }

    /// Starts a graceful stop, as SIGTERM does.
    pub fn drain(&self) -> Drain {
        self.drain.clone()
    }

    /// Serves until [`Drain::begin`] (the `serve` command calls it on SIGTERM and Ctrl-C); then
    /// drains for `SHUTDOWN_DRAIN_MS`, stops taking connections, and lets in-flight requests
    /// finish (at most 30 s).
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        // Metrics stay up while draining, and stop with the server.
        let metrics = self.metrics_server.take().map(|server| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.serve().await;
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
        result
    }

    async fn serve(self) -> std::io::Result<()> {
        let workers = Workers::start(&self.state, &self.drain);
        let handle = self.server.handle();
        let mut server = self.server;
        tokio::select! {
            result = &mut server => {
                self.drain.begin();
                workers.stopped().await;
                return result;
            }
            () = self.drain.begun() => {}
        }
        tracing::info!(
            drain_ms = self.drain_period.as_millis() as u64,
            "stopping: draining, then finishing in-flight requests"
        );
        tokio::select! {
            result = &mut server => {
                workers.stopped().await;
                return result;
            }
            () = tokio::time::sleep(self.drain_period) => {}
        }
        // The server future carries out the stop, so it is polled alongside the request for it.
        // Workers finish the jobs they hold meanwhile.
        let ((), result, ()) = tokio::join!(handle.stop(true), server, workers.stopped());
        result
    }
}
