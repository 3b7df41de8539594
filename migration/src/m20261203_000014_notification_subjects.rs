//! Notifications about more than threads, watch levels, and handles.
//!
//! - `notification` is rebuilt (SQLite cannot relax a column): `thread_id` becomes optional and
//!   is joined by `meetup_id` and `subject_id` (a membership, invitation or report), and
//!   `fold_key` names what unread notifications of one kind fold by (a thread, a group, a
//!   meetup), and `mailed_at` when it last went out by mail. A partial unique index on `(member_id, kind, fold_key)` while unread lets one
//!   `INSERT … ON CONFLICT` write or fold the notifications of any number of members.
//! - `group_watch` and `thread_watch` hold members' watch levels; no row means `NORMAL`.
//! - `comment.watchers_told`: a fan-out to a thread's watchers claims its comments not told yet,
//!   so one fan-out covers a burst of comments.
//! - `member.handle`, derived from the display name for existing members, unique; and how a
//!   member wants notifications by mail (`notification_email`: `IMMEDIATE`, `DAILY`, `WEEKLY`
//!   or `NEVER`) with when their last digest went out.

use std::collections::HashSet;

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, FromQueryResult, prelude::Uuid},
};

use crate::{
    handles::{handle_from_name, unique_handle},
    m20261127_000001_create_member_table::Member,
    m20261127_000003_create_group_tables::InterestGroup,
    m20261127_000004_create_meetup_tables::Meetup,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild_notifications(manager).await?;
        create_watches(manager).await?;
        add_handles(manager).await?;
        // Comments that exist were never news to anyone watching: told.
        manager
            .alter_table(
                Table::alter()
                    .table(Comment::Table)
                    .add_column(boolean(Comment::WatchersTold).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX comment_watchers_untold ON comment (thread_id) \
                 WHERE NOT watchers_told",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .add_column(string_len(MemberColumn::NotificationEmail, 16).default("DAILY"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .add_column(timestamp_with_time_zone_null(MemberColumn::DigestSentAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("comment_watchers_untold")
                    .table(Comment::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comment::Table)
                    .drop_column(Comment::WatchersTold)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("member_handle")
                    .table(Member::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            MemberColumn::DigestSentAt,
            MemberColumn::NotificationEmail,
            MemberColumn::Handle,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Member::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            ThreadWatch::Table.into_iden(),
            GroupWatch::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Notification::Table)
                    .and_where(Expr::col(Notification::ThreadId).is_null())
                    .to_owned(),
            )
            .await
    }
}

