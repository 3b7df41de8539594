//! Accounts and sessions: registration, sign-in, refresh rotation with reuse detection, sign-out,
//! password change, and turning a bearer token into a viewer. Every write that touches several
//! rows runs in one transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{
    calendar_token, interest_group, member,
    membership::{self, Role, Status as MembershipStatus},
    refresh_token,
    row::{joined, model_at},
    session,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, QueryTrait, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    audit,
    auth::{
        password::PASSWORD_LENGTH,
        reset,
        throttle::{Refusal, Rule, Write, address_key},
        tokens::{hash_opaque_token, new_opaque_token},
        verification,
        viewer::Identity,
    },
    db::begin_write,
    error::{AppError, AppResult},
    events::Event,
    groups, ids, meetups,
    members::handles,
    organisations, search,
    state::{AppState, ClientInfo},
    text,
};

/// What a successful sign-in hands the client.
pub struct IssuedSession {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub member: member::Model,
}

/// What `register` needs.
pub struct Registration<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
}

/// The domain of the placeholder address a deleted account keeps (RFC 2606: it cannot exist).
const DELETED_DOMAIN: &str = "deleted.invalid";

/// Whether the account was deleted (and must get no mail).
pub fn is_deleted(member: &member::Model) -> bool {
    member
        .email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain == DELETED_DOMAIN)
}

/// Checks the viewer's password before a sensitive change, counting the attempt against the
/// account's budget; a wrong one is `BAD_USER_INPUT` on `field`.
pub(crate) async fn verify_password(
    state: &AppState,
    viewer: &Identity,
    password: &str,
    field: &'static str,
) -> AppResult<()> {
    throttle(
        state,
        &format!("password:{}", viewer.member_id),
        Rule::per_hour(state.settings.throttles.login_per_account_per_hour),
    )
    .await?;
    if state
        .passwords
        .verify(password, Some(&viewer.member.password_hash))
        .await?
    {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "The password is wrong"))
    }
}

const WRONG_CREDENTIALS: AppError = AppError::Unauthenticated("E-mail or password is wrong");
const BAD_REFRESH: AppError = AppError::Unauthenticated("The refresh token is invalid or expired");

/// Counts one attempt against a throttle; over the limit is `RATE_LIMITED`. When the shared
/// store cannot count, the attempt is refused (`SERVICE_UNAVAILABLE`): sign-in and the other
/// guessable fields fail closed.
pub async fn throttle(state: &AppState, key: &str, rule: Rule) -> AppResult<()> {
    count(state, key, rule).await.map_err(refused)
}

/// Counts one write of `kind` by a member against its per-minute and per-hour budgets. These
/// budgets fail open: a signed-in, verified member keeps writing while the shared store is away.
pub async fn throttle_write(state: &AppState, actor: &Identity, kind: Write) -> AppResult<()> {
    let (per_minute, per_hour) = state.settings.throttles.write(kind);
    let key = format!("write:{}:{}", kind.name(), actor.member_id);
    for rule in [Rule::per_minute(per_minute), Rule::per_hour(per_hour)] {
        match count(state, &key, rule).await {
            Ok(()) | Err(Refusal::Unavailable) => {}
            Err(refusal) => return Err(refused(refusal)),
        }
    }
    Ok(())
}

async fn count(state: &AppState, key: &str, rule: Rule) -> Result<(), Refusal> {
    if !state.settings.throttles.enabled {
        return Ok(());
    }
    let counted = state.limiter.hit(key, rule).await;
    match counted {
        Err(Refusal::Wait(_)) => state.metrics.throttle_refusal("limited"),
        Err(Refusal::Unavailable) => state.metrics.throttle_refusal("unavailable"),
        Ok(()) => {}
    }
    counted
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Wait(wait) => AppError::RateLimited {
            retry_after_seconds: wait.as_secs().max(1),
        },
        Refusal::Unavailable => AppError::Unavailable,
    }
}

pub(crate) fn check_password(password: &str, field: &str) -> AppResult<()> {
    let length = password.chars().count();
    if PASSWORD_LENGTH.contains(&length) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            field,
            format!(
                "Must be {} to {} characters",
                PASSWORD_LENGTH.start(),
                PASSWORD_LENGTH.end()
            ),
        ))
    }
}

