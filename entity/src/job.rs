//! A unit of background work: queued, running on one worker, done, or dead after its last
//! attempt (kept for site admins to read and retry).

use sea_orm::entity::prelude::*;

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum State {
    /// Waiting for `run_at`, or for a worker.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Claimed by a worker until `locked_until`.
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "DONE")]
    Done,
    /// Failed `max_attempts` times.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    /// The job's arguments as JSON text.
    pub payload: String,
    /// Two enqueues with the same key make one job: the effect happens once.
    #[sea_orm(unique)]
    pub idempotency_key: Option<String>,
    pub state: State,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    /// The W3C `traceparent` of the request that enqueued the job, when traces are exported.
    pub trace_parent: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
