//! Discussion rules: threads, comments and replies with quotes, reactions, edit history,
//! deletion as tombstones, moderation and reports. Writes to a thread lock its row first, so
//! "locked" and "last activity" are decided consistently under concurrent comments.

use chrono::Utc;
use std::collections::HashSet;

use entity::{
    comment, comment_revision, member, notification::Kind, reaction, report, thread, thread_topic,
    watch::Level,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, SqlErr,
};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::{
        commands::throttle_write,
        throttle::Write,
        viewer::{Identity, Viewer},
    },
    db::begin_write,
    discussions::{
        links::{self, Post},
        policy::{self, ThreadAccess},
    },
    error::{AppError, AppResult},
    events::Event,
    groups, ids, markdown,
    notifications::{
        self,
        commands::{About, CommentConcerns, Notice},
        watch,
    },
    organisations::commands::{Requested, check_persona, persona_for_post},
    search,
    state::AppState,
    text, topics,
};

fn clean_title(title: &str) -> AppResult<String> {
    text::limits::THREAD_TITLE.clean(title)
}

/// Locks the thread row for the rest of `txn` and reads the viewer's standing after the lock.
async fn lock_thread(
    txn: &DatabaseTransaction,
    viewer: &Identity,
    thread_id: Uuid,
) -> AppResult<ThreadAccess> {
    let thread = thread::Entity::find_by_id(thread_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Thread"))?;
    Ok(ThreadAccess {
        group: groups::commands::access_in(txn, viewer, thread.group_id, false).await?,
        thread,
        viewer_id: Some(viewer.member_id),
    })
}

/// The comment with its thread locked.
async fn lock_comment(
    state: &AppState,
    txn: &DatabaseTransaction,
    viewer: &Identity,
    comment_id: Uuid,
) -> AppResult<(ThreadAccess, comment::Model)> {
    let thread_id = comment::Entity::find_by_id(comment_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Comment"))?
        .thread_id;
    let access = lock_thread(txn, viewer, thread_id).await?;
    access
        .ensure_visible()
        .map_err(|_| AppError::NotFound("Comment"))?;
    let comment = comment::Entity::find_by_id(comment_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Comment"))?;
    Ok((access, comment))
}

async fn audit_moderation(
    txn: &DatabaseTransaction,
    actor: &Identity,
    group_id: Uuid,
    action: &str,
    subject_type: &str,
    subject_id: Uuid,
    details: Option<String>,
) -> AppResult<()> {
    audit::record(
        txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(group_id),
            action,
            subject_type,
            subject_id,
            details,
        },
    )
    .await
}

/// A body's HTML with its mentions of members as links, and the members it mentions that
/// `before` (the text it replaces, on an edit) did not; one statement when the body mentions
/// anyone.
async fn render_body<C: ConnectionTrait>(
    db: &C,
    body: &str,
    before: Option<&str>,
) -> AppResult<(String, Vec<Uuid>)> {
    let handles = markdown::mentions(body);
    if handles.is_empty() {
        return Ok((markdown::render(body), Vec::new()));
    }
    let found: Vec<(Uuid, String)> = member::Entity::find()
        .select_only()
        .columns([member::Column::Id, member::Column::Handle])
        .filter(member::Column::Handle.is_in(handles))
        .into_tuple()
        .all(db)
        .await?;
    let known: HashSet<String> = found.iter().map(|(_, handle)| handle.clone()).collect();
    let earlier = before.map(markdown::mentions).unwrap_or_default();
    Ok((
        markdown::render_with_mentions(body, &known),
        found
            .into_iter()
            .filter(|(_, handle)| !earlier.contains(handle))
            .map(|(id, _)| id)
            .collect(),
    ))
}

/// Tells the members a thread's body mentions (on an edit, only those it did not mention
/// before) and returns the events to publish after commit.
async fn notify_mentions<C: ConnectionTrait>(
    db: &C,
    thread: &thread::Model,
    mentioned: Vec<Uuid>,
) -> AppResult<Vec<Event>> {
    notifications::commands::notify_members(
        db,
        Notice {
            kind: Kind::Mention,
            actor: thread.author_id,
            about: About {
                group_id: thread.group_id,
                thread_id: Some(thread.id),
                ..About::default()
            },
        },
        mentioned,
    )
    .await
}

/// Starts a thread (active members).
pub async fn start_thread(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    title: &str,
    body: &str,
    topics: &[String],
    persona: Option<Requested>,
) -> AppResult<thread::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Thread).await?;
    let title = clean_title(title)?;
    let body = text::limits::THREAD_BODY.clean_verbatim(body)?;
    let txn = begin_write(&state.db).await?;
    let group = groups::commands::access_in(&txn, actor, group_id, false).await?;
    policy::ensure_can_start_thread(&group)?;
    group.ensure_guidelines_accepted()?;
    let persona = persona_for_post(&txn, actor, group.membership.as_ref(), persona).await?;
    let now = Utc::now();
    let (body_html, mentioned) = render_body(&txn, &body, None).await?;
    let thread = thread::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(group_id),
        author_id: Set(Some(actor.member_id)),
        title: Set(title),
        body_html: Set(body_html),
        body: Set(body),
        pinned: Set(false),
        locked: Set(false),
        last_activity_at: Set(now),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        speaking_as: Set(persona.speaking_as),
        organisation_id: Set(persona.organisation_id),
        role_title: Set(persona.role_title),
    }
    .insert(&txn)
    .await?;
    topics::set::<thread_topic::Entity>(&txn, thread.id, topics).await?;
    search::index::write(&txn, search::index::thread(&thread)).await?;
    links::write(&txn, group_id, Post::Thread(thread.id), &thread.body).await?;
    watch::set_thread_level(&txn, actor.member_id, thread.id, Level::Watching, true).await?;
    let notified = notify_mentions(&txn, &thread, mentioned).await?;
    watch::enqueue_fan_out(state, &txn, thread.id, None).await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(thread)
}

