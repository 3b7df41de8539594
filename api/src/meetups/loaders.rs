//! Batched look-ups for meetup lists: counts, the viewer's answers, hosts and the first
//! attendees of every meetup on a page, each in one query.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{meetup_host, rsvp};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{db::first_per_partition, error::AppError, graphql::row_loader::by_id_loader};

by_id_loader!(
    /// Meetups by id.
    MeetupLoader,
    meetup
);

/// Going and waitlisted counts of a meetup.
#[derive(Clone, Copy, Debug, Default)]
pub struct RsvpCounts {
    pub going: u64,
    pub waitlisted: u64,
}

pub struct RsvpCountLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for RsvpCountLoader {
    type Value = RsvpCounts;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, RsvpCounts>, AppError> {
        let rows: Vec<(Uuid, rsvp::Status, i64)> = rsvp::Entity::find()
            .select_only()
            .column(rsvp::Column::MeetupId)
            .column(rsvp::Column::Status)
            .column_as(rsvp::Column::Id.count(), "count")
            .filter(rsvp::Column::MeetupId.is_in(keys.iter().copied()))
            .group_by(rsvp::Column::MeetupId)
            .group_by(rsvp::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: HashMap<Uuid, RsvpCounts> = HashMap::new();
        for (meetup_id, status, count) in rows {
            let entry = counts.entry(meetup_id).or_default();
            let count = u64::try_from(count).unwrap_or(0);
            match status {
                rsvp::Status::Going => entry.going = count,
                rsvp::Status::Waitlisted => entry.waitlisted = count,
                rsvp::Status::NotGoing => {}
            }
        }
        Ok(counts)
    }
}

/// An answer by `(meetup_id, member_id)`.
pub struct RsvpLoader {
    pub db: DatabaseConnection,
}

impl Loader<(Uuid, Uuid)> for RsvpLoader {
    type Value = rsvp::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), rsvp::Model>, AppError> {
        let rows = rsvp::Entity::find()
            .filter(rsvp::Column::MeetupId.is_in(keys.iter().map(|(m, _)| *m)))
            .filter(rsvp::Column::MemberId.is_in(keys.iter().map(|(_, m)| *m)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.meetup_id, row.member_id), row))
            .filter(|(key, _)| keys.contains(key))
            .collect())
    }
}

/// Host member ids by meetup.
pub struct MeetupHostsLoader {
    pub db: DatabaseConnection,
}

impl Loader<Uuid> for MeetupHostsLoader {
    type Value = Vec<Uuid>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, AppError> {
        let rows = meetup_host::Entity::find()
            .filter(meetup_host::Column::MeetupId.is_in(keys.iter().copied()))
            .order_by_asc(meetup_host::Column::MemberId)
            .all(&self.db)
            .await?;
        let mut hosts: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for row in rows {
            hosts.entry(row.meetup_id).or_default().push(row.member_id);
        }
        Ok(hosts)
    }
}

/// The first `limit` answers of one status for each meetup, in arrival order: one query with
/// `ROW_NUMBER() OVER (PARTITION BY meetup_id …)` for a whole page of meetups.
pub struct AttendeePreviewLoader {
    pub db: DatabaseConnection,
}

/// `(meetup_id, status, limit)`.
pub type PreviewKey = (Uuid, rsvp::Status, u64);

impl Loader<PreviewKey> for AttendeePreviewLoader {
    type Value = Vec<rsvp::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[PreviewKey],
    ) -> Result<HashMap<PreviewKey, Self::Value>, AppError> {
        let mut groups: HashMap<(rsvp::Status, u64), Vec<Uuid>> = HashMap::new();
        for (meetup_id, status, limit) in keys {
            groups
                .entry((*status, *limit))
                .or_default()
                .push(*meetup_id);
        }
        let mut result = HashMap::new();
        for ((status, limit), meetup_ids) in groups {
            let filter = Condition::all()
                .add(rsvp::Column::MeetupId.is_in(meetup_ids.iter().copied()))
                .add(rsvp::Column::Status.eq(status));
            let rows = first_per_partition::<rsvp::Entity>(
                &self.db,
                filter,
                "meetup_id",
                "queued_at, id",
                limit,
            )
            .await?;
            for meetup_id in meetup_ids {
                result.insert((meetup_id, status, limit), Vec::new());
            }
            for row in rows {
                if let Some(list) = result.get_mut(&(row.meetup_id, status, limit)) {
                    list.push(row);
                }
            }
        }
        Ok(result)
    }
}
