//! Meetup mail: the answer's confirmation (with the calendar invitation), "you got a seat",
//! reminders a day and two hours before, and "moved" or "cancelled" to everyone going or
//! waiting. Each is a job enqueued in the transaction of the change that causes it; a change
//! that concerns many members enqueues one fan-out job, which enqueues one job per member under
//! an idempotency key, so every member gets a mail once however often a job runs. What a mail
//! says, and whether it is sent at all, is decided when it is sent: the member must still want
//! that kind of mail, still see the meetup as a query would, and still hold the answer the mail
//! is about.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entity::{interest_group, meetup, meetup_host, meetup_reminder, member, rsvp};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait, TryInsertResult,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{commands::is_deleted, viewer::Identity},
    error::{AppError, AppResult},
    groups, ids,
    jobs::{NewJob, enqueue},
    mail::{
        Attachment,
        preferences::{self, MailKind},
        templates::{self, Locale, MeetupFacts, MeetupNews, Unsubscribe},
    },
    meetups::{
        ical::{self, Method},
        policy::MeetupAccess,
    },
    state::AppState,
};

/// Confirms a member's answer: going or on the waitlist.
pub const ANSWER_JOB: &str = "meetup-answer";
/// Tells a member that the waitlist gave them a seat.
pub const PROMOTED_JOB: &str = "meetup-promoted";
/// Enqueues a "moved" or "cancelled" mail for everyone going or waiting.
pub const CHANGE_JOB: &str = "meetup-change";
/// One member's "moved" or "cancelled" mail.
pub const CHANGE_MAIL_JOB: &str = "meetup-change-mail";
/// The periodic scan for meetups whose reminders are due.
pub const REMINDER_SCAN_JOB: &str = "meetup-reminders";
/// One member's reminder.
pub const REMINDER_JOB: &str = "meetup-reminder";

/// How long before the start each reminder goes out.
const REMINDERS: [(&str, Duration); 2] = [("24H", Duration::hours(24)), ("2H", Duration::hours(2))];

/// Enqueues the confirmation of `member_id`'s new answer on `db` (the answering transaction).
pub async fn enqueue_answer<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    meetup_id: Uuid,
    member_id: Uuid,
) -> AppResult<()> {
    let job = NewJob::now(
        ANSWER_JOB,
        json!({ "meetupId": meetup_id, "memberId": member_id }),
    );
    enqueue(state, db, job).await
}

/// Enqueues "you got a seat" for each promoted member on `db` (the promoting transaction).
pub async fn enqueue_promoted<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    meetup_id: Uuid,
    promoted: &[Uuid],
) -> AppResult<()> {
    for member_id in promoted {
        let job = NewJob::now(
            PROMOTED_JOB,
            json!({ "meetupId": meetup_id, "memberId": member_id }),
        );
        enqueue(state, db, job).await?;
    }
    Ok(())
}

/// What changed about a meetup that everyone coming must hear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Moved,
    Cancelled,
}

impl Change {
    fn code(self) -> &'static str {
        match self {
            Self::Moved => "MOVED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Enqueues the fan-out of a change to everyone going or waiting, on `db` (the changing
/// transaction). `sequence` is the meetup's version after the change: each version is told once.
pub async fn enqueue_change<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    meetup_id: Uuid,
    change: Change,
    sequence: i32,
) -> AppResult<()> {
    let job = NewJob::now(
        CHANGE_JOB,
        json!({ "meetupId": meetup_id, "change": change.code(), "sequence": sequence }),
    )
    .key(format!("{CHANGE_JOB}:{meetup_id}:{sequence}"));
    enqueue(state, db, job).await
}

fn uuid_in(payload: &serde_json::Value, field: &str) -> AppResult<Uuid> {
    payload[field]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| AppError::internal(format!("the payload has no {field}")))
}

/// The members going to or waiting for a meetup.
async fn coming(state: &AppState, meetup_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(rsvp::Entity::find()
        .select_only()
        .column(rsvp::Column::MemberId)
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .filter(rsvp::Column::Status.is_in([rsvp::Status::Going, rsvp::Status::Waitlisted]))
        .into_tuple()
        .all(&state.db)
        .await?)
}

