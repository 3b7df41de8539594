//! Rows read by the position of their columns. sea-orm's derived `FromQueryResult` finds each
//! column by its name (a hash of the name per column of every row, a `format!` of it when the
//! columns carry a prefix) and reads a nullable column through an error that formats the
//! column's name whenever the value is NULL. Reading a page of fifty comments and their authors
//! took 19 % of the request's CPU that way and takes 14 % by position (the rest is decoding the
//! values themselves). The rows the busiest pages read implement [`ReadAt`], and [`model_at`]
//! checks each such read against sea-orm's by name in debug builds.
//!
//! A row is one sea-orm read (through sqlx, on either database) or one of a [`Table`]'s, read
//! straight from SQLite on the thread that asked: [`Row`] is either, and every reader here reads
//! both alike.

use std::{cell::RefCell, fmt::Debug, sync::Arc};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sea_orm::{
    DbErr, FromQueryResult, QueryResult, RuntimeErr,
    prelude::DateTimeUtc,
    sqlx::{self, Row as _, ValueRef, postgres::PgValueFormat},
};

use crate::table::{Table, Value};

/// One row as the API reads it.
#[derive(Clone, Copy, Debug)]
pub enum Row<'r> {
    /// Read by sea-orm, through sqlx.
    Sqlx(&'r QueryResult),
    /// Row `.1` of a table read straight from SQLite.
    Table(&'r Table, usize),
}

impl<'r> From<&'r QueryResult> for Row<'r> {
    fn from(row: &'r QueryResult) -> Self {
        Self::Sqlx(row)
    }
}

/// A row kept after its statement: a sea-orm read, or one of a table's rows, sharing it.
#[derive(Debug)]
pub enum OwnedRow {
    Sqlx(QueryResult),
    Table(Arc<Table>, usize),
}

impl OwnedRow {
    pub fn row(&self) -> Row<'_> {
        match self {
            Self::Sqlx(row) => Row::Sqlx(row),
            Self::Table(table, row) => Row::Table(table, *row),
        }
    }
}

impl From<QueryResult> for OwnedRow {
    fn from(row: QueryResult) -> Self {
        Self::Sqlx(row)
    }
}

impl<'r> Row<'r> {
    /// How many columns the row has.
    pub fn width(self) -> usize {
        match self {
            Self::Sqlx(row) => {
                if let Some(row) = row.try_as_pg_row() {
                    row.len()
                } else if let Some(row) = row.try_as_sqlite_row() {
                    row.len()
                } else {
                    0
                }
            }
            Self::Table(table, _) => table.width(),
        }
    }

    /// Where the column named `name` is.
    pub fn position(self, name: &str) -> Option<usize> {
        match self {
            Self::Sqlx(row) => {
                let column = if let Some(row) = row.try_as_pg_row() {
                    row.try_column(name).map(sqlx::Column::ordinal)
                } else if let Some(row) = row.try_as_sqlite_row() {
                    row.try_column(name).map(sqlx::Column::ordinal)
                } else {
                    return None;
                };
                column.ok()
            }
            Self::Table(table, _) => table.position(name),
        }
    }

    /// Where the column named `name` is, which the row must have.
    fn required_position(self, name: &str) -> Result<usize, DbErr> {
        self.position(name)
            .ok_or_else(|| DbErr::Type(format!("no column named {name}")))
    }

    /// The column named `name`.
    pub fn get<T: Cell>(self, name: &str) -> Result<T, DbErr> {
        T::read(self, self.required_position(name)?)
    }

    /// The value of column `index` of a table's row.
    fn value(table: &'r Table, row: usize, index: usize) -> Result<Value<'r>, DbErr> {
        table
            .get(row, index)
            .ok_or_else(|| DbErr::Type(format!("row {row} has no column {index}")))
    }
}

/// The model `M` whose columns a row carries under `prefix` (a `LEFT JOIN`ed row, its columns in
/// the order of its entity's), read by position; `None` where the join found none (its id is
/// null).
pub fn joined<M: ReadAt>(row: Row<'_>, prefix: &str) -> Result<Option<M>, DbErr> {
    let at = row.required_position(&format!("{prefix}id"))?;
    if Option::<uuid::Uuid>::read(row, at)?.is_none() {
        return Ok(None);
    }
    model_at(row, at, prefix).map(Some)
}

/// A model read from a row by its columns, in the order their entity's `Column::iter()` lists
/// them (the order sea-orm selects them in). It can also be read by name and compared, which
/// [`model_at`] does in debug builds.
pub trait ReadAt: FromQueryResult + PartialEq + Debug {
    /// The model in `row`'s columns from `at` on.
    fn read_at(row: Row<'_>, at: usize) -> Result<Self, DbErr>;
}

/// The model `M` in `row`'s columns from `at` on, whose names carry the prefix `pre`. A debug
/// build reads a sea-orm row by name too and fails when the two differ: a `ReadAt` out of step
/// with its entity's columns.
pub fn model_at<M: ReadAt>(row: Row<'_>, at: usize, pre: &str) -> Result<M, DbErr> {
    let model = M::read_at(row, at)?;
    if let Row::Sqlx(row) = row {
        debug_assert_eq!(
            Some(&model),
            M::from_query_result(row, pre).ok().as_ref(),
            "ReadAt of {} disagrees with its columns by name",
            std::any::type_name::<M>()
        );
    }
    Ok(model)
}

/// A model read from a row that selects its columns first, under their own names: what
/// `E::find()` selects. Every model has one; those that implement [`ReadAt`] read by position.
pub trait FromRow: Sized {
    /// Whether it reads a row by the position of its columns, so a [`Table`]'s row too; one read
    /// by name reads sea-orm's rows only.
    const BY_POSITION: bool;

