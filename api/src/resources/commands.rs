//! Library rules: sharing links and files, editing, removing. A URL is normalised and may be in
//! a group's library once. A file's type is detected from its bytes and checked against an
//! allow-list; it is stored content-addressed, and written only once its row is in the
//! transaction, so a failed upload leaves neither a file nor a row.

use chrono::Utc;
use entity::{meetup, resource, resource_download, resource_text, resource_topic};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use crate::organisations::commands::{Requested, check_persona, persona_for_post};
use crate::{
    auth::{
        commands::throttle_write,
        throttle::Write,
        viewer::{Identity, Viewer},
    },
    db::begin_write,
    error::{AppError, AppResult},
    groups, ids,
    resources::policy::{self, ResourceAccess},
    search,
    state::AppState,
    storage::{self, Inspection},
    text, topics,
};

/// Content types a file may have, as detected from its bytes.
const ALLOWED_TYPES: [&str; 12] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
];

/// The content type of `bytes`, if it is one we accept: a known format from its magic bytes,
/// or UTF-8 text without control characters.
pub fn detect_content_type(file: &Inspection) -> Option<&'static str> {
    if let Some(kind) = infer::get(&file.head) {
        return ALLOWED_TYPES
            .iter()
            .copied()
            .find(|allowed| *allowed == kind.mime_type());
    }
    (file.size > 0 && file.text).then_some("text/plain; charset=utf-8")
}

/// The file name to keep: no folders, no control characters, at most 200 characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// A URL as stored and the key that makes it unique in a group (no fragment).
fn normalise_url(raw: &str) -> AppResult<(String, String)> {
    let url = text::web_url(Some(raw), "url")?
        .ok_or_else(|| AppError::bad_input("url", "Must not be empty"))?;
    let mut parsed = url::Url::parse(&url).map_err(|_| AppError::bad_input("url", "Not a URL"))?;
    parsed.set_fragment(None);
    let key = parsed.to_string();
    Ok((url, key))
}

/// Refuses a URL already in the group's library, naming the resource that has it.
async fn ensure_new_url(
    txn: &DatabaseTransaction,
    group_id: Uuid,
    url_key: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let existing = resource::Entity::find()
        .filter(resource::Column::GroupId.eq(group_id))
        .filter(resource::Column::UrlKey.eq(url_key))
        .one(txn)
        .await?;
    match existing {
        Some(existing) if Some(existing.id) != except => Err(AppError::Duplicate {
            message: format!(
                "This link is in the library already as \"{}\"",
                existing.title
            ),
            existing_id: ids::encode(ids::Kind::Resource, existing.id).0,
        }),
        _ => Ok(()),
    }
}

async fn check_meetup(
    txn: &DatabaseTransaction,
    group_id: Uuid,
    meetup_id: Option<Uuid>,
) -> AppResult<()> {
    if let Some(meetup_id) = meetup_id {
        meetup::Entity::find_by_id(meetup_id)
            .one(txn)
            .await?
            .filter(|m| m.group_id == group_id)
            .ok_or_else(|| AppError::bad_input("meetupId", "Not a meetup of this group"))?;
    }
    Ok(())
}

/// An uploaded file as the HTTP layer received it (already within the size limit).
pub struct UploadedFile {
    pub filename: String,
    /// The upload as it was spooled to a temporary file.
    pub file: std::fs::File,
}

/// An upload checked and about to be stored.
struct StoredFile {
    name: String,
    content_type: &'static str,
    key: String,
    size: u64,
    file: std::fs::File,
}

/// What `shareResource` carries besides the link or file.
pub struct ShareFields {
    pub group_id: Uuid,
    pub meetup_id: Option<Uuid>,
    pub title: String,
    pub description: Option<String>,
    pub kind: resource::Kind,
    pub topics: Vec<String>,
    /// The persona asked for; `None` takes the sharer's default.
    pub persona: Option<Requested>,
}

