//! Organisations, affiliations, roles and personas: the writes and their rules. A post's
//! persona is decided here ([`persona_for_post`]) in the post's own transaction, with the
//! author's affiliation and role read under a shared lock, so a role revoked at the same moment
//! either comes before the post (which is refused) or after it.

use chrono::Utc;
use entity::{
    affiliation, member, membership, organisation,
    organisation_role::{self, Role},
    persona::SpeakingAs,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, SqlErr, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    audit::{self, Entry},
    auth::viewer::{Identity, Viewer},
    db::begin_write,
    error::{AppError, AppResult},
    groups::{self, slug},
    ids,
    organisations::policy::{self, Credentials, Standing},
    state::AppState,
    text,
};

/// A new organisation.
pub struct NewOrganisation {
    pub name: String,
    pub slug: Option<String>,
    pub website_url: Option<String>,
    pub verified_domain: Option<String>,
}

/// Changes to an organisation; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Default)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub website_url: Option<Option<String>>,
    pub verified_domain: Option<Option<String>>,
}

/// A lowercase DNS name with at least one dot, or `None` for an empty value.
fn clean_domain(value: Option<&str>) -> AppResult<Option<String>> {
    let Some(domain) = text::limits::DOMAIN.clean_optional(value)? else {
        return Ok(None);
    };
    let domain = domain.trim_start_matches('@').to_lowercase();
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if !labels_ok || !domain.contains('.') {
        return Err(AppError::bad_input(
            "verifiedDomain",
            "Not a domain name (like bedrift.no)",
        ));
    }
    Ok(Some(domain))
}

fn taken(err: sea_orm::DbErr, what: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict(format!("That {what} is taken by another organisation"))
        }
        _ => err.into(),
    }
}

async fn audit_organisation(
    txn: &DatabaseTransaction,
    actor: &Identity,
    action: &str,
    subject_type: &str,
    subject_id: Uuid,
    details: Option<String>,
) -> AppResult<()> {
    audit::record(
        txn,
        Entry {
            actor_id: Some(actor.member_id),
            group_id: None,
            action,
            subject_type,
            subject_id,
            details,
        },
    )
    .await
}

