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
                    .table(Resource::Table)
                    .col(pk_uuid(Resource::Id))
                    .col(uuid(Resource::GroupId))
                    .col(uuid_null(Resource::MeetupId))
                    .col(string(Resource::Title))
                    .col(text_null(Resource::Description))
                    .col(string(Resource::Kind))
                    .col(string_null(Resource::Url))
                    .col(string_null(Resource::UrlKey))
                    .col(string_null(Resource::FileSha256))
                    .col(string_null(Resource::FileName))
                    .col(string_null(Resource::FileContentType))
                    .col(big_integer_null(Resource::FileSize))
                    .col(uuid_null(Resource::AddedBy))
                    .col(timestamp_with_time_zone(Resource::CreatedAt))
                    .col(timestamp_with_time_zone(Resource::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Resource::RemovedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resource::Table, Resource::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resource::Table, Resource::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resource::Table, Resource::AddedBy)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A URL may be in a group's library once; removing a resource clears its key.
        manager
            .create_index(
                Index::create()
                    .name("idx_resource_group_url")
                    .table(Resource::Table)
                    .col(Resource::GroupId)
                    .col(Resource::UrlKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_resource_meetup")
                    .table(Resource::Table)
                    .col(Resource::MeetupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_resource_sha256")
                    .table(Resource::Table)
                    .col(Resource::FileSha256)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceTopic::Table)
                    .col(uuid(ResourceTopic::ResourceId))
                    .col(uuid(ResourceTopic::TopicId))
                    .primary_key(
                        Index::create()
                            .col(ResourceTopic::ResourceId)
                            .col(ResourceTopic::TopicId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceTopic::Table, ResourceTopic::ResourceId)
                            .to(Resource::Table, Resource::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceTopic::Table, ResourceTopic::TopicId)
                            .to(Topic::Table, Topic::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ResourceTopic::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Resource::Table).to_owned())
            .await
    }
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
    GroupId,
    MeetupId,
    Title,
    Description,
    Kind,
    Url,
    UrlKey,
    FileSha256,
    FileName,
    FileContentType,
    FileSize,
    AddedBy,
    CreatedAt,
    UpdatedAt,
    RemovedAt,
}

#[derive(DeriveIden)]
enum ResourceTopic {
    Table,
    ResourceId,
    TopicId,
}
