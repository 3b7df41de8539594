//! What search finds a group, meetup, thread, comment, resource or member by: its text (title,
//! names, body), its group (for the read rule) and its audience (who may find it). The rows are
//! built by `migration::search_index`; PostgreSQL adds a generated `document` tsvector, SQLite
//! an FTS5 table over the stems (`title_terms`, `body_terms`, `english_terms`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_entry")]
pub struct Model {
    /// `GROUP`, `MEETUP`, `THREAD`, `COMMENT`, `RESOURCE` or `MEMBER`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub names: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub title_terms: String,
    #[sea_orm(column_type = "Text")]
    pub body_terms: String,
    #[sea_orm(column_type = "Text")]
    pub english_terms: String,
    /// Whether the text reads as English, and so is found by English stems as well.
    pub english: bool,
    /// `ANYONE`, `READERS`, `ORGANISERS` or `NOBODY`.
    pub audience: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
