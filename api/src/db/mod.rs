//! The database pool. SQLite and PostgreSQL are both first-class: the URL decides. Every
//! statement passes a metric hook that counts it (tests assert query budgets with it) and logs
//! slow ones. Migrations run at start-up under a PostgreSQL advisory lock, so several replicas
//! starting together on an empty database do not race to create the same tables.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use entity::row::{OwnedRow, ReadAt, Row, model_at};
use migration::{Migrator, MigratorTrait};
use prometheus_client::metrics::counter::Counter;
use sea_orm::{
    Condition, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::Expr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Settings;

mod embedded;
mod kept;
pub mod shaped;

pub use kept::Db;

/// How many SQL statements this pool has run since start; on request, the text of each (tests
/// check the query plans of a page's statements with it).
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<Statements>);

#[derive(Debug, Default)]
struct Statements {
    /// Also served as the `fagruppe_sql_statements_total` metric.
    count: Counter,
    recording: AtomicBool,
    recorded: Mutex<Vec<String>>,
}

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.count.get()
    }

    /// The count as a metric to register.
    pub fn metric(&self) -> Counter {
        self.0.count.clone()
    }

    /// Starts keeping the text of every statement, or stops and forgets them.
    pub fn record(&self, on: bool) {
        self.0.recording.store(on, Ordering::Relaxed);
        self.recorded().clear();
    }

    /// The statements kept since recording started, in order.
    pub fn take_recorded(&self) -> Vec<String> {
        std::mem::take(&mut *self.recorded())
    }

    /// Counts a statement that ran, keeps its text when recording, and traces it (and logs it
    /// when slow).
    fn observe(&self, sql: &str, elapsed: Duration) {
        self.0.count.inc();
        if self.0.recording.load(Ordering::Relaxed) {
            self.recorded().push(sql.to_owned());
        }
        // Off unless asked for (`RUST_LOG=fagruppe::sql=trace`): the benchmark counts a page's
        // statements with it.
        tracing::trace!(target: "fagruppe::sql", elapsed_us = elapsed.as_micros() as u64, sql = %sql);
        if elapsed >= SLOW_STATEMENT {
            tracing::warn!(elapsed_ms = elapsed.as_millis() as u64, sql = %sql, "slow statement");
        }
    }

    fn recorded(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0
            .recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

const SLOW_STATEMENT: Duration = Duration::from_millis(250);

/// How long a pooled connection may sit idle before it is pinged on checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// How much of a SQLite database file every connection reads through the one shared mapping
/// (256 MiB).
const MMAP_SIZE: i64 = 256 * 1024 * 1024;

/// The rows a SQLite connection's thread may hand over before the request takes them. sqlx
/// hands each row over through a channel of 50 by default, and a page of 50 comments is 51 rows
/// with the one that tells whether there is a next: the thread then waits for the request to
/// take rows before it can finish its statement, and is woken again. Every page and batch the
/// API reads fits in this many (a page holds at most 100 nodes); a larger read keeps at most
/// this many rows ahead of its reader. Thread page +9 %, group page +2 % (32 clients, six
/// alternating rounds).
const ROW_BUFFER: usize = 1024;

/// Opens the pool and installs the statement hook.
pub async fn connect(settings: &Settings) -> Result<(Db, StatementCounter), DbErr> {
    let mut options = options(settings);
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1);
    let mut db = Database::connect(options).await?;
    let counter = StatementCounter::default();
    install_hook(&mut db, &counter);
    let db = Db::new(
        db,
        counter.clone(),
        (settings.database_max_connections, settings.database_timeout),
    )
    .with_embedded(embedded::Embedded::new(
        &settings.database_url,
        settings.database_timeout,
    ));
    Ok((db, counter))
}

