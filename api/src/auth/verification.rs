//! Proving an address by mail: verifying a new account's address, changing to a new address,
//! and telling an address's owner that someone tried to register it again. Every mail is sent by
//! a job enqueued in the transaction of the change that causes it; the job makes the single-use
//! token (256 bits, stored hashed) and mails its link. A token names the address it was mailed
//! to and counts only while that address is still the one it proves (the member's own, or free
//! for a change), so a later change of address makes older links worthless.

use chrono::{Duration, Utc};
use entity::{email_token, member};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    auth::{
        commands::{throttle, verify_password},
        throttle::Rule,
        tokens::{hash_opaque_token, new_opaque_token},
        viewer::Identity,
    },
    db::begin_write,
    error::{AppError, AppResult},
    groups,
    jobs::{NewJob, enqueue},
    mail::templates::{self, Locale},
    state::AppState,
    text,
};

/// The job that mails a verification link to a new account.
pub const JOB: &str = "verify-email";
/// The job that tells an address's owner that someone tried to register it.
pub const REGISTRATION_ATTEMPT_JOB: &str = "registration-attempt";
/// The job that mails a link confirming a new address to that address.
pub const CONFIRM_NEW_EMAIL_JOB: &str = "confirm-new-email";
/// The job that tells the old address that the account moved.
pub const EMAIL_CHANGED_JOB: &str = "email-changed";

/// What a mailed token proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The member's own address is theirs.
    Verify,
    /// The member may move to the token's address.
    ChangeEmail,
    /// The holder may choose a new password.
    ResetPassword,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Self::Verify => "VERIFY",
            Self::ChangeEmail => "CHANGE_EMAIL",
            Self::ResetPassword => "RESET",
        }
    }
}

const VALID_FOR: Duration = Duration::hours(24);
const RESENDS_PER_HOUR: u32 = 5;
const EMAIL_CHANGES_PER_HOUR: u32 = 5;

/// Makes a token for `purpose` mailed to `email`, valid for `valid_for`; returns the token.
pub(crate) async fn issue_token<C: ConnectionTrait>(
    db: &C,
    member_id: Uuid,
    purpose: Purpose,
    email: &str,
    valid_for: Duration,
) -> Result<String, String> {
    let (token, hash) = new_opaque_token();
    let now = Utc::now();
    email_token::ActiveModel {
        token_hash: Set(hash),
        member_id: Set(member_id),
        purpose: Set(purpose.code().into()),
        email: Set(email.to_owned()),
        expires_at: Set(now + valid_for),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|err| err.to_string())?;
    Ok(token)
}

/// Spends a live token of one of `purposes` in `txn`: of two concurrent uses, one wins.
/// `field` names the input the token came in, for the error.
pub(crate) async fn spend_token(
    txn: &DatabaseTransaction,
    token: &str,
    purposes: &[Purpose],
    field: &'static str,
) -> AppResult<email_token::Model> {
    let refused = || AppError::bad_input(field, "The link is invalid, used or expired");
    let now = Utc::now();
    let found = email_token::Entity::find_by_id(hash_opaque_token(token))
        .filter(email_token::Column::Purpose.is_in(purposes.iter().map(|p| p.code())))
        .filter(email_token::Column::UsedAt.is_null())
        .filter(email_token::Column::ExpiresAt.gt(now))
        .one(txn)
        .await?
        .ok_or_else(refused)?;
    let spent = email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_token::Column::TokenHash.eq(found.token_hash.clone()))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(refused());
    }
    Ok(found)
}

/// The member a job's payload names under `memberId`, or `None` when the account is gone (a
/// deleted account gets no mail).
pub(crate) async fn payload_member(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<Option<member::Model>, String> {
    let member_id = payload["memberId"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or("the payload names no member")?;
    let member = member::Entity::find_by_id(member_id)
        .one(&state.db)
        .await
        .map_err(|err| err.to_string())?;
    Ok(member.filter(|member| !crate::auth::commands::is_deleted(member)))
}

/// A link to a page of the web client.
pub(crate) fn link(state: &AppState, path: &str, token: Option<&str>) -> String {
    let base = &state.settings.mail.public_url;
    match token {
        Some(token) => format!("{base}/{path}?token={token}"),
        None => format!("{base}/{path}"),
    }
}

/// Enqueues the verification mail for `member_id` on `db` (the registering transaction).
pub async fn enqueue_mail<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    member_id: Uuid,
) -> AppResult<()> {
    let job = NewJob::now(JOB, serde_json::json!({ "memberId": member_id }));
    enqueue(state, db, job).await
}

/// Tells the owner of a registered address that someone tried to register it, at most once an
/// hour per address.
pub async fn enqueue_registration_attempt<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    member_id: Uuid,
) -> AppResult<()> {
    let hour = Utc::now().timestamp() / 3600;
    let job = NewJob::now(
        REGISTRATION_ATTEMPT_JOB,
        serde_json::json!({ "memberId": member_id }),
    )
    .key(format!("{REGISTRATION_ATTEMPT_JOB}:{member_id}:{hour}"));
    enqueue(state, db, job).await
}

/// Mails a new verification link to the signed-in member, at most five times an hour. `false`
/// when the address is verified already (nothing is sent).
pub async fn resend(state: &AppState, actor: &Identity) -> AppResult<bool> {
    throttle(
        state,
        &format!("resend-verification:{}", actor.member_id),
        Rule::per_hour(RESENDS_PER_HOUR),
    )
    .await?;
    let member = member::Entity::find_by_id(actor.member_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated("Sign in to do this"))?;
    if member.email_verified_at.is_some() {
        return Ok(false);
    }
    enqueue_mail(state, &state.db, member.id).await?;
    Ok(true)
}

