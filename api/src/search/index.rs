//! Keeping the index in step: one upsert per change, in the change's transaction.

use chrono::{DateTime, Utc};
use entity::{comment, search_entry, thread};
use migration::search_terms::terms;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::error::AppResult;

/// What an entry is.
pub const THREAD: &str = "THREAD";
pub const COMMENT: &str = "COMMENT";

async fn upsert<C: ConnectionTrait>(db: &C, entry: search_entry::Model) -> AppResult<()> {
    search_entry::Entity::insert(search_entry::ActiveModel::from(entry).reset_all())
        .on_conflict(
            OnConflict::columns([search_entry::Column::Kind, search_entry::Column::Id])
                .update_columns([
                    search_entry::Column::Title,
                    search_entry::Column::Body,
                    search_entry::Column::TitleTerms,
                    search_entry::Column::BodyTerms,
                    search_entry::Column::Listed,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Indexes a thread as it now is (its title and body; unlisted once deleted).
pub async fn thread<C: ConnectionTrait>(db: &C, row: &thread::Model) -> AppResult<()> {
    upsert(db, thread_entry(row)).await
}

/// Indexes a comment of a thread in `group_id` as it now is (unlisted once deleted or hidden).
pub async fn comment<C: ConnectionTrait>(
    db: &C,
    row: &comment::Model,
    group_id: Uuid,
) -> AppResult<()> {
    upsert(db, comment_entry(row, group_id)).await
}

/// A thread's entry, as [`thread`] writes it.
pub fn thread_entry(row: &thread::Model) -> search_entry::Model {
    entry(
        THREAD,
        row.id,
        row.group_id,
        &row.title,
        &row.body,
        row.deleted_at.is_none(),
        row.created_at,
    )
}

/// A comment's entry, as [`comment`] writes it.
pub fn comment_entry(row: &comment::Model, group_id: Uuid) -> search_entry::Model {
    entry(
        COMMENT,
        row.id,
        group_id,
        "",
        &row.body,
        row.deleted_at.is_none() && row.hidden_at.is_none(),
        row.created_at,
    )
}

fn entry(
    kind: &str,
    id: Uuid,
    group_id: Uuid,
    title: &str,
    body: &str,
    listed: bool,
    created_at: DateTime<Utc>,
) -> search_entry::Model {
    search_entry::Model {
        kind: kind.to_owned(),
        id,
        group_id,
        title: title.to_owned(),
        body: body.to_owned(),
        title_terms: terms(title),
        body_terms: terms(body),
        listed,
        created_at,
    }
}

/// Rebuilds the whole index from the threads and comments (`fagruppe reindex`, for recovery),
/// in one transaction, a thousand rows at a time; returns how many entries it wrote.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<u64> {
    let txn = db.begin().await?;
    search_entry::Entity::delete_many().exec(&txn).await?;
    let mut written = 0;
    let mut groups = std::collections::HashMap::new();
    let mut after = Uuid::nil();
    loop {
        let threads = thread::Entity::find()
            .filter(thread::Column::Id.gt(after))
            .order_by_asc(thread::Column::Id)
            .limit(1000)
            .all(&txn)
            .await?;
        let Some(last) = threads.last() else { break };
        after = last.id;
        groups.extend(threads.iter().map(|t| (t.id, t.group_id)));
        written += insert(&txn, threads.iter().map(thread_entry).collect()).await?;
    }
    let mut after = Uuid::nil();
    loop {
        let comments = comment::Entity::find()
            .filter(comment::Column::Id.gt(after))
            .order_by_asc(comment::Column::Id)
            .limit(1000)
            .all(&txn)
            .await?;
        let Some(last) = comments.last() else { break };
        after = last.id;
        let entries = comments
            .iter()
            .filter_map(|c| groups.get(&c.thread_id).map(|g| comment_entry(c, *g)))
            .collect();
        written += insert(&txn, entries).await?;
    }
    txn.commit().await?;
    Ok(written)
}

async fn insert<C: ConnectionTrait>(db: &C, entries: Vec<search_entry::Model>) -> AppResult<u64> {
    let count = entries.len() as u64;
    for chunk in entries.chunks(500) {
        search_entry::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(|e| search_entry::ActiveModel::from(e).reset_all()),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(count)
}
