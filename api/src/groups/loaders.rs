//! Batched look-ups for group lists: a page of groups costs one query per kind of related data
//! (member counts, the viewer's memberships), not one per group. Topics load through
//! `topics::TopicsLoader`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::membership;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{error::AppError, graphql::row_loader::by_id_loader};

by_id_loader!(
    /// Groups by id.
    GroupLoader,
    interest_group
);

/// Active member counts by group id.
pub struct MemberCountLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for MemberCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        let counts: Vec<(Uuid, i64)> = membership::Entity::find()
            .select_only()
            .column(membership::Column::GroupId)
            .column_as(membership::Column::Id.count(), "count")
            .filter(membership::Column::GroupId.is_in(keys.iter().copied()))
            .filter(membership::Column::Status.eq(membership::Status::Active))
            .group_by(membership::Column::GroupId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(counts
            .into_iter()
            .map(|(group, count)| (group, u64::try_from(count).unwrap_or(0)))
            .collect())
    }
}

/// A membership by `(group_id, member_id)`, in any status.
pub struct MembershipLoader {
    pub db: DatabaseConnection,
}

impl Loader<(Uuid, Uuid)> for MembershipLoader {
    type Value = membership::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, AppError> {
        let rows = membership::Entity::find()
            .filter(membership::Column::GroupId.is_in(keys.iter().map(|(g, _)| *g)))
            .filter(membership::Column::MemberId.is_in(keys.iter().map(|(_, m)| *m)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.group_id, row.member_id), row))
            .filter(|(key, _)| keys.contains(key))
            .collect())
    }
}
