//! Discussion queries, mutations and the live `commentAdded` subscription.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Subscription};
use entity::report;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    discussions::{
        commands::{self, QuoteRequest},
        reads,
        types::{Comment, CommentRevision, ModerationReport, ReactionKind, Thread},
    },
    error::{AppError, AppResult},
    events::{Event, thread_topic},
    graphql::{
        context::ContextExt,
        loaders::{Caching, Loaders},
    },
    ids,
    organisations::{graphql::requested, types::SpeakingAs},
    state::AppState,
};

fn thread_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Thread, "Thread")
}

fn comment_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Comment, "Comment")
}

#[derive(Default)]
pub struct DiscussionsQuery;

#[Object]
impl DiscussionsQuery {
    /// A thread by id; `NOT_FOUND` for outsiders of a members-only group.
    async fn thread(&self, ctx: &Context<'_>, id: ID) -> AppResult<Thread> {
        reads::thread_by_id(ctx, thread_id(&id)?).await
    }
}

/// A new thread.
#[derive(InputObject)]
pub struct StartThreadInput {
    pub group_id: ID,
    /// 3 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::THREAD_TITLE"))]
    pub title: String,
    /// Markdown, 1 to 40000 characters.
    #[graphql(validator(custom = "crate::text::limits::THREAD_BODY"))]
    pub body: String,
    /// Topic slugs.
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
    /// Who the post speaks for; left out, the viewer's default in the group (else their own
    /// default, else `PRIVATE`).
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

/// Changes to a thread; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateThreadInput {
    pub thread_id: ID,
    /// 3 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::THREAD_TITLE"))]
    pub title: Option<String>,
    /// Markdown, 1 to 40000 characters.
    #[graphql(validator(custom = "crate::text::limits::THREAD_BODY"))]
    pub body: Option<String>,
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
    /// A new persona for the post; left out, it keeps the one it was written with.
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

/// A passage to quote.
#[derive(InputObject)]
pub struct QuoteInput {
    /// The comment quoted, or the thread's id to quote its body.
    pub comment_id: ID,
    /// Words that occur in it, up to 1000 characters.
    #[graphql(validator(custom = "crate::text::limits::QUOTE_EXCERPT"))]
    pub excerpt: String,
}

/// A new comment, a reply when `parentId` is given.
#[derive(InputObject)]
pub struct PostCommentInput {
    pub thread_id: ID,
    /// Markdown, 1 to 20000 characters.
    #[graphql(validator(custom = "crate::text::limits::COMMENT_BODY"))]
    pub body: String,
    pub parent_id: Option<ID>,
    pub quote: Option<QuoteInput>,
    /// Who the post speaks for; left out, the viewer's default in the group (else their own
    /// default, else `PRIVATE`).
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

/// A new text for a comment.
#[derive(InputObject)]
pub struct EditCommentInput {
    pub comment_id: ID,
    /// Markdown, 1 to 20000 characters.
    #[graphql(validator(custom = "crate::text::limits::COMMENT_BODY"))]
    pub body: String,
    /// A new persona for the post; left out, it keeps the one it was written with.
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

/// A reaction to a comment.
#[derive(InputObject)]
pub struct ReactInput {
    pub comment_id: ID,
    pub reaction: ReactionKind,
}

/// A moderator's hiding of a comment.
#[derive(InputObject)]
pub struct HideCommentInput {
    pub comment_id: ID,
    /// Kept in the audit log; up to 1000 characters.
    #[graphql(validator(custom = "crate::text::limits::REASON"))]
    pub reason: Option<String>,
}

/// A report to the group's moderators.
#[derive(InputObject)]
pub struct ReportContentInput {
    /// A thread or comment id.
    pub subject_id: ID,
    /// 3 to 1000 characters.
    #[graphql(validator(custom = "crate::text::limits::REPORT_REASON"))]
    pub reason: String,
}

#[derive(Default)]
pub struct DiscussionsMutation;

#[Object]
impl DiscussionsMutation {
    /// Starts a thread in a group (members).
    async fn start_thread(&self, ctx: &Context<'_>, input: StartThreadInput) -> AppResult<Thread> {
        let group_id = ids::decode_as(&input.group_id, ids::Kind::Group, "Group")?;
        let persona = requested(input.speaking_as, input.organisation_id.as_ref())?;
        let topics = input.topics.unwrap_or_default();
        let thread = commands::start_thread(
            ctx.state()?,
            ctx.viewer(),
            group_id,
            &input.title,
            &input.body,
            &topics,
            persona,
        )
        .await?;
        reads::thread_by_id(ctx, thread.id).await
    }