/// Edits a thread's title, body or topics (its author).
pub async fn update_thread(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    title: Option<&str>,
    body: Option<&str>,
    topics: Option<&[String]>,
    persona: Option<Requested>,
) -> AppResult<thread::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_thread(&txn, actor, thread_id).await?;
    access.ensure_can_edit_thread()?;
    let now = Utc::now();
    let mut update = thread::ActiveModel {
        id: Set(thread_id),
        edited_at: Set(Some(now)),
        ..Default::default()
    };
    if let Some(title) = title {
        update.title = Set(clean_title(title)?);
    }
    let mut mentioned = Vec::new();
    if let Some(body) = body {
        let body = text::limits::THREAD_BODY.clean_verbatim(body)?;
        let (html, new) = render_body(&txn, &body, Some(&access.thread.body)).await?;
        mentioned = new;
        update.body_html = Set(html);
        update.body = Set(body);
    }
    if let Some(topics) = topics {
        topics::set::<thread_topic::Entity>(&txn, thread_id, topics).await?;
    }
    if let Some(requested) = persona {
        let persona = check_persona(&txn, actor.member_id, requested).await?;
        update.speaking_as = Set(persona.speaking_as);
        update.organisation_id = Set(persona.organisation_id);
        update.role_title = Set(persona.role_title);
    }
    let thread = update.update(&txn).await?;
    search::index::write(&txn, search::index::thread(&thread)).await?;
    if body.is_some() {
        links::rewrite(&txn, thread.group_id, Post::Thread(thread_id), &thread.body).await?;
    }
    let notified = notify_mentions(&txn, &thread, mentioned).await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(thread)
}

