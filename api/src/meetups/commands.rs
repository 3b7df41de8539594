//! Meetup rules: planning and changing meetups, answers with capacity and a waitlist, check-in.
//! Every answer runs in one write transaction that first locks the meetup row (`FOR UPDATE` on
//! PostgreSQL; SQLite takes its write lock at `BEGIN`), counts the seats taken under that lock,
//! and promotes from the waitlist in the same transaction, so seats are never overbooked however
//! many members answer at once.

use std::sync::Arc;

use chrono::{DateTime, NaiveTime, Utc};
use entity::{
    meetup, meetup_host, meetup_topic,
    membership::{self, Status as MembershipStatus},
    notification::Kind,
    rsvp,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    auth::viewer::{Identity, Viewer},
    db::begin_write,
    discussions::links::{self, Post},
    error::{AppError, AppResult},
    events::Event,
    groups::{self, policy::GroupAction},
    ids,
    meetups::{mail, policy::MeetupAccess},
    notifications, search,
    state::AppState,
    text, topics,
};

const MAX_AGENDA_ITEMS: usize = 50;
const MAX_HOSTS: usize = 10;
const DEFAULT_TIMEZONE: &str = "Europe/Oslo";
/// The longest a meetup may last; reads rely on it to bound their index ranges.
pub const MAX_DURATION_DAYS: i64 = 14;

/// Locks the meetup row for the rest of `txn` and reads the viewer's standing after the lock.
async fn lock_access(
    txn: &DatabaseTransaction,
    viewer: &Identity,
    meetup_id: Uuid,
) -> AppResult<MeetupAccess> {
    let meetup = meetup::Entity::find_by_id(meetup_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Meetup"))?;
    let group = groups::commands::access_in(txn, viewer, meetup.group_id, false).await?;
    let is_host = meetup_host::Entity::find()
        .filter(meetup_host::Column::MeetupId.eq(meetup_id))
        .filter(meetup_host::Column::MemberId.eq(viewer.member_id))
        .count(txn)
        .await?
        > 0;
    let rsvp = rsvp::Entity::find()
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .filter(rsvp::Column::MemberId.eq(viewer.member_id))
        .one(txn)
        .await?;
    Ok(MeetupAccess {
        group,
        meetup: Arc::new(meetup),
        is_host,
        rsvp,
    })
}

/// Where an in-person meetup is held, as given.
pub struct Place {
    pub name: String,
    pub address: Option<String>,
}

/// One item of a formal meetup's programme, as stored (a JSON list in `meetup.agenda`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgendaEntry {
    /// Local time of day, `HH:MM`, in the meetup's timezone.
    pub time: String,
    pub title: String,
    pub speaker: Option<String>,
}

/// What `createMeetup` and `updateMeetup` may set. `None` leaves a field as it is.
#[derive(Default)]
pub struct MeetupFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<meetup::Kind>,
    pub format: Option<meetup::Format>,
    /// `Some(None)` removes the venue.
    pub venue: Option<Option<Place>>,
    /// `Some(None)` removes the link.
    pub online_url: Option<Option<String>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    /// `Some(None)` makes seats unlimited.
    pub capacity: Option<Option<i32>>,
    /// `Some(None)` removes the deadline.
    pub rsvp_deadline: Option<Option<DateTime<Utc>>>,
    pub agenda: Option<Vec<AgendaEntry>>,
    /// Global ids of the hosts; they must be active members of the group.
    pub hosts: Option<Vec<Uuid>>,
    pub topics: Option<Vec<String>>,
}

