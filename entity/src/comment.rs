//! A comment in a thread, a reply when `parent_id` is set. A quote keeps its excerpt as it was
//! quoted. Deleting sets `deleted_at` (a tombstone that keeps the replies in place); a
//! moderator's hiding sets `hidden_at`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub depth: i32,
    /// The comment (or thread) quoted.
    pub quote_source_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub quote_excerpt: Option<String>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub hidden_at: Option<DateTimeUtc>,
    /// Whether the thread's watchers were told of it; a fan-out claims every comment of its
    /// thread not told yet.
    pub watchers_told: bool,
    /// Who the post speaks for, as written.
    pub speaking_as: crate::persona::SpeakingAs,
    /// The organisation shown with the post (`AFFILIATED`, `ON_BEHALF`).
    pub organisation_id: Option<Uuid>,
    /// The author's role title at the organisation when they wrote it (`AFFILIATED`).
    pub role_title: Option<String>,
}

crate::row::read_at!(
    id,
    thread_id,
    parent_id,
    author_id,
    body,
    body_html,
    depth,
    quote_source_id,
    quote_excerpt,
    created_at,
    edited_at,
    deleted_at,
    hidden_at,
    watchers_told,
    speaking_as,
    organisation_id,
    role_title,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
