//! `GET /exports/{token}`: a member's data export, once. The signed link is the proof (a
//! browser follows it without headers); the first request spends it, and the archive leaves
//! the store when its download ends, finished or broken off.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use actix_web::{
    HttpResponse,
    http::header::{self, ContentDisposition, DispositionParam, DispositionType},
    web,
};
use bytes::Bytes;
use futures_util::{Stream, stream::BoxStream};

use crate::{error::AppError, exports::commands, http::HttpState, state::AppState};

/// The archive's bytes; when dropped (sent, or the client went away) the archive is deleted.
struct OnceStream {
    inner: BoxStream<'static, std::io::Result<Bytes>>,
    state: std::sync::Arc<AppState>,
    key: String,
}

impl Stream for OnceStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Drop for OnceStream {
    fn drop(&mut self) {
        let state = self.state.clone();
        let key = std::mem::take(&mut self.key);
        tokio::spawn(async move {
            if let Err(err) = commands::forget_file(&state, &key).await {
                tracing::warn!(error = %err, "a downloaded export's archive stays until the purge");
            }
        });
    }
}

pub async fn download(
    token: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, AppError> {
    let (key, size) = commands::claim_download(&state.app, &token).await?;
    let content = state
        .app
        .files
        .get(&key)
        .await
        .map_err(AppError::internal)?;
    let filename = format!(
        "fagruppe-data-{}.zip",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .no_chunking(size)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .streaming(OnceStream {
            inner: content,
            state: state.app.clone(),
            key,
        }))
}
