//! What each kind of job does. A job's effect must be safe to repeat: a worker that dies after
//! the effect but before marking the job done leaves it to run again.

use chrono::{Duration, Utc};
use entity::{job, session};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::{auth::verification, jobs::schedule::Periodic, state::AppState};

/// Deletes sessions that expired or were revoked more than a week ago (their refresh tokens go
/// with them).
pub const PURGE_SESSIONS: &str = "purge-sessions";
/// Deletes jobs that finished more than a week ago.
pub const PURGE_JOBS: &str = "purge-jobs";

/// The periodic jobs and their periods.
pub const PERIODIC: [Periodic; 2] = [
    Periodic {
        kind: PURGE_SESSIONS,
        every_seconds: 3600,
    },
    Periodic {
        kind: PURGE_JOBS,
        every_seconds: 3600,
    },
];

/// Runs one job. `Err` is the reason it failed, kept on the job.
pub async fn run(state: &AppState, job: &job::Model) -> Result<(), String> {
    let week_ago = Utc::now() - Duration::days(7);
    let result = match job.kind.as_str() {
        PURGE_SESSIONS => session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(session::Column::ExpiresAt.lt(week_ago))
                    .add(session::Column::RevokedAt.lt(week_ago)),
            )
            .exec(&state.db)
            .await
            .map(|_| ()),
        PURGE_JOBS => job::Entity::delete_many()
            .filter(job::Column::State.eq(job::State::Done))
            .filter(job::Column::UpdatedAt.lt(week_ago))
            .exec(&state.db)
            .await
            .map(|_| ()),
        verification::JOB => {
            let payload: serde_json::Value =
                serde_json::from_str(&job.payload).map_err(|err| err.to_string())?;
            return verification::send_mail(state, &payload).await;
        }
        other => return Err(format!("no handler for job kind {other:?}")),
    };
    result.map_err(|err| err.to_string())
}