/// The meetup as it will be after applying `fields` to `current` (or to defaults for a new
/// one), checked as a whole: times in order, the venue or link the format needs, and so on.
fn apply_fields(mut row: meetup::Model, fields: &MeetupFields) -> AppResult<meetup::Model> {
    if let Some(title) = &fields.title {
        row.title = text::limits::MEETUP_TITLE.clean(title)?;
    }
    if let Some(description) = &fields.description {
        row.description = text::limits::MEETUP_DESCRIPTION.clean(description)?;
    }
    if let Some(kind) = fields.kind {
        row.kind = kind;
    }
    if let Some(format) = fields.format {
        row.format = format;
    }
    if let Some(venue) = &fields.venue {
        match venue {
            Some(venue) => {
                row.venue_name = Some(text::limits::VENUE_NAME.clean(&venue.name)?);
                row.venue_address =
                    text::limits::VENUE_ADDRESS.clean_optional(venue.address.as_deref())?;
            }
            None => {
                row.venue_name = None;
                row.venue_address = None;
            }
        }
    }
    if let Some(url) = &fields.online_url {
        row.online_url = text::web_url(url.as_deref(), "onlineUrl")?;
    }
    if let Some(starts_at) = fields.starts_at {
        row.starts_at = starts_at;
    }
    if let Some(ends_at) = fields.ends_at {
        row.ends_at = ends_at;
    }
    if let Some(timezone) = &fields.timezone {
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(AppError::bad_input(
                "timezone",
                "Not an IANA timezone (e.g. Europe/Oslo)",
            ));
        }
        row.timezone = timezone.clone();
    }
    if let Some(capacity) = fields.capacity {
        if capacity.is_some_and(|c| !(1..=100_000).contains(&c)) {
            return Err(AppError::bad_input(
                "capacity",
                "Must be between 1 and 100000, or null for unlimited",
            ));
        }
        row.capacity = capacity;
    }
    if let Some(deadline) = fields.rsvp_deadline {
        row.rsvp_deadline = deadline;
    }
    if let Some(agenda) = &fields.agenda {
        row.agenda = agenda_json(agenda)?;
    }
    if row.ends_at <= row.starts_at {
        return Err(AppError::bad_input("endsAt", "Must be after startsAt"));
    }
    if row.ends_at - row.starts_at > chrono::Duration::days(MAX_DURATION_DAYS) {
        return Err(AppError::bad_input(
            "endsAt",
            format!("A meetup lasts at most {MAX_DURATION_DAYS} days"),
        ));
    }
    if row
        .rsvp_deadline
        .is_some_and(|deadline| deadline > row.starts_at)
    {
        return Err(AppError::bad_input(
            "rsvpDeadline",
            "Must not be after startsAt",
        ));
    }
    let needs_venue = matches!(
        row.format,
        meetup::Format::InPerson | meetup::Format::Hybrid
    );
    let needs_link = matches!(row.format, meetup::Format::Online | meetup::Format::Hybrid);
    if needs_venue && row.venue_name.is_none() {
        return Err(AppError::bad_input(
            "venue",
            "In-person and hybrid meetups need a venue",
        ));
    }
    if needs_link && row.online_url.is_none() {
        return Err(AppError::bad_input(
            "onlineUrl",
            "Online and hybrid meetups need a link",
        ));
    }
    Ok(row)
}

fn agenda_json(agenda: &[AgendaEntry]) -> AppResult<String> {
    if agenda.len() > MAX_AGENDA_ITEMS {
        return Err(AppError::bad_input(
            "agenda",
            format!("At most {MAX_AGENDA_ITEMS} items"),
        ));
    }
    let mut cleaned = Vec::with_capacity(agenda.len());
    for item in agenda {
        if NaiveTime::parse_from_str(&item.time, "%H:%M").is_err() {
            return Err(AppError::bad_input("agenda.time", "Use HH:MM"));
        }
        cleaned.push(AgendaEntry {
            time: item.time.clone(),
            title: text::limits::AGENDA_TITLE.clean(&item.title)?,
            speaker: text::limits::AGENDA_SPEAKER.clean_optional(item.speaker.as_deref())?,
        });
    }
    serde_json::to_string(&cleaned).map_err(AppError::internal)
}

