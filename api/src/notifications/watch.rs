//! Watch levels, as Discourse has them, per group and per thread: `WATCHING` (every new comment;
//! on a group, every new thread and every comment in its threads), `TRACKING` (replies, quotes
//! and mentions; what a thread becomes for a member who comments in it), `NORMAL` (the same; the
//! default), `MUTED` (nothing from there, not even mentions). A thread's own level wins over its
//! group's. The author of a thread watches it.
//!
//! New threads and comments reach watchers through a queued job (`NOTIFY_WATCHERS_JOB`), so the
//! poster's request runs the same statements with no watcher or ten thousand; the job writes
//! every watcher's notification with one statement, for every comment of the thread not told
//! yet.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::Utc;
use entity::{
    comment,
    notification::Kind,
    thread,
    watch::{self, Level},
};
use sea_orm::{
    ActiveEnum,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement, UnionType},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    db::{Db, begin_write, row_exists},
    error::{AppError, AppResult},
    groups,
    jobs::{self, NewJob},
    notifications::commands::{About, Notice, notify, notify_times},
    state::AppState,
};

/// Tells the watchers of a thread (or of a new thread's group) of a new comment (or thread).
pub const NOTIFY_WATCHERS_JOB: &str = "notify-watchers";

/// What a watch level is set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Watched {
    Group(Uuid),
    Thread(Uuid),
}

/// Sets the viewer's level for a group or thread they may read (`NOT_FOUND` otherwise).
pub async fn set_level(
    state: &AppState,
    viewer: &Viewer,
    watched: Watched,
    level: Level,
) -> AppResult<Level> {
    let identity = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let now = Utc::now();
    match watched {
        Watched::Group(group_id) => {
            let access = groups::commands::access_in(&txn, identity, group_id, false).await?;
            if !access.can_read_content() {
                return Err(AppError::NotFound("Group"));
            }
            watch::group::Entity::insert(watch::group::ActiveModel {
                member_id: Set(identity.member_id),
                group_id: Set(group_id),
                level: Set(level),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    watch::group::Column::MemberId,
                    watch::group::Column::GroupId,
                ])
                .update_columns([watch::group::Column::Level, watch::group::Column::UpdatedAt])
                .to_owned(),
            )
            .exec(&txn)
            .await?;
        }
        Watched::Thread(thread_id) => {
            let thread = thread::Entity::find_by_id(thread_id)
                .one(&txn)
                .await?
                .filter(|t| t.deleted_at.is_none())
                .ok_or(AppError::NotFound("Thread"))?;
            let access =
                groups::commands::access_in(&txn, identity, thread.group_id, false).await?;
            if !access.can_read_content() {
                return Err(AppError::NotFound("Thread"));
            }
            set_thread_level(&txn, identity.member_id, thread_id, level, true).await?;
        }
    }
    txn.commit().await?;
    Ok(level)
}

