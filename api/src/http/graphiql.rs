//! GraphiQL in development, from assets embedded in the binary at pinned versions (GraphiQL
//! 3.8.3, React 18.3.1; `assets/graphiql/update.sh` refreshes them): the page works offline and
//! loads nothing from another host. The page's Content-Security-Policy allows scripts from this
//! server only.

use actix_web::{HttpResponse, http::header, web};

use crate::http::{HttpState, not_found};

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// The embedded files by name, with their content type.
const ASSETS: [(&str, &str, &[u8]); 5] = [
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/app.js"),
    ),
];

/// Scripts and styles from this server only (GraphiQL sets inline styles; its fonts are data
/// URIs); requests to this server only, WebSockets included.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The GraphiQL page.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `GET /graphiql/3.8.3/{file}`: one embedded file. The version is in the path, so a file never
/// changes under its URL and browsers may keep it.
pub async fn asset(file: web::Path<String>, state: web::Data<HttpState>) -> HttpResponse {
    let found = ASSETS.iter().find(|(name, _, _)| *name == file.as_str());
    match found {
        Some((_, content_type, bytes)) if state.graphiql => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes),
        _ => not_found().await,
    }
}
