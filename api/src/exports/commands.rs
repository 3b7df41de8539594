//! Asking for an export, the signed download link, the one download, and the purge.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::data_export::{self, Status};
use hmac::Mac;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    db::begin_write,
    error::{AppError, AppResult},
    ids,
    jobs::{self, NewJob},
    signing,
    state::AppState,
};

/// Builds an export's archive.
pub const BUILD_JOB: &str = "data-export";
/// Expires ready exports that were not downloaded in time, and deletes their files.
pub const PURGE_JOB: &str = "purge-data-exports";
/// How long a ready export waits to be downloaded.
pub const KEEP_READY_HOURS: i64 = 24;
/// How long one download link works.
pub const LINK_MINUTES: i64 = 15;

const PURPOSE: &[u8] = b"fagruppe data export v1";

/// How long an export may stay `PENDING` before it counts as failed (its job ran out of
/// attempts) and asking again starts a new one.
const STALE_PENDING_HOURS: i64 = 1;

/// Asks for an export of everything about the viewer. While one is being built, asking again
/// answers that one.
pub async fn request(state: &AppState, viewer: &Viewer) -> AppResult<data_export::Model> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let pending = data_export::Entity::find()
        .filter(data_export::Column::MemberId.eq(actor.member_id))
        .filter(data_export::Column::Status.eq(Status::Pending))
        .order_by_desc(data_export::Column::Id)
        .one(&txn)
        .await?;
    match pending {
        Some(pending) if pending.created_at > Utc::now() - Duration::hours(STALE_PENDING_HOURS) => {
            return Ok(pending);
        }
        Some(stale) => {
            data_export::ActiveModel {
                id: Set(stale.id),
                status: Set(Status::Failed),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
        None => {}
    }
    let row = data_export::ActiveModel {
        id: Set(ids::new_key()),
        member_id: Set(actor.member_id),
        status: Set(Status::Pending),
        file_key: Set(None),
        size: Set(None),
        created_at: Set(Utc::now()),
        ready_at: Set(None),
        expires_at: Set(None),
        downloaded_at: Set(None),
    }
    .insert(&txn)
    .await?;
    jobs::enqueue(
        state,
        &txn,
        NewJob::now(BUILD_JOB, json!({ "exportId": row.id }))
            .key(format!("{BUILD_JOB}:{}", row.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The download link of a ready export, valid for [`LINK_MINUTES`] (less when the export
/// expires sooner); `None` unless it is ready.
pub fn download_link(state: &AppState, export: &data_export::Model) -> Option<String> {
    if export.status != Status::Ready {
        return None;
    }
    let expires_at = export.expires_at?;
    let now = Utc::now();
    if expires_at <= now {
        return None;
    }
    let until = expires_at.min(now + Duration::minutes(LINK_MINUTES));
    let mut body = export.id.as_bytes().to_vec();
    body.extend_from_slice(&until.timestamp().to_be_bytes());
    let mut mac = signing::signer(state, PURPOSE);
    mac.update(&body);
    body.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    Some(format!("/exports/{}", URL_SAFE_NO_PAD.encode(body)))
}

/// The export a genuine, unexpired link names.
fn read_link(state: &AppState, token: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 16 + 8 + 16 {
        return None;
    }
    let (body, signature) = bytes.split_at(24);
    let mut mac = signing::signer(state, PURPOSE);
    mac.update(body);
    mac.verify_truncated_left(signature).ok()?;
    let until = i64::from_be_bytes(body[16..].try_into().ok()?);
    if DateTime::from_timestamp(until, 0)? <= Utc::now() {
        return None;
    }
    Uuid::from_slice(&body[..16]).ok()
}

/// Spends a download link: the export turns `DOWNLOADED` in the same statement that checks it
/// is still ready, so of two requests with one link only one gets the file. Answers the
/// archive's key and size; a spent, expired or forged link is `NOT_FOUND`.
pub async fn claim_download(state: &AppState, token: &str) -> AppResult<(String, u64)> {
    let export_id = read_link(state, token).ok_or(AppError::NotFound("DataExport"))?;
    let now = Utc::now();
    let claimed = data_export::Entity::update_many()
        .col_expr(data_export::Column::Status, Expr::value(Status::Downloaded))
        .col_expr(data_export::Column::DownloadedAt, Expr::value(now))
        .filter(data_export::Column::Id.eq(export_id))
        .filter(data_export::Column::Status.eq(Status::Ready))
        .filter(data_export::Column::ExpiresAt.gt(now))
        .exec_with_returning(&state.db)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("DataExport"))?;
    match (claimed.file_key, claimed.size) {
        (Some(key), Some(size)) => Ok((key, u64::try_from(size).unwrap_or(0))),
        _ => Err(AppError::internal("a ready export without its file")),
    }
}

/// Forgets the archive of a downloaded export once its download has ended (or broke off).
pub async fn forget_file(state: &AppState, key: &str) -> AppResult<()> {
    state.files.delete(key).await.map_err(AppError::internal)?;
    data_export::Entity::update_many()
        .col_expr(
            data_export::Column::FileKey,
            Expr::value(Option::<String>::None),
        )
        .filter(data_export::Column::FileKey.eq(key))
        .filter(data_export::Column::Status.ne(Status::Ready))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Runs [`PURGE_JOB`]: ready exports past their time expire, and the archives of exports no
/// longer ready (expired, or downloaded by a replica that stopped mid-way) leave the store.
pub async fn purge(state: &AppState) -> AppResult<()> {
    data_export::Entity::update_many()
        .col_expr(data_export::Column::Status, Expr::value(Status::Expired))
        .filter(data_export::Column::Status.eq(Status::Ready))
        .filter(data_export::Column::ExpiresAt.lte(Utc::now()))
        .exec(&state.db)
        .await?;
    let leftovers: Vec<data_export::Model> = data_export::Entity::find()
        .filter(data_export::Column::Status.is_in([Status::Expired, Status::Downloaded]))
        .filter(data_export::Column::FileKey.is_not_null())
        .all(&state.db)
        .await?;
    for export in leftovers {
        if let Some(key) = export.file_key {
            forget_file(state, &key).await?;
        }
    }
    Ok(())
}