/// Sets a member's level for a thread; with `replace` false, only when they have none yet (a
/// commenter starts tracking a thread, but one they muted stays muted).
pub async fn set_thread_level<C: ConnectionTrait>(
    db: &C,
    member_id: Uuid,
    thread_id: Uuid,
    level: Level,
    replace: bool,
) -> AppResult<()> {
    let mut on_conflict = OnConflict::columns([
        watch::thread::Column::MemberId,
        watch::thread::Column::ThreadId,
    ]);
    if replace {
        on_conflict.update_columns([
            watch::thread::Column::Level,
            watch::thread::Column::UpdatedAt,
        ]);
    } else {
        on_conflict.do_nothing();
    }
    watch::thread::Entity::insert(watch::thread::ActiveModel {
        member_id: Set(member_id),
        thread_id: Set(thread_id),
        level: Set(level),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(on_conflict.to_owned())
    .try_insert()
    .exec(db)
    .await?;
    Ok(())
}

/// Queues the fan-out of a new comment (or, with `comment` `None`, a new thread) to watchers.
pub async fn enqueue_fan_out<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    thread_id: Uuid,
    comment_id: Option<Uuid>,
) -> AppResult<()> {
    let key = format!("{NOTIFY_WATCHERS_JOB}:{}", comment_id.unwrap_or(thread_id));
    jobs::enqueue(
        state,
        db,
        NewJob::now(
            NOTIFY_WATCHERS_JOB,
            json!({ "thread": thread_id, "comment": comment_id }),
        )
        .key(key),
    )
    .await
}

/// The job: `NEW_THREAD` to the members watching a new thread's group, or `NEW_COMMENT` to
/// those watching a thread for every comment of it not told yet. The job claims those comments
/// (`watchers_told`) in the transaction that writes the notifications, so under a burst the
/// first job covers the comments committed so far with one statement (the count grows by their
/// number) and the jobs of the others find nothing left; a comment deleted or hidden meanwhile
/// is claimed but not counted. Nothing once the thread is gone.
pub async fn fan_out(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let thread_id = payload["thread"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| AppError::internal("the payload has no thread"))?;
    let Some(thread) = thread::Entity::find_by_id(thread_id)
        .one(&state.db)
        .await?
        .filter(|t| t.deleted_at.is_none())
    else {
        return Ok(());
    };
    if serde_json::Value::is_null(&payload["comment"]) {
        let notice = Notice {
            kind: Kind::NewThread,
            actor: thread.author_id,
            about: About {
                group_id: thread.group_id,
                thread_id: Some(thread.id),
                ..About::default()
            },
        };
        let events = notify(&state.db, notice, group_watchers(thread.group_id)).await?;
        state.events.publish_all(events);
        return Ok(());
    }
    let txn = state.db.begin().await?;
    let claimed = comment::Entity::update_many()
        .col_expr(comment::Column::WatchersTold, Expr::value(true))
        .filter(comment::Column::ThreadId.eq(thread.id))
        .filter(comment::Column::WatchersTold.eq(false))
        .exec_with_returning(&txn)
        .await?;
    let told: Vec<&comment::Model> = claimed
        .iter()
        .filter(|c| c.deleted_at.is_none() && c.hidden_at.is_none())
        .collect();
    let Some(latest) = told.iter().max_by_key(|c| (c.created_at, c.id)) else {
        txn.commit().await?;
        return Ok(());
    };
    let notice = Notice {
        kind: Kind::NewComment,
        actor: latest.author_id,
        about: About {
            group_id: thread.group_id,
            thread_id: Some(thread.id),
            comment_id: Some(latest.id),
            ..About::default()
        },
    };
    let times = i32::try_from(told.len()).unwrap_or(i32::MAX);
    let events = notify_times(&txn, notice, thread_watchers(&thread), times).await?;
    txn.commit().await?;
    state.events.publish_all(events);
    Ok(())
}

/// The members watching a group.
fn group_watchers(group_id: Uuid) -> SelectStatement {
    Query::select()
        .column(watch::group::Column::MemberId)
        .from(watch::group::Entity)
        .and_where(watch::group::Column::GroupId.eq(group_id))
        .and_where(watch::group::Column::Level.eq(Level::Watching.to_value()))
        .to_owned()
}

/// The members watching a thread: on the thread itself, or on its group without a level of
/// their own for the thread.
fn thread_watchers(thread: &thread::Model) -> SelectStatement {
    let mut through_group = group_watchers(thread.group_id);
    through_group.and_where(
        row_exists::<watch::thread::Entity>(
            watch::thread::Column::MemberId,
            (watch::group::Entity, watch::group::Column::MemberId),
            Condition::all().add(watch::thread::Column::ThreadId.eq(thread.id)),
        )
        .not(),
    );
    Query::select()
        .column(watch::thread::Column::MemberId)
        .from(watch::thread::Entity)
        .and_where(watch::thread::Column::ThreadId.eq(thread.id))
        .and_where(watch::thread::Column::Level.eq(Level::Watching.to_value()))
        .union(UnionType::All, through_group)
        .to_owned()
}

/// The viewer's level for groups and threads, for `viewerWatchLevel` on lists: one statement
/// per kind of key.
pub struct WatchLevelLoader {
    pub db: Db,
    pub viewer: Option<Uuid>,
}

impl Loader<Watched> for WatchLevelLoader {
    type Value = Level;
    type Error = AppError;

    async fn load(&self, keys: &[Watched]) -> Result<HashMap<Watched, Level>, AppError> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let (groups, threads): (Vec<Watched>, Vec<Watched>) =
            keys.iter().partition(|k| matches!(k, Watched::Group(_)));
        let mut levels = HashMap::new();
        if !groups.is_empty() {
            let ids = groups.iter().filter_map(|k| match k {
                Watched::Group(id) => Some(*id),
                Watched::Thread(_) => None,
            });
            let rows: Vec<(Uuid, Level)> = watch::group::Entity::find()
                .select_only()
                .columns([watch::group::Column::GroupId, watch::group::Column::Level])
                .filter(watch::group::Column::MemberId.eq(viewer))
                .filter(watch::group::Column::GroupId.is_in(ids))
                .into_tuple()
                .all(&self.db)
                .await?;
            levels.extend(rows.into_iter().map(|(id, l)| (Watched::Group(id), l)));
        }
        if !threads.is_empty() {
            let ids = threads.iter().filter_map(|k| match k {
                Watched::Thread(id) => Some(*id),
                Watched::Group(_) => None,
            });
            let rows: Vec<(Uuid, Level)> = watch::thread::Entity::find()
                .select_only()
                .columns([
                    watch::thread::Column::ThreadId,
                    watch::thread::Column::Level,
                ])
                .filter(watch::thread::Column::MemberId.eq(viewer))
                .filter(watch::thread::Column::ThreadId.is_in(ids))
                .into_tuple()
                .all(&self.db)
                .await?;
            levels.extend(rows.into_iter().map(|(id, l)| (Watched::Thread(id), l)));
        }
        Ok(levels)
    }
}
