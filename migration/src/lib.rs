//! Schema migrations. Each migration uses sea-query's backend-neutral column helpers so the same
//! code runs on SQLite (the embedded default) and PostgreSQL (production), and has a `down`.
//! Timestamps are `timestamp with time zone` and always written from Rust in UTC: SQLite has no
//! such type and sea-orm stores it as RFC 3339 text, so a SQL default would not round-trip.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_member_table;
mod m20261127_000002_create_session_tables;
mod m20261127_000003_create_group_tables;
mod m20261127_000004_create_meetup_tables;
mod m20261127_000005_create_discussion_tables;
mod m20261127_000006_create_resource_tables;
mod m20261127_000007_create_calendar_token_table;
mod m20261201_000008_stored_counts;
mod m20261201_000009_create_job_tables;
mod m20261201_000010_email_verification;
mod m20261203_000011_meetup_mail;
mod m20261203_000012_job_trace_parent;
mod m20261203_000013_notifications;
mod m20261203_000014_notification_subjects;
pub(crate) mod m20261203_000015_search;
mod m20261204_000016_search_everything;
mod m20261204_000017_profile_visibility;
mod m20261204_000018_organisations;
mod m20261204_000019_group_guidelines;
mod m20261204_000020_data_exports;
mod m20261204_000021_insights;
mod m20261204_000022_waitlist_peak;
mod m20261204_000023_discussion_links;
mod m20261205_000024_list_indexes;

pub mod handles;
pub mod history;
pub mod search_index;
pub mod search_terms;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_member_table::Migration),
            Box::new(m20261127_000002_create_session_tables::Migration),
            Box::new(m20261127_000003_create_group_tables::Migration),
            Box::new(m20261127_000004_create_meetup_tables::Migration),
            Box::new(m20261127_000005_create_discussion_tables::Migration),
            Box::new(m20261127_000006_create_resource_tables::Migration),
            Box::new(m20261127_000007_create_calendar_token_table::Migration),
            Box::new(m20261201_000008_stored_counts::Migration),
            Box::new(m20261201_000009_create_job_tables::Migration),
            Box::new(m20261201_000010_email_verification::Migration),
            Box::new(m20261203_000011_meetup_mail::Migration),
            Box::new(m20261203_000012_job_trace_parent::Migration),
            Box::new(m20261203_000013_notifications::Migration),
            Box::new(m20261203_000014_notification_subjects::Migration),
            Box::new(m20261203_000015_search::Migration),
            Box::new(m20261204_000016_search_everything::Migration),
            Box::new(m20261204_000017_profile_visibility::Migration),
            Box::new(m20261204_000018_organisations::Migration),
            Box::new(m20261204_000019_group_guidelines::Migration),
            Box::new(m20261204_000020_data_exports::Migration),
            Box::new(m20261204_000021_insights::Migration),
            Box::new(m20261204_000022_waitlist_peak::Migration),
            Box::new(m20261204_000023_discussion_links::Migration),
            Box::new(m20261205_000024_list_indexes::Migration),
        ]
    }
}