/// Creates an organisation (site admins).
pub async fn create_organisation(
    state: &AppState,
    viewer: &Viewer,
    new: NewOrganisation,
) -> AppResult<organisation::Model> {
    let actor = viewer.require_verified()?;
    policy::ensure_can_manage_organisations(actor)?;
    let name = text::limits::ORGANISATION_NAME.clean(&new.name)?;
    let slug = match new.slug {
        Some(given) if slug::is_valid(&given) => given,
        Some(_) => {
            return Err(AppError::bad_input(
                "slug",
                "Lowercase letters, digits and single hyphens, up to 60 characters",
            ));
        }
        None => slug::slugify(&name),
    };
    if slug.is_empty() {
        return Err(AppError::bad_input("name", "Give a name with letters"));
    }
    let website_url = text::web_url(new.website_url.as_deref(), "websiteUrl")?;
    let verified_domain = clean_domain(new.verified_domain.as_deref())?;
    let txn = begin_write(&state.db).await?;
    let now = Utc::now();
    let row = organisation::ActiveModel {
        id: Set(ids::new_key()),
        name: Set(name),
        slug: Set(slug),
        website_url: Set(website_url),
        verified_domain: Set(verified_domain),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|err| taken(err, "slug or domain"))?;
    audit_organisation(
        &txn,
        actor,
        "organisation.create",
        "Organisation",
        row.id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes an organisation's name, site or verified domain (site admins).
pub async fn update_organisation(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    changes: OrganisationChanges,
) -> AppResult<organisation::Model> {
    let actor = viewer.require_verified()?;
    policy::ensure_can_manage_organisations(actor)?;
    let mut update = organisation::ActiveModel {
        id: Set(organisation_id),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        update.name = Set(text::limits::ORGANISATION_NAME.clean(name)?);
    }
    if let Some(url) = &changes.website_url {
        update.website_url = Set(text::web_url(url.as_deref(), "websiteUrl")?);
    }
    if let Some(domain) = &changes.verified_domain {
        update.verified_domain = Set(clean_domain(domain.as_deref())?);
    }
    let txn = begin_write(&state.db).await?;
    organisation::Entity::find_by_id(organisation_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Organisation"))?;
    let row = update
        .update(&txn)
        .await
        .map_err(|err| taken(err, "domain"))?;
    audit_organisation(
        &txn,
        actor,
        "organisation.update",
        "Organisation",
        row.id,
        changes
            .verified_domain
            .map(|domain| format!("verifiedDomain={}", domain.unwrap_or_default())),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The viewer's standing in an organisation, read in `db`.
pub async fn standing_in<C: ConnectionTrait>(
    db: &C,
    viewer: &Identity,
    organisation_id: Uuid,
) -> AppResult<Standing> {
    let role = organisation_role::Entity::find_by_id((organisation_id, viewer.member_id))
        .one(db)
        .await?
        .map(|row| row.role);
    Ok(Standing {
        is_site_admin: viewer.is_site_admin,
        role,
    })
}

async fn organisation_in<C: ConnectionTrait>(
    db: &C,
    organisation_id: Uuid,
) -> AppResult<organisation::Model> {
    organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Organisation"))
}

/// Adds the viewer's affiliation with an organisation. It is confirmed at once when the
/// viewer's verified address is at the organisation's verified domain.
pub async fn add_affiliation(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    role_title: Option<&str>,
    since: Option<chrono::DateTime<Utc>>,
) -> AppResult<affiliation::Model> {
    let actor = viewer.require()?;
    let role_title = text::limits::ROLE_TITLE.clean_optional(role_title)?;
    if since.is_some_and(|since| since > Utc::now()) {
        return Err(AppError::bad_input("since", "Give a date that has passed"));
    }
    let txn = begin_write(&state.db).await?;
    let organisation = organisation_in(&txn, organisation_id).await?;
    let now = Utc::now();
    let row = affiliation::ActiveModel {
        id: Set(ids::new_key()),
        member_id: Set(actor.member_id),
        organisation_id: Set(organisation_id),
        role_title: Set(role_title),
        since: Set(since),
        verified_at: Set(policy::address_proves(actor, &organisation).then_some(now)),
        ended_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!(
            "You are already affiliated with {}",
            organisation.name
        )),
        _ => err.into(),
    })?;
    txn.commit().await?;
    Ok(row)
}

/// The affiliation, locked for the rest of `txn`.
async fn lock_affiliation(
    txn: &DatabaseTransaction,
    affiliation_id: Uuid,
) -> AppResult<affiliation::Model> {
    affiliation::Entity::find_by_id(affiliation_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Affiliation"))
}

/// Confirms an affiliation: the member through an address at the verified domain, one of the
/// organisation's admins, or a site admin.
pub async fn confirm_affiliation(
    state: &AppState,
    viewer: &Viewer,
    affiliation_id: Uuid,
) -> AppResult<affiliation::Model> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let row = lock_affiliation(&txn, affiliation_id).await?;
    let organisation = organisation_in(&txn, row.organisation_id).await?;
    let standing = standing_in(&txn, actor, row.organisation_id).await?;
    policy::ensure_can_confirm(actor, standing, &row, &organisation)?;
    if row.ended_at.is_some() {
        return Err(AppError::Conflict("That affiliation has ended".into()));
    }
    if row.verified_at.is_some() {
        return Ok(row);
    }
    let row = affiliation::ActiveModel {
        id: Set(affiliation_id),
        verified_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Ends the member's affiliation with an organisation in `txn`: their roles in it end too, and
/// defaults that named it fall back to speaking privately. Posts keep their persona as written.
async fn end_in(
    txn: &DatabaseTransaction,
    member_id: Uuid,
    organisation_id: Uuid,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    affiliation::Entity::update_many()
        .col_expr(affiliation::Column::EndedAt, Expr::value(now))
        .filter(affiliation::Column::MemberId.eq(member_id))
        .filter(affiliation::Column::OrganisationId.eq(organisation_id))
        .filter(affiliation::Column::EndedAt.is_null())
        .exec(txn)
        .await?;
    organisation_role::Entity::delete_many()
        .filter(organisation_role::Column::MemberId.eq(member_id))
        .filter(organisation_role::Column::OrganisationId.eq(organisation_id))
        .exec(txn)
        .await?;
    member::Entity::update_many()
        .col_expr(
            member::Column::DefaultSpeakingAs,
            Expr::value(SpeakingAs::Private),
        )
        .col_expr(
            member::Column::DefaultOrganisationId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::Id.eq(member_id))
        .filter(member::Column::DefaultOrganisationId.eq(organisation_id))
        .exec(txn)
        .await?;
    membership::Entity::update_many()
        .col_expr(
            membership::Column::DefaultSpeakingAs,
            Expr::value(Option::<SpeakingAs>::None),
        )
        .col_expr(
            membership::Column::DefaultOrganisationId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(membership::Column::UpdatedAt, Expr::value(now))
        .filter(membership::Column::MemberId.eq(member_id))
        .filter(membership::Column::DefaultOrganisationId.eq(organisation_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Ends an affiliation (the member, or a site admin); ending one that has ended changes nothing.
pub async fn end_affiliation(
    state: &AppState,
    viewer: &Viewer,
    affiliation_id: Uuid,
) -> AppResult<affiliation::Model> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let row = lock_affiliation(&txn, affiliation_id).await?;
    policy::ensure_can_end(actor, &row)?;
    if row.ended_at.is_some() {
        return Ok(row);
    }
    end_in(&txn, row.member_id, row.organisation_id, Utc::now()).await?;
    let row = lock_affiliation(&txn, affiliation_id).await?;
    txn.commit().await?;
    Ok(row)
}

/// Ends every affiliation and role of a member leaving the site, in the deletion's transaction.
pub async fn end_all_of(txn: &DatabaseTransaction, member_id: Uuid) -> AppResult<()> {
    let current: Vec<Uuid> = affiliation::Entity::find()
        .select_only()
        .column(affiliation::Column::OrganisationId)
        .filter(affiliation::Column::MemberId.eq(member_id))
        .filter(affiliation::Column::EndedAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    let now = Utc::now();
    for organisation_id in current {
        end_in(txn, member_id, organisation_id, now).await?;
    }
    organisation_role::Entity::delete_many()
        .filter(organisation_role::Column::MemberId.eq(member_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Grants a member a role in an organisation, or takes it away (`None`): its admins and site
/// admins. The member must have a current affiliation with it; being granted a role confirms
/// that affiliation, since its admin vouches for it.
pub async fn set_role(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    member_id: Uuid,
    role: Option<Role>,
) -> AppResult<organisation::Model> {
    let actor = viewer.require_verified()?;
    let txn = begin_write(&state.db).await?;
    let organisation = organisation::Entity::find_by_id(organisation_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Organisation"))?;
    standing_in(&txn, actor, organisation_id)
        .await?
        .ensure_can_grant()?;
    let now = Utc::now();
    match role {
        None => {
            organisation_role::Entity::delete_by_id((organisation_id, member_id))
                .exec(&txn)
                .await?;
        }
        Some(role) => {
            let current = affiliation::Entity::find()
                .filter(affiliation::Column::MemberId.eq(member_id))
                .filter(affiliation::Column::OrganisationId.eq(organisation_id))
                .filter(affiliation::Column::EndedAt.is_null())
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input(
                        "memberId",
                        "That member has no current affiliation with the organisation",
                    )
                })?;
            if current.verified_at.is_none() {
                affiliation::ActiveModel {
                    id: Set(current.id),
                    verified_at: Set(Some(now)),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
            }
            organisation_role::Entity::delete_by_id((organisation_id, member_id))
                .exec(&txn)
                .await?;
            organisation_role::ActiveModel {
                organisation_id: Set(organisation_id),
                member_id: Set(member_id),
                role: Set(role),
                granted_by: Set(Some(actor.member_id)),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit_organisation(
        &txn,
        actor,
        "organisation.role",
        "Member",
        member_id,
        Some(format!(
            "organisation={} role={}",
            organisation.slug,
            role.map_or("NONE", |role| match role {
                Role::Admin => "ADMIN",
                Role::Representative => "REPRESENTATIVE",
            })
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(organisation)
}

/// A persona asked for on a post or as a default.
#[derive(Clone, Copy, Debug)]
pub struct Requested {
    pub speaking_as: SpeakingAs,
    pub organisation_id: Option<Uuid>,
}

/// A persona as a post stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persona {
    pub speaking_as: SpeakingAs,
    pub organisation_id: Option<Uuid>,
    pub role_title: Option<String>,
}

/// Checks that `author` may speak as `requested` now, reading their affiliation and role under
/// a shared lock in `txn`; the persona to store.
pub async fn check_persona(
    txn: &DatabaseTransaction,
    author: Uuid,
    requested: Requested,
) -> AppResult<Persona> {
    let Some(organisation_id) =
        policy::organisation_for(requested.speaking_as, requested.organisation_id)?
    else {
        return Ok(Persona::default());
    };
    organisation_in(txn, organisation_id).await?;
    let affiliation = affiliation::Entity::find()
        .filter(affiliation::Column::MemberId.eq(author))
        .filter(affiliation::Column::OrganisationId.eq(organisation_id))
        .filter(affiliation::Column::EndedAt.is_null())
        .lock_shared()
        .one(txn)
        .await?;
    let role = organisation_role::Entity::find_by_id((organisation_id, author))
        .lock_shared()
        .one(txn)
        .await?
        .map(|row| row.role);
    policy::ensure_can_speak(
        requested.speaking_as,
        Credentials {
            affiliation: affiliation.as_ref(),
            role,
        },
    )?;
    Ok(Persona {
        speaking_as: requested.speaking_as,
        organisation_id: Some(organisation_id),
        role_title: affiliation
            .and_then(|affiliation| affiliation.role_title)
            .filter(|_| requested.speaking_as == SpeakingAs::Affiliated),
    })
}

/// The persona of a new post in a group: the one asked for (refused if the author may not
/// speak so), else the author's default in the group, else their own default. A default that
/// no longer holds (the affiliation ended, the role was revoked) gives way to speaking
/// privately: a post never shows an employer its author can no longer speak for.
pub async fn persona_for_post(
    txn: &DatabaseTransaction,
    author: &Identity,
    membership: Option<&membership::Model>,
    requested: Option<Requested>,
) -> AppResult<Persona> {
    if let Some(requested) = requested {
        return check_persona(txn, author.member_id, requested).await;
    }
    let default = membership
        .and_then(|membership| {
            membership.default_speaking_as.map(|speaking_as| Requested {
                speaking_as,
                organisation_id: membership.default_organisation_id,
            })
        })
        .unwrap_or(Requested {
            speaking_as: author.member.default_speaking_as,
            organisation_id: author.member.default_organisation_id,
        });
    if default.speaking_as == SpeakingAs::Private {
        return Ok(Persona::default());
    }
    Ok(check_persona(txn, author.member_id, default)
        .await
        .unwrap_or_default())
}

/// Sets the viewer's default persona: in one group (`group_id`; `None` as the persona clears
/// it there), or for every group without its own.
pub async fn set_default_persona(
    state: &AppState,
    viewer: &Viewer,
    group_id: Option<Uuid>,
    requested: Option<Requested>,
) -> AppResult<()> {
    let actor = viewer.require()?;
    let txn = begin_write(&state.db).await?;
    let persona = match requested {
        Some(requested) => Some(check_persona(&txn, actor.member_id, requested).await?),
        None => None,
    };
    let now = Utc::now();
    match group_id {
        Some(group_id) => {
            let access = groups::commands::access_in(&txn, actor, group_id, false).await?;
            let active = access.role().is_some();
            let membership = access
                .membership
                .filter(|_| active)
                .ok_or(AppError::Forbidden(
                    "Join the group to choose how you speak there",
                ))?;
            membership::Entity::update_many()
                .col_expr(
                    membership::Column::DefaultSpeakingAs,
                    Expr::value(persona.as_ref().map(|persona| persona.speaking_as)),
                )
                .col_expr(
                    membership::Column::DefaultOrganisationId,
                    Expr::value(persona.and_then(|persona| persona.organisation_id)),
                )
                .col_expr(membership::Column::UpdatedAt, Expr::value(now))
                .filter(membership::Column::Id.eq(membership.id))
                .exec(&txn)
                .await?;
        }
        None => {
            let persona = persona.unwrap_or_default();
            member::Entity::update_many()
                .col_expr(
                    member::Column::DefaultSpeakingAs,
                    Expr::value(persona.speaking_as),
                )
                .col_expr(
                    member::Column::DefaultOrganisationId,
                    Expr::value(persona.organisation_id),
                )
                .col_expr(member::Column::UpdatedAt, Expr::value(now))
                .filter(member::Column::Id.eq(actor.member_id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}