async fn set_hosts(
    txn: &DatabaseTransaction,
    meetup: &meetup::Model,
    hosts: &[Uuid],
) -> AppResult<()> {
    let mut hosts = hosts.to_vec();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() || hosts.len() > MAX_HOSTS {
        return Err(AppError::bad_input(
            "hosts",
            format!("Name 1 to {MAX_HOSTS} hosts"),
        ));
    }
    let members = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(meetup.group_id))
        .filter(membership::Column::MemberId.is_in(hosts.clone()))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .count(txn)
        .await?;
    if members != hosts.len() as u64 {
        return Err(AppError::bad_input(
            "hosts",
            "Hosts must be members of the group",
        ));
    }
    meetup_host::Entity::delete_many()
        .filter(meetup_host::Column::MeetupId.eq(meetup.id))
        .exec(txn)
        .await?;
    meetup_host::Entity::insert_many(hosts.into_iter().map(|member_id| meetup_host::ActiveModel {
        meetup_id: Set(meetup.id),
        member_id: Set(member_id),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

/// Plans a meetup in a group (organisers and owners), as a draft or published at once.
pub async fn create_meetup(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    fields: MeetupFields,
    publish: bool,
) -> AppResult<meetup::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = groups::commands::access_in(&txn, actor, group_id, false).await?;
    access.ensure_change(GroupAction::ManageMeetups)?;
    let now = Utc::now();
    let draft = meetup::Model {
        id: ids::new_key(),
        group_id,
        title: String::new(),
        description: String::new(),
        kind: meetup::Kind::Informal,
        format: meetup::Format::InPerson,
        venue_name: None,
        venue_address: None,
        online_url: None,
        starts_at: fields
            .starts_at
            .ok_or_else(|| AppError::bad_input("startsAt", "Required"))?,
        ends_at: fields
            .ends_at
            .ok_or_else(|| AppError::bad_input("endsAt", "Required"))?,
        timezone: DEFAULT_TIMEZONE.into(),
        capacity: None,
        rsvp_deadline: None,
        status: if publish {
            meetup::Status::Published
        } else {
            meetup::Status::Draft
        },
        cancel_reason: None,
        agenda: "[]".into(),
        sequence: 0,
        created_by: actor.member_id,
        created_at: now,
        updated_at: now,
        going_count: 0,
        waitlist_count: 0,
        waitlist_peak: 0,
    };
    if fields.title.is_none() {
        return Err(AppError::bad_input("title", "Required"));
    }
    let row = apply_fields(draft, &fields)?;
    if publish && row.starts_at <= now {
        return Err(AppError::bad_input("startsAt", "Must be in the future"));
    }
    let meetup = meetup::ActiveModel::from(row)
        .reset_all()
        .insert(&txn)
        .await?;
    set_hosts(
        &txn,
        &meetup,
        fields.hosts.as_deref().unwrap_or(&[actor.member_id]),
    )
    .await?;
    topics::set::<meetup_topic::Entity>(
        &txn,
        meetup.id,
        fields.topics.as_deref().unwrap_or_default(),
    )
    .await?;
    search::index::write(&txn, search::index::meetup(&meetup)).await?;
    links::write(&txn, group_id, Post::Meetup(meetup.id), &meetup.description).await?;
    if publish {
        notifications::meetups::enqueue(
            state,
            &txn,
            &meetup,
            Kind::MeetupPublished,
            Some(actor.member_id),
            &[],
        )
        .await?;
    }
    txn.commit().await?;
    Ok(meetup)
}

/// Changes a meetup (organisers and owners). Calendar clients see the new version (`SEQUENCE`
/// grows); added seats go to the waitlist at once.
pub async fn update_meetup(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
    fields: MeetupFields,
) -> AppResult<meetup::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, meetup_id).await?;
    access.ensure_manage()?;
    if access.meetup.status == meetup::Status::Cancelled {
        return Err(AppError::Conflict("The meetup is cancelled".into()));
    }
    let mut row = apply_fields(meetup::Model::clone(&access.meetup), &fields)?;
    row.sequence += 1;
    let meetup = meetup::ActiveModel::from(row)
        .reset_all()
        .update(&txn)
        .await?;
    if let Some(hosts) = &fields.hosts {
        set_hosts(&txn, &meetup, hosts).await?;
    }
    if let Some(topics) = &fields.topics {
        topics::set::<meetup_topic::Entity>(&txn, meetup.id, topics).await?;
    }
    promote_waitlist(state, &txn, &meetup).await?;
    store_counts(&txn, meetup.id).await?;
    search::index::write(&txn, search::index::meetup(&meetup)).await?;
    if meetup.description != access.meetup.description {
        let post = Post::Meetup(meetup_id);
        links::rewrite(&txn, meetup.group_id, post, &meetup.description).await?;
    }
    let before = &access.meetup;
    let moved = (
        meetup.starts_at,
        meetup.ends_at,
        &meetup.venue_name,
        &meetup.venue_address,
    ) != (
        before.starts_at,
        before.ends_at,
        &before.venue_name,
        &before.venue_address,
    ) || meetup.online_url != before.online_url;
    if moved && meetup.status == meetup::Status::Published {
        mail::enqueue_change(state, &txn, meetup.id, mail::Change::Moved, meetup.sequence).await?;
        notifications::meetups::enqueue(
            state,
            &txn,
            &meetup,
            Kind::MeetupChanged,
            Some(actor.member_id),
            &[],
        )
        .await?;
    }
    txn.commit().await?;
    state.events.publish(Event::MeetupUpdated { meetup_id });
    Ok(meetup)
}

