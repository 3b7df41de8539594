//! GraphQL types of discussions. A `Comment` carries its thread's access (shared by every
//! comment of a page) so each field decides what this viewer may see: a tombstone hides body
//! and author, a hidden comment shows its text only to its author and the moderators.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{comment, comment_revision, reaction, report};
use futures_util::FutureExt as _;
use tokio::sync::OnceCell;

use crate::graphql::scalars;
use crate::organisations::types::{Organisation, SpeakingAs};
use crate::{
    discussions::{policy::ThreadAccess, reads},
    error::{AppError, AppResult},
    graphql::{context::ContextExt, pagination::Page},
    groups::{
        self,
        types::{Group, Topic, map_enum},
    },
    ids,
    members::types::Member,
    notifications::{graphql::WatchLevel, watch::Watched},
};
use entity::watch::Level;

/// The reactions a comment can get.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReactionKind {
    Like,
    Insightful,
    Agree,
    Disagree,
}

map_enum!(reaction::Kind => ReactionKind { Like, Insightful, Agree, Disagree });

/// What a report is about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportSubject {
    Thread,
    Comment,
}

map_enum!(report::SubjectType => ReportSubject { Thread, Comment });

/// How many members reacted one way.
#[derive(SimpleObject)]
pub struct ReactionCount {
    pub kind: ReactionKind,
    pub count: u64,
}

/// A discussion thread.
pub struct Thread {
    pub access: Arc<ThreadAccess>,
}

impl Thread {
    fn is_deleted(&self) -> bool {
        self.access.thread.deleted_at.is_some()
    }
}

#[Object]
impl Thread {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Thread, self.access.thread.id)
    }

    async fn group(&self, ctx: &Context<'_>) -> AppResult<Group> {
        groups::reads::group_by_id(ctx, self.access.thread.group_id)
            .boxed()
            .await
    }

    /// Whom the thread speaks for, as its author chose when writing it.
    async fn speaking_as(&self) -> SpeakingAs {
        self.access.thread.speaking_as.into()
    }

    /// The organisation shown with the thread: the author's employer (`AFFILIATED`) or the
    /// organisation speaking (`ON_BEHALF`), as it was when written; null when `PRIVATE` or
    /// when its text is gone.
    async fn organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        Organisation::of_post(
            ctx,
            self.access.thread.speaking_as,
            self.access.thread.organisation_id,
            self.is_deleted(),
        )
        .await
    }

    /// The author's title at the organisation when they wrote it (`AFFILIATED` only).
    async fn role_title(&self) -> Option<&str> {
        self.access
            .thread
            .role_title
            .as_deref()
            .filter(|_| !self.is_deleted())
    }

    /// Null when the thread was deleted or the account is gone.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(
            ctx,
            self.access.thread.author_id.filter(|_| !self.is_deleted()),
        )
        .await
    }

    /// Null when deleted.
    async fn title(&self) -> Option<&str> {
        (!self.is_deleted()).then_some(self.access.thread.title.as_str())
    }

    /// Markdown as written; null when deleted.
    async fn body(&self) -> Option<&str> {
        (!self.is_deleted()).then_some(self.access.thread.body.as_str())
    }

    /// The body rendered to sanitised HTML; null when deleted.
    async fn body_html(&self) -> Option<&str> {
        (!self.is_deleted()).then_some(self.access.thread.body_html.as_str())
    }

    async fn topics(&self, ctx: &Context<'_>) -> AppResult<Vec<Topic>> {
        let topics = ctx
            .loaders()?
            .thread_topics()
            .load_one(self.access.thread.id)
            .await?;
        Ok(topics
            .unwrap_or_default()
            .into_iter()
            .map(Topic::from)
            .collect())
    }

    /// Pinned threads come first in the group's list.
    async fn pinned(&self) -> bool {
        self.access.thread.pinned
    }

    /// A locked thread takes no new comments.
    async fn locked(&self) -> bool {
        self.access.thread.locked
    }

    /// Deleted by its author or a moderator.
    async fn deleted(&self) -> bool {
        self.is_deleted()
    }

    /// How closely the viewer follows this thread: their own level for it, else their group's,
    /// else `NORMAL`; null when signed out.
    async fn viewer_watch_level(&self, ctx: &Context<'_>) -> AppResult<Option<WatchLevel>> {
        if ctx.viewer().identity().is_none() {
            return Ok(None);
        }
        let thread = &self.access.thread;
        let loaders = ctx.loaders()?;
        let (own, group) = futures_util::try_join!(
            loaders.watch_levels().load_one(Watched::Thread(thread.id)),
            loaders
                .watch_levels()
                .load_one(Watched::Group(thread.group_id)),
        )?;
        Ok(Some(own.or(group).unwrap_or(Level::Normal).into()))
    }

    /// Comments that are not deleted, replies included.
    async fn comment_count(&self, ctx: &Context<'_>) -> AppResult<u64> {
        Ok(ctx
            .loaders()?
            .comment_counts()
            .load_one(self.access.thread.id)
            .await?
            .unwrap_or(0))
    }

    /// The last new comment, or the creation.
    async fn last_activity_at(&self) -> scalars::DateTime {
        (self.access.thread.last_activity_at).into()
    }

    /// Whether the viewer may edit the thread (its author).
    async fn viewer_can_edit(&self) -> bool {
        self.access.can_edit_thread()
    }

    /// Whether the viewer may lock, pin and hide here.
    async fn viewer_can_moderate(&self) -> bool {
        self.access.is_moderator()
    }

    /// Top-level comments, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Comment>> {
        reads::top_level_comments(ctx, &self.access, first, after)
            .boxed()
            .await
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.access.thread.created_at).into()
    }

    /// When the author last edited it.
    async fn edited_at(&self) -> Option<scalars::DateTime> {
        (self.access.thread.edited_at).map(Into::into)
    }
}

