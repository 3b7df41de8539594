//! The HTTP surface: routes, the request-id middleware, security headers. Everything GraphQL
//! goes through `/graphql`; the rest is health checks.

pub mod calendar;
pub mod drain;
pub mod error;
pub mod exports;
pub mod files;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod insights;
pub mod metrics;
pub mod request_id;
pub mod unsubscribe;
pub mod websocket;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
    middleware::DefaultHeaders,
    web,
};
use serde_json::json;

use actix_cors::Cors;

use crate::{config::CorsOrigins, graphql::limits::GuardedSchema, state::AppState};

/// What the HTTP handlers share: the schema handle (built once) and the application state.
#[derive(Clone)]
pub struct HttpState {
    pub schema: GuardedSchema,
    /// Shared with every request's GraphQL context: one reference counted, rather than the state
    /// cloned for each request.
    pub app: std::sync::Arc<AppState>,
    /// Development conveniences: GraphiQL and `/schema.graphql`.
    pub graphiql: bool,
    /// Bounds how many uploads run at once (each spools to a temporary file and holds up to three
    /// parts in memory on their way to the store).
    pub uploads: std::sync::Arc<tokio::sync::Semaphore>,
    /// Set when the server is stopping (SIGTERM).
    pub drain: drain::Drain,
}

/// Registers every route. Used by the server and by nothing else: tests go through real HTTP.
pub fn configure(config: &mut web::ServiceConfig) {
    // actix tries the routes in this order, and a path with a `{…}` segment is matched by a
    // regular expression: `/graphql`, which nearly every request asks for, comes first.
    config
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(method_not_allowed)),
        )
        .service(health::healthz)
        .service(health::readyz)
        .route("/schema.graphql", web::get().to(schema_sdl))
        .route("/graphiql/3.8.3/{file}", web::get().to(graphiql::asset))
        .route(
            "/groups/{slug}/meetups.ics",
            web::get().to(calendar::group_feed),
        )
        .route("/meetups/{id}.ics", web::get().to(calendar::meetup_feed))
        .route("/files/{id}", web::get().to(files::download))
        .route("/exports/{token}", web::get().to(exports::download))
        .route("/groups/{slug}/insights.csv", web::get().to(insights::csv))
        .service(
            web::resource("/unsubscribe")
                .route(web::get().to(unsubscribe::confirm))
                .route(web::post().to(unsubscribe::unsubscribe)),
        );
}

/// The served schema as SDL, for tooling and the drift test; hidden in production like
/// introspection.
async fn schema_sdl(state: web::Data<HttpState>) -> HttpResponse {
    if !state.graphiql {
        return not_found().await;
    }
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(state.schema.sdl())
}

async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    let mut response = graphql::refuse(
        &request,
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_USER_INPUT",
        "Use GET or POST",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// Unknown paths.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "error": "not found" }))
}

/// CORS for browsers on other origins: exactly the origins the settings allow, GET and POST,
/// the headers a GraphQL client sends (the upload preflight headers included), and the request
/// id and `Retry-After` readable by the page. A request from another origin is still served (the
/// browser withholds the answer); only preflights are refused.
pub fn cors(origins: &CorsOrigins) -> Cors {
    let origins = origins.clone();
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            origin.to_str().is_ok_and(|origin| origins.allows(origin))
        })
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("apollo-require-preflight"),
            header::HeaderName::from_static("x-graphql-preflight"),
        ])
        .expose_headers([request_id::HEADER, header::RETRY_AFTER])
        .max_age(600)
}

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
}