    fn from_row(row: Row<'_>) -> Result<Self, DbErr>;
}

/// The columns of one row, read one after the other.
pub struct Cells<'r> {
    row: Row<'r>,
    next: usize,
}

impl<'r> Cells<'r> {
    /// The row's columns from `at` on.
    pub fn new(row: Row<'r>, at: usize) -> Self {
        Self { row, next: at }
    }

    /// The next column's value.
    pub fn read<T: Cell>(&mut self) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        T::read(self.row, index)
    }
}

/// A value of one column.
pub trait Cell: Sized {
    fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr>;
}

/// A value of one column of a [`Table`], decoded as sqlx decodes SQLite's (`None` where the
/// value is not of that type). NULL is decoded before.
trait FromValue: Sized {
    const NAME: &'static str;
    fn from_value(value: Value<'_>) -> Option<Self>;
}

/// Column `index` of row `row` of `table` as `T`, `None` when NULL.
fn table_cell<T: FromValue>(table: &Table, row: usize, index: usize) -> Result<Option<T>, DbErr> {
    match Row::value(table, row, index)? {
        Value::Null => Ok(None),
        value => T::from_value(value).map(Some).ok_or_else(|| {
            DbErr::Type(format!(
                "column {index} holds {value:?} where {} was expected",
                T::NAME
            ))
        }),
    }
}

impl FromValue for uuid::Uuid {
    const NAME: &'static str = "a UUID";
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Blob(bytes) => uuid::Uuid::from_slice(bytes).ok(),
            _ => None,
        }
    }
}

impl FromValue for String {
    const NAME: &'static str = "text";
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Text(text) => Some(text.to_owned()),
            _ => None,
        }
    }
}

impl FromValue for i64 {
    const NAME: &'static str = "an integer";
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Integer(value) => Some(value),
            _ => None,
        }
    }
}

impl FromValue for i32 {
    const NAME: &'static str = "a 32-bit integer";
    fn from_value(value: Value<'_>) -> Option<Self> {
        i64::from_value(value).and_then(|value| i32::try_from(value).ok())
    }
}

impl FromValue for bool {
    const NAME: &'static str = "a boolean";
    fn from_value(value: Value<'_>) -> Option<Self> {
        i64::from_value(value).map(|value| value != 0)
    }
}

impl FromValue for DateTimeUtc {
    const NAME: &'static str = "a time";
    /// As sqlx decodes a time from SQLite: RFC 3339 text (what it writes), text in one of
    /// SQLite's own formats (a column's `CURRENT_TIMESTAMP` default), Unix seconds or a Julian
    /// day number.
    fn from_value(value: Value<'_>) -> Option<Self> {
        match value {
            Value::Text(text) => time_from_text(text),
            Value::Integer(seconds) => Utc.timestamp_opt(seconds, 0).single(),
            Value::Real(day) => {
                let seconds = (day - 2_440_587.5) * 86_400.0;
                if !seconds.is_finite() {
                    return None;
                }
                // As sqlx converts it: the casts saturate, and chrono refuses what is out of
                // its range.
                let nanos = (seconds.fract() * 1e9).abs() as u32;
                Utc.timestamp_opt(seconds.trunc() as i64, nanos).single()
            }
            Value::Null | Value::Blob(_) => None,
        }
    }
}

/// The formats besides RFC 3339 that sqlx reads a time from, in its order.
const TIME_FORMATS: [&str; 12] = [
    "%F %T%.f",
    "%F %R",
    "%F %RZ",
    "%F %R%:z",
    "%F %T%.fZ",
    "%F %T%.f%:z",
    "%FT%R",
    "%FT%RZ",
    "%FT%R%:z",
    "%FT%T%.f",
    "%FT%T%.fZ",
    "%FT%T%.f%:z",
];

