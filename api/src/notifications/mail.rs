//! Notifications by mail, as each member chose (`notification_email`): `IMMEDIATE` (within a
//! minute, at most one mail per thread, meetup or group every ten minutes: what folds into an
//! unread notification meanwhile goes out together), a `DAILY` or `WEEKLY` digest of everything
//! unread since the last one, or `NEVER`. Only unread notifications the member may still read
//! are mailed, and a mail names where things happened (thread and meetup titles, group names),
//! never the text of a comment, so nothing hidden or private leaves by mail.
//!
//! A periodic scan (`SCAN_JOB`, every minute) enqueues one mail job per member due; the mail job
//! reads the member's notifications again, sends, and stamps them `mailed_at`.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use entity::{
    interest_group, meetup, member,
    notification::{self, Kind},
    thread,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{commands::is_deleted, viewer::Identity},
    db::row_exists,
    error::{AppError, AppResult},
    ids,
    jobs::{self, NewJob},
    mail::{
        preferences::{self, MailKind},
        templates::{self, Locale, NoticeLine, Unsubscribe},
    },
    notifications::reads,
    state::AppState,
};

/// Finds the members due a mail and enqueues one job for each.
pub const SCAN_JOB: &str = "notification-mail-scan";
/// Sends one member their notifications, at once or as a digest.
pub const MAIL_JOB: &str = "notification-mail";

/// The least time between two mails about one thread (or meetup, or group).
const BATCH: Duration = Duration::minutes(10);
/// How far back the scan looks for changes to mail at once; longer than the scan's period, so
/// a scan or two missed (a restart) loses nothing.
const LOOK_BACK: Duration = Duration::minutes(15);
/// The most notifications one mail lists.
const MOST: u64 = 50;

/// How a member wants their notifications by mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Immediate,
    Daily,
    Weekly,
    Never,
}

impl Frequency {
    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Immediate => "IMMEDIATE",
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Never => "NEVER",
        }
    }

    /// The stored name read back; anything unknown is the default, `DAILY`.
    pub fn of(code: &str) -> Self {
        match code {
            "IMMEDIATE" => Self::Immediate,
            "WEEKLY" => Self::Weekly,
            "NEVER" => Self::Never,
            _ => Self::Daily,
        }
    }

    /// The time between two digests.
    fn period(self) -> Option<Duration> {
        match self {
            Self::Daily => Some(Duration::days(1)),
            Self::Weekly => Some(Duration::days(7)),
            Self::Immediate | Self::Never => None,
        }
    }
}

/// Notifications not mailed yet, or changed since they were mailed at least [`BATCH`] ago.
fn due_at_once(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(notification::Column::MailedAt.is_null())
        .add(
            Condition::all()
                .add(
                    Expr::col(notification::Column::UpdatedAt)
                        .gt(Expr::col(notification::Column::MailedAt)),
                )
                .add(notification::Column::MailedAt.lte(now - BATCH)),
        )
}

