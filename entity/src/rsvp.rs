//! A member's answer to a meetup. `queued_at` is the arrival order (a per-meetup counter taken
//! under the meetup's lock): the waitlist is promoted in that order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    #[sea_orm(string_value = "GOING")]
    Going,
    #[sea_orm(string_value = "WAITLISTED")]
    Waitlisted,
    #[sea_orm(string_value = "NOT_GOING")]
    NotGoing,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rsvp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meetup_id: Uuid,
    pub member_id: Uuid,
    pub status: Status,
    pub queued_at: i64,
    pub checked_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

crate::row::read_at!(
    id,
    meetup_id,
    member_id,
    status,
    queued_at,
    checked_in_at,
    created_at,
    updated_at,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
