//! Every permission in a group is decided here, from the viewer's active role (or none).
//! `PUBLIC` groups' content is readable by anyone; `MEMBERS_ONLY` groups show outsiders only
//! their name, description and topics, and everything else answers `NOT_FOUND`. Site admins may
//! read every group but act in one only through a role, like anybody else.
//!
//! | action | OWNER | ORGANISER | MODERATOR | MEMBER | outsider |
//! | --- | --- | --- | --- | --- | --- |
//! | read content and members (members-only group) | yes | yes | yes | yes | no |
//! | update settings, archive, set roles, transfer ownership, read the audit log | yes | no | no | no | no |
//! | review join requests, invite, remove members below them | yes | yes | no | no | no |
//! | create, change, publish and cancel meetups; check in | yes | yes | no | no | no |
//! | edit and remove anyone's resources (members edit their own) | yes | yes | no | no | no |
//! | read insights (aggregates, small counts suppressed) | yes | yes | no | no | no |
//! | moderate discussions | yes | no | yes | no | no |
//! | leave | yes, unless the last owner | yes | yes | yes | — |

use entity::{
    interest_group::{self, JoinPolicy, Visibility},
    member,
    membership::{self, Role, Status},
};

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use crate::{
    db::row_exists,
    error::{AppError, AppResult},
};

/// Things one can do in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupAction {
    /// Read threads, meetups, resources and the member list.
    ReadContent,
    /// Change name, description, visibility, join policy and topics.
    UpdateSettings,
    Archive,
    /// Change roles, including handing over ownership.
    ManageRoles,
    /// Approve or reject join requests and list them.
    ReviewRequests,
    /// Invite by e-mail and list invitations.
    Invite,
    /// Remove a member (only one whose role is below the actor's, unless the actor is an owner).
    RemoveMembers,
    /// Lock, pin, hide and review reports in discussions.
    Moderate,
    /// Read the group's audit log.
    ReadAuditLog,
    /// Create, change, publish and cancel meetups; check in attendees.
    ManageMeetups,
    /// Edit and remove anyone's resources in the library.
    ManageResources,
    /// Read the group's insights (aggregates of its activity).
    ReadInsights,
}

/// Whether a role allows an action, before any rule about the target.
pub fn role_allows(role: Role, action: GroupAction) -> bool {
    use GroupAction::*;
    match action {
        ReadContent => true,
        UpdateSettings | Archive | ManageRoles | ReadAuditLog => role == Role::Owner,
        ReviewRequests | Invite | RemoveMembers | ManageMeetups | ManageResources
        | ReadInsights => {
            matches!(role, Role::Owner | Role::Organiser)
        }
        Moderate => matches!(role, Role::Owner | Role::Moderator),
    }
}

/// Rank for "acts only on those below": owner 3, organiser 2, moderator 1, member 0.
pub fn rank(role: Role) -> u8 {
    match role {
        Role::Owner => 3,
        Role::Organiser => 2,
        Role::Moderator => 1,
        Role::Member => 0,
    }
}

/// What joining a group does for the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joining<'a> {
    /// This active or pending membership stays as it is.
    Already(&'a membership::Model),
    /// This pending or rejected membership takes the status (an invitation makes it good).
    Change(&'a membership::Model, Status),
    /// A new membership with the status.
    New(Status),
}

/// The groups whose content `member` may read, as a condition on a column holding a group id:
/// the SQL form of [`GroupAccess::can_read_content`] (public groups, groups where the member's
/// membership is active, every group for a site admin), for lists that span groups.
pub fn readable_groups(group: impl ColumnTrait, member: Uuid, is_site_admin: bool) -> Condition {
    if is_site_admin {
        return Condition::all();
    }
    Condition::any()
        .add(
            group.in_subquery(
                Query::select()
                    .column(interest_group::Column::Id)
                    .from(interest_group::Entity)
                    .and_where(interest_group::Column::Visibility.eq(Visibility::Public))
                    .to_owned(),
            ),
        )
        .add(
            group.in_subquery(
                Query::select()
                    .column(membership::Column::GroupId)
                    .from(membership::Entity)
                    .and_where(membership::Column::MemberId.eq(member))
                    .and_where(membership::Column::Status.eq(Status::Active))
                    .to_owned(),
            ),
        )
}

/// The members who may read `group`'s content, as a condition on the `member` table: the SQL
/// form of [`GroupAccess::can_read_content`] for every member at once (the group is public, or
/// their membership is active, or they are a site admin), for writing notifications set-based.
pub fn readers_of(group: Uuid) -> Condition {
    Condition::any()
        .add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(interest_group::Entity)
                .and_where(interest_group::Column::Id.eq(group))
                .and_where(interest_group::Column::Visibility.eq(Visibility::Public))
                .to_owned(),
        ))
        .add(row_exists::<membership::Entity>(
            membership::Column::MemberId,
            (member::Entity, member::Column::Id),
            Condition::all()
                .add(membership::Column::GroupId.eq(group))
                .add(membership::Column::Status.eq(Status::Active)),
        ))
        .add(Expr::col((member::Entity, member::Column::IsSiteAdmin)).eq(true))
}

