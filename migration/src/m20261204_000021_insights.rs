//! What organisers' insights are computed from, besides the rows that are there anyway:
//! `membership_event` (joins, leaves, join requests and decisions, with when they happened; a
//! membership row alone forgets a member who left) and `resource_download` (one row per
//! download of a file: the member, or none, and the day; nothing else). Existing memberships
//! count as joined (or requested) when they were created.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{
    history::backfill_membership_events, m20261127_000003_create_group_tables::InterestGroup,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MembershipEvent::Table)
                    .col(uuid(MembershipEvent::Id).primary_key())
                    .col(uuid(MembershipEvent::GroupId))
                    .col(uuid(MembershipEvent::MemberId))
                    .col(string_len(MembershipEvent::Kind, 16))
                    .col(timestamp_with_time_zone(MembershipEvent::At))
                    .col(big_integer_null(MembershipEvent::WaitedSeconds))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MembershipEvent::Table, MembershipEvent::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A group's events over time.
        manager
            .create_index(
                Index::create()
                    .name("membership_event_group_at")
                    .table(MembershipEvent::Table)
                    .col(MembershipEvent::GroupId)
                    .col(MembershipEvent::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceDownload::Table)
                    .col(uuid(ResourceDownload::Id).primary_key())
                    .col(uuid(ResourceDownload::ResourceId))
                    .col(uuid(ResourceDownload::GroupId))
                    .col(uuid_null(ResourceDownload::MemberId))
                    .col(timestamp_with_time_zone(ResourceDownload::Day))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceDownload::Table, ResourceDownload::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A group's downloads over time.
        manager
            .create_index(
                Index::create()
                    .name("resource_download_group_day")
                    .table(ResourceDownload::Table)
                    .col(ResourceDownload::GroupId)
                    .col(ResourceDownload::Day)
                    .to_owned(),
            )
            .await?;
        // A member's answers across meetups: whether a check-in is their first in a group, and
        // whether they came back.
        manager
            .create_index(
                Index::create()
                    .name("rsvp_member_checked_in")
                    .table(Alias::new("rsvp"))
                    .col(Alias::new("member_id"))
                    .col(Alias::new("checked_in_at"))
                    .to_owned(),
            )
            .await?;
        // A download's resource, for the figures per resource.
        manager
            .create_index(
                Index::create()
                    .name("resource_download_resource_day")
                    .table(ResourceDownload::Table)
                    .col(ResourceDownload::ResourceId)
                    .col(ResourceDownload::Day)
                    .to_owned(),
            )
            .await?;
        backfill_membership_events(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("rsvp_member_checked_in")
                    .table(Alias::new("rsvp"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ResourceDownload::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MembershipEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MembershipEvent {
    Table,
    Id,
    GroupId,
    MemberId,
    Kind,
    At,
    WaitedSeconds,
}

#[derive(DeriveIden)]
enum ResourceDownload {
    Table,
    Id,
    ResourceId,
    GroupId,
    MemberId,
    Day,
}