/// The periodic job.
pub async fn scan(state: &AppState) -> AppResult<()> {
    let now = Utc::now();
    let at_once: Vec<Uuid> = notification::Entity::find()
        .select_only()
        .column(notification::Column::MemberId)
        .distinct()
        .filter(notification::Column::UpdatedAt.gt(now - LOOK_BACK))
        .filter(notification::Column::ReadAt.is_null())
        .filter(due_at_once(now))
        .filter(
            notification::Column::MemberId.in_subquery(
                Query::select()
                    .column(member::Column::Id)
                    .from(member::Entity)
                    .and_where(member::Column::NotificationEmail.eq(Frequency::Immediate.code()))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut due: Vec<(Uuid, bool, String)> = at_once
        .into_iter()
        .map(|member| (member, false, format!("{}", now.timestamp() / 60)))
        .collect();
    for frequency in [Frequency::Daily, Frequency::Weekly] {
        let Some(period) = frequency.period() else {
            continue;
        };
        let members: Vec<Uuid> = member::Entity::find()
            .select_only()
            .column(member::Column::Id)
            .filter(member::Column::NotificationEmail.eq(frequency.code()))
            .filter(
                Expr::expr(Func::coalesce([
                    Expr::col(member::Column::DigestSentAt),
                    Expr::col(member::Column::CreatedAt),
                ]))
                .lte(now - period),
            )
            .filter(row_exists::<notification::Entity>(
                notification::Column::MemberId,
                (member::Entity, member::Column::Id),
                Condition::all()
                    .add(notification::Column::ReadAt.is_null())
                    .add(notification::Column::MailedAt.is_null()),
            ))
            .into_tuple()
            .all(&state.db)
            .await?;
        due.extend(
            members
                .into_iter()
                .map(|member| (member, true, now.date_naive().to_string())),
        );
    }
    if due.is_empty() {
        return Ok(());
    }
    let txn = state.db.begin().await?;
    for (member, digest, period) in due {
        let which = if digest { "digest" } else { "now" };
        jobs::enqueue(
            state,
            &txn,
            NewJob::now(MAIL_JOB, json!({ "member": member, "digest": digest }))
                .key(format!("{MAIL_JOB}:{which}:{member}:{period}")),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The mail job.
pub async fn send(state: &AppState, payload: &serde_json::Value) -> AppResult<()> {
    let member_id = payload["member"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| AppError::internal("the payload has no member"))?;
    let digest = payload["digest"].as_bool().unwrap_or(false);
    let Some(member) = member::Entity::find_by_id(member_id)
        .one(&state.db)
        .await?
        .filter(|m| !is_deleted(m) && m.email_verified_at.is_some())
    else {
        return Ok(());
    };
    let frequency = Frequency::of(&member.notification_email);
    if digest != frequency.period().is_some() || frequency == Frequency::Never {
        return Ok(());
    }
    let now = Utc::now();
    let identity = Identity {
        member_id,
        session_id: Uuid::nil(),
        is_site_admin: member.is_site_admin,
        member: Arc::new(member.clone()),
    };
    let mut select = reads::inbox(&identity).filter(notification::Column::ReadAt.is_null());
    select = if digest {
        let since = member.digest_sent_at.unwrap_or(member.created_at);
        select
            .filter(notification::Column::UpdatedAt.gt(since))
            .filter(
                Condition::any()
                    .add(notification::Column::MailedAt.is_null())
                    .add(
                        Expr::col(notification::Column::UpdatedAt)
                            .gt(Expr::col(notification::Column::MailedAt)),
                    ),
            )
    } else {
        select.filter(due_at_once(now))
    };
    let rows = select
        .order_by_desc(notification::Column::UpdatedAt)
        .limit(MOST)
        .all(&state.db)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let locale = Locale::of(&member.locale);
    let lines = lines(state, locale, &rows).await?;
    let unsubscribe = Unsubscribe {
        what: format!(
            "{} {}",
            locale.pick("Meld deg av", "Unsubscribe from"),
            MailKind::Notifications.describe(locale)
        ),
        link: preferences::unsubscribe_link(state, member_id, MailKind::Notifications),
    };
    let mail = templates::notifications_mail(
        locale,
        &member.email,
        &member.display_name,
        digest,
        &lines,
        &format!("{}/notifications", state.settings.mail.public_url),
        unsubscribe,
    );
    state
        .mailer
        .send(&state.settings.mail, mail)
        .await
        .map_err(AppError::Internal)?;
    notification::Entity::update_many()
        .col_expr(notification::Column::MailedAt, Expr::value(Some(now)))
        .filter(notification::Column::Id.is_in(rows.iter().map(|row| row.id)))
        .exec(&state.db)
        .await?;
    if digest {
        member::Entity::update_many()
            .col_expr(member::Column::DigestSentAt, Expr::value(Some(now)))
            .filter(member::Column::Id.eq(member_id))
            .exec(&state.db)
            .await?;
    }
    Ok(())
}

/// One line per notification: what happened, where, how often, and a link; three statements for
/// every thread, meetup and group named.
async fn lines(
    state: &AppState,
    locale: Locale,
    rows: &[notification::Model],
) -> AppResult<Vec<NoticeLine>> {
    let threads: HashMap<Uuid, (String, bool)> = thread::Entity::find()
        .select_only()
        .columns([
            thread::Column::Id,
            thread::Column::Title,
            thread::Column::DeletedAt,
        ])
        .filter(thread::Column::Id.is_in(rows.iter().filter_map(|row| row.thread_id)))
        .into_tuple::<(Uuid, String, Option<DateTime<Utc>>)>()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|(id, title, deleted)| (id, (title, deleted.is_some())))
        .collect();
    let meetups: HashMap<Uuid, String> = meetup::Entity::find()
        .select_only()
        .columns([meetup::Column::Id, meetup::Column::Title])
        .filter(meetup::Column::Id.is_in(rows.iter().filter_map(|row| row.meetup_id)))
        .into_tuple()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    let groups: HashMap<Uuid, String> = interest_group::Entity::find()
        .select_only()
        .columns([interest_group::Column::Id, interest_group::Column::Name])
        .filter(interest_group::Column::Id.is_in(rows.iter().map(|row| row.group_id)))
        .into_tuple()
        .all(&state.db)
        .await?
        .into_iter()
        .collect();
    let base = &state.settings.mail.public_url;
    Ok(rows
        .iter()
        .map(|row| {
            let group = groups.get(&row.group_id).cloned().unwrap_or_default();
            let (place, link) = match (row.thread_id, row.meetup_id) {
                (Some(id), _) => (
                    match threads.get(&id) {
                        Some((title, false)) => title.clone(),
                        _ => locale
                            .pick("en slettet tråd", "a deleted thread")
                            .to_owned(),
                    },
                    format!("{base}/threads/{}", ids::encode(ids::Kind::Thread, id).0),
                ),
                (None, Some(id)) => (
                    meetups.get(&id).cloned().unwrap_or_default(),
                    format!("{base}/meetups/{}", ids::encode(ids::Kind::Meetup, id).0),
                ),
                (None, None) => (
                    group.clone(),
                    format!(
                        "{base}/groups/{}",
                        ids::encode(ids::Kind::Group, row.group_id).0
                    ),
                ),
            };
            NoticeLine {
                what: what_happened(locale, row.kind, row.count),
                place,
                group,
                link,
            }
        })
        .collect())
}

/// What happened, in the member's language.
fn what_happened(locale: Locale, kind: Kind, count: i32) -> String {
    let (nb, en) = match kind {
        Kind::Reply => ("Svar til deg", "Replies to you"),
        Kind::Quote => ("Du ble sitert", "You were quoted"),
        Kind::Mention => ("Du ble nevnt", "You were mentioned"),
        Kind::NewThread => ("Ny tråd", "New thread"),
        Kind::NewComment => ("Nye kommentarer", "New comments"),
        Kind::MeetupPublished => ("Nytt møte", "New meetup"),
        Kind::MeetupChanged => ("Møtet er endret", "The meetup changed"),
        Kind::MeetupCancelled => ("Møtet er avlyst", "The meetup is cancelled"),
        Kind::PromotedFromWaitlist => ("Du fikk plass", "You got a seat"),
        Kind::JoinRequest => ("Vil bli medlem", "Asks to join"),
        Kind::MembershipApproved => ("Du er tatt opp som medlem", "You were let in"),
        Kind::Invitation => ("Du er invitert", "You are invited"),
        Kind::RoleChanged => ("Du har fått en ny rolle", "Your role changed"),
        Kind::ReportResolved => ("Rapporten din er behandlet", "Your report was resolved"),
        Kind::ContentHidden => (
            "En kommentar av deg er skjult",
            "A comment of yours was hidden",
        ),
    };
    let what = locale.pick(nb, en);
    if count > 1 {
        format!("{what} ({count})")
    } else {
        what.to_owned()
    }
}