/// Shares a link or a file with a group (active members).
pub async fn share(
    state: &AppState,
    viewer: &Viewer,
    fields: ShareFields,
    url: Option<&str>,
    file: Option<UploadedFile>,
) -> AppResult<resource::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Resource).await?;
    if file.is_some() {
        throttle_write(state, actor, Write::Upload).await?;
    }
    let title = text::limits::RESOURCE_TITLE.clean(&fields.title)?;
    let description =
        text::limits::RESOURCE_DESCRIPTION.clean_optional(fields.description.as_deref())?;
    let link = match (url, &file) {
        (Some(url), None) => Some(normalise_url(url)?),
        (None, Some(_)) => None,
        _ => {
            return Err(AppError::bad_input(
                "url",
                "Give exactly one of url or file",
            ));
        }
    };
    let stored = match file {
        Some(UploadedFile { filename, mut file }) => {
            let inspection = tokio::task::spawn_blocking(move || {
                storage::inspect(&mut file).map(|inspection| (inspection, file))
            })
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
            let (inspection, file) = inspection;
            let content_type = detect_content_type(&inspection).ok_or_else(|| {
                AppError::bad_input(
                    "file",
                    "Only PDF, PNG, JPEG, Office, OpenDocument and plain text files",
                )
            })?;
            Some(StoredFile {
                name: clean_filename(&filename),
                content_type,
                key: inspection.key,
                size: inspection.size,
                file,
            })
        }
        None => None,
    };
    let txn = begin_write(&state.db).await?;
    let group = groups::commands::access_in(&txn, actor, fields.group_id, false).await?;
    policy::ensure_can_share(&group)?;
    group.ensure_guidelines_accepted()?;
    let persona = persona_for_post(&txn, actor, group.membership.as_ref(), fields.persona).await?;
    check_meetup(&txn, fields.group_id, fields.meetup_id).await?;
    if let Some((_, key)) = &link {
        ensure_new_url(&txn, fields.group_id, key, None).await?;
    }
    let now = Utc::now();
    let row = resource::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(fields.group_id),
        meetup_id: Set(fields.meetup_id),
        title: Set(title),
        description: Set(description),
        kind: Set(fields.kind),
        url: Set(link.as_ref().map(|(url, _)| url.clone())),
        url_key: Set(link.map(|(_, key)| key)),
        file_sha256: Set(stored.as_ref().map(|stored| stored.key.clone())),
        file_name: Set(stored.as_ref().map(|stored| stored.name.clone())),
        file_content_type: Set(stored.as_ref().map(|stored| stored.content_type.to_owned())),
        file_size: Set(stored
            .as_ref()
            .map(|stored| i64::try_from(stored.size).unwrap_or(i64::MAX))),
        added_by: Set(Some(actor.member_id)),
        created_at: Set(now),
        removed_at: Set(None),
        speaking_as: Set(persona.speaking_as),
        organisation_id: Set(persona.organisation_id),
        role_title: Set(persona.role_title),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("This link was just added to the library".into())
        }
        _ => err.into(),
    })?;
    topics::set::<resource_topic::Entity>(&txn, row.id, &fields.topics).await?;
    search::index::write(&txn, search::index::resource(&row, None)).await?;
    search::files::enqueue(state, &txn, &row).await?;
    if let Some(StoredFile { key, file, .. }) = stored {
        state
            .files
            .put(&key, file)
            .await
            .map_err(AppError::internal)?;
        if let Err(err) = txn.commit().await {
            forget_file(state, &key).await;
            return Err(err.into());
        }
    } else {
        txn.commit().await?;
    }
    Ok(row)
}

/// Deletes a stored file that no resource refers to any more (after a failed share).
async fn forget_file(state: &AppState, key: &str) {
    let referenced = resource::Entity::find()
        .filter(resource::Column::FileSha256.eq(key))
        .count(&state.db)
        .await;
    if matches!(referenced, Ok(0))
        && let Err(err) = state.files.delete(key).await
    {
        tracing::warn!(%err, key, "could not delete an orphaned upload");
    }
}

async fn lock_resource(
    txn: &DatabaseTransaction,
    viewer: &Identity,
    resource_id: Uuid,
) -> AppResult<ResourceAccess> {
    let resource = resource::Entity::find_by_id(resource_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Resource"))?;
    Ok(ResourceAccess {
        group: groups::commands::access_in(txn, viewer, resource.group_id, false).await?,
        resource,
        viewer_id: Some(viewer.member_id),
    })
}

/// What `updateResource` may change. `None` leaves a field as it is.
#[derive(Default)]
pub struct ResourceChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<resource::Kind>,
    pub url: Option<String>,
    /// `Some(None)` detaches it from its meetup.
    pub meetup_id: Option<Option<Uuid>>,
    pub topics: Option<Vec<String>>,
    /// A new persona: only the member who shared it chooses one.
    pub persona: Option<Requested>,
}

