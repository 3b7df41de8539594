//! A group's guidelines: owners publish versions; joining asks for the current one; a member
//! accepts each new version once before writing in the group again
//! (`GroupAccess::ensure_guidelines_accepted`).

use chrono::Utc;
use entity::{group_guidelines, interest_group, membership};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    db::begin_write,
    error::{AppError, AppResult},
    groups::{commands::access_in, policy::GroupAction},
    markdown,
    state::AppState,
    text,
};

/// Records that the member of `membership_id` accepted `version`, in `txn`.
pub async fn record_acceptance(
    txn: &DatabaseTransaction,
    membership_id: Uuid,
    version: i32,
) -> AppResult<()> {
    membership::Entity::update_many()
        .col_expr(
            membership::Column::AcceptedGuidelinesVersion,
            Expr::value(version),
        )
        .col_expr(membership::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(membership::Column::Id.eq(membership_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// What a joining member says they accepted, checked against the group's current version:
/// required when the group has guidelines, and it must be the current one.
pub fn check_joining(group: &interest_group::Model, accepted: Option<i32>) -> AppResult<()> {
    match (group.guidelines_version, accepted) {
        (None, _) => Ok(()),
        (Some(current), None) => Err(AppError::bad_input(
            "acceptedGuidelinesVersion",
            format!("This group asks you to accept its guidelines (version {current}) to join"),
        )),
        (Some(current), Some(given)) if given == current => Ok(()),
        (Some(current), Some(_)) => Err(AppError::Conflict(format!(
            "The group's guidelines changed: read and accept version {current}"
        ))),
    }
}

/// Publishes a new version of a group's guidelines (owners). The publisher has accepted it;
/// every other member is asked before they next write in the group.
pub async fn publish(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    body: &str,
) -> AppResult<group_guidelines::Model> {
    let actor = viewer.require_verified()?;
    let body = text::limits::GUIDELINES.clean_verbatim(body)?;
    let txn = begin_write(&state.db).await?;
    let access = access_in(&txn, actor, group_id, true).await?;
    access.ensure(GroupAction::UpdateSettings)?;
    let version = access.group.guidelines_version.unwrap_or(0) + 1;
    let row = group_guidelines::ActiveModel {
        group_id: Set(group_id),
        version: Set(version),
        body_html: Set(markdown::render(&body)),
        body: Set(body),
        published_by: Set(Some(actor.member_id)),
        published_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    interest_group::ActiveModel {
        id: Set(group_id),
        guidelines_version: Set(Some(version)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    if let Some(membership) = &access.membership {
        record_acceptance(&txn, membership.id, version).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Accepts the group's current guidelines (members, active or waiting for approval).
/// `version` must be the current one, so nobody accepts a text they have not seen.
pub async fn accept(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    version: i32,
) -> AppResult<()> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let access = access_in(&txn, actor, group_id, true).await?;
    let membership = access
        .membership
        .as_ref()
        .filter(|membership| membership.status != membership::Status::Rejected)
        .ok_or(AppError::Forbidden("Join the group first"))?;
    match access.group.guidelines_version {
        None => return Err(AppError::Conflict("This group has no guidelines".into())),
        Some(current) if current != version => {
            return Err(AppError::Conflict(format!(
                "The group's guidelines changed: read and accept version {current}"
            )));
        }
        Some(_) => {}
    }
    record_acceptance(&txn, membership.id, version).await?;
    txn.commit().await?;
    Ok(())
}
