//! Access and refresh tokens. The access token is a short-lived JWT (HS256 pinned; `iss`, `aud`,
//! `sub`, `exp` required) that names its session, so signing out or changing the password ends
//! it at once: every request checks the session row. The refresh token is 256 random bits that
//! we keep only as a SHA-256, rotated on every use (RFC 9700).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

const ISSUER: &str = "fagruppe";
const AUDIENCE: &str = "fagruppe-api";

/// What an access token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The member.
    pub sub: Uuid,
    /// The session the token belongs to.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: chrono::Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], lifetime: std::time::Duration) -> AppResult<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime: chrono::Duration::from_std(lifetime).map_err(AppError::internal)?,
        })
    }

    /// A token for `member_id` in `session_id`, and when it expires.
    pub fn issue(&self, member_id: Uuid, session_id: Uuid) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires_at = now + self.lifetime;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: member_id,
            sid: session_id,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, expires_at))
    }

    /// The claims of a valid token. Any defect (signature, algorithm, audience, expiry) is the
    /// same `UNAUTHENTICATED` to the client.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(%err, "access token refused");
                AppError::Unauthenticated("The access token is invalid or expired")
            })
    }
}

/// A new opaque token (256 random bits: refresh tokens, mailed links): what the client gets,
/// and the hash we store.
pub fn new_opaque_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_opaque_token(&token);
    (token, hash)
}

/// The stored form of an opaque token.
pub fn hash_opaque_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> AccessTokens {
        AccessTokens::new(&[7u8; 32], std::time::Duration::from_secs(900)).expect("tokens")
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_session() {
        let (member, session) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, _) = tokens().issue(member, session).expect("issue");
        let claims = tokens().verify(&token).expect("verify");
        assert_eq!((claims.sub, claims.sid), (member, session));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other =
            AccessTokens::new(&[8u8; 32], std::time::Duration::from_secs(900)).expect("tokens");
        let (token, _) = other.issue(Uuid::now_v7(), Uuid::now_v7()).expect("issue");
        assert!(tokens().verify(&token).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_opaque_token();
        let (b, _) = new_opaque_token();
        assert_ne!(a, b);
        assert_eq!(hash_opaque_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }
}
