//! Group rules: creating and changing groups, joining under each policy, reviewing requests,
//! invitations, roles and the last-owner rule. Every change that touches several rows runs in
//! one write transaction that first locks the group row (`FOR UPDATE` on PostgreSQL; SQLite's
//! write lock is taken at `BEGIN`), and reads the actor's own membership only after that lock, so
//! two owners demoting each other at the same moment cannot leave the group without an owner.

use chrono::Utc;
use entity::{
    group_topic, interest_group, invitation,
    membership::{self, Role, Status},
    membership_event::{self, Kind as EventKind},
    notification::Kind,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QuerySelect, SqlErr,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::{
        commands::throttle_write,
        throttle::Write,
        viewer::{Identity, Viewer},
    },
    db::begin_write,
    error::{AppError, AppResult},
    events::Event,
    groups::{
        guidelines,
        policy::{GroupAccess, GroupAction, Joining},
        slug,
    },
    ids,
    notifications::{
        self,
        commands::{About, Notice},
    },
    search,
    state::AppState,
    text, topics,
};

/// The actor's standing in a group, read inside `txn`. With `lock`, the group row stays locked
/// (`FOR UPDATE` on PostgreSQL) until the transaction ends, and the membership is read after the
/// lock, so decisions about roles see every change committed before them.
pub async fn access_in(
    txn: &DatabaseTransaction,
    actor: &Identity,
    group_id: Uuid,
    lock: bool,
) -> AppResult<GroupAccess> {
    let mut find = interest_group::Entity::find_by_id(group_id);
    if lock {
        find = find.lock_exclusive();
    }
    let group = find.one(txn).await?.ok_or(AppError::NotFound("Group"))?;
    let membership = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(group_id))
        .filter(membership::Column::MemberId.eq(actor.member_id))
        .one(txn)
        .await?;
    Ok(GroupAccess {
        group,
        membership,
        is_site_admin: actor.is_site_admin,
    })
}

async fn lock_access(
    txn: &DatabaseTransaction,
    actor: &Identity,
    group_id: Uuid,
) -> AppResult<GroupAccess> {
    access_in(txn, actor, group_id, true).await
}

async fn owner_count(txn: &DatabaseTransaction, group_id: Uuid) -> AppResult<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::GroupId.eq(group_id))
        .filter(membership::Column::Status.eq(Status::Active))
        .filter(membership::Column::Role.eq(Role::Owner))
        .count(txn)
        .await?)
}

/// Refuses a change that would take away the group's last active owner.
async fn keep_an_owner(txn: &DatabaseTransaction, target: &membership::Model) -> AppResult<()> {
    if target.status == Status::Active
        && target.role == Role::Owner
        && owner_count(txn, target.group_id).await? <= 1
    {
        return Err(AppError::Conflict(
            "A group must keep at least one owner: make another member an owner first".into(),
        ));
    }
    Ok(())
}

/// The membership with this id, in the same group lock as the change that follows.
async fn membership_in_txn(
    txn: &DatabaseTransaction,
    membership_id: Uuid,
) -> AppResult<membership::Model> {
    membership::Entity::find_by_id(membership_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Membership"))
}

/// The group a membership belongs to, read before the transaction so it can be locked first.
async fn group_of_membership(state: &AppState, membership_id: Uuid) -> AppResult<Uuid> {
    membership::Entity::find_by_id(membership_id)
        .select_only()
        .column(membership::Column::GroupId)
        .into_tuple::<Uuid>()
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Membership"))
}

/// A change to someone's membership, ready to make: the group row locked, the actor allowed
/// `action` under that lock, and the target membership read after it.
struct MembershipChange {
    txn: DatabaseTransaction,
    access: GroupAccess,
    target: membership::Model,
}

async fn begin_membership_change(
    state: &AppState,
    actor: &Identity,
    membership_id: Uuid,
    action: GroupAction,
) -> AppResult<MembershipChange> {
    let group_id = group_of_membership(state, membership_id).await?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    access.ensure_change(action)?;
    let target = membership_in_txn(&txn, membership_id).await?;
    Ok(MembershipChange {
        txn,
        access,
        target,
    })
}

/// What `createGroup` and `updateGroup` may set. `None` leaves a field as it is.
#[derive(Default)]
pub struct GroupFields<'a> {
    pub name: Option<&'a str>,
    pub slug: Option<&'a str>,
    pub description: Option<&'a str>,
    pub visibility: Option<interest_group::Visibility>,
    pub join_policy: Option<interest_group::JoinPolicy>,
    pub topics: Option<&'a [String]>,
}

