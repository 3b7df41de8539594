//! Workers: each claims the oldest due job, runs it, and records the outcome, until the process
//! drains. A claim holds the job for a lease; a job whose worker died is queued again when its
//! lease runs out, so every job runs at least once. On SIGTERM a worker finishes the job it holds
//! and claims no more.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::job;
use rand::Rng;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use tracing::Instrument;
use uuid::Uuid;

use crate::{
    config::JobSettings,
    db::begin_write,
    error::AppResult,
    http::drain::Drain,
    jobs::{Outcome, WAKEUP_CHANNEL, kinds, schedule},
    state::AppState,
};

/// How long a claimed job is held before another worker may take it over.
const LEASE: Duration = Duration::minutes(5);

/// Longest wait between attempts.
const MAX_BACKOFF: StdDuration = StdDuration::from_secs(3600);

/// Running workers; [`Workers::stopped`] waits until each has put down its job.
pub struct Workers {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Starts `settings.workers` workers, which stop when `drain` begins.
    pub fn start(state: &AppState, drain: &Drain) -> Self {
        let mut handles: Vec<_> = (0..state.settings.jobs.workers)
            .map(|_| tokio::spawn(work(state.clone(), drain.clone())))
            .collect();
        if !handles.is_empty() && state.db.get_database_backend() == DbBackend::Postgres {
            handles.push(tokio::spawn(listen(state.clone(), drain.clone())));
        }
        Self { handles }
    }

    pub async fn stopped(self) {
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

async fn work(state: AppState, drain: Drain) {
    let name = format!("worker-{}", Uuid::new_v4().simple());
    let poll = state.settings.jobs.poll;
    let mut upkeep_due = std::time::Instant::now();
    while !drain.is_draining() {
        // Listen before looking, so a wake-up that comes while the queue is read is not lost.
        let woken = state.job_wakeup.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        // Periodic jobs and expired leases are looked at once per poll interval, not per job.
        if std::time::Instant::now() >= upkeep_due {
            if let Err(err) = upkeep(&state).await {
                tracing::warn!(%err, "job worker: periodic jobs or leases could not be checked");
            }
            upkeep_due = std::time::Instant::now() + poll;
        }
        let claimed = claim(&state, &name).await;
        match claimed {
            Ok(Some(job)) => finish(&state, job).await,
            Ok(None) => {
                tokio::select! {
                    () = woken => {}
                    () = tokio::time::sleep(poll) => {}
                    () = drain.begun() => {}
                }
            }
            Err(err) => {
                tracing::warn!(%err, "job worker: the queue could not be read");
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = drain.begun() => {}
                }
            }
        }
    }
}

/// On PostgreSQL: turns the replicas' `NOTIFY` after each enqueue into a wake-up of this
/// process's idle workers. Should the listening connection fail, workers still poll, and it is
/// opened again after a poll interval.
async fn listen(state: AppState, drain: Drain) {
    let poll = state.settings.jobs.poll;
    while !drain.is_draining() {
        let pool = state.db.pool().get_postgres_connection_pool();
        match sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(mut listener) => match listener.listen(WAKEUP_CHANNEL).await {
                Ok(()) => {
                    // Whatever was enqueued before this moment sent its NOTIFY to nobody:
                    // look once now.
                    state.job_wakeup.notify_waiters();
                    loop {
                        tokio::select! {
                            received = listener.recv() => match received {
                                Ok(_) => state.job_wakeup.notify_waiters(),
                                Err(err) => {
                                    tracing::warn!(%err, "job wake-ups: the listening connection failed");
                                    break;
                                }
                            },
                            () = drain.begun() => return,
                        }
                    }
                }
                Err(err) => tracing::warn!(%err, "job wake-ups: LISTEN failed"),
            },
            Err(err) => tracing::warn!(%err, "job wake-ups: no listening connection"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            () = drain.begun() => {}
        }
    }
}

/// Enqueues due periodic jobs and requeues jobs whose lease ran out.
async fn upkeep(state: &AppState) -> AppResult<()> {
    schedule::enqueue_due(state).await?;
    let now = Utc::now();
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(job::State::Queued))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::State.eq(job::State::Running))
        .filter(job::Column::LockedUntil.lt(now))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Claims the oldest due job for `worker`: on PostgreSQL the row is locked, and rows other
