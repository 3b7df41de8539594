//! Builds an export's archive (the [`BUILD_JOB`](super::commands::BUILD_JOB)): every row about
//! the member as JSON, one file per kind, and their uploaded files, zipped on a blocking thread
//! into a temporary file and stored under its content key. Only the member's own rows go in:
//! other members appear by id alone, never with their profile.

use std::io::Write;

use chrono::{Duration, Utc};
use entity::{
    affiliation, comment, comment_revision, data_export, mail_opt_out, member, membership,
    organisation_role, reaction, report, resource, rsvp, session, thread, watch,
};
use futures_util::StreamExt;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Query,
};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use crate::{
    error::{AppError, AppResult},
    exports::commands::KEEP_READY_HOURS,
    state::AppState,
    storage,
};

/// One JSON file of the archive.
struct Section {
    name: &'static str,
    rows: Value,
}

/// An uploaded file to put in the archive, spooled to a temporary file.
struct Upload {
    name: String,
    file: std::fs::File,
}

/// Everything about `member_id`, one section per kind of row.
async fn sections(state: &AppState, member_id: Uuid) -> AppResult<Vec<Section>> {
    let db = &state.db;
    let profile = member::Entity::find_by_id(member_id)
        .select_only()
        .columns([
            member::Column::Id,
            member::Column::Email,
            member::Column::DisplayName,
            member::Column::Handle,
            member::Column::Headline,
            member::Column::Organisation,
            member::Column::Bio,
            member::Column::WebsiteUrl,
            member::Column::AvatarUrl,
            member::Column::Locale,
            member::Column::ProfileVisibility,
            member::Column::DefaultSpeakingAs,
            member::Column::DefaultOrganisationId,
            member::Column::EmailVerifiedAt,
            member::Column::CreatedAt,
            member::Column::UpdatedAt,
        ])
        .into_json()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Member"))?;
    let notification_email: Option<String> = member::Entity::find_by_id(member_id)
        .select_only()
        .column(member::Column::NotificationEmail)
        .into_tuple()
        .one(db)
        .await?;
    let mail_off: Vec<String> = mail_opt_out::Entity::find()
        .select_only()
        .column(mail_opt_out::Column::Kind)
        .filter(mail_opt_out::Column::MemberId.eq(member_id))
        .into_tuple()
        .all(db)
        .await?;
    let own_comments = Query::select()
        .column(comment::Column::Id)
        .from(comment::Entity)
        .and_where(comment::Column::AuthorId.eq(member_id))
        .to_owned();
    Ok(vec![
        Section {
            name: "profile.json",
            rows: profile,
        },
        Section {
            name: "notification_settings.json",
            rows: json!({ "notificationEmail": notification_email, "mailTurnedOff": mail_off }),
        },
        Section {
            name: "affiliations.json",
            rows: Value::Array(
                affiliation::Entity::find()
                    .filter(affiliation::Column::MemberId.eq(member_id))
                    .order_by_asc(affiliation::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "organisation_roles.json",
            rows: Value::Array(
                organisation_role::Entity::find()
                    .filter(organisation_role::Column::MemberId.eq(member_id))
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "memberships.json",
            rows: Value::Array(
                membership::Entity::find()
                    .filter(membership::Column::MemberId.eq(member_id))
                    .order_by_asc(membership::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "rsvps.json",
            rows: Value::Array(
                rsvp::Entity::find()
                    .filter(rsvp::Column::MemberId.eq(member_id))
                    .order_by_asc(rsvp::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "threads.json",
            rows: Value::Array(
                thread::Entity::find()
                    .filter(thread::Column::AuthorId.eq(member_id))
                    .order_by_asc(thread::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "comments.json",
            rows: Value::Array(
                comment::Entity::find()
                    .filter(comment::Column::AuthorId.eq(member_id))
                    .order_by_asc(comment::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "comment_revisions.json",
            rows: Value::Array(
                comment_revision::Entity::find()
                    .filter(comment_revision::Column::CommentId.in_subquery(own_comments))
                    .order_by_asc(comment_revision::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "reactions.json",
            rows: Value::Array(
                reaction::Entity::find()
                    .filter(reaction::Column::MemberId.eq(member_id))
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "reports.json",
            rows: Value::Array(
                report::Entity::find()
                    .filter(report::Column::ReporterId.eq(member_id))
                    .order_by_asc(report::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "resources.json",
            rows: Value::Array(
                resource::Entity::find()
                    .filter(resource::Column::AddedBy.eq(member_id))
                    .order_by_asc(resource::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
        Section {
            name: "watches.json",
            rows: json!({
                "groups": watch::group::Entity::find()
                    .filter(watch::group::Column::MemberId.eq(member_id))
                    .into_json()
                    .all(db)
                    .await?,
                "threads": watch::thread::Entity::find()
                    .filter(watch::thread::Column::MemberId.eq(member_id))
                    .into_json()
                    .all(db)
                    .await?,
            }),
        },
        Section {
            name: "sessions.json",
            rows: Value::Array(
                session::Entity::find()
                    .select_only()
                    .columns([
                        session::Column::Id,
                        session::Column::UserAgent,
                        session::Column::CreatedAt,
                        session::Column::LastUsedAt,
                        session::Column::ExpiresAt,
                        session::Column::RevokedAt,
                    ])
                    .filter(session::Column::MemberId.eq(member_id))
                    .order_by_asc(session::Column::Id)
                    .into_json()
                    .all(db)
                    .await?,
            ),
        },
    ])
}

/// The member's uploaded files, each spooled from the store to a temporary file.
async fn uploads(state: &AppState, member_id: Uuid) -> AppResult<Vec<Upload>> {
    let files: Vec<(Uuid, String, String)> = resource::Entity::find()
        .select_only()
        .columns([
            resource::Column::Id,
            resource::Column::FileSha256,
            resource::Column::FileName,
        ])
        .filter(resource::Column::AddedBy.eq(member_id))
        .filter(resource::Column::FileSha256.is_not_null())
        .filter(resource::Column::FileName.is_not_null())
        .order_by_asc(resource::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut spooled = Vec::with_capacity(files.len());
    for (resource_id, key, name) in files {
        let file = tempfile::tempfile().map_err(AppError::internal)?;
        let mut writer = tokio::fs::File::from_std(file);
        let mut content = state.files.get(&key).await.map_err(AppError::internal)?;
        while let Some(chunk) = content.next().await {
            writer
                .write_all(&chunk.map_err(AppError::internal)?)
                .await
                .map_err(AppError::internal)?;
        }
        writer.flush().await.map_err(AppError::internal)?;
        spooled.push(Upload {
            name: format!("files/{}-{name}", resource_id.simple()),
            file: writer.into_std().await,
        });
    }
    Ok(spooled)
}

/// Zips the sections and uploads into a temporary file (blocking).
fn zip(sections: Vec<Section>, uploads: Vec<Upload>) -> std::io::Result<std::fs::File> {
    let mut zip = ZipWriter::new(tempfile::tempfile()?);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    for section in sections {
        zip.start_file(section.name, options)?;
        serde_json::to_writer_pretty(&mut zip, &section.rows)?;
        zip.write_all(b"\n")?;
    }
    for mut upload in uploads {
        use std::io::Seek;
        upload.file.rewind()?;
        zip.start_file(upload.name, options)?;
        std::io::copy(&mut upload.file, &mut zip)?;
    }
    Ok(zip.finish()?)
}

/// Runs the build job: the archive of the export the payload names, unless it was built.
pub async fn build(state: &AppState, payload: &str) -> AppResult<()> {
    let payload: Value = serde_json::from_str(payload).map_err(AppError::internal)?;
    let export_id = payload["exportId"]
        .as_str()
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| AppError::internal("an export job without its export"))?;
    let Some(export) = data_export::Entity::find_by_id(export_id)
        .one(&state.db)
        .await?
        .filter(|export| export.status == data_export::Status::Pending)
    else {
        return Ok(());
    };
    let sections = sections(state, export.member_id).await?;
    let uploads = uploads(state, export.member_id).await?;
    let (file, inspection) = tokio::task::spawn_blocking(move || {
        let mut file = zip(sections, uploads)?;
        let inspection = storage::inspect(&mut file)?;
        Ok::<_, std::io::Error>((file, inspection))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    state
        .files
        .put(&inspection.key, file)
        .await
        .map_err(AppError::internal)?;
    let now = Utc::now();
    data_export::ActiveModel {
        id: Set(export.id),
        status: Set(data_export::Status::Ready),
        file_key: Set(Some(inspection.key)),
        size: Set(Some(i64::try_from(inspection.size).unwrap_or(i64::MAX))),
        ready_at: Set(Some(now)),
        expires_at: Set(Some(now + Duration::hours(KEEP_READY_HOURS))),
        ..Default::default()
    }
    .update(&state.db)
    .await?;
    Ok(())
}
