//! Group guidelines (a code of conduct, a social-media policy): Markdown, versioned per group.
//! `interest_group.guidelines_version` names the current version; a membership remembers the
//! version its member accepted, so a new version asks each member once.

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
                    .table(GroupGuidelines::Table)
                    .col(uuid(GroupGuidelines::GroupId))
                    .col(integer(GroupGuidelines::Version))
                    .col(text(GroupGuidelines::Body))
                    .col(text(GroupGuidelines::BodyHtml))
                    .col(uuid_null(GroupGuidelines::PublishedBy))
                    .col(timestamp_with_time_zone(GroupGuidelines::PublishedAt))
                    .primary_key(
                        Index::create()
                            .col(GroupGuidelines::GroupId)
                            .col(GroupGuidelines::Version),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupGuidelines::Table, GroupGuidelines::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupGuidelines::Table, GroupGuidelines::PublishedBy)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InterestGroup::Table)
                    .add_column(integer_null(Guidelines::GuidelinesVersion))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Membership::Table)
                    .add_column(integer_null(Guidelines::AcceptedGuidelinesVersion))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Membership::Table)
                    .drop_column(Guidelines::AcceptedGuidelinesVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(InterestGroup::Table)
                    .drop_column(Guidelines::GuidelinesVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(GroupGuidelines::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GroupGuidelines {
    Table,
    GroupId,
    Version,
    Body,
    BodyHtml,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
}

#[derive(DeriveIden)]
enum Guidelines {
    GuidelinesVersion,
    AcceptedGuidelinesVersion,
}
