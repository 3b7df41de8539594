//! What a discussion points at, so insights can tell the threads that led to a meetup from those
//! that did not: one `discussion_link` row per meetup or resource page of the group, or other web
//! address, that a thread's opening post or one of its comments links to, and per thread that a
//! meetup's description links to. An address is kept as the key a shared link is unique by, so a
//! resource shared later with that address is found by it. Rows are rewritten with the post that holds the link; `fagruppe reindex` builds them for
//! posts written before this migration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DiscussionLink::Table)
                    .col(uuid(DiscussionLink::Id).primary_key())
                    .col(uuid(DiscussionLink::ThreadId))
                    .col(string_len(DiscussionLink::Source, 16))
                    .col(uuid(DiscussionLink::SourceId))
                    .col(uuid_null(DiscussionLink::MeetupId))
                    .col(uuid_null(DiscussionLink::ResourceId))
                    .col(text_null(DiscussionLink::UrlKey))
                    .col(timestamp_with_time_zone(DiscussionLink::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscussionLink::Table, DiscussionLink::ThreadId)
                            .to(Thread::Table, Thread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscussionLink::Table, DiscussionLink::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscussionLink::Table, DiscussionLink::ResourceId)
                            .to(Resource::Table, Resource::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A thread's links, for insights.
        manager
            .create_index(
                Index::create()
                    .name("discussion_link_thread")
                    .table(DiscussionLink::Table)
                    .col(DiscussionLink::ThreadId)
                    .to_owned(),
            )
            .await?;
        // The links of one post, rewritten when it is edited.
        manager
            .create_index(
                Index::create()
                    .name("discussion_link_source")
                    .table(DiscussionLink::Table)
                    .col(DiscussionLink::SourceId)
                    .col(DiscussionLink::Source)
                    .to_owned(),
            )
            .await?;
        // What a removed meetup or resource takes with it.
        for (name, column) in [
            ("discussion_link_meetup", DiscussionLink::MeetupId),
            ("discussion_link_resource", DiscussionLink::ResourceId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(DiscussionLink::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DiscussionLink::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DiscussionLink {
    Table,
    Id,
    ThreadId,
    Source,
    SourceId,
    MeetupId,
    ResourceId,
    UrlKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Thread {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Resource {
    Table,
    Id,
}