/// A comment, or a reply to one. A page whose selection shows no field of [`comment::Details`]
/// reads its comments' listed columns alone; a comment read so reads its details through the
/// comment loader (one statement for the page) for the first field that shows one.
pub struct Comment {
    pub row: comment::Listed,
    details: OnceCell<comment::Details>,
    pub access: Arc<ThreadAccess>,
}

impl Comment {
    /// A comment read whole.
    pub fn new(model: comment::Model, access: Arc<ThreadAccess>) -> Self {
        let (row, details) = model.split();
        Self {
            row,
            details: OnceCell::new_with(Some(details)),
            access,
        }
    }

    /// A comment read by its listed columns.
    pub fn listed(row: comment::Listed, access: Arc<ThreadAccess>) -> Self {
        Self {
            row,
            details: OnceCell::new(),
            access,
        }
    }

    async fn details(&self, ctx: &Context<'_>) -> AppResult<&comment::Details> {
        self.details
            .get_or_try_init(|| async {
                let model = ctx
                    .loaders()?
                    .comments()
                    .load_one(self.row.id)
                    .await?
                    .ok_or(AppError::NotFound("Comment"))?;
                Ok(model.split().1)
            })
            .await
    }

    fn text_visible(&self) -> bool {
        self.row.deleted_at.is_none()
            && (self.row.hidden_at.is_none() || self.access.can_see_hidden(&self.row))
    }
}

/// A quoted passage, kept as it was when quoted.
pub struct Quote {
    excerpt: String,
    source_id: uuid::Uuid,
    access: Arc<ThreadAccess>,
}

#[Object]
impl Quote {
    /// The quoted words.
    async fn excerpt(&self) -> &str {
        &self.excerpt
    }

    /// The quoted comment; null when the thread's own body was quoted.
    async fn comment(&self, ctx: &Context<'_>) -> AppResult<Option<Comment>> {
        let row = ctx.loaders()?.comments().load_one(self.source_id).await?;
        Ok(row.map(|row| Comment::new(row, self.access.clone())))
    }
}

