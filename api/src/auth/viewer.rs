//! Who is asking. Built once per request from the bearer token (or the WebSocket's
//! `connection_init`) and placed in the request data; resolvers never look at headers.

use std::sync::Arc;

use entity::member;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A signed-in member, as established by a valid access token and a live session.
#[derive(Clone, Debug)]
pub struct Identity {
    pub member_id: Uuid,
    pub session_id: Uuid,
    pub is_site_admin: bool,
    /// The member's row as read with the session, so `me` needs no second query.
    pub member: Arc<member::Model>,
}

/// The viewer of a request: a signed-in member, or anonymous.
#[derive(Clone, Debug, Default)]
pub struct Viewer(pub Option<Identity>);

/// The viewer of a request that carried no token.
pub static ANONYMOUS: Viewer = Viewer(None);

impl Viewer {
    pub fn identity(&self) -> Option<&Identity> {
        self.0.as_ref()
    }

    /// The signed-in member, or `UNAUTHENTICATED`.
    pub fn require(&self) -> AppResult<&Identity> {
        self.identity()
            .ok_or(AppError::Unauthenticated("Sign in to do this"))
    }

    /// The signed-in member whose address is verified: `UNAUTHENTICATED` without a sign-in,
    /// `FORBIDDEN` before the address is verified. An address is not a person until it is
    /// verified, so every write in a group (joining, accepting an invitation, posting, answering
    /// a meetup, sharing, inviting, organising) needs one; reading, the member's own profile and
    /// account, leaving a group and declining an invitation do not.
    pub fn require_verified(&self) -> AppResult<&Identity> {
        let identity = self.require()?;
        if identity.member.email_verified_at.is_none() {
            return Err(AppError::Forbidden(
                "Confirm your e-mail address first: follow the link we mailed you (resendVerification sends a new one)",
            ));
        }
        Ok(identity)
    }

    pub fn member_id(&self) -> Option<Uuid> {
        self.identity().map(|identity| identity.member_id)
    }

    pub fn is_site_admin(&self) -> bool {
        self.identity()
            .is_some_and(|identity| identity.is_site_admin)
    }
}
