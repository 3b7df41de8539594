//! Members' notifications: one row per member, kind and thread while unread (later events of the
//! same kind in the same thread raise its `count` and name the latest actor and comment), read
//! once `read_at` is set. Rows go with their member, group, thread and comment.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000001_create_member_table::Member,
    m20261127_000003_create_group_tables::InterestGroup,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(uuid(Notification::Id).primary_key())
                    .col(uuid(Notification::MemberId))
                    .col(string_len(Notification::Kind, 32))
                    .col(uuid_null(Notification::ActorId))
                    .col(uuid(Notification::GroupId))
                    .col(uuid(Notification::ThreadId))
                    .col(uuid_null(Notification::CommentId))
                    .col(integer(Notification::Count).default(1))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone(Notification::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::ActorId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::ThreadId)
                            .to(Thread::Table, Thread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::CommentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
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
        // The retention job deletes by age.
        manager
            .create_index(
                Index::create()
                    .name("notification_updated_at")
                    .table(Notification::Table)
                    .col(Notification::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        // Consolidation finds the unread row of a member, kind and thread.
        manager
            .create_index(
                Index::create()
                    .name("notification_consolidation")
                    .table(Notification::Table)
                    .col(Notification::MemberId)
                    .col(Notification::ThreadId)
                    .col(Notification::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notification::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    MemberId,
    Kind,
    ActorId,
    GroupId,
    ThreadId,
    CommentId,
    Count,
    CreatedAt,
    UpdatedAt,
    ReadAt,
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
}
