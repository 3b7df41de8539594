//! What each kind of job does. A job's effect must be safe to repeat: a worker that dies after
//! the effect but before marking the job done leaves it to run again.

use chrono::{Duration, Utc};
use entity::{job, notification, session};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::{
    auth::{reset, verification},
    error::AppError,
    exports,
    jobs::schedule::Periodic,
    meetups, notifications, search,
    state::AppState,
};

/// Deletes sessions that expired or were revoked more than a week ago (their refresh tokens go
/// with them).
pub const PURGE_SESSIONS: &str = "purge-sessions";
/// Deletes jobs that finished more than a week ago.
pub const PURGE_JOBS: &str = "purge-jobs";
/// Deletes notifications unchanged for `NOTIFICATION_RETENTION_DAYS`.
pub const PURGE_NOTIFICATIONS: &str = "purge-notifications";

/// The periodic jobs and their periods.
pub const PERIODIC: [Periodic; 6] = [
    Periodic {
        kind: PURGE_SESSIONS,
        every_seconds: 3600,
    },
    Periodic {
        kind: PURGE_JOBS,
        every_seconds: 3600,
    },
    Periodic {
        kind: PURGE_NOTIFICATIONS,
        every_seconds: 3600,
    },
    Periodic {
        kind: exports::commands::PURGE_JOB,
        every_seconds: 3600,
    },
    Periodic {
        kind: meetups::mail::REMINDER_SCAN_JOB,
        every_seconds: 60,
    },
    Periodic {
        kind: notifications::mail::SCAN_JOB,
        every_seconds: 60,
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
        PURGE_NOTIFICATIONS => {
            let retention = Duration::days(state.settings.jobs.notification_retention_days);
            notification::Entity::delete_many()
                .filter(notification::Column::UpdatedAt.lt(Utc::now() - retention))
                .exec(&state.db)
                .await
                .map(|_| ())
        }
        meetups::mail::REMINDER_SCAN_JOB => {
            return meetups::mail::scan_reminders(state).await.map_err(failure);
        }
        notifications::mail::SCAN_JOB => {
            return notifications::mail::scan(state).await.map_err(failure);
        }
        exports::commands::BUILD_JOB => {
            return exports::archive::build(state, &job.payload)
                .await
                .map_err(failure);
        }
        exports::commands::PURGE_JOB => {
            return exports::commands::purge(state).await.map_err(failure);
        }
        search::files::EXTRACT_JOB => {
            return search::files::extract(state, &job.payload)
                .await
                .map_err(failure);
        }
        other => return run_mail(state, other, &job.payload).await,
    };
    result.map_err(|err| err.to_string())
}

/// Runs a job that sends mail.
async fn run_mail(state: &AppState, kind: &str, payload: &str) -> Result<(), String> {
    let payload: serde_json::Value =
        serde_json::from_str(payload).map_err(|err| err.to_string())?;
    let result = match kind {
        verification::JOB => return verification::send_mail(state, &payload).await,
        verification::REGISTRATION_ATTEMPT_JOB => {
            return verification::send_registration_attempt(state, &payload).await;
        }
        verification::CONFIRM_NEW_EMAIL_JOB => {
            return verification::send_confirm_new_email(state, &payload).await;
        }
        verification::EMAIL_CHANGED_JOB => {
            return verification::send_email_changed(state, &payload).await;
        }
        reset::JOB => return reset::send_mail(state, &payload).await,
        reset::CHANGED_JOB => return reset::send_changed_notice(state, &payload).await,
        meetups::mail::ANSWER_JOB => meetups::mail::send_answer(state, &payload).await,
        meetups::mail::PROMOTED_JOB => meetups::mail::send_promoted(state, &payload).await,
        meetups::mail::CHANGE_JOB => meetups::mail::fan_out_change(state, &payload).await,
        meetups::mail::CHANGE_MAIL_JOB => meetups::mail::send_change(state, &payload).await,
        meetups::mail::REMINDER_JOB => meetups::mail::send_reminder(state, &payload).await,
        notifications::watch::NOTIFY_WATCHERS_JOB => {
            notifications::watch::fan_out(state, &payload).await
        }
        notifications::meetups::NOTIFY_MEETUP_JOB => {
            notifications::meetups::run(state, &payload).await
        }
        notifications::mail::MAIL_JOB => notifications::mail::send(state, &payload).await,
        other => return Err(format!("no handler for job kind {other:?}")),
    };
    result.map_err(failure)
}

/// The reason an attempt failed, as kept on the job: the cause, even of an internal error.
fn failure(err: AppError) -> String {
    match err {
        AppError::Internal(cause) => cause,
        other => other.to_string(),
    }
}