/// A pool of `max_connections` for the runtime of the calling thread (an HTTP worker), counted
/// by `counter`, on PostgreSQL. Its connections open when a request first needs them, on this
/// thread, so the database's answers wake this thread's runtime directly: a connection opened by
/// another runtime is watched by that runtime's reactor, which would wake this thread from its
/// own, and only once it gets round to it. None on SQLite, whose driver runs every connection on
/// a thread of its own whoever asks (and where another pool of `sqlite::memory:` would be
/// another database): the shared pool serves there.
pub async fn connect_local(
    settings: &Settings,
    counter: &StatementCounter,
    max_connections: u32,
) -> Result<Option<Db>, DbErr> {
    if DbBackend::Sqlite.is_prefix_of(&settings.database_url) {
        return Ok(None);
    }
    let mut options = options(settings);
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_lazy(true);
    let mut db = Database::connect(options).await?;
    install_hook(&mut db, counter);
    Ok(Some(Db::new(
        db,
        counter.clone(),
        (max_connections, settings.database_timeout),
    )))
}

fn options(settings: &Settings) -> ConnectOptions {
    let timeout = settings.database_timeout;
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .acquire_timeout(timeout)
        // sqlx pings a pooled connection on every checkout by default: a round trip before each
        // statement. A connection in use within the last half minute is alive; one idle longer
        // may have been dropped by the server, a proxy or a firewall, and is pinged first.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            // WAL lets readers proceed while one writer commits; writers queue on busy_timeout,
            // past which the request is SERVICE_UNAVAILABLE.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(timeout)
                // Every connection reads the file through one shared mapping instead of its own
                // small page cache: what many concurrent readers of a large index need.
                .pragma("mmap_size", MMAP_SIZE.to_string())
                .row_buffer_size(ROW_BUFFER)
        })
        // PostgreSQL compiles a statement whose estimated cost passes `jit_above_cost` to
        // machine code first, which takes 100-300 ms each time. Our statements are short or, as
        // insights' aggregates with a subquery per row are, estimated far above what they cost:
        // the busiest group's thread figures took 343 ms with JIT and 65 ms without.
        .map_sqlx_postgres_opts(|opts| opts.options([("jit", "off")]));
    options
}

/// Counts every statement of `db` with `counter`, and traces and logs them.
fn install_hook(db: &mut DatabaseConnection, counter: &StatementCounter) {
    let hook = counter.clone();
    db.set_metric_callback(move |info| hook.observe(&info.statement.sql, info.elapsed));
}

/// Whether a database error means the database cannot serve now (unreachable, the pool
/// exhausted, shutting down, locked), so the request may succeed if retried, rather than a
/// fault in the statement. Such errors answer `SERVICE_UNAVAILABLE` (503 with `Retry-After`).
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    let sqlx = match err {
        // No connection could be had, whatever the database said about why.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(err)) | DbErr::Query(RuntimeErr::SqlxError(err)) => {
            err.as_ref()
        }
        _ => return false,
    };
    match sqlx {
        Error::Io(_) | Error::Tls(_) | Error::PoolTimedOut | Error::PoolClosed => true,
        Error::Database(database) => {
            let code = database.code().unwrap_or_default();
            if database
                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
                code.parse::<i32>()
                    .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
            } else {
                // PostgreSQL: connection exceptions, too many connections, shutting down.
                code.starts_with("08")
                    || matches!(code.as_ref(), "53300" | "57P01" | "57P02" | "57P03")
            }
        }
        _ => false,
    }
}

/// Applies pending migrations in one transaction (DDL is transactional on both backends) that
/// first takes a lock: a PostgreSQL advisory lock, or SQLite's write lock. A second instance
/// starting at the same moment waits, then finds nothing left to do.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7361626173)")
            .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so concurrent writers wait for each other instead of failing when a read lock
