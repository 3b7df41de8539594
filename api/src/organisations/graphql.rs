//! Organisation queries and the mutations for organisations, affiliations, roles and default
//! personas.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    graphql::{context::ContextExt, pagination::Page},
    ids,
    members::types::Member,
    organisations::{
        commands::{self, NewOrganisation, OrganisationChanges, Requested},
        reads,
        types::{Affiliation, Organisation, OrganisationRole, SpeakingAs},
    },
};

fn organisation_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Organisation, "Organisation")
}

fn affiliation_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Affiliation, "Affiliation")
}

/// The persona a post's input asks for: `None` when it names none. An organisation without a
/// persona is refused rather than guessed.
pub fn requested(
    speaking_as: Option<SpeakingAs>,
    organisation: Option<&ID>,
) -> AppResult<Option<Requested>> {
    let organisation_id = organisation
        .map(|id| {
            organisation_id(id)
                .map_err(|_| AppError::bad_input("organisationId", "Not an organisation id"))
        })
        .transpose()?;
    match (speaking_as, organisation_id) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(AppError::bad_input(
            "speakingAs",
            "Say how you speak for the organisation",
        )),
        (Some(speaking_as), organisation_id) => Ok(Some(Requested {
            speaking_as: speaking_as.into(),
            organisation_id,
        })),
    }
}

#[derive(Default)]
pub struct OrganisationsQuery;

#[Object]
impl OrganisationsQuery {
    /// An organisation by id or by slug (give one).
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        #[graphql(validator(max_length = 80))] slug: Option<String>,
    ) -> AppResult<Organisation> {
        match (id, slug) {
            (Some(id), None) => reads::organisation_by_id(ctx, organisation_id(&id)?).await,
            (None, Some(slug)) => reads::organisation_by_slug(ctx, &slug).await,
            _ => Err(AppError::bad_input("id", "Give either id or slug")),
        }
    }

    /// Every organisation, in the order they were added.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Organisation>> {
        reads::organisations(ctx, first, after).await
    }
}

/// A new organisation (site admins).
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// 2 to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::ORGANISATION_NAME"))]
    pub name: String,
    /// Made from the name when left out; lowercase letters, digits and single hyphens.
    #[graphql(validator(max_length = 80))]
    pub slug: Option<String>,
    /// An http or https URL, up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"websiteUrl\")"))]
    pub website_url: Option<String>,
    /// The organisation's e-mail domain, which the site admin has checked (`bedrift.no`); up to
    /// 253 characters.
    #[graphql(validator(custom = "crate::text::limits::DOMAIN"))]
    pub verified_domain: Option<String>,
}

/// Changes to an organisation (site admins); omitted fields stay, `null` clears.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub organisation_id: ID,
    /// 2 to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::ORGANISATION_NAME"))]
    pub name: Option<String>,
    /// An http or https URL, up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"websiteUrl\")"))]
    pub website_url: MaybeUndefined<String>,
    /// Up to 253 characters; `null` withdraws the verification.
    #[graphql(validator(custom = "crate::text::limits::DOMAIN"))]
    pub verified_domain: MaybeUndefined<String>,
}

/// The viewer's affiliation with an organisation.
#[derive(InputObject)]
pub struct AddAffiliationInput {
    pub organisation_id: ID,
    /// Up to 120 characters ("Data protection officer").
    #[graphql(validator(custom = "crate::text::limits::ROLE_TITLE"))]
    pub role_title: Option<String>,
    /// Since when; not in the future.
    pub since: Option<crate::graphql::scalars::DateTime>,
}

/// A member's role in an organisation; `role: null` takes it away.
#[derive(InputObject)]
pub struct SetOrganisationRoleInput {
    pub organisation_id: ID,
    pub member_id: ID,
    pub role: Option<OrganisationRole>,
}

/// How the viewer speaks by default: everywhere, or in one group (`groupId`).
#[derive(InputObject)]
pub struct SetDefaultPersonaInput {
    /// The group whose default this is; left out for the default everywhere else.
    pub group_id: Option<ID>,
    /// `null` with a `groupId` clears the group's default.
    pub speaking_as: Option<SpeakingAs>,
    /// The organisation, for `AFFILIATED` and `ON_BEHALF`.
    pub organisation_id: Option<ID>,
}

