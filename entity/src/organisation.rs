//! An employer or other organisation members work for and may speak for. Site admins create
//! them; a verified domain lets members with a verified address there confirm an affiliation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub website_url: Option<String>,
    /// The e-mail domain (lowercase) a site admin confirmed belongs to the organisation.
    #[sea_orm(unique)]
    pub verified_domain: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
