//! The durable job queue, in the database on both backends. A job is enqueued in the same
//! transaction as the change that causes it (so it exists exactly when the change does), and an
//! idempotency key makes a second enqueue of the same effect a no-op. Workers (`worker`) claim
//! due jobs one at a time (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite under the write
//! lock), run them at least once, retry failures with exponential backoff and jitter, and mark a
//! job dead after its last attempt; dead jobs stay for site admins to read and retry. Periodic
//! jobs run once per period however many replicas work (`schedule`).

pub mod graphql;
pub mod kinds;
pub mod policy;
pub mod schedule;
pub mod worker;

use chrono::{DateTime, Utc};
use entity::job;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait};

use crate::{error::AppResult, ids, state::AppState};

/// An attempt's outcome as a worker recorded it, announced on `AppState::job_outcomes` right
/// after it is written: what an operator's metrics count, and what tests wait on.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub id: uuid::Uuid,
    pub kind: String,
    /// `Done`, `Queued` (failed, to be retried) or `Dead`.
    pub state: job::State,
    pub attempts: i32,
    pub error: Option<String>,
}

/// How many outcomes a slow listener may fall behind before it misses some.
pub const OUTCOMES_BUFFER: usize = 1024;

/// A job to enqueue.
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// Jobs with the same key are one job.
    pub key: Option<String>,
    pub run_at: DateTime<Utc>,
}

impl NewJob {
    /// A job of `kind` to run as soon as a worker is free.
    pub fn now(kind: &'static str, payload: serde_json::Value) -> Self {
        Self {
            kind,
            payload,
            key: None,
            run_at: Utc::now(),
        }
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

/// The PostgreSQL channel on which an enqueue wakes idle workers of every replica.
pub const WAKEUP_CHANNEL: &str = "fagruppe_jobs";

/// Enqueues a job on `db` (pass the transaction of the change that causes it). A job whose key
/// is already queued or done is not enqueued again. Idle workers wake at once rather than at
/// their next poll: on PostgreSQL through `NOTIFY`, which is delivered to every replica when the
/// transaction commits (and never if it rolls back); on SQLite through this process's own
/// wake-up, since a worker's claim waits for the write lock and so sees the job once the change
/// commits.
pub async fn enqueue<C: ConnectionTrait>(state: &AppState, db: &C, job: NewJob) -> AppResult<()> {
    let max_attempts = state.settings.jobs.max_attempts;
    let now = Utc::now();
    let row = job::ActiveModel {
        id: Set(ids::new_key()),
        kind: Set(job.kind.to_owned()),
        payload: Set(job.payload.to_string()),
        idempotency_key: Set(job.key),
        state: Set(job::State::Queued),
        attempts: Set(0),
        max_attempts: Set(max_attempts),
        run_at: Set(job.run_at),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        trace_parent: Set(crate::telemetry::current_traceparent()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    job::Entity::insert(row)
        .on_conflict_do_nothing_on([job::Column::IdempotencyKey])
        .exec(db)
        .await?;
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {WAKEUP_CHANNEL}"))
            .await?;
    } else {
        state.job_wakeup.notify_waiters();
    }
    Ok(())
}