/// Creates an account and mails a link that verifies its address; the member signs in with
/// `login`. The answer is the same for a taken address, whose owner is mailed instead, so it
/// tells a stranger nothing about who has an account.
pub async fn register(
    state: &AppState,
    client: &ClientInfo,
    input: Registration<'_>,
) -> AppResult<String> {
    let limits = &state.settings.throttles;
    throttle(
        state,
        &format!("register:{}", address_key(client.address)),
        Rule::per_hour(limits.register_per_address_per_hour),
    )
    .await?;
    let (email, email_key) = text::email(input.email, "email")?;
    check_password(input.password, "password")?;
    let display_name = text::limits::DISPLAY_NAME.clean(input.display_name)?;
    // Hash before looking at the e-mail, so a taken address answers no faster than a free one.
    let password_hash = state.passwords.hash(input.password).await?;
    let now = Utc::now();
    // Two people with one name registering at once may be given the same handle: the loser of
    // that race takes the next free one.
    for _ in 0..3 {
        let member = member::ActiveModel {
            id: Set(ids::new_key()),
            email: Set(email.clone()),
            email_key: Set(email_key.clone()),
            password_hash: Set(password_hash.clone()),
            display_name: Set(display_name.clone()),
            handle: Set(handles::free_handle(&state.db, &display_name).await?),
            headline: Set(None),
            organisation: Set(None),
            bio: Set(None),
            website_url: Set(None),
            avatar_url: Set(None),
            is_site_admin: Set(false),
            created_at: Set(now),
            email_verified_at: Set(None),
            locale: Set("NB".into()),
            notification_email: Set("DAILY".into()),
            digest_sent_at: Set(None),
            ..Default::default()
        };
        let txn = begin_write(&state.db).await?;
        match member.insert(&txn).await {
            Ok(member) => {
                search::index::write(&txn, search::index::member(&member, false)).await?;
                verification::enqueue_mail(state, &txn, member.id).await?;
                txn.commit().await?;
                tracing::info!(member_id = %member.id, "member registered");
                return Ok(email);
            }
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                // PostgreSQL has aborted the transaction: look outside it.
                txn.rollback().await?;
                let owner = member::Entity::find()
                    .filter(member::Column::EmailKey.eq(&email_key))
                    .one(&state.db)
                    .await?;
                if let Some(owner) = owner {
                    verification::enqueue_registration_attempt(state, &state.db, owner.id).await?;
                    return Ok(email);
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict("Please try again".into()))
}

/// Signs in with e-mail and password. An unknown e-mail and a wrong password answer alike, in
/// about the same time.
pub async fn login(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: &str,
) -> AppResult<IssuedSession> {
    let limits = &state.settings.throttles;
    let address = format!("login:{}", address_key(client.address));
    throttle(
        state,
        &address,
        Rule::per_minute(limits.login_per_address_per_minute),
    )
    .await?;
    throttle(
        state,
        &address,
        Rule::per_hour(limits.login_per_address_per_hour),
    )
    .await?;
    let email_key = text::email_key(email);
    throttle(
        state,
        &format!("login-account:{email_key}"),
        Rule::per_hour(limits.login_per_account_per_hour),
    )
    .await?;
    if password.chars().count() > *PASSWORD_LENGTH.end() {
        return Err(WRONG_CREDENTIALS);
    }
    let member = member::Entity::find()
        .filter(member::Column::EmailKey.eq(email_key))
        .one(&state.db)
        .await?;
    let stored = member.as_ref().map(|m| m.password_hash.as_str());
    if !state.passwords.verify(password, stored).await? {
        return Err(WRONG_CREDENTIALS);
    }
    let Some(mut member) = member else {
        return Err(WRONG_CREDENTIALS);
    };
    let txn = begin_write(&state.db).await?;
    if state.passwords.needs_rehash(&member.password_hash) {
        let rehashed = state.passwords.hash(password).await?;
        member = member::ActiveModel {
            id: Set(member.id),
            password_hash: Set(rehashed),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    let issued = start_session(state, &txn, member, client).await?;
    txn.commit().await?;
    Ok(issued)
}

async fn start_session(
    state: &AppState,
    txn: &impl ConnectionTrait,
    member: member::Model,
    client: &ClientInfo,
) -> AppResult<IssuedSession> {
    let now = Utc::now();
    let lifetime =
        chrono::Duration::from_std(state.settings.session_ttl).map_err(AppError::internal)?;
    let session = session::ActiveModel {
        id: Set(ids::new_key()),
        member_id: Set(member.id),
        user_agent: Set(client.user_agent.clone()),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + lifetime),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    let refresh_token = issue_refresh_token(txn, session.id).await?;
    hand_out(state, member, session.id, refresh_token)
}

/// Signs an access token for a session whose refresh token was just issued.
fn hand_out(
    state: &AppState,
    member: member::Model,
    session_id: Uuid,
    refresh_token: String,
) -> AppResult<IssuedSession> {
    let (access_token, access_token_expires_at) = state.tokens.issue(member.id, session_id)?;
    Ok(IssuedSession {
        access_token,
        access_token_expires_at,
        refresh_token,
        member,
    })
}

async fn issue_refresh_token(txn: &impl ConnectionTrait, session_id: Uuid) -> AppResult<String> {
    let (token, token_hash) = new_opaque_token();
    refresh_token::ActiveModel {
        id: Set(ids::new_key()),
        session_id: Set(session_id),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        rotated_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Exchanges a refresh token for a new pair. A token that was already exchanged is reuse: the
/// whole session is revoked (RFC 9700 §4.14.2), since either the client or a thief holds a copy.
pub async fn refresh(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
) -> AppResult<IssuedSession> {
    throttle(
        state,
        &format!("refresh:{}", address_key(client.address)),
        Rule::per_minute(state.settings.throttles.refresh_per_address_per_minute),
    )
    .await?;
    let now = Utc::now();
    let Some((stored, Some(session))) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_opaque_token(token)))
        .find_also_related(session::Entity)
        .one(&state.db)
        .await?
    else {
        return Err(BAD_REFRESH);
    };
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(BAD_REFRESH);
    }
    let txn = begin_write(&state.db).await?;
    // Claim the token atomically: of two concurrent uses, only one sees it unrotated.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        revoke_sessions(
            &state.db,
            Condition::all().add(session::Column::Id.eq(session.id)),
        )
        .await?;
        tracing::warn!(session_id = %session.id, "refresh token reused: session revoked");
        return Err(BAD_REFRESH);
    }
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session.id))
        .exec(&txn)
        .await?;
    let refresh_token = issue_refresh_token(&txn, session.id).await?;
    let member = member::Entity::find_by_id(session.member_id)
        .one(&txn)
        .await?
        .ok_or(BAD_REFRESH)?;
    txn.commit().await?;
    hand_out(state, member, session.id, refresh_token)
}