/// cannot be upgraded; on PostgreSQL it is an ordinary read-committed transaction and the
/// domain code locks the rows whose invariants it checks.
pub async fn begin_write(
    db: &impl TransactionTrait<Transaction = DatabaseTransaction>,
) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Whether a row of `E` exists whose `key` is the outer row's `outer` and that meets
/// `condition`: `EXISTS (SELECT 1 FROM e WHERE e.key = outer AND …)`, which both databases answer
/// by looking the row up by `key` for each outer row (an `IN (subquery)` has SQLite collect every
/// matching row of `E` first).
pub fn row_exists<E: EntityTrait>(
    key: E::Column,
    outer: impl sea_orm::sea_query::IntoColumnRef,
    condition: Condition,
) -> Expr {
    use sea_orm::{ExprTrait, sea_query::Query};
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(E::default())
            .cond_where(
                Condition::all()
                    .add(Expr::col((E::default(), key)).equals(outer))
                    .add(condition),
            )
            .to_owned(),
    )
}

/// `select` with the viewer's row of `R` `LEFT JOIN`ed: the row whose `to` column is the read
/// row's `from` column and whose `member` column is `viewer` (a member's membership in a group,
/// their answer to a meetup), its columns selected as `{prefix}{name}`, which
/// `Option::<R::Model>::from_query_result(row, prefix)` reads back.
pub fn join_viewer_row<S, F, R>(
    select: S,
    (from, to): (F::Column, R::Column),
    member: R::Column,
    viewer: uuid::Uuid,
    prefix: &str,
) -> S
where
    S: sea_orm::QuerySelect,
    F: EntityTrait,
    R: EntityTrait,
{
    use sea_orm::{ExprTrait, IdenStatic, Iterable, JoinType, sea_query::IntoCondition};
    let mut select = select.join(
        JoinType::LeftJoin,
        F::belongs_to(R::default())
            .from(from)
            .to(to)
            .on_condition(move |_, row| Expr::col((row, member)).eq(viewer).into_condition())
            .into(),
    );
    for column in R::Column::iter() {
        select = select.column_as(
            Expr::col((R::default(), column)),
            format!("{prefix}{}", column.as_str()),
        );
    }
    select
}

/// The prefix of the joined row's columns in a read of [`Firsts`].
const JOINED: &str = "J_";

/// SQLite allows 500 terms in a compound `SELECT`; more parents take more statements.
const BRANCHES_PER_STATEMENT: usize = 200;

/// A row of `J` joined to each row of a read of [`Firsts`]: the `columns` of `J` that `P` is read
/// from, the column of `J` a row's foreign key names, and how `P` is read from the `columns` by
/// position (they come first; `None` where the join found nothing).
pub struct Joined<'a, J: EntityTrait, P> {
    pub columns: &'a [J::Column],
    pub id: J::Column,
    pub read: fn(Row<'_>, usize) -> Result<Option<P>, DbErr>,
}

/// The first `limit` rows of `E`, in `order`, of a parent (rows whose `partition` column is the
/// parent) among the rows whose `filter` column, if any, holds its value: the first attendees of
/// a meetup, the first replies of a comment. Each parent's rows are an index range scan that
/// stops after `limit` rows: `order` must be the order of an index on `(partition, filter column,
/// order)`. Given a `foreign_key`, each row comes with the `P` read from the `J` row it names
/// (`LEFT JOIN`ed on `J`'s `id` column), in the same statement: the attendees with the members
/// they are.
///
/// They are read for a list of parents ([`first_of_each_with`]), or with the parents themselves,
/// joined to a read of them ([`JoinFirsts`], on PostgreSQL).
pub struct Firsts<'a, E: EntityTrait, J: EntityTrait, P> {
    pub partition: E::Column,
    pub filter: Option<(E::Column, String)>,
    pub order: &'a [E::Column],
    pub limit: u64,
    pub foreign_key: Option<(E::Column, Joined<'a, J, P>)>,
}

/// One of the rows a read of [`Firsts`] finds, with what was joined to it.
pub type FirstRow<E, P> = (<E as EntityTrait>::Model, Option<P>);

/// What decides the text of a read of [`Firsts`] besides its parents.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FirstsShape {
    /// The rows' table, and the joined table and what is read from it (their types).
    tables: std::any::TypeId,
    /// The partition, the order, then the foreign key and the joined id and columns, if any.
    columns: Vec<&'static str>,
    /// The filter's column and value.
    filter: Option<(&'static str, String)>,
    limit: u64,
    /// How many parents: on SQLite each is a subquery of the union; PostgreSQL takes them all as
    /// one array, whatever their number, and a join to the parents' read takes none (0).
    parents: usize,
}

