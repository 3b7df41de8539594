//! The one error type of the API. Every failure a client can see maps to one of a fixed set of
//! codes (`extensions.code`), documented in the README. Database and other internal failures are
//! logged here with their cause and the request id, and reach the client only as `INTERNAL`: a
//! `DbErr` carries SQL text, which must never leak.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// A failure a resolver or domain function reports.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AppError {
    /// No viewer, or the presented token is invalid, expired or revoked.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The viewer is known but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Not there, or not visible to this viewer (we never confirm that a private thing exists).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An input failed validation; `field` names it as the client sent it.
    #[error("{message}")]
    BadUserInput { field: String, message: String },
    /// The request clashes with the current state (a taken slug, a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// The thing exists already; `existing_id` is its global id.
    #[error("{message}")]
    Duplicate {
        message: String,
        existing_id: String,
    },
    /// The member has not accepted the group's current guidelines; `version` is the one to
    /// read and accept (`FORBIDDEN`, with `extensions.guidelinesVersion`).
    #[error("Accept the group's guidelines (version {version}) first")]
    GuidelinesNotAccepted { version: i32 },
    /// Too many attempts; try again after the given number of seconds.
    #[error("Too many attempts, try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: u64 },
    /// A dependency (the database) cannot serve now; retrying later may succeed.
    #[error("The service is unavailable; try again shortly")]
    Unavailable,
    /// Anything else. The cause is logged, never shown.
    #[error("Internal error")]
    Internal(String),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Logs the cause of an unexpected failure, with the place in our code that raised it,
    /// and returns the masked error. `#[track_caller]` (here and on `From<DbErr>`) makes that
    /// place the caller's line, the `?` after the failed query included, so an `INTERNAL` log
    /// line says which query failed.
    #[track_caller]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let cause = cause.to_string();
        let location = std::panic::Location::caller();
        tracing::error!(%cause, %location, "internal error");
        Self::Internal(cause)
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) | Self::GuidelinesNotAccepted { .. } => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) | Self::Duplicate { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

/// Every `extensions.code` the API answers with (API.md).
const CODES: [&str; 10] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "SERVICE_UNAVAILABLE",
    "INTERNAL",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
];

/// `code` as one of the API's codes (`OTHER` if it is none of them), for a metrics label.
pub fn known_code(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|known| **known == code)
        .copied()
        .unwrap_or("OTHER")
}

/// Seconds a client should wait before retrying after `SERVICE_UNAVAILABLE`.
pub const RETRY_UNAVAILABLE_SECONDS: u64 = 5;

impl From<DbErr> for AppError {
    #[track_caller]
    fn from(err: DbErr) -> Self {
        if crate::db::is_unavailable(&err) {
            let location = std::panic::Location::caller();
            tracing::warn!(cause = %err, %location, "database unavailable");
            return Self::Unavailable;
        }
        Self::internal(err)
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Self::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                Self::RateLimited {
                    retry_after_seconds,
                } => ext.set("retryAfterSeconds", *retry_after_seconds),
                Self::Unavailable => ext.set("retryAfterSeconds", RETRY_UNAVAILABLE_SECONDS),
                Self::Duplicate { existing_id, .. } => ext.set("existingId", existing_id.as_str()),
                Self::GuidelinesNotAccepted { version } => ext.set("guidelinesVersion", *version),
                _ => {}
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.extend()
    }
}

/// What resolvers return.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn failing_query() -> AppResult<()> {
        Err(DbErr::Custom("boom".into()))?;
        Ok(())
    }

    #[test]
    fn an_internal_error_keeps_its_cause() {
        match failing_query() {
            Err(AppError::Internal(cause)) => assert!(cause.contains("boom"), "{cause}"),
            other => panic!("expected INTERNAL, got {other:?}"),
        }
        assert_eq!(AppError::internal("x").to_string(), "Internal error");
    }
}
