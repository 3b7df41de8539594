use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Member::Table)
                    .col(pk_uuid(Member::Id))
                    .col(string(Member::Email))
                    .col(string_uniq(Member::EmailKey))
                    .col(string(Member::PasswordHash))
                    .col(string(Member::DisplayName))
                    .col(string_null(Member::Headline))
                    .col(string_null(Member::Organisation))
                    .col(text_null(Member::Bio))
                    .col(string_null(Member::WebsiteUrl))
                    .col(string_null(Member::AvatarUrl))
                    .col(boolean(Member::IsSiteAdmin).default(false))
                    .col(timestamp_with_time_zone(Member::CreatedAt))
                    .col(timestamp_with_time_zone(Member::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Member::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Member {
    Table,
    Id,
    Email,
    EmailKey,
    PasswordHash,
    DisplayName,
    Headline,
    Organisation,
    Bio,
    WebsiteUrl,
    AvatarUrl,
    IsSiteAdmin,
    CreatedAt,
    UpdatedAt,
}
