//! A request id on every response (`X-Request-Id`) and every log line of the request. A
//! well-formed id from a trusted edge proxy is kept, so one id follows the request through.
//! The same place logs each request once served and counts it in the metrics, by route pattern
//! (`/files/{id}`, never the path itself, so ids do not become labels).

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use tracing::Instrument;

use crate::{http::HttpState, telemetry};

/// The id of the request being served, in the request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A new request id: a random UUID from the thread's generator (`rand::rng`, seeded from the
/// system once), where `Uuid::new_v4` asks the kernel for every id (a system call a request).
fn new_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .simple()
        .to_string()
}

pub async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| acceptable(id))
        .map_or_else(new_id, str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.path()
    );
    if let Some(parent) = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
    {
        telemetry::continue_trace(&span, parent);
    }
    let started = Instant::now();
    let mut response = next.call(request).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = response.request().app_data::<web::Data<HttpState>>() {
        let route = response.request().match_pattern();
        state
            .app
            .metrics
            .http_request(route.as_deref().unwrap_or("unmatched"), status, elapsed);
    }
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms, "served"));
    Ok(response)
}
