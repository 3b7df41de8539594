//! Sign-up, sign-in and session management over GraphQL. The resolvers only translate; the rules
//! live in `auth::commands`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::session;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::graphql::scalars;
use crate::{
    auth::{
        commands::{self, IssuedSession, Registration},
        reset, verification,
    },
    error::AppResult,
    graphql::{
        context::ContextExt,
        pagination::{self, Order, Page, PageArgs},
    },
    ids,
    members::types::Member,
};

/// A new account.
#[derive(InputObject)]
pub struct RegisterInput {
    /// The address to sign in with, up to 254 characters. Unique regardless of case.
    #[graphql(validator(custom = "crate::text::limits::EMAIL"))]
    pub email: String,
    /// 10 to 1024 characters.
    #[graphql(validator(custom = "crate::text::limits::PASSWORD"))]
    pub password: String,
    /// The name shown to others, 1 to 80 characters.
    #[graphql(validator(custom = "crate::text::limits::DISPLAY_NAME"))]
    pub display_name: String,
}

/// What `register` answers: the same whether the address was new or already had an account, so
/// the answer tells a stranger nothing about who has one. Sign in with `login`; until the mailed
/// link is followed, the account may read but not join, post or accept invitations.
#[derive(SimpleObject)]
pub struct RegisterPayload {
    /// The address the mail went to, as it is stored.
    pub email: String,
}

/// An address that forgot its password.
#[derive(InputObject)]
pub struct RequestPasswordResetInput {
    /// Up to 254 characters.
    #[graphql(validator(custom = "crate::text::limits::EMAIL"))]
    pub email: String,
}

/// A new password, with the token from the mailed link.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The `token` of the link in the mail.
    #[graphql(validator(max_length = 200))]
    pub token: String,
    /// 10 to 1024 characters.
    #[graphql(validator(custom = "crate::text::limits::PASSWORD.named(\"newPassword\")"))]
    pub new_password: String,
}

/// A new address for the viewer's account, confirmed by the password.
#[derive(InputObject)]
pub struct ChangeEmailInput {
    /// Up to 254 characters. The account moves only when the link mailed to it is followed.
    #[graphql(validator(custom = "crate::text::limits::EMAIL.named(\"newEmail\")"))]
    pub new_email: String,
    #[graphql(validator(custom = "crate::text::limits::PASSWORD"))]
    pub password: String,
}

/// E-mail and password.
#[derive(InputObject)]
pub struct LoginInput {
    #[graphql(validator(custom = "crate::text::limits::EMAIL"))]
    pub email: String,
    #[graphql(validator(custom = "crate::text::limits::PASSWORD"))]
    pub password: String,
}

/// A password change; other sessions are signed out.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    #[graphql(validator(custom = "crate::text::limits::PASSWORD.named(\"currentPassword\")"))]
    pub current_password: String,
    /// 10 to 1024 characters.
    #[graphql(validator(custom = "crate::text::limits::PASSWORD.named(\"newPassword\")"))]
    pub new_password: String,
}

/// The password, to confirm deleting the account.
#[derive(InputObject)]
pub struct DeleteAccountInput {
    #[graphql(validator(custom = "crate::text::limits::PASSWORD"))]
    pub password: String,
}

/// Tokens for a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer …`. Short-lived.
    pub access_token: String,
    /// When the access token stops working; refresh before then.
    pub access_token_expires_at: scalars::DateTime,
    /// Exchange with `refreshSession` for a new pair. Single use: keep only the newest.
    pub refresh_token: String,
    /// The signed-in member.
    pub member: Member,
}

impl From<IssuedSession> for AuthPayload {
    fn from(issued: IssuedSession) -> Self {
        Self {
            access_token: issued.access_token,
            access_token_expires_at: issued.access_token_expires_at.into(),
            refresh_token: issued.refresh_token,
            member: Member::own(issued.member),
        }
    }
}

/// A device or browser where the viewer is signed in.
pub struct Session {
    row: session::Model,
    current: bool,
}

impl Session {
    /// `current_session` is the session of the request's own token.
    pub fn new(row: session::Model, current_session: Uuid) -> Self {
        Self {
            current: row.id == current_session,
            row,
        }
    }
}

