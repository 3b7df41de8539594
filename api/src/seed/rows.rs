//! The rows a seed writes, gathered in memory and inserted in bulk, parents first, in chunks that
//! stay under both databases' limit on bound parameters.

use std::fmt;

use chrono::{DateTime, Utc};
use entity::{
    comment, group_topic, interest_group, meetup, meetup_host, member, membership, resource,
    resource_topic, rsvp, thread, thread_topic,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Iterable};
use uuid::Uuid;

/// Most bound parameters in one `INSERT` (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMETERS: usize = 30_000;

#[derive(Default)]
pub struct Rows {
    pub members: Vec<member::Model>,
    pub groups: Vec<interest_group::Model>,
    pub group_topics: Vec<group_topic::Model>,
    pub memberships: Vec<membership::Model>,
    pub meetups: Vec<meetup::Model>,
    pub meetup_hosts: Vec<meetup_host::Model>,
    pub rsvps: Vec<rsvp::Model>,
    pub threads: Vec<thread::Model>,
    pub thread_topics: Vec<thread_topic::Model>,
    pub comments: Vec<comment::Model>,
    pub resources: Vec<resource::Model>,
    pub resource_topics: Vec<resource_topic::Model>,
}

/// How many rows of each kind a seed wrote.
#[derive(Debug, Default)]
pub struct Summary {
    counts: Vec<(&'static str, usize)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(name, count)| format!("{count} {name}"))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl Rows {
    /// Inserts every row in `txn`, parents before children.
    pub async fn write(self, txn: &impl ConnectionTrait) -> Result<Summary, DbErr> {
        let mut summary = Summary::default();
        summary.add("members", insert_all(txn, self.members).await?);
        summary.add("groups", insert_all(txn, self.groups).await?);
        insert_all(txn, self.group_topics).await?;
        summary.add("memberships", insert_all(txn, self.memberships).await?);
        migration::history::backfill_membership_events(txn).await?;
        summary.add("meetups", insert_all(txn, self.meetups).await?);
        insert_all(txn, self.meetup_hosts).await?;
        summary.add("answers", insert_all(txn, self.rsvps).await?);
        summary.add("threads", insert_all(txn, self.threads).await?);
        insert_all(txn, self.thread_topics).await?;
        summary.add("comments", insert_all(txn, self.comments).await?);
        summary.add("resources", insert_all(txn, self.resources).await?);
        insert_all(txn, self.resource_topics).await?;
        let indexed = migration::search_index::rebuild(txn).await?;
        summary.add(
            "search entries",
            usize::try_from(indexed).unwrap_or(usize::MAX),
        );
        Ok(summary)
    }
}

impl Summary {
    fn add(&mut self, name: &'static str, count: usize) {
        self.counts.push((name, count));
    }
}

/// Inserts `rows` in as few statements as the parameter limit allows; returns how many.
async fn insert_all<M, A>(txn: &impl ConnectionTrait, rows: Vec<M>) -> Result<usize, DbErr>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
{
    let count = rows.len();
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMETERS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows
            .by_ref()
            .take(per_statement)
            .map(|row| row.into_active_model().reset_all())
            .collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(count)
}

/// Deterministic randomness and time-ordered ids (UUIDv7 of the row's creation time, as the
/// server makes them, so "newest first" orders hold for seeded rows too).
pub struct Source {
    pub rng: StdRng,
}

impl Source {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn id(&mut self, at: DateTime<Utc>) -> Uuid {
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        let random: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    /// One of `items`, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }
}

/// A member row with the shared seed password; `taken` holds the handles given so far.
#[allow(clippy::too_many_arguments)]
pub fn member(
    taken: &mut std::collections::HashSet<String>,
    id: Uuid,
    email: &str,
    name: &str,
    headline: Option<&str>,
    organisation: Option<&str>,
    password_hash: &str,
    at: DateTime<Utc>,
) -> member::Model {
    let handle =
        migration::handles::unique_handle(&migration::handles::handle_from_name(name), |h| {
            taken.contains(h)
        });
    taken.insert(handle.clone());
    member::Model {
        id,
        email: email.to_owned(),
        email_key: crate::text::email_key(email),
        password_hash: password_hash.to_owned(),
        display_name: name.to_owned(),
        headline: headline.map(str::to_owned),
        organisation: organisation.map(str::to_owned),
        bio: None,
        website_url: None,
        avatar_url: None,
        is_site_admin: false,
        created_at: at,
        updated_at: at,
        // Seeded accounts are ready to use: their addresses count as verified.
        email_verified_at: Some(at),
        locale: "NB".into(),
        handle,
        notification_email: "DAILY".into(),
        digest_sent_at: None,
        profile_visibility: "{}".into(),
        default_speaking_as: Default::default(),
        default_organisation_id: None,
    }
}
