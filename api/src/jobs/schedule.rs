//! Periodic jobs that run once per period with any number of replicas. Each has a
//! `job_schedule` row; a replica whose update moves a due `next_run_at` forward has won the
//! period (the update matches only while the period is due, and the database serialises the
//! updates), and enqueues the period's job in the same transaction, keyed by the period, so
//! even a repeated win enqueues it once.

use chrono::{Duration, Utc};
use entity::job_schedule;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr,
};

use crate::{
    error::AppResult,
    jobs::{NewJob, enqueue, kinds},
    state::AppState,
};

/// A job that runs every `every_seconds`.
pub struct Periodic {
    pub kind: &'static str,
    pub every_seconds: i64,
}

/// Enqueues every periodic job whose period has come, once per period across replicas.
pub async fn enqueue_due(state: &AppState) -> AppResult<()> {
    for periodic in &kinds::PERIODIC {
        let now = Utc::now();
        let txn = state.db.begin().await?;
        job_schedule::Entity::insert(job_schedule::ActiveModel {
            name: Set(periodic.kind.to_owned()),
            next_run_at: Set(now),
        })
        .on_conflict_do_nothing_on([job_schedule::Column::Name])
        .exec(&txn)
        .await?;
        let won = job_schedule::Entity::update_many()
            .col_expr(
                job_schedule::Column::NextRunAt,
                Expr::value(now + Duration::seconds(periodic.every_seconds)),
            )
            .filter(job_schedule::Column::Name.eq(periodic.kind))
            .filter(job_schedule::Column::NextRunAt.lte(now))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if won {
            let period = now.timestamp() / periodic.every_seconds;
            let job = NewJob::now(periodic.kind, serde_json::json!({}))
                .key(format!("{}:{period}", periodic.kind));
            enqueue(state, &txn, job).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}