fn time_from_text(text: &str) -> Option<DateTimeUtc> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    TIME_FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(text, format)
            .map(|time| time.with_timezone(&Utc))
            .or_else(|_| NaiveDateTime::parse_from_str(text, format).map(|time| time.and_utc()))
            .ok()
    })
}

/// The text of column `index`, borrowed from the row; `None` when NULL.
fn text_at(row: Row<'_>, index: usize) -> Result<Option<&str>, DbErr> {
    match row {
        Row::Sqlx(row) => cell::<Option<&str>>(row, index),
        Row::Table(table, row) => match Row::value(table, row, index)? {
            Value::Null => Ok(None),
            Value::Text(text) => Ok(Some(text)),
            value => Err(DbErr::Type(format!(
                "column {index} holds {value:?} where text was expected"
            ))),
        },
    }
}

/// Column `index` of `row` as `T`, decoded as sea-orm decodes it (sqlx's decoding for either
/// database): `Option<T>` reads NULL as `None` rather than as an error that is then discarded,
/// and `&str` borrows the text from the row.
fn cell<'r, T>(row: &'r QueryResult, index: usize) -> Result<T, DbErr>
where
    T: sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    let value = if let Some(row) = row.try_as_pg_row() {
        decode(row, index)
    } else if let Some(row) = row.try_as_sqlite_row() {
        decode(row, index)
    } else {
        return Err(DbErr::Type("a row of an unknown database".to_owned()));
    };
    value.map_err(sqlx_error)
}

fn sqlx_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(error.into()))
}

/// Column `index` of `row` decoded as `T`. A debug build, which the tests run, compares the
/// column's type with `T` first, as sqlx's `try_get` does; a release build leaves that
/// comparison of type descriptions out for every cell of every row (in a profile of the group
/// page it fell from 2.0 to 0.6 % of the server's CPU), as it leaves out [`model_at`]'s read by
/// name. The rows read here name their columns, so a column's type changes only with a
/// migration, which the tests then meet.
fn decode<'r, R, T>(row: &'r R, index: usize) -> Result<T, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    if cfg!(debug_assertions) {
        row.try_get(index)
    } else {
        row.try_get_unchecked(index)
    }
}

/// Enumerations, kept as their names in columns that are never NULL: the name is decoded where
/// it lies in the row (a `&str`, by [`cell`]) and looked up. sea-orm's own `TryGetable` decoded
/// it into a `String` with the column's type compared and its errors made ready: 990
/// instructions a cell (this takes 574), 2.4 % of the group page's in the server.
macro_rules! enumeration_cells {
    ($($value:ty),+) => {$(
        impl Cell for $value {
            fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
                required(
                    enumeration(row, index, <$value as sea_orm::ActiveEnum>::try_from_value)?,
                    index,
                )
            }
        }

        impl Cell for Option<$value> {
            fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
                enumeration(row, index, <$value as sea_orm::ActiveEnum>::try_from_value)
            }
        }
    )+};
}

/// The enumeration named in column `index`, looked up by `lookup`; `None` when NULL. sea-orm
/// looks a name up as a `&String`: the name is copied into a buffer the thread keeps, rather
/// than into a new `String` for every cell (one allocation per answer on a page of attendees).
fn enumeration<T>(
    row: Row<'_>,
    index: usize,
    lookup: fn(&String) -> Result<T, DbErr>,
) -> Result<Option<T>, DbErr> {
    thread_local! {
        static NAME: RefCell<String> = const { RefCell::new(String::new()) };
    }
    let Some(name) = text_at(row, index)? else {
        return Ok(None);
    };
    NAME.with_borrow_mut(|buffer| {
        buffer.clear();
        buffer.push_str(name);
        lookup(buffer).map(Some)
    })
}

/// The value of column `index`, which a row that implements `ReadAt` never has NULL.
fn required<T>(value: Option<T>, index: usize) -> Result<T, DbErr> {
    value.ok_or_else(|| DbErr::Type(format!("column {index} is NULL where a value was expected")))
}

/// Plain values, which a column may also hold as NULL, decoded by [`cell`].
macro_rules! cells {
    ($($value:ty),+) => {$(
        impl Cell for $value {
            fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
                required(Option::<$value>::read(row, index)?, index)
            }
        }

        impl Cell for Option<$value> {
            fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
                match row {
                    Row::Sqlx(row) => cell(row, index),
                    Row::Table(table, row) => table_cell(table, row, index),
                }
            }
        }
    )+};
}
cells!(uuid::Uuid, String, i32, i64, bool);