    /// Edits a thread (its author).
    async fn update_thread(
        &self,
        ctx: &Context<'_>,
        input: UpdateThreadInput,
    ) -> AppResult<Thread> {
        let id = thread_id(&input.thread_id)?;
        let persona = requested(input.speaking_as, input.organisation_id.as_ref())?;
        commands::update_thread(
            ctx.state()?,
            ctx.viewer(),
            id,
            input.title.as_deref(),
            input.body.as_deref(),
            input.topics.as_deref(),
            persona,
        )
        .await?;
        reads::thread_by_id(ctx, id).await
    }

    /// Deletes a thread (its author, or a moderator).
    async fn delete_thread(&self, ctx: &Context<'_>, thread_id: ID) -> AppResult<Thread> {
        let id = self::thread_id(&thread_id)?;
        commands::delete_thread(ctx.state()?, ctx.viewer(), id).await?;
        reads::thread_by_id(ctx, id).await
    }

    /// Posts a comment or a reply, optionally quoting a passage.
    async fn post_comment(&self, ctx: &Context<'_>, input: PostCommentInput) -> AppResult<Comment> {
        let thread = thread_id(&input.thread_id)?;
        let persona = requested(input.speaking_as, input.organisation_id.as_ref())?;
        let parent = input
            .parent_id
            .as_ref()
            .map(|id| {
                comment_id(id).map_err(|_| AppError::bad_input("parentId", "Not a comment id"))
            })
            .transpose()?;
        let quote = input
            .quote
            .map(|quote| {
                let source_id = match ids::decode(&quote.comment_id) {
                    Some((ids::Kind::Comment | ids::Kind::Thread, id)) => Ok(id),
                    _ => Err(AppError::bad_input(
                        "quote.commentId",
                        "Not a comment or thread id",
                    )),
                }?;
                Ok::<_, AppError>(QuoteRequest {
                    source_id,
                    excerpt: quote.excerpt,
                })
            })
            .transpose()?;
        let row = commands::post_comment(
            ctx.state()?,
            ctx.viewer(),
            thread,
            &input.body,
            parent,
            quote,
            persona,
        )
        .await?;
        reads::comment_by_id(ctx, row.id).await
    }

