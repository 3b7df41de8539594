//! Batches member look-ups by id, so a page of comments with authors costs one query for all the
//! authors rather than one per comment. It reads the profile columns only (never the password
//! hash).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::member;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;

/// Member profiles by id (authors, hosts, adders, attendees).
pub struct MemberLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for MemberLoader {
    type Value = member::Profile;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, member::Profile>, AppError> {
        let rows = member::Entity::find()
            .filter(member::Column::Id.is_in(keys.iter().copied()))
            .into_partial_model::<member::Profile>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
