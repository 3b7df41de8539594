//! Library queries and mutations. Files arrive as GraphQL multipart uploads (see
//! `http::graphql`), already within the size limit and held in memory.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Upload};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    ids,
    organisations::{graphql::requested, types::SpeakingAs},
    resources::{
        commands::{self, ResourceChanges, ShareFields, UploadedFile},
        reads,
        types::{Resource, ResourceKind},
    },
};

fn resource_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Resource, "Resource")
}

#[derive(Default)]
pub struct ResourcesQuery;

#[Object]
impl ResourcesQuery {
    /// A library item by id; `NOT_FOUND` when the viewer may not see it.
    async fn resource(&self, ctx: &Context<'_>, id: ID) -> AppResult<Resource> {
        reads::resource_by_id(ctx, resource_id(&id)?).await
    }
}

/// A link or file to share; give exactly one of `url` and `file`.
#[derive(InputObject)]
pub struct ShareResourceInput {
    pub group_id: ID,
    /// Attach it to one of the group's meetups (slides of a talk).
    pub meetup_id: Option<ID>,
    /// 1 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::RESOURCE_TITLE"))]
    pub title: String,
    /// Up to 4000 characters.
    #[graphql(validator(custom = "crate::text::limits::RESOURCE_DESCRIPTION"))]
    pub description: Option<String>,
    pub kind: ResourceKind,
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
    /// An http or https link, up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL"))]
    pub url: Option<String>,
    /// A file sent by the GraphQL multipart request spec (with `Apollo-Require-Preflight` or
    /// `X-GraphQL-Preflight`): PDF, PNG, JPEG, Office, OpenDocument or plain text.
    pub file: Option<Upload>,
    /// Who it speaks for; left out, the viewer's default in the group (else their own
    /// default, else `PRIVATE`).
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

/// Changes to a resource; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    pub resource_id: ID,
    /// 1 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::RESOURCE_TITLE"))]
    pub title: Option<String>,
    /// Up to 4000 characters.
    #[graphql(validator(custom = "crate::text::limits::RESOURCE_DESCRIPTION"))]
    pub description: Option<String>,
    pub kind: Option<ResourceKind>,
    /// A new link (links only), up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL"))]
    pub url: Option<String>,
    /// `null` detaches it from its meetup.
    pub meetup_id: MaybeUndefined<ID>,
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
    /// A new persona (only the member who shared it); left out, it keeps its own.
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

fn meetup_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Meetup, "Meetup")
        .map_err(|_| AppError::bad_input("meetupId", "Not a meetup id"))
}

#[derive(Default)]
pub struct ResourcesMutation;

#[Object]
impl ResourcesMutation {
    /// Shares a link or an uploaded file with a group (members). A link already in the
    /// library is `CONFLICT`, with `extensions.existingId` naming the resource that has it.
    async fn share_resource(
        &self,
        ctx: &Context<'_>,
        input: ShareResourceInput,
    ) -> AppResult<Resource> {
        let fields = ShareFields {
            group_id: ids::decode_as(&input.group_id, ids::Kind::Group, "Group")?,
            meetup_id: input.meetup_id.as_ref().map(meetup_id).transpose()?,
            title: input.title,
            description: input.description,
            kind: input.kind.into(),
            topics: input.topics.unwrap_or_default(),
            persona: requested(input.speaking_as, input.organisation_id.as_ref())?,
        };
        let file = input
            .file
            .map(|upload| {
                upload
                    .value(ctx)
                    .map(|value| UploadedFile {
                        filename: value.filename,
                        file: value.content,
                    })
                    .map_err(|_| AppError::bad_input("file", "The file part is missing"))
            })
            .transpose()?;
        let row = commands::share(
            ctx.state()?,
            ctx.viewer(),
            fields,
            input.url.as_deref(),
            file,
        )
        .await?;
        reads::resource_by_id(ctx, row.id).await
    }

    /// Edits a resource (the member who added it, organisers and owners).
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateResourceInput,
    ) -> AppResult<Resource> {
        let id = resource_id(&input.resource_id)?;
        let changes = ResourceChanges {
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            url: input.url,
            meetup_id: match input.meetup_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(meetup_id(&id)?)),
            },
            topics: input.topics,
            persona: requested(input.speaking_as, input.organisation_id.as_ref())?,
        };
        commands::update(ctx.state()?, ctx.viewer(), id, changes).await?;
        reads::resource_by_id(ctx, id).await
    }

    /// Removes a resource from the library (the member who added it, organisers and owners).
    async fn remove_resource(&self, ctx: &Context<'_>, resource_id: ID) -> AppResult<bool> {
        commands::remove(ctx.state()?, ctx.viewer(), self::resource_id(&resource_id)?).await?;
        Ok(true)
    }
}
