//! Library items by id, for pages that name several (search hits).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::resource;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{db::Db, error::AppError};

pub struct ResourceLoader {
    pub db: Db,
}

impl Loader<Uuid> for ResourceLoader {
    type Value = resource::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, resource::Model>, AppError> {
        let rows = resource::Entity::find()
            .filter(resource::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
