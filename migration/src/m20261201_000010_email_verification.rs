//! Verified addresses: when a member's address was verified, the language of their mail, and
//! single-use tokens sent by mail (stored as SHA-256 hashes).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_member_table::Member;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .add_column(timestamp_with_time_zone_null(Verification::EmailVerifiedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .add_column(string_len(Verification::Locale, 8).default("NB"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailToken::Table)
                    .col(string_len(EmailToken::TokenHash, 64).primary_key())
                    .col(uuid(EmailToken::MemberId))
                    .col(string_len(EmailToken::Purpose, 16))
                    .col(string(EmailToken::Email))
                    .col(timestamp_with_time_zone(EmailToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(EmailToken::UsedAt))
                    .col(timestamp_with_time_zone(EmailToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailToken::Table, EmailToken::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_email_token_member")
                    .table(EmailToken::Table)
                    .col(EmailToken::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailToken::Table).to_owned())
            .await?;
        for column in [Verification::Locale, Verification::EmailVerifiedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Member::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Verification {
    EmailVerifiedAt,
    Locale,
}

#[derive(DeriveIden)]
enum EmailToken {
    Table,
    TokenHash,
    MemberId,
    Purpose,
    Email,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}
