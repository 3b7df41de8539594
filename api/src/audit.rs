//! The append-only audit log. Domain functions call [`record`] inside the transaction of the
//! change itself, so a change and its log row commit or roll back together.

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::{error::AppResult, ids};

/// One audited change.
pub struct Entry<'a> {
    pub actor_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    /// `noun.verb`, e.g. `membership.role_change`.
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    /// Free text for what changed (old and new role, the reason given).
    pub details: Option<String>,
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry<'_>) -> AppResult<()> {
    audit_log::ActiveModel {
        id: Set(ids::new_key()),
        actor_id: Set(entry.actor_id),
        group_id: Set(entry.group_id),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        details: Set(entry.details),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
