//! The inbox: the viewer's notifications from groups whose content they may read now.

use async_graphql::Context;
use entity::notification;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::{
    auth::viewer::Identity,
    error::AppResult,
    graphql::{
        context::ContextExt,
        pagination::{Order, Page, page_by_id},
    },
    groups::policy::readable_groups,
    notifications::graphql::Notification,
};

/// The member's notifications they may still read (not those from a members-only group they
/// left).
fn inbox(identity: &Identity) -> Select<notification::Entity> {
    notification::Entity::find()
        .filter(notification::Column::MemberId.eq(identity.member_id))
        .filter(readable_groups(
            notification::Column::GroupId,
            identity.member_id,
            identity.is_site_admin,
        ))
}

/// One of the member's notifications, if they may still read it.
pub async fn one(
    db: &DatabaseConnection,
    identity: &Identity,
    id: uuid::Uuid,
) -> AppResult<Option<notification::Model>> {
    Ok(inbox(identity)
        .filter(notification::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// How many of the member's notifications are unread.
pub async fn unread_count(db: &DatabaseConnection, identity: &Identity) -> AppResult<u64> {
    Ok(inbox(identity)
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// The viewer's notifications, newest first; only the unread with `unread_only`.
pub async fn notifications(
    ctx: &Context<'_>,
    unread_only: bool,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Notification>> {
    let identity = ctx.viewer().require()?;
    let mut select = inbox(identity);
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    page_by_id(ctx, select, Order::NewestFirst, first, after, Notification).await
}
