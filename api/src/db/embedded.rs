//! SQLite's reads on the thread of the request that asks for them. sqlx runs each SQLite
//! connection on a thread of its own: a statement is a message to that thread, its rows come
//! back through a channel, and every value is copied into an allocation of its own there and
//! freed here. The thread page's fifty comments took 370-460 µs of CPU that way, and 86-95 µs
//! read straight from SQLite on the calling thread (3,000 runs of each).
//!
//! Here each thread that reads keeps a connection of its own to the database file, made
//! read-only (`query_only`), with its statements prepared once, and runs a statement at once:
//! a page's read is a short stretch of CPU on pages the file's shared mapping holds, and in WAL
//! mode a reader never waits for a writer. The rows land in one [`Table`]. Only the reads whose
//! rows are read by position take this way (`Db::rows`); writes, transactions and every other
//! read stay on sqlx's pool, and so does a read with a value this does not bind as sqlx does.
//! An in-memory database is one database per connection: it has none.

use std::{cell::RefCell, path::PathBuf, str::FromStr, time::Duration};

use entity::table::{Table, Value};
use rusqlite::{
    Connection, OpenFlags,
    types::{ToSqlOutput, ValueRef},
};
use sea_orm::{
    ConnAcquireErr, DbErr, RuntimeErr, Statement, sea_query::OptionEnum,
    sqlx::sqlite::SqliteConnectOptions,
};
use thread_local::ThreadLocal;

/// How many statements each connection keeps prepared (sqlx's own default).
const PREPARED: usize = 100;

/// The reading connections of one SQLite database, one for each thread that reads.
pub struct Embedded {
    path: PathBuf,
    /// How long a read waits for a lock (the pool's busy timeout).
    wait: Duration,
    connections: ThreadLocal<RefCell<Connection>>,
}

impl Embedded {
    /// Reads of the database at `url`, or `None` when it is not a SQLite file.
    pub fn new(url: &str, wait: Duration) -> Option<Self> {
        if !url.starts_with("sqlite:") {
            return None;
        }
        let in_memory = url.contains(":memory:")
            || url
                .split_once('?')
                .is_some_and(|(_, query)| query.split('&').any(|pair| pair == "mode=memory"));
        if in_memory {
            return None;
        }
        let options = SqliteConnectOptions::from_str(url).ok()?;
        Some(Self {
            path: options.get_filename().to_owned(),
            wait,
            connections: ThreadLocal::new(),
        })
    }

    /// The rows of `statement`, read on this thread; `None` when one of its values is not one
    /// this binds (the pool then reads it).
    pub fn read(&self, statement: &Statement) -> Result<Option<Table>, DbErr> {
        let values = statement
            .values
            .as_ref()
            .map_or(&[][..], |values| &values.0);
        let Some(values) = values.iter().map(bound).collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        let connection = self
            .connections
            .get_or_try(|| self.open().map(RefCell::new))
            .map_err(error)?;
        // A read runs to its end before this thread does anything else: the connection is
        // never asked for twice at once.
        let Ok(connection) = connection.try_borrow_mut() else {
            return Ok(None);
        };
        read(&connection, &statement.sql, values)
            .map(Some)
            .map_err(error)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.pragma_update(None, "query_only", true)?;
        // As the pool's connections (`db::options`).
        connection.pragma_update(None, "mmap_size", super::MMAP_SIZE)?;
        connection.busy_timeout(self.wait)?;
        connection.set_prepared_statement_cache_capacity(PREPARED);
        Ok(connection)
    }
}

/// Runs `sql` with `values` and keeps its rows.
fn read(
    connection: &Connection,
    sql: &str,
    values: Vec<ToSqlOutput<'_>>,
) -> rusqlite::Result<Table> {
    let mut statement = connection.prepare_cached(sql)?;
    for (index, value) in values.into_iter().enumerate() {
        statement.raw_bind_parameter(index + 1, value)?;
    }
    let width = statement.column_count();
    let mut table = Table::new(
        statement
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    );
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next()? {
        for index in 0..width {
            table.push(match row.get_ref(index)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(value) => Value::Integer(value),
                ValueRef::Real(value) => Value::Real(value),
                ValueRef::Text(text) => Value::Text(std::str::from_utf8(text).map_err(|err| {
                    rusqlite::Error::FromSqlConversionFailure(
                        index,
                        rusqlite::types::Type::Text,
                        Box::new(err),
                    )
                })?),
                ValueRef::Blob(bytes) => Value::Blob(bytes),
            });
        }
    }
    Ok(table)
}

/// `value` as sqlx binds it for SQLite (`sea_query_sqlx`): a time as RFC 3339 text, a UUID as
/// its 16 bytes, an enumeration as its name. `None` for the kinds no read here binds.
fn bound(value: &sea_orm::Value) -> Option<ToSqlOutput<'_>> {
    use sea_orm::Value as V;
    let integer = |value: Option<i64>| value.map_or(ValueRef::Null, ValueRef::Integer);
    let value = match value {
        V::Bool(value) => integer(value.map(i64::from)),
        V::TinyInt(value) => integer(value.map(i64::from)),
        V::SmallInt(value) => integer(value.map(i64::from)),
        V::Int(value) => integer(value.map(i64::from)),
        V::BigInt(value) => integer(*value),
        V::TinyUnsigned(value) => integer(value.map(i64::from)),
        V::SmallUnsigned(value) => integer(value.map(i64::from)),
        V::Unsigned(value) => integer(value.map(i64::from)),
        V::BigUnsigned(value) => match value {
            Some(value) => integer(Some(i64::try_from(*value).ok()?)),
            None => ValueRef::Null,
        },
        V::Float(value) => value.map_or(ValueRef::Null, |value| ValueRef::Real(f64::from(value))),
        V::Double(value) => value.map_or(ValueRef::Null, ValueRef::Real),
        V::String(value) => text(value.as_deref()),
        V::Enum(OptionEnum::Some(value)) => text(Some(&value.value)),
        V::Enum(OptionEnum::None(_)) => ValueRef::Null,
        V::Bytes(value) => value.as_deref().map_or(ValueRef::Null, ValueRef::Blob),
        V::Uuid(value) => value
            .as_ref()
            .map_or(ValueRef::Null, |id| ValueRef::Blob(id.as_bytes())),
        V::ChronoDateTimeUtc(Some(time)) => {
            return Some(ToSqlOutput::Owned(rusqlite::types::Value::Text(
                time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            )));
        }
        V::ChronoDateTimeUtc(None) => ValueRef::Null,
        _ => return None,
    };
    Some(ToSqlOutput::Borrowed(value))
}

fn text(value: Option<&str>) -> ValueRef<'_> {
    value.map_or(ValueRef::Null, |text| ValueRef::Text(text.as_bytes()))
}

/// A read's error as sea-orm's: a lock held past the wait is the database being unavailable
/// (`db::is_unavailable`), as it is on the pool.
fn error(err: rusqlite::Error) -> DbErr {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)
        }
        _ => DbErr::Query(RuntimeErr::Internal(format!("SQLite read: {err}"))),
    }
}