/// Edits a resource (the member who added it, organisers and owners).
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    resource_id: Uuid,
    changes: ResourceChanges,
) -> AppResult<resource::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_resource(&txn, actor, resource_id).await?;
    access.ensure_can_edit()?;
    let mut update = resource::ActiveModel {
        id: Set(resource_id),
        ..Default::default()
    };
    if let Some(title) = &changes.title {
        update.title = Set(text::limits::RESOURCE_TITLE.clean(title)?);
    }
    if let Some(description) = &changes.description {
        update.description =
            Set(text::limits::RESOURCE_DESCRIPTION.clean_optional(Some(description))?);
    }
    if let Some(kind) = changes.kind {
        update.kind = Set(kind);
    }
    if let Some(url) = &changes.url {
        if access.resource.file_sha256.is_some() {
            return Err(AppError::bad_input("url", "A file resource has no link"));
        }
        let (url, key) = normalise_url(url)?;
        ensure_new_url(&txn, access.resource.group_id, &key, Some(resource_id)).await?;
        update.url = Set(Some(url));
        update.url_key = Set(Some(key));
    }
    if let Some(meetup_id) = changes.meetup_id {
        check_meetup(&txn, access.resource.group_id, meetup_id).await?;
        update.meetup_id = Set(meetup_id);
    }
    if let Some(topics) = &changes.topics {
        topics::set::<resource_topic::Entity>(&txn, resource_id, topics).await?;
    }
    if let Some(requested) = changes.persona {
        if access.resource.added_by != Some(actor.member_id) {
            return Err(AppError::Forbidden(
                "Only the member who shared it chooses whom it speaks for",
            ));
        }
        let persona = check_persona(&txn, actor.member_id, requested).await?;
        update.speaking_as = Set(persona.speaking_as);
        update.organisation_id = Set(persona.organisation_id);
        update.role_title = Set(persona.role_title);
    }
    let row = update.update(&txn).await?;
    let file_text = resource_text::Entity::find_by_id(resource_id)
        .one(&txn)
        .await?
        .map(|extracted| extracted.text);
    search::index::write(&txn, search::index::resource(&row, file_text.as_deref())).await?;
    txn.commit().await?;
    Ok(row)
}

/// Removes a resource from the library (soft: the row stays, the link may be shared again).
pub async fn remove(state: &AppState, viewer: &Viewer, resource_id: Uuid) -> AppResult<()> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_resource(&txn, actor, resource_id).await?;
    access.ensure_can_edit()?;
    let now = Utc::now();
    resource::Entity::update_many()
        .col_expr(resource::Column::RemovedAt, Expr::value(Some(now)))
        .col_expr(
            resource::Column::UrlKey,
            Expr::value(Option::<String>::None),
        )
        .filter(resource::Column::Id.eq(resource_id))
        .exec(&txn)
        .await?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(access.resource.group_id),
            action: "resource.remove",
            subject_type: "Resource",
            subject_id: resource_id,
            details: Some(access.resource.title.clone()),
        },
    )
    .await?;
    let removed = resource::Model {
        removed_at: Some(now),
        ..access.resource
    };
    search::index::write(&txn, search::index::resource(&removed, None)).await?;
    txn.commit().await?;
    Ok(())
}

/// Counts one download of a resource's file, for insights: the member (if signed in) and the
/// day, nothing else.
pub async fn count_download(
    state: &AppState,
    resource_id: Uuid,
    group_id: Uuid,
    member_id: Option<Uuid>,
) -> AppResult<()> {
    let day = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|midnight| midnight.and_utc())
        .unwrap_or_else(Utc::now);
    resource_download::ActiveModel {
        id: Set(ids::new_key()),
        resource_id: Set(resource_id),
        group_id: Set(group_id),
        member_id: Set(member_id),
        day: Set(day),
    }
    .insert(&state.db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn detect(bytes: &[u8]) -> Option<&'static str> {
        let mut file = tempfile::tempfile().expect("temporary file");
        file.write_all(bytes).expect("write");
        detect_content_type(&storage::inspect(&mut file).expect("inspect"))
    }

    #[test]
    fn content_types_come_from_the_bytes() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            detect("Møtereferat\n".as_bytes()),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(detect(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(detect(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn file_names_lose_their_folders() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\kari\\slides.pdf"), "slides.pdf");
        assert_eq!(clean_filename(".."), "file");
    }
}
