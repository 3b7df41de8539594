//! Batches member look-ups by id, so a page of comments with authors costs one query for all the
//! authors rather than one per comment.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::member;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;

pub struct MemberLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for MemberLoader {
    type Value = member::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, member::Model>, AppError> {
        let members = member::Entity::find()
            .filter(member::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(members.into_iter().map(|m| (m.id, m)).collect())
    }
}