/// [`Firsts`] read with their parents, whatever their types, in one statement: the read of the
/// parents followed by the rows (`UNION ALL`), each parent's row with nulls for the rows'
/// columns, and each row with its parent's id and nulls for the parent's other columns.
pub trait JoinFirsts: Sync {
    fn shape(&self) -> FirstsShape;
    /// Follows `query`, whose rows are the parents, their id `id` its column at `id_at`, with
    /// the rows of each parent that `parents` finds (the parents' table as `query` filters it,
    /// with no columns), read `LATERAL`ly (PostgreSQL only). `query` must not be ordered.
    ///
    /// (Joining the rows to the parents, each parent's columns only in its first row, had
    /// PostgreSQL number the rows and test every parent column of every row: the meetup page's
    /// statement served 4,160 a second in pgbench, this one 5,440.)
    fn union_to(
        &self,
        query: &mut sea_orm::sea_query::SelectStatement,
        id: (Expr, usize),
        parents: sea_orm::sea_query::SelectStatement,
    );
    /// Whether `result` is one of the rows (and not a parent's own).
    fn is_row(&self, result: Row<'_>) -> Result<bool, DbErr>;
    /// Puts the rows in order: by parent, then each parent's in their order.
    fn in_order(&self, rows: Vec<OwnedRow>) -> Result<Vec<OwnedRow>, DbErr>;
}

impl<E, J, P> Firsts<'_, E, J, P>
where
    E: EntityTrait,
    E::Model: ReadAt,
    J: EntityTrait,
    P: 'static,
{
    fn shape_of(&self, parents: usize) -> FirstsShape {
        use sea_orm::IdenStatic;
        let mut columns: Vec<&'static str> = std::iter::once(self.partition)
            .chain(self.order.iter().copied())
            .map(|column| column.as_str())
            .collect();
        if let Some((foreign_key, joined)) = &self.foreign_key {
            columns.push(foreign_key.as_str());
            columns.push(joined.id.as_str());
            columns.extend(joined.columns.iter().map(|column| column.as_str()));
        }
        FirstsShape {
            tables: std::any::TypeId::of::<(E, J, P)>(),
            columns,
            filter: self
                .filter
                .as_ref()
                .map(|(column, value)| (column.as_str(), value.clone())),
            limit: self.limit,
            parents,
        }
    }

    /// One parent's rows: those whose partition is `parent` (a value, or a column of the
    /// statement around), with the joined row's columns first (as `J_{name}`), then the row's.
    /// `J` is joined here, to each row as the index scan finds it, rather than to all the
    /// parents' rows after: PostgreSQL put a cache (`Memoize`) in front of that join, which
    /// found nothing in it for a page's attendees, each a different member, and cost it 6 % of
    /// the group page's answers statement (pgbench).
    fn rows_of(&self, parent: Expr) -> sea_orm::sea_query::SelectStatement {
        use sea_orm::{ExprTrait, IdenStatic, Iterable, sea_query::Alias};
        let mut rows = sea_orm::sea_query::Query::select();
        rows.from(E::default());
        if let Some((foreign_key, joined)) = &self.foreign_key {
            for column in joined.columns.iter().copied() {
                rows.expr_as(
                    Expr::col((J::default(), column)),
                    Alias::new(format!("{JOINED}{}", column.as_str())),
                );
            }
            rows.left_join(
                J::default(),
                Expr::col((J::default(), joined.id)).equals((E::default(), *foreign_key)),
            );
        }
        // The row's columns by name, in the order `ReadAt` reads them (`*` would give the
        // table's, which differs where a migration added a column).
        for column in E::Column::iter() {
            rows.column((E::default(), column));
        }
        if let Some((column, value)) = &self.filter {
            rows.and_where(Expr::col((E::default(), *column)).eq(value.as_str()));
        }
        rows.and_where(Expr::col((E::default(), self.partition)).eq(parent))
            .limit(self.limit);
        for column in self.order {
            rows.order_by((E::default(), *column), sea_orm::Order::Asc);
        }
        rows
    }

    /// The names of the columns [`Self::select_from`] selects: the joined row's (as
    /// `J_{name}`), then the row's.
    fn names(&self) -> impl Iterator<Item = String> + '_ {
        use sea_orm::{IdenStatic, Iterable};
        let joined = self.foreign_key.iter().flat_map(|(_, joined)| {
            joined
                .columns
                .iter()
                .map(|column| format!("{JOINED}{}", column.as_str()))
        });
        joined.chain(E::Column::iter().map(|column| column.as_str().to_owned()))
    }

