//! Field-level profile privacy: `member.profile_visibility` is a JSON object naming, for a
//! profile field (`headline`, `organisation`, `bio`, `websiteUrl`, `avatarUrl`, `email`), who
//! may see it: `EVERYONE`, `GROUP_MEMBERS` (members sharing an active group) or `ONLY_ME`. A field
//! not named is visible to everyone, except the e-mail address, which is the member's own. The
//! search index holds only what everyone may see, so it is rebuilt.

use sea_orm_migration::{prelude::*, schema::*};

use crate::search_index::rebuild;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .add_column(text(Member::ProfileVisibility).default("{}"))
                    .to_owned(),
            )
            .await?;
        rebuild(manager.get_connection()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Member::Table)
                    .drop_column(Member::ProfileVisibility)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Member {
    Table,
    ProfileVisibility,
}