#[Object]
impl Session {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Session, self.row.id)
    }

    /// The browser or app that signed in, as it named itself.
    async fn user_agent(&self) -> Option<&str> {
        self.row.user_agent.as_deref()
    }

    /// When the session began (sign-in).
    async fn created_at(&self) -> scalars::DateTime {
        (self.row.created_at).into()
    }

    /// When its tokens were last refreshed.
    async fn last_used_at(&self) -> scalars::DateTime {
        (self.row.last_used_at).into()
    }

    /// When it ends at the latest, used or not.
    async fn expires_at(&self) -> scalars::DateTime {
        (self.row.expires_at).into()
    }

    /// Whether this is the session of the request's own token.
    async fn current(&self) -> bool {
        self.current
    }
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The viewer's live sessions, newest first.
    #[graphql(complexity = "pagination::cost(first, last, child_complexity)")]
    async fn my_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
        last: Option<i32>,
        #[graphql(validator(max_length = 200))] before: Option<String>,
    ) -> AppResult<Page<Session>> {
        let viewer = ctx.viewer().require()?;
        let state = ctx.state()?;
        let args = PageArgs::<Uuid>::new(ctx, first, after, last, before)?;
        let live = session::Entity::find()
            .filter(session::Column::MemberId.eq(viewer.member_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(Utc::now()));
        let (rows, total) = args
            .fetch(
                ctx,
                &state.db,
                live,
                session::Column::Id,
                Order::NewestFirst,
            )
            .await?;
        let current = viewer.session_id;
        Ok(args.connection(rows, total, |row| row.id, |row| Session::new(row, current)))
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates an account and mails a link that verifies its address; then sign in with
    /// `login`. A taken address answers the same (its owner gets a mail instead).
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> AppResult<RegisterPayload> {
        let registration = Registration {
            email: &input.email,
            password: &input.password,
            display_name: &input.display_name,
        };
        let email = commands::register(ctx.state()?, ctx.client()?, registration).await?;
        Ok(RegisterPayload { email })
    }

    /// Mails a link for choosing a new password (single use, 30 minutes) if the address has an
    /// account. Always `true`: the answer does not tell whether it has one.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        input: RequestPasswordResetInput,
    ) -> AppResult<bool> {
        reset::request(ctx.state()?, ctx.client()?, &input.email).await?;
        Ok(true)
    }

    /// Sets a new password with the token from the mailed link. Every session of the account
    /// ends (sign in again) and a notice is mailed.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> AppResult<bool> {
        reset::reset(
            ctx.state()?,
            ctx.client()?,
            &input.token,
            &input.new_password,
        )
        .await?;
        Ok(true)
    }

    /// Starts moving the viewer's account to a new address: a link goes to it, and the account
    /// moves when it is followed (`verifyEmail`); the old address is then told.
    async fn change_email(&self, ctx: &Context<'_>, input: ChangeEmailInput) -> AppResult<bool> {
        let viewer = ctx.viewer().require()?;
        verification::request_email_change(ctx.state()?, viewer, &input.new_email, &input.password)
            .await?;
        Ok(true)
    }

    /// Signs in. A wrong password and an unknown e-mail give the same `UNAUTHENTICATED`.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> AppResult<AuthPayload> {
        let issued =
            commands::login(ctx.state()?, ctx.client()?, &input.email, &input.password).await?;
        Ok(issued.into())
    }

    /// Exchanges a refresh token for a new access and refresh token. Using a refresh token a
    /// second time signs that session out everywhere.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] refresh_token: String,
    ) -> AppResult<AuthPayload> {
        let issued = commands::refresh(ctx.state()?, ctx.client()?, &refresh_token).await?;
        Ok(issued.into())
    }

    /// Confirms an e-mail address with the token from the mailed link (single use, 24 hours):
    /// a new account's address, or the new address of `changeEmail`. Invitations sent to the
    /// address become the member's. Needs no sign-in: the link is the proof.
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] token: String,
    ) -> AppResult<Member> {
        let verified = verification::verify(ctx.state()?, &token).await?;
        // The link came to this address: whoever holds it may read what it verified.
        Ok(Member::own(verified))
    }

    /// Mails the signed-in member a new verification link (at most five an hour). `false` when
    /// the address is verified already.
    async fn resend_verification(&self, ctx: &Context<'_>) -> AppResult<bool> {
        let actor = ctx.viewer().require()?;
        verification::resend(ctx.state()?, actor).await
    }

    /// Signs out the session the refresh token belongs to; its access tokens stop working.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] refresh_token: String,
    ) -> AppResult<bool> {
        commands::logout(ctx.state()?, &refresh_token).await?;
        Ok(true)
    }

    /// Changes the viewer's password and signs out all their other sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> AppResult<bool> {
        let viewer = ctx.viewer().require()?;
        commands::change_password(
            ctx.state()?,
            viewer,
            &input.current_password,
            &input.new_password,
        )
        .await?;
        Ok(true)
    }

    /// A new calendar feed token; the previous one stops working. Calendar apps cannot send
    /// headers: append `?token=…` to a members-only group's `.ics` feed URL.
    async fn create_calendar_token(&self, ctx: &Context<'_>) -> AppResult<String> {
        let viewer = ctx.viewer().require()?;
        commands::create_calendar_token(ctx.state()?, viewer).await
    }

    /// Deletes the viewer's account: the profile is anonymised ("Deleted member"), e-mail,
    /// sessions, memberships and seats at coming meetups are removed; what the member wrote
    /// stays, without their name. The last owner of a group must hand it over first.
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        input: DeleteAccountInput,
    ) -> AppResult<bool> {
        let viewer = ctx.viewer().require()?;
        commands::delete_account(ctx.state()?, viewer, &input.password).await?;
        Ok(true)
    }

    /// Signs out one of the viewer's sessions (a lost phone, a shared computer).
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> AppResult<bool> {
        let viewer = ctx.viewer().require()?;
        let session_id = ids::decode_as(&id, ids::Kind::Session, "Session")?;
        commands::revoke_session(ctx.state()?, viewer, session_id).await?;
        Ok(true)
    }
}
