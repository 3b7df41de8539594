use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_member_table::Member;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarToken::Table)
                    .col(pk_uuid(CalendarToken::MemberId))
                    .col(string_uniq(CalendarToken::TokenHash))
                    .col(timestamp_with_time_zone(CalendarToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarToken::Table, CalendarToken::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarToken::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarToken {
    Table,
    MemberId,
    TokenHash,
    CreatedAt,
}
