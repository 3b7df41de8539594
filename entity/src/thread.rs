//! A discussion thread in a group: a post (often an article link and a question) that members
//! comment on. `body_html` is the Markdown body rendered and sanitised when written.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub author_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub pinned: bool,
    pub locked: bool,
    pub last_activity_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    /// Who the post speaks for, as written.
    pub speaking_as: crate::persona::SpeakingAs,
    /// The organisation shown with the post (`AFFILIATED`, `ON_BEHALF`).
    pub organisation_id: Option<Uuid>,
    /// The author's role title at the organisation when they wrote it (`AFFILIATED`).
    pub role_title: Option<String>,
}

crate::row::read_at!(
    id,
    group_id,
    author_id,
    title,
    body,
    body_html,
    pinned,
    locked,
    last_activity_at,
    created_at,
    edited_at,
    deleted_at,
    speaking_as,
    organisation_id,
    role_title,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
