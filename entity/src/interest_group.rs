//! An interest group. The table is `interest_group` because `group` is an SQL keyword.

use sea_orm::entity::prelude::*;

/// Who may read the group's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Visibility {
    #[sea_orm(string_value = "PUBLIC")]
    Public,
    #[sea_orm(string_value = "MEMBERS_ONLY")]
    MembersOnly,
}

/// How people become members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JoinPolicy {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "APPROVAL")]
    Approval,
    #[sea_orm(string_value = "INVITE_ONLY")]
    InviteOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interest_group")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    /// Active members, kept by the membership commands in the same transaction as the change.
    pub member_count: i32,
    /// The current version of the group's guidelines; `None` while it has none.
    pub guidelines_version: Option<i32>,
}

crate::row::read_at!(
    id,
    slug,
    name,
    description,
    visibility,
    join_policy,
    created_by,
    created_at,
    updated_at,
    archived_at,
    member_count,
    guidelines_version,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
