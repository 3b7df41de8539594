//! Group queries and mutations. Resolvers decode ids and inputs, then call `groups::commands` or `groups::reads`.

use async_graphql::{Context, ID, InputObject, Object};
use entity::topic;
use sea_orm::{EntityTrait, QueryOrder};

use crate::{
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        pagination::{self, Page},
    },
    groups::{
        commands::{self, GroupFields},
        guidelines, reads,
        types::{Group, GroupRole, GroupVisibility, Invitation, JoinPolicy, Membership, Topic},
    },
    ids,
};

#[derive(Default)]
pub struct GroupsQuery;

#[Object]
impl GroupsQuery {
    /// A group by its slug. Outsiders of a members-only group see its name card only.
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 100))] slug: String,
    ) -> AppResult<Group> {
        reads::group_by_slug(ctx, &slug).await
    }

    /// The directory of groups that are not archived, newest first; with a search, the groups
    /// it finds, most relevant first.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Words to find in the name, description or slug, as `search` takes them, up \
                    to 100 characters.",
            validator(custom = "crate::text::limits::SEARCH")
        )]
        search: Option<String>,
        #[graphql(desc = "A topic slug.", validator(max_length = 100))] topic: Option<String>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Group>> {
        reads::list_groups(ctx, search.as_deref(), topic.as_deref(), first, after).await
    }

    /// Groups the viewer is an active member of.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn my_groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Group>> {
        reads::my_groups(ctx, first, after).await
    }

    /// Invitations waiting for the viewer's answer.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn my_invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Invitation>> {
        reads::my_invitations(ctx, first, after).await
    }

    /// Every topic, by name.
    async fn topics(&self, ctx: &Context<'_>) -> AppResult<Vec<Topic>> {
        let topics = topic::Entity::find()
            .order_by_asc(topic::Column::Name)
            .all(&ctx.state()?.db)
            .await?;
        Ok(topics.into_iter().map(Topic::from).collect())
    }
}

/// A new group. The creator becomes its owner.
/// Joining a group.
#[derive(InputObject)]
pub struct JoinGroupInput {
    pub group_id: ID,
    /// The version of the group's guidelines the member read and accepts
    /// (`Group.guidelines.version`): required when the group has guidelines.
    pub accepted_guidelines_version: Option<i32>,
}

/// A new version of a group's guidelines.
#[derive(InputObject)]
pub struct PublishGroupGuidelinesInput {
    pub group_id: ID,
    /// Markdown, 1 to 20000 characters.
    #[graphql(validator(custom = "crate::text::limits::GUIDELINES"))]
    pub body: String,
}

/// Accepting a group's guidelines.
#[derive(InputObject)]
pub struct AcceptGroupGuidelinesInput {
    pub group_id: ID,
    /// The version read: must be the current one.
    pub version: i32,
}

#[derive(InputObject)]
pub struct CreateGroupInput {
    /// 3 to 80 characters.
    #[graphql(validator(custom = "crate::text::limits::GROUP_NAME"))]
    pub name: String,
    /// Lowercase letters, digits and hyphens; derived from the name when left out.
    #[graphql(validator(max_length = 100))]
    pub slug: Option<String>,
    /// Up to 4000 characters.
    #[graphql(validator(custom = "crate::text::limits::GROUP_DESCRIPTION"))]
    pub description: Option<String>,
    /// Default `PUBLIC`.
    pub visibility: Option<GroupVisibility>,
    /// Default `OPEN`.
    pub join_policy: Option<JoinPolicy>,
    /// Topic slugs, at most 10.
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
}

/// Changes to a group; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateGroupInput {
    pub group_id: ID,
    /// 3 to 80 characters.
    #[graphql(validator(custom = "crate::text::limits::GROUP_NAME"))]
    pub name: Option<String>,
    #[graphql(validator(max_length = 100))]
    pub slug: Option<String>,
    /// Up to 4000 characters.
    #[graphql(validator(custom = "crate::text::limits::GROUP_DESCRIPTION"))]
    pub description: Option<String>,
    pub visibility: Option<GroupVisibility>,
    pub join_policy: Option<JoinPolicy>,
    /// Replaces the topics.
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
}

/// An invitation by e-mail.
#[derive(InputObject)]
pub struct InviteToGroupInput {
    pub group_id: ID,
    /// An e-mail address, up to 254 characters.
    #[graphql(validator(custom = "crate::text::limits::EMAIL"))]
    pub email: String,
}

/// A new role for an active member.
#[derive(InputObject)]
pub struct SetMemberRoleInput {
    pub membership_id: ID,
    pub role: GroupRole,
}

#[derive(Default)]
pub struct GroupsMutation;

fn group_id(id: &ID) -> AppResult<uuid::Uuid> {
    ids::decode_as(id, ids::Kind::Group, "Group")
}

fn membership_id(id: &ID) -> AppResult<uuid::Uuid> {
    ids::decode_as(id, ids::Kind::Membership, "Membership")
}

fn invitation_id(id: &ID) -> AppResult<uuid::Uuid> {
    ids::decode_as(id, ids::Kind::Invitation, "Invitation")
}

#[Object]
impl GroupsMutation {
    /// Creates a group; the viewer becomes its owner.
    async fn create_group(&self, ctx: &Context<'_>, input: CreateGroupInput) -> AppResult<Group> {
        let fields = GroupFields {
            name: Some(&input.name),
            slug: input.slug.as_deref(),
            description: input.description.as_deref(),
            visibility: input.visibility.map(Into::into),
            join_policy: input.join_policy.map(Into::into),
            topics: input.topics.as_deref(),
        };
        let group = commands::create_group(ctx.state()?, ctx.viewer(), fields).await?;
        reads::group_by_id(ctx, group.id).await
    }

