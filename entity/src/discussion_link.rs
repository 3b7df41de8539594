//! A link from a discussion to a meetup or resource of its group, or from a meetup's description
//! to a thread: what tells insights that a thread led to a meetup. Derived from the posts'
//! Markdown and rewritten with them.

use sea_orm::entity::prelude::*;

/// Where the link was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Source {
    /// The thread's opening post (`source_id` is the thread).
    #[sea_orm(string_value = "THREAD")]
    Thread,
    /// One of its comments (`source_id` is the comment).
    #[sea_orm(string_value = "COMMENT")]
    Comment,
    /// A meetup's description, linking to the thread (`source_id` is the meetup).
    #[sea_orm(string_value = "MEETUP")]
    Meetup,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discussion_link")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    pub source: Source,
    pub source_id: Uuid,
    /// The meetup linked to, or whose description links to the thread.
    pub meetup_id: Option<Uuid>,
    /// The resource whose page is linked to.
    pub resource_id: Option<Uuid>,
    /// Another web address linked to, as the key a shared link is unique by in its group
    /// (`resource.url_key`): a resource shared with it, before or after, is found by it.
    #[sea_orm(column_type = "Text", nullable)]
    pub url_key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
