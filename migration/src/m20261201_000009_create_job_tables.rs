//! The durable job queue: `job` rows claimed by workers (on PostgreSQL with `FOR UPDATE SKIP
//! LOCKED`), and `job_schedule`, one row per periodic job whose `next_run_at` a replica advances
//! atomically to win that period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Job::Table)
                    .col(pk_uuid(Job::Id))
                    .col(string_len(Job::Kind, 64))
                    .col(text(Job::Payload))
                    .col(string_len_null(Job::IdempotencyKey, 200).unique_key())
                    .col(string_len(Job::State, 16))
                    .col(integer(Job::Attempts))
                    .col(integer(Job::MaxAttempts))
                    .col(timestamp_with_time_zone(Job::RunAt))
                    .col(timestamp_with_time_zone_null(Job::LockedUntil))
                    .col(string_len_null(Job::LockedBy, 64))
                    .col(text_null(Job::LastError))
                    .col(timestamp_with_time_zone(Job::CreatedAt))
                    .col(timestamp_with_time_zone(Job::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // Workers look for the oldest due job of a state; admins list jobs by state, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_job_state_run_at")
                    .table(Job::Table)
                    .col(Job::State)
                    .col(Job::RunAt)
                    .col(Job::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobSchedule::Table)
                    .col(string_len(JobSchedule::Name, 64).primary_key())
                    .col(timestamp_with_time_zone(JobSchedule::NextRunAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobSchedule::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Job::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Job {
    Table,
    Id,
    Kind,
    Payload,
    IdempotencyKey,
    State,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobSchedule {
    Table,
    Name,
    NextRunAt,
}
