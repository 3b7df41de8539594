//! The site-wide topic taxonomy. Seeded by a migration; site admins add to it.

use async_graphql::{Context, InputObject, Object};
use chrono::Utc;
use entity::topic;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, SqlErr};

use crate::{
    audit::{self, Entry},
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    groups::{slug, types::Topic},
    ids, text,
};

/// A new topic.
#[derive(InputObject)]
pub struct CreateTopicInput {
    /// 2 to 60 characters.
    #[graphql(validator(custom = "crate::text::limits::TOPIC_NAME"))]
    pub name: String,
    /// Derived from the name when left out.
    #[graphql(validator(max_length = 100))]
    pub slug: Option<String>,
}

#[derive(Default)]
pub struct TopicsMutation;

#[Object]
impl TopicsMutation {
    /// Adds a topic to the taxonomy (site admins).
    async fn create_topic(&self, ctx: &Context<'_>, input: CreateTopicInput) -> AppResult<Topic> {
        let viewer = ctx.viewer().require()?;
        if !viewer.is_site_admin {
            return Err(AppError::Forbidden("Only site admins add topics"));
        }
        let name = text::limits::TOPIC_NAME.clean(&input.name)?;
        let slug = match input.slug {
            Some(given) if slug::is_valid(given.trim()) => given.trim().to_owned(),
            Some(_) => {
                return Err(AppError::bad_input(
                    "slug",
                    "Use lowercase letters, digits and single hyphens",
                ));
            }
            None => slug::slugify(&name),
        };
        if slug.is_empty() {
            return Err(AppError::bad_input("name", "Needs letters or digits"));
        }
        let db = &ctx.state()?.db;
        let txn = crate::db::begin_write(db).await?;
        let topic = topic::ActiveModel {
            id: Set(ids::new_key()),
            slug: Set(slug),
            name: Set(name),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("That topic exists already".into())
            }
            _ => err.into(),
        })?;
        audit::record(
            &txn,
            Entry {
                actor_id: Some(viewer.member_id),
                group_id: None,
                action: "topic.create",
                subject_type: "Topic",
                subject_id: topic.id,
                details: Some(topic.slug.clone()),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(topic.into())
    }
}