#[Object]
impl Comment {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Comment, self.row.id)
    }

    async fn thread(&self) -> Thread {
        Thread {
            access: self.access.clone(),
        }
    }

    /// Whom the comment speaks for, as its author chose when writing it.
    async fn speaking_as(&self, ctx: &Context<'_>) -> AppResult<SpeakingAs> {
        Ok(self.details(ctx).await?.speaking_as.into())
    }

    /// The organisation shown with the comment: the author's employer (`AFFILIATED`) or the
    /// organisation speaking (`ON_BEHALF`), as it was when written; null when `PRIVATE` or
    /// when its text is gone.
    async fn organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        if !self.text_visible() {
            return Ok(None);
        }
        let details = self.details(ctx).await?;
        Organisation::of_post(ctx, details.speaking_as, details.organisation_id, false).await
    }

    /// The author's title at the organisation when they wrote it (`AFFILIATED` only).
    async fn role_title(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        if !self.text_visible() {
            return Ok(None);
        }
        Ok(self.details(ctx).await?.role_title.as_deref())
    }

    /// Null for a deleted comment or a gone account.
    async fn author(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(
            ctx,
            self.row.author_id.filter(|_| self.row.deleted_at.is_none()),
        )
        .await
    }

    /// The comment this one replies to.
    async fn parent(&self, ctx: &Context<'_>) -> AppResult<Option<Comment>> {
        let Some(parent) = self.row.parent_id else {
            return Ok(None);
        };
        let row = ctx.loaders()?.comments().load_one(parent).await?;
        Ok(row.map(|row| Comment::new(row, self.access.clone())))
    }

    /// Markdown as written; null when deleted, or hidden by a moderator (except to its author
    /// and the moderators).
    async fn body(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        if !self.text_visible() {
            return Ok(None);
        }
        Ok(Some(self.details(ctx).await?.body.as_str()))
    }

    /// The body rendered to sanitised HTML; null like `body`.
    async fn body_html(&self) -> Option<&str> {
        self.text_visible().then_some(self.row.body_html.as_str())
    }

    /// The passage this comment quotes.
    async fn quote(&self, ctx: &Context<'_>) -> AppResult<Option<Quote>> {
        if !self.text_visible() {
            return Ok(None);
        }
        let details = self.details(ctx).await?;
        Ok(match (&details.quote_excerpt, details.quote_source_id) {
            (Some(excerpt), Some(source_id)) => Some(Quote {
                excerpt: excerpt.clone(),
                source_id,
                access: self.access.clone(),
            }),
            _ => None,
        })
    }

    /// 0 for a top-level comment, one more for each level of reply.
    async fn depth(&self) -> i32 {
        self.row.depth
    }

    /// Direct replies, deleted ones included (they keep their place).
    async fn reply_count(&self, ctx: &Context<'_>) -> AppResult<u64> {
        Ok(ctx
            .loaders()?
            .reply_counts()
            .load_one(self.row.id)
            .await?
            .unwrap_or(0))
    }

    /// Direct replies, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn replies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Comment>> {
        reads::replies(ctx, &self.access, self.row.id, first, after)
            .boxed()
            .await
    }

    /// Reaction counts by kind (kinds nobody chose are left out).
    async fn reactions(&self, ctx: &Context<'_>) -> AppResult<Vec<ReactionCount>> {
        let counts = ctx
            .loaders()?
            .reaction_counts()
            .load_one(self.row.id)
            .await?;
        let mut counts: Vec<ReactionCount> = counts
            .unwrap_or_default()
            .into_iter()
            .map(|(kind, count)| ReactionCount {
                kind: kind.into(),
                count,
            })
            .collect();
        counts.sort_by_key(|c| c.kind as u8);
        Ok(counts)
    }

    /// The viewer's own reactions.
    async fn viewer_reactions(&self, ctx: &Context<'_>) -> AppResult<Vec<ReactionKind>> {
        let Some(viewer) = ctx.viewer().member_id() else {
            return Ok(Vec::new());
        };
        let mine = ctx
            .loaders()?
            .viewer_reactions()
            .load_one((self.row.id, viewer))
            .await?;
        let mut mine: Vec<ReactionKind> = mine
            .unwrap_or_default()
            .into_iter()
            .map(ReactionKind::from)
            .collect();
        mine.sort_by_key(|kind| *kind as u8);
        Ok(mine)
    }

    /// Whether the viewer may edit it (its author).
    async fn viewer_can_edit(&self) -> bool {
        self.access.ensure_can_edit_comment(&self.row).is_ok()
    }

    /// When the author last edited it.
    async fn edited_at(&self) -> Option<scalars::DateTime> {
        (self.row.edited_at).map(Into::into)
    }

    /// Earlier versions, oldest first: for the author and the moderators, null for others.
    async fn revisions(&self, ctx: &Context<'_>) -> AppResult<Option<Vec<CommentRevision>>> {
        if !self.access.can_see_revisions(&self.row) {
            return Ok(None);
        }
        let revisions = ctx.loaders()?.revisions().load_one(self.row.id).await?;
        Ok(Some(
            revisions
                .unwrap_or_default()
                .into_iter()
                .map(CommentRevision)
                .collect(),
        ))
    }

    /// Deleted by its author or a moderator: a tombstone that keeps its replies.
    async fn deleted(&self) -> bool {
        self.row.deleted_at.is_some()
    }

    /// Hidden by a moderator.
    async fn hidden(&self) -> bool {
        self.row.hidden_at.is_some()
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.row.created_at).into()
    }
}