async fn rebuild_notifications(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(NotificationNext::Table)
                .col(uuid(Notification::Id).primary_key())
                .col(uuid(Notification::MemberId))
                .col(string_len(Notification::Kind, 32))
                .col(uuid_null(Notification::ActorId))
                .col(uuid(Notification::GroupId))
                .col(uuid_null(Notification::ThreadId))
                .col(uuid_null(Notification::CommentId))
                .col(uuid_null(Notification::MeetupId))
                .col(uuid_null(Notification::SubjectId))
                .col(uuid_null(Notification::FoldKey))
                .col(integer(Notification::Count).default(1))
                .col(timestamp_with_time_zone(Notification::CreatedAt))
                .col(timestamp_with_time_zone(Notification::UpdatedAt))
                .col(timestamp_with_time_zone_null(Notification::ReadAt))
                .col(timestamp_with_time_zone_null(Notification::MailedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::MemberId)
                        .to(Member::Table, Member::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::ActorId)
                        .to(Member::Table, Member::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::GroupId)
                        .to(InterestGroup::Table, InterestGroup::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::ThreadId)
                        .to(Thread::Table, Thread::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::CommentId)
                        .to(Comment::Table, Comment::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationNext::Table, Notification::MeetupId)
                        .to(Meetup::Table, Meetup::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    let kept = [
        Notification::Id,
        Notification::MemberId,
        Notification::Kind,
        Notification::ActorId,
        Notification::GroupId,
        Notification::ThreadId,
        Notification::CommentId,
        Notification::Count,
        Notification::CreatedAt,
        Notification::UpdatedAt,
        Notification::ReadAt,
    ];
    let mut copied: Vec<SimpleExpr> = kept.iter().map(|c| Expr::col(*c)).collect();
    copied.push(Expr::col(Notification::ThreadId));
    let mut columns = kept.to_vec();
    columns.push(Notification::FoldKey);
    manager
        .exec_stmt(
            Query::insert()
                .into_table(NotificationNext::Table)
                .columns(columns)
                .select_from(
                    Query::select()
                        .exprs(copied)
                        .from(Notification::Table)
                        .to_owned(),
                )
                .map_err(|err| DbErr::Migration(err.to_string()))?
                .to_owned(),
        )
        .await?;
    manager
        .drop_table(Table::drop().table(Notification::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(NotificationNext::Table, Notification::Table)
                .to_owned(),
        )
        .await?;
    // The inbox (newest first) and the unread count, per member.
    manager
        .create_index(
            Index::create()
                .name("notification_inbox")
                .table(Notification::Table)
                .col(Notification::MemberId)
                .col(Notification::ReadAt)
                .col(Notification::Id)
                .to_owned(),
        )
        .await?;
    // The retention job deletes by age; digests read what changed since the last one.
    manager
        .create_index(
            Index::create()
                .name("notification_updated_at")
                .table(Notification::Table)
                .col(Notification::UpdatedAt)
                .to_owned(),
        )
        .await?;
    // At most one unread notification per member, kind and fold key: what `ON CONFLICT` folds
    // into. Partial indexes are written the same on SQLite and PostgreSQL.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX notification_unread_fold ON notification \
             (member_id, kind, fold_key) WHERE read_at IS NULL",
        )
        .await?;
    Ok(())
}

async fn create_watches(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(GroupWatch::Table)
                .col(uuid(GroupWatch::MemberId))
                .col(uuid(GroupWatch::GroupId))
                .col(string_len(GroupWatch::Level, 16))
                .col(timestamp_with_time_zone(GroupWatch::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(GroupWatch::MemberId)
                        .col(GroupWatch::GroupId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(GroupWatch::Table, GroupWatch::MemberId)
                        .to(Member::Table, Member::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(GroupWatch::Table, GroupWatch::GroupId)
                        .to(InterestGroup::Table, InterestGroup::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // Fan-out reads a group's watchers of one level.
    manager
        .create_index(
            Index::create()
                .name("group_watch_level")
                .table(GroupWatch::Table)
                .col(GroupWatch::GroupId)
                .col(GroupWatch::Level)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ThreadWatch::Table)
                .col(uuid(ThreadWatch::MemberId))
                .col(uuid(ThreadWatch::ThreadId))
                .col(string_len(ThreadWatch::Level, 16))
                .col(timestamp_with_time_zone(ThreadWatch::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(ThreadWatch::MemberId)
                        .col(ThreadWatch::ThreadId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ThreadWatch::Table, ThreadWatch::MemberId)
                        .to(Member::Table, Member::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ThreadWatch::Table, ThreadWatch::ThreadId)
                        .to(Thread::Table, Thread::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("thread_watch_level")
                .table(ThreadWatch::Table)
                .col(ThreadWatch::ThreadId)
                .col(ThreadWatch::Level)
                .to_owned(),
        )
        .await
}

#[derive(FromQueryResult)]
struct Named {
    id: Uuid,
    display_name: String,
}

async fn add_handles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Member::Table)
                .add_column(string_len(MemberColumn::Handle, 30).default(""))
                .to_owned(),
        )
        .await?;
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let members = Named::find_by_statement(
        backend.build(
            Query::select()
                .columns([Member::Id, Member::DisplayName])
                .from(Member::Table)
                .order_by(Member::CreatedAt, Order::Asc)
                .order_by(Member::Id, Order::Asc),
        ),
    )
    .all(db)
    .await?;
    let mut taken = HashSet::new();
    for member in members {
        let handle = unique_handle(&handle_from_name(&member.display_name), |h| {
            taken.contains(h)
        });
        taken.insert(handle.clone());
        db.execute(
            Query::update()
                .table(Member::Table)
                .value(MemberColumn::Handle, handle)
                .and_where(Expr::col(Member::Id).eq(member.id)),
        )
        .await?;
    }
    manager
        .create_index(
            Index::create()
                .name("member_handle")
                .table(Member::Table)
                .col(MemberColumn::Handle)
                .unique()
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum Notification {
    Table,
    Id,
    MemberId,
    Kind,
    ActorId,
    GroupId,
    ThreadId,
    CommentId,
    MeetupId,
    SubjectId,
    FoldKey,
    Count,
    CreatedAt,
    UpdatedAt,
    ReadAt,
    MailedAt,
}

#[derive(DeriveIden)]
enum NotificationNext {
    Table,
}

#[derive(DeriveIden)]
enum GroupWatch {
    Table,
    MemberId,
    GroupId,
    Level,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ThreadWatch {
    Table,
    MemberId,
    ThreadId,
    Level,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MemberColumn {
    Handle,
    NotificationEmail,
    DigestSentAt,
}

#[derive(DeriveIden)]
enum Thread {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    Id,
    WatchersTold,
}
