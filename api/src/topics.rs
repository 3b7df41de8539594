//! The site-wide topic taxonomy as every area uses it: groups, meetups, threads and resources
//! are tagged through a join table each. [`TopicLink`] describes such a table once, so resolving
//! slugs, replacing an owner's topics and loading them in batches is written a single time.

use std::{collections::HashMap, marker::PhantomData};

use async_graphql::dataloader::Loader;
use entity::{group_topic, meetup_topic, resource_topic, thread_topic, topic};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition,
    ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Related, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    db::{Db, row_exists},
    error::{AppError, AppResult},
};

/// Most topics one thing may carry.
pub const MAX_TOPICS: usize = 10;

/// A join table from an owner (a group, meetup, thread or resource) to topics.
pub trait TopicLink: EntityTrait + Related<topic::Entity> {
    /// The column holding the owner's id.
    fn owner_column() -> Self::Column;
    /// The column holding the topic's id.
    fn topic_column() -> Self::Column;
    fn owner_of(link: &Self::Model) -> Uuid;
    fn link(owner: Uuid, topic: Uuid) -> Self::ActiveModel;
}

macro_rules! topic_link {
    ($module:ident, $owner:ident, $column:ident) => {
        impl TopicLink for $module::Entity {
            fn owner_column() -> Self::Column {
                $module::Column::$column
            }

            fn topic_column() -> Self::Column {
                $module::Column::TopicId
            }

            fn owner_of(link: &Self::Model) -> Uuid {
                link.$owner
            }

            fn link(owner: Uuid, topic: Uuid) -> Self::ActiveModel {
                $module::ActiveModel {
                    $owner: Set(owner),
                    topic_id: Set(topic),
                }
            }
        }
    };
}

topic_link!(group_topic, group_id, GroupId);
topic_link!(meetup_topic, meetup_id, MeetupId);
topic_link!(thread_topic, thread_id, ThreadId);
topic_link!(resource_topic, resource_id, ResourceId);

/// The ids of the topics named by `slugs`; an unknown slug is `BAD_USER_INPUT` on `topics`.
pub async fn resolve(db: &impl ConnectionTrait, slugs: &[String]) -> AppResult<Vec<Uuid>> {
    if slugs.len() > MAX_TOPICS {
        return Err(AppError::bad_input(
            "topics",
            format!("At most {MAX_TOPICS} topics"),
        ));
    }
    let mut wanted: Vec<String> = slugs.iter().map(|s| s.trim().to_lowercase()).collect();
    wanted.sort();
    wanted.dedup();
    let found = topic::Entity::find()
        .filter(topic::Column::Slug.is_in(wanted.clone()))
        .all(db)
        .await?;
    if let Some(unknown) = wanted
        .iter()
        .find(|slug| !found.iter().any(|t| &t.slug == *slug))
    {
        return Err(AppError::bad_input(
            "topics",
            format!("No topic {unknown:?}"),
        ));
    }
    Ok(found.into_iter().map(|t| t.id).collect())
}

/// A filter for owners (by their id column `owner_id`) tagged with the topic `slug`; an unknown
/// slug is `BAD_USER_INPUT` on `topic`.
pub async fn tagged<L: TopicLink>(
    db: &impl ConnectionTrait,
    owner_id: impl ColumnTrait,
    slug: &str,
) -> AppResult<Expr> {
    let topic = topic::Entity::find()
        .filter(topic::Column::Slug.eq(slug.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("topic", "No such topic"))?;
    // The link looked up by its key for each owner the list walks, rather than every owner
    // tagged with the topic collected first.
    Ok(row_exists::<L>(
        L::owner_column(),
        owner_id.as_column_ref(),
        Condition::all().add(L::topic_column().eq(topic.id)),
    ))
}

/// Makes `owner`'s topics exactly `topic_ids`.
pub async fn replace<L>(
    db: &impl ConnectionTrait,
    owner: Uuid,
    topic_ids: Vec<Uuid>,
) -> AppResult<()>
where
    L: TopicLink,
    L::ActiveModel: ActiveModelTrait<Entity = L> + ActiveModelBehavior + Send,
    L::Model: sea_orm::IntoActiveModel<L::ActiveModel>,
{
    L::delete_many()
        .filter(L::owner_column().eq(owner))
        .exec(db)
        .await?;
    if !topic_ids.is_empty() {
        L::insert_many(topic_ids.into_iter().map(|topic| L::link(owner, topic)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Makes `owner`'s topics the ones named by `slugs` (checked as in [`resolve`]).
pub async fn set<L>(db: &impl ConnectionTrait, owner: Uuid, slugs: &[String]) -> AppResult<()>
where
    L: TopicLink,
    L::ActiveModel: ActiveModelTrait<Entity = L> + ActiveModelBehavior + Send,
    L::Model: sea_orm::IntoActiveModel<L::ActiveModel>,
{
    let topic_ids = resolve(db, slugs).await?;
    replace::<L>(db, owner, topic_ids).await
}

/// Topics by owner id, in name order, for a whole page of owners in one query.
pub struct TopicsLoader<L> {
    db: Db,
    link: PhantomData<fn() -> L>,
}

impl<L> TopicsLoader<L> {
    pub fn new(db: &Db) -> Self {
        Self {
            db: db.clone(),
            link: PhantomData,
        }
    }
}

impl<L> Loader<Uuid> for TopicsLoader<L>
where
    L: TopicLink + Send + Sync + 'static,
    L::Model: Send + Sync,
{
    type Value = Vec<topic::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
        let rows = L::find()
            .find_also_related(topic::Entity)
            .filter(L::owner_column().is_in(keys.iter().copied()))
            .order_by_asc(topic::Column::Name)
            .all(&self.db)
            .await?;
        let mut topics: HashMap<Uuid, Vec<topic::Model>> = HashMap::new();
        for (link, topic) in rows {
            if let Some(topic) = topic {
                topics.entry(L::owner_of(&link)).or_default().push(topic);
            }
        }
        Ok(topics)
    }
}
