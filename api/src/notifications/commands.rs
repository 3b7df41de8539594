//! Writing notifications and marking them read.
//!
//! Every event is written by one statement whatever the number of recipients: `INSERT … SELECT`
//! over the `member` table, keeping only members who may read the group and have not muted the
//! place, with `ON CONFLICT` on the unread `(member, kind, fold key)` folding the event into the
//! notification a member has not read yet (count + 1, latest actor and subject). The statement
//! runs inside the causing change's transaction, or in a queued job for fan-out to watchers
//! (`watch`), and returns the events to publish once that commits.

use chrono::{DateTime, Utc};
use entity::{
    member,
    notification::{self, Kind},
    watch::{self, Level},
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    sea_query::{
        Alias, Expr, ExprTrait, Func, IntoColumnRef, OnConflict, Query, ReturningClause,
        SelectStatement, SimpleExpr,
    },
};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    events::Event,
    groups::policy::readers_of,
    ids,
    notifications::reads,
    state::AppState,
};

/// What a notification is about: the group it happened in and, as the kind says, the thread,
/// comment, meetup, or the membership, invitation or report (`subject_id`).
#[derive(Clone, Copy, Debug, Default)]
pub struct About {
    pub group_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub meetup_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
}

/// One event to tell members of.
#[derive(Clone, Copy, Debug)]
pub struct Notice {
    pub kind: Kind,
    /// Who acted; never notified of their own action.
    pub actor: Option<Uuid>,
    pub about: About,
}

impl Notice {
    /// What unread notifications of this kind fold by: the thread for what happens in one, the
    /// group for new threads and join requests, the meetup for its changes. Kinds about one
    /// person's own membership, invitation or report never fold.
    fn fold_key(&self) -> Option<Uuid> {
        match self.kind {
            Kind::Reply | Kind::Quote | Kind::Mention | Kind::NewComment => self.about.thread_id,
            Kind::NewThread | Kind::JoinRequest => Some(self.about.group_id),
            Kind::MeetupChanged | Kind::MeetupPublished => self.about.meetup_id,
            Kind::MeetupCancelled
            | Kind::PromotedFromWaitlist
            | Kind::MembershipApproved
            | Kind::Invitation
            | Kind::RoleChanged
            | Kind::ReportResolved
            | Kind::ContentHidden => None,
        }
    }

    /// Whether a member's `MUTED` on the group (or the thread) silences this kind. What is
    /// about the member's own standing (their seat, membership, role, report, hidden comment) or
    /// asks for their action as an organiser is always told.
    fn mutable(&self) -> bool {
        matches!(
            self.kind,
            Kind::Reply
                | Kind::Quote
                | Kind::Mention
                | Kind::NewThread
                | Kind::NewComment
                | Kind::MeetupPublished
        )
    }
}

/// Tells `notice` to the members `recipients` selects (a query of member ids): never its
/// actor, only members who may read its group (but for an invitation), not those who muted its place, and not a member
/// this same comment (or thread) already notified under another kind, so a reply that also
/// mentions its addressee is one notification. One statement.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    notice: Notice,
    recipients: SelectStatement,
) -> AppResult<Vec<Event>> {
    notify_times(db, notice, recipients, 1).await
}

