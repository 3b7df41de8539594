//! The text of uploaded files, for search. Sharing a PDF or a plain-text file enqueues a job;
//! the job reads the file from the store (at most [`MAX_FILE_BYTES`]), extracts its text on a
//! blocking thread (`pdf-extract` for PDFs), keeps it in `resource_text` and indexes the
//! resource again with it. A file that cannot be read is indexed without its text, once: the
//! same bytes would fail again.

use chrono::Utc;
use entity::{resource, resource_text};
use futures_util::TryStreamExt;
use migration::search_index::MAX_BODY_CHARS;
use sea_orm::{
    ActiveValue::Set, DatabaseTransaction, EntityTrait, QuerySelect, TransactionTrait,
    sea_query::OnConflict,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    jobs::{self, NewJob},
    search::index,
    state::AppState,
};

/// Extracts a resource's file text: `{"resourceId": …}`.
pub const EXTRACT_JOB: &str = "resource-text";

/// The largest file whose text is extracted (larger ones are found by title and description).
pub const MAX_FILE_BYTES: i64 = 20 * 1024 * 1024;

const PDF: &str = "application/pdf";

/// Whether a file of this type and size has text to extract.
fn extractable(content_type: &str, size: i64) -> bool {
    size <= MAX_FILE_BYTES && (content_type == PDF || content_type.starts_with("text/plain"))
}

/// Enqueues the extraction of `resource`'s file text, in the transaction that shares it.
pub async fn enqueue(
    state: &AppState,
    txn: &DatabaseTransaction,
    resource: &resource::Model,
) -> AppResult<()> {
    let (Some(sha), Some(content_type), Some(size)) = (
        &resource.file_sha256,
        &resource.file_content_type,
        resource.file_size,
    ) else {
        return Ok(());
    };
    if !extractable(content_type, size) {
        return Ok(());
    }
    jobs::enqueue(
        state,
        txn,
        NewJob::now(EXTRACT_JOB, json!({ "resourceId": resource.id }))
            .key(format!("{EXTRACT_JOB}:{}:{sha}", resource.id)),
    )
    .await
}

/// Runs [`EXTRACT_JOB`].
pub async fn extract(state: &AppState, payload: &str) -> AppResult<()> {
    let payload: serde_json::Value = serde_json::from_str(payload).map_err(AppError::internal)?;
    let resource_id: Uuid = payload
        .get("resourceId")
        .and_then(|id| id.as_str())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| AppError::internal("the job names no resource"))?;
    let Some(resource) = resource::Entity::find_by_id(resource_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let (Some(sha), Some(content_type)) = (
        resource.file_sha256.clone(),
        resource.file_content_type.clone(),
    ) else {
        return Ok(());
    };
    let bytes = read_bounded(state, &sha).await?;
    let text = tokio::task::spawn_blocking(move || text_of(&content_type, &bytes))
        .await
        .unwrap_or_else(|_| {
            tracing::warn!(%resource_id, "reading the file's text panicked");
            None
        })
        .unwrap_or_default();
    let txn = state.db.begin().await?;
    // Under the resource's row lock, as its edits run: the entry written last is complete.
    let Some(resource) = resource::Entity::find_by_id(resource_id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    if resource.file_sha256.as_deref() != Some(sha.as_str()) {
        return Ok(());
    }
    resource_text::Entity::insert(resource_text::ActiveModel {
        resource_id: Set(resource_id),
        file_sha256: Set(sha),
        text: Set(text.clone()),
        extracted_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(resource_text::Column::ResourceId)
            .update_columns([
                resource_text::Column::FileSha256,
                resource_text::Column::Text,
                resource_text::Column::ExtractedAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    index::write(&txn, index::resource(&resource, Some(&text))).await?;
    txn.commit().await?;
    tracing::info!(%resource_id, chars = text.chars().count(), "file text indexed");
    Ok(())
}

/// The stored file, refusing to read past [`MAX_FILE_BYTES`].
async fn read_bounded(state: &AppState, key: &str) -> AppResult<Vec<u8>> {
    let mut stream = state.files.get(key).await.map_err(AppError::internal)?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.try_next().await.map_err(AppError::internal)? {
        bytes.extend_from_slice(&chunk);
        if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > MAX_FILE_BYTES {
            return Err(AppError::internal("the file is larger than its row says"));
        }
    }
    Ok(bytes)
}

/// The text of a file's bytes, whitespace collapsed and bounded; `None` when it cannot be read.
fn text_of(content_type: &str, bytes: &[u8]) -> Option<String> {
    let raw = if content_type == PDF {
        match pdf_extract::extract_text_from_mem(bytes) {
            Ok(text) => text,
            Err(err) => {
                tracing::warn!(%err, "a PDF's text could not be read");
                return None;
            }
        }
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    Some(
        raw.split_whitespace()
            .take(MAX_BODY_CHARS)
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(MAX_BODY_CHARS)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pdf_and_plain_text_up_to_the_limit_are_read() {
        assert!(extractable(PDF, 1_000));
        assert!(extractable("text/plain; charset=utf-8", 1_000));
        assert!(!extractable("image/png", 1_000));
        assert!(!extractable(PDF, MAX_FILE_BYTES + 1));
        assert_eq!(
            text_of("text/plain", b"  GDPR\n\n og   Facebook ").as_deref(),
            Some("GDPR og Facebook")
        );
        assert_eq!(text_of(PDF, b"not a pdf"), None);
    }
}
