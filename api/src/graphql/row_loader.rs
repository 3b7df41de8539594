//! The one definition of a loader of whole rows by id, kept apart from `graphql::loaders`
//! (which gathers every area's loaders) so that the areas can use it without an import circle.

/// A loader of whole rows by primary key, one `WHERE id IN (…)` per batch: the one
/// definition behind `GroupLoader`, `MeetupLoader`, `ThreadLoader`, `CommentLoader` and
/// `MemberLoader`.
macro_rules! by_id_loader {
    ($(#[$doc:meta])* $name:ident, $entity:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub db: sea_orm::DatabaseConnection,
        }

        impl async_graphql::dataloader::Loader<uuid::Uuid> for $name {
            type Value = entity::$entity::Model;
            type Error = $crate::error::AppError;

            async fn load(
                &self,
                keys: &[uuid::Uuid],
            ) -> Result<std::collections::HashMap<uuid::Uuid, Self::Value>, Self::Error> {
                use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
                let rows = entity::$entity::Entity::find()
                    .filter(entity::$entity::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| (row.id, row)).collect())
            }
        }
    };
}
pub(crate) use by_id_loader;
