//! Forgotten passwords. `requestPasswordReset` answers the same whether or not the address has
//! an account: the lookup happens in the job, out of the request's timing. The mailed token is
//! single use, lives 30 minutes and counts only while the address is still the member's; a reset
//! signs the member out everywhere and mails a notice. Requests are throttled per client address
//! (an answer says so) and per e-mail address (silently: mail stops, the answer does not change).

use chrono::Duration;
use entity::{member, session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
};

use crate::{
    auth::{
        commands::{check_password, revoke_sessions, throttle},
        throttle::{Rule, address_key},
        verification::{self, Purpose, issue_token, link, payload_member, spend_token},
    },
    db::begin_write,
    error::{AppError, AppResult},
    jobs::{NewJob, enqueue},
    mail::templates::{self, Locale},
    state::{AppState, ClientInfo},
    text,
};

/// The job that mails a reset link to an address, if it has an account.
pub const JOB: &str = "password-reset";
/// The job that tells a member their password was changed.
pub const CHANGED_JOB: &str = "password-changed";

const VALID_FOR: Duration = Duration::minutes(30);
/// Reset mails to one address per hour; requests beyond are answered alike and send nothing.
const MAILS_PER_ADDRESS_PER_HOUR: u32 = 3;

/// Asks for a reset link to be mailed to `email`.
pub async fn request(state: &AppState, client: &ClientInfo, email: &str) -> AppResult<()> {
    throttle(
        state,
        &format!("password-reset:{}", address_key(client.address)),
        Rule::per_hour(state.settings.throttles.password_reset_per_address_per_hour),
    )
    .await?;
    let (_, email_key) = text::email(email, "email")?;
    let within_budget = !state.settings.throttles.enabled
        || state
            .limiter
            .hit(
                &format!("password-reset-mail:{email_key}"),
                Rule::per_hour(MAILS_PER_ADDRESS_PER_HOUR),
            )
            .await
            .is_ok();
    if within_budget {
        let job = NewJob::now(JOB, serde_json::json!({ "emailKey": email_key }));
        enqueue(state, &state.db, job).await?;
    }
    Ok(())
}

/// The job: a token and its link, mailed to the account with that address; nothing when there
/// is none.
pub async fn send_mail(state: &AppState, payload: &serde_json::Value) -> Result<(), String> {
    let email_key = payload["emailKey"]
        .as_str()
        .ok_or("the payload names no address")?;
    let Some(member) = member::Entity::find()
        .filter(member::Column::EmailKey.eq(email_key))
        .one(&state.db)
        .await
        .map_err(|err| err.to_string())?
    else {
        return Ok(());
    };
    let token = issue_token(
        &state.db,
        member.id,
        Purpose::ResetPassword,
        &member.email,
        VALID_FOR,
    )
    .await?;
    let mail = templates::password_reset(
        Locale::of(&member.locale),
        &member.email,
        &member.display_name,
        &link(state, "reset-password", Some(&token)),
    );
    state.mailer.send(&state.settings.mail, mail).await
}

/// Sets a new password with a mailed token: every session ends, the address counts as verified
/// (the link proved it), and a notice is mailed.
pub async fn reset(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    new_password: &str,
) -> AppResult<()> {
    throttle(
        state,
        &format!("password-reset-use:{}", address_key(client.address)),
        Rule::per_minute(state.settings.throttles.login_per_address_per_minute),
    )
    .await?;
    check_password(new_password, "newPassword")?;
    let password_hash = state.passwords.hash(new_password).await?;
    let txn = begin_write(&state.db).await?;
    let found = spend_token(&txn, token, &[Purpose::ResetPassword], "token").await?;
    let member = member::Entity::find_by_id(found.member_id)
        .one(&txn)
        .await?
        .filter(|member| member.email == found.email)
        .ok_or_else(|| AppError::bad_input("token", "The link is invalid, used or expired"))?;
    let member = member::ActiveModel {
        id: Set(member.id),
        password_hash: Set(password_hash),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let member = verification::mark_verified(&txn, member).await?;
    revoke_sessions(
        &txn,
        Condition::all().add(session::Column::MemberId.eq(member.id)),
    )
    .await?;
    enqueue_changed_notice(state, &txn, member.id).await?;
    txn.commit().await?;
    tracing::info!(member_id = %member.id, "password reset");
    Ok(())
}

/// Enqueues "your password was changed" on `db` (the changing transaction).
pub async fn enqueue_changed_notice<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    db: &C,
    member_id: uuid::Uuid,
) -> AppResult<()> {
    let job = NewJob::now(CHANGED_JOB, serde_json::json!({ "memberId": member_id }));
    enqueue(state, db, job).await
}

/// The job: "your password was changed".
pub async fn send_changed_notice(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<(), String> {
    let Some(member) = payload_member(state, payload).await? else {
        return Ok(());
    };
    let mail = templates::password_changed(
        Locale::of(&member.locale),
        &member.email,
        &member.display_name,
        &link(state, "forgot-password", None),
    );
    state.mailer.send(&state.settings.mail, mail).await
}
