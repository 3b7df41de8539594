//! Library reads for GraphQL: a resource by id, a group's and a meetup's resources, built with the
//! request's loaders. Writes live in `commands`.

use async_graphql::Context;
use bytes::Bytes;
use entity::{resource, resource_topic};
use futures_util::stream::BoxStream;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        loaders::{Caching, Loaders},
        pagination::{Order, Page, page_by_id_with_authors},
    },
    groups::{
        self,
        policy::{GroupAccess, GroupAction},
    },
    meetups::policy::MeetupAccess,
    resources::{commands, policy::ResourceAccess, types::Resource},
    search::{graphql::ranked_page, index, query::Search, reads::Scope},
    state::AppState,
    topics,
};

pub async fn access_with(
    loaders: &Loaders,
    viewer: &Viewer,
    resource: resource::Model,
) -> AppResult<ResourceAccess> {
    let group =
        groups::reads::access_to_parent(loaders, viewer, resource.group_id, "Resource").await?;
    Ok(ResourceAccess {
        group,
        resource,
        viewer_id: viewer.member_id(),
    })
}

pub async fn resource_by_id(ctx: &Context<'_>, resource_id: Uuid) -> AppResult<Resource> {
    let loaders = ctx.loaders()?;
    let row = loaders
        .resources()
        .load_one(resource_id)
        .await?
        .ok_or(AppError::NotFound("Resource"))?;
    let access = access_with(loaders, ctx.viewer(), row).await?;
    access.ensure_visible()?;
    Ok(Resource {
        access: Box::new(access),
    })
}

/// A page of a group's resources, newest first, each with the viewer's standing.
async fn page_of(
    ctx: &Context<'_>,
    group: &GroupAccess,
    select: sea_orm::Select<resource::Entity>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Resource>> {
    let viewer_id = ctx.viewer().member_id();
    page_by_id_with_authors(
        ctx,
        (select, Some((resource::Column::AddedBy, "addedBy"))),
        Order::NewestFirst,
        (first, after),
        |resource| Resource {
            access: Box::new(ResourceAccess {
                group: group.clone(),
                resource,
                viewer_id,
            }),
        },
    )
    .await
}

/// A group's library, newest first, filtered by kind and topic; with a search, what it finds
/// (by title, description, address and the file's text), most relevant first.
pub async fn group_resources(
    ctx: &Context<'_>,
    group: &GroupAccess,
    kind: Option<resource::Kind>,
    topic_slug: Option<&str>,
    search: Option<&str>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Resource>> {
    group.ensure(GroupAction::ReadContent)?;
    if let Some(search) = search.filter(|text| !text.trim().is_empty()) {
        let scope = Scope {
            kinds: Some(vec![index::RESOURCE]),
            group_id: Some(group.group.id),
            topic: topic_slug.map(str::to_owned),
            resource_kind: kind,
        };
        return ranked_page(ctx, &Search::parse(search), &scope, first, after, |row| {
            resource_by_id(ctx, row.id)
        })
        .await;
    }
    let db = &ctx.state()?.db;
    let mut select = resource::Entity::find()
        .filter(resource::Column::GroupId.eq(group.group.id))
        .filter(resource::Column::RemovedAt.is_null());
    if let Some(kind) = kind {
        select = select.filter(resource::Column::Kind.eq(kind));
    }
    if let Some(slug) = topic_slug {
        select = select.filter(
            topics::tagged::<resource_topic::Entity>(db, resource::Column::Id, slug).await?,
        );
    }
    page_of(ctx, group, select, first, after).await
}

/// The resources attached to a meetup, newest first.
pub async fn meetup_resources(
    ctx: &Context<'_>,
    meetup: &MeetupAccess,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Resource>> {
    meetup.ensure_visible()?;
    let select = resource::Entity::find()
        .filter(resource::Column::MeetupId.eq(meetup.meetup.id))
        .filter(resource::Column::RemovedAt.is_null());
    page_of(ctx, &meetup.group, select, first, after).await
}

/// A stored file on its way to a client.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub content: BoxStream<'static, std::io::Result<Bytes>>,
}

/// The file of a resource for `viewer`, streaming from the store, with its stored name, type
/// and size; `NOT_FOUND` when the viewer may not see it.
pub async fn download(state: &AppState, viewer: &Viewer, resource_id: Uuid) -> AppResult<Download> {
    let loaders = Loaders::new(&state.db, viewer.member_id(), Caching::PerRequest);
    let row = resource::Entity::find_by_id(resource_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Resource"))?;
    let access = access_with(&loaders, viewer, row).await?;
    access.ensure_visible()?;
    let resource = access.resource;
    match (
        resource.file_sha256,
        resource.file_name,
        resource.file_content_type,
        resource.file_size,
    ) {
        (Some(key), Some(name), Some(content_type), Some(size)) => {
            let content = state.files.get(&key).await.map_err(AppError::internal)?;
            commands::count_download(state, resource.id, resource.group_id, viewer.member_id())
                .await?;
            Ok(Download {
                name,
                content_type,
                size: u64::try_from(size).unwrap_or_default(),
                content,
            })
        }
        _ => Err(AppError::NotFound("File")),
    }
}