/// A viewer's standing in one group, from which every decision follows.
#[derive(Clone, Debug)]
pub struct GroupAccess {
    pub group: interest_group::Model,
    /// The viewer's membership in any status, if they have one.
    pub membership: Option<membership::Model>,
    pub is_site_admin: bool,
}

impl GroupAccess {
    /// The viewer's role while their membership is active.
    pub fn role(&self) -> Option<Role> {
        self.membership
            .as_ref()
            .filter(|m| m.status == Status::Active)
            .map(|m| m.role)
    }

    /// Whether the viewer may read the group's content (not just its name card).
    pub fn can_read_content(&self) -> bool {
        self.group.visibility == Visibility::Public || self.role().is_some() || self.is_site_admin
    }

    /// `Ok` when the viewer may do `action`; `NOT_FOUND` when they may not even read the group's
    /// content, `FORBIDDEN` when they may read but not act.
    /// Writing in the group (threads, comments, resources) after accepting its current
    /// guidelines, when it has any.
    pub fn ensure_guidelines_accepted(&self) -> AppResult<()> {
        let Some(version) = self.group.guidelines_version else {
            return Ok(());
        };
        let accepted = self
            .membership
            .as_ref()
            .and_then(|membership| membership.accepted_guidelines_version);
        if accepted.is_some_and(|accepted| accepted >= version) {
            Ok(())
        } else {
            Err(AppError::GuidelinesNotAccepted { version })
        }
    }

    pub fn ensure(&self, action: GroupAction) -> AppResult<()> {
        if !self.can_read_content() {
            return Err(AppError::NotFound("Group"));
        }
        if action == GroupAction::ReadContent {
            return Ok(());
        }
        match self.role() {
            Some(role) if role_allows(role, action) => Ok(()),
            _ => Err(AppError::Forbidden(
                "Your role in this group does not allow this",
            )),
        }
    }

    /// Like [`ensure`](Self::ensure) for a change to the group: archived groups are read-only.
    pub fn ensure_change(&self, action: GroupAction) -> AppResult<()> {
        self.ensure(action)?;
        if self.group.archived_at.is_some() {
            return Err(AppError::Conflict(
                "The group is archived and read-only".into(),
            ));
        }
        Ok(())
    }

    /// How the viewer joins, the one join decision for `joinGroup`, accepting an invitation and
    /// answering a meetup of a group one is not in: `Already` for an active or pending
    /// membership (joining again changes nothing), else the status the new membership gets.
    /// Open groups and invitations admit at once, approval groups ask, invite-only groups refuse
    /// (`NOT_FOUND` to those who may not read them), archived groups take nobody.
    pub fn joining(&self, invited: bool) -> AppResult<Joining<'_>> {
        if self.group.archived_at.is_some() {
            return Err(AppError::Conflict(
                "The group is archived and takes no new members".into(),
            ));
        }
        if let Some(existing) = &self.membership {
            return match existing.status {
                Status::Active => Ok(Joining::Already(existing)),
                Status::Pending | Status::Rejected if invited => {
                    Ok(Joining::Change(existing, Status::Active))
                }
                Status::Pending => Ok(Joining::Already(existing)),
                Status::Rejected => Err(AppError::Forbidden(
                    "Your request to join was declined; an organiser can still approve it",
                )),
            };
        }
        match (self.group.join_policy, invited) {
            (_, true) | (JoinPolicy::Open, false) => Ok(Joining::New(Status::Active)),
            (JoinPolicy::Approval, false) => Ok(Joining::New(Status::Pending)),
            (JoinPolicy::InviteOnly, false) => Err(if self.can_read_content() {
                AppError::Forbidden("This group is invite-only")
            } else {
                AppError::NotFound("Group")
            }),
        }
    }

    /// Whether an outsider becomes an active member at once, without asking anyone: what lets
    /// them answer a public group's meetup and join by doing so.
    pub fn joins_at_once(&self) -> bool {
        self.group.visibility == Visibility::Public
            && matches!(self.joining(false), Ok(Joining::New(Status::Active)))
    }

    /// Whether the viewer may remove (or turn away) a member holding `target`.
    pub fn may_act_on(&self, target: Role) -> bool {
        self.role()
            .is_some_and(|own| own == Role::Owner || rank(own) > rank(target))
    }
}

