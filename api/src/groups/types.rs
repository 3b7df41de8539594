//! GraphQL types of groups: the group itself, memberships, invitations and the enums they use.
//! Fields that need other rows go through the request's batch loaders.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{
    audit_log, group_guidelines, interest_group, invitation, membership, topic, watch::Level,
};
use futures_util::FutureExt as _;

use crate::graphql::scalars;
use crate::organisations::types::{Organisation, SpeakingAs};
use crate::{
    error::AppResult,
    graphql::{context::ContextExt, pagination::Page},
    groups::{
        policy::{GroupAccess, GroupAction},
        reads,
    },
    ids,
    insights::{
        Range,
        graphql::{GroupInsights, InsightInterval},
    },
    members::types::Member,
    notifications::{graphql::WatchLevel, watch::Watched},
};

/// Who may read a group's content.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupVisibility {
    /// Anyone, signed in or not.
    Public,
    /// Members only; outsiders see the name, description and topics.
    MembersOnly,
}

/// How people become members.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinPolicy {
    /// Joining makes you a member at once.
    Open,
    /// Joining asks; an organiser approves.
    Approval,
    /// Only invited people can join.
    InviteOnly,
}

/// A member's role in a group.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupRole {
    /// Leads the group: settings, roles, archive.
    Owner,
    /// Runs meetups, resources, join requests and invitations.
    Organiser,
    /// Keeps discussions civil.
    Moderator,
    Member,
}

/// Where a membership stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipStatus {
    Active,
    /// Waiting for an organiser.
    Pending,
    /// Turned away; an organiser can still approve it later.
    Rejected,
}

/// The join requests an organiser reviews: waiting, or turned away.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipRequestStatus {
    /// Waiting for an organiser.
    Pending,
    /// Turned away; an organiser can still approve it later.
    Rejected,
}

impl From<MembershipRequestStatus> for membership::Status {
    fn from(status: MembershipRequestStatus) -> Self {
        match status {
            MembershipRequestStatus::Pending => membership::Status::Pending,
            MembershipRequestStatus::Rejected => membership::Status::Rejected,
        }
    }
}

/// Where an invitation stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
}

/// Two-way conversion between a database enum and its GraphQL twin of the same variants.
macro_rules! map_enum {
    ($from:ty => $to:ty { $($variant:ident),+ }) => {
        impl From<$from> for $to {
            fn from(value: $from) -> Self {
                match value { $(<$from>::$variant => <$to>::$variant),+ }
            }
        }
        impl From<$to> for $from {
            fn from(value: $to) -> Self {
                match value { $(<$to>::$variant => <$from>::$variant),+ }
            }
        }
    };
}
pub(crate) use map_enum;

map_enum!(interest_group::Visibility => GroupVisibility { Public, MembersOnly });
map_enum!(interest_group::JoinPolicy => JoinPolicy { Open, Approval, InviteOnly });
map_enum!(membership::Role => GroupRole { Owner, Organiser, Moderator, Member });
map_enum!(membership::Status => MembershipStatus { Active, Pending, Rejected });
map_enum!(invitation::Status => InvitationStatus { Pending, Accepted, Declined });

/// A focus area shared across the site.
#[derive(SimpleObject)]
pub struct Topic {
    /// URL-safe key, e.g. `data-security`.
    pub slug: String,
    /// Display name, e.g. "Data security".
    pub name: String,
}

impl From<topic::Model> for Topic {
    fn from(row: topic::Model) -> Self {
        Self {
            slug: row.slug,
            name: row.name,
        }
    }
}

/// An interest group.
pub struct Group {
    pub access: GroupAccess,
}