/// A free slug: `wanted` if given (taken is `CONFLICT`), else derived from the name with a
/// numeric suffix when needed.
async fn choose_slug(
    txn: &DatabaseTransaction,
    wanted: Option<&str>,
    name: &str,
) -> AppResult<String> {
    let taken = |slug: String| async move {
        interest_group::Entity::find()
            .filter(interest_group::Column::Slug.eq(slug))
            .count(txn)
            .await
            .map(|n| n > 0)
    };
    if let Some(wanted) = wanted {
        let wanted = wanted.trim();
        if !slug::is_valid(wanted) {
            return Err(AppError::bad_input(
                "slug",
                format!(
                    "Use 1 to {} lowercase letters, digits and single hyphens",
                    slug::MAX_SLUG
                ),
            ));
        }
        if taken(wanted.to_owned()).await? {
            return Err(AppError::Conflict(format!("The slug {wanted:?} is taken")));
        }
        return Ok(wanted.to_owned());
    }
    let base = Some(slug::slugify(name))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "group".into());
    for n in 1..=50u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if !taken(candidate.clone()).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::Conflict(
        "Choose a slug: the name's slug is taken many times over".into(),
    ))
}

fn clean_name(name: &str) -> AppResult<String> {
    text::limits::GROUP_NAME.clean(name)
}

fn clean_description(description: &str) -> AppResult<String> {
    text::limits::GROUP_DESCRIPTION.clean(description)
}

fn unique_violation_is_conflict(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict("That slug was just taken; try again".into())
        }
        _ => err.into(),
    }
}

/// Creates a group; the creator becomes its owner.
pub async fn create_group(
    state: &AppState,
    viewer: &Viewer,
    fields: GroupFields<'_>,
) -> AppResult<interest_group::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Group).await?;
    let name = clean_name(fields.name.unwrap_or_default())?;
    let description = clean_description(fields.description.unwrap_or_default())?;
    let txn = begin_write(&state.db).await?;
    let slug = choose_slug(&txn, fields.slug, &name).await?;
    let topics = topics::resolve(&txn, fields.topics.unwrap_or_default()).await?;
    let now = Utc::now();
    let group = interest_group::ActiveModel {
        id: Set(ids::new_key()),
        slug: Set(slug),
        name: Set(name),
        description: Set(description),
        visibility: Set(fields
            .visibility
            .unwrap_or(interest_group::Visibility::Public)),
        join_policy: Set(fields
            .join_policy
            .unwrap_or(interest_group::JoinPolicy::Open)),
        created_by: Set(actor.member_id),
        created_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_violation_is_conflict)?;
    topics::replace::<group_topic::Entity>(&txn, group.id, topics).await?;
    let owner =
        new_membership(&txn, group.id, actor.member_id, Role::Owner, Status::Active).await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(group.id),
            action: "group.create",
            subject_type: "Group",
            subject_id: group.id,
            details: Some(format!("owner membership {}", owner.id)),
        },
    )
    .await?;
    search::index::write(&txn, search::index::group(&group)).await?;
    txn.commit().await?;
    Ok(group)
}

/// Adds a member with the member role: the one place that writes a new membership for joining,
/// whether by `joinGroup`, an invitation or answering a meetup (decided by
/// [`GroupAccess::joining`]). Runs in the caller's transaction, after its group lock.
pub async fn add_member(
    txn: &impl ConnectionTrait,
    group_id: Uuid,
    member_id: Uuid,
    status: Status,
) -> AppResult<membership::Model> {
    new_membership(txn, group_id, member_id, Role::Member, status).await
}

