//! How an [`AppError`] answers a plain HTTP handler (calendar feeds, file downloads): the one
//! mapping from error to status, so the handlers return `Result<HttpResponse, AppError>` and
//! use `?`. GraphQL answers errors in its own body (`http::graphql`); these routes answer small
//! JSON. Private things are 404 like missing ones; internal causes are logged, never shown.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use serde_json::json;

use crate::error::{AppError, RETRY_UNAVAILABLE_SECONDS};

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::GuidelinesNotAccepted { .. } => {
                StatusCode::FORBIDDEN
            }
            AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Duplicate { .. } => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            AppError::NotFound(_) => response.json(json!({ "error": "not found" })),
            AppError::Unauthenticated(message) => response
                .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
                .json(json!({ "error": message })),
            AppError::Internal(_) => response.json(json!({ "error": "internal error" })),
            AppError::Unavailable => response
                .insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_SECONDS.to_string()))
                .json(json!({ "error": self.to_string(), "code": self.code() })),
            AppError::RateLimited {
                retry_after_seconds,
            } => response
                .insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()))
                .json(json!({ "error": self.to_string() })),
            other => response.json(json!({ "error": other.to_string(), "code": other.code() })),
        }
    }
}
