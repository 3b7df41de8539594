//! Meetup mail: members' opt-outs from each kind of mail that is not about their account's
//! security, the reminders already sent (one row per meetup, kind and start time, so a moved
//! meetup is reminded again and a reminder is never sent twice), and an index on `starts_at` for
//! the reminder scan.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    m20261127_000001_create_member_table::Member, m20261127_000004_create_meetup_tables::Meetup,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOptOut::Table)
                    .col(uuid(MailOptOut::MemberId))
                    .col(string_len(MailOptOut::Kind, 32))
                    .col(timestamp_with_time_zone(MailOptOut::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MailOptOut::MemberId)
                            .col(MailOptOut::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailOptOut::Table, MailOptOut::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetupReminder::Table)
                    .col(uuid(MeetupReminder::MeetupId))
                    .col(string_len(MeetupReminder::Kind, 8))
                    .col(timestamp_with_time_zone(MeetupReminder::StartsAt))
                    .col(timestamp_with_time_zone(MeetupReminder::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MeetupReminder::MeetupId)
                            .col(MeetupReminder::Kind)
                            .col(MeetupReminder::StartsAt),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetupReminder::Table, MeetupReminder::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meetup_starts_at")
                    .table(Meetup::Table)
                    .col(Meetup::StartsAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_meetup_starts_at")
                    .table(Meetup::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MeetupReminder::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MailOptOut::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailOptOut {
    Table,
    MemberId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetupReminder {
    Table,
    MeetupId,
    Kind,
    StartsAt,
    CreatedAt,
}
