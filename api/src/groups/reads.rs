//! Group reads for GraphQL: a group by id or slug, the directory, memberships, invitations and
//! the audit log, each as a page of GraphQL types built with the request's loaders. Writes live in
//! `commands`.

use async_graphql::Context;
use entity::{
    audit_log, group_topic, interest_group, invitation,
    membership::{self, Role, Status},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Query};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        loaders::Loaders,
        pagination::{Order, Page, PageArgs, page_by_id},
    },
    groups::{
        loaders,
        policy::{GroupAccess, GroupAction},
        types::{AuditEntry, Group, GroupRole, Invitation, Membership},
    },
    search::{graphql::ranked_page, index, query::Search, reads::Scope},
    topics,
};

/// The viewer's standing in `group`, with their membership loaded through the request loader.
pub async fn access_for(ctx: &Context<'_>, group: interest_group::Model) -> AppResult<GroupAccess> {
    access_with(ctx.loaders()?, ctx.viewer(), group).await
}

/// [`access_for`] outside a resolver (subscriptions, calendar feeds).
pub async fn access_with(
    loaders: &Loaders,
    viewer: &Viewer,
    group: interest_group::Model,
) -> AppResult<GroupAccess> {
    let membership = match viewer.member_id() {
        Some(member_id) => loaders
            .memberships()
            .load_one((group.id, member_id))
            .await?
            .flatten(),
        None => None,
    };
    Ok(GroupAccess {
        group,
        membership,
        is_site_admin: viewer.is_site_admin(),
    })
}

/// The viewer's standing in the group that holds a meetup, thread or resource, through the
/// request's loaders. A missing group reads as the child missing (`NOT_FOUND` of `child`).
pub async fn access_to_parent(
    loaders: &Loaders,
    viewer: &Viewer,
    group_id: Uuid,
    child: &'static str,
) -> AppResult<GroupAccess> {
    let group = loaders
        .groups()
        .load_one(group_id)
        .await?
        .ok_or(AppError::NotFound(child))?;
    access_with(loaders, viewer, group).await
}

/// Builds `Group`s for a page of rows with one membership query for all of them.
async fn groups_for_viewer(
    ctx: &Context<'_>,
    rows: Vec<interest_group::Model>,
) -> AppResult<Vec<Group>> {
    let viewer = ctx.viewer();
    let mut memberships = match viewer.member_id() {
        Some(member_id) => {
            ctx.loaders()?
                .memberships()
                .load_many(rows.iter().map(|group| (group.id, member_id)))
                .await?
        }
        None => Default::default(),
    };
    Ok(rows
        .into_iter()
        .map(|group| {
            let membership = viewer
                .member_id()
                .and_then(|member_id| memberships.remove(&(group.id, member_id)).flatten());
            Group {
                access: GroupAccess {
                    group,
                    membership,
                    is_site_admin: viewer.is_site_admin(),
                },
            }
        })
        .collect())
}

/// A group by id. Every group's name card is visible; its content follows [`GroupAccess`].
pub async fn group_by_id(ctx: &Context<'_>, group_id: Uuid) -> AppResult<Group> {
    let group = ctx
        .loaders()?
        .groups()
        .load_one(group_id)
        .await?
        .ok_or(AppError::NotFound("Group"))?;
    Ok(Group {
        access: access_for(ctx, group).await?,
    })
}

pub async fn group_by_slug(ctx: &Context<'_>, slug: &str) -> AppResult<Group> {
    let loaders = ctx.loaders()?;
    let group = loaders::read_by_slug(&loaders.context, &slug.trim().to_lowercase())
        .await?
        .ok_or(AppError::NotFound("Group"))?;
    Ok(Group {
        access: access_for(ctx, group).await?,
    })
}

