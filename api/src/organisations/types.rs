//! The GraphQL faces of organisations, affiliations and personas.

use async_graphql::{Context, Enum, ID, Object, Union};
use entity::{affiliation, organisation, organisation_role, persona};
use futures_util::FutureExt as _;
use uuid::Uuid;

use crate::{
    discussions::types::{Comment, Thread},
    error::AppResult,
    graphql::{context::ContextExt, pagination::Page, scalars},
    ids,
    members::types::Member,
    organisations::reads,
    resources::types::Resource,
};

/// Who a thread, comment or shared resource speaks for, chosen by its author when writing it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::persona::SpeakingAs")]
pub enum SpeakingAs {
    /// As a private person: the author's employer is not shown with it. The default.
    Private,
    /// As a professional: the author's organisation (and role title) is shown with it. Needs a
    /// confirmed, current affiliation.
    Affiliated,
    /// Officially, for the organisation: shown with the organisation's name and listed on its
    /// `statements`. Only its representatives and admins.
    OnBehalf,
}

/// A member's role in an organisation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::organisation_role::Role")]
pub enum OrganisationRole {
    /// Grants and revokes roles; may speak on the organisation's behalf.
    Admin,
    /// May speak on the organisation's behalf.
    Representative,
}

/// An employer or other organisation members work for, and may speak for.
pub struct Organisation {
    pub row: organisation::Model,
}

impl Organisation {
    /// The organisation a post shows: `None` for a private post, or one whose text is gone
    /// (deleted; the persona went with the author's name).
    pub async fn of_post(
        ctx: &Context<'_>,
        speaking_as: persona::SpeakingAs,
        organisation_id: Option<Uuid>,
        gone: bool,
    ) -> AppResult<Option<Self>> {
        let Some(id) =
            organisation_id.filter(|_| speaking_as != persona::SpeakingAs::Private && !gone)
        else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()?
            .organisations()
            .load_one(id)
            .await?
            .map(|row| Self { row }))
    }
}

#[Object]
impl Organisation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Organisation, self.row.id)
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Unique, URL-safe.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    async fn website_url(&self) -> Option<&str> {
        self.row.website_url.as_deref()
    }

    /// The e-mail domain a site admin confirmed is the organisation's: a member with a verified
    /// address there confirms their affiliation by themselves.
    async fn verified_domain(&self) -> Option<&str> {
        self.row.verified_domain.as_deref()
    }

    /// The viewer's role in the organisation, if any.
    async fn viewer_role(&self, ctx: &Context<'_>) -> AppResult<Option<OrganisationRole>> {
        reads::viewer_role(ctx, self.row.id).await
    }

    /// The members who may speak on the organisation's behalf (its admins included), in the
    /// order they were granted.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn representatives(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Member>> {
        reads::representatives(ctx, self.row.id, first, after)
            .boxed()
            .await
    }

    /// What was posted officially on the organisation's behalf, newest first, of what the
    /// viewer may read.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn statements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Statement>> {
        reads::statements(ctx, self.row.id, first, after)
            .boxed()
            .await
    }

    async fn created_at(&self) -> scalars::DateTime {
        self.row.created_at.into()
    }
}

/// Something posted on an organisation's behalf.
#[derive(Union)]
pub enum Statement {
    Thread(Thread),
    Comment(Box<Comment>),
    Resource(Resource),
}

/// A member's tie to an organisation.
pub struct Affiliation {
    pub row: affiliation::Model,
    pub role: Option<organisation_role::Role>,
}

#[Object]
impl Affiliation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Affiliation, self.row.id)
    }

    async fn organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        Ok(ctx
            .loaders()?
            .organisations()
            .load_one(self.row.organisation_id)
            .await?
            .map(|row| Organisation { row }))
    }

    /// The member's title there, as they wrote it.
    async fn role_title(&self) -> Option<&str> {
        self.row.role_title.as_deref()
    }

    /// Since when, as the member says.
    async fn since(&self) -> Option<scalars::DateTime> {
        self.row.since.map(Into::into)
    }

    /// Whether the affiliation is confirmed: by an address at the organisation's verified
    /// domain, by one of its admins, or by a site admin.
    async fn verified(&self) -> bool {
        self.row.verified_at.is_some()
    }

    /// When the member ended it; null while current.
    async fn ended_at(&self) -> Option<scalars::DateTime> {
        self.row.ended_at.map(Into::into)
    }

    /// The member's role in the organisation while the affiliation is current.
    async fn role(&self) -> Option<OrganisationRole> {
        self.role
            .filter(|_| self.row.ended_at.is_none())
            .map(Into::into)
    }
}
