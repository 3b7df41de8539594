//! Counts the read path shows on every list, kept on the row they describe: a group's active
//! members, a meetup's going and waitlisted answers. The commands that change memberships and
//! answers update them in the same transaction, so a page of groups or meetups reads its counts
//! with its rows instead of counting thousands of rows per request. Also the index the lists of
//! a group's members (and the count's own backfill) filter and order by, and replies in order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for (table, column) in counts() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_group_status")
                    .table(Membership::Table)
                    .col(Membership::GroupId)
                    .col(Membership::Status)
                    .col(Membership::Id)
                    .to_owned(),
            )
            .await?;
        // Lists in their order with the id that breaks ties: a page stops after its rows instead
        // of sorting every meetup of a group, every answer to a meetup or every reply.
        for (old, new, table, columns) in ordered_indexes() {
            replace_index(manager, old, (new, table, &columns)).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE interest_group SET member_count = (SELECT COUNT(*) FROM membership \
             WHERE membership.group_id = interest_group.id AND membership.status = 'ACTIVE')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE meetup SET \
             going_count = (SELECT COUNT(*) FROM rsvp \
               WHERE rsvp.meetup_id = meetup.id AND rsvp.status = 'GOING'), \
             waitlist_count = (SELECT COUNT(*) FROM rsvp \
               WHERE rsvp.meetup_id = meetup.id AND rsvp.status = 'WAITLISTED')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (old, new, table, mut columns) in ordered_indexes() {
            columns.pop();
            replace_index(manager, new, (old, table, &columns)).await?;
        }
        for (table, column) in counts() {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Indexes this migration widens with a trailing id: the old name, the new name, the table and
/// the new columns.
fn ordered_indexes() -> [(&'static str, &'static str, DynIden, Vec<DynIden>); 3] {
    [
        (
            "idx_meetup_group_starts",
            "idx_meetup_group_starts_id",
            Meetup::Table.into_iden(),
            vec![
                Meetup::GroupId.into_iden(),
                Meetup::StartsAt.into_iden(),
                Meetup::Id.into_iden(),
            ],
        ),
        (
            "idx_rsvp_meetup_status_queue",
            "idx_rsvp_meetup_status_queue_id",
            Rsvp::Table.into_iden(),
            vec![
                Rsvp::MeetupId.into_iden(),
                Rsvp::Status.into_iden(),
                Rsvp::QueuedAt.into_iden(),
                Rsvp::Id.into_iden(),
            ],
        ),
        (
            "idx_comment_parent",
            "idx_comment_parent_order",
            Comment::Table.into_iden(),
            vec![Comment::ParentId.into_iden(), Comment::Id.into_iden()],
        ),
    ]
}

/// Drops index `old` and creates `name` on `table` over `columns`.
async fn replace_index(
    manager: &SchemaManager<'_>,
    old: &str,
    (name, table, columns): (&str, DynIden, &[DynIden]),
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(old).table(table.clone()).to_owned())
        .await?;
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column.clone());
    }
    manager.create_index(index.to_owned()).await
}

/// The count columns, by table.
fn counts() -> [(DynIden, DynIden); 3] {
    [
        (
            InterestGroup::Table.into_iden(),
            InterestGroup::MemberCount.into_iden(),
        ),
        (Meetup::Table.into_iden(), Meetup::GoingCount.into_iden()),
        (Meetup::Table.into_iden(), Meetup::WaitlistCount.into_iden()),
    ]
}

#[derive(DeriveIden)]
enum InterestGroup {
    Table,
    MemberCount,
}

#[derive(DeriveIden)]
enum Meetup {
    Table,
    Id,
    GroupId,
    StartsAt,
    GoingCount,
    WaitlistCount,
}

#[derive(DeriveIden)]
enum Rsvp {
    Table,
    Id,
    MeetupId,
    Status,
    QueuedAt,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    ParentId,
    Id,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    GroupId,
    Status,
    Id,
}