    /// Selects the joined columns, then the row's, from the rows ([`Self::rows_of`]) aliased
    /// `rows`.
    fn select_from(
        &self,
        query: &mut sea_orm::sea_query::SelectStatement,
        rows: &sea_orm::sea_query::Alias,
    ) {
        for name in self.names() {
            query.column((rows.clone(), sea_orm::sea_query::Alias::new(name)));
        }
    }

    /// How many columns [`Self::select_from`] selects.
    fn width(&self) -> usize {
        use sea_orm::Iterable;
        self.foreign_key
            .as_ref()
            .map_or(0, |(_, joined)| joined.columns.len())
            + E::Column::iter().count()
    }

    /// Where among the columns [`Self::select_from`] selects the row's `column` is.
    fn offset_of(&self, column: E::Column) -> usize {
        use sea_orm::{IdenStatic, Iterable};
        self.width() - E::Column::iter().count()
            + E::Column::iter()
                .position(|other| other.as_str() == column.as_str())
                .unwrap_or_default()
    }

    /// How the server orders the rows of one parent: each order column's place among the
    /// columns [`Self::select_from`] selects, and its kind.
    fn server_order(&self) -> Result<Vec<(usize, OrderKind)>, DbErr> {
        use sea_orm::{ColumnTrait, IdenStatic, sea_query::ColumnType};
        self.order
            .iter()
            .map(|column| {
                let kind = match column.def().get_column_type() {
                    ColumnType::BigInteger => OrderKind::Number,
                    ColumnType::Uuid => OrderKind::Id,
                    ColumnType::TimestampWithTimeZone => OrderKind::Time,
                    // Text would be compared by its bytes here and by its collation in the
                    // database, which chose the rows.
                    other => {
                        return Err(DbErr::Custom(format!(
                            "rows are not put in order by a column of type {other:?} ({})",
                            column.as_str()
                        )));
                    }
                };
                Ok((self.offset_of(*column), kind))
            })
            .collect()
    }

    /// The row, and what was joined to it, in `row`'s columns from `at` on.
    fn read(&self, row: Row<'_>, at: usize) -> Result<FirstRow<E, P>, DbErr> {
        let (joined, row_at) = match &self.foreign_key {
            Some((_, joined)) => ((joined.read)(row, at)?, at + joined.columns.len()),
            None => (None, at),
        };
        Ok((model_at(row, row_at, "")?, joined))
    }

    /// [`Self::read`] of the last columns of `row`, where [`JoinFirsts::union_to`] selects them.
    pub fn read_last(&self, row: Row<'_>) -> Result<FirstRow<E, P>, DbErr> {
        self.read(row, row.width().saturating_sub(self.width()))
    }

    /// The columns the server orders the rows by, as [`Self::server_order`] gives them: the
    /// parent first, then the order columns.
    fn key_columns(&self) -> Result<Vec<(usize, OrderKind)>, DbErr> {
        let mut columns = vec![(self.offset_of(self.partition), OrderKind::Id)];
        columns.extend(self.server_order()?);
        Ok(columns)
    }
}