/// The job: a fresh token and its link, mailed. A member already verified gets nothing.
pub async fn send_mail(state: &AppState, payload: &serde_json::Value) -> Result<(), String> {
    let Some(member) = payload_member(state, payload).await? else {
        return Ok(());
    };
    if member.email_verified_at.is_some() {
        return Ok(());
    }
    let token = issue_token(
        &state.db,
        member.id,
        Purpose::Verify,
        &member.email,
        VALID_FOR,
    )
    .await?;
    let mail = templates::verify_email(
        Locale::of(&member.locale),
        &member.email,
        &member.display_name,
        &link(state, "verify-email", Some(&token)),
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// The job: "someone tried to register with your address", with a way to a new password.
pub async fn send_registration_attempt(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let Some(member) = payload_member(state, payload).await? else {
        return Ok(());
    };
    let mail = templates::registration_attempt(
        Locale::of(&member.locale),
        &member.email,
        &member.display_name,
        &link(state, "forgot-password", None),
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// Starts moving the viewer's account to `new_email` after checking the password: a link goes
/// to the new address, and the account moves only when it is followed. Whether another account
/// holds the address is not told here (only to whoever can read the new address's mail).
pub async fn request_email_change(
    state: &AppState,
    actor: &Identity,
    new_email: &str,
    password: &str,
) -> AppResult<()> {
    throttle(
        state,
        &format!("email-change:{}", actor.member_id),
        Rule::per_hour(EMAIL_CHANGES_PER_HOUR),
    )
    .await?;
    let (email, email_key) = text::email(new_email, "newEmail")?;
    verify_password(state, actor, password, "password").await?;
    if email_key == actor.member.email_key {
        return Err(AppError::bad_input(
            "newEmail",
            "This is the address the account has already",
        ));
    }
    let job = NewJob::now(
        CONFIRM_NEW_EMAIL_JOB,
        serde_json::json!({ "memberId": actor.member_id, "email": email }),
    );
    enqueue(state, &state.db, job).await
}

/// The job: a token for the new address, mailed to it.
pub async fn send_confirm_new_email(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let Some(member) = payload_member(state, payload).await? else {
        return Ok(());
    };
    let new_email = payload["email"]
        .as_str()
        .ok_or("the payload names no address")?;
    let token = issue_token(
        &state.db,
        member.id,
        Purpose::ChangeEmail,
        new_email,
        VALID_FOR,
    )
    .await?;
    let mail = templates::confirm_new_email(
        Locale::of(&member.locale),
        new_email,
        &member.display_name,
        &link(state, "verify-email", Some(&token)),
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// The job: the old address learns that the account moved.
pub async fn send_email_changed(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let Some(member) = payload_member(state, payload).await? else {
        return Ok(());
    };
    let old_email = payload["oldEmail"]
        .as_str()
        .ok_or("the payload names no old address")?;
    let mail = templates::email_changed(
        Locale::of(&member.locale),
        old_email,
        &member.display_name,
        &member.email,
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// Spends a token from a mailed link: a new account's address is verified, or an account moves
/// to the new address it proved (and the old address, if it was verified, is told). Either way
/// the invitations sent to the now proven address become the member's.
pub async fn verify(state: &AppState, token: &str) -> AppResult<member::Model> {
    let refused = || AppError::bad_input("token", "The link is invalid, used or expired");
    let txn = begin_write(&state.db).await?;
    let found = spend_token(
        &txn,
        token,
        &[Purpose::Verify, Purpose::ChangeEmail],
        "token",
    )
    .await?;
    let member = member::Entity::find_by_id(found.member_id)
        .one(&txn)
        .await?
        .ok_or_else(refused)?;
    let verified = if found.purpose == Purpose::ChangeEmail.code() {
        let (email, email_key) = text::email(&found.email, "token")?;
        let moved = member::ActiveModel {
            id: Set(member.id),
            email: Set(email),
            email_key: Set(email_key),
            email_verified_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(&txn)
        .await;
        let moved = match moved {
            Ok(moved) => moved,
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(AppError::bad_input(
                    "token",
                    "Another account uses this address now",
                ));
            }
            Err(err) => return Err(err.into()),
        };
        if member.email_verified_at.is_some() {
            let notice = NewJob::now(
                EMAIL_CHANGED_JOB,
                serde_json::json!({ "memberId": member.id, "oldEmail": member.email }),
            );
            enqueue(state, &txn, notice).await?;
        }
        tracing::info!(member_id = %member.id, "e-mail address changed");
        groups::commands::claim_invitations(&txn, moved.id, &moved.email_key).await?;
        moved
    } else if member.email != found.email {
        return Err(refused());
    } else {
        mark_verified(&txn, member).await?
    };
    txn.commit().await?;
    tracing::info!(member_id = %verified.id, "e-mail address verified");
    Ok(verified)
}

/// Marks a member's address verified inside `txn` (a password reset proves it too) and claims
/// the invitations sent to it.
pub(crate) async fn mark_verified(
    txn: &DatabaseTransaction,
    member: member::Model,
) -> AppResult<member::Model> {
    let verified = if member.email_verified_at.is_some() {
        member
    } else {
        member::ActiveModel {
            id: Set(member.id),
            email_verified_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(txn)
        .await?
    };
    groups::commands::claim_invitations(txn, verified.id, &verified.email_key).await?;
    Ok(verified)
}