/// [`notify`] for `times` events at once (a burst of comments one fan-out covers): a new
/// notification counts them all, an unread one grows by as many.
pub async fn notify_times<C: ConnectionTrait>(
    db: &C,
    notice: Notice,
    recipients: SelectStatement,
    times: i32,
) -> AppResult<Vec<Event>> {
    let now = Utc::now();
    let about = notice.about;
    let mut select = Query::select();
    select
        .expr(new_id(db.get_database_backend()))
        .column((member::Entity, member::Column::Id))
        .expr(Expr::val(notice.kind.to_value()))
        .expr(Expr::val(notice.actor))
        .expr(Expr::val(about.group_id))
        .expr(Expr::val(about.thread_id))
        .expr(Expr::val(about.comment_id))
        .expr(Expr::val(about.meetup_id))
        .expr(Expr::val(about.subject_id))
        .expr(Expr::val(notice.fold_key()))
        .expr(Expr::val(times))
        .expr(Expr::val(now))
        .expr(Expr::val(now))
        .from(member::Entity)
        .and_where(Expr::col((member::Entity, member::Column::Id)).in_subquery(recipients));
    // An invitation is what lets its member read a members-only group: it is told first.
    if notice.kind != Kind::Invitation {
        select.cond_where(readers_of(about.group_id));
    }
    if let Some(actor) = notice.actor {
        select.and_where(Expr::col((member::Entity, member::Column::Id)).ne(actor));
    }
    if notice.mutable() {
        select.and_where(effective_level(about).ne(Level::Muted.to_value()));
    }
    if let Some(earlier) = already_told(notice) {
        select.and_where(Expr::exists(earlier).not());
    }
    let mut insert = Query::insert();
    insert
        .into_table(notification::Entity)
        .columns([
            notification::Column::Id,
            notification::Column::MemberId,
            notification::Column::Kind,
            notification::Column::ActorId,
            notification::Column::GroupId,
            notification::Column::ThreadId,
            notification::Column::CommentId,
            notification::Column::MeetupId,
            notification::Column::SubjectId,
            notification::Column::FoldKey,
            notification::Column::Count,
            notification::Column::CreatedAt,
            notification::Column::UpdatedAt,
        ])
        .select_from(select)
        .map_err(|err| AppError::Internal(err.to_string()))?
        .on_conflict(
            OnConflict::columns([
                notification::Column::MemberId,
                notification::Column::Kind,
                notification::Column::FoldKey,
            ])
            .target_and_where(Expr::col(notification::Column::ReadAt).is_null())
            .value(
                notification::Column::Count,
                Expr::col((notification::Entity, notification::Column::Count)).add(Expr::col((
                    Alias::new("excluded"),
                    notification::Column::Count,
                ))),
            )
            .update_columns([
                notification::Column::ActorId,
                notification::Column::ThreadId,
                notification::Column::CommentId,
                notification::Column::MeetupId,
                notification::Column::SubjectId,
                notification::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .returning(ReturningClause::Columns(vec![
            notification::Column::Id.into_column_ref(),
            notification::Column::MemberId.into_column_ref(),
        ]));
    let rows = db.query_all(&insert).await?;
    rows.iter()
        .map(|row| {
            Ok(Event::NotificationChanged {
                notification_id: row.try_get::<Uuid>("", "id")?,
                member_id: row.try_get::<Uuid>("", "member_id")?,
            })
        })
        .collect()
}

/// Tells `notice` to the members `members`, as [`notify`] does.
pub async fn notify_members<C: ConnectionTrait>(
    db: &C,
    notice: Notice,
    members: impl IntoIterator<Item = Uuid>,
) -> AppResult<Vec<Event>> {
    let members: Vec<Uuid> = members.into_iter().collect();
    if members.is_empty() {
        return Ok(Vec::new());
    }
    notify(db, notice, these(members)).await
}

/// The members `ids`, as recipients.
pub fn these(ids: impl IntoIterator<Item = Uuid>) -> SelectStatement {
    Query::select()
        .column(member::Column::Id)
        .from(member::Entity)
        .and_where(member::Column::Id.is_in(ids))
        .to_owned()
}

/// A new notification's key: the time of the event (the 48-bit millisecond prefix of a UUIDv7,
/// so the inbox stays in order) and 80 random bits drawn by the database per row, as SQL cannot
/// call back into Rust for each recipient.
fn new_id(backend: DbBackend) -> SimpleExpr {
    // Twelve hex digits of our own making: safe to write into the SQL.
    let prefix: String = ids::new_key()
        .simple()
        .to_string()
        .chars()
        .take(12)
        .collect();
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "CAST('{prefix}' || SUBSTR(REPLACE(CAST(gen_random_uuid() AS text), '-', ''), 13) AS uuid)"
        )),
        _ => Expr::cust(format!("unhex('{prefix}' || hex(randomblob(10)))")),
    }
}

