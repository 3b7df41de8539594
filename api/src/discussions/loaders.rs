//! Batched look-ups for thread pages: comment and reply counts, reactions, the viewer's own
//! reactions, quoted comments and the first replies of every comment on a page.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{comment, comment_revision, member, reaction, thread};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    db::{Db, Firsts, first_of_each_with},
    error::AppError,
    graphql::loaders::LoadContext,
    groups::loaders::read_with_group,
    members::loader::{JOINED_PROFILE, shared},
};

/// Threads by id, each read with its group, the viewer's membership in it and its author.
pub struct ThreadLoader {
    pub context: LoadContext,
}

impl Loader<Uuid> for ThreadLoader {
    type Value = thread::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, thread::Model>, AppError> {
        let rows = read_with_group::<thread::Entity, _>(
            &self.context,
            keys,
            (thread::Column::Id, thread::Column::GroupId),
            Some(thread::Column::AuthorId),
            |select, _| select,
            None,
        )
        .await?;
        Ok(rows.into_iter().map(|(row, _)| (row.id, row)).collect())
    }
}

/// Comments by id (parents and quoted comments).
pub struct CommentLoader {
    pub db: Db,
}

impl Loader<Uuid> for CommentLoader {
    type Value = comment::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, comment::Model>, AppError> {
        let rows = self
            .db
            .models(comment::Entity::find().filter(comment::Column::Id.is_in(keys.iter().copied())))
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Comments that are not deleted, by thread.
pub struct CommentCountLoader {
    pub db: Db,
}

impl Loader<Uuid> for CommentCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        let rows: Vec<(Uuid, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ThreadId)
            .column_as(comment::Column::Id.count(), "count")
            .filter(comment::Column::ThreadId.is_in(keys.iter().copied()))
            .filter(comment::Column::DeletedAt.is_null())
            .group_by(comment::Column::ThreadId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// Direct replies (tombstones included: they keep their place), by parent comment.
pub struct ReplyCountLoader {
    pub db: Db,
}

impl Loader<Uuid> for ReplyCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        let rows: Vec<(Uuid, i64)> = comment::Entity::find()
            .select_only()
            .column(comment::Column::ParentId)
            .column_as(comment::Column::Id.count(), "count")
            .filter(comment::Column::ParentId.is_in(keys.iter().copied()))
            .group_by(comment::Column::ParentId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// Reaction counts by comment, per kind.
pub struct ReactionCountLoader {
    pub db: Db,
}

impl Loader<Uuid> for ReactionCountLoader {
    type Value = Vec<(reaction::Kind, u64)>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows: Vec<(Uuid, reaction::Kind, i64)> = reaction::Entity::find()
            .select_only()
            .column(reaction::Column::CommentId)
            .column(reaction::Column::Kind)
            .column_as(reaction::Column::MemberId.count(), "count")
            .filter(reaction::Column::CommentId.is_in(keys.iter().copied()))
            .group_by(reaction::Column::CommentId)
            .group_by(reaction::Column::Kind)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: HashMap<Uuid, Self::Value> = HashMap::new();
        for (comment_id, kind, count) in rows {
            counts
                .entry(comment_id)
                .or_default()
                .push((kind, u64::try_from(count).unwrap_or(0)));
        }
        Ok(counts)
    }
}

/// A member's reactions by `(comment_id, member_id)`.
pub struct ViewerReactionLoader {
    pub db: Db,
}

impl Loader<(Uuid, Uuid)> for ViewerReactionLoader {
    type Value = Vec<reaction::Kind>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, AppError> {
        let rows = reaction::Entity::find()
            .filter(reaction::Column::CommentId.is_in(keys.iter().map(|(c, _)| *c)))
            .filter(reaction::Column::MemberId.is_in(keys.iter().map(|(_, m)| *m)))
            .all(&self.db)
            .await?;
        let mut mine: HashMap<(Uuid, Uuid), Self::Value> = HashMap::new();
        for row in rows {
            mine.entry((row.comment_id, row.member_id))
                .or_default()
                .push(row.kind);
        }
        Ok(mine)
    }
}

/// A comment's earlier versions, oldest first.
pub struct RevisionLoader {
    pub db: Db,
}

impl Loader<Uuid> for RevisionLoader {
    type Value = Vec<comment_revision::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows = comment_revision::Entity::find()
            .filter(comment_revision::Column::CommentId.is_in(keys.iter().copied()))
            .order_by_asc(comment_revision::Column::Id)
            .all(&self.db)
            .await?;
        let mut revisions: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            revisions.entry(row.comment_id).or_default().push(row);
        }
        Ok(revisions)
    }
}

/// The first `limit` replies of each comment, oldest first: one query for a whole page of
/// comments (`db::first_of_each_with`, on the `(parent_id, id)` index), with the replies' authors
/// joined in (and fed to the member loader) when the client selects them.
pub struct ReplyPreviewLoader {
    pub context: LoadContext,
}

/// `(parent_id, limit, with_authors)`.
pub type ReplyPreviewKey = (Uuid, u64, bool);

impl Loader<ReplyPreviewKey> for ReplyPreviewLoader {
    type Value = Vec<comment::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ReplyPreviewKey],
    ) -> Result<HashMap<ReplyPreviewKey, Self::Value>, AppError> {
        let mut batches: HashMap<(u64, bool), Vec<Uuid>> = HashMap::new();
        for (parent, limit, with_authors) in keys {
            batches
                .entry((*limit, *with_authors))
                .or_default()
                .push(*parent);
        }
        let mut result = HashMap::new();
        for ((limit, with_authors), parents) in batches {
            let replies = Firsts::<comment::Entity, member::Entity, member::Profile> {
                partition: comment::Column::ParentId,
                filter: None,
                order: &[comment::Column::Id],
                limit,
                foreign_key: with_authors.then_some((comment::Column::AuthorId, JOINED_PROFILE)),
            };
            let rows = first_of_each_with(&self.context.db, &parents, &replies).await?;
            for parent in parents {
                result.insert((parent, limit, with_authors), Vec::new());
            }
            let mut members = Vec::new();
            for (row, author) in rows {
                members.extend(author.map(shared));
                if let Some(parent) = row.parent_id
                    && let Some(list) = result.get_mut(&(parent, limit, with_authors))
                {
                    list.push(row);
                }
            }
            self.context.feed(|loaders| loaders.members(), members);
        }
        Ok(result)
    }
}
