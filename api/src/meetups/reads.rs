//! Meetup reads for GraphQL: a meetup by id, a group's meetups, upcoming meetups, the viewer's
//! answers and attendee lists, built with the request's loaders. Writes live in `commands`.

use std::sync::Arc;

use async_graphql::{Context, InputType, SelectionField, Value};
use chrono::{DateTime, Utc};
use entity::{
    meetup,
    membership::{self, Status as MembershipStatus},
    rsvp,
};
use futures_util::future::try_join_all;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Query};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    db::row_exists,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        loaders::Loaders,
        pagination::{
            Order, Page, PageArgs, any_node_selection, first_page_fetch_limit, page_by_id,
        },
    },
    groups::{
        self,
        policy::{GroupAccess, GroupAction},
    },
    meetups::{
        commands::MAX_DURATION_DAYS,
        loaders::{AnswerList, Standing, WithStanding, join_standing},
        policy::MeetupAccess,
        types::{Meetup, MeetupWhen, Rsvp, RsvpStatus},
    },
    members::loader::Shown,
};

/// The viewer's standing towards `meetup`, all through the request's loaders.
pub async fn access_with(
    loaders: &Loaders,
    viewer: &Viewer,
    meetup: Arc<meetup::Model>,
) -> AppResult<MeetupAccess> {
    let group = groups::reads::access_to_parent(loaders, viewer, meetup.group_id, "Meetup").await?;
    let standing = match viewer.member_id() {
        Some(_) => loaders
            .standings()
            .load_one(meetup.id)
            .await?
            .unwrap_or_default(),
        None => Standing::default(),
    };
    Ok(MeetupAccess {
        group,
        meetup,
        is_host: standing.is_host,
        rsvp: standing.rsvp,
    })
}

/// A meetup the viewer may see, or `NOT_FOUND`. When the field's selection shows the first of
/// its attendees, they are read with it (in one statement on PostgreSQL).
pub async fn meetup_by_id(ctx: &Context<'_>, meetup_id: Uuid) -> AppResult<Meetup> {
    let loaders = ctx.loaders()?;
    let row = match first_attendees_selected(ctx) {
        Some((status, limit, shown)) => {
            loaders
                .meetups_with_attendees()
                .load_one((meetup_id, status, limit, shown))
                .await?
        }
        None => loaders.meetups().load_one(meetup_id).await?,
    }
    .ok_or(AppError::NotFound("Meetup"))?;
    let access = access_with(loaders, ctx.viewer(), row).await?;
    access.ensure_visible()?;
    Ok(Meetup::new(access))
}

/// The first answers the selection of a meetup field (`ctx`) shows by `attendees`, as
/// [`attendees`] will ask the answers' loader for them: their status, the rows to fetch and what
/// it shows of their members. `None` when it shows none, a later page, those not going (never
/// read ahead), or asks with arguments the field itself will refuse.
fn first_attendees_selected(ctx: &Context<'_>) -> Option<AnswerList> {
    let field = ctx
        .field()
        .selection_set()
        .find(|field| field.name() == "attendees")?;
    let mut status = RsvpStatus::Going;
    let mut first = None;
    for (name, value) in field.arguments().ok()? {
        match name.as_str() {
            "status" => status = RsvpStatus::parse(Some(value)).ok()?,
            "first" => first = Option::<i32>::parse(Some(value)).ok()?,
            _ if value == Value::Null => {}
            _ => return None,
        }
    }
    let status = rsvp::Status::from(status);
    if !previewed(status) {
        return None;
    }
    Some((status, first_page_fetch_limit(first)?, members_shown(field)))
}

/// What a selection of `attendees` shows of the members who answered (`member` of its nodes,
/// or of its edges' nodes).
fn members_shown(attendees: SelectionField<'_>) -> Shown {
    let more = any_node_selection(attendees, |answer| {
        Shown::of(
            answer
                .selection_set()
                .filter(|field| field.name() == "member"),
        ) == Shown::Profile
    });
    if more { Shown::Profile } else { Shown::Name }
}

/// Whether the first page of answers of `status` comes through the answers' loader, its total
/// from the count kept on the meetup: going and waitlisted, not those not going (no count kept).
fn previewed(status: rsvp::Status) -> bool {
    status != rsvp::Status::NotGoing
}

