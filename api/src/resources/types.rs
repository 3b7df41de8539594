//! GraphQL types of the resource library.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::resource;
use futures_util::FutureExt as _;

use crate::graphql::scalars;
use crate::organisations::types::{Organisation, SpeakingAs};
use crate::{
    error::AppResult,
    graphql::context::ContextExt,
    groups::{
        self,
        types::{Group, Topic, map_enum},
    },
    ids,
    meetups::{self, types::Meetup},
    members::types::Member,
    resources::policy::ResourceAccess,
};

/// What a resource is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    Article,
    Paper,
    Slides,
    Video,
    Document,
    Link,
}

map_enum!(resource::Kind => ResourceKind { Article, Paper, Slides, Video, Document, Link });

/// An uploaded file.
#[derive(SimpleObject)]
pub struct ResourceFile {
    /// The name it was uploaded with (path parts removed).
    pub filename: String,
    /// Detected from the bytes, not taken from the uploader.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Where to download it (`GET`, with the same `Authorization` header for members-only groups).
    pub download_url: String,
}

/// An item of a group's library: a link or an uploaded file.
pub struct Resource {
    pub access: Box<ResourceAccess>,
}

impl Resource {
    fn row(&self) -> &resource::Model {
        &self.access.resource
    }
}

#[Object]
impl Resource {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Resource, self.row().id)
    }

    async fn group(&self, ctx: &Context<'_>) -> AppResult<Group> {
        groups::reads::group_by_id(ctx, self.row().group_id)
            .boxed()
            .await
    }

    /// The meetup it belongs to (slides of a talk), if any and visible.
    async fn meetup(&self, ctx: &Context<'_>) -> AppResult<Option<Meetup>> {
        match self.row().meetup_id {
            Some(meetup_id) => Ok(meetups::reads::meetup_by_id(ctx, meetup_id)
                .boxed()
                .await
                .ok()),
            None => Ok(None),
        }
    }

    async fn title(&self) -> &str {
        &self.row().title
    }

    /// Plain text.
    async fn description(&self) -> Option<&str> {
        self.row().description.as_deref()
    }

    async fn kind(&self) -> ResourceKind {
        self.row().kind.into()
    }

    /// The link, normalised; null for an uploaded file.
    async fn url(&self) -> Option<&str> {
        self.row().url.as_deref()
    }

    /// The uploaded file; null for a link.
    async fn file(&self) -> Option<ResourceFile> {
        let row = self.row();
        match (&row.file_name, &row.file_content_type, row.file_size) {
            (Some(filename), Some(content_type), Some(size)) => Some(ResourceFile {
                filename: filename.clone(),
                content_type: content_type.clone(),
                size: u64::try_from(size).unwrap_or(0),
                download_url: format!("/files/{}", ids::encode(ids::Kind::Resource, row.id).0),
            }),
            _ => None,
        }
    }

    async fn topics(&self, ctx: &Context<'_>) -> AppResult<Vec<Topic>> {
        let topics = ctx
            .loaders()?
            .resource_topics()
            .load_one(self.row().id)
            .await?;
        Ok(topics
            .unwrap_or_default()
            .into_iter()
            .map(Topic::from)
            .collect())
    }

    /// Whom the resource speaks for, as its author chose when writing it.
    async fn speaking_as(&self) -> SpeakingAs {
        self.row().speaking_as.into()
    }

    /// The organisation shown with the resource: the author's employer (`AFFILIATED`) or the
    /// organisation speaking (`ON_BEHALF`), as it was when written; null when `PRIVATE` or
    /// when its text is gone.
    async fn organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        Organisation::of_post(
            ctx,
            self.row().speaking_as,
            self.row().organisation_id,
            false,
        )
        .await
    }

    /// The author's title at the organisation when they wrote it (`AFFILIATED` only).
    async fn role_title(&self) -> Option<&str> {
        self.row().role_title.as_deref()
    }

    /// Who shared it; null when the account is gone.
    async fn added_by(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(ctx, self.row().added_by).await
    }

    /// Whether the viewer may edit or remove it.
    async fn viewer_can_edit(&self) -> bool {
        self.access.can_edit()
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.row().created_at).into()
    }

    async fn updated_at(&self) -> scalars::DateTime {
        (self.row().updated_at).into()
    }
}
