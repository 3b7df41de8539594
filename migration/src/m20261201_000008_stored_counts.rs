//! Counts the read path shows on every list, kept on the row they describe: a group's active
//! members, a meetup's going and waitlisted answers. The commands that change memberships and
//! answers update them in the same transaction, so a page of groups or meetups reads its counts
//! with its rows instead of counting thousands of rows per request. Also the index the lists of
//! a group's members (and the count's own backfill) filter and order by.

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
        manager
            .drop_index(
                Index::drop()
                    .name("idx_membership_group_status")
                    .table(Membership::Table)
                    .to_owned(),
            )
            .await?;
        for (table, column) in counts() {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
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
    GoingCount,
    WaitlistCount,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    GroupId,
    Status,
    Id,
}
