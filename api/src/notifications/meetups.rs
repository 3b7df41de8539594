//! Notifications about meetups, written by a queued job so an organiser's change to a meetup of
//! a large group costs their request one statement: `MEETUP_PUBLISHED` to the group's active
//! members, `MEETUP_CHANGED` and `MEETUP_CANCELLED` to those going or waitlisted,
//! `PROMOTED_FROM_WAITLIST` to the members who got a seat (while they still have it).

use entity::{meetup, membership, notification::Kind, rsvp};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait,
    sea_query::{Query, SelectStatement},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    jobs::{self, NewJob},
    notifications::commands::{About, Notice, notify},
    state::AppState,
};

/// Tells members of a meetup's event.
pub const NOTIFY_MEETUP_JOB: &str = "notify-meetup";

/// Queues the notifications of `kind` about a meetup, on `db` (the changing transaction).
/// `version` tells apart two events of one kind (the meetup's sequence); `members` names the
/// recipients of `PROMOTED_FROM_WAITLIST`.
pub async fn enqueue<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    meetup: &meetup::Model,
    kind: Kind,
    actor: Option<Uuid>,
    members: &[Uuid],
) -> AppResult<()> {
    let kind_code = sea_orm::ActiveEnum::to_value(&kind);
    let mut key = format!(
        "{NOTIFY_MEETUP_JOB}:{}:{kind_code}:{}",
        meetup.id, meetup.sequence
    );
    if let Some(first) = members.first() {
        key.push_str(&format!(":{first}"));
    }
    jobs::enqueue(
        state,
        db,
        NewJob::now(
            NOTIFY_MEETUP_JOB,
            json!({ "meetup": meetup.id, "kind": kind_code, "actor": actor, "members": members }),
        )
        .key(key),
    )
    .await
}

/// The job.
pub async fn run(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let uuid = |value: &serde_json::Value| value.as_str().and_then(|s| Uuid::try_parse(s).ok());
    let meetup_id = uuid(&payload["meetup"])
        .ok_or_else(|| AppError::internal("the payload has no meetup".to_owned()))?;
    let kind = payload["kind"]
        .as_str()
        .and_then(|code| <Kind as sea_orm::ActiveEnum>::try_from_value(&code.to_owned()).ok())
        .ok_or_else(|| AppError::internal("the payload has no kind".to_owned()))?;
    let Some(meetup) = meetup::Entity::find_by_id(meetup_id).one(&state.db).await? else {
        return Ok(());
    };
    let coming = |statuses: Vec<rsvp::Status>| -> SelectStatement {
        Query::select()
            .column(rsvp::Column::MemberId)
            .from(rsvp::Entity)
            .and_where(rsvp::Column::MeetupId.eq(meetup_id))
            .and_where(rsvp::Column::Status.is_in(statuses))
            .to_owned()
    };
    let recipients = match kind {
        Kind::MeetupPublished if meetup.status == meetup::Status::Published => Query::select()
            .column(membership::Column::MemberId)
            .from(membership::Entity)
            .and_where(membership::Column::GroupId.eq(meetup.group_id))
            .and_where(membership::Column::Status.eq(membership::Status::Active))
            .to_owned(),
        Kind::MeetupChanged | Kind::MeetupCancelled => {
            coming(vec![rsvp::Status::Going, rsvp::Status::Waitlisted])
        }
        Kind::PromotedFromWaitlist => {
            let members: Vec<Uuid> = payload["members"]
                .as_array()
                .map(|all| all.iter().filter_map(uuid).collect())
                .unwrap_or_default();
            let mut going = coming(vec![rsvp::Status::Going]);
            going.and_where(rsvp::Column::MemberId.is_in(members));
            going
        }
        _ => return Ok(()),
    };
    let notice = Notice {
        kind,
        actor: uuid(&payload["actor"]),
        about: About {
            group_id: meetup.group_id,
            meetup_id: Some(meetup.id),
            ..About::default()
        },
    };
    state
        .events
        .publish_all(notify(&state.db, notice, recipients).await?);
    Ok(())
}