/// The job: one "moved" or "cancelled" mail job per member coming.
pub async fn fan_out_change(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let meetup_id = uuid_in(payload, "meetupId")?;
    let change = payload["change"].as_str().unwrap_or_default();
    let sequence = payload["sequence"].as_i64().unwrap_or_default();
    let members = coming(state, meetup_id).await?;
    let txn = state.db.begin().await?;
    for member_id in members {
        let job = NewJob::now(
            CHANGE_MAIL_JOB,
            json!({ "meetupId": meetup_id, "memberId": member_id, "change": change }),
        )
        .key(format!(
            "{CHANGE_MAIL_JOB}:{meetup_id}:{sequence}:{member_id}"
        ));
        enqueue(state, &txn, job).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The periodic job: for each published meetup whose reminder is due and not yet sent, records
/// it (the replica whose insert lands sends it) and enqueues one reminder per member going.
pub async fn scan_reminders(state: &AppState) -> AppResult<()> {
    let now = Utc::now();
    for (index, (kind, before)) in REMINDERS.iter().enumerate() {
        // A reminder is due from `before` ahead of the start until the next shorter one is.
        let until = REMINDERS
            .get(index + 1)
            .map_or(Duration::zero(), |(_, next)| *next);
        let due: Vec<(Uuid, DateTime<Utc>)> = meetup::Entity::find()
            .select_only()
            .column(meetup::Column::Id)
            .column(meetup::Column::StartsAt)
            .filter(meetup::Column::StartsAt.gt(now + until))
            .filter(meetup::Column::StartsAt.lte(now + *before))
            .filter(meetup::Column::Status.eq(meetup::Status::Published))
            .into_tuple()
            .all(&state.db)
            .await?;
        for (meetup_id, starts_at) in due {
            let txn = state.db.begin().await?;
            let inserted = meetup_reminder::Entity::insert(meetup_reminder::ActiveModel {
                meetup_id: Set(meetup_id),
                kind: Set((*kind).to_owned()),
                starts_at: Set(starts_at),
                created_at: Set(now),
            })
            .on_conflict_do_nothing_on([
                meetup_reminder::Column::MeetupId,
                meetup_reminder::Column::Kind,
                meetup_reminder::Column::StartsAt,
            ])
            .exec_without_returning(&txn)
            .await?;
            if matches!(inserted, TryInsertResult::Inserted(1)) {
                let going: Vec<Uuid> = rsvp::Entity::find()
                    .select_only()
                    .column(rsvp::Column::MemberId)
                    .filter(rsvp::Column::MeetupId.eq(meetup_id))
                    .filter(rsvp::Column::Status.eq(rsvp::Status::Going))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                for member_id in going {
                    let job = NewJob::now(
                        REMINDER_JOB,
                        json!({
                            "meetupId": meetup_id,
                            "memberId": member_id,
                            "kind": kind,
                            "startsAt": starts_at,
                        }),
                    )
                    .key(format!(
                        "{REMINDER_JOB}:{kind}:{meetup_id}:{}:{member_id}",
                        starts_at.timestamp()
                    ));
                    enqueue(state, &txn, job).await?;
                }
            }
            txn.commit().await?;
        }
    }
    Ok(())
}

/// A member who should get a meetup mail now, with what the mail needs.
struct Recipient {
    member: member::Model,
    meetup: meetup::Model,
    group: interest_group::Model,
    answer: Option<rsvp::Model>,
}

/// The member of `payload` as a recipient of a mail of `kind` about its meetup: `None` when the
/// account is gone, the member turned that kind off, or may no longer see the meetup.
async fn recipient(
    state: &AppState,
    payload: &serde_json::Value,
    kind: MailKind,
) -> AppResult<Option<Recipient>> {
    let meetup_id = uuid_in(payload, "meetupId")?;
    let member_id = uuid_in(payload, "memberId")?;
    let Some(member) = member::Entity::find_by_id(member_id)
        .one(&state.db)
        .await?
        .filter(|member| !is_deleted(member))
    else {
        return Ok(None);
    };
    if !preferences::wants(&state.db, member_id, kind).await? {
        return Ok(None);
    }
    let txn = state.db.begin().await?;
    let Some(meetup) = meetup::Entity::find_by_id(meetup_id).one(&txn).await? else {
        return Ok(None);
    };
    let identity = Identity {
        member_id,
        session_id: Uuid::nil(),
        is_site_admin: member.is_site_admin,
        member: Arc::new(member.clone()),
    };
    let group = match groups::commands::access_in(&txn, &identity, meetup.group_id, false).await {
        Ok(group) => group,
        Err(AppError::NotFound(_)) => return Ok(None),
        Err(err) => return Err(err),
    };
    let is_host = meetup_host::Entity::find()
        .filter(meetup_host::Column::MeetupId.eq(meetup_id))
        .filter(meetup_host::Column::MemberId.eq(member_id))
        .count(&txn)
        .await?
        > 0;
    let answer = rsvp::Entity::find()
        .filter(rsvp::Column::MeetupId.eq(meetup_id))
        .filter(rsvp::Column::MemberId.eq(member_id))
        .one(&txn)
        .await?;
    txn.commit().await?;
    let access = MeetupAccess {
        group,
        meetup: Arc::new(meetup),
        is_host,
        rsvp: answer,
    };
    if !access.can_see() {
        return Ok(None);
    }
    Ok(Some(Recipient {
        member,
        meetup: Arc::unwrap_or_clone(access.meetup),
        group: access.group.group,
        answer: access.rsvp,
    }))
}

impl Recipient {
    fn status(&self) -> Option<rsvp::Status> {
        self.answer.as_ref().map(|answer| answer.status)
    }

    fn facts(&self, state: &AppState, locale: Locale) -> MeetupFacts {
        let meetup = &self.meetup;
        let mut place = Vec::new();
        if let Some(venue) = &meetup.venue_name {
            place.push(match &meetup.venue_address {
                Some(address) => format!("{venue}, {address}"),
                None => venue.clone(),
            });
        }
        if meetup.online_url.is_some() {
            place.push(
                locale
                    .pick(
                        "Digitalt (lenken står på møtesiden)",
                        "Online (the link is on the meetup page)",
                    )
                    .to_owned(),
            );
        }
        MeetupFacts {
            title: meetup.title.clone(),
            group_name: self.group.name.clone(),
            when: templates::local_time(locale, meetup.starts_at, &meetup.timezone),
            place: place.join(" · "),
            link: format!(
                "{}/meetups/{}",
                state.settings.mail.public_url,
                ids::encode(ids::Kind::Meetup, meetup.id).0
            ),
        }
    }

    /// Sends the mail of `news`, with the calendar invitation when `invitation` says which.
    async fn send(
        &self,
        state: &AppState,
        news: MeetupNews,
        kind: MailKind,
        invitation: Option<Method>,
    ) -> AppResult<()> {
        let locale = Locale::of(&self.member.locale);
        let unsubscribe = Unsubscribe {
            what: format!(
                "{} {}",
                locale.pick("Meld deg av", "Unsubscribe from"),
                kind.describe(locale)
            ),
            link: preferences::unsubscribe_link(state, self.member.id, kind),
        };
        let mut mail = templates::meetup_mail(
            locale,
            &self.member.email,
            &self.member.display_name,
            news,
            &self.facts(state, locale),
            self.meetup.cancel_reason.as_deref(),
            unsubscribe,
        );
        if let Some(method) = invitation {
            let organizer = state
                .settings
                .mail
                .from
                .rsplit_once('<')
                .map_or(state.settings.mail.from.as_str(), |(_, address)| {
                    address.trim_end_matches('>')
                });
            mail.attachment = Some(Attachment {
                filename: "invite.ics".into(),
                content_type: format!("text/calendar; charset=utf-8; method={}", method.name()),
                body: ical::invitation(
                    &self.meetup,
                    &self.group,
                    method,
                    organizer,
                    &self.member.email,
                ),
            });
        }
        state
            .mailer
            .send(&state.settings.mail, mail)
            .await
            .map_err(AppError::Internal)
    }
}

/// The job: "you are going" (with the invitation) or "you are on the waitlist", for the answer
/// the member holds when it runs.
pub async fn send_answer(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let Some(recipient) = recipient(state, payload, MailKind::RsvpConfirmation).await? else {
        return Ok(());
    };
    if recipient.meetup.status != meetup::Status::Published {
        return Ok(());
    }
    match recipient.status() {
        Some(rsvp::Status::Going) => {
            recipient
                .send(
                    state,
                    MeetupNews::Going,
                    MailKind::RsvpConfirmation,
                    Some(Method::Request),
                )
                .await
        }
        Some(rsvp::Status::Waitlisted) => {
            recipient
                .send(
                    state,
                    MeetupNews::Waitlisted,
                    MailKind::RsvpConfirmation,
                    None,
                )
                .await
        }
        _ => Ok(()),
    }
}

/// The job: "you got a seat", while the member still holds it.
pub async fn send_promoted(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let Some(recipient) = recipient(state, payload, MailKind::WaitlistPromotion).await? else {
        return Ok(());
    };
    if recipient.meetup.status != meetup::Status::Published
        || recipient.status() != Some(rsvp::Status::Going)
    {
        return Ok(());
    }
    recipient
        .send(
            state,
            MeetupNews::Promoted,
            MailKind::WaitlistPromotion,
            Some(Method::Request),
        )
        .await
}

/// The job: one member's "moved" or "cancelled", while they are still coming.
pub async fn send_change(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let Some(recipient) = recipient(state, payload, MailKind::MeetupChange).await? else {
        return Ok(());
    };
    if !matches!(
        recipient.status(),
        Some(rsvp::Status::Going | rsvp::Status::Waitlisted)
    ) {
        return Ok(());
    }
    let cancelled = payload["change"].as_str() == Some(Change::Cancelled.code());
    let (news, method) = if cancelled {
        (MeetupNews::Cancelled, Method::Cancel)
    } else if recipient.meetup.status == meetup::Status::Published {
        (MeetupNews::Moved, Method::Request)
    } else {
        // Moved, then cancelled before this ran: the cancellation's own mail tells.
        return Ok(());
    };
    let going = recipient.status() == Some(rsvp::Status::Going);
    recipient
        .send(state, news, MailKind::MeetupChange, going.then_some(method))
        .await
}

/// The job: a reminder, while the meetup is on at the time it was scheduled for and the member
/// still going.
pub async fn send_reminder(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let Some(recipient) = recipient(state, payload, MailKind::MeetupReminder).await? else {
        return Ok(());
    };
    let scheduled_for = payload["startsAt"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.to_utc());
    if recipient.meetup.status != meetup::Status::Published
        || scheduled_for != Some(recipient.meetup.starts_at)
        || recipient.status() != Some(rsvp::Status::Going)
    {
        return Ok(());
    }
    let news = if payload["kind"].as_str() == Some(REMINDERS[0].0) {
        MeetupNews::ReminderDay
    } else {
        MeetupNews::ReminderHours
    };
    recipient
        .send(state, news, MailKind::MeetupReminder, None)
        .await
}