fn maybe(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// An affiliation a mutation changed, with the member's role in its organisation.
async fn own_affiliation(
    ctx: &Context<'_>,
    row: entity::affiliation::Model,
) -> AppResult<Affiliation> {
    let role = entity::organisation_role::Entity::find_by_id((row.organisation_id, row.member_id))
        .one(&ctx.state()?.db)
        .await?
        .map(|role| role.role);
    Ok(Affiliation { row, role })
}

#[derive(Default)]
pub struct OrganisationsMutation;

#[Object]
impl OrganisationsMutation {
    /// Adds an organisation (site admins).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> AppResult<Organisation> {
        let row = commands::create_organisation(
            ctx.state()?,
            ctx.viewer(),
            NewOrganisation {
                name: input.name,
                slug: input.slug,
                website_url: input.website_url,
                verified_domain: input.verified_domain,
            },
        )
        .await?;
        Ok(Organisation { row })
    }

    /// Changes an organisation, or verifies (or withdraws) its domain (site admins).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> AppResult<Organisation> {
        let row = commands::update_organisation(
            ctx.state()?,
            ctx.viewer(),
            organisation_id(&input.organisation_id)?,
            OrganisationChanges {
                name: input.name,
                website_url: maybe(input.website_url),
                verified_domain: maybe(input.verified_domain),
            },
        )
        .await?;
        Ok(Organisation { row })
    }

    /// Says where the viewer works. Confirmed at once when their verified address is at the
    /// organisation's verified domain; otherwise one of its admins (or a site admin) confirms it.
    async fn add_affiliation(
        &self,
        ctx: &Context<'_>,
        input: AddAffiliationInput,
    ) -> AppResult<Affiliation> {
        let row = commands::add_affiliation(
            ctx.state()?,
            ctx.viewer(),
            organisation_id(&input.organisation_id)?,
            input.role_title.as_deref(),
            input.since.map(|since| since.0),
        )
        .await?;
        own_affiliation(ctx, row).await
    }

    /// Confirms an affiliation: its member (with a verified address at the organisation's
    /// verified domain), the organisation's admins, or a site admin.
    async fn confirm_affiliation(&self, ctx: &Context<'_>, id: ID) -> AppResult<Affiliation> {
        let row =
            commands::confirm_affiliation(ctx.state()?, ctx.viewer(), affiliation_id(&id)?).await?;
        own_affiliation(ctx, row).await
    }

    /// Ends an affiliation (its member, or a site admin): the member's roles in the
    /// organisation end with it; what they posted keeps the persona it was written with.
    async fn end_affiliation(&self, ctx: &Context<'_>, id: ID) -> AppResult<Affiliation> {
        let row =
            commands::end_affiliation(ctx.state()?, ctx.viewer(), affiliation_id(&id)?).await?;
        own_affiliation(ctx, row).await
    }

    /// Grants a member (with a current affiliation) a role in an organisation, or takes it
    /// away: its admins and site admins.
    async fn set_organisation_role(
        &self,
        ctx: &Context<'_>,
        input: SetOrganisationRoleInput,
    ) -> AppResult<Organisation> {
        let member_id = ids::decode_as(&input.member_id, ids::Kind::Member, "Member")?;
        let row = commands::set_role(
            ctx.state()?,
            ctx.viewer(),
            organisation_id(&input.organisation_id)?,
            member_id,
            input.role.map(Into::into),
        )
        .await?;
        Ok(Organisation { row })
    }

    /// Sets how the viewer speaks when a post names no persona: in one group, or everywhere
    /// else. Checked like a post: a persona the viewer may not use now is refused.
    async fn set_default_persona(
        &self,
        ctx: &Context<'_>,
        input: SetDefaultPersonaInput,
    ) -> AppResult<Member> {
        let group_id = input
            .group_id
            .as_ref()
            .map(|id| ids::decode_as(id, ids::Kind::Group, "Group"))
            .transpose()?;
        let persona = requested(input.speaking_as, input.organisation_id.as_ref())?;
        if group_id.is_none() && persona.is_none() {
            return Err(AppError::bad_input(
                "speakingAs",
                "Give the persona to speak with by default",
            ));
        }
        let state = ctx.state()?;
        commands::set_default_persona(state, ctx.viewer(), group_id, persona).await?;
        let viewer = ctx.viewer().require()?;
        let row = entity::member::Entity::find_by_id(viewer.member_id)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound("Member"))?;
        Ok(Member::own(row))
    }
}
