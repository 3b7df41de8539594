//! Which mail a member wants. Every kind that is not about the account's security may be turned
//! off, in the settings (`updateNotificationSettings`) or with the one-click link every such mail
//! carries (`List-Unsubscribe`, RFC 8058); security mail (verification, password, address) is
//! always sent. A row in `mail_opt_out` means "no"; no row means the default, "yes".
//!
//! Unsubscribe links are signed rather than stored: `member id · kind · HMAC-SHA-256` under a key
//! derived from the server's secret, so a link works without signing in, names exactly one
//! member and kind, and cannot be forged or turned to another member.

use chrono::Utc;
use entity::{mail_opt_out, member};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use sha2::Sha256;
use uuid::Uuid;

use crate::{
    error::AppResult, mail::templates::Locale, notifications::mail::Frequency, state::AppState,
};

/// A kind of mail a member may turn off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// "You are going" (with the calendar invitation) or "you are on the waitlist".
    RsvpConfirmation,
    /// 24 hours and 2 hours before a meetup one is going to.
    MeetupReminder,
    /// "You got a seat" when the waitlist moves.
    WaitlistPromotion,
    /// A meetup one is going to or waiting for was moved or cancelled.
    MeetupChange,
    /// Notifications by mail, at once or in a digest: kept as the member's
    /// `notification_email` rather than as an opt-out, since it has more than on and off.
    Notifications,
}

impl MailKind {
    pub const ALL: [MailKind; 5] = [
        Self::RsvpConfirmation,
        Self::MeetupReminder,
        Self::WaitlistPromotion,
        Self::MeetupChange,
        Self::Notifications,
    ];

    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            Self::RsvpConfirmation => "RSVP_CONFIRMATION",
            Self::MeetupReminder => "MEETUP_REMINDER",
            Self::WaitlistPromotion => "WAITLIST_PROMOTION",
            Self::MeetupChange => "MEETUP_CHANGE",
            Self::Notifications => "NOTIFICATIONS",
        }
    }

    fn of(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    fn index(self) -> u8 {
        match self {
            Self::RsvpConfirmation => 0,
            Self::MeetupReminder => 1,
            Self::WaitlistPromotion => 2,
            Self::MeetupChange => 3,
            Self::Notifications => 4,
        }
    }

    /// What the unsubscribe page calls it.
    pub fn describe(self, locale: Locale) -> &'static str {
        match self {
            Self::RsvpConfirmation => locale.pick(
                "bekreftelser på påmeldinger",
                "confirmations of your answers",
            ),
            Self::MeetupReminder => {
                locale.pick("påminnelser før møter", "reminders before meetups")
            }
            Self::WaitlistPromotion => locale.pick(
                "beskjed når du får plass fra ventelisten",
                "notices when you get a seat from the waitlist",
            ),
            Self::MeetupChange => locale.pick(
                "beskjed når et møte flyttes eller avlyses",
                "notices when a meetup is moved or cancelled",
            ),
            Self::Notifications => locale.pick(
                "e-post om varsler (svar, omtaler og det du følger)",
                "mail about notifications (replies, mentions and what you watch)",
            ),
        }
    }
}

/// Whether `member_id` wants mail of `kind`.
pub async fn wants<C: ConnectionTrait>(db: &C, member_id: Uuid, kind: MailKind) -> AppResult<bool> {
    let opted_out = mail_opt_out::Entity::find_by_id((member_id, kind.code().to_owned()))
        .one(db)
        .await?;
    Ok(opted_out.is_none())
}

/// The kinds `member_id` has turned off.
pub async fn turned_off<C: ConnectionTrait>(db: &C, member_id: Uuid) -> AppResult<Vec<MailKind>> {
    let codes: Vec<String> = mail_opt_out::Entity::find()
        .select_only()
        .column(mail_opt_out::Column::Kind)
        .filter(mail_opt_out::Column::MemberId.eq(member_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(codes.iter().filter_map(|code| MailKind::of(code)).collect())
}

/// Turns mail of `kind` on or off for `member_id`; setting what is already set changes nothing.
/// Notifications turned off are `NEVER` mailed; turned on again, they come in the daily digest.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    member_id: Uuid,
    kind: MailKind,
    wanted: bool,
) -> AppResult<()> {
    if kind == MailKind::Notifications {
        let update = member::Entity::update_many().filter(member::Column::Id.eq(member_id));
        let update = if wanted {
            update
                .col_expr(
                    member::Column::NotificationEmail,
                    Expr::value(Frequency::Daily.code()),
                )
                .filter(member::Column::NotificationEmail.eq(Frequency::Never.code()))
        } else {
            update.col_expr(
                member::Column::NotificationEmail,
                Expr::value(Frequency::Never.code()),
            )
        };
        update.exec(db).await?;
        return Ok(());
    }
    if wanted {
        mail_opt_out::Entity::delete_by_id((member_id, kind.code().to_owned()))
            .exec(db)
            .await?;
    } else {
        mail_opt_out::Entity::insert(mail_opt_out::ActiveModel {
            member_id: Set(member_id),
            kind: Set(kind.code().to_owned()),
            created_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([mail_opt_out::Column::MemberId, mail_opt_out::Column::Kind])
        .exec(db)
        .await?;
    }
    Ok(())
}

fn signer(state: &AppState) -> Hmac<Sha256> {
    crate::signing::signer(state, b"fagruppe unsubscribe v1")
}

/// The signed token of `member_id`'s unsubscribe link for `kind`.
pub fn unsubscribe_token(state: &AppState, member_id: Uuid, kind: MailKind) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let mut body = member_id.as_bytes().to_vec();
    body.push(kind.index());
    let mut mac = signer(state);
    mac.update(&body);
    body.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    URL_SAFE_NO_PAD.encode(body)
}

/// The member and kind a genuine unsubscribe token names; `None` for anything else.
pub fn read_unsubscribe_token(state: &AppState, token: &str) -> Option<(Uuid, MailKind)> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 16 + 1 + 16 {
        return None;
    }
    let (body, signature) = bytes.split_at(17);
    let mut mac = signer(state);
    mac.update(body);
    mac.verify_truncated_left(signature).ok()?;
    let member_id = Uuid::from_slice(&body[..16]).ok()?;
    let kind = MailKind::ALL
        .into_iter()
        .find(|kind| kind.index() == body[16])?;
    Some((member_id, kind))
}

/// The one-click unsubscribe link for a mail of `kind` to `member_id`.
pub fn unsubscribe_link(state: &AppState, member_id: Uuid, kind: MailKind) -> String {
    format!(
        "{}/unsubscribe?token={}",
        state.settings.mail.public_url,
        unsubscribe_token(state, member_id, kind)
    )
}