/// Deletes a thread (its author, or a moderator): it leaves the group's list; its comments stay
/// readable by link.
pub async fn delete_thread(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
) -> AppResult<thread::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_thread(&txn, actor, thread_id).await?;
    access.ensure_can_delete_thread()?;
    if access.thread.deleted_at.is_some() {
        return Ok(access.thread);
    }
    let thread = thread::ActiveModel {
        id: Set(thread_id),
        deleted_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    search::index::write(&txn, search::index::thread(&thread)).await?;
    audit_moderation(
        &txn,
        actor,
        thread.group_id,
        "thread.delete",
        "Thread",
        thread_id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(thread)
}

/// A passage to quote: from a comment of the same thread, or from the thread's body.
pub struct QuoteRequest {
    pub source_id: Uuid,
    pub excerpt: String,
}

/// Posts a comment, or a reply when `parent_id` is given. A quote's excerpt must occur in its
/// source as it reads now; it is stored as quoted.
pub async fn post_comment(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    body: &str,
    parent_id: Option<Uuid>,
    quote: Option<QuoteRequest>,
    persona: Option<Requested>,
) -> AppResult<comment::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Comment).await?;
    let body = text::limits::COMMENT_BODY.clean_verbatim(body)?;
    let txn = begin_write(&state.db).await?;
    let access = lock_thread(&txn, actor, thread_id).await?;
    access.ensure_can_comment()?;
    access.group.ensure_guidelines_accepted()?;
    let (depth, answered) = match parent_id {
        None => (0, access.thread.author_id),
        Some(parent_id) => {
            let parent = comment::Entity::find_by_id(parent_id)
                .one(&txn)
                .await?
                .filter(|p| p.thread_id == thread_id)
                .ok_or_else(|| AppError::bad_input("parentId", "Not a comment of this thread"))?;
            if parent.deleted_at.is_some() {
                return Err(AppError::bad_input("parentId", "That comment was deleted"));
            }
            (parent.depth + 1, parent.author_id)
        }
    };
    let (quote_source_id, quote_excerpt, quoted) = match quote {
        None => (None, None, None),
        Some(quote) => {
            let excerpt = text::limits::QUOTE_EXCERPT.clean_verbatim(&quote.excerpt)?;
            let (source_text, source_author) = if quote.source_id == thread_id {
                (access.thread.body.clone(), access.thread.author_id)
            } else {
                let source = comment::Entity::find_by_id(quote.source_id)
                    .one(&txn)
                    .await?
                    .filter(|c| {
                        c.thread_id == thread_id && c.deleted_at.is_none() && c.hidden_at.is_none()
                    })
                    .ok_or_else(|| {
                        AppError::bad_input("quote.commentId", "Not a comment of this thread")
                    })?;
                (source.body, source.author_id)
            };
            if !source_text.contains(&excerpt) {
                return Err(AppError::bad_input(
                    "quote.excerpt",
                    "The excerpt does not occur in the quoted text",
                ));
            }
            (Some(quote.source_id), Some(excerpt), source_author)
        }
    };
    let persona = persona_for_post(&txn, actor, access.group.membership.as_ref(), persona).await?;
    let now = Utc::now();
    let (body_html, mentioned) = render_body(&txn, &body, None).await?;
    let comment = comment::ActiveModel {
        id: Set(ids::new_key()),
        thread_id: Set(thread_id),
        parent_id: Set(parent_id),
        author_id: Set(Some(actor.member_id)),
        body_html: Set(body_html),
        body: Set(body),
        depth: Set(depth),
        quote_source_id: Set(quote_source_id),
        quote_excerpt: Set(quote_excerpt),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        hidden_at: Set(None),
        watchers_told: Set(false),
        speaking_as: Set(persona.speaking_as),
        organisation_id: Set(persona.organisation_id),
        role_title: Set(persona.role_title),
    }
    .insert(&txn)
    .await?;
    search::index::write(
        &txn,
        search::index::comment(&comment, access.thread.group_id),
    )
    .await?;
    let post = Post::Comment {
        thread_id,
        comment_id: comment.id,
    };
    links::write(&txn, access.thread.group_id, post, &comment.body).await?;
    thread::ActiveModel {
        id: Set(thread_id),
        last_activity_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let notified = notifications::commands::comment_posted(
        &txn,
        &access.thread,
        &comment,
        CommentConcerns {
            answered,
            quoted,
            mentioned,
        },
    )
    .await?;
    watch::set_thread_level(&txn, actor.member_id, thread_id, Level::Tracking, false).await?;
    watch::enqueue_fan_out(state, &txn, thread_id, Some(comment.id)).await?;
    txn.commit().await?;
    state.events.publish(Event::CommentAdded {
        thread_id,
        comment_id: comment.id,
    });
    state.events.publish_all(notified);
    Ok(comment)
}

/// Edits a comment (its author), keeping the previous text as a revision.
pub async fn edit_comment(
    state: &AppState,
    viewer: &Viewer,
    comment_id: Uuid,
    body: &str,
    persona: Option<Requested>,
) -> AppResult<comment::Model> {
    let actor = viewer.require_verified()?;
    let body = text::limits::COMMENT_BODY.clean_verbatim(body)?;
    let txn = begin_write(&state.db).await?;
    let (access, current) = lock_comment(state, &txn, actor, comment_id).await?;
    access.ensure_can_edit_comment(&current)?;
    if current.body == body && persona.is_none() {
        return Ok(current);
    }
    let now = Utc::now();
    let mut update = comment::ActiveModel {
        id: Set(comment_id),
        ..Default::default()
    };
    let mut mentioned = Vec::new();
    let body_changed = current.body != body;
    if body_changed {
        comment_revision::ActiveModel {
            id: Set(ids::new_key()),
            comment_id: Set(comment_id),
            body: Set(current.body.clone()),
            created_at: Set(now),
            redacted_at: Set(None),
        }
        .insert(&txn)
        .await?;
        let (body_html, new) = render_body(&txn, &body, Some(&current.body)).await?;
        mentioned = new;
        update.body_html = Set(body_html);
        update.body = Set(body);
        update.edited_at = Set(Some(now));
    }
    if let Some(requested) = persona {
        let persona = check_persona(&txn, actor.member_id, requested).await?;
        update.speaking_as = Set(persona.speaking_as);
        update.organisation_id = Set(persona.organisation_id);
        update.role_title = Set(persona.role_title);
    }
    let edited = update.update(&txn).await?;
    search::index::write(
        &txn,
        search::index::comment(&edited, access.thread.group_id),
    )
    .await?;
    if body_changed {
        let post = Post::Comment {
            thread_id: edited.thread_id,
            comment_id,
        };
        links::rewrite(&txn, access.thread.group_id, post, &edited.body).await?;
    }
    let notified = notifications::commands::comment_posted(
        &txn,
        &access.thread,
        &edited,
        CommentConcerns {
            answered: None,
            quoted: None,
            mentioned,
        },
    )
    .await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(edited)
}