/// Carries out a join decision of [`GroupAccess::joining`] inside the caller's group lock.
async fn admit(
    txn: &DatabaseTransaction,
    group_id: Uuid,
    member_id: Uuid,
    joining: Joining<'_>,
) -> AppResult<membership::Model> {
    match joining {
        Joining::Already(existing) => Ok(existing.clone()),
        Joining::Change(existing, status) => {
            change_membership(txn, existing, None, Some(status)).await
        }
        Joining::New(status) => add_member(txn, group_id, member_id, status).await,
    }
}

async fn new_membership(
    txn: &impl ConnectionTrait,
    group_id: Uuid,
    member_id: Uuid,
    role: Role,
    status: Status,
) -> AppResult<membership::Model> {
    let now = Utc::now();
    let membership = membership::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(group_id),
        member_id: Set(member_id),
        role: Set(role),
        status: Set(status),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    match status {
        Status::Active => count_members(txn, group_id, member_id, 1).await?,
        Status::Pending => {
            record_event(txn, group_id, member_id, EventKind::Requested, None).await?;
        }
        Status::Rejected => {}
    }
    Ok(membership)
}

/// Notes what happened to a membership, for insights, in the change's transaction.
async fn record_event(
    txn: &impl ConnectionTrait,
    group_id: Uuid,
    member_id: Uuid,
    kind: EventKind,
    waited_seconds: Option<i64>,
) -> AppResult<()> {
    membership_event::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(group_id),
        member_id: Set(member_id),
        kind: Set(kind),
        at: Set(Utc::now()),
        waited_seconds: Set(waited_seconds),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves a group's stored count of active members by `delta`, in the caller's transaction. An
/// `UPDATE … SET member_count = member_count + delta` reads the row's latest version under its
/// row lock, so concurrent joins each count, whatever else they lock.
async fn count_members(
    txn: &impl ConnectionTrait,
    group_id: Uuid,
    member_id: Uuid,
    delta: i32,
) -> AppResult<()> {
    let kind = if delta > 0 {
        EventKind::Joined
    } else {
        EventKind::Left
    };
    record_event(txn, group_id, member_id, kind, None).await?;
    interest_group::Entity::update_many()
        .col_expr(
            interest_group::Column::MemberCount,
            Expr::col(interest_group::Column::MemberCount).add(delta),
        )
        .filter(interest_group::Column::Id.eq(group_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes a membership, keeping the group's member count.
async fn delete_membership(txn: &DatabaseTransaction, target: &membership::Model) -> AppResult<()> {
    membership::Entity::delete_by_id(target.id)
        .exec(txn)
        .await?;
    if target.status == Status::Active {
        count_members(txn, target.group_id, target.member_id, -1).await?;
    }
    Ok(())
}

/// Removes every membership of `member_id`, keeping each group's member count: part of deleting
/// an account, in its transaction.
pub async fn remove_memberships_of(txn: &DatabaseTransaction, member_id: Uuid) -> AppResult<()> {
    let active: Vec<Uuid> = membership::Entity::find()
        .select_only()
        .column(membership::Column::GroupId)
        .filter(membership::Column::MemberId.eq(member_id))
        .filter(membership::Column::Status.eq(Status::Active))
        .into_tuple()
        .all(txn)
        .await?;
    for group_id in active {
        record_event(txn, group_id, member_id, EventKind::Left, None).await?;
    }
    interest_group::Entity::update_many()
        .col_expr(
            interest_group::Column::MemberCount,
            Expr::col(interest_group::Column::MemberCount).sub(1),
        )
        .filter(
            interest_group::Column::Id.in_subquery(
                Query::select()
                    .column(membership::Column::GroupId)
                    .from(membership::Entity)
                    .and_where(membership::Column::MemberId.eq(member_id))
                    .and_where(membership::Column::Status.eq(Status::Active))
                    .to_owned(),
            ),
        )
        .exec(txn)
        .await?;
    membership::Entity::delete_many()
        .filter(membership::Column::MemberId.eq(member_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Changes a group's settings (owners).
pub async fn update_group(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    fields: GroupFields<'_>,
) -> AppResult<interest_group::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    access.ensure_change(GroupAction::UpdateSettings)?;
    let mut update = interest_group::ActiveModel {
        id: Set(group_id),
        ..Default::default()
    };
    let mut changed = Vec::new();
    if let Some(name) = fields.name {
        update.name = Set(clean_name(name)?);
        changed.push("name");
    }
    if let Some(description) = fields.description {
        update.description = Set(clean_description(description)?);
        changed.push("description");
    }
    if let Some(wanted) = fields.slug.filter(|s| *s != access.group.slug) {
        update.slug = Set(choose_slug(&txn, Some(wanted), &access.group.name).await?);
        changed.push("slug");
    }
    if let Some(visibility) = fields.visibility {
        update.visibility = Set(visibility);
        changed.push("visibility");
    }
    if let Some(join_policy) = fields.join_policy {
        update.join_policy = Set(join_policy);
        changed.push("joinPolicy");
    }
    if let Some(topics) = fields.topics {
        let topics = topics::resolve(&txn, topics).await?;
        topics::replace::<group_topic::Entity>(&txn, group_id, topics).await?;
        changed.push("topics");
    }
    let group = update
        .update(&txn)
        .await
        .map_err(unique_violation_is_conflict)?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(group_id),
            action: "group.update",
            subject_type: "Group",
            subject_id: group_id,
            details: Some(changed.join(", ")),
        },
    )
    .await?;
    search::index::write(&txn, search::index::group(&group)).await?;
    txn.commit().await?;
    Ok(group)
}

/// Archives a group (owners): it stays readable and takes no changes.
pub async fn archive_group(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
) -> AppResult<interest_group::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    access.ensure_change(GroupAction::Archive)?;
    let now = Utc::now();
    let group = interest_group::ActiveModel {
        id: Set(group_id),
        archived_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(group_id),
            action: "group.archive",
            subject_type: "Group",
            subject_id: group_id,
            details: None,
        },
    )
    .await?;
    search::index::write(&txn, search::index::group(&group)).await?;
    txn.commit().await?;
    Ok(group)
}

/// Joins a group under its policy: `OPEN` makes an active member, `APPROVAL` a pending request,
/// `INVITE_ONLY` needs a pending invitation (which joining then accepts).
pub async fn join_group(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    accepted_guidelines: Option<i32>,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    // An invitation counts only for someone who is not in the group in any status.
    let invitation = match access.membership {
        Some(_) => None,
        None => {
            invitation::Entity::find()
                .filter(invitation::Column::GroupId.eq(group_id))
                .filter(invitation::Column::InviteeId.eq(actor.member_id))
                .filter(invitation::Column::Status.eq(invitation::Status::Pending))
                .one(&txn)
                .await?
        }
    };
    let joining = access.joining(invitation.is_some())?;
    let arriving = !matches!(joining, Joining::Already(_));
    if arriving {
        guidelines::check_joining(&access.group, accepted_guidelines)?;
    }
    let mut membership = admit(&txn, group_id, actor.member_id, joining).await?;
    if let Some(version) = access.group.guidelines_version.filter(|_| arriving) {
        guidelines::record_acceptance(&txn, membership.id, version).await?;
        membership.accepted_guidelines_version = Some(version);
    }
    if let Some(invitation) = invitation {
        answer_invitation(&txn, invitation, invitation::Status::Accepted).await?;
    }
    let notified = if membership.status == Status::Pending {
        notify_group(
            &txn,
            Kind::JoinRequest,
            actor,
            &membership,
            Query::select()
                .column(membership::Column::MemberId)
                .from(membership::Entity)
                .and_where(membership::Column::GroupId.eq(group_id))
                .and_where(membership::Column::Status.eq(Status::Active))
                .and_where(membership::Column::Role.is_in([Role::Owner, Role::Organiser]))
                .to_owned(),
        )
        .await?
    } else {
        Vec::new()
    };
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(membership)
}

/// Tells members of a change to `membership` (a request, an approval, a new role).
async fn notify_group(
    txn: &DatabaseTransaction,
    kind: Kind,
    actor: &Identity,
    membership: &membership::Model,
    recipients: sea_orm::sea_query::SelectStatement,
) -> AppResult<Vec<Event>> {
    notifications::commands::notify(
        txn,
        Notice {
            kind,
            actor: Some(actor.member_id),
            about: About {
                group_id: membership.group_id,
                subject_id: Some(membership.id),
                ..About::default()
            },
        },
        recipients,
    )
    .await
}

/// Approves a pending (or earlier rejected) request: the member becomes active.
pub async fn approve_membership(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let MembershipChange { txn, target, .. } =
        begin_membership_change(state, actor, membership_id, GroupAction::ReviewRequests).await?;
    if target.status == Status::Active {
        return Ok(target);
    }
    let approved = change_membership(&txn, &target, None, Some(Status::Active)).await?;
    audit_membership(&txn, actor, &target, "membership.approve", None).await?;
    let notified = notify_group(
        &txn,
        Kind::MembershipApproved,
        actor,
        &approved,
        notifications::commands::these([approved.member_id]),
    )
    .await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(approved)
}

/// Rejects a request, or turns away an active member below the actor; reversible by approving.
pub async fn reject_membership(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let MembershipChange {
        txn,
        access,
        target,
    } = begin_membership_change(state, actor, membership_id, GroupAction::ReviewRequests).await?;
    if target.status == Status::Rejected {
        return Ok(target);
    }
    if target.status == Status::Active {
        if !access.may_act_on(target.role) || target.member_id == actor.member_id {
            return Err(AppError::Forbidden("You may not turn away this member"));
        }
        keep_an_owner(&txn, &target).await?;
    }
    let rejected = change_membership(&txn, &target, None, Some(Status::Rejected)).await?;
    audit_membership(&txn, actor, &target, "membership.reject", None).await?;
    txn.commit().await?;
    Ok(rejected)
}

async fn change_membership(
    txn: &DatabaseTransaction,
    target: &membership::Model,
    role: Option<Role>,
    status: Option<Status>,
) -> AppResult<membership::Model> {
    let mut update = membership::ActiveModel {
        id: Set(target.id),
        ..Default::default()
    };
    if let Some(role) = role {
        update.role = Set(role);
    }
    if let Some(status) = status {
        update.status = Set(status);
    }
    let updated = update.update(txn).await?;
    let was_active = target.status == Status::Active;
    let is_active = updated.status == Status::Active;
    if was_active != is_active {
        let delta = if is_active { 1 } else { -1 };
        count_members(txn, target.group_id, target.member_id, delta).await?;
    }
    let (was_pending, is_pending) = (
        target.status == Status::Pending,
        updated.status == Status::Pending,
    );
    if is_pending && !was_pending {
        record_event(
            txn,
            target.group_id,
            target.member_id,
            EventKind::Requested,
            None,
        )
        .await?;
    } else if was_pending && !is_pending {
        let waited = (Utc::now() - target.updated_at).num_seconds();
        let waited = std::cmp::Ord::max(waited, 0);
        record_event(
            txn,
            target.group_id,
            target.member_id,
            EventKind::Decided,
            Some(waited),
        )
        .await?;
    }
    Ok(updated)
}

async fn audit_membership(
    txn: &DatabaseTransaction,
    actor: &Identity,
    target: &membership::Model,
    action: &str,
    details: Option<String>,
) -> AppResult<()> {
    audit::record(
        txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(target.group_id),
            action,
            subject_type: "Membership",
            subject_id: target.id,
            details: Some(match details {
                Some(details) => format!("member {}; {details}", target.member_id),
                None => format!("member {}", target.member_id),
            }),
        },
    )
    .await
}

/// Sets an active member's role (owners). Demoting the last owner is refused.
pub async fn set_member_role(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
    role: Role,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let MembershipChange { txn, target, .. } =
        begin_membership_change(state, actor, membership_id, GroupAction::ManageRoles).await?;
    if target.status != Status::Active {
        return Err(AppError::bad_input(
            "membershipId",
            "Only active members have roles",
        ));
    }
    if target.role == role {
        return Ok(target);
    }
    if role != Role::Owner {
        keep_an_owner(&txn, &target).await?;
    }
    let changed = change_membership(&txn, &target, Some(role), None).await?;
    audit_membership(
        &txn,
        actor,
        &target,
        "membership.role_change",
        Some(format!("{:?} -> {:?}", target.role, role)),
    )
    .await?;
    let notified = notify_group(
        &txn,
        Kind::RoleChanged,
        actor,
        &changed,
        notifications::commands::these([changed.member_id]),
    )
    .await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(changed)
}

/// Removes a member: owners remove anyone but the last owner, organisers those below them.
pub async fn remove_member(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
) -> AppResult<()> {
    let actor = viewer.require_verified()?;
    let MembershipChange {
        txn,
        access,
        target,
    } = begin_membership_change(state, actor, membership_id, GroupAction::RemoveMembers).await?;
    if target.member_id == actor.member_id {
        return Err(AppError::bad_input(
            "membershipId",
            "Use leaveGroup to leave",
        ));
    }
    if !access.may_act_on(target.role) {
        return Err(AppError::Forbidden("You may not remove this member"));
    }
    keep_an_owner(&txn, &target).await?;
    delete_membership(&txn, &target).await?;
    audit_membership(
        &txn,
        actor,
        &target,
        "membership.remove",
        Some(format!("role {:?}", target.role)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Leaves a group (or withdraws a request). The last owner cannot leave.
pub async fn leave_group(state: &AppState, viewer: &Viewer, group_id: Uuid) -> AppResult<()> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    let Some(own) = access.membership.clone() else {
        return Err(if access.can_read_content() {
            AppError::bad_input("groupId", "You are not a member of this group")
        } else {
            AppError::NotFound("Group")
        });
    };
    keep_an_owner(&txn, &own).await?;
    delete_membership(&txn, &own).await?;
    audit_membership(&txn, actor, &own, "membership.leave", None).await?;
    txn.commit().await?;
    Ok(())
}

/// Makes another active member an owner and the acting owner an organiser.
pub async fn transfer_ownership(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let MembershipChange {
        txn,
        access,
        target,
    } = begin_membership_change(state, actor, membership_id, GroupAction::ManageRoles).await?;
    let own = access
        .membership
        .clone()
        .ok_or(AppError::Forbidden("Only an owner can hand over"))?;
    if target.status != Status::Active {
        return Err(AppError::bad_input(
            "membershipId",
            "Hand over only to an active member",
        ));
    }
    if target.id == own.id {
        return Err(AppError::bad_input(
            "membershipId",
            "You own the group already",
        ));
    }
    let new_owner = change_membership(&txn, &target, Some(Role::Owner), None).await?;
    change_membership(&txn, &own, Some(Role::Organiser), None).await?;
    audit_membership(
        &txn,
        actor,
        &target,
        "group.transfer_ownership",
        Some(format!("from member {}", own.member_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(new_owner)
}

/// Invites an e-mail address (owners and organisers). Inviting the same address again returns
/// the pending invitation.
pub async fn invite(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    email: &str,
) -> AppResult<invitation::Model> {
    let actor = viewer.require_verified()?;
    throttle_write(state, actor, Write::Invitation).await?;
    let (email, email_key) = text::email(email, "email")?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, group_id).await?;
    access.ensure_change(GroupAction::Invite)?;
    let invitee = entity::member::Entity::find()
        .filter(entity::member::Column::EmailKey.eq(&email_key))
        .one(&txn)
        .await?;
    if let Some(invitee) = &invitee {
        let active = membership::Entity::find()
            .filter(membership::Column::GroupId.eq(group_id))
            .filter(membership::Column::MemberId.eq(invitee.id))
            .filter(membership::Column::Status.eq(Status::Active))
            .count(&txn)
            .await?;
        if active > 0 {
            return Err(AppError::Conflict("That person is already a member".into()));
        }
    }
    let pending = invitation::Entity::find()
        .filter(invitation::Column::GroupId.eq(group_id))
        .filter(invitation::Column::EmailKey.eq(&email_key))
        .filter(invitation::Column::Status.eq(invitation::Status::Pending))
        .one(&txn)
        .await?;
    if let Some(pending) = pending {
        return Ok(pending);
    }
    let invitation = invitation::ActiveModel {
        id: Set(ids::new_key()),
        group_id: Set(group_id),
        email: Set(email),
        email_key: Set(email_key),
        // Only an account that proved the address may see and accept what was sent to it;
        // otherwise the invitation waits for the account that verifies it.
        invitee_id: Set(invitee
            .filter(|m| m.email_verified_at.is_some())
            .map(|m| m.id)),
        invited_by: Set(actor.member_id),
        status: Set(invitation::Status::Pending),
        created_at: Set(Utc::now()),
        responded_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: Some(group_id),
            action: "invitation.create",
            subject_type: "Invitation",
            subject_id: invitation.id,
            details: None,
        },
    )
    .await?;
    let notified = notifications::commands::notify_members(
        &txn,
        Notice {
            kind: Kind::Invitation,
            actor: Some(actor.member_id),
            about: About {
                group_id,
                subject_id: Some(invitation.id),
                ..About::default()
            },
        },
        invitation.invitee_id,
    )
    .await?;
    txn.commit().await?;
    state.events.publish_all(notified);
    Ok(invitation)
}

/// Attaches the invitations sent to an address to the member who just proved it is theirs. Runs
/// in the transaction that verifies the address (a verification link, a new address, a password
/// reset).
pub async fn claim_invitations(
    txn: &impl ConnectionTrait,
    member_id: Uuid,
    email_key: &str,
) -> AppResult<()> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::InviteeId, Expr::value(Some(member_id)))
        .filter(invitation::Column::EmailKey.eq(email_key))
        .filter(invitation::Column::InviteeId.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

async fn answer_invitation(
    txn: &DatabaseTransaction,
    invitation: invitation::Model,
    status: invitation::Status,
) -> AppResult<invitation::Model> {
    Ok(invitation::ActiveModel {
        id: Set(invitation.id),
        status: Set(status),
        responded_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(txn)
    .await?)
}

/// The viewer's own pending invitation; anyone else's is `NOT_FOUND`.
async fn own_invitation(
    state: &AppState,
    actor: &Identity,
    invitation_id: Uuid,
) -> AppResult<invitation::Model> {
    invitation::Entity::find_by_id(invitation_id)
        .filter(invitation::Column::InviteeId.eq(actor.member_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("Invitation"))
}

/// Accepts an invitation: the viewer becomes an active member.
pub async fn accept_invitation(
    state: &AppState,
    viewer: &Viewer,
    invitation_id: Uuid,
) -> AppResult<membership::Model> {
    let actor = viewer.require_verified()?;
    let invitation = own_invitation(state, actor, invitation_id).await?;
    let txn = begin_write(&state.db).await?;
    let access = lock_access(&txn, actor, invitation.group_id).await?;
    let invitation = invitation::Entity::find_by_id(invitation.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Invitation"))?;
    if invitation.status != invitation::Status::Pending {
        return Err(AppError::Conflict(
            "The invitation was already answered".into(),
        ));
    }
    let membership = admit(
        &txn,
        invitation.group_id,
        actor.member_id,
        access.joining(true)?,
    )
    .await?;
    answer_invitation(&txn, invitation, invitation::Status::Accepted).await?;
    txn.commit().await?;
    Ok(membership)
}

/// Declines an invitation.
pub async fn decline_invitation(
    state: &AppState,
    viewer: &Viewer,
    invitation_id: Uuid,
) -> AppResult<invitation::Model> {
    let actor = viewer.require()?;
    let invitation = own_invitation(state, actor, invitation_id).await?;
    if invitation.status != invitation::Status::Pending {
        return Err(AppError::Conflict(
            "The invitation was already answered".into(),
        ));
    }
    let txn = begin_write(&state.db).await?;
    let declined = answer_invitation(&txn, invitation, invitation::Status::Declined).await?;
    txn.commit().await?;
    Ok(declined)
}
