//! Members' exports of their own data: one row per request, from queued to ready (a zip in the
//! file store, under its content key) to downloaded once, expired or failed.

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
                    .table(DataExport::Table)
                    .col(uuid(DataExport::Id).primary_key())
                    .col(uuid(DataExport::MemberId))
                    .col(string_len(DataExport::Status, 16))
                    .col(string_len_null(DataExport::FileKey, 64))
                    .col(big_integer_null(DataExport::Size))
                    .col(timestamp_with_time_zone(DataExport::CreatedAt))
                    .col(timestamp_with_time_zone_null(DataExport::ReadyAt))
                    .col(timestamp_with_time_zone_null(DataExport::ExpiresAt))
                    .col(timestamp_with_time_zone_null(DataExport::DownloadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataExport::Table, DataExport::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A member's exports, newest first.
        manager
            .create_index(
                Index::create()
                    .name("data_export_member")
                    .table(DataExport::Table)
                    .col(DataExport::MemberId)
                    .col(DataExport::Id)
                    .to_owned(),
            )
            .await?;
        // The purge finds ready exports past their time.
        manager
            .create_index(
                Index::create()
                    .name("data_export_expiry")
                    .table(DataExport::Table)
                    .col(DataExport::Status)
                    .col(DataExport::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataExport::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DataExport {
    Table,
    Id,
    MemberId,
    Status,
    FileKey,
    Size,
    CreatedAt,
    ReadyAt,
    ExpiresAt,
    DownloadedAt,
}
