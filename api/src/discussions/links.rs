//! What a discussion points at, kept in `discussion_link` so organisers' insights can tell the
//! threads that led to a meetup from those that did not. A thread's opening post and its comments
//! link to a meetup (its page, `/meetups/{id}`), to a resource (its page, `/resources/{id}`) or to
//! any other web address (kept by the key a shared link is unique by, so the resource that shares
//! it, then or later, is found by it); a meetup's description links to the thread it follows up
//! (`/threads/{id}`). Links are read from the Markdown in the transaction that writes the post;
//! pages of other groups are ignored.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    comment,
    discussion_link::{self, Source},
    meetup, resource, thread,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::{error::AppResult, ids, markdown};

/// A post that holds links.
#[derive(Clone, Copy, Debug)]
pub enum Post {
    /// A thread's opening post.
    Thread(Uuid),
    /// A comment of a thread.
    Comment { thread_id: Uuid, comment_id: Uuid },
    /// A meetup's description.
    Meetup(Uuid),
}

impl Post {
    fn source(self) -> (Source, Uuid) {
        match self {
            Self::Thread(id) => (Source::Thread, id),
            Self::Comment { comment_id, .. } => (Source::Comment, comment_id),
            Self::Meetup(id) => (Source::Meetup, id),
        }
    }
}

/// What the links of one post name: pages of ours by id, and other web addresses by the key a
/// shared link is unique by in its group.
#[derive(Debug, Default, PartialEq)]
struct Targets {
    meetups: Vec<Uuid>,
    threads: Vec<Uuid>,
    resources: Vec<Uuid>,
    addresses: Vec<String>,
}

fn targets(markdown: &str) -> Targets {
    let mut found = Targets::default();
    for address in markdown::links(markdown) {
        let (path, key) = if address.starts_with('/') {
            (
                address
                    .split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                None,
            )
        } else {
            let Ok(mut url) = url::Url::parse(&address) else {
                continue;
            };
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                continue;
            }
            url.set_fragment(None);
            (url.path().to_owned(), Some(url.to_string()))
        };
        let mut segments = path.trim_end_matches('/').rsplit('/');
        let page = segments.next().zip(segments.next()).and_then(|(id, kind)| {
            let (found, uuid) = ids::decode(id)?;
            let expected = match kind {
                "meetups" => ids::Kind::Meetup,
                "threads" => ids::Kind::Thread,
                "resources" => ids::Kind::Resource,
                _ => return None,
            };
            (found == expected).then_some((found, uuid))
        });
        match (page, key) {
            (Some((ids::Kind::Meetup, id)), _) => found.meetups.push(id),
            (Some((ids::Kind::Thread, id)), _) => found.threads.push(id),
            (Some((_, id)), _) => found.resources.push(id),
            (None, Some(key)) => found.addresses.push(key),
            (None, None) => {}
        }
    }
    found
}

/// One link to record.
#[derive(Default)]
struct Row {
    thread_id: Uuid,
    meetup_id: Option<Uuid>,
    resource_id: Option<Uuid>,
    url_key: Option<String>,
}

/// Of `ids`, those of rows of `E` in the group (`id` and `group` are its columns).
async fn in_group<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: E::Column,
    group: E::Column,
    group_id: Uuid,
    ids: Vec<Uuid>,
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(E::find()
        .select_only()
        .column(id)
        .filter(group.eq(group_id))
        .filter(id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?)
}