/// PostgreSQL's epoch, 2000-01-01 UTC, in microseconds after the Unix epoch.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A time in column `index` of `row`, `None` when NULL. PostgreSQL sends a `timestamptz` to a
/// prepared statement as the microseconds since its epoch, which one addition and chrono's
/// division make a time. sqlx builds the epoch as a date each time, adds the microseconds as a
/// duration and converts the result through a fixed offset: 400 instructions a cell where this
/// takes 230, and a group page reads 158 (1.4 % of its instructions). Anything else (SQLite's
/// text, a value PostgreSQL sent as text) is decoded by sqlx, and a debug build decodes every
/// time both ways and compares.
fn time_at(row: &QueryResult, index: usize) -> Result<Option<DateTimeUtc>, DbErr> {
    let Some(pg) = row.try_as_pg_row() else {
        return cell(row, index);
    };
    let value = pg.try_get_raw(index).map_err(sqlx_error)?;
    if value.is_null() {
        return Ok(None);
    }
    let micros = match value.as_bytes().map(<[u8; 8]>::try_from) {
        Ok(Ok(bytes)) if value.format() == PgValueFormat::Binary => i64::from_be_bytes(bytes),
        _ => return cell(row, index),
    };
    let time = micros
        .checked_add(POSTGRES_EPOCH_MICROS)
        .and_then(DateTimeUtc::from_timestamp_micros)
        .ok_or_else(|| DbErr::Type(format!("column {index} holds a time out of range")))?;
    debug_assert_eq!(
        cell::<Option<DateTimeUtc>>(row, index).ok(),
        Some(Some(time)),
        "column {index}"
    );
    Ok(Some(time))
}

impl Cell for DateTimeUtc {
    fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
        required(Option::<DateTimeUtc>::read(row, index)?, index)
    }
}

impl Cell for Option<DateTimeUtc> {
    fn read(row: Row<'_>, index: usize) -> Result<Self, DbErr> {
        match row {
            Row::Sqlx(row) => time_at(row, index),
            Row::Table(table, row) => table_cell(table, row, index),
        }
    }
}

// Enumerations: never NULL in the rows that implement `ReadAt`.
enumeration_cells!(
    crate::persona::SpeakingAs,
    crate::meetup::Kind,
    crate::meetup::Format,
    crate::meetup::Status,
    crate::rsvp::Status,
    crate::resource::Kind,
    crate::interest_group::Visibility,
    crate::interest_group::JoinPolicy,
    crate::membership::Role,
    crate::membership::Status
);

/// Implements [`ReadAt`] and [`FromRow`] for the `Model` of the module it is called in from its
/// fields, listed in the order of the entity's columns.
macro_rules! read_at {
    ($($field:ident),+ $(,)?) => {
        impl crate::row::ReadAt for Model {
            fn read_at(row: crate::row::Row<'_>, at: usize) -> Result<Self, sea_orm::DbErr> {
                let mut cells = crate::row::Cells::new(row, at);
                Ok(Self {
                    $($field: cells.read()?),+
                })
            }
        }

        impl crate::row::FromRow for Model {
            const BY_POSITION: bool = true;

            fn from_row(row: crate::row::Row<'_>) -> Result<Self, sea_orm::DbErr> {
                crate::row::model_at(row, 0, "")
            }
        }
    };
}
pub(crate) use read_at;

/// [`FromRow`] by name, for the models of these modules: those no busy page reads.
macro_rules! from_row_by_name {
    ($($($module:ident)::+),+ $(,)?) => {$(
        impl FromRow for crate::$($module)::+::Model {
            const BY_POSITION: bool = false;

            fn from_row(row: Row<'_>) -> Result<Self, DbErr> {
                match row {
                    Row::Sqlx(row) => Self::from_query_result(row, ""),
                    Row::Table(..) => Err(DbErr::Type(format!(
                        "{} is read by name, from sea-orm's rows only",
                        std::any::type_name::<Self>()
                    ))),
                }
            }
        }
    )+};
}
from_row_by_name!(
    affiliation,
    audit_log,
    calendar_token,
    comment_revision,
    data_export,
    discussion_link,
    email_token,
    group_guidelines,
    group_topic,
    invitation,
    job,
    job_schedule,
    mail_opt_out,
    meetup_host,
    meetup_reminder,
    meetup_topic,
    membership_event,
    notification,
    organisation,
    organisation_role,
    reaction,
    refresh_token,
    report,
    resource_download,
    resource_text,
    resource_topic,
    search_entry,
    thread_topic,
    topic,
    watch::group,
    watch::thread,
);