/// Adds `row`'s key to `keys`: its `columns` ([`Firsts::key_columns`]), counted from `at`.
fn read_key(
    columns: &[(usize, OrderKind)],
    row: Row<'_>,
    at: usize,
    keys: &mut Vec<OrderCell>,
) -> Result<(), DbErr> {
    for (offset, kind) in columns {
        keys.push(kind.read(row, at + offset)?);
    }
    Ok(())
}

impl<E, J, P> JoinFirsts for Firsts<'_, E, J, P>
where
    E: EntityTrait,
    E::Model: ReadAt,
    J: EntityTrait,
    P: 'static,
{
    fn shape(&self) -> FirstsShape {
        self.shape_of(0)
    }

    fn union_to(
        &self,
        query: &mut sea_orm::sea_query::SelectStatement,
        (id, id_at): (Expr, usize),
        mut parents: sea_orm::sea_query::SelectStatement,
    ) {
        use sea_orm::sea_query::{Alias, JoinType, UnionType};
        // The parents' columns, nulls but for their id.
        let mut columns = 0;
        query.exprs_mut_for_each(|_| columns += 1);
        for column in 0..columns {
            parents.expr(if column == id_at {
                id.clone()
            } else {
                Expr::cust("NULL")
            });
        }
        let rows = Alias::new(ROWS);
        parents.join_lateral(
            JoinType::InnerJoin,
            self.rows_of(id),
            rows.clone(),
            Expr::cust("TRUE"),
        );
        self.select_from(&mut parents, &rows);
        // The rows' columns, nulls in the parents' own rows, named as the rows name them.
        for name in self.names() {
            query.expr_as(Expr::cust("NULL"), Alias::new(name));
        }
        query.union(UnionType::All, parents);
    }

    fn is_row(&self, result: Row<'_>) -> Result<bool, DbErr> {
        let at = result.width().saturating_sub(self.width()) + self.offset_of(self.partition);
        Ok(entity::row::Cells::new(result, at)
            .read::<Option<uuid::Uuid>>()?
            .is_some())
    }

    fn in_order(&self, rows: Vec<OwnedRow>) -> Result<Vec<OwnedRow>, DbErr> {
        let columns = self.key_columns()?;
        let mut keys = Vec::with_capacity(rows.len() * columns.len());
        for row in &rows {
            let row = row.row();
            let at = row.width().saturating_sub(self.width());
            read_key(&columns, row, at, &mut keys)?;
        }
        Ok(in_key_order(rows, &keys, columns.len()))
    }
}

/// `items` in the order of their keys: `width` of them for each item, one item's after
/// another's in one buffer (a buffer for each row cost a group page's answers as many
/// allocations as they have rows).
fn in_key_order<T>(items: Vec<T>, keys: &[OrderCell], width: usize) -> Vec<T> {
    let key = |index: usize| &keys[index * width..(index + 1) * width];
    let mut indexed: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    // Stable, and quick on rows that come in order, as they mostly do.
    indexed.sort_by(|(one, _), (other, _)| key(*one).cmp(key(*other)));
    indexed.into_iter().map(|(_, item)| item).collect()
}

