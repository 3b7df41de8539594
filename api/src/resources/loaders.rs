//! Batched look-ups for resource lists.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{resource_topic, topic};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppError;

/// A resource's topics, in name order.
pub struct ResourceTopicsLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for ResourceTopicsLoader {
    type Value = Vec<topic::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows = resource_topic::Entity::find()
            .find_also_related(topic::Entity)
            .filter(resource_topic::Column::ResourceId.is_in(keys.iter().copied()))
            .order_by_asc(topic::Column::Name)
            .all(&self.db)
            .await?;
        let mut topics: HashMap<Uuid, Vec<topic::Model>> = HashMap::new();
        for (link, topic) in rows {
            if let Some(topic) = topic {
                topics.entry(link.resource_id).or_default().push(topic);
            }
        }
        Ok(topics)
    }
}
