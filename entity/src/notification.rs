//! A notification in a member's inbox: what happened (`kind`), who did it last, where, and how
//! many times since the member last read it.

use sea_orm::entity::prelude::*;

/// What the member is told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    /// Someone answered the member's comment (or, at the top level, their thread).
    #[sea_orm(string_value = "REPLY")]
    Reply,
    /// Someone quoted the member's comment or thread.
    #[sea_orm(string_value = "QUOTE")]
    Quote,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose inbox it is in.
    pub member_id: Uuid,
    pub kind: Kind,
    /// Who acted last; `None` once their account is gone.
    pub actor_id: Option<Uuid>,
    pub group_id: Uuid,
    pub thread_id: Uuid,
    /// The latest comment it is about; `None` once that comment is gone.
    pub comment_id: Option<Uuid>,
    /// Events folded into it since it was last read.
    pub count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
