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
                    .table(Meetup::Table)
                    .col(pk_uuid(Meetup::Id))
                    .col(uuid(Meetup::GroupId))
                    .col(string(Meetup::Title))
                    .col(text(Meetup::Description))
                    .col(string(Meetup::Kind))
                    .col(string(Meetup::Format))
                    .col(string_null(Meetup::VenueName))
                    .col(string_null(Meetup::VenueAddress))
                    .col(string_null(Meetup::OnlineUrl))
                    .col(timestamp_with_time_zone(Meetup::StartsAt))
                    .col(timestamp_with_time_zone(Meetup::EndsAt))
                    .col(string(Meetup::Timezone))
                    .col(integer_null(Meetup::Capacity))
                    .col(timestamp_with_time_zone_null(Meetup::RsvpDeadline))
                    .col(string(Meetup::Status))
                    .col(text_null(Meetup::CancelReason))
                    .col(text(Meetup::Agenda))
                    .col(integer(Meetup::Sequence))
                    .col(uuid(Meetup::CreatedBy))
                    .col(timestamp_with_time_zone(Meetup::CreatedAt))
                    .col(timestamp_with_time_zone(Meetup::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meetup::Table, Meetup::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meetup::Table, Meetup::CreatedBy)
                            .to(Member::Table, Member::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meetup_group_starts")
                    .table(Meetup::Table)
                    .col(Meetup::GroupId)
                    .col(Meetup::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetupHost::Table)
                    .col(uuid(MeetupHost::MeetupId))
                    .col(uuid(MeetupHost::MemberId))
                    .primary_key(
                        Index::create()
                            .col(MeetupHost::MeetupId)
                            .col(MeetupHost::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetupHost::Table, MeetupHost::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetupHost::Table, MeetupHost::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetupTopic::Table)
                    .col(uuid(MeetupTopic::MeetupId))
                    .col(uuid(MeetupTopic::TopicId))
                    .primary_key(
                        Index::create()
                            .col(MeetupTopic::MeetupId)
                            .col(MeetupTopic::TopicId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetupTopic::Table, MeetupTopic::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetupTopic::Table, MeetupTopic::TopicId)
                            .to(Topic::Table, Topic::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rsvp::Table)
                    .col(pk_uuid(Rsvp::Id))
                    .col(uuid(Rsvp::MeetupId))
                    .col(uuid(Rsvp::MemberId))
                    .col(string(Rsvp::Status))
                    .col(big_integer(Rsvp::QueuedAt))
                    .col(timestamp_with_time_zone_null(Rsvp::CheckedInAt))
                    .col(timestamp_with_time_zone(Rsvp::CreatedAt))
                    .col(timestamp_with_time_zone(Rsvp::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rsvp::Table, Rsvp::MeetupId)
                            .to(Meetup::Table, Meetup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rsvp::Table, Rsvp::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rsvp_meetup_member")
                    .table(Rsvp::Table)
                    .col(Rsvp::MeetupId)
                    .col(Rsvp::MemberId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rsvp_meetup_status_queue")
                    .table(Rsvp::Table)
                    .col(Rsvp::MeetupId)
                    .col(Rsvp::Status)
                    .col(Rsvp::QueuedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Rsvp::Table.into_iden(),
            MeetupTopic::Table.into_iden(),
            MeetupHost::Table.into_iden(),
            Meetup::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Meetup {
    Table,
    Id,
    GroupId,
    Title,
    Description,
    Kind,
    Format,
    VenueName,
    VenueAddress,
    OnlineUrl,
    StartsAt,
    EndsAt,
    Timezone,
    Capacity,
    RsvpDeadline,
    Status,
    CancelReason,
    Agenda,
    Sequence,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetupHost {
    Table,
    MeetupId,
    MemberId,
}

#[derive(DeriveIden)]
enum MeetupTopic {
    Table,
    MeetupId,
    TopicId,
}

#[derive(DeriveIden)]
enum Rsvp {
    Table,
    Id,
    MeetupId,
    MemberId,
    Status,
    QueuedAt,
    CheckedInAt,
    CreatedAt,
    UpdatedAt,
}
