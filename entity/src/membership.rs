//! A member's place in a group: their role, and whether they are in (`ACTIVE`), waiting for an
//! organiser (`PENDING`), or turned away (`REJECTED`, which an organiser can reverse).

use sea_orm::entity::prelude::*;

/// What a member may do in a group, from most to least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "OWNER")]
    Owner,
    #[sea_orm(string_value = "ORGANISER")]
    Organiser,
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    #[sea_orm(string_value = "MEMBER")]
    Member,
}

/// Where a membership stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub member_id: Uuid,
    pub role: Role,
    pub status: Status,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The member's persona in this group when a post names none (else the member's default).
    pub default_speaking_as: Option<crate::persona::SpeakingAs>,
    /// The organisation of that default.
    pub default_organisation_id: Option<Uuid>,
    /// The version of the group's guidelines the member accepted, if any.
    pub accepted_guidelines_version: Option<i32>,
}

crate::row::read_at!(
    id,
    group_id,
    member_id,
    role,
    status,
    created_at,
    updated_at,
    default_speaking_as,
    default_organisation_id,
    accepted_guidelines_version,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
