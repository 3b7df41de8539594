//! Batched look-ups for meetup lists: meetups with their groups, the viewer's answers, hosts and
//! the first attendees (with the members they are) of every meetup on a page, each in one query.
//! Going and waitlisted counts are kept on the meetup row.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::{
    meetup, meetup_host, member,
    row::{FromRow, Row, joined},
    rsvp,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::{
    db::{Db, Firsts, JoinFirsts, first_of_each_with, join_viewer_row, row_exists},
    error::AppError,
    graphql::loaders::LoadContext,
    groups::loaders::read_with_group,
    members::loader::{Card, Shown, keyed},
};

/// Meetups by id, each read with its group and, for a signed-in viewer, their membership in the
/// group, their answer and whether they host, in one statement.
pub struct MeetupLoader {
    pub context: LoadContext,
}

impl Loader<Uuid> for MeetupLoader {
    /// Shared: the cache, each reader and each feed hold the one row.
    type Value = Arc<meetup::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Arc<meetup::Model>>, AppError> {
        read_meetups(&self.context, keys, None).await
    }
}

/// Meetups by id, as [`MeetupLoader`] reads them, each with its first answers of one status
/// (keyed as [`AttendeePreviewLoader`] keys them): a meetup page that shows its first attendees.
/// On PostgreSQL the answers are joined to the meetups' read, one statement in all, and fed to
/// the answers' loader; on SQLite, which cannot join them so, that loader reads them after.
pub struct MeetupWithAttendeesLoader {
    pub context: LoadContext,
}

impl Loader<PreviewKey> for MeetupWithAttendeesLoader {
    type Value = Arc<meetup::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[PreviewKey],
    ) -> Result<HashMap<PreviewKey, Arc<meetup::Model>>, AppError> {
        let mut result = HashMap::with_capacity(keys.len());
        for (list, meetup_ids) in by_list(keys) {
            let meetups = read_meetups(&self.context, &meetup_ids, Some(list)).await?;
            let (status, limit, shown) = list;
            result.extend(
                meetups
                    .into_iter()
                    .map(|(id, meetup)| ((id, status, limit, shown), meetup)),
            );
        }
        Ok(result)
    }
}

/// Meetups by id with their groups (and the viewer's standing, fed to its loader), and, given a
/// list of answers on PostgreSQL, the first answers of its status with the members who gave
/// them, fed to their loaders. The meetups read with answers are fed to [`MeetupLoader`].
async fn read_meetups(
    context: &LoadContext,
    keys: &[Uuid],
    attendees: Option<AnswerList>,
) -> Result<HashMap<Uuid, Arc<meetup::Model>>, AppError> {
    let firsts = attendees
        .filter(|_| context.db.get_database_backend() == DbBackend::Postgres)
        .map(|list| (list, first_attendees(list)));
    let rows = read_with_group::<meetup::Entity, _>(
        context,
        keys,
        (meetup::Column::Id, meetup::Column::GroupId),
        None,
        |select, viewer| match viewer {
            Some(viewer) => with_standing(select, viewer),
            None => select,
        },
        firsts.as_ref().map(|(_, firsts)| firsts as &dyn JoinFirsts),
    )
    .await?;
    let mut standings = Vec::new();
    let mut previews = Vec::new();
    let mut members = Vec::new();
    for (meetup, results) in &rows {
        if context.viewer.is_some()
            && let Some(first) = results.first()
        {
            standings.push((meetup.id, standing(first.row())?));
        }
        if let Some(((status, limit, shown), firsts)) = &firsts {
            // The meetup's own result, then one for each answer.
            let mut answers = Vec::with_capacity(results.len());
            for result in results.iter().skip(1) {
                let (answer, member) = firsts.read_last(result.row())?;
                members.extend(member.map(keyed));
                answers.push(answer);
            }
            previews.push(((meetup.id, *status, *limit, *shown), answers));
        }
    }
    context.feed(|loaders| loaders.standings(), standings);
    context.feed(|loaders| loaders.attendee_previews(), previews);
    context.feed(|loaders| loaders.members(), members);
    let meetups: HashMap<Uuid, Arc<meetup::Model>> = rows
        .into_iter()
        .map(|(meetup, _)| (meetup.id, Arc::new(meetup)))
        .collect();
    if attendees.is_some() {
        context.feed(
            |loaders| loaders.meetups(),
            meetups.iter().map(|(id, meetup)| (*id, Arc::clone(meetup))),
        );
    }
    Ok(meetups)
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

fn standing(row: Row<'_>) -> Result<Standing, DbErr> {
    Ok(Standing {
        is_host: row.get(HOSTS)?,
        rsvp: joined(row, ANSWER)?,
    })
}

/// A meetup read with the signed-in viewer's [`Standing`] joined: a page of meetups for a
/// viewer, whose standings then cost no statement of their own.
pub struct WithStanding {
    pub meetup: meetup::Model,
    pub standing: Standing,
}

impl FromRow for WithStanding {
    const BY_POSITION: bool = true;

    fn from_row(row: Row<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            meetup: meetup::Model::from_row(row)?,
            standing: standing(row)?,
        })
    }
}

