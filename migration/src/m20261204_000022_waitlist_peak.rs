//! The longest a meetup's waitlist has been, for organisers' insights: kept with the waitlist
//! count in the transaction of each answer; existing meetups start from their current count.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Meetup::Table)
                    .add_column(integer(Meetup::WaitlistPeak).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE meetup SET waitlist_peak = waitlist_count")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Meetup::Table)
                    .drop_column(Meetup::WaitlistPeak)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Meetup {
    Table,
    WaitlistPeak,
}
