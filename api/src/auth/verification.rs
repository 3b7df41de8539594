//! Verified addresses. Registration enqueues a verification mail in its own transaction; the
//! job makes a single-use token (256 bits, stored hashed, 24 hours) and mails its link;
//! `verifyEmail` spends the token, and counts only while the address is still the member's.

use chrono::{Duration, Utc};
use entity::{email_token, member};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::{
    auth::{
        commands::throttle,
        throttle::Rule,
        tokens::{hash_opaque_token, new_opaque_token},
        viewer::Identity,
    },
    db::begin_write,
    error::{AppError, AppResult},
    jobs::{NewJob, enqueue},
    mail::templates::{self, Locale},
    state::AppState,
};

/// The job that mails a verification link.
pub const JOB: &str = "verify-email";

const PURPOSE: &str = "VERIFY";
const VALID_FOR: Duration = Duration::hours(24);
const RESENDS_PER_HOUR: u32 = 5;

/// Enqueues the verification mail for `member_id` on `db` (the registering transaction).
pub async fn enqueue_mail<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    member_id: Uuid,
) -> AppResult<()> {
    let job = NewJob::now(JOB, serde_json::json!({ "memberId": member_id }));
    enqueue(db, job, state.settings.jobs.max_attempts).await
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
    let member_id = payload["memberId"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or("the payload names no member")?;
    let Some(member) = member::Entity::find_by_id(member_id)
        .one(&state.db)
        .await
        .map_err(|err| err.to_string())?
    else {
        return Ok(());
    };
    if member.email_verified_at.is_some() {
        return Ok(());
    }
    let (token, hash) = new_opaque_token();
    let now = Utc::now();
    email_token::ActiveModel {
        token_hash: Set(hash),
        member_id: Set(member.id),
        purpose: Set(PURPOSE.into()),
        email: Set(member.email.clone()),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&state.db)
    .await
    .map_err(|err| err.to_string())?;
    let link = format!(
        "{}/verify-email?token={token}",
        state.settings.mail.public_url
    );
    let mail = templates::verify_email(
        Locale::of(&member.locale),
        &member.email,
        &member.display_name,
        &link,
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// Spends a verification token: the member's address is verified from now on.
pub async fn verify(state: &AppState, token: &str) -> AppResult<member::Model> {
    let refused = || AppError::bad_input("token", "The link is invalid, used or expired");
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let found = email_token::Entity::find_by_id(hash_opaque_token(token))
        .filter(email_token::Column::Purpose.eq(PURPOSE))
        .filter(email_token::Column::UsedAt.is_null())
        .filter(email_token::Column::ExpiresAt.gt(now))
        .one(&txn)
        .await?
        .ok_or_else(refused)?;
    let spent = email_token::Entity::update_many()
        .col_expr(
            email_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(email_token::Column::TokenHash.eq(found.token_hash.clone()))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(refused());
    }
    let member = member::Entity::find_by_id(found.member_id)
        .one(&txn)
        .await?
        .filter(|member| member.email == found.email)
        .ok_or_else(refused)?;
    let verified = if member.email_verified_at.is_some() {
        member
    } else {
        member::ActiveModel {
            id: Set(member.id),
            email_verified_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&txn)
        .await?
    };
    txn.commit().await?;
    tracing::info!(member_id = %verified.id, "e-mail address verified");
    Ok(verified)
}
