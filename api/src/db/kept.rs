//! Connections kept between statements. sea-orm takes a connection from sqlx's pool for each
//! statement and gives it back after, and sqlx tests every connection it takes back with a round
//! trip (a `Sync` and its answer on PostgreSQL, a message to the connection's thread and back on
//! SQLite), from a task it spawns for that. On the meetup page that was a tenth of the server's
//! CPU, and a round trip more per statement at one client.
//!
//! [`Db`] runs the statements outside a transaction on connections it keeps instead: one is taken
//! from the pool when none is kept, and kept again after a statement that succeeded. It keeps at
//! most all but one of the pool's connections, so that the pool has one to lend a transaction or
//! the job listener, which take theirs from it; a transaction that finds the pool full first
//! hands a kept one back. As many statements run at once as connections may be kept, and they
//! take their turns in the order they came (as the pool's own waiters do): without that, a
//! statement that came later would take a connection just kept while one that came first still
//! waited on the pool. A statement that fails, or is dropped half-way (a request cancelled), gives its
//! connection back to the pool, which tests it as before. A connection kept idle for
//! [`IDLE_BEFORE_PING`] is pinged before its next statement, and one kept for [`KEPT_AT_MOST`]
//! goes back to the pool, which closes it once it has lived past its lifetime.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use entity::row::{FromRow, OwnedRow};
use futures_util::future::BoxFuture;
use sea_orm::{
    AccessMode, ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, RuntimeErr, Statement,
    TransactionError, TransactionOptions, TransactionTrait,
    sqlx::{self, Connection as _, Postgres, Sqlite, pool::PoolConnection},
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::{IDLE_BEFORE_PING, StatementCounter, embedded::Embedded};

/// How long a connection is kept before it goes back to the pool, which closes it once it has
/// lived past its lifetime (half an hour by default).
const KEPT_AT_MOST: Duration = Duration::from_secs(10 * 60);

/// The database of a server: statements run on the connections it keeps, transactions on the
/// pool. Clones share the kept connections.
#[derive(Clone)]
pub struct Db {
    pool: DatabaseConnection,
    kept: Arc<Kept>,
    /// On a SQLite file, the reads [`Db::rows`] runs on the calling thread.
    embedded: Option<Arc<Embedded>>,
}

struct Kept {
    connections: Mutex<Vec<KeptConnection>>,
    /// How many connections may be kept at once.
    capacity: usize,
    /// A turn for each statement that may run at once, handed out in the order they were asked
    /// for: a statement waiting for a connection gets the next one kept, rather than one that
    /// came later and found it first.
    turns: Semaphore,
    /// How long a statement waits for its turn (the pool's acquire timeout).
    wait: Duration,
    statements: StatementCounter,
}

struct KeptConnection {
    connection: Connection,
    taken_at: Instant,
    used_at: Instant,
}

/// A connection taken from the pool.
enum Connection {
    Postgres(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
}

impl Db {
    /// `pool`, opened with `max_connections` and `wait` as its acquire timeout, keeping up to
    /// all but one of them; its statements are counted by `statements`.
    pub fn new(
        pool: DatabaseConnection,
        statements: StatementCounter,
        (max_connections, wait): (u32, Duration),
    ) -> Self {
        let capacity = usize::try_from(max_connections.saturating_sub(1)).unwrap_or(0);
        Self {
            pool,
            kept: Arc::new(Kept {
                connections: Mutex::new(Vec::with_capacity(capacity)),
                capacity,
                turns: Semaphore::new(capacity.max(1)),
                wait,
                statements,
            }),
            embedded: None,
        }
    }

    /// This database, running [`Db::rows`] on the calling thread with `embedded`.
    pub fn with_embedded(self, embedded: Option<Embedded>) -> Self {
        Self {
            embedded: embedded.map(Arc::new),
            ..self
        }
    }

    /// The rows of `stmt`, for readers that read them by position (`FromRow::BY_POSITION`): on
    /// a SQLite file read on the calling thread (`db::embedded`), else as `query_all_raw`
    /// reads them. Counted and traced alike.
    pub async fn rows(&self, stmt: Statement) -> Result<Vec<OwnedRow>, DbErr> {
        if let Some(embedded) = &self.embedded {
            let span = statement_span(Wanted::Rows, DbBackend::Sqlite, &stmt.sql);
            let started = Instant::now();
            let read = span.in_scope(|| embedded.read(&stmt));
            if !matches!(read, Ok(None)) {
                self.kept.statements.observe(&stmt.sql, started.elapsed());
            }
            if let Some(table) = read? {
                return Ok(table.into_rows());
            }
        }
        self.pooled_rows(stmt).await
    }

    /// The rows of `stmt` as sqlx reads them, on the pool's connections.
    async fn pooled_rows(&self, stmt: Statement) -> Result<Vec<OwnedRow>, DbErr> {
        Ok(self
            .query_all_raw(stmt)
            .await?
            .into_iter()
            .map(OwnedRow::from)
            .collect())
    }

    /// The rows of `stmt`, each read as `M`: through [`Db::rows`] where `M` reads by position,
    /// else from the pool's rows by name.
    pub async fn read<M: FromRow>(&self, stmt: Statement) -> Result<Vec<M>, DbErr> {
        let rows = if M::BY_POSITION {
            self.rows(stmt).await?
        } else {
            self.pooled_rows(stmt).await?
        };
        rows.iter().map(|row| M::from_row(row.row())).collect()
    }

    /// The models `select` finds, read as [`Db::read`] reads them.
    pub async fn models<E>(&self, select: sea_orm::Select<E>) -> Result<Vec<E::Model>, DbErr>
    where
        E: sea_orm::EntityTrait,
        E::Model: FromRow,
    {
        self.read(sea_orm::QueryTrait::build(
            &select,
            self.get_database_backend(),
        ))
        .await
    }

    /// The pool itself: its size, a listener on it, a ping.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// How many connections the pool has open now, and how many of them are idle, in the pool
    /// or kept here between statements.
    pub fn usage(&self) -> (u32, usize) {
        let (open, idle, _) = self.pool_usage();
        (open, idle.saturating_add(self.kept.connections().len()))
    }

    /// The pool's open connections, idle ones among them, and how many it may open.
    fn pool_usage(&self) -> (u32, usize, u32) {
        match self.pool.get_database_backend() {
            DbBackend::Postgres => usage_of(self.pool.get_postgres_connection_pool()),
            DbBackend::Sqlite => usage_of(self.pool.get_sqlite_connection_pool()),
            _ => (0, 0, 0),
        }
    }

    /// A kept connection, or one from the pool.
    async fn take(&self) -> Result<KeptConnection, DbErr> {
        while let Some(mut kept) = self.kept.pop() {
            if kept.taken_at.elapsed() >= KEPT_AT_MOST {
                continue;
            }
            if kept.used_at.elapsed() < IDLE_BEFORE_PING || kept.connection.ping().await.is_ok() {
                return Ok(kept);
            }
        }
        let connection = match self.pool.get_database_backend() {
            DbBackend::Postgres => Connection::Postgres(
                self.pool
                    .get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(acquire_error)?,
            ),
            DbBackend::Sqlite => Connection::Sqlite(
                self.pool
                    .get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(acquire_error)?,
            ),
            backend => {
                return Err(DbErr::BackendNotSupported {
                    db: backend.as_str(),
                    ctx: "Db",
                });
            }
        };
        let now = Instant::now();
        Ok(KeptConnection {
            connection,
            taken_at: now,
            used_at: now,
        })
    }

    /// Runs `stmt` on a connection by `run`, counts and traces it, and keeps the connection if it
    /// succeeded. `wanted` names the span and the error.
    async fn run<T>(&self, stmt: &Statement, wanted: Wanted, run: Run<T>) -> Result<T, DbErr> {
        // Given back after the connection is kept again, for the next in line to take it.
        let _turn = tokio::time::timeout(self.kept.wait, self.kept.turns.acquire())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        let mut kept = self.take().await?;
        let span = statement_span(wanted, self.pool.get_database_backend(), &stmt.sql);
        let started = Instant::now();
        let answer = run(&mut kept.connection, stmt).instrument(span).await;
        self.kept.statements.observe(&stmt.sql, started.elapsed());
        let answer = answer.map_err(|error| match wanted {
            Wanted::Outcome => DbErr::Exec(RuntimeErr::SqlxError(error.into())),
            Wanted::Rows => DbErr::Query(RuntimeErr::SqlxError(error.into())),
        })?;
        kept.used_at = Instant::now();
        self.kept.keep(kept);
        Ok(answer)
    }

    /// Before a transaction takes a connection from the pool: when the pool can neither lend an
    /// idle one nor open another, a kept one goes back to it.
    fn make_room(&self) {
        let (open, idle, max) = self.pool_usage();
        if idle == 0 && max > 0 && open >= max {
            drop(self.kept.pop());
        }
    }
}

/// `pool`'s open connections, idle ones among them, and how many it may open.
fn usage_of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> (u32, usize, u32) {
    (
        pool.size(),
        pool.num_idle(),
        pool.options().get_max_connections(),
    )
}

impl Kept {
    fn connections(&self) -> std::sync::MutexGuard<'_, Vec<KeptConnection>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn pop(&self) -> Option<KeptConnection> {
        self.connections().pop()
    }

    /// Keeps `kept` if there is room; otherwise it goes back to the pool.
    fn keep(&self, kept: KeptConnection) {
        let mut connections = self.connections();
        if connections.len() < self.capacity {
            connections.push(kept);
        }
    }
}

/// What a statement is run for: its outcome (a write) or its rows.
#[derive(Clone, Copy)]
enum Wanted {
    Outcome,
    Rows,
}

/// How a statement is run on a connection.
type Run<T> =
    for<'a> fn(&'a mut Connection, &'a Statement) -> BoxFuture<'a, Result<T, sqlx::Error>>;

impl Connection {
    fn execute<'a>(
        &'a mut self,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<ExecResult, sqlx::Error>> {
        Box::pin(async move {
            Ok(match self {
                Self::Postgres(c) => query(stmt).execute(&mut **c).await?.into(),
                Self::Sqlite(c) => query(stmt).execute(&mut **c).await?.into(),
            })
        })
    }

    fn fetch_optional<'a>(
        &'a mut self,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Option<QueryResult>, sqlx::Error>> {
        Box::pin(async move {
            Ok(match self {
                Self::Postgres(c) => query(stmt)
                    .fetch_optional(&mut **c)
                    .await?
                    .map(QueryResult::from),
                Self::Sqlite(c) => query(stmt)
                    .fetch_optional(&mut **c)
                    .await?
                    .map(QueryResult::from),
            })
        })
    }

    fn fetch_all<'a>(
        &'a mut self,
        stmt: &'a Statement,
    ) -> BoxFuture<'a, Result<Vec<QueryResult>, sqlx::Error>> {
        Box::pin(async move {
            Ok(match self {
                Self::Postgres(c) => query(stmt)
                    .fetch_all(&mut **c)
                    .await?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect(),
                Self::Sqlite(c) => query(stmt)
                    .fetch_all(&mut **c)
                    .await?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect(),
            })
        })
    }

    async fn ping(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(connection) => connection.ping().await,
            Self::Sqlite(connection) => connection.ping().await,
        }
    }
}