/// Ends the session a refresh token belongs to. Unknown tokens are ignored: signing out is
/// idempotent and says nothing about which tokens exist.
pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_opaque_token(token)))
        .one(&state.db)
        .await?;
    if let Some(stored) = stored {
        revoke_sessions(
            &state.db,
            Condition::all().add(session::Column::Id.eq(stored.session_id)),
        )
        .await?;
    }
    Ok(())
}

/// Ends one of the viewer's own sessions (from the list of signed-in devices).
pub async fn revoke_session(
    state: &AppState,
    viewer: &Identity,
    session_id: Uuid,
) -> AppResult<()> {
    let revoked = revoke_sessions(
        &state.db,
        Condition::all()
            .add(session::Column::Id.eq(session_id))
            .add(session::Column::MemberId.eq(viewer.member_id)),
    )
    .await?;
    if revoked == 0 {
        let exists = session::Entity::find_by_id(session_id)
            .filter(session::Column::MemberId.eq(viewer.member_id))
            .one(&state.db)
            .await?
            .is_some();
        if !exists {
            return Err(AppError::NotFound("Session"));
        }
    }
    Ok(())
}

pub(crate) async fn revoke_sessions(db: &impl ConnectionTrait, which: Condition) -> AppResult<u64> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(which)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Changes the viewer's password after checking the current one, and signs out every other
/// session.
pub async fn change_password(
    state: &AppState,
    viewer: &Identity,
    current: &str,
    new: &str,
) -> AppResult<()> {
    check_password(new, "newPassword")?;
    verify_password(state, viewer, current, "currentPassword").await?;
    let password_hash = state.passwords.hash(new).await?;
    let txn = begin_write(&state.db).await?;
    member::ActiveModel {
        id: Set(viewer.member_id),
        password_hash: Set(password_hash),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    revoke_sessions(
        &txn,
        Condition::all()
            .add(session::Column::MemberId.eq(viewer.member_id))
            .add(session::Column::Id.ne(viewer.session_id)),
    )
    .await?;
    reset::enqueue_changed_notice(state, &txn, viewer.member_id).await?;
    txn.commit().await?;
    Ok(())
}

/// The viewer a bearer token stands for. The session must be live: a signed-out or expired
/// session makes its access tokens worthless at once.
pub async fn authenticate(state: &AppState, bearer: &str) -> AppResult<Identity> {
    let claims = state.tokens.verify(bearer)?;
    // Read by position: on SQLite on the request's own thread, as every page's reads are.
    let statement = session::Entity::find_by_id(claims.sid)
        .find_also_related(member::Entity)
        .build(state.db.get_database_backend());
    let found = match state.db.rows(statement).await?.first() {
        Some(row) => Some((
            model_at::<session::Model>(row.row(), 0, "A_")?,
            joined::<member::Model>(row.row(), "B_")?,
        )),
        None => None,
    };
    match found {
        Some((session, Some(member)))
            if session.member_id == claims.sub
                && session.revoked_at.is_none()
                && session.expires_at > Utc::now() =>
        {
            Ok(Identity {
                member_id: member.id,
                session_id: session.id,
                is_site_admin: member.is_site_admin,
                member: Arc::new(member),
            })
        }
        _ => Err(AppError::Unauthenticated(
            "The session has ended; sign in again",
        )),
    }
}

/// Makes a new calendar feed token for the viewer (the previous one stops working) and returns
/// it; only its hash is kept.
pub async fn create_calendar_token(state: &AppState, viewer: &Identity) -> AppResult<String> {
    let (token, token_hash) = new_opaque_token();
    let txn = begin_write(&state.db).await?;
    calendar_token::Entity::delete_by_id(viewer.member_id)
        .exec(&txn)
        .await?;
    calendar_token::ActiveModel {
        member_id: Set(viewer.member_id),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// The member a calendar feed token stands for. Feed tokens belong to no session (their
/// `session_id` is nil) and are accepted only by the read-only calendar feeds.
pub async fn authenticate_calendar_token(state: &AppState, token: &str) -> AppResult<Identity> {
    let found = calendar_token::Entity::find()
        .filter(calendar_token::Column::TokenHash.eq(hash_opaque_token(token)))
        .find_also_related(member::Entity)
        .one(&state.db)
        .await?;
    match found {
        Some((_, Some(member))) => Ok(Identity {
            member_id: member.id,
            session_id: Uuid::nil(),
            is_site_admin: member.is_site_admin,
            member: Arc::new(member),
        }),
        _ => Err(AppError::Unauthenticated("The calendar token is not valid")),
    }
}

/// Deletes the viewer's account after checking the password: the member row stays so threads
/// keep their shape, but it is anonymised (name "Deleted member", no e-mail, no profile, no
/// password), and sessions, feed token, memberships and seats at coming meetups are removed.
/// The last owner of a group must hand it over first.
pub async fn delete_account(state: &AppState, viewer: &Identity, password: &str) -> AppResult<()> {
    verify_password(state, viewer, password, "password").await?;
    let txn = begin_write(&state.db).await?;
    let owned = membership::Entity::find()
        .filter(membership::Column::MemberId.eq(viewer.member_id))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .filter(membership::Column::Role.eq(Role::Owner))
        .all(&txn)
        .await?;
    for ownership in &owned {
        let group = interest_group::Entity::find_by_id(ownership.group_id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("Group"))?;
        let owners = membership::Entity::find()
            .filter(membership::Column::GroupId.eq(group.id))
            .filter(membership::Column::Status.eq(MembershipStatus::Active))
            .filter(membership::Column::Role.eq(Role::Owner))
            .count(&txn)
            .await?;
        if owners <= 1 && group.archived_at.is_none() {
            return Err(AppError::Conflict(format!(
                "You are the last owner of \"{}\": hand it over or archive it first",
                group.name
            )));
        }
    }
    let withdrawn = meetups::commands::withdraw_member(state, &txn, viewer.member_id).await?;
    groups::commands::remove_memberships_of(&txn, viewer.member_id).await?;
    organisations::commands::end_all_of(&txn, viewer.member_id).await?;
    session::Entity::delete_many()
        .filter(session::Column::MemberId.eq(viewer.member_id))
        .exec(&txn)
        .await?;
    calendar_token::Entity::delete_by_id(viewer.member_id)
        .exec(&txn)
        .await?;
    let gone = format!("deleted-{}@{DELETED_DOMAIN}", viewer.member_id.simple());
    let deleted = member::ActiveModel {
        id: Set(viewer.member_id),
        email: Set(gone.clone()),
        email_key: Set(gone),
        password_hash: Set("!deleted".into()),
        display_name: Set("Deleted member".into()),
        headline: Set(None),
        organisation: Set(None),
        bio: Set(None),
        website_url: Set(None),
        avatar_url: Set(None),
        is_site_admin: Set(false),
        email_verified_at: Set(None),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    search::index::write(&txn, search::index::member(&deleted, true)).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor_id: Some(viewer.member_id),
            group_id: None,
            action: "member.delete",
            subject_type: "Member",
            subject_id: viewer.member_id,
            details: None,
        },
    )
    .await?;
    txn.commit().await?;
    for meetup_id in withdrawn {
        state.events.publish(Event::MeetupUpdated { meetup_id });
    }
    tracing::info!(member_id = %viewer.member_id, "account deleted");
    Ok(())
}
