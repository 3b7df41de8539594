//! What happened to a group's memberships, when: the history insights count from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    /// The member became an active member.
    #[sea_orm(string_value = "JOINED")]
    Joined,
    /// The member stopped being an active member (left, removed, rejected, account deleted).
    #[sea_orm(string_value = "LEFT")]
    Left,
    /// The member asked to join.
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    /// An organiser answered a request (`waited_seconds` after it).
    #[sea_orm(string_value = "DECIDED")]
    Decided,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub kind: Kind,
    pub at: DateTimeUtc,
    pub waited_seconds: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
