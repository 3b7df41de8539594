//! Liveness and readiness for the load balancer and the orchestrator.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::http::HttpState;

/// The process is up.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database (and Redis, when it shares one) and may take traffic:
/// not while it is draining.
#[get("/readyz")]
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable().json(json!({ "status": "draining" }));
    }
    if let Err(err) = state.app.db.pool().ping().await {
        tracing::warn!(%err, "readiness check failed: the database");
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "database": "unreachable" }));
    }
    if let Some(redis) = &state.app.redis
        && let Err(err) = redis.ping().await
    {
        tracing::warn!(%err, "readiness check failed: Redis");
        return HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "redis": "unreachable" }));
    }
    HttpResponse::Ok().json(json!({ "status": "ready" }))
}
