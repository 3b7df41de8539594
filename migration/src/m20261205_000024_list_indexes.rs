//! Indexes for lists that were sorted whole, or read by walking a whole table, to show a page:
//! each list a client pages through now reads its page from an index in the list's order and
//! stops there (`tests/api/plans.rs` checks them on both databases).
//!
//! - a thread's comments: the top-level ones by id. PostgreSQL does not take `parent_id IS NULL`
//!   as fixing the column, so `(thread_id, parent_id, id)` gave it no order: it read every
//!   top-level comment of the thread with its author and sorted them (17 ms of PostgreSQL's time
//!   for the first page of a thread of 7,165 top-level comments);
//! - a group's and a meetup's library, newest first, without removed items;
//! - a group's invitations and a member's, by status, newest first;
//! - a member's notifications, all or unread, newest first;
//! - a member's answers, newest first; meetups by start across groups;
//! - jobs in a state, newest first (for site admins);
//! - a member's threads, comments and library items (their data export).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each index as (name, table and columns with any condition); all are plain SQL that SQLite
/// and PostgreSQL read alike.
const CREATED: &[(&str, &str)] = &[
    (
        "comment_thread_top",
        "comment (thread_id, id) WHERE parent_id IS NULL",
    ),
    ("comment_author", "comment (author_id, id)"),
    ("thread_author", "thread (author_id, id)"),
    (
        "resource_group_shelf",
        "resource (group_id, id) WHERE removed_at IS NULL",
    ),
    (
        "resource_meetup_shelf",
        "resource (meetup_id, id) WHERE removed_at IS NULL",
    ),
    ("resource_added_by", "resource (added_by, id)"),
    (
        "invitation_group_status",
        "invitation (group_id, status, id)",
    ),
    (
        "invitation_invitee_status",
        "invitation (invitee_id, status, id)",
    ),
    ("notification_member", "notification (member_id, id)"),
    (
        "notification_unread",
        "notification (member_id, id) WHERE read_at IS NULL",
    ),
    ("rsvp_member", "rsvp (member_id, id)"),
    ("meetup_starts", "meetup (starts_at, id)"),
    ("job_state", "job (state, id)"),
];

/// The indexes the new ones take the place of, as they were.
const REPLACED: &[(&str, &str)] = &[
    ("idx_invitation_group", "invitation (group_id)"),
    (
        "notification_inbox",
        "notification (member_id, read_at, id)",
    ),
    ("idx_meetup_starts_at", "meetup (starts_at)"),
];

async fn create(manager: &SchemaManager<'_>, indexes: &[(&str, &str)]) -> Result<(), DbErr> {
    for (name, on) in indexes {
        manager
            .get_connection()
            .execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
            .await?;
    }
    Ok(())
}

async fn drop(manager: &SchemaManager<'_>, indexes: &[(&str, &str)]) -> Result<(), DbErr> {
    for (name, _) in indexes {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {name}"))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, CREATED).await?;
        drop(manager, REPLACED).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, REPLACED).await?;
        drop(manager, CREATED).await
    }
}
