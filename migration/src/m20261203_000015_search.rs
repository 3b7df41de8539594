//! Full-text search: one `search_entry` row per searchable thread and comment, written by the
//! application in the transaction of every change to what it indexes, with the text's
//! Norwegian stems (`search_terms`) beside the text. The index is derived data: migration 17
//! fills it in its newest shape, so this one leaves it empty.
//!
//! - PostgreSQL: a generated `tsvector` (`norwegian`, title weighted A, body B) with a GIN index.
//! - SQLite: an FTS5 external-content table over the stems (the `unicode61` tokenizer with
//!   diacritics kept, so "får" is not "far"), kept in step with `search_entry` by triggers.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::m20261127_000003_create_group_tables::InterestGroup;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchEntry::Table)
                    .col(string_len(SearchEntry::Kind, 16))
                    .col(uuid(SearchEntry::Id))
                    .col(uuid(SearchEntry::GroupId))
                    .col(text(SearchEntry::Title))
                    .col(text(SearchEntry::Body))
                    .col(text(SearchEntry::TitleTerms))
                    .col(text(SearchEntry::BodyTerms))
                    .col(boolean(SearchEntry::Listed))
                    .col(timestamp_with_time_zone(SearchEntry::CreatedAt))
                    .primary_key(Index::create().col(SearchEntry::Kind).col(SearchEntry::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SearchEntry::Table, SearchEntry::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("search_entry_group")
                    .table(SearchEntry::Table)
                    .col(SearchEntry::GroupId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS \
                     (setweight(to_tsvector('norwegian', title), 'A') || \
                      setweight(to_tsvector('norwegian', body), 'B')) STORED",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX search_entry_document ON search_entry USING GIN (document)",
                )
                .await?;
            }
            _ => {
                for statement in [
                    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, \
                     content='search_entry', content_rowid='rowid', \
                     tokenize='unicode61 remove_diacritics 0')",
                    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN \
                     INSERT INTO search_fts(rowid, title_terms, body_terms) \
                     VALUES (new.rowid, new.title_terms, new.body_terms); END",
                    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) \
                     VALUES ('delete', old.rowid, old.title_terms, old.body_terms); END",
                    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN \
                     INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) \
                     VALUES ('delete', old.rowid, old.title_terms, old.body_terms); \
                     INSERT INTO search_fts(rowid, title_terms, body_terms) \
                     VALUES (new.rowid, new.title_terms, new.body_terms); END",
                ] {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        // Filled by migration 17, which indexes everything in the index's newest shape.
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            db.execute_unprepared("DROP TABLE search_fts").await?;
        }
        manager
            .drop_table(Table::drop().table(SearchEntry::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchEntry {
    Table,
    Kind,
    Id,
    GroupId,
    Title,
    Body,
    TitleTerms,
    BodyTerms,
    Listed,
    CreatedAt,
}
