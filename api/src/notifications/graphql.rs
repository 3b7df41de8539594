//! The inbox over GraphQL: `notifications`, `Member.unreadNotificationCount` (in `members`),
//! and marking read.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription, Union};
use chrono::{DateTime, Utc};
use entity::notification::{self, Kind};
use futures_util::{FutureExt as _, Stream, StreamExt};
use uuid::Uuid;

use crate::{
    discussions::{
        reads as discussions,
        types::{Comment, Thread},
    },
    error::{AppError, AppResult},
    events::{Event, notifications_topic},
    graphql::{
        context::ContextExt,
        pagination::{self, Page},
    },
    groups::{
        self,
        types::{Group, Invitation, Membership},
    },
    ids,
    meetups::{self, types::Meetup},
    members::types::Member,
    notifications::{
        commands, reads,
        watch::{self, Watched},
    },
};

/// What a notification tells of.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::notification::Kind")]
pub enum NotificationKind {
    /// Someone answered your comment, or your thread at its top level.
    Reply,
    /// Someone quoted your comment or thread.
    Quote,
    /// Someone wrote your `@handle` in a thread or comment.
    Mention,
    /// A new thread in a group you watch.
    NewThread,
    /// A new comment in a thread you watch.
    NewComment,
    /// A meetup was published in one of your groups.
    MeetupPublished,
    /// A meetup you are going to or waiting for was moved or changed.
    MeetupChanged,
    /// A meetup you are going to or waiting for was cancelled.
    MeetupCancelled,
    /// You got a seat off the waitlist.
    PromotedFromWaitlist,
    /// Someone asks to join a group you organise.
    JoinRequest,
    /// Your request to join a group was approved.
    MembershipApproved,
    /// You were invited to a group.
    Invitation,
    /// Your role in a group changed.
    RoleChanged,
    /// A report you made was resolved.
    ReportResolved,
    /// A moderator hid your comment.
    ContentHidden,
}

/// How closely the viewer follows a group or thread.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::watch::Level")]
pub enum WatchLevel {
    /// Every new comment; on a group, every new thread and every comment in its threads.
    Watching,
    /// Replies, quotes and mentions; threads you comment in become tracked.
    Tracking,
    /// Replies, quotes and mentions: the default.
    Normal,
    /// Nothing from there, not even mentions.
    Muted,
}

/// What a notification is about.
#[derive(Union)]
pub enum NotificationSubject {
    Comment(Comment),
    Thread(Thread),
    Meetup(Meetup),
    Membership(Membership),
    Invitation(Invitation),
}

/// Something that happened to the viewer or their writing, or in what they watch. While unread,
/// later events of the same kind about the same thread (or group, or meetup) fold into it:
/// `count` grows and `actor` and `subject` name the latest.
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

    /// The group it happened in.
    async fn group(&self, ctx: &Context<'_>) -> AppResult<Group> {
        groups::reads::group_by_id(ctx, self.0.group_id)
            .boxed()
            .await
    }

    /// What it is about: the comment (or thread) for discussion kinds, the meetup, the
    /// membership (a join request, an approval, a new role) or the invitation. Null once it was
    /// deleted or the viewer may no longer see it; a hidden comment reads as hidden, without
    /// its text, to all but its author.
    async fn subject(&self, ctx: &Context<'_>) -> AppResult<Option<NotificationSubject>> {
        subject(ctx, &self.0).boxed().await
    }

    /// The thread it happened in, for discussion kinds; null when the viewer may no longer
    /// read it.
    async fn thread(&self, ctx: &Context<'_>) -> Option<Thread> {
        discussions::thread_by_id(ctx, self.0.thread_id?)
            .boxed()
            .await
            .ok()
    }

    /// The latest comment it is about; null once the comment is gone or may not be read.
    async fn comment(&self, ctx: &Context<'_>) -> Option<Comment> {
        discussions::comment_by_id(ctx, self.0.comment_id?)
            .boxed()
            .await
            .ok()
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

/// The subject of notification `row`, as `Notification.subject` shows it.
async fn subject(
    ctx: &Context<'_>,
    row: &notification::Model,
) -> AppResult<Option<NotificationSubject>> {
    Ok(match row.kind {
        Kind::JoinRequest => match row.actor_id {
            Some(actor) => membership(ctx, row.group_id, actor).await?,
            None => None,
        },
        Kind::MembershipApproved | Kind::RoleChanged => {
            membership(ctx, row.group_id, row.member_id).await?
        }
        Kind::Invitation => match row.subject_id {
            Some(id) => ctx
                .loaders()?
                .invitations()
                .load_one(id)
                .await?
                .map(|i| NotificationSubject::Invitation(Invitation(i))),
            None => None,
        },
        Kind::MeetupPublished
        | Kind::MeetupChanged
        | Kind::MeetupCancelled
        | Kind::PromotedFromWaitlist => match row.meetup_id {
            Some(id) => meetups::reads::meetup_by_id(ctx, id)
                .await
                .ok()
                .map(NotificationSubject::Meetup),
            None => None,
        },
        _ => match (row.comment_id, row.thread_id) {
            (Some(id), _) => discussions::comment_by_id(ctx, id)
                .await
                .ok()
                .map(NotificationSubject::Comment),
            (None, Some(id)) => discussions::thread_by_id(ctx, id)
                .await
                .ok()
                .map(NotificationSubject::Thread),
            (None, None) => None,
        },
    })
}

/// A member's membership of a group, as a subject.
async fn membership(
    ctx: &Context<'_>,
    group_id: Uuid,
    member_id: Uuid,
) -> AppResult<Option<NotificationSubject>> {
    Ok(ctx
        .loaders()?
        .memberships()
        .load_one((group_id, member_id))
        .await?
        .flatten()
        .map(|m| NotificationSubject::Membership(Membership(m))))
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
        #[graphql(validator(max_items = 15))] kinds: Option<Vec<NotificationKind>>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Notification>> {
        let kinds = kinds.map(|kinds| kinds.into_iter().map(Into::into).collect());
        reads::notifications(ctx, unread_only, kinds, first, after).await
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

    /// Sets how closely the viewer follows a group or thread they may read (`subjectId` is a
    /// Group or Thread id). Returns the level now set.
    async fn set_watch_level(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
        level: WatchLevel,
    ) -> AppResult<WatchLevel> {
        let watched = match ids::decode(&subject_id) {
            Some((ids::Kind::Group, id)) => Watched::Group(id),
            Some((ids::Kind::Thread, id)) => Watched::Thread(id),
            _ => {
                return Err(AppError::bad_input(
                    "subjectId",
                    "Not the id of a group or thread",
                ));
            }
        };
        Ok(
            watch::set_level(ctx.state()?, ctx.viewer(), watched, level.into())
                .await?
                .into(),
        )
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
