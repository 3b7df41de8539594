//! `exportMyData`, and the member's exports as they see them.

use async_graphql::{Context, Enum, ID, Object};
use entity::data_export;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    error::AppResult,
    exports::commands,
    graphql::{
        context::ContextExt,
        pagination::{Order, Page, page_by_id},
        scalars,
    },
    ids,
};

/// Where an export stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::data_export::Status")]
pub enum DataExportStatus {
    /// Being built.
    Pending,
    /// Ready to download, once, until `expiresAt`.
    Ready,
    /// Downloaded; the archive is gone.
    Downloaded,
    /// Not downloaded in time; the archive is gone.
    Expired,
    /// Could not be built; ask again.
    Failed,
}

/// An archive of everything about the member: their profile, affiliations, memberships,
/// answers to meetups, threads, comments with their earlier versions, reactions, reports they
/// filed, what they shared (files included), watches, notification settings and sessions, as
/// JSON files in a zip.
pub struct DataExport(pub data_export::Model);

#[Object]
impl DataExport {
    /// Opaque global id.
    async fn id(&self) -> ID {
        ids::encode(ids::Kind::DataExport, self.0.id)
    }

    async fn status(&self) -> DataExportStatus {
        self.0.status.into()
    }

    async fn created_at(&self) -> scalars::DateTime {
        self.0.created_at.into()
    }

    async fn ready_at(&self) -> Option<scalars::DateTime> {
        self.0.ready_at.map(Into::into)
    }

    /// Until when a ready export may be downloaded.
    async fn expires_at(&self) -> Option<scalars::DateTime> {
        self.0.expires_at.map(Into::into)
    }

    async fn downloaded_at(&self) -> Option<scalars::DateTime> {
        self.0.downloaded_at.map(Into::into)
    }

    /// The archive's size in bytes, once built.
    async fn size(&self) -> Option<u64> {
        self.0.size.and_then(|size| u64::try_from(size).ok())
    }

    /// Where to download it (`GET`, no header needed): works once, for 15 minutes from when it
    /// is read here; null unless `READY`. Ask again for a fresh link.
    async fn download_url(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        Ok(commands::download_link(ctx.state()?, &self.0))
    }
}

/// The member's exports, newest first: for the member alone.
pub async fn of_member(
    ctx: &Context<'_>,
    member_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<DataExport>> {
    page_by_id(
        ctx,
        data_export::Entity::find().filter(data_export::Column::MemberId.eq(member_id)),
        Order::NewestFirst,
        first,
        after,
        DataExport,
    )
    .await
}

#[derive(Default)]
pub struct ExportsMutation;

#[Object]
impl ExportsMutation {
    /// Asks for an archive of everything about the viewer. It is built in the background:
    /// read `me { dataExports }` until it is `READY`, then download it once through its
    /// `downloadUrl`. While one is being built, asking again answers that one.
    async fn export_my_data(&self, ctx: &Context<'_>) -> AppResult<DataExport> {
        Ok(DataExport(
            commands::request(ctx.state()?, ctx.viewer()).await?,
        ))
    }
}