/// `stmt` as sqlx runs it, with its values bound.
fn query<DB>(stmt: &Statement) -> sqlx::query::Query<'_, DB, SqlxValues>
where
    DB: sqlx::Database,
    SqlxValues: sqlx::IntoArguments<DB>,
{
    let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// A statement's span, named and described as sea-orm's own (the statements of a transaction), so
/// that a trace shows every statement alike.
fn statement_span(wanted: Wanted, backend: DbBackend, sql: &str) -> tracing::Span {
    let name = match wanted {
        Wanted::Outcome => "sea_orm.execute",
        Wanted::Rows => "sea_orm.query",
    };
    let system = match backend {
        DbBackend::Postgres => "postgresql",
        DbBackend::Sqlite => "sqlite",
        _ => "other_sql",
    };
    tracing::info_span!(
        "sea_orm",
        otel.name = name,
        otel.kind = "client",
        db.system = system,
        db.operation = sql.split_whitespace().next().unwrap_or_default(),
    )
}

fn acquire_error(error: sqlx::Error) -> DbErr {
    match error {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        error => DbErr::Conn(RuntimeErr::SqlxError(error.into())),
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.run(&stmt, Wanted::Outcome, Connection::execute).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.run(&stmt, Wanted::Rows, Connection::fetch_optional)
            .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.run(&stmt, Wanted::Rows, Connection::fetch_all).await
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.make_room();
        self.pool.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.make_room();
        self.pool
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.make_room();
        self.pool.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.make_room();
        self.pool.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            )
                -> std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.make_room();
        self.pool
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