#[Object]
impl Group {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Group, self.access.group.id)
    }

    /// Unique, URL-safe name for links (`/groups/{slug}`).
    async fn slug(&self) -> &str {
        &self.access.group.slug
    }

    async fn name(&self) -> &str {
        &self.access.group.name
    }

    /// What the group is about (plain text).
    async fn description(&self) -> &str {
        &self.access.group.description
    }

    async fn visibility(&self) -> GroupVisibility {
        self.access.group.visibility.into()
    }

    async fn join_policy(&self) -> JoinPolicy {
        self.access.group.join_policy.into()
    }

    /// The group's focus areas.
    async fn topics(&self, ctx: &Context<'_>) -> AppResult<Vec<Topic>> {
        let topics = ctx
            .loaders()?
            .group_topics()
            .load_one(self.access.group.id)
            .await?;
        Ok(topics
            .unwrap_or_default()
            .into_iter()
            .map(Topic::from)
            .collect())
    }

    /// Active members. Null for outsiders of a members-only group.
    async fn member_count(&self) -> Option<u64> {
        self.access
            .can_read_content()
            .then(|| u64::try_from(self.access.group.member_count).unwrap_or(0))
    }

    /// The viewer's role while they are an active member; null otherwise.
    async fn viewer_role(&self) -> Option<GroupRole> {
        self.access.role().map(GroupRole::from)
    }

    /// How many of the viewer's unread notifications are about this group; null when signed
    /// out or when the viewer may not read the group's content.
    async fn viewer_unread_count(&self, ctx: &Context<'_>) -> AppResult<Option<u64>> {
        if ctx.viewer().identity().is_none() || !self.access.can_read_content() {
            return Ok(None);
        }
        let loaded = ctx
            .loaders()?
            .unread_in_group()
            .load_one(self.access.group.id)
            .await?;
        Ok(Some(loaded.unwrap_or(0)))
    }

    /// How closely the viewer follows this group (`NORMAL` unless they chose); null when signed
    /// out or when the viewer may not read the group's content.
    async fn viewer_watch_level(&self, ctx: &Context<'_>) -> AppResult<Option<WatchLevel>> {
        if ctx.viewer().identity().is_none() || !self.access.can_read_content() {
            return Ok(None);
        }
        let level = ctx
            .loaders()?
            .watch_levels()
            .load_one(Watched::Group(self.access.group.id))
            .await?;
        Ok(Some(level.unwrap_or(Level::Normal).into()))
    }

    /// The group's current guidelines (code of conduct, social-media policy); null while it
    /// has none. Shown to anyone who sees the group, so they can be read before joining.
    async fn guidelines(&self, ctx: &Context<'_>) -> AppResult<Option<GroupGuidelines>> {
        let Some(version) = self.access.group.guidelines_version else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()?
            .guidelines()
            .load_one((self.access.group.id, version))
            .await?
            .map(GroupGuidelines))
    }

    /// Whether the viewer, a member, must accept the current guidelines
    /// (`acceptGroupGuidelines`) before writing in the group again.
    async fn viewer_must_accept_guidelines(&self) -> bool {
        self.access.membership.is_some() && self.access.ensure_guidelines_accepted().is_err()
    }

    /// What the group's activity adds up to, from `from` to `to` in periods of `interval`:
    /// membership, active members, meetups' attendance and return rates, and the effect of
    /// each kind of activity. For owners and organisers; aggregates only, and any figure of 1
    /// to 4 members is suppressed.
    async fn insights(
        &self,
        from: scalars::DateTime,
        to: scalars::DateTime,
        #[graphql(default_with = "InsightInterval::Month")] interval: InsightInterval,
    ) -> AppResult<GroupInsights> {
        self.access.ensure(GroupAction::ReadInsights)?;
        Ok(GroupInsights::new(
            self.access.group.id,
            Range::new(from.0, to.0, interval.into())?,
        ))
    }

    /// The viewer's membership in any status (a pending request shows here).
    async fn viewer_membership(&self) -> Option<Membership> {
        self.access.membership.clone().map(Membership)
    }

    /// Active members, optionally of one role, in the order they joined.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        role: Option<GroupRole>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Membership>> {
        reads::list_memberships(
            ctx,
            &self.access,
            membership::Status::Active,
            role,
            first,
            after,
        )
        .boxed()
        .await
    }

    /// Join requests waiting for a decision (or, with `status: REJECTED`, turned away). For
    /// owners and organisers.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn membership_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "MembershipRequestStatus::Pending")]
        status: MembershipRequestStatus,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Membership>> {
        self.access
            .ensure(super::policy::GroupAction::ReviewRequests)?;
        reads::list_memberships(ctx, &self.access, status.into(), None, first, after)
            .boxed()
            .await
    }

    /// Invitations not yet answered. For owners and organisers.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Invitation>> {
        self.access.ensure(super::policy::GroupAction::Invite)?;
        reads::list_group_invitations(ctx, &self.access, first, after)
            .boxed()
            .await
    }

    /// The group's meetups: upcoming (soonest first) or past (latest first). Drafts show to
    /// organisers and owners.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn meetups(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "crate::meetups::types::MeetupWhen::Upcoming")]
        when: crate::meetups::types::MeetupWhen,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<crate::meetups::types::Meetup>> {
        crate::meetups::reads::group_meetups(ctx, &self.access, when, first, after)
            .boxed()
            .await
    }

    /// Discussion threads: pinned first, then by latest activity; with a search, the threads it
    /// finds by title and opening post, most relevant first.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn threads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A topic slug.", validator(max_length = 100))] topic: Option<String>,
        #[graphql(
            desc = "Words to find, as `search` takes them, up to 100 characters.",
            validator(custom = "crate::text::limits::SEARCH")
        )]
        search: Option<String>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<crate::discussions::types::Thread>> {
        if let Some(search) = search.filter(|text| !text.trim().is_empty()) {
            self.access
                .ensure(super::policy::GroupAction::ReadContent)?;
            let scope = crate::search::reads::Scope {
                kinds: Some(vec![crate::search::index::THREAD]),
                group_id: Some(self.access.group.id),
                topic,
                ..Default::default()
            };
            let search = crate::search::query::Search::parse(&search);
            return crate::search::graphql::ranked_page(
                ctx,
                &search,
                &scope,
                first,
                after,
                |row| crate::discussions::reads::thread_by_id(ctx, row.id),
            )
            .boxed()
            .await;
        }
        crate::discussions::reads::group_threads(ctx, &self.access, topic.as_deref(), first, after)
            .boxed()
            .await
    }

    /// Open reports, newest first, with their reporters. For moderators and owners.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<crate::discussions::types::ModerationReport>> {
        crate::discussions::reads::moderation_queue(ctx, &self.access, first, after)
            .boxed()
            .await
    }

    /// The group's library, newest first: filter by kind, topic slug, or words in the title or
    /// description.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        kind: Option<crate::resources::types::ResourceKind>,
        #[graphql(validator(max_length = 100))] topic: Option<String>,
        #[graphql(
            desc = "Words to find (in the title, description, address or the file's text), as \
                    `search` takes them, up to 100 characters.",
            validator(custom = "crate::text::limits::SEARCH")
        )]
        search: Option<String>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<crate::resources::types::Resource>> {
        crate::resources::reads::group_resources(
            ctx,
            &self.access,
            kind.map(Into::into),
            topic.as_deref(),
            search.as_deref(),
            first,
            after,
        )
        .boxed()
        .await
    }

    /// Role changes, removals, approvals and other audited changes, newest first. For owners.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<AuditEntry>> {
        self.access
            .ensure(super::policy::GroupAction::ReadAuditLog)?;
        reads::list_audit_log(ctx, &self.access, first, after)
            .boxed()
            .await
    }

    /// Whether the group is archived (read-only).
    async fn archived(&self) -> bool {
        self.access.group.archived_at.is_some()
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.access.group.created_at).into()
    }
}