/// The member's level for where `about` happened: the thread's own when they set one, else the
/// group's, else `NORMAL`.
fn effective_level(about: About) -> SimpleExpr {
    let member_id = Expr::col((member::Entity, member::Column::Id));
    let mut levels: Vec<SimpleExpr> = Vec::new();
    if let Some(thread_id) = about.thread_id {
        levels.push(SimpleExpr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column(watch::thread::Column::Level)
                    .from(watch::thread::Entity)
                    .and_where(
                        Expr::col((watch::thread::Entity, watch::thread::Column::MemberId))
                            .eq(member_id.clone()),
                    )
                    .and_where(watch::thread::Column::ThreadId.eq(thread_id))
                    .to_owned()
                    .into(),
            ),
        ));
    }
    levels.push(SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column(watch::group::Column::Level)
                .from(watch::group::Entity)
                .and_where(
                    Expr::col((watch::group::Entity, watch::group::Column::MemberId)).eq(member_id),
                )
                .and_where(watch::group::Column::GroupId.eq(about.group_id))
                .to_owned()
                .into(),
        ),
    ));
    levels.push(Expr::val(Level::Normal.to_value()));
    Func::coalesce(levels).into()
}

/// The member's notifications of another kind about the same comment (or the same thread, for
/// a thread's own body), written by this same event a moment ago.
fn already_told(notice: Notice) -> Option<SelectStatement> {
    let earlier = Alias::new("earlier");
    let mut select = Query::select();
    select
        .expr(Expr::val(1))
        .from_as(notification::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), notification::Column::MemberId))
                .equals((member::Entity, member::Column::Id)),
        )
        .and_where(
            Expr::col((earlier.clone(), notification::Column::Kind)).ne(notice.kind.to_value()),
        );
    match (notice.about.comment_id, notice.about.thread_id, notice.kind) {
        (Some(comment), _, _) => {
            select.and_where(Expr::col((earlier, notification::Column::CommentId)).eq(comment));
        }
        (None, Some(thread), Kind::Mention | Kind::NewThread) => {
            select
                .and_where(Expr::col((earlier.clone(), notification::Column::ThreadId)).eq(thread))
                .and_where(Expr::col((earlier, notification::Column::CommentId)).is_null());
        }
        _ => return None,
    }
    Some(select)
}

/// Whom a new comment concerns besides its author: the author of what it answers, of what it
/// quotes, and the members it mentions.
pub struct CommentConcerns {
    /// The parent comment's author, or the thread's for a top-level comment.
    pub answered: Option<Uuid>,
    /// The quoted comment's (or thread's) author.
    pub quoted: Option<Uuid>,
    pub mentioned: Vec<Uuid>,
}

/// Tells the members a new comment concerns: `REPLY` to the answered author, `QUOTE` to the
/// quoted one, `MENTION` to the mentioned; each member once, by the first of these that fits.
/// At most three statements, whatever the thread's size.
pub async fn comment_posted<C: ConnectionTrait>(
    db: &C,
    thread: &entity::thread::Model,
    comment: &entity::comment::Model,
    concerns: CommentConcerns,
) -> AppResult<Vec<Event>> {
    let about = About {
        group_id: thread.group_id,
        thread_id: Some(thread.id),
        comment_id: Some(comment.id),
        ..About::default()
    };
    let notice = |kind| Notice {
        kind,
        actor: comment.author_id,
        about,
    };
    let mut events = notify_members(db, notice(Kind::Reply), concerns.answered).await?;
    events.extend(notify_members(db, notice(Kind::Quote), concerns.quoted).await?);
    events.extend(notify_members(db, notice(Kind::Mention), concerns.mentioned).await?);
    Ok(events)
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
