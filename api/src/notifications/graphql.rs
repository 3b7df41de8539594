//! The inbox over GraphQL: `notifications`, `Member.unreadNotificationCount` (in `members`),
//! and marking read.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::notification;
use futures_util::{Stream, StreamExt};

use crate::{
    discussions::{
        reads as discussions,
        types::{Comment, Thread},
    },
    error::AppResult,
    events::{Event, notifications_topic},
    graphql::{
        context::ContextExt,
        pagination::{self, Page},
    },
    ids,
    members::types::Member,
    notifications::{commands, reads},
};

/// What a notification tells of.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// Someone answered your comment, or your thread at its top level.
    Reply,
    /// Someone quoted your comment or thread.
    Quote,
}

impl From<notification::Kind> for NotificationKind {
    fn from(kind: notification::Kind) -> Self {
        match kind {
            notification::Kind::Reply => Self::Reply,
            notification::Kind::Quote => Self::Quote,
        }
    }
}

/// Something that happened to the viewer or their writing. While unread, later events of the
/// same kind in the same thread fold into it: `count` grows and `actor` and `comment` name the
/// latest.
pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::Notification, self.0.id)
    }

    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }

    /// Events folded into this one since it was last read.
    async fn count(&self) -> i32 {
        self.0.count
    }

    /// Who acted last; null once their account is gone.
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(ctx, self.0.actor_id).await
    }

    /// Where it happened; null when the viewer may no longer read it.
    async fn thread(&self, ctx: &Context<'_>) -> Option<Thread> {
        discussions::thread_by_id(ctx, self.0.thread_id).await.ok()
    }

    /// The latest comment it is about; null once the comment is gone or may not be read.
    async fn comment(&self, ctx: &Context<'_>) -> Option<Comment> {
        let id = self.0.comment_id?;
        discussions::comment_by_id(ctx, id).await.ok()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the last event folded in.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The viewer's notifications, newest first; only the unread ones with `unreadOnly`.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] unread_only: bool,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Notification>> {
        reads::notifications(ctx, unread_only, first, after).await
    }
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks the viewer's notifications read (ids that are not the viewer's, or already read,
    /// change nothing). Returns the unread count after.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_items = 100))] ids: Vec<ID>,
    ) -> AppResult<u64> {
        let ids = ids
            .iter()
            .map(|id| ids::decode_as(id, ids::Kind::Notification, "Notification"))
            .collect::<AppResult<Vec<_>>>()?;
        commands::mark_read(ctx.state()?, ctx.viewer(), &ids).await
    }

    /// Marks all the viewer's notifications read, or those that last changed at or before
    /// `before` (when the client's list was drawn, so newer ones stay unread). Returns the unread
    /// count after.
    async fn mark_all_notifications_read(
        &self,
        ctx: &Context<'_>,
        before: Option<DateTime<Utc>>,
    ) -> AppResult<u64> {
        commands::mark_all_read(ctx.state()?, ctx.viewer(), before).await
    }
}

/// A notification as it arrives or changes, with the member's unread count after.
#[derive(SimpleObject)]
pub struct NotificationUpdate {
    pub notification: Notification,
    pub unread_count: u64,
}

#[derive(Default)]
pub struct NotificationsSubscription;

#[Subscription]
impl NotificationsSubscription {
    /// The signed-in member's notifications as they are created or another event folds into
    /// them, from any replica, each with the unread count after; only those the member may
    /// read when they arrive.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = NotificationUpdate> + use<>> {
        let identity = ctx.viewer().require()?.clone();
        let state = ctx.state()?.clone();
        let events = state
            .events
            .subscribe(&notifications_topic(identity.member_id));
        Ok(events.filter_map(move |event| {
            let state = state.clone();
            let identity = identity.clone();
            async move {
                let Event::NotificationChanged {
                    notification_id, ..
                } = event
                else {
                    return None;
                };
                let row = reads::one(&state.db, &identity, notification_id)
                    .await
                    .ok()
                    .flatten()?;
                let unread_count = reads::unread_count(&state.db, &identity).await.ok()?;
                Some(NotificationUpdate {
                    notification: Notification(row),
                    unread_count,
                })
            }
        }))
    }
}