/// A member's place in a group.
pub struct Membership(pub membership::Model);

#[Object]
impl Membership {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Membership, self.0.id)
    }

    async fn member(&self, ctx: &Context<'_>) -> AppResult<Member> {
        Member::load_required(ctx, self.0.member_id).await
    }

    async fn role(&self) -> GroupRole {
        self.0.role.into()
    }

    async fn status(&self) -> MembershipStatus {
        self.0.status.into()
    }

    /// The version of the group's guidelines the member accepted (for the member alone).
    async fn accepted_guidelines_version(&self, ctx: &Context<'_>) -> Option<i32> {
        self.0
            .accepted_guidelines_version
            .filter(|_| ctx.viewer().member_id() == Some(self.0.member_id))
    }

    /// When the member joined or asked to.
    async fn created_at(&self) -> scalars::DateTime {
        (self.0.created_at).into()
    }

    /// How the member speaks in this group when a post names no persona (null: their own
    /// default). For the member alone, null for others.
    async fn default_speaking_as(&self, ctx: &Context<'_>) -> Option<SpeakingAs> {
        self.0
            .default_speaking_as
            .filter(|_| ctx.viewer().member_id() == Some(self.0.member_id))
            .map(Into::into)
    }

    /// The organisation of that default: for the member alone.
    async fn default_organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        let Some(speaking_as) = self
            .0
            .default_speaking_as
            .filter(|_| ctx.viewer().member_id() == Some(self.0.member_id))
        else {
            return Ok(None);
        };
        Organisation::of_post(ctx, speaking_as, self.0.default_organisation_id, false).await
    }
}

/// One published version of a group's guidelines.
pub struct GroupGuidelines(pub group_guidelines::Model);

#[Object]
impl GroupGuidelines {
    /// 1 for the first version, one more for each new one.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Markdown, as written.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The body rendered to safe HTML.
    async fn body_html(&self) -> &str {
        &self.0.body_html
    }

    async fn published_at(&self) -> scalars::DateTime {
        self.0.published_at.into()
    }

    /// Who published it; null when the account is gone.
    async fn published_by(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(ctx, self.0.published_by).await
    }
}

/// An invitation to join a group.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Invitation, self.0.id)
    }

    /// The address it was sent to.
    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn status(&self) -> InvitationStatus {
        self.0.status.into()
    }

    /// The group invited to (its name card is visible to the invitee).
    async fn group(&self, ctx: &Context<'_>) -> AppResult<Group> {
        reads::group_by_id(ctx, self.0.group_id).boxed().await
    }

    /// Who sent it.
    async fn invited_by(&self, ctx: &Context<'_>) -> AppResult<Member> {
        Member::load_required(ctx, self.0.invited_by).await
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.0.created_at).into()
    }
}

/// One audited change: who did what, to what, when.
pub struct AuditEntry(pub audit_log::Model);

#[Object]
impl AuditEntry {
    /// `noun.verb`, e.g. `membership.role_change`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who did it; null when the account is gone.
    async fn actor(&self, ctx: &Context<'_>) -> AppResult<Option<Member>> {
        Member::load(ctx, self.0.actor_id).await
    }

    /// The kind of thing changed (`Membership`, `Group`, …).
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }

    /// What changed, in words.
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.0.created_at).into()
    }
}