/// Deletes a comment (its author, or a moderator): a tombstone that keeps its replies.
pub async fn delete_comment(
    state: &AppState,
    viewer: &Viewer,
    comment_id: Uuid,
) -> AppResult<comment::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let (access, current) = lock_comment(state, &txn, actor, comment_id).await?;
    access.ensure_can_delete_comment(&current)?;
    if current.deleted_at.is_some() {
        return Ok(current);
    }
    let deleted = comment::ActiveModel {
        id: Set(comment_id),
        deleted_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    search::index::write(
        &txn,
        search::index::comment(&deleted, access.thread.group_id),
    )
    .await?;
    if !access.is_comment_author(&current) {
        audit_moderation(
            &txn,
            actor,
            access.thread.group_id,
            "comment.delete",
            "Comment",
            comment_id,
            None,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(deleted)
}

/// Adds (`on`) or removes a reaction; repeating either changes nothing.
pub async fn react(
    state: &AppState,
    viewer: &Viewer,
    comment_id: Uuid,
    kind: reaction::Kind,
    on: bool,
) -> AppResult<comment::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Reaction).await?;
    let txn = begin_write(&state.db).await?;
    let (access, current) = lock_comment(state, &txn, actor, comment_id).await?;
    access.ensure_can_react(&current)?;
    let existing = reaction::Entity::find_by_id((comment_id, actor.member_id, kind))
        .one(&txn)
        .await?;
    match (on, existing) {
        (true, None) => {
            reaction::ActiveModel {
                comment_id: Set(comment_id),
                member_id: Set(actor.member_id),
                kind: Set(kind),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
        }
        (false, Some(_)) => {
            reaction::Entity::delete_by_id((comment_id, actor.member_id, kind))
                .exec(&txn)
                .await?;
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(current)
}

/// Locks or unlocks a thread (moderators and owners).
pub async fn set_locked(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    locked: bool,
) -> AppResult<thread::Model> {
    moderate_thread(
        state,
        viewer,
        thread_id,
        if locked {
            "thread.lock"
        } else {
            "thread.unlock"
        },
        |t| {
            t.locked = Set(locked);
        },
    )
    .await
}

/// Pins or unpins a thread (moderators and owners).
pub async fn set_pinned(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    pinned: bool,
) -> AppResult<thread::Model> {
    moderate_thread(
        state,
        viewer,
        thread_id,
        if pinned { "thread.pin" } else { "thread.unpin" },
        |t| {
            t.pinned = Set(pinned);
        },
    )
    .await
}

async fn moderate_thread(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    action: &str,
    change: impl FnOnce(&mut thread::ActiveModel),
) -> AppResult<thread::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_thread(&txn, actor, thread_id).await?;
    access.ensure_moderator()?;
    let mut update = thread::ActiveModel {
        id: Set(thread_id),
        ..Default::default()
    };
    change(&mut update);
    let thread = update.update(&txn).await?;
    audit_moderation(
        &txn,
        actor,
        thread.group_id,
        action,
        "Thread",
        thread_id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(thread)
}

/// Hides a comment from everyone but its author and the moderators, or shows it again.
pub async fn set_hidden(
    state: &AppState,
    viewer: &Viewer,
    comment_id: Uuid,
    hidden: bool,
    reason: Option<&str>,
) -> AppResult<comment::Model> {
    let actor = viewer.require_verified()?;
    let reason = text::limits::REASON.clean_optional(reason)?;
    let txn = begin_write(&state.db).await?;
    let (access, _) = lock_comment(state, &txn, actor, comment_id).await?;
    access.ensure_moderator()?;
    let changed = comment::ActiveModel {
        id: Set(comment_id),
        hidden_at: Set(hidden.then(Utc::now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    search::index::write(
        &txn,
        search::index::comment(&changed, access.thread.group_id),
    )
    .await?;
    let action = if hidden {
        "comment.hide"
    } else {
        "comment.restore"
    };
    audit_moderation(
        &txn,
        actor,
        access.thread.group_id,
        action,
        "Comment",
        comment_id,
        reason,
    )
    .await?;
    let notified = if hidden {
        notifications::commands::notify_members(
            &txn,
            Notice {
                kind: Kind::ContentHidden,
                actor: Some(actor.member_id),
                about: About {
                    group_id: access.thread.group_id,
                    thread_id: Some(access.thread.id),
                    comment_id: Some(comment_id),
                    ..About::default()
                },
            },
            changed.author_id,
        )
        .await?
    } else {
        Vec::new()
    };
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(changed)
}

/// Redacts an earlier version of a comment (moderators and owners): its text is gone for all.
pub async fn redact_revision(
    state: &AppState,
    viewer: &Viewer,
    revision_id: Uuid,
) -> AppResult<comment_revision::Model> {
    let actor = viewer.require_verified()?;
    let revision = comment_revision::Entity::find_by_id(revision_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Revision"))?;
    let txn = begin_write(&state.db).await?;
    let (access, comment) = lock_comment(state, &txn, actor, revision.comment_id).await?;
    if !access.can_see_revisions(&comment) {
        return Err(AppError::NotFound("Revision"));
    }
    access.ensure_moderator()?;
    let redacted = comment_revision::ActiveModel {
        id: Set(revision_id),
        redacted_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit_moderation(
        &txn,
        actor,
        access.thread.group_id,
        "revision.redact",
        "CommentRevision",
        revision_id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(redacted)
}

/// Reports a thread or comment to the group's moderators (active members; once per item).
pub async fn report(
    state: &AppState,
    viewer: &Viewer,
    subject: (report::SubjectType, Uuid),
    reason: &str,
) -> AppResult<()> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Report).await?;
    let reason = text::limits::REPORT_REASON.clean(reason)?;
    let (subject_type, subject_id) = subject;
    let thread_id = match subject_type {
        report::SubjectType::Thread => subject_id,
        report::SubjectType::Comment => {
            comment::Entity::find_by_id(subject_id)
                .one(&state.db)
                .await?
                .ok_or(AppError::NotFound("Comment"))?
                .thread_id
        }
    };
    let txn = begin_write(&state.db).await?;
    let access = lock_thread(&txn, actor, thread_id).await?;
    access.ensure_can_report()?;
    let saved = report::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(access.thread.group_id),
        subject_type: Set(subject_type),
        subject_id: Set(subject_id),
        reporter_id: Set(actor.member_id),
        reason: Set(reason),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
    }
    .insert(&txn)
    .await;
    match saved {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AppError::Conflict("You have reported this already".into()));
        }
        Err(err) => return Err(err.into()),
    }
    txn.commit().await?;
    Ok(())
}

/// Marks a report as dealt with (moderators and owners).
pub async fn resolve_report(
    state: &AppState,
    viewer: &Viewer,
    report_id: Uuid,
) -> AppResult<report::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let found = report::Entity::find_by_id(report_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Report"))?;
    let group = groups::commands::access_in(&txn, actor, found.group_id, false).await?;
    policy::ensure_can_resolve_reports(&group)?;
    if found.resolved_at.is_some() {
        return Ok(found);
    }
    let resolved = report::ActiveModel {
        id: Set(report_id),
        resolved_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit_moderation(
        &txn,
        actor,
        found.group_id,
        "report.resolve",
        "Report",
        report_id,
        None,
    )
    .await?;
    let (thread_id, comment_id) = match found.subject_type {
        report::SubjectType::Thread => (found.subject_id, None),
        report::SubjectType::Comment => {
            let thread_id = comment::Entity::find_by_id(found.subject_id)
                .select_only()
                .column(comment::Column::ThreadId)
                .into_tuple()
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("Comment"))?;
            (thread_id, Some(found.subject_id))
        }
    };
    let notified = notifications::commands::notify_members(
        &txn,
        Notice {
            kind: Kind::ReportResolved,
            actor: Some(actor.member_id),
            about: About {
                group_id: found.group_id,
                thread_id: Some(thread_id),
                comment_id,
                subject_id: Some(report_id),
                ..About::default()
            },
        },
        [found.reporter_id],
    )
    .await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(resolved)
}