/// Records the links of a new post of the group.
pub async fn write<C: ConnectionTrait>(
    db: &C,
    group_id: Uuid,
    post: Post,
    markdown: &str,
) -> AppResult<()> {
    let targets = targets(markdown);
    let (source, source_id) = post.source();
    let rows: Vec<Row> = match post {
        Post::Thread(thread_id) | Post::Comment { thread_id, .. } => {
            let (id, group) = (meetup::Column::Id, meetup::Column::GroupId);
            let meetups =
                in_group::<meetup::Entity, _>(db, id, group, group_id, targets.meetups).await?;
            let (id, group) = (resource::Column::Id, resource::Column::GroupId);
            let resources =
                in_group::<resource::Entity, _>(db, id, group, group_id, targets.resources).await?;
            let meetups = meetups.into_iter().map(|id| Row {
                thread_id,
                meetup_id: Some(id),
                ..Row::default()
            });
            let resources = resources.into_iter().map(|id| Row {
                thread_id,
                resource_id: Some(id),
                ..Row::default()
            });
            let addresses = targets.addresses.into_iter().map(|key| Row {
                thread_id,
                url_key: Some(key),
                ..Row::default()
            });
            meetups.chain(resources).chain(addresses).collect()
        }
        Post::Meetup(meetup_id) => {
            let (id, group) = (thread::Column::Id, thread::Column::GroupId);
            in_group::<thread::Entity, _>(db, id, group, group_id, targets.threads)
                .await?
                .into_iter()
                .map(|thread_id| Row {
                    thread_id,
                    meetup_id: Some(meetup_id),
                    ..Row::default()
                })
                .collect()
        }
    };
    if rows.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    discussion_link::Entity::insert_many(rows.into_iter().map(|row| {
        discussion_link::ActiveModel {
            id: Set(ids::new_key()),
            thread_id: Set(row.thread_id),
            source: Set(source),
            source_id: Set(source_id),
            meetup_id: Set(row.meetup_id),
            resource_id: Set(row.resource_id),
            url_key: Set(row.url_key),
            created_at: Set(now),
        }
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Records the links of an edited post in place of those it had.
pub async fn rewrite<C: ConnectionTrait>(
    db: &C,
    group_id: Uuid,
    post: Post,
    markdown: &str,
) -> AppResult<()> {
    let (source, source_id) = post.source();
    discussion_link::Entity::delete_many()
        .filter(discussion_link::Column::SourceId.eq(source_id))
        .filter(discussion_link::Column::Source.eq(source))
        .exec(db)
        .await?;
    write(db, group_id, post, markdown).await
}

/// Rebuilds every link from the posts there are (`fagruppe reindex`: after an upgrade, for
/// posts written before links were kept), in one transaction; returns how many posts it read.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<u64> {
    const PAGE: u64 = 2_000;
    let txn = db.begin().await?;
    discussion_link::Entity::delete_many().exec(&txn).await?;
    let threads: Vec<(Uuid, Uuid, String)> = thread::Entity::find()
        .select_only()
        .columns([
            thread::Column::Id,
            thread::Column::GroupId,
            thread::Column::Body,
        ])
        .filter(thread::Column::DeletedAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    let mut read = 0;
    let mut group_of = HashMap::with_capacity(threads.len());
    for (id, group_id, body) in threads {
        write(&txn, group_id, Post::Thread(id), &body).await?;
        group_of.insert(id, group_id);
        read += 1;
    }
    let meetups: Vec<(Uuid, Uuid, String)> = meetup::Entity::find()
        .select_only()
        .columns([
            meetup::Column::Id,
            meetup::Column::GroupId,
            meetup::Column::Description,
        ])
        .into_tuple()
        .all(&txn)
        .await?;
    for (id, group_id, description) in meetups {
        write(&txn, group_id, Post::Meetup(id), &description).await?;
        read += 1;
    }
    let mut after = Uuid::nil();
    loop {
        let comments: Vec<(Uuid, Uuid, String)> = comment::Entity::find()
            .select_only()
            .columns([
                comment::Column::Id,
                comment::Column::ThreadId,
                comment::Column::Body,
            ])
            .filter(comment::Column::Id.gt(after))
            .filter(comment::Column::DeletedAt.is_null())
            .order_by_asc(comment::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(&txn)
            .await?;
        let Some((last, _, _)) = comments.last() else {
            break;
        };
        after = *last;
        for (comment_id, thread_id, body) in comments {
            if let Some(group_id) = group_of.get(&thread_id) {
                let post = Post::Comment {
                    thread_id,
                    comment_id,
                };
                write(&txn, *group_id, post, &body).await?;
                read += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(read)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{Targets, targets};
    use crate::ids::{self, Kind};

    #[test]
    fn links_name_our_pages_by_id_and_other_addresses_by_their_key() {
        let meetup = Uuid::from_u128(1);
        let thread = Uuid::from_u128(2);
        let resource = Uuid::from_u128(3);
        let text = format!(
            "[Frokost](https://fagruppe.no/meetups/{}#agenda), [tråden](/threads/{}/) og \
             [lysark](/resources/{}?x=1). Se https://example.no/veileder#del-2 og \
             [feil slag](/meetups/{}).",
            ids::encode(Kind::Meetup, meetup).0,
            ids::encode(Kind::Thread, thread).0,
            ids::encode(Kind::Resource, resource).0,
            ids::encode(Kind::Thread, meetup).0,
        );
        assert_eq!(
            targets(&text),
            Targets {
                meetups: vec![meetup],
                threads: vec![thread],
                resources: vec![resource],
                addresses: vec!["https://example.no/veileder".into()],
            }
        );
    }
}
