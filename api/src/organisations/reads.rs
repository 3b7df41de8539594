//! Organisation reads: by slug or id, the directory, representatives, and statements (posts on
//! an organisation's behalf) filtered by what the viewer may read, in SQL.

use async_graphql::Context;
use entity::{
    affiliation, comment, organisation, organisation_role, persona::SpeakingAs, resource, thread,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use uuid::Uuid;

use crate::{
    db::row_exists,
    discussions::reads as discussions,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        pagination::{Order, Page, PageArgs, wants_total},
    },
    groups::policy::readable_groups,
    members::types::Member,
    organisations::types::{Affiliation, Organisation, OrganisationRole, Statement},
    resources::reads as resources,
};

/// An organisation by id, or `NOT_FOUND`. Organisations are public.
pub async fn organisation_by_id(ctx: &Context<'_>, id: Uuid) -> AppResult<Organisation> {
    ctx.loaders()?
        .organisations()
        .load_one(id)
        .await?
        .map(|row| Organisation { row })
        .ok_or(AppError::NotFound("Organisation"))
}

/// An affiliation, where its member shows their affiliations to the viewer (the profile's
/// `organisation` visibility); `None` otherwise.
pub async fn affiliation_by_id(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Affiliation>> {
    let Some(member_id) = affiliation::Entity::find_by_id(id)
        .select_only()
        .column(affiliation::Column::MemberId)
        .into_tuple::<Uuid>()
        .one(&ctx.state()?.db)
        .await?
    else {
        return Ok(None);
    };
    let Some(member) = Member::load(ctx, Some(member_id)).await? else {
        return Ok(None);
    };
    Ok(member
        .visible_affiliations(ctx, true)
        .await?
        .into_iter()
        .find(|affiliation| affiliation.row.id == id))
}

/// An organisation by slug, or `NOT_FOUND`.
pub async fn organisation_by_slug(ctx: &Context<'_>, slug: &str) -> AppResult<Organisation> {
    organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .one(&ctx.state()?.db)
        .await?
        .map(|row| Organisation { row })
        .ok_or(AppError::NotFound("Organisation"))
}

/// Every organisation in creation order.
pub async fn organisations(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Organisation>> {
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let db = &ctx.state()?.db;
    let (rows, total) = args
        .fetch(
            ctx,
            db,
            organisation::Entity::find(),
            organisation::Column::Id,
            Order::OldestFirst,
        )
        .await?;
    Ok(args.connection(rows, total, |row| row.id, |row| Organisation { row }))
}

/// The viewer's role in an organisation.
pub async fn viewer_role(
    ctx: &Context<'_>,
    organisation_id: Uuid,
) -> AppResult<Option<OrganisationRole>> {
    Ok(ctx
        .loaders()?
        .organisation_roles()
        .load_one(organisation_id)
        .await?
        .map(Into::into))
}

/// The members who hold a role in an organisation, in the order they were granted.
pub async fn representatives(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Member>> {
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let db = &ctx.state()?.db;
    let (rows, total) = args
        .fetch(
            ctx,
            db,
            organisation_role::Entity::find()
                .filter(organisation_role::Column::OrganisationId.eq(organisation_id)),
            organisation_role::Column::MemberId,
            Order::OldestFirst,
        )
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(member) = Member::load(ctx, Some(row.member_id)).await? {
            found.push((row.member_id, member));
        }
    }
    Ok(args.connection(found, total, |(id, _)| *id, |(_, member)| member))
}

/// The ids of one kind of post on `organisation_id`'s behalf that the viewer may read, newest
/// first, after `after`.
async fn statement_ids<E>(
    ctx: &Context<'_>,
    select: Select<E>,
    id: E::Column,
    filters: Condition,
    after: Option<Uuid>,
    limit: u64,
) -> AppResult<Vec<Uuid>>
where
    E: EntityTrait,
{
    let mut select = select.select_only().column(id).filter(filters);
    if let Some(after) = after {
        select = select.filter(id.lt(after));
    }
    Ok(select
        .order_by_desc(id)
        .limit(limit)
        .into_tuple()
        .all(&ctx.state()?.db)
        .await?)
}

/// What was posted on an organisation's behalf, newest first: threads, comments and resources
/// merged by id (UUIDv7, so by time), each list read with the viewer's readable groups in SQL,
/// then built through the loaders like any other node.
pub async fn statements(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Statement>> {
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let (viewer, admin) = ctx
        .viewer()
        .identity()
        .map_or((Uuid::nil(), false), |i| (i.member_id, i.is_site_admin));
    let after = args.after_key().copied();
    let limit = args.fetch_limit();
    let threads = Condition::all()
        .add(thread::Column::OrganisationId.eq(organisation_id))
        .add(thread::Column::SpeakingAs.eq(SpeakingAs::OnBehalf))
        .add(thread::Column::DeletedAt.is_null())
        .add(readable_groups(thread::Column::GroupId, viewer, admin));
    let comments = Condition::all()
        .add(comment::Column::OrganisationId.eq(organisation_id))
        .add(comment::Column::SpeakingAs.eq(SpeakingAs::OnBehalf))
        .add(comment::Column::DeletedAt.is_null())
        .add(comment::Column::HiddenAt.is_null())
        // Each comment's thread looked up by its key, rather than every readable thread
        // collected first.
        .add(row_exists::<thread::Entity>(
            thread::Column::Id,
            (comment::Entity, comment::Column::ThreadId),
            Condition::all()
                .add(thread::Column::DeletedAt.is_null())
                .add(readable_groups(thread::Column::GroupId, viewer, admin)),
        ));
    let resources = Condition::all()
        .add(resource::Column::OrganisationId.eq(organisation_id))
        .add(resource::Column::SpeakingAs.eq(SpeakingAs::OnBehalf))
        .add(resource::Column::RemovedAt.is_null())
        .add(readable_groups(resource::Column::GroupId, viewer, admin));
    let total = if wants_total(ctx) {
        let db = &ctx.state()?.db;
        thread::Entity::find()
            .filter(threads.clone())
            .count(db)
            .await?
            + comment::Entity::find()
                .filter(comments.clone())
                .count(db)
                .await?
            + resource::Entity::find()
                .filter(resources.clone())
                .count(db)
                .await?
    } else {
        0
    };
    let mut keys: Vec<(Uuid, u8)> = Vec::new();
    for (kind, ids) in [
        (
            0,
            statement_ids(
                ctx,
                thread::Entity::find(),
                thread::Column::Id,
                threads,
                after,
                limit,
            )
            .await?,
        ),
        (
            1,
            statement_ids(
                ctx,
                comment::Entity::find(),
                comment::Column::Id,
                comments,
                after,
                limit,
            )
            .await?,
        ),
        (
            2,
            statement_ids(
                ctx,
                resource::Entity::find(),
                resource::Column::Id,
                resources,
                after,
                limit,
            )
            .await?,
        ),
    ] {
        keys.extend(ids.into_iter().map(|id| (id, kind)));
    }
    keys.sort_unstable_by_key(|(id, _)| std::cmp::Reverse(*id));
    keys.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let nodes = futures_util::future::try_join_all(keys.into_iter().map(|(id, kind)| async move {
        let node = match kind {
            0 => Statement::Thread(discussions::thread_by_id(ctx, id).await?),
            1 => Statement::Comment(Box::new(discussions::comment_by_id(ctx, id).await?)),
            _ => Statement::Resource(resources::resource_by_id(ctx, id).await?),
        };
        Ok::<_, AppError>((id, node))
    }))
    .await?;
    Ok(args.connection(nodes, total, |(id, _)| *id, |(_, node)| node))
}