/// Builds `Meetup`s for a page of rows; the loaders batch their look-ups across the page.
async fn meetups_for_viewer(ctx: &Context<'_>, rows: Vec<meetup::Model>) -> AppResult<Vec<Meetup>> {
    let loaders = ctx.loaders()?;
    let viewer = ctx.viewer();
    let accesses = try_join_all(
        rows.into_iter()
            .map(|row| access_with(loaders, viewer, Arc::new(row))),
    )
    .await?;
    Ok(accesses
        .into_iter()
        .filter(MeetupAccess::can_see)
        .map(Meetup::new)
        .collect())
}

/// Place of a waitlisted answer (1 is next in line).
pub async fn waitlist_position(ctx: &Context<'_>, row: &rsvp::Model) -> AppResult<u64> {
    let ahead = rsvp::Entity::find()
        .filter(rsvp::Column::MeetupId.eq(row.meetup_id))
        .filter(rsvp::Column::Status.eq(rsvp::Status::Waitlisted))
        .filter(rsvp::Column::QueuedAt.lt(row.queued_at))
        .count(&ctx.state()?.db)
        .await?;
    Ok(ahead + 1)
}

/// Answers of one status in arrival order. The first page of every meetup on a list comes from
/// one batched query; later pages page by `(queued_at, id)`.
pub async fn attendees(
    ctx: &Context<'_>,
    access: &MeetupAccess,
    status: rsvp::Status,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Rsvp>> {
    access.ensure_visible()?;
    let args = PageArgs::<(i64, Uuid)>::new(ctx, first, after, None, None)?;
    let meetup_id = access.meetup.id;
    let (rows, total) = if args.is_first_page() && previewed(status) {
        let stored = if status == rsvp::Status::Going {
            access.meetup.going_count
        } else {
            access.meetup.waitlist_count
        };
        let total = u64::try_from(stored).unwrap_or(0);
        let shown = members_shown(ctx.field());
        let rows = ctx
            .loaders()?
            .attendee_previews()
            .load_one((meetup_id, status, args.fetch_limit(), shown))
            .await?
            .unwrap_or_default();
        (rows, total)
    } else {
        let select = rsvp::Entity::find()
            .filter(rsvp::Column::MeetupId.eq(meetup_id))
            .filter(rsvp::Column::Status.eq(status));
        let db = &ctx.state()?.db;
        args.fetch(
            ctx,
            db,
            select,
            (rsvp::Column::QueuedAt, rsvp::Column::Id),
            Order::OldestFirst,
        )
        .await?
    };
    // Waitlist places run on from the page's first row: one count for a later page, none for
    // the first.
    let first_place = match rows.first() {
        Some(first) if status == rsvp::Status::Waitlisted && !args.is_first_page() => {
            waitlist_position(ctx, first).await?
        }
        _ => 1,
    };
    let waitlisted = status == rsvp::Status::Waitlisted;
    let mut place = first_place;
    Ok(args.connection(
        rows,
        total,
        |row| (row.queued_at, row.id),
        |row| {
            let position = waitlisted.then_some(place);
            place += 1;
            Rsvp { row, position }
        },
    ))
}

/// Upcoming (not yet over) or past meetups. Besides `ends_at`, each side bounds `starts_at`, which
/// the lists' indexes order by: a meetup not yet over started at most
/// [`MAX_DURATION_DAYS`] ago, and one that is over has started. So a page of upcoming meetups
/// starts its index range near now instead of walking every past meetup of the group.
fn time_filter(
    select: sea_orm::Select<meetup::Entity>,
    when: MeetupWhen,
) -> (sea_orm::Select<meetup::Entity>, Order) {
    let now = Utc::now();
    match when {
        MeetupWhen::Upcoming => (
            select.filter(meetup::Column::EndsAt.gte(now)).filter(
                meetup::Column::StartsAt.gte(now - chrono::Duration::days(MAX_DURATION_DAYS)),
            ),
            Order::OldestFirst,
        ),
        MeetupWhen::Past => (
            select
                .filter(meetup::Column::EndsAt.lt(now))
                .filter(meetup::Column::StartsAt.lt(now)),
            Order::NewestFirst,
        ),
    }
}

/// A group's meetups, upcoming (soonest first) or past (latest first). Drafts show to those who
/// manage the group's meetups.
pub async fn group_meetups(
    ctx: &Context<'_>,
    group: &GroupAccess,
    when: MeetupWhen,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Meetup>> {
    group.ensure(GroupAction::ReadContent)?;
    let mut select = meetup::Entity::find().filter(meetup::Column::GroupId.eq(group.group.id));
    if group.ensure(GroupAction::ManageMeetups).is_err() {
        select = select.filter(meetup::Column::Status.ne(meetup::Status::Draft));
    }
    page_of_meetups(ctx, (select, true), when, first, after).await
}

/// A page of `select`'s meetups for the viewer. With `standing`, a signed-in viewer's answer to
/// each and whether they host it are read with the page (a `LEFT JOIN`); otherwise the access
/// checks read them after, in one statement for the page.
async fn page_of_meetups(
    ctx: &Context<'_>,
    (select, standing): (sea_orm::Select<meetup::Entity>, bool),
    when: MeetupWhen,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Meetup>> {
    let args = PageArgs::<(DateTime<Utc>, Uuid)>::new(ctx, first, after, None, None)?;
    let (select, order) = time_filter(select, when);
    let db = &ctx.state()?.db;
    let key = (meetup::Column::StartsAt, meetup::Column::Id);
    let (rows, total) = match ctx.viewer().member_id().filter(|_| standing) {
        Some(viewer) => {
            let (rows, total) = args
                .fetch_joined::<_, WithStanding, _>(
                    ctx,
                    db,
                    (select, join_standing(viewer)),
                    key,
                    order,
                )
                .await?;
            let (rows, standings): (Vec<_>, Vec<_>) = rows
                .into_iter()
                .map(|WithStanding { meetup, standing }| {
                    let id = meetup.id;
                    (meetup, (id, standing))
                })
                .unzip();
            ctx.loaders()?
                .context
                .feed(|loaders| loaders.standings(), standings);
            (rows, total)
        }
        None => args.fetch(ctx, db, select, key, order).await?,
    };
    let meetups = meetups_for_viewer(ctx, rows).await?;
    Ok(args.connection(
        meetups,
        total,
        |m| (m.access.meetup.starts_at, m.access.meetup.id),
        |m| m,
    ))
}

/// Published meetups not yet over in every group the viewer is an active member of.
pub async fn upcoming_meetups(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Meetup>> {
    let viewer = ctx.viewer().require()?;
    let select = meetup::Entity::find()
        .filter(meetup::Column::Status.ne(meetup::Status::Draft))
        .filter(
            meetup::Column::GroupId.in_subquery(
                Query::select()
                    .column(membership::Column::GroupId)
                    .from(membership::Entity)
                    .and_where(membership::Column::MemberId.eq(viewer.member_id))
                    .and_where(membership::Column::Status.eq(MembershipStatus::Active))
                    .to_owned(),
            ),
        );
    // Joined to this list, whose meetups come from several groups, the viewer's answers led
    // SQLite's planner to read them by group and sort them, rather than in the order of the
    // `starts_at` index (`tests/api/plans.rs`): they are read after.
    page_of_meetups(ctx, (select, false), MeetupWhen::Upcoming, first, after).await
}

/// The viewer's answers (going or waitlisted) to meetups not yet over, latest answer first.
pub async fn my_rsvps(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Rsvp>> {
    let viewer = ctx.viewer().require()?;
    // Each answer's meetup is looked up by its key as the member's answers are walked newest
    // first, rather than every meetup not yet over collected first.
    let select = rsvp::Entity::find()
        .filter(rsvp::Column::MemberId.eq(viewer.member_id))
        .filter(rsvp::Column::Status.ne(rsvp::Status::NotGoing))
        .filter(row_exists::<meetup::Entity>(
            meetup::Column::Id,
            (rsvp::Entity, rsvp::Column::MeetupId),
            Condition::all().add(meetup::Column::EndsAt.gte(Utc::now())),
        ));
    page_by_id(ctx, select, Order::NewestFirst, first, after, |row| Rsvp {
        row,
        position: None,
    })
    .await
}
