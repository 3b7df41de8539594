//! Batched look-ups for meetup lists: meetups with their groups, the viewer's answers, hosts and
//! the first attendees (with the members they are) of every meetup on a page, each in one query.
//! Going and waitlisted counts are kept on the meetup row.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{meetup, meetup_host, member, rsvp};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::{
    db::{Db, first_of_each_with, join_viewer_row, row_exists},
    error::AppError,
    graphql::loaders::LoadContext,
    groups::loaders::read_with_group,
    members::loader::{JOINED_PROFILE, shared},
};

/// Meetups by id, each read with its group and, for a signed-in viewer, their membership in the
/// group, their answer and whether they host, in one statement.
pub struct MeetupLoader {
    pub context: LoadContext,
}

impl Loader<Uuid> for MeetupLoader {
    type Value = meetup::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, meetup::Model>, AppError> {
        let viewer = self.context.viewer;
        let rows = read_with_group::<meetup::Entity, _>(
            &self.context,
            keys,
            (meetup::Column::Id, meetup::Column::GroupId),
            None,
            |select, viewer| match viewer {
                Some(viewer) => with_standing(select, viewer),
                None => select,
            },
        )
        .await?;
        if viewer.is_some() {
            let mut standings = Vec::with_capacity(rows.len());
            for (meetup, row) in &rows {
                standings.push((meetup.id, standing(row)?));
            }
            self.context.feed(|loaders| &loaders.standings, standings);
        }
        Ok(rows.into_iter().map(|(row, _)| (row.id, row)).collect())
    }
}

/// The viewer's standing towards a meetup: whether they host it, and their answer.
#[derive(Clone, Debug, Default)]
pub struct Standing {
    pub is_host: bool,
    pub rsvp: Option<rsvp::Model>,
}

/// The prefix of the viewer's answer's columns, and the name of the hosting flag, in a meetup
/// read with [`with_standing`].
const ANSWER: &str = "E_";
const HOSTS: &str = "viewer_hosts";

/// Adds the viewer's answer (`LEFT JOIN rsvp`) and whether they host (`EXISTS`) to a read of
/// meetups.
fn with_standing<S: QuerySelect>(select: S, viewer: Uuid) -> S {
    join_viewer_row::<_, meetup::Entity, rsvp::Entity>(
        select,
        (meetup::Column::Id, rsvp::Column::MeetupId),
        rsvp::Column::MemberId,
        viewer,
        ANSWER,
    )
    .column_as(
        row_exists::<meetup_host::Entity>(
            meetup_host::Column::MeetupId,
            (meetup::Entity, meetup::Column::Id),
            Condition::all().add(meetup_host::Column::MemberId.eq(viewer)),
        ),
        HOSTS,
    )
}

fn standing(row: &QueryResult) -> Result<Standing, AppError> {
    Ok(Standing {
        is_host: row.try_get("", HOSTS)?,
        rsvp: Option::<rsvp::Model>::from_query_result(row, ANSWER)?,
    })
}

/// The signed-in viewer's [`Standing`] towards meetups read without it (a page of a group's
/// meetups): one statement for the page.
pub struct StandingLoader {
    pub context: LoadContext,
}

impl Loader<Uuid> for StandingLoader {
    type Value = Standing;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Standing>, AppError> {
        let Some(viewer) = self.context.viewer else {
            return Ok(HashMap::new());
        };
        let select = meetup::Entity::find()
            .select_only()
            .column_as(meetup::Column::Id, "meetup_id")
            .filter(meetup::Column::Id.is_in(keys.iter().copied()));
        let rows = self
            .context
            .db
            .query_all(with_standing(select, viewer).as_query())
            .await?;
        let mut standings = HashMap::with_capacity(rows.len());
        for row in rows {
            standings.insert(row.try_get::<Uuid>("", "meetup_id")?, standing(&row)?);
        }
        Ok(standings)
    }
}

/// Host member ids by meetup.
pub struct MeetupHostsLoader {
    pub db: Db,
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

/// The first `limit` answers of one status for each meetup, in arrival order, with the members
/// who gave them: one query for a whole page of meetups (`db::first_of_each_with`, on the
/// `(meetup_id, status, queued_at)` index).
pub struct AttendeePreviewLoader {
    pub context: LoadContext,
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
            // The members come in the same statement: a list of attendees shows their names.
            let rows = first_of_each_with::<rsvp::Entity, member::Entity, member::Profile>(
                &self.context.db,
                (rsvp::Column::MeetupId, &meetup_ids),
                Some((rsvp::Column::Status, status.to_value())),
                (&[rsvp::Column::QueuedAt, rsvp::Column::Id], limit),
                Some((rsvp::Column::MemberId, JOINED_PROFILE)),
            )
            .await?;
            for meetup_id in meetup_ids {
                result.insert((meetup_id, status, limit), Vec::new());
            }
            let mut members = Vec::with_capacity(rows.len());
            for (row, member) in rows {
                members.extend(member.map(shared));
                if let Some(list) = result.get_mut(&(row.meetup_id, status, limit)) {
                    list.push(row);
                }
            }
            self.context.feed(|loaders| &loaders.members, members);
        }
        Ok(result)
    }
}
