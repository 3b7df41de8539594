//! Organisations by id (named by posts and affiliations), and members' affiliations.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{affiliation, organisation, organisation_role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{db::Db, error::AppError};

pub struct OrganisationLoader {
    pub db: Db,
}

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, organisation::Model>, AppError> {
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// The viewer's role in each organisation asked about: one statement for a page of them.
pub struct ViewerRoleLoader {
    pub db: Db,
    pub viewer: Option<Uuid>,
}

impl Loader<Uuid> for ViewerRoleLoader {
    type Value = organisation_role::Role;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, organisation_role::Role>, AppError> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let rows = organisation_role::Entity::find()
            .filter(organisation_role::Column::MemberId.eq(viewer))
            .filter(organisation_role::Column::OrganisationId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.organisation_id, row.role))
            .collect())
    }
}

/// An affiliation with the member's role in its organisation.
pub type Affiliated = (affiliation::Model, Option<organisation_role::Role>);

/// A member's affiliations, current and ended, oldest first, each with the member's role in
/// the organisation: two statements for a page of members.
pub struct AffiliationsLoader {
    pub db: Db,
}

impl Loader<Uuid> for AffiliationsLoader {
    type Value = Vec<Affiliated>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Affiliated>>, AppError> {
        let rows = affiliation::Entity::find()
            .filter(affiliation::Column::MemberId.is_in(keys.iter().copied()))
            .order_by_asc(affiliation::Column::Id)
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(HashMap::new());
        }
        let roles: HashMap<(Uuid, Uuid), organisation_role::Role> =
            organisation_role::Entity::find()
                .filter(organisation_role::Column::MemberId.is_in(keys.iter().copied()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|row| ((row.member_id, row.organisation_id), row.role))
                .collect();
        let mut by_member: HashMap<Uuid, Vec<Affiliated>> = HashMap::new();
        for row in rows {
            let role = roles.get(&(row.member_id, row.organisation_id)).copied();
            by_member
                .entry(row.member_id)
                .or_default()
                .push((row, role));
        }
        Ok(by_member)
    }
}