/// An earlier version of a comment.
pub struct CommentRevision(pub comment_revision::Model);

#[Object]
impl CommentRevision {
    /// Opaque global id.
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::CommentRevision, self.0.id)
    }

    /// The text as it was; null when a moderator redacted it.
    async fn body(&self) -> Option<&str> {
        self.0.redacted_at.is_none().then_some(self.0.body.as_str())
    }

    async fn redacted(&self) -> bool {
        self.0.redacted_at.is_some()
    }

    /// When this version was replaced.
    async fn created_at(&self) -> scalars::DateTime {
        (self.0.created_at).into()
    }
}

/// A member's report, as the moderators see it.
pub struct ModerationReport {
    pub row: report::Model,
}

#[Object]
impl ModerationReport {
    /// Opaque global id.
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::Report, self.row.id)
    }

    async fn subject_type(&self) -> ReportSubject {
        self.row.subject_type.into()
    }

    /// The reported thread, or the thread of the reported comment.
    async fn thread(&self, ctx: &Context<'_>) -> AppResult<Thread> {
        let thread_id = match self.row.subject_type {
            report::SubjectType::Thread => self.row.subject_id,
            report::SubjectType::Comment => {
                ctx.loaders()?
                    .comments()
                    .load_one(self.row.subject_id)
                    .await?
                    .ok_or(AppError::NotFound("Comment"))?
                    .thread_id
            }
        };
        reads::thread_by_id(ctx, thread_id).boxed().await
    }

    /// The reported comment, when a comment was reported.
    async fn comment(&self, ctx: &Context<'_>) -> AppResult<Option<Comment>> {
        if self.row.subject_type != report::SubjectType::Comment {
            return Ok(None);
        }
        reads::comment_by_id(ctx, self.row.subject_id)
            .boxed()
            .await
            .map(Some)
    }

    /// Who reported it.
    async fn reporter(&self, ctx: &Context<'_>) -> AppResult<Member> {
        Member::load_required(ctx, self.row.reporter_id).await
    }

    async fn reason(&self) -> &str {
        &self.row.reason
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.row.created_at).into()
    }

    async fn resolved(&self) -> bool {
        self.row.resolved_at.is_some()
    }
}
