use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000001_create_member_table::Member,
    m20261127_000003_create_group_tables::{InterestGroup, Topic},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Thread::Table)
                    .col(pk_uuid(Thread::Id))
                    .col(uuid(Thread::GroupId))
                    .col(uuid_null(Thread::AuthorId))
                    .col(string(Thread::Title))
                    .col(text(Thread::Body))
                    .col(text(Thread::BodyHtml))
                    .col(boolean(Thread::Pinned).default(false))
                    .col(boolean(Thread::Locked).default(false))
                    .col(timestamp_with_time_zone(Thread::LastActivityAt))
                    .col(timestamp_with_time_zone(Thread::CreatedAt))
                    .col(timestamp_with_time_zone_null(Thread::EditedAt))
                    .col(timestamp_with_time_zone_null(Thread::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Thread::Table, Thread::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Thread::Table, Thread::AuthorId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_thread_group_order")
                    .table(Thread::Table)
                    .col(Thread::GroupId)
                    .col(Thread::Pinned)
                    .col(Thread::LastActivityAt)
                    .col(Thread::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThreadTopic::Table)
                    .col(uuid(ThreadTopic::ThreadId))
                    .col(uuid(ThreadTopic::TopicId))
                    .primary_key(
                        Index::create()
                            .col(ThreadTopic::ThreadId)
                            .col(ThreadTopic::TopicId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadTopic::Table, ThreadTopic::ThreadId)
                            .to(Thread::Table, Thread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThreadTopic::Table, ThreadTopic::TopicId)
                            .to(Topic::Table, Topic::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Comment::Table)
                    .col(pk_uuid(Comment::Id))
                    .col(uuid(Comment::ThreadId))
                    .col(uuid_null(Comment::ParentId))
                    .col(uuid_null(Comment::AuthorId))
                    .col(text(Comment::Body))
                    .col(text(Comment::BodyHtml))
                    .col(integer(Comment::Depth))
                    .col(uuid_null(Comment::QuoteSourceId))
                    .col(text_null(Comment::QuoteExcerpt))
                    .col(timestamp_with_time_zone(Comment::CreatedAt))
                    .col(timestamp_with_time_zone_null(Comment::EditedAt))
                    .col(timestamp_with_time_zone_null(Comment::DeletedAt))
                    .col(timestamp_with_time_zone_null(Comment::HiddenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comment::Table, Comment::ThreadId)
                            .to(Thread::Table, Thread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comment::Table, Comment::ParentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comment::Table, Comment::AuthorId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_thread_parent")
                    .table(Comment::Table)
                    .col(Comment::ThreadId)
                    .col(Comment::ParentId)
                    .col(Comment::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_parent")
                    .table(Comment::Table)
                    .col(Comment::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CommentRevision::Table)
                    .col(pk_uuid(CommentRevision::Id))
                    .col(uuid(CommentRevision::CommentId))
                    .col(text(CommentRevision::Body))
                    .col(timestamp_with_time_zone(CommentRevision::CreatedAt))
                    .col(timestamp_with_time_zone_null(CommentRevision::RedactedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CommentRevision::Table, CommentRevision::CommentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_comment_revision_comment")
                    .table(CommentRevision::Table)
                    .col(CommentRevision::CommentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reaction::Table)
                    .col(uuid(Reaction::CommentId))
                    .col(uuid(Reaction::MemberId))
                    .col(string(Reaction::Kind))
                    .col(timestamp_with_time_zone(Reaction::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Reaction::CommentId)
                            .col(Reaction::MemberId)
                            .col(Reaction::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reaction::Table, Reaction::CommentId)
                            .to(Comment::Table, Comment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reaction::Table, Reaction::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Report::Table)
                    .col(pk_uuid(Report::Id))
                    .col(uuid(Report::GroupId))
                    .col(string(Report::SubjectType))
                    .col(uuid(Report::SubjectId))
                    .col(uuid(Report::ReporterId))
                    .col(text(Report::Reason))
                    .col(timestamp_with_time_zone(Report::CreatedAt))
                    .col(timestamp_with_time_zone_null(Report::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Report::Table, Report::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Report::Table, Report::ReporterId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_subject_reporter")
                    .table(Report::Table)
                    .col(Report::SubjectId)
                    .col(Report::ReporterId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_group")
                    .table(Report::Table)
                    .col(Report::GroupId)
                    .col(Report::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Report::Table.into_iden(),
            Reaction::Table.into_iden(),
            CommentRevision::Table.into_iden(),
            Comment::Table.into_iden(),
            ThreadTopic::Table.into_iden(),
            Thread::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Thread {
    Table,
    Id,
    GroupId,
    AuthorId,
    Title,
    Body,
    BodyHtml,
    Pinned,
    Locked,
    LastActivityAt,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ThreadTopic {
    Table,
    ThreadId,
    TopicId,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    Id,
    ThreadId,
    ParentId,
    AuthorId,
    Body,
    BodyHtml,
    Depth,
    QuoteSourceId,
    QuoteExcerpt,
    CreatedAt,
    EditedAt,
    DeletedAt,
    HiddenAt,
}

#[derive(DeriveIden)]
enum CommentRevision {
    Table,
    Id,
    CommentId,
    Body,
    CreatedAt,
    RedactedAt,
}

#[derive(DeriveIden)]
enum Reaction {
    Table,
    CommentId,
    MemberId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Report {
    Table,
    Id,
    GroupId,
    SubjectType,
    SubjectId,
    ReporterId,
    Reason,
    CreatedAt,
    ResolvedAt,
}
