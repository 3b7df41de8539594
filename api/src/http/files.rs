//! `GET /files/{resourceId}`: the bytes of an uploaded file, to viewers who may see its
//! resource (the same rule as the GraphQL field), as an attachment with its detected type,
//! streamed from the file store.

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{
        self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    },
    web,
};

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
) -> Result<HttpResponse, AppError> {
    let viewer = viewer_from_header(&request, &state).await?;
    let resource_id = ids::decode_as(
        &async_graphql::ID(id.into_inner()),
        ids::Kind::Resource,
        "Resource",
    )?;
    let download = reads::download(&state.app, &viewer, resource_id).await?;
    let filename = download.name;
    // An ASCII fallback for old clients, and the real name as RFC 5987 `filename*`.
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(download.content_type)
        .no_chunking(download.size)
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .streaming(download.content))
}
