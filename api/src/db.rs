//! The database pool. SQLite and PostgreSQL are both first-class: the URL decides. Every
//! statement passes a metric hook that counts it (tests assert query budgets with it) and logs
//! slow ones. Migrations run at start-up under a PostgreSQL advisory lock, so several replicas
//! starting together on an empty database do not race to create the same tables.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    Condition, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Expr, Func, LikeExpr},
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Settings;

/// How many SQL statements this pool has run since start.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

const SLOW_STATEMENT: Duration = Duration::from_millis(250);

/// Opens the pool and installs the statement hook.
pub async fn connect(settings: &Settings) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            // WAL lets readers proceed while one writer commits; writers queue on busy_timeout.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
        });
    let mut db = Database::connect(options).await?;
    let counter = StatementCounter::default();
    let hook = counter.clone();
    db.set_metric_callback(move |info| {
        hook.0.fetch_add(1, Ordering::Relaxed);
        if info.elapsed >= SLOW_STATEMENT {
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, sql = %info.statement.sql, "slow statement");
        }
    });
    Ok((db, counter))
}

/// Applies pending migrations in one transaction (DDL is transactional on both backends) that
/// first takes a lock: a PostgreSQL advisory lock, or SQLite's write lock. A second instance
/// starting at the same moment waits, then finds nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
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
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A filter for rows where any of `columns` contains `search`, ignoring case; `None` for a blank
/// search. `%`, `_` and backslashes in the search match themselves.
pub fn contains_words<E: EntityTrait>(
    columns: &[E::Column],
    search: Option<&str>,
) -> Option<Condition> {
    use sea_orm::ExprTrait;
    let search = search.map(str::trim).filter(|s| !s.is_empty())?;
    let mut escaped = String::with_capacity(search.len() + 2);
    escaped.push('%');
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    Some(columns.iter().fold(Condition::any(), |any, column| {
        any.add(
            Expr::expr(Func::lower(Expr::col((E::default(), *column))))
                .like(LikeExpr::new(escaped.as_str()).escape('\\')),
        )
    }))
}

/// The rows matching `filter`, each with its rank within its partition (rows sharing the
/// `partition` columns) in `order`, as a subquery named `ranked`.
fn ranked<E: EntityTrait>(
    filter: Condition,
    partition: &'static str,
    order: &'static str,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Asterisk, Query};
    Query::select()
        .column(Asterisk)
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order})"
            )),
            Alias::new("rank_in_partition"),
        )
        .from(E::default())
        .cond_where(filter)
        .to_owned()
}

/// The first `limit` rows of every partition (rows sharing the `partition` column), in `order`,
/// among the rows matching `filter`: one query with `ROW_NUMBER() OVER (PARTITION BY …)`, which
/// SQLite and PostgreSQL both run. Used to show the first few children of every item on a page
/// (attendees of meetups, replies to comments) without a query per item. `partition` and `order`
/// are column lists written in code, never client input.
pub async fn first_per_partition<E: EntityTrait>(
    db: &DatabaseConnection,
    filter: Condition,
    partition: &'static str,
    order: &'static str,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr> {
    Ok(
        first_per_partition_with::<E, E>(db, filter, (partition, order, limit), None)
            .await?
            .into_iter()
            .map(|(row, _)| row)
            .collect(),
    )
}

/// The prefix of the joined row's columns in [`first_per_partition_with`].
const JOINED: &str = "J_";

/// [`first_per_partition`], each row with the `J` row its `foreign_key` names (`LEFT JOIN`ed on
/// `J`'s `id` column), in the same statement: the attendees of a page of meetups with the members
/// they are.
pub async fn first_per_partition_with<E: EntityTrait, J: EntityTrait>(
    db: &DatabaseConnection,
    filter: Condition,
    (partition, order, limit): (&'static str, &'static str, u64),
    foreign_key: Option<(&'static str, J::Column)>,
) -> Result<Vec<(E::Model, Option<J::Model>)>, DbErr> {
    use sea_orm::{
        ExprTrait, FromQueryResult, IdenStatic, Iterable,
        sea_query::{Alias, Asterisk, Query},
    };
    let ranked_alias = Alias::new("ranked");
    let mut query = Query::select()
        .column((ranked_alias.clone(), Asterisk))
        .from_subquery(ranked::<E>(filter, partition, order), ranked_alias.clone())
        .and_where(
            Expr::col((ranked_alias.clone(), Alias::new("rank_in_partition")))
                .lte(i64::try_from(limit).unwrap_or(i64::MAX)),
        )
        .to_owned();
    for column in partition.split(',') {
        query.order_by(
            (ranked_alias.clone(), Alias::new(column.trim())),
            sea_orm::Order::Asc,
        );
    }
    query.order_by(
        (ranked_alias.clone(), Alias::new("rank_in_partition")),
        sea_orm::Order::Asc,
    );
    if let Some((foreign_key, id)) = foreign_key {
        for column in J::Column::iter() {
            query.expr_as(
                Expr::col((J::default(), column)),
                Alias::new(format!("{JOINED}{}", column.as_str())),
            );
        }
        query.left_join(
            J::default(),
            Expr::col((J::default(), id)).equals((ranked_alias, Alias::new(foreign_key))),
        );
    }
    let rows = db.query_all(&query).await?;
    rows.iter()
        .map(|row| {
            let joined = if foreign_key.is_some() {
                Option::<J::Model>::from_query_result(row, JOINED)?
            } else {
                None
            };
            Ok((E::Model::from_query_result(row, "")?, joined))
        })
        .collect()
}