    /// Changes a group's settings (owners).
    async fn update_group(&self, ctx: &Context<'_>, input: UpdateGroupInput) -> AppResult<Group> {
        let fields = GroupFields {
            name: input.name.as_deref(),
            slug: input.slug.as_deref(),
            description: input.description.as_deref(),
            visibility: input.visibility.map(Into::into),
            join_policy: input.join_policy.map(Into::into),
            topics: input.topics.as_deref(),
        };
        let group = commands::update_group(
            ctx.state()?,
            ctx.viewer(),
            group_id(&input.group_id)?,
            fields,
        )
        .await?;
        Ok(Group {
            access: reads::access_for(ctx, group).await?,
        })
    }

    /// Archives a group (owners): it stays readable but takes no changes.
    async fn archive_group(&self, ctx: &Context<'_>, group_id: ID) -> AppResult<Group> {
        let group =
            commands::archive_group(ctx.state()?, ctx.viewer(), self::group_id(&group_id)?).await?;
        Ok(Group {
            access: reads::access_for(ctx, group).await?,
        })
    }

    /// Joins a group: `ACTIVE` in an open group, `PENDING` where an organiser approves. Give
    /// `input` (or, for a group without guidelines, `groupId` alone, as older clients do).
    async fn join_group(
        &self,
        ctx: &Context<'_>,
        group_id: Option<ID>,
        input: Option<JoinGroupInput>,
    ) -> AppResult<Membership> {
        let (group, accepted) = match (group_id, input) {
            (Some(id), None) => (id, None),
            (None, Some(input)) => (input.group_id, input.accepted_guidelines_version),
            _ => return Err(AppError::bad_input("input", "Give either input or groupId")),
        };
        let membership = commands::join_group(
            ctx.state()?,
            ctx.viewer(),
            self::group_id(&group)?,
            accepted,
        )
        .await?;
        Ok(Membership(membership))
    }

    /// Publishes a new version of the group's guidelines (owners). Members accept it once,
    /// before they next write in the group.
    async fn publish_group_guidelines(
        &self,
        ctx: &Context<'_>,
        input: PublishGroupGuidelinesInput,
    ) -> AppResult<Group> {
        let id = group_id(&input.group_id)?;
        guidelines::publish(ctx.state()?, ctx.viewer(), id, &input.body).await?;
        reads::group_by_id(ctx, id).await
    }

    /// Accepts the group's current guidelines; `version` must be the current one.
    async fn accept_group_guidelines(
        &self,
        ctx: &Context<'_>,
        input: AcceptGroupGuidelinesInput,
    ) -> AppResult<Group> {
        let id = group_id(&input.group_id)?;
        guidelines::accept(ctx.state()?, ctx.viewer(), id, input.version).await?;
        reads::group_by_id(ctx, id).await
    }

    /// Leaves a group, or withdraws a request. The last owner cannot leave.
    async fn leave_group(&self, ctx: &Context<'_>, group_id: ID) -> AppResult<bool> {
        commands::leave_group(ctx.state()?, ctx.viewer(), self::group_id(&group_id)?).await?;
        Ok(true)
    }

    /// Approves a join request, or reverses an earlier rejection (owners and organisers).
    async fn approve_membership(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
    ) -> AppResult<Membership> {
        let id = self::membership_id(&membership_id)?;
        Ok(Membership(
            commands::approve_membership(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }

    /// Rejects a join request, or turns away a member below the actor; approving reverses it.
    async fn reject_membership(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
    ) -> AppResult<Membership> {
        let id = self::membership_id(&membership_id)?;
        Ok(Membership(
            commands::reject_membership(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }

    /// Invites someone by e-mail (owners and organisers). An address without an account is
    /// claimed when that account registers.
    async fn invite_to_group(
        &self,
        ctx: &Context<'_>,
        input: InviteToGroupInput,
    ) -> AppResult<Invitation> {
        let invitation = commands::invite(
            ctx.state()?,
            ctx.viewer(),
            group_id(&input.group_id)?,
            &input.email,
        )
        .await?;
        Ok(Invitation(invitation))
    }

    /// Accepts an invitation addressed to the viewer.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
    ) -> AppResult<Membership> {
        let id = self::invitation_id(&invitation_id)?;
        Ok(Membership(
            commands::accept_invitation(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }

    /// Declines an invitation addressed to the viewer.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
    ) -> AppResult<Invitation> {
        let id = self::invitation_id(&invitation_id)?;
        Ok(Invitation(
            commands::decline_invitation(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }

    /// Sets an active member's role (owners). The last owner cannot be demoted.
    async fn set_member_role(
        &self,
        ctx: &Context<'_>,
        input: SetMemberRoleInput,
    ) -> AppResult<Membership> {
        let id = membership_id(&input.membership_id)?;
        let membership =
            commands::set_member_role(ctx.state()?, ctx.viewer(), id, input.role.into()).await?;
        Ok(Membership(membership))
    }

    /// Removes a member: owners remove anyone but the last owner, organisers those below them.
    async fn remove_member(&self, ctx: &Context<'_>, membership_id: ID) -> AppResult<bool> {
        commands::remove_member(
            ctx.state()?,
            ctx.viewer(),
            self::membership_id(&membership_id)?,
        )
        .await?;
        Ok(true)
    }

    /// Hands the group to another active member, who becomes an owner; the viewer becomes an
    /// organiser.
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
    ) -> AppResult<Membership> {
        let id = self::membership_id(&membership_id)?;
        Ok(Membership(
            commands::transfer_ownership(ctx.state()?, ctx.viewer(), id).await?,
        ))
    }
}