/// Standings for the policy tables of every area: a viewer with a role (or none) in a public
/// or members-only group.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    pub const VIEWER: Uuid = Uuid::from_u128(7);

    pub fn group(visibility: Visibility) -> interest_group::Model {
        interest_group::Model {
            id: Uuid::from_u128(1),
            slug: "g".into(),
            name: "G".into(),
            description: String::new(),
            visibility,
            join_policy: JoinPolicy::Open,
            created_by: Uuid::from_u128(2),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            archived_at: None,
            member_count: 0,
            guidelines_version: None,
        }
    }

    /// `role: None` is an outsider.
    pub fn access(role: Option<Role>, visibility: Visibility) -> GroupAccess {
        GroupAccess {
            group: group(visibility),
            membership: role.map(|role| membership::Model {
                id: Uuid::from_u128(3),
                group_id: Uuid::from_u128(1),
                member_id: VIEWER,
                role,
                status: Status::Active,
                created_at: Utc::now(),
                updated_at: Utc::now(),
                default_speaking_as: None,
                default_organisation_id: None,
                accepted_guidelines_version: None,
            }),
            is_site_admin: false,
        }
    }

    /// Every standing, named for the table's failure messages.
    pub fn standings() -> [(&'static str, Option<Role>); 5] {
        [
            ("owner", Some(Role::Owner)),
            ("organiser", Some(Role::Organiser)),
            ("moderator", Some(Role::Moderator)),
            ("member", Some(Role::Member)),
            ("outsider", None),
        ]
    }

    /// Asserts one table row: `expected[i]` for the i-th standing of [`standings`].
    pub fn assert_row(action: &str, expected: [bool; 5], decide: impl Fn(GroupAccess) -> bool) {
        for ((name, role), want) in standings().into_iter().zip(expected) {
            let got = decide(access(role, Visibility::Public));
            assert_eq!(got, want, "{action} for {name}: expected {want}, got {got}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fixtures::*, *};

    #[test]
    fn joining_follows_the_join_policy_and_existing_memberships() {
        let mut outsider = access(None, Visibility::Public);
        assert_eq!(
            outsider.joining(false).ok(),
            Some(Joining::New(Status::Active))
        );
        outsider.group.join_policy = JoinPolicy::Approval;
        assert_eq!(
            outsider.joining(false).ok(),
            Some(Joining::New(Status::Pending))
        );
        assert_eq!(
            outsider.joining(true).ok(),
            Some(Joining::New(Status::Active))
        );
        assert!(!outsider.joins_at_once());
        outsider.group.join_policy = JoinPolicy::InviteOnly;
        assert!(matches!(
            outsider.joining(false),
            Err(AppError::Forbidden(_))
        ));
        outsider.group.visibility = Visibility::MembersOnly;
        assert!(matches!(
            outsider.joining(false),
            Err(AppError::NotFound(_))
        ));
        let member = access(Some(Role::Member), Visibility::Public);
        assert!(matches!(member.joining(false), Ok(Joining::Already(_))));
        assert!(matches!(member.joining(true), Ok(Joining::Already(_))));
        let mut archived = access(None, Visibility::Public);
        archived.group.archived_at = Some(chrono::Utc::now());
        assert!(matches!(archived.joining(true), Err(AppError::Conflict(_))));
        assert!(access(None, Visibility::Public).joins_at_once());
        assert!(!access(None, Visibility::MembersOnly).joins_at_once());
    }

    #[test]
    fn only_owners_manage_settings_and_roles() {
        for action in [
            GroupAction::UpdateSettings,
            GroupAction::Archive,
            GroupAction::ManageRoles,
        ] {
            assert!(role_allows(Role::Owner, action));
            assert!(!role_allows(Role::Organiser, action));
            assert!(!role_allows(Role::Moderator, action));
            assert!(!role_allows(Role::Member, action));
        }
    }

    #[test]
    fn organisers_review_and_invite_but_do_not_moderate() {
        assert!(role_allows(Role::Organiser, GroupAction::ReviewRequests));
        assert!(role_allows(Role::Organiser, GroupAction::Invite));
        assert!(!role_allows(Role::Organiser, GroupAction::Moderate));
        assert!(role_allows(Role::Moderator, GroupAction::Moderate));
        assert!(!role_allows(Role::Member, GroupAction::Invite));
    }
}