/// `select` of meetups with `viewer`'s standing joined, read as [`WithStanding`].
pub fn join_standing(
    viewer: Uuid,
) -> impl FnOnce(Select<meetup::Entity>) -> Select<meetup::Entity> {
    move |select| with_standing(select, viewer)
}

/// The signed-in viewer's [`Standing`] towards meetups read without it: one statement for a
/// page. A meetup's read by id and a group's page of meetups join it and feed it here; this
/// reads it for the viewer's upcoming meetups, and in a request that does not keep what it read
/// (a mutation's answer).
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
            standings.insert(
                row.try_get::<Uuid>("", "meetup_id")?,
                standing((&row).into())?,
            );
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

/// A list of first answers: their status, how many, and what it shows of the members who gave
/// them.
pub type AnswerList = (rsvp::Status, u64, Shown);

/// A meetup's list of first answers: `(meetup_id, status, limit, shown)`.
pub type PreviewKey = (Uuid, rsvp::Status, u64, Shown);

impl Loader<PreviewKey> for AttendeePreviewLoader {
    type Value = Vec<rsvp::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[PreviewKey],
    ) -> Result<HashMap<PreviewKey, Self::Value>, AppError> {
        let mut result = HashMap::new();
        for (list, meetup_ids) in by_list(keys) {
            let firsts = first_attendees(list);
            let rows = first_of_each_with(&self.context.db, &meetup_ids, &firsts).await?;
            let (status, limit, shown) = list;
            for meetup_id in meetup_ids {
                result.insert((meetup_id, status, limit, shown), Vec::new());
            }
            let mut members = Vec::with_capacity(rows.len());
            for (row, member) in rows {
                members.extend(member.map(keyed));
                if let Some(answers) = result.get_mut(&(row.meetup_id, status, limit, shown)) {
                    answers.push(row);
                }
            }
            self.context.feed(|loaders| loaders.members(), members);
        }
        Ok(result)
    }
}

/// The meetups of `keys` by the list of answers they ask for.
fn by_list(keys: &[PreviewKey]) -> HashMap<AnswerList, Vec<Uuid>> {
    let mut lists: HashMap<AnswerList, Vec<Uuid>> = HashMap::new();
    for (meetup_id, status, limit, shown) in keys {
        lists
            .entry((*status, *limit, *shown))
            .or_default()
            .push(*meetup_id);
    }
    lists
}

/// The first `limit` answers of `status` to a meetup, in arrival order (on the `(meetup_id,
/// status, queued_at)` index), with the members who gave them (as much of them as `shown`): a
/// list of attendees shows their names.
fn first_attendees(
    (status, limit, shown): AnswerList,
) -> Firsts<'static, rsvp::Entity, member::Entity, Card> {
    Firsts {
        partition: rsvp::Column::MeetupId,
        filter: Some((rsvp::Column::Status, status.to_value())),
        order: &[rsvp::Column::QueuedAt, rsvp::Column::Id],
        limit,
        foreign_key: Some((rsvp::Column::MemberId, shown.joined())),
    }
}
