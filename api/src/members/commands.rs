//! Profile changes. Every field is validated with the shared text rules; a refused change
//! writes nothing.

use chrono::Utc;
use entity::member;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, sea_query::Expr,
};

use crate::{
    auth::viewer::Viewer,
    db::begin_write,
    error::{AppError, AppResult},
    events::Event,
    mail::{
        preferences::{self, MailKind},
        templates::Locale,
    },
    members::{
        handles,
        policy::{self, Field, FieldVisibility, ProfileVisibility},
    },
    notifications::mail::Frequency,
    search,
    state::AppState,
    text,
};

/// A profile edit: `None` leaves a field as it is; an empty string clears an optional field.
#[derive(Default)]
pub struct ProfileChanges<'a> {
    pub display_name: Option<&'a str>,
    pub headline: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub website_url: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    /// The language of the member's mail.
    pub locale: Option<Locale>,
    /// The name after `@`.
    pub handle: Option<&'a str>,
    /// New choices of who sees which field.
    pub visibility: Vec<(Field, FieldVisibility)>,
}

pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    changes: ProfileChanges<'_>,
) -> AppResult<member::Model> {
    let member_id = viewer.require()?.member_id;
    policy::ensure_can_edit_profile(viewer, member_id)?;
    let mut update = member::ActiveModel {
        id: Set(member_id),
        ..Default::default()
    };
    if let Some(name) = changes.display_name {
        update.display_name = Set(text::limits::DISPLAY_NAME.clean(name)?);
    }
    if let Some(headline) = changes.headline {
        update.headline = Set(text::limits::HEADLINE.clean_optional(Some(headline))?);
    }
    if let Some(organisation) = changes.organisation {
        update.organisation = Set(text::limits::ORGANISATION.clean_optional(Some(organisation))?);
    }
    if let Some(bio) = changes.bio {
        update.bio = Set(text::limits::BIO.clean_optional(Some(bio))?);
    }
    if let Some(url) = changes.website_url {
        update.website_url = Set(text::web_url(Some(url), "websiteUrl")?);
    }
    if let Some(url) = changes.avatar_url {
        update.avatar_url = Set(text::web_url(Some(url), "avatarUrl")?);
    }
    if let Some(locale) = changes.locale {
        update.locale = Set(locale.code().to_owned());
    }
    if let Some(handle) = changes.handle {
        update.handle = Set(handles::parse(handle)?);
    }
    let txn = begin_write(&state.db).await?;
    if !changes.visibility.is_empty() {
        let current = member::Entity::find_by_id(member_id)
            .one(&txn)
            .await?
            .ok_or(AppError::Unauthenticated("Sign in to do this"))?;
        let mut choices = ProfileVisibility::of(&current.profile_visibility);
        for (field, level) in changes.visibility {
            choices.set(field, level);
        }
        update.profile_visibility = Set(choices.stored());
    }
    let member = update.update(&txn).await.map_err(|err| {
        if matches!(
            err.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return AppError::bad_input("handle", "That handle is taken");
        }
        match err {
            sea_orm::DbErr::RecordNotUpdated => AppError::Unauthenticated("Sign in to do this"),
            other => other.into(),
        }
    })?;
    search::index::write(&txn, search::index::member(&member, false)).await?;
    txn.commit().await?;
    state.events.publish(Event::MemberUpdated { member_id });
    Ok(member)
}

/// Turns kinds of mail on or off for the viewer and sets how notifications are mailed, in one
/// transaction; returns the kinds now off and the notification mail's frequency.
pub async fn update_notification_settings(
    state: &AppState,
    viewer: &Viewer,
    changes: &[(MailKind, bool)],
    frequency: Option<Frequency>,
) -> AppResult<(Vec<MailKind>, Frequency)> {
    let member_id = viewer.require()?.member_id;
    let txn = begin_write(&state.db).await?;
    for (kind, wanted) in changes {
        preferences::set(&txn, member_id, *kind, *wanted).await?;
    }
    if let Some(frequency) = frequency {
        member::Entity::update_many()
            .col_expr(
                member::Column::NotificationEmail,
                Expr::value(frequency.code()),
            )
            .filter(member::Column::Id.eq(member_id))
            .exec(&txn)
            .await?;
    }
    let off = preferences::turned_off(&txn, member_id).await?;
    let now: Option<String> = member::Entity::find_by_id(member_id)
        .select_only()
        .column(member::Column::NotificationEmail)
        .into_tuple()
        .one(&txn)
        .await?;
    txn.commit().await?;
    let frequency = Frequency::of(&now.ok_or(AppError::Unauthenticated("Sign in to do this"))?);
    Ok((off, frequency))
}

/// Operator command: makes the member with this e-mail a site admin, or no longer one.
/// Returns whether such a member exists.
pub async fn set_site_admin(db: &DatabaseConnection, email: &str, admin: bool) -> AppResult<bool> {
    let result = member::Entity::update_many()
        .col_expr(member::Column::IsSiteAdmin, Expr::value(admin))
        .col_expr(member::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(member::Column::EmailKey.eq(text::email_key(email)))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
