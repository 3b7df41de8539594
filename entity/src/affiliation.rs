//! A member's tie to an organisation: added and ended by the member, `verified_at` set when the
//! tie is confirmed (by an address at the organisation's verified domain, by one of its admins
//! or by a site admin). An ended affiliation stays as history.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "affiliation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    pub organisation_id: Uuid,
    pub role_title: Option<String>,
    pub since: Option<DateTimeUtc>,
    pub verified_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