/// The group directory: groups that are not archived, newest first, optionally tagged with a
/// topic; with a search, the groups it finds (by name, description or slug), most relevant
/// first.
pub async fn list_groups(
    ctx: &Context<'_>,
    search: Option<&str>,
    topic_slug: Option<&str>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Group>> {
    if let Some(search) = search.filter(|text| !text.trim().is_empty()) {
        let scope = Scope {
            kinds: Some(vec![index::GROUP]),
            topic: topic_slug.map(str::to_owned),
            ..Scope::default()
        };
        return ranked_page(ctx, &Search::parse(search), &scope, first, after, |row| {
            group_by_id(ctx, row.id)
        })
        .await;
    }
    let db = &ctx.state()?.db;
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let mut select =
        interest_group::Entity::find().filter(interest_group::Column::ArchivedAt.is_null());
    if let Some(slug) = topic_slug {
        select = select.filter(
            topics::tagged::<group_topic::Entity>(db, interest_group::Column::Id, slug).await?,
        );
    }
    let (rows, total) = args
        .fetch(
            ctx,
            db,
            select,
            interest_group::Column::Id,
            Order::NewestFirst,
        )
        .await?;
    page_of_groups(ctx, &args, rows, total).await
}

async fn page_of_groups(
    ctx: &Context<'_>,
    args: &PageArgs<Uuid>,
    rows: Vec<interest_group::Model>,
    total: u64,
) -> AppResult<Page<Group>> {
    let groups = groups_for_viewer(ctx, rows).await?;
    Ok(args.connection(groups, total, |group| group.access.group.id, |group| group))
}

/// Groups the viewer is an active member of, newest first.
pub async fn my_groups(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Group>> {
    let viewer = ctx.viewer().require()?;
    let db = &ctx.state()?.db;
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let select = interest_group::Entity::find().filter(
        interest_group::Column::Id.in_subquery(
            Query::select()
                .column(membership::Column::GroupId)
                .from(membership::Entity)
                .and_where(membership::Column::MemberId.eq(viewer.member_id))
                .and_where(membership::Column::Status.eq(Status::Active))
                .to_owned(),
        ),
    );
    let (rows, total) = args
        .fetch(
            ctx,
            db,
            select,
            interest_group::Column::Id,
            Order::NewestFirst,
        )
        .await?;
    page_of_groups(ctx, &args, rows, total).await
}

/// Memberships of a group in one status, in the order they were made.
pub async fn list_memberships(
    ctx: &Context<'_>,
    access: &GroupAccess,
    status: Status,
    role: Option<GroupRole>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Membership>> {
    access.ensure(GroupAction::ReadContent)?;
    let mut select = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(access.group.id))
        .filter(membership::Column::Status.eq(status));
    if let Some(role) = role {
        select = select.filter(membership::Column::Role.eq(Role::from(role)));
    }
    page_by_id(ctx, select, Order::OldestFirst, first, after, Membership).await
}

/// Pending invitations of a group, newest first.
pub async fn list_group_invitations(
    ctx: &Context<'_>,
    access: &GroupAccess,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Invitation>> {
    let select = invitation::Entity::find()
        .filter(invitation::Column::GroupId.eq(access.group.id))
        .filter(invitation::Column::Status.eq(invitation::Status::Pending));
    page_by_id(ctx, select, Order::NewestFirst, first, after, Invitation).await
}

/// The viewer's pending invitations, newest first.
pub async fn my_invitations(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Invitation>> {
    let viewer = ctx.viewer().require()?;
    let select = invitation::Entity::find()
        .filter(invitation::Column::InviteeId.eq(viewer.member_id))
        .filter(invitation::Column::Status.eq(invitation::Status::Pending));
    page_by_id(ctx, select, Order::NewestFirst, first, after, Invitation).await
}

/// The group's audit log, newest first.
pub async fn list_audit_log(
    ctx: &Context<'_>,
    access: &GroupAccess,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<AuditEntry>> {
    let select = audit_log::Entity::find().filter(audit_log::Column::GroupId.eq(access.group.id));
    page_by_id(ctx, select, Order::NewestFirst, first, after, AuditEntry).await
}
