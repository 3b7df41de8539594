//! Liveness and readiness for the load balancer and the orchestrator.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::http::HttpState;

/// The process is up.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database and may take traffic: not while it is draining.
#[get("/readyz")]
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if state.drain.is_draining() {
        return HttpResponse::ServiceUnavailable().json(json!({ "status": "draining" }));
    }
    match state.app.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}