/// The rows of a read with [`JoinFirsts`] (`joined`: the column of the parents' id, and what was
/// read with them), by parent: each parent, read by `parent` from its own row, with that row
/// first and then its first rows in order. Without `joined`, each row is a parent of its own.
pub fn by_parent<M, Err: From<DbErr>>(
    rows: Vec<OwnedRow>,
    joined: Option<(usize, &dyn JoinFirsts)>,
    mut parent: impl FnMut(Row<'_>) -> Result<M, Err>,
) -> Result<Vec<(M, Vec<OwnedRow>)>, Err> {
    let Some((id_at, firsts)) = joined else {
        return rows
            .into_iter()
            .map(|row| Ok((parent(row.row())?, vec![row])))
            .collect();
    };
    // Each parent's own row (the union's first part), then its rows (the second) in order.
    let mut parents = Vec::new();
    let mut children = Vec::new();
    for row in rows {
        if firsts.is_row(row.row())? {
            children.push(row);
        } else {
            let id = entity::row::Cells::new(row.row(), id_at).read::<uuid::Uuid>()?;
            parents.push((id, row, Vec::new()));
        }
    }
    for row in firsts.in_order(children)? {
        let id = entity::row::Cells::new(row.row(), id_at).read::<uuid::Uuid>()?;
        // A statement reads its parents and their rows at one moment: each row's parent is there.
        if let Some((.., rows)) = parents.iter_mut().find(|(parent, ..)| *parent == id) {
            rows.push(row);
        }
    }
    parents
        .into_iter()
        .map(|(_, own, rows)| {
            let model = parent(own.row())?;
            let mut results = Vec::with_capacity(rows.len() + 1);
            results.push(own);
            results.extend(rows);
            Ok((model, results))
        })
        .collect()
}

/// The kind of a column the server orders [`Firsts`] rows by: those that compare the same in the
/// server as in the database.
#[derive(Clone, Copy)]
enum OrderKind {
    Number,
    Id,
    Time,
}

/// A value of a column of [`OrderKind`], as the server compares them.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum OrderCell {
    Number(i64),
    Id(uuid::Uuid),
    Time(chrono::DateTime<chrono::Utc>),
}

impl OrderKind {
    fn read(self, row: Row<'_>, at: usize) -> Result<OrderCell, DbErr> {
        let mut cells = entity::row::Cells::new(row, at);
        Ok(match self {
            Self::Number => OrderCell::Number(cells.read()?),
            Self::Id => OrderCell::Id(cells.read()?),
            Self::Time => OrderCell::Time(cells.read()?),
        })
    }
}

/// The alias of the rows of a read of [`Firsts`] in its statement.
const ROWS: &str = "firsts";

/// The statements of [`first_of_each_with`], built once per shape.
static FIRSTS: std::sync::LazyLock<shaped::Templates<FirstsShape>> =
    std::sync::LazyLock::new(shaped::Templates::default);

/// The [`Firsts`] of each parent in `parents`: the attendees of a page of meetups, the replies of
/// a page of comments, in one statement.
///
/// PostgreSQL runs one `… ORDER BY … LIMIT` subquery `LATERAL`ly for each parent of an array,
/// so the statement is the same text for any number of parents, with three values. SQLite has
/// neither, and runs a `UNION ALL` of one such subquery per parent. Either text is built once per
/// shape (`shaped::Templates`): building the union of a group page's ten meetups, and binding it,
/// took 7 % of the server's instructions for the page, the lateral statement 2 %. Neither sorts
/// the rows it found: the server does, by parent and by their order columns.
pub async fn first_of_each_with<E, J, P>(
    db: &Db,
    parents: &[uuid::Uuid],
    firsts: &Firsts<'_, E, J, P>,
) -> Result<Vec<FirstRow<E, P>>, DbErr>
where
    E: EntityTrait,
    E::Model: ReadAt,
    J: EntityTrait,
    P: 'static,
{
    use sea_orm::{
        ExprTrait,
        sea_query::{Alias, Func, JoinType, Query, UnionType},
    };
    let backend = db.get_database_backend();
    let lateral = backend == DbBackend::Postgres;
    let per_statement = if lateral {
        parents.len().max(1)
    } else {
        BRANCHES_PER_STATEMENT
    };
    let rows_alias = Alias::new(ROWS);
    let build = |chunk: &[uuid::Uuid]| {
        let mut query = Query::select();
        if lateral {
            let parent = Alias::new("parent");
            query
                .from_function(
                    Func::cust("unnest")
                        .arg(Expr::val(shaped::uuid_array(chunk)).cast_as("uuid[]")),
                    parent.clone(),
                )
                .join_lateral(
                    JoinType::InnerJoin,
                    firsts.rows_of(Expr::col((parent.clone(), parent))),
                    rows_alias.clone(),
                    Expr::cust("TRUE"),
                );
        } else {
            let branch = |(index, parent): (usize, &uuid::Uuid)| {
                // `take`, not `to_owned`: that would copy the branch, subquery and all.
                Query::select()
                    .column(sea_orm::sea_query::Asterisk)
                    .from_subquery(
                        firsts.rows_of(Expr::val(*parent)),
                        Alias::new(format!("p{index}")),
                    )
                    .take()
            };
            let mut branches = chunk.iter().enumerate().map(branch);
            if let Some(mut union) = branches.next() {
                for other in branches {
                    union.union(UnionType::All, other);
                }
                query.from_subquery(union, rows_alias.clone());
            }
        }
        // The joined columns first, so that they are at the same place in every row.
        firsts.select_from(&mut query, &rows_alias);
        // The server puts the rows in order: sorting them in PostgreSQL, with their members,
        // took up to 13 % of its CPU for a group page's answers, and numbering them in order
        // (`row_number()`) for the server to sort by 15 % (pgbench).
        query
    };
    let columns = firsts.key_columns()?;
    let mut keys = Vec::new();
    let mut found = Vec::new();
    for chunk in parents.chunks(per_statement) {
        let shape = firsts.shape_of(if lateral { 0 } else { chunk.len() });
        let statement = FIRSTS.statement(shape, backend, chunk, build);
        let rows = db.rows(statement).await?;
        keys.reserve(rows.len() * columns.len());
        found.reserve(rows.len());
        for row in &rows {
            read_key(&columns, row.row(), 0, &mut keys)?;
            found.push(firsts.read(row.row(), 0)?);
        }
    }
    // By parent, then in each parent's order.
    Ok(in_key_order(found, &keys, columns.len()))
}

