//! The inbox: the viewer's notifications from groups whose content they may read now.

use std::collections::HashMap;

use async_graphql::{Context, dataloader::Loader};
use entity::{
    invitation,
    notification::{self, Kind},
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select,
};

use crate::{
    auth::viewer::Identity,
    db::Db,
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        pagination::{Order, Page, page_by_id},
    },
    groups::policy::readable_groups,
    notifications::graphql::Notification,
};

/// The member's notifications they may still read (not those from a members-only group they
/// left); an invitation is readable before its group is.
pub(crate) fn inbox(identity: &Identity) -> Select<notification::Entity> {
    notification::Entity::find()
        .filter(notification::Column::MemberId.eq(identity.member_id))
        .filter(
            Condition::any()
                .add(readable_groups(
                    notification::Column::GroupId,
                    identity.member_id,
                    identity.is_site_admin,
                ))
                .add(notification::Column::Kind.eq(Kind::Invitation)),
        )
}

/// One of the member's notifications, if they may still read it.
pub async fn one(
    db: &Db,
    identity: &Identity,
    id: uuid::Uuid,
) -> AppResult<Option<notification::Model>> {
    Ok(inbox(identity)
        .filter(notification::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// How many of the member's notifications are unread.
pub async fn unread_count(db: &Db, identity: &Identity) -> AppResult<u64> {
    Ok(inbox(identity)
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// The viewer's notifications, newest first; only the unread with `unread_only`, only of
/// `kinds` when given.
pub async fn notifications(
    ctx: &Context<'_>,
    unread_only: bool,
    kinds: Option<Vec<Kind>>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Notification>> {
    let identity = ctx.viewer().require()?;
    let mut select = inbox(identity);
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    if let Some(kinds) = kinds {
        select = select.filter(notification::Column::Kind.is_in(kinds));
    }
    page_by_id(ctx, select, Order::NewestFirst, first, after, Notification).await
}

/// The viewer's unread notifications per group, for `Group.viewerUnreadCount` on lists of
/// groups: one statement for every group of a page.
pub struct UnreadInGroupLoader {
    pub db: Db,
    pub viewer: Option<uuid::Uuid>,
}

impl Loader<uuid::Uuid> for UnreadInGroupLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[uuid::Uuid]) -> Result<HashMap<uuid::Uuid, u64>, AppError> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(uuid::Uuid, i64)> = notification::Entity::find()
            .select_only()
            .column(notification::Column::GroupId)
            .column_as(notification::Column::Id.count(), "count")
            .filter(notification::Column::MemberId.eq(viewer))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::GroupId.is_in(keys.iter().copied()))
            .group_by(notification::Column::GroupId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(group, n)| (group, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// Invitations by id, for notifications about them.
pub struct InvitationLoader {
    pub db: Db,
}

impl Loader<uuid::Uuid> for InvitationLoader {
    type Value = invitation::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, invitation::Model>, AppError> {
        Ok(invitation::Entity::find()
            .filter(invitation::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect())
    }
}
