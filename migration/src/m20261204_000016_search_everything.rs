//! Search finds groups, meetups, resources and members as well as threads and comments, in
//! English as well as Norwegian, and member and group names despite typos (PostgreSQL).
//!
//! `search_entry` is made again in its new shape (it is derived data: migration 17 indexes
//! everything again through [`crate::search_index::rebuild`]):
//! - `group_id` may be empty (members belong to no group); `parent_id` is a comment's thread;
//!   `names` holds names and handles; `audience` (who may find the entry) replaces `listed`.
//! - PostgreSQL: `document` adds the names (`simple`, unstemmed) and, for a text that reads as
//!   English (`english`), an English stemming at the lowest weight; a trigram index over group
//!   and member names serves typos (`pg_trgm`).
//! - SQLite: the FTS5 table adds an `english_terms` column (empty unless the text reads as
//!   English), and rows have an explicit integer
//!   key (`seq`), which the FTS5 table refers to: `VACUUM` may renumber implicit rowids.
//!
//! `resource_text` holds the text a job extracted from a resource's uploaded file.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::{
    m20261127_000003_create_group_tables::InterestGroup,
    m20261203_000015_search,
    search_index::{Resource, ResourceText, SearchEntry},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        drop_index(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceText::Table)
                    .col(uuid(ResourceText::ResourceId).primary_key())
                    .col(string_len(ResourceText::FileSha256, 64))
                    .col(text(ResourceText::Text))
                    .col(timestamp_with_time_zone(ResourceText::ExtractedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResourceText::Table, ResourceText::ResourceId)
                            .to(Resource::Table, Resource::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let mut table = Table::create();
        table.table(SearchEntry::Table);
        if postgres {
            table.primary_key(Index::create().col(SearchEntry::Kind).col(SearchEntry::Id));
        } else {
            table.col(
                ColumnDef::new(Alias::new("seq"))
                    .integer()
                    .not_null()
                    .primary_key(),
            );
        }
        table
            .col(string_len(SearchEntry::Kind, 16))
            .col(uuid(SearchEntry::Id))
            .col(uuid_null(SearchEntry::GroupId))
            .col(uuid_null(SearchEntry::ParentId))
            .col(text(SearchEntry::Title))
            .col(text(SearchEntry::Names))
            .col(text(SearchEntry::Body))
            .col(text(SearchEntry::TitleTerms))
            .col(text(SearchEntry::BodyTerms))
            .col(text(SearchEntry::EnglishTerms))
            .col(boolean(SearchEntry::English))
            .col(string_len(SearchEntry::Audience, 16))
            .col(timestamp_with_time_zone(SearchEntry::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(SearchEntry::Table, SearchEntry::GroupId)
                    .to(InterestGroup::Table, InterestGroup::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        manager.create_table(table.to_owned()).await?;
        if !postgres {
            manager
                .create_index(
                    Index::create()
                        .name("search_entry_kind_id")
                        .table(SearchEntry::Table)
                        .col(SearchEntry::Kind)
                        .col(SearchEntry::Id)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("search_entry_group")
                    .table(SearchEntry::Table)
                    .col(SearchEntry::GroupId)
                    .to_owned(),
            )
            .await?;
        let statements: &[&str] = if postgres {
            &[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS \
                 (setweight(to_tsvector('norwegian', title), 'A') || \
                  setweight(to_tsvector('simple', names), 'A') || \
                  setweight(to_tsvector('norwegian', body), 'B') || \
                  setweight(to_tsvector('english', \
                    CASE WHEN english THEN title || ' ' || body ELSE '' END), 'D')) STORED",
                "CREATE INDEX search_entry_document ON search_entry USING GIN (document)",
                "CREATE INDEX search_entry_names ON search_entry USING GIN (names gin_trgm_ops) \
                 WHERE kind IN ('GROUP', 'MEMBER') AND names <> ''",
            ]
        } else {
            &[
                "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, \
                 english_terms, content='search_entry', content_rowid='seq', \
                 tokenize='unicode61 remove_diacritics 0')",
                "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN \
                 INSERT INTO search_fts(rowid, title_terms, body_terms, english_terms) \
                 VALUES (new.seq, new.title_terms, new.body_terms, new.english_terms); END",
                "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN \
                 INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms, \
                 english_terms) VALUES ('delete', old.seq, old.title_terms, old.body_terms, \
                 old.english_terms); END",
                "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN \
                 INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms, \
                 english_terms) VALUES ('delete', old.seq, old.title_terms, old.body_terms, \
                 old.english_terms); \
                 INSERT INTO search_fts(rowid, title_terms, body_terms, english_terms) \
                 VALUES (new.seq, new.title_terms, new.body_terms, new.english_terms); END",
            ]
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        // Filled by the last migration that changes what entries hold (`rebuild` reads the
        // newest schema): since 17, the members' profile visibility.
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager).await?;
        manager
            .drop_table(Table::drop().table(ResourceText::Table).to_owned())
            .await?;
        // The index in its earlier shape, empty: the earlier build's `fagruppe reindex` fills it.
        m20261203_000015_search::Migration.up(manager).await
    }
}

/// Drops the index's tables (SQLite's FTS5 table and its triggers first).
async fn drop_index(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_unprepared("DROP TABLE search_fts").await?;
    }
    manager
        .drop_table(Table::drop().table(SearchEntry::Table).to_owned())
        .await
}
