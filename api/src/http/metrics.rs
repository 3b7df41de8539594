//! The metrics listener (`METRICS_ADDR`): `GET /metrics` and nothing else, on an address of its
//! own so that it is never served to the public by accident.

use actix_web::{App, HttpResponse, HttpServer, dev::Server, web};

use crate::state::AppState;

/// The OpenMetrics text format, which Prometheus reads.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A one-worker server for `/metrics` on `listener`.
pub fn server(state: AppState, listener: std::net::TcpListener) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    match state.metrics.render(&state.db).await {
        Ok(text) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(text),
        Err(err) => {
            tracing::error!(%err, "metrics could not be written");
            HttpResponse::InternalServerError().finish()
        }
    }
}