/// Publishes a draft.
pub async fn publish_meetup(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
) -> AppResult<meetup::Model> {
    change_status(state, viewer, meetup_id, meetup::Status::Published, None).await
}

/// Cancels a meetup, with a reason for those who planned to come.
pub async fn cancel_meetup(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
    reason: Option<&str>,
) -> AppResult<meetup::Model> {
    let reason = text::limits::REASON.clean_optional(reason)?;
    change_status(state, viewer, meetup_id, meetup::Status::Cancelled, reason).await
}

async fn change_status(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
    status: meetup::Status,
    reason: Option<String>,
) -> AppResult<meetup::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, meetup_id).await?;
    access.ensure_manage()?;
    let current = access.meetup.status;
    if current == status {
        return Ok(Arc::unwrap_or_clone(access.meetup));
    }
    if current == meetup::Status::Cancelled {
        return Err(AppError::Conflict("The meetup is cancelled".into()));
    }
    if status == meetup::Status::Published && access.meetup.starts_at <= Utc::now() {
        return Err(AppError::Conflict(
            "The meetup's start is past: move it first".into(),
        ));
    }
    let meetup = meetup::ActiveModel {
        id: Set(meetup_id),
        status: Set(status),
        cancel_reason: Set(reason),
        sequence: Set(access.meetup.sequence + 1),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    search::index::write(&txn, search::index::meetup(&meetup)).await?;
    if status == meetup::Status::Cancelled {
        mail::enqueue_change(
            state,
            &txn,
            meetup_id,
            mail::Change::Cancelled,
            meetup.sequence,
        )
        .await?;
    }
    let told = match status {
        meetup::Status::Published => Some(Kind::MeetupPublished),
        meetup::Status::Cancelled => Some(Kind::MeetupCancelled),
        meetup::Status::Draft => None,
    };
    if let Some(kind) = told {
        notifications::meetups::enqueue(state, &txn, &meetup, kind, Some(actor.member_id), &[])
            .await?;
    }
    txn.commit().await?;
    state.events.publish(Event::MeetupUpdated { meetup_id });
    Ok(meetup)
}

async fn next_queue_position(txn: &DatabaseTransaction, meetup_id: Uuid) -> AppResult<i64> {
    let max: Option<Option<i64>> = rsvp::Entity::find()
        .select_only()
        .column_as(rsvp::Column::QueuedAt.max(), "max")
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .into_tuple()
        .one(txn)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

async fn going_count(txn: &DatabaseTransaction, meetup_id: Uuid) -> AppResult<u64> {
    Ok(rsvp::Entity::find()
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .filter(rsvp::Column::Status.eq(rsvp::Status::Going))
        .count(txn)
        .await?)
}

/// The number of answers of `status` to `meetup_id`, as an expression for an `UPDATE`.
fn answers_with(meetup_id: Uuid, status: rsvp::Status) -> Expr {
    Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Expr::col(rsvp::Column::Id).count())
                .from(rsvp::Entity)
                .and_where(rsvp::Column::MeetupId.eq(meetup_id))
                .and_where(rsvp::Column::Status.eq(status))
                .to_owned()
                .into(),
        ),
    )
}