/// workers hold are skipped; on SQLite the write lock serialises claims.
async fn claim(state: &AppState, worker: &str) -> AppResult<Option<job::Model>> {
    let now = Utc::now();
    let txn = if state.db.get_database_backend() == DbBackend::Sqlite {
        begin_write(&state.db).await?
    } else {
        state.db.begin().await?
    };
    let mut pick = job::Entity::find()
        .select_only()
        .column(job::Column::Id)
        .filter(job::Column::State.eq(job::State::Queued))
        .filter(job::Column::RunAt.lte(now))
        .order_by_asc(job::Column::RunAt)
        .order_by_asc(job::Column::Id)
        .limit(1);
    if state.db.get_database_backend() == DbBackend::Postgres {
        pick = pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(id) = pick.into_tuple::<Uuid>().one(&txn).await? else {
        txn.commit().await?;
        return Ok(None);
    };
    job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(job::State::Running))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .col_expr(job::Column::LockedUntil, Expr::value(Some(now + LEASE)))
        .col_expr(job::Column::LockedBy, Expr::value(Some(worker.to_owned())))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let claimed = job::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(claimed)
}

/// Runs a claimed job and records the outcome: done, queued again after a backoff, or dead.
async fn finish(state: &AppState, job: job::Model) {
    let span = tracing::info_span!("job", kind = %job.kind, id = %job.id, attempt = job.attempts);
    if let Some(parent) = &job.trace_parent {
        crate::telemetry::continue_trace(&span, parent);
    }
    let outcome = kinds::run(state, &job).instrument(span).await;
    let now = Utc::now();
    let mut row = job::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(job.id),
        locked_until: Set(None),
        locked_by: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let (next, error) = match outcome {
        Ok(()) => (job::State::Done, None),
        Err(reason) => {
            tracing::warn!(kind = %job.kind, attempts = job.attempts, %reason, "job failed");
            row.last_error = Set(Some(reason.chars().take(2000).collect()));
            if job.attempts >= job.max_attempts {
                (job::State::Dead, Some(reason))
            } else {
                row.run_at = Set(now + backoff(&state.settings.jobs, job.attempts));
                (job::State::Queued, Some(reason))
            }
        }
    };
    row.state = Set(next);
    state.metrics.job_finished(&job.kind, next);
    if let Err(err) = job::Entity::update(row).exec(&state.db).await {
        // The lease runs out and another worker runs the job again: at least once.
        tracing::warn!(%err, job = %job.id, "job worker: the outcome could not be recorded");
        return;
    }
    // Nobody listening is the normal case.
    let _ = state.job_outcomes.send(Outcome {
        id: job.id,
        kind: job.kind,
        state: next,
        attempts: job.attempts,
        error,
    });
}

/// The wait before attempt `attempts + 1`: the base doubled per attempt, at most an hour, times
/// a random factor between ½ and 1½ so that failures at one moment do not retry in step.
fn backoff(settings: &JobSettings, attempts: i32) -> Duration {
    let exponent = Ord::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 20);
    let wait = settings
        .backoff
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..1.5);
    Duration::from_std(wait.mul_f64(jitter)).unwrap_or(Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_an_hour() {
        let settings = JobSettings::default();
        let first = backoff(&settings, 1).num_milliseconds();
        let third = backoff(&settings, 3).num_milliseconds();
        let base = settings.backoff.as_millis() as i64;
        assert!((base / 2..=base * 3 / 2).contains(&first), "{first}");
        assert!((base * 2..=base * 6).contains(&third), "{third}");
        assert!(backoff(&settings, 40) <= Duration::minutes(90));
    }
}
