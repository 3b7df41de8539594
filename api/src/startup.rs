//! Building and running the server. `Application::build` connects, migrates, builds the schema
//! once, and binds (port 0 gives a free port, which the tests use); `run_until_stopped` serves
//! until SIGTERM or Ctrl-C, letting in-flight requests finish.

use std::{net::TcpListener, sync::Arc};

use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};

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
    http::{self, HttpState, request_id},
    state::AppState,
    storage::LocalFileStore,
};

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    statements: StatementCounter,
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

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let (connection, statements) = db::connect(&settings).await?;
        db::migrate(&connection).await?;
        let settings = Arc::new(settings);
        if !settings.throttles.enabled {
            tracing::warn!("RATE_LIMIT=off: sign-in and write throttles are disabled");
        }
        let passwords = Passwords::for_settings(&settings).map_err(StartupError::Setup)?;
        let tokens = AccessTokens::new(settings.jwt_secret.expose(), settings.access_token_ttl)
            .map_err(|err| StartupError::Setup(err.to_string()))?;
        let limiter: Arc<dyn RateLimiter> = Arc::new(InProcessRateLimiter::default());
        let events: Arc<dyn EventBus> = Arc::new(InProcessEventBus::default());
        let app_state = AppState {
            db: connection,
            settings: settings.clone(),
            passwords,
            tokens,
            limiter,
            events,
            files: Arc::new(LocalFileStore::new(settings.data_dir.join("files"))),
        };
        let schema = build_schema(Some(app_state.clone()), &settings, true);
        let terse = build_schema(Some(app_state.clone()), &settings, false);
        let http_state = HttpState {
            schema: GuardedSchema::new(
                schema,
                terse,
                settings.limits.clone(),
                !settings.is_production(),
            ),
            app: app_state,
            graphiql: !settings.is_production(),
            uploads: Arc::new(tokio::sync::Semaphore::new(settings.workers.max(1) * 2)),
        };
        let listener = TcpListener::bind(settings.listen_addr)?;
        let port = listener.local_addr()?.port();
        let cors_origins = settings.cors.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(http_state.clone()))
                .wrap(http::security_headers())
                .wrap(from_fn(request_id::middleware))
                .wrap(http::cors(&cors_origins))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
        })
        .workers(settings.workers.max(1))
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            statements,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Counts SQL statements run through this server's pool.
    pub fn statement_counter(&self) -> StatementCounter {
        self.statements.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