/// Stores the meetup's going and waitlisted counts, recounted from its answers, and the
/// waitlist's peak. Runs under the meetup lock, after the transaction's last change to its
/// answers, so the stored counts are those the transaction commits.
async fn store_counts(txn: &DatabaseTransaction, meetup_id: Uuid) -> AppResult<()> {
    let waiting = answers_with(meetup_id, rsvp::Status::Waitlisted);
    meetup::Entity::update_many()
        .col_expr(
            meetup::Column::WaitlistPeak,
            Expr::case(
                waiting.clone().gt(Expr::col(meetup::Column::WaitlistPeak)),
                waiting,
            )
            .finally(Expr::col(meetup::Column::WaitlistPeak))
            .into(),
        )
        .col_expr(
            meetup::Column::GoingCount,
            answers_with(meetup_id, rsvp::Status::Going),
        )
        .col_expr(
            meetup::Column::WaitlistCount,
            answers_with(meetup_id, rsvp::Status::Waitlisted),
        )
        .filter(meetup::Column::Id.eq(meetup_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Moves the first of the waitlist up while seats are free, and enqueues "you got a seat" for
/// each. Runs under the meetup lock.
async fn promote_waitlist(
    state: &AppState,
    txn: &DatabaseTransaction,
    meetup: &meetup::Model,
) -> AppResult<()> {
    let mut waiting = rsvp::Entity::find()
        .select_only()
        .column(rsvp::Column::Id)
        .column(rsvp::Column::MemberId)
        .filter(rsvp::Column::MeetupId.eq(meetup.id))
        .filter(rsvp::Column::Status.eq(rsvp::Status::Waitlisted))
        .order_by_asc(rsvp::Column::QueuedAt)
        .order_by_asc(rsvp::Column::Id);
    // Unlimited seats: everyone waiting may come.
    if let Some(capacity) = meetup.capacity.and_then(|c| u64::try_from(c).ok()) {
        let free = capacity.saturating_sub(going_count(txn, meetup.id).await?);
        if free == 0 {
            return Ok(());
        }
        waiting = waiting.limit(free);
    }
    let next: Vec<(Uuid, Uuid)> = waiting.into_tuple().all(txn).await?;
    if next.is_empty() {
        return Ok(());
    }
    let (answers, members): (Vec<Uuid>, Vec<Uuid>) = next.into_iter().unzip();
    rsvp::Entity::update_many()
        .col_expr(rsvp::Column::Status, Expr::value(rsvp::Status::Going))
        .col_expr(rsvp::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(rsvp::Column::Id.is_in(answers))
        .exec(txn)
        .await?;
    mail::enqueue_promoted(state, txn, meetup.id, &members).await?;
    notifications::meetups::enqueue(
        state,
        txn,
        meetup,
        Kind::PromotedFromWaitlist,
        None,
        &members,
    )
    .await
}

/// Answers a meetup. Going takes a seat if one is free, else a place on the waitlist; not going
/// frees the seat for the first on the waitlist, in the same transaction.
pub async fn rsvp(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
    going: bool,
) -> AppResult<rsvp::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, meetup_id).await?;
    let joins_group = access.may_rsvp()?;
    let meetup = &access.meetup;
    let now = Utc::now();
    match meetup.status {
        meetup::Status::Draft => {
            return Err(AppError::Conflict("The meetup is not published yet".into()));
        }
        meetup::Status::Cancelled => {
            return Err(AppError::Conflict("The meetup is cancelled".into()));
        }
        meetup::Status::Published => {}
    }
    if meetup.starts_at <= now {
        return Err(AppError::Conflict("The meetup has already started".into()));
    }
    if meetup.rsvp_deadline.is_some_and(|deadline| deadline <= now) {
        return Err(AppError::Conflict(
            "Answers are closed for this meetup".into(),
        ));
    }
    if joins_group {
        groups::commands::add_member(
            &txn,
            meetup.group_id,
            actor.member_id,
            MembershipStatus::Active,
        )
        .await?;
    }
    let previous = access.rsvp.clone();
    let was_going = previous
        .as_ref()
        .is_some_and(|r| r.status == rsvp::Status::Going);
    if let Some(unchanged) = previous
        .as_ref()
        .filter(|r| going && r.status != rsvp::Status::NotGoing)
    {
        // Already going or waiting: answering going again keeps the place in line.
        let unchanged = unchanged.clone();
        txn.commit().await?;
        return Ok(unchanged);
    }
    let status = if !going {
        rsvp::Status::NotGoing
    } else {
        let has_seat = match meetup.capacity.and_then(|c| u64::try_from(c).ok()) {
            None => true,
            // The stored count is exact here: it is read under the meetup lock.
            Some(capacity) => u64::try_from(meetup.going_count).unwrap_or(0) < capacity,
        };
        if has_seat {
            rsvp::Status::Going
        } else {
            rsvp::Status::Waitlisted
        }
    };
    let queued_at = next_queue_position(&txn, meetup_id).await?;
    let saved = match previous {
        Some(previous) => {
            rsvp::ActiveModel {
                id: Set(previous.id),
                status: Set(status),
                queued_at: Set(if going { queued_at } else { previous.queued_at }),
                ..Default::default()
            }
            .update(&txn)
            .await?
        }
        None => {
            rsvp::ActiveModel {
                id: Set(ids::new_key()),
                meetup_id: Set(meetup_id),
                member_id: Set(actor.member_id),
                status: Set(status),
                queued_at: Set(queued_at),
                checked_in_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    if was_going && !going {
        promote_waitlist(state, &txn, meetup).await?;
    }
    if going {
        mail::enqueue_answer(state, &txn, meetup_id, actor.member_id).await?;
    }
    store_counts(&txn, meetup_id).await?;
    txn.commit().await?;
    state.events.publish(Event::MeetupUpdated { meetup_id });
    Ok(saved)
}

/// Gives up every seat and waitlist place `member_id` holds for meetups that have not started,
/// promoting from each waitlist: part of deleting an account. Runs in the caller's transaction,
/// locking each meetup row in turn.
pub async fn withdraw_member(
    state: &AppState,
    txn: &DatabaseTransaction,
    member_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    let answers = rsvp::Entity::find()
        .filter(rsvp::Column::MemberId.eq(member_id))
        .filter(rsvp::Column::Status.ne(rsvp::Status::NotGoing))
        .all(txn)
        .await?;
    let mut changed = Vec::new();
    for answer in answers {
        let Some(meetup) = meetup::Entity::find_by_id(answer.meetup_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|m| m.starts_at > Utc::now())
        else {
            continue;
        };
        rsvp::ActiveModel {
            id: Set(answer.id),
            status: Set(rsvp::Status::NotGoing),
            ..Default::default()
        }
        .update(txn)
        .await?;
        promote_waitlist(state, txn, &meetup).await?;
        store_counts(txn, meetup.id).await?;
        changed.push(meetup.id);
    }
    Ok(changed)
}

/// Checks a member in at the door (hosts, organisers and owners). The member must be going.
pub async fn check_in(
    state: &AppState,
    viewer: &Viewer,
    meetup_id: Uuid,
    member_id: Uuid,
) -> AppResult<rsvp::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, meetup_id).await?;
    access.ensure_check_in()?;
    if access.meetup.status != meetup::Status::Published {
        return Err(AppError::Conflict(
            "Only published meetups take check-ins".into(),
        ));
    }
    let answer = rsvp::Entity::find()
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .filter(rsvp::Column::MemberId.eq(member_id))
        .one(&txn)
        .await?
        .filter(|r| r.status == rsvp::Status::Going)
        .ok_or_else(|| AppError::bad_input("memberId", "That member is not going"))?;
    if answer.checked_in_at.is_some() {
        return Ok(answer);
    }
    let checked = rsvp::ActiveModel {
        id: Set(answer.id),
        checked_in_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(checked)
}
