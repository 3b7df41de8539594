//! `GET /files/{resourceId}`: the bytes of an uploaded file, to viewers who may see its
//! resource (the same rule as the GraphQL field), as an attachment with its detected type.

use actix_web::{HttpRequest, HttpResponse, http::header, web};

use crate::{
    error::AppError,
    http::{HttpState, graphql::viewer_from_header},
    ids,
    resources::reads,
};

pub async fn download(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let result = async {
        let viewer = viewer_from_header(&request, &state).await?;
        let resource_id = ids::decode_as(
            &async_graphql::ID(id.into_inner()),
            ids::Kind::Resource,
            "Resource",
        )?;
        reads::download(&state.app, &viewer, resource_id).await
    }
    .await;
    match result {
        Ok((filename, content_type, bytes)) => {
            let ascii: String = filename
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let encoded: String = filename
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
                ))
                .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
                .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
                .body(bytes)
        }
        Err(AppError::NotFound(_)) => {
            HttpResponse::NotFound().json(serde_json::json!({ "error": "not found" }))
        }
        Err(AppError::Unauthenticated(message)) => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""))
            .json(serde_json::json!({ "error": message })),
        Err(error) => {
            tracing::error!(%error, "file download failed");
            HttpResponse::InternalServerError()
                .json(serde_json::json!({ "error": "internal error" }))
        }
    }
}
