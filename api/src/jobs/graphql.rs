//! The job queue for site admins: list jobs by state, retry a dead one.

use async_graphql::{Context, Enum, ID, Object};
use chrono::Utc;
use entity::job;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        pagination::{Order, Page, page_by_id},
        scalars,
    },
    ids,
    jobs::policy,
};

/// Where a job stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its time or for a worker.
    Queued,
    /// Held by a worker.
    Running,
    Done,
    /// Failed its last attempt; `retryJob` queues it again.
    Dead,
}

impl From<JobState> for job::State {
    fn from(state: JobState) -> Self {
        match state {
            JobState::Queued => job::State::Queued,
            JobState::Running => job::State::Running,
            JobState::Done => job::State::Done,
            JobState::Dead => job::State::Dead,
        }
    }
}

impl From<job::State> for JobState {
    fn from(state: job::State) -> Self {
        match state {
            job::State::Queued => JobState::Queued,
            job::State::Running => JobState::Running,
            job::State::Done => JobState::Done,
            job::State::Dead => JobState::Dead,
        }
    }
}

/// A unit of background work (site admins only).
pub struct Job(job::Model);

#[Object]
impl Job {
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::Job, self.0.id)
    }

    /// What the job does, such as `purge-sessions`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    async fn state(&self) -> JobState {
        self.0.state.into()
    }

    /// Attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// Attempts before the job is dead.
    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }

    /// When the job runs next (or ran last).
    async fn run_at(&self) -> scalars::DateTime {
        self.0.run_at.into()
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    async fn created_at(&self) -> scalars::DateTime {
        self.0.created_at.into()
    }
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// Jobs in a state, newest first (site admins).
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        state: JobState,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Job>> {
        policy::ensure_can_manage_jobs(ctx.viewer())?;
        let select = job::Entity::find().filter(job::Column::State.eq(job::State::from(state)));
        page_by_id(ctx, select, Order::NewestFirst, first, after, Job).await
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Queues a dead job again with fresh attempts (site admins).
    async fn retry_job(&self, ctx: &Context<'_>, id: ID) -> AppResult<Job> {
        policy::ensure_can_manage_jobs(ctx.viewer())?;
        let id = ids::decode_as(&id, ids::Kind::Job, "Job")?;
        let db = &ctx.state()?.db;
        let found = job::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound("Job"))?;
        if found.state != job::State::Dead {
            return Err(AppError::Conflict("Only a dead job can be retried".into()));
        }
        let now = Utc::now();
        // The row as this retry left it: a worker may claim the job the moment it is queued,
        // and a second retry of the same job finds it no longer dead.
        let retried = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(job::State::Queued))
            .col_expr(job::Column::Attempts, Expr::value(0))
            .col_expr(job::Column::RunAt, Expr::value(now))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::State.eq(job::State::Dead))
            .exec_with_returning(db)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Conflict("Only a dead job can be retried".into()))?;
        Ok(Job(retried))
    }
}