/// The statement that reading `cursor` would run on `backend`. sea-orm builds a cursor's
/// statement (its keyset filter, order and limit) only as it runs it: it is run here on a
/// connection that keeps the statement and answers with no rows, so that [`Db::rows`] can run
/// it instead.
pub async fn cursor_statement<S: sea_orm::SelectorTrait>(
    cursor: &mut sea_orm::Cursor<S>,
    backend: DbBackend,
) -> Result<sea_orm::Statement, DbErr> {
    let capture = Capture {
        backend,
        statement: Mutex::new(None),
    };
    cursor.all(&capture).await?;
    capture
        .statement
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .ok_or_else(|| DbErr::Custom("the cursor ran no statement".to_owned()))
}

/// A connection that runs nothing and keeps the one statement it was given to read.
struct Capture {
    backend: DbBackend,
    statement: Mutex<Option<sea_orm::Statement>>,
}

impl Capture {
    fn keep(&self, statement: sea_orm::Statement) {
        *self
            .statement
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(statement);
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Capture {
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute_raw(&self, _: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        Err(DbErr::Custom("a statement kept is not run".to_owned()))
    }

    async fn execute_unprepared(&self, _: &str) -> Result<sea_orm::ExecResult, DbErr> {
        Err(DbErr::Custom("a statement kept is not run".to_owned()))
    }

    async fn query_one_raw(
        &self,
        statement: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.keep(statement);
        Ok(None)
    }

    async fn query_all_raw(
        &self,
        statement: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.keep(statement);
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use entity::{meetup, member, rsvp};

    use super::Firsts;

    #[test]
    fn the_server_orders_first_rows_by_numbers_ids_and_times_but_not_by_text() {
        let answers = Firsts::<rsvp::Entity, member::Entity, ()> {
            partition: rsvp::Column::MeetupId,
            filter: None,
            order: &[rsvp::Column::QueuedAt, rsvp::Column::Id],
            limit: 5,
            foreign_key: None,
        };
        let order = answers.server_order().expect("a number and an id");
        // `queued_at` is an answer's fifth column, `id` its first.
        let places: Vec<usize> = order.iter().map(|(at, _)| *at).collect();
        assert_eq!(places, [4, 0]);
        let by_title = Firsts::<meetup::Entity, member::Entity, ()> {
            partition: meetup::Column::GroupId,
            filter: None,
            order: &[meetup::Column::Title],
            limit: 5,
            foreign_key: None,
        };
        assert!(by_title.server_order().is_err());
    }
}