    /// Edits a comment (its author); the old text is kept as a revision.
    async fn edit_comment(&self, ctx: &Context<'_>, input: EditCommentInput) -> AppResult<Comment> {
        let id = comment_id(&input.comment_id)?;
        let persona = requested(input.speaking_as, input.organisation_id.as_ref())?;
        commands::edit_comment(ctx.state()?, ctx.viewer(), id, &input.body, persona).await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Deletes a comment (its author, or a moderator), leaving a tombstone.
    async fn delete_comment(&self, ctx: &Context<'_>, comment_id: ID) -> AppResult<Comment> {
        let id = self::comment_id(&comment_id)?;
        commands::delete_comment(ctx.state()?, ctx.viewer(), id).await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Adds a reaction; reacting twice the same way changes nothing.
    async fn react(&self, ctx: &Context<'_>, input: ReactInput) -> AppResult<Comment> {
        let id = comment_id(&input.comment_id)?;
        commands::react(ctx.state()?, ctx.viewer(), id, input.reaction.into(), true).await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Removes a reaction; removing one that is not there changes nothing.
    async fn unreact(&self, ctx: &Context<'_>, input: ReactInput) -> AppResult<Comment> {
        let id = comment_id(&input.comment_id)?;
        commands::react(ctx.state()?, ctx.viewer(), id, input.reaction.into(), false).await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Locks a thread against new comments, or unlocks it (moderators and owners).
    async fn lock_thread(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        #[graphql(default = true)] locked: bool,
    ) -> AppResult<Thread> {
        let id = self::thread_id(&thread_id)?;
        commands::set_locked(ctx.state()?, ctx.viewer(), id, locked).await?;
        reads::thread_by_id(ctx, id).await
    }

    /// Pins a thread to the top of the group's list, or unpins it (moderators and owners).
    async fn pin_thread(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        #[graphql(default = true)] pinned: bool,
    ) -> AppResult<Thread> {
        let id = self::thread_id(&thread_id)?;
        commands::set_pinned(ctx.state()?, ctx.viewer(), id, pinned).await?;
        reads::thread_by_id(ctx, id).await
    }

    /// Hides a comment from all but its author and the moderators (moderators and owners).
    async fn hide_comment(&self, ctx: &Context<'_>, input: HideCommentInput) -> AppResult<Comment> {
        let id = comment_id(&input.comment_id)?;
        commands::set_hidden(
            ctx.state()?,
            ctx.viewer(),
            id,
            true,
            input.reason.as_deref(),
        )
        .await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Shows a hidden comment again (moderators and owners).
    async fn restore_comment(&self, ctx: &Context<'_>, comment_id: ID) -> AppResult<Comment> {
        let id = self::comment_id(&comment_id)?;
        commands::set_hidden(ctx.state()?, ctx.viewer(), id, false, None).await?;
        reads::comment_by_id(ctx, id).await
    }

    /// Redacts an earlier version of a comment (moderators and owners).
    async fn redact_revision(
        &self,
        ctx: &Context<'_>,
        revision_id: ID,
    ) -> AppResult<CommentRevision> {
        let id = ids::decode_as(&revision_id, ids::Kind::CommentRevision, "Revision")?;
        Ok(CommentRevision(
            commands::redact_revision(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }

    /// Reports a thread or comment to the group's moderators (members; once per item).
    async fn report_content(
        &self,
        ctx: &Context<'_>,
        input: ReportContentInput,
    ) -> AppResult<bool> {
        let subject = match ids::decode(&input.subject_id) {
            Some((ids::Kind::Thread, id)) => (report::SubjectType::Thread, id),
            Some((ids::Kind::Comment, id)) => (report::SubjectType::Comment, id),
            _ => return Err(AppError::NotFound("Content")),
        };
        commands::report(ctx.state()?, ctx.viewer(), subject, &input.reason).await?;
        Ok(true)
    }

    /// Marks a report as dealt with (moderators and owners).
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
    ) -> AppResult<ModerationReport> {
        let id = ids::decode_as(&report_id, ids::Kind::Report, "Report")?;
        let row = commands::resolve_report(ctx.state()?, ctx.viewer(), id).await?;
        Ok(ModerationReport { row })
    }
}

#[derive(Default)]
pub struct DiscussionsSubscription;

#[Subscription]
impl DiscussionsSubscription {
    /// Each new comment in a thread, for viewers who may read it.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Comment> + use<>> {
        let id = self::thread_id(&thread_id)?;
        let state: AppState = ctx.state()?.clone();
        // Listening starts before the access check's first await, so nothing published once
        // the subscription is processed is missed.
        let events = state.events.subscribe(&thread_topic(id));
        reads::thread_by_id(ctx, id).await?;
        let viewer: Viewer = ctx.viewer().clone();
        Ok(events.filter_map(move |event| {
            let state = state.clone();
            let viewer = viewer.clone();
            async move {
                let Event::CommentAdded { comment_id, .. } = event else {
                    return None;
                };
                visible_comment(&state, &viewer, comment_id).await
            }
        }))
    }
}

/// The comment as the viewer may read it now; `None` when they no longer may.
async fn visible_comment(state: &AppState, viewer: &Viewer, comment_id: Uuid) -> Option<Comment> {
    let loaders = Loaders::new(&state.db, viewer.member_id(), Caching::PerRequest);
    let row = loaders
        .comments()
        .load_one(comment_id)
        .await
        .ok()
        .flatten()?;
    let thread = loaders
        .threads()
        .load_one(row.thread_id)
        .await
        .ok()
        .flatten()?;
    let access = reads::access_with(&loaders, viewer, thread).await.ok()?;
    access.ensure_visible().ok()?;
    Some(Comment::new(row, Arc::new(access)))
}
