//! `fagruppe seed`: data for a first look and for measuring.
//!
//! - `seed standard [--scale N]` writes a data set shaped like a national association (at N=1:
//!   10,000 members, 50 groups, 30,000 memberships, 2,000 meetups, 100,000 answers, 5,000
//!   threads, 200,000 comments, 10,000 resources), with long-tailed group and thread sizes, a
//!   third of comments replies, 80 % going / 12 % waitlisted / 8 % declined answers and half the
//!   meetups upcoming. The same N gives the same rows (times are relative to the start of today,
//!   UTC).
//! - `seed demo` writes a small Norwegian community modelled on an IT association's interest
//!   group on social media: its leader and organisers, a breakfast seminar and an after-work, a
//!   long thread where members quote and disagree, shared articles and slides.
//!
//! Both write in bulk in one transaction, with the stored counts the commands keep, and refuse a
//! database that already holds members unless `--force` is given, which first removes everything
//! but the topic list.

mod demo;
mod rows;
mod standard;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait};

use crate::{auth::password::Passwords, db::begin_write};

pub use rows::Summary;

/// Which data set to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSet {
    Standard { scale: u32 },
    Demo,
}

/// The password of every seeded account, so a newcomer (or the benchmark) can sign in as any of
/// them. Seeded data is for development and measuring, never for production.
pub const PASSWORD: &str = "fagruppe-demo";

/// Parses `seed standard [--scale N] [--force]` or `seed demo [--force]` (the words after
/// `seed`).
pub fn parse(args: &[&str]) -> Result<(DataSet, bool), String> {
    const USAGE: &str = "usage: fagruppe seed standard [--scale N] [--force] | seed demo [--force]";
    let (name, mut rest) = args.split_first().ok_or(USAGE)?;
    let mut scale = 1;
    let mut force = false;
    while let Some((flag, tail)) = rest.split_first() {
        match (*flag, tail.first()) {
            ("--force", _) => {
                force = true;
                rest = tail;
            }
            ("--scale", Some(value)) if *name == "standard" => {
                scale = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or("--scale takes a whole number from 1 to 100")?;
                rest = &tail[1..];
            }
            _ => return Err(USAGE.into()),
        }
    }
    match *name {
        "standard" => Ok((DataSet::Standard { scale }, force)),
        "demo" => Ok((DataSet::Demo, force)),
        _ => Err(USAGE.into()),
    }
}

/// Writes `data_set`; with `force`, over a database that already holds members.
pub async fn run(
    db: &DatabaseConnection,
    passwords: &Passwords,
    data_set: DataSet,
    force: bool,
) -> Result<Summary, String> {
    let members = entity::member::Entity::find()
        .count(db)
        .await
        .map_err(|err| err.to_string())?;
    if members > 0 && !force {
        return Err(format!(
            "the database already holds {members} members; seeding would mix its data with \
             theirs. Pass --force to remove everything but the topics first"
        ));
    }
    let password_hash = passwords
        .hash(PASSWORD)
        .await
        .map_err(|err| err.to_string())?;
    let topics = entity::topic::Entity::find()
        .all(db)
        .await
        .map_err(|err| err.to_string())?;
    let rows = match data_set {
        DataSet::Standard { scale } => standard::generate(scale, &password_hash, &topics),
        DataSet::Demo => demo::generate(&password_hash, &topics),
    };
    let txn = begin_write(db).await.map_err(|err| err.to_string())?;
    if force {
        wipe(&txn).await.map_err(|err| err.to_string())?;
    }
    let summary = rows.write(&txn).await.map_err(|err| err.to_string())?;
    txn.commit().await.map_err(|err| err.to_string())?;
    // Links are read from the posts as the server reads them: the demo's thread led to its
    // seminar, and some of the standard data set's meetups follow up a thread.
    crate::discussions::links::rebuild(db)
        .await
        .map_err(|err| err.to_string())?;
    // Fresh statistics, so the planner sees the new sizes at once rather than after autovacuum
    // (PostgreSQL) or never (SQLite).
    db.execute_unprepared("ANALYZE")
        .await
        .map_err(|err| err.to_string())?;
    Ok(summary)
}

/// Removes every row but the topics and the migration log, inside the seed's transaction.
async fn wipe(txn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let backend = txn.get_database_backend();
    let list = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let tables: Vec<String> = txn
        .query_all_raw(sea_orm::Statement::from_string(backend, list))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "name"))
        .collect::<Result<_, _>>()?;
    let tables: Vec<String> = tables
        .into_iter()
        // The full-text index's own tables follow `search_entry` through its triggers.
        .filter(|name| {
            name != "topic" && name != "seaql_migrations" && !name.starts_with("search_fts")
        })
        .map(|name| format!("\"{name}\""))
        .collect();
    if tables.is_empty() {
        return Ok(());
    }
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(&format!("TRUNCATE {}", tables.join(", ")))
            .await?;
    } else {
        // Checked at commit, when every table is empty: the order of the deletes does not matter.
        txn.execute_unprepared("PRAGMA defer_foreign_keys = ON")
            .await?;
        for table in &tables {
            txn.execute_unprepared(&format!("DELETE FROM {table}"))
                .await?;
        }
    }
    Ok(())
}
