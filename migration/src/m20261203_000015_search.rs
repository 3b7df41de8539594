//! Full-text search: one `search_entry` row per searchable thread and comment, written by the
//! application in the transaction of every change to what it indexes, with the text's
//! Norwegian stems (`search_terms`) beside the text.
//!
//! - PostgreSQL: a generated `tsvector` (`norwegian`, title weighted A, body B) with a GIN index.
//! - SQLite: an FTS5 external-content table over the stems (the `unicode61` tokenizer with
//!   diacritics kept, so "får" is not "far"), kept in step with `search_entry` by triggers.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{
        ConnectionTrait, DbBackend, FromQueryResult,
        prelude::{DateTimeUtc, Uuid},
    },
};

use crate::{m20261127_000003_create_group_tables::InterestGroup, search_terms::terms};

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
        backfill(manager).await
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

#[derive(FromQueryResult)]
struct Indexed {
    id: Uuid,
    group_id: Uuid,
    title: String,
    body: String,
    listed: bool,
    created_at: DateTimeUtc,
}

/// Indexes the threads and comments that exist, as the application would have.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let threads = Indexed::find_by_statement(
        backend.build(
            Query::select()
                .column(Thread::Id)
                .column(Thread::GroupId)
                .column(Thread::Title)
                .column(Thread::Body)
                .expr_as(Expr::col(Thread::DeletedAt).is_null(), "listed")
                .column(Thread::CreatedAt)
                .from(Thread::Table),
        ),
    )
    .all(db)
    .await?;
    let comments = Indexed::find_by_statement(
        backend.build(
            Query::select()
                .column((Comment::Table, Comment::Id))
                .column((Thread::Table, Thread::GroupId))
                .expr_as(Expr::val(""), "title")
                .column((Comment::Table, Comment::Body))
                .expr_as(
                    Expr::col((Comment::Table, Comment::DeletedAt))
                        .is_null()
                        .and(Expr::col((Comment::Table, Comment::HiddenAt)).is_null()),
                    "listed",
                )
                .column((Comment::Table, Comment::CreatedAt))
                .from(Comment::Table)
                .inner_join(
                    Thread::Table,
                    Expr::col((Thread::Table, Thread::Id))
                        .equals((Comment::Table, Comment::ThreadId)),
                ),
        ),
    )
    .all(db)
    .await?;
    for (kind, rows) in [("THREAD", threads), ("COMMENT", comments)] {
        for row in rows {
            db.execute(
                Query::insert()
                    .into_table(SearchEntry::Table)
                    .columns([
                        SearchEntry::Kind,
                        SearchEntry::Id,
                        SearchEntry::GroupId,
                        SearchEntry::TitleTerms,
                        SearchEntry::BodyTerms,
                        SearchEntry::Title,
                        SearchEntry::Body,
                        SearchEntry::Listed,
                        SearchEntry::CreatedAt,
                    ])
                    .values_panic([
                        kind.into(),
                        row.id.into(),
                        row.group_id.into(),
                        terms(&row.title).into(),
                        terms(&row.body).into(),
                        row.title.into(),
                        row.body.into(),
                        row.listed.into(),
                        row.created_at.into(),
                    ]),
            )
            .await?;
        }
    }
    Ok(())
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

#[derive(DeriveIden)]
enum Thread {
    Table,
    Id,
    GroupId,
    Title,
    Body,
    DeletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    Id,
    ThreadId,
    Body,
    DeletedAt,
    HiddenAt,
    CreatedAt,
}
