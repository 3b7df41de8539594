//! Discussion reads for GraphQL: threads and comments by id, a group's threads, top-level
//! comments and replies, the moderation queue, built with the request's loaders. Writes live in
//! `commands`.

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, Utc};
use entity::{comment, report, thread, thread_topic};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Select};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    discussions::{
        policy::ThreadAccess,
        types::{Comment, ModerationReport, Thread},
    },
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        loaders::Loaders,
        pagination::{
            Order, Page, PageArgs, ReadOf, page_by_id, page_by_id_with_authors,
            selects_any_on_nodes, selects_on_nodes,
        },
    },
    groups::{
        self,
        policy::{GroupAccess, GroupAction},
    },
    topics,
};

/// The viewer's standing towards `thread`, through the request's loaders.
pub async fn access_with(
    loaders: &Loaders,
    viewer: &Viewer,
    thread: thread::Model,
) -> AppResult<ThreadAccess> {
    let group = groups::reads::access_to_parent(loaders, viewer, thread.group_id, "Thread").await?;
    Ok(ThreadAccess {
        group,
        thread,
        viewer_id: viewer.member_id(),
    })
}

/// A thread the viewer may read, or `NOT_FOUND`.
pub async fn thread_by_id(ctx: &Context<'_>, thread_id: Uuid) -> AppResult<Thread> {
    let loaders = ctx.loaders()?;
    let row = loaders
        .threads()
        .load_one(thread_id)
        .await?
        .ok_or(AppError::NotFound("Thread"))?;
    let access = access_with(loaders, ctx.viewer(), row).await?;
    access.ensure_visible()?;
    Ok(Thread {
        access: Arc::new(access),
    })
}

/// A comment the viewer may read (its thread is readable), or `NOT_FOUND`.
pub async fn comment_by_id(ctx: &Context<'_>, comment_id: Uuid) -> AppResult<Comment> {
    let row = ctx
        .loaders()?
        .comments()
        .load_one(comment_id)
        .await?
        .ok_or(AppError::NotFound("Comment"))?;
    let thread = thread_by_id(ctx, row.thread_id)
        .await
        .map_err(|_| AppError::NotFound("Comment"))?;
    Ok(Comment::new(row, thread.access))
}

/// A group's threads: pinned first, then by latest activity.
pub async fn group_threads(
    ctx: &Context<'_>,
    group: &GroupAccess,
    topic_slug: Option<&str>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Thread>> {
    group.ensure(GroupAction::ReadContent)?;
    let db = &ctx.state()?.db;
    let args = PageArgs::<(bool, DateTime<Utc>, Uuid)>::new(ctx, first, after, None, None)?;
    let mut select = thread::Entity::find()
        .filter(thread::Column::GroupId.eq(group.group.id))
        .filter(thread::Column::DeletedAt.is_null());
    if let Some(slug) = topic_slug {
        select = select
            .filter(topics::tagged::<thread_topic::Entity>(db, thread::Column::Id, slug).await?);
    }
    let (rows, total) = args
        .fetch(
            ctx,
            db,
            select,
            (
                thread::Column::Pinned,
                thread::Column::LastActivityAt,
                thread::Column::Id,
            ),
            Order::NewestFirst,
        )
        .await?;
    let viewer_id = ctx.viewer().member_id();
    let threads = rows
        .into_iter()
        .map(|thread| Thread {
            access: Arc::new(ThreadAccess {
                group: group.clone(),
                thread,
                viewer_id,
            }),
        })
        .collect();
    Ok(args.connection(
        threads,
        total,
        |t: &Thread| {
            (
                t.access.thread.pinned,
                t.access.thread.last_activity_at,
                t.access.thread.id,
            )
        },
        |t| t,
    ))
}

/// A thread's top-level comments, oldest first. A page whose selection shows no field of
/// [`comment::Details`] (the Markdown source, the quote, whom a comment speaks for) reads the
/// comments' listed columns alone: 9 of 17.
pub async fn top_level_comments(
    ctx: &Context<'_>,
    access: &Arc<ThreadAccess>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Comment>> {
    let select = comment::Entity::find()
        .filter(comment::Column::ThreadId.eq(access.thread.id))
        .filter(comment::Column::ParentId.is_null());
    let author = Some((comment::Column::AuthorId, "author"));
    if selects_any_on_nodes(ctx, &DETAILS) {
        page_by_id_with_authors(
            ctx,
            (select, author),
            Order::OldestFirst,
            (first, after),
            |row: comment::Model| Comment::new(row, access.clone()),
        )
        .await
    } else {
        page_by_id_with_authors(
            ctx,
            (select, author),
            Order::OldestFirst,
            (first, after),
            |row: comment::Listed| Comment::listed(row, access.clone()),
        )
        .await
    }
}

impl ReadOf<comment::Entity> for comment::Listed {
    fn columns(select: Select<comment::Entity>) -> Select<comment::Entity> {
        select.select_only().columns(comment::LISTED_COLUMNS)
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// The fields of a comment that show its [`comment::Details`].
const DETAILS: [&str; 5] = ["body", "quote", "speakingAs", "organisation", "roleTitle"];

/// A comment's direct replies, oldest first. The first page of every comment on a page comes
/// from one batched query.
pub async fn replies(
    ctx: &Context<'_>,
    access: &Arc<ThreadAccess>,
    parent: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Comment>> {
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let loaders = ctx.loaders()?;
    let total = loaders.reply_counts().load_one(parent).await?.unwrap_or(0);
    let rows = if args.is_first_page() {
        loaders
            .reply_previews()
            .load_one((parent, args.fetch_limit(), selects_on_nodes(ctx, "author")))
            .await?
            .unwrap_or_default()
    } else {
        let select = comment::Entity::find().filter(comment::Column::ParentId.eq(parent));
        args.fetch(
            ctx,
            &ctx.state()?.db,
            select,
            comment::Column::Id,
            Order::OldestFirst,
        )
        .await?
        .0
    };
    Ok(args.connection(
        rows,
        total,
        |row| row.id,
        |row| Comment::new(row, access.clone()),
    ))
}

/// Open reports in a group, newest first (moderators and owners).
pub async fn moderation_queue(
    ctx: &Context<'_>,
    group: &GroupAccess,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<ModerationReport>> {
    group.ensure(GroupAction::Moderate)?;
    let select = report::Entity::find()
        .filter(report::Column::GroupId.eq(group.group.id))
        .filter(report::Column::ResolvedAt.is_null());
    page_by_id(ctx, select, Order::NewestFirst, first, after, |row| {
        ModerationReport { row }
    })
    .await
}
