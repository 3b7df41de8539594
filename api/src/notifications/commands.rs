//! Writing notifications (inside the causing change's transaction) and marking them read.

use chrono::{DateTime, Utc};
use entity::{
    comment, interest_group,
    notification::{self, Kind},
    thread,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer, error::AppResult, events::Event, groups::policy::readable_groups, ids,
    notifications::reads, state::AppState,
};

/// Whom a new comment concerns besides its author: the author of what it answers, and of what
/// it quotes.
pub struct CommentConcerns {
    /// The parent comment's author, or the thread's for a top-level comment.
    pub answered: Option<Uuid>,
    /// The quoted comment's (or thread's) author.
    pub quoted: Option<Uuid>,
}

/// Tells the members a new comment answers or quotes: `REPLY` to the answered author, `QUOTE`
/// to the quoted one (only `REPLY` when they are the same member), never the comment's own
/// author, and only members who may read the thread's group. Each is folded into the member's
/// unread notification of that kind in the thread when there is one. Returns the events to
/// publish once the transaction commits.
pub async fn comment_posted<C: ConnectionTrait>(
    db: &C,
    thread: &thread::Model,
    comment: &comment::Model,
    concerns: CommentConcerns,
) -> AppResult<Vec<Event>> {
    let mut recipients = Vec::new();
    if let Some(member) = concerns.answered {
        recipients.push((member, Kind::Reply));
    }
    if let Some(member) = concerns.quoted
        && concerns.answered != Some(member)
    {
        recipients.push((member, Kind::Quote));
    }
    let mut events = Vec::new();
    for (member, kind) in recipients {
        if Some(member) == comment.author_id {
            continue;
        }
        // The common case in a lively thread, in one statement: fold into the unread one.
        let notification_id = match fold(db, member, kind, thread, comment).await? {
            Some(id) => id,
            None if may_read(db, member, thread.group_id).await? => {
                start(db, member, kind, thread, comment).await?
            }
            None => continue,
        };
        events.push(Event::NotificationChanged {
            member_id: member,
            notification_id,
        });
    }
    Ok(events)
}

async fn may_read<C: ConnectionTrait>(db: &C, member: Uuid, group: Uuid) -> AppResult<bool> {
    let readable = interest_group::Entity::find()
        .filter(interest_group::Column::Id.eq(group))
        .filter(readable_groups(interest_group::Column::Id, member, false))
        .count(db)
        .await?;
    Ok(readable > 0)
}

/// Folds the event into the member's unread notification of `kind` in the thread, if there is
/// one and the member may still read the group; returns its id. Unread is checked by the update
/// itself, so a concurrent "mark read" never has a new event swallowed into a read notification.
async fn fold<C: ConnectionTrait>(
    db: &C,
    member: Uuid,
    kind: Kind,
    thread: &thread::Model,
    comment: &comment::Model,
) -> AppResult<Option<Uuid>> {
    let folded = notification::Entity::update_many()
        .col_expr(
            notification::Column::Count,
            Expr::col(notification::Column::Count).add(1),
        )
        .col_expr(
            notification::Column::ActorId,
            Expr::value(comment.author_id),
        )
        .col_expr(
            notification::Column::CommentId,
            Expr::value(Some(comment.id)),
        )
        .col_expr(notification::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(notification::Column::MemberId.eq(member))
        .filter(notification::Column::ThreadId.eq(thread.id))
        .filter(notification::Column::Kind.eq(kind))
        .filter(notification::Column::ReadAt.is_null())
        .filter(readable_groups(
            notification::Column::GroupId,
            member,
            false,
        ))
        .exec_with_returning(db)
        .await?;
    Ok(folded.first().map(|row| row.id))
}

/// A new unread notification; returns its id.
async fn start<C: ConnectionTrait>(
    db: &C,
    member: Uuid,
    kind: Kind,
    thread: &thread::Model,
    comment: &comment::Model,
) -> AppResult<Uuid> {
    let now = Utc::now();
    let id = ids::new_key();
    notification::Entity::insert(notification::ActiveModel {
        id: Set(id),
        member_id: Set(member),
        kind: Set(kind),
        actor_id: Set(comment.author_id),
        group_id: Set(thread.group_id),
        thread_id: Set(thread.id),
        comment_id: Set(Some(comment.id)),
        count: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        read_at: Set(None),
    })
    .exec(db)
    .await?;
    Ok(id)
}

/// Marks the viewer's notifications `ids` read (others' ids, and ids already read, change
/// nothing); returns the viewer's unread count after.
pub async fn mark_read(state: &AppState, viewer: &Viewer, ids: &[Uuid]) -> AppResult<u64> {
    let identity = viewer.require()?;
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(notification::Column::MemberId.eq(identity.member_id))
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?;
    reads::unread_count(&state.db, identity).await
}

/// Marks every notification of the viewer read, or those last changed at or before `before`
/// (the moment the client's list was drawn, so later ones stay unread); returns the unread
/// count after.
pub async fn mark_all_read(
    state: &AppState,
    viewer: &Viewer,
    before: Option<DateTime<Utc>>,
) -> AppResult<u64> {
    let identity = viewer.require()?;
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(notification::Column::MemberId.eq(identity.member_id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(before) = before {
        update = update.filter(notification::Column::UpdatedAt.lte(before));
    }
    update.exec(&state.db).await?;
    reads::unread_count(&state.db, identity).await
}
