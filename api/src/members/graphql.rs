//! Member queries, the profile mutation, and the subscription that proves the live pipe.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    error::{AppError, AppResult},
    events::member_topic,
    graphql::context::ContextExt,
    ids,
    mail::preferences::MailKind,
    members::{
        commands::{self, ProfileChanges},
        handles,
        loader::Card,
        policy::{Field, FieldVisibility},
        types::{Locale, Member, NotificationEmail, NotificationSettings},
    },
};

#[derive(Default)]
pub struct MembersQuery;

#[Object]
impl MembersQuery {
    /// The signed-in member, or null when the request carries no token.
    async fn me(&self, ctx: &Context<'_>) -> Option<Member> {
        ctx.viewer()
            .identity()
            .map(|identity| Member::own(identity.member.as_ref().clone()))
    }

    /// A member's public profile.
    async fn member(&self, ctx: &Context<'_>, id: ID) -> AppResult<Member> {
        let member_id = ids::decode_as(&id, ids::Kind::Member, "Member")?;
        Member::load_required(ctx, member_id).await
    }

    /// A member's public profile by handle (with or without the `@`, in any case): where a
    /// mention's link leads.
    async fn member_by_handle(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 40))] handle: String,
    ) -> AppResult<Member> {
        let handle = handles::parse(&handle).map_err(|_| AppError::NotFound("Member"))?;
        let row = entity::member::Entity::find()
            .select_only()
            .columns(entity::member::PROFILE_COLUMNS)
            .filter(entity::member::Column::Handle.eq(handle))
            .into_partial_model::<entity::member::Profile>()
            .one(&ctx.state()?.db)
            .await?
            .ok_or(AppError::NotFound("Member"))?;
        Ok(Member::new(Card::Profile(Arc::new(row))))
    }
}

/// Changes to the viewer's own profile. Omitted fields stay as they are; an empty string clears
/// an optional field.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// 1 to 80 characters.
    #[graphql(validator(custom = "crate::text::limits::DISPLAY_NAME"))]
    pub display_name: Option<String>,
    /// Up to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::HEADLINE"))]
    pub headline: Option<String>,
    /// Up to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::ORGANISATION"))]
    pub organisation: Option<String>,
    /// Up to 4000 characters.
    #[graphql(validator(custom = "crate::text::limits::BIO"))]
    pub bio: Option<String>,
    /// An http or https URL, up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"websiteUrl\")"))]
    pub website_url: Option<String>,
    /// An http or https URL, up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"avatarUrl\")"))]
    pub avatar_url: Option<String>,
    /// The language of the member's mail.
    pub locale: Option<Locale>,
    /// The name after `@` that mentions the member: 3 to 30 letters a-z, digits or `_`
    /// (stored lowercase); unique.
    #[graphql(validator(max_length = 40))]
    pub handle: Option<String>,
    /// Who may see each profile field; a field left out keeps its setting.
    pub visibility: Option<ProfileVisibilityInput>,
}

/// Who may see each profile field: `EVERYONE`, `GROUP_MEMBERS` (members sharing an active group)
/// or `ONLY_ME`. A field left out keeps its setting.
#[derive(InputObject)]
pub struct ProfileVisibilityInput {
    pub headline: Option<FieldVisibility>,
    pub organisation: Option<FieldVisibility>,
    pub bio: Option<FieldVisibility>,
    pub website_url: Option<FieldVisibility>,
    pub avatar_url: Option<FieldVisibility>,
    pub email: Option<FieldVisibility>,
}

impl ProfileVisibilityInput {
    fn changes(&self) -> Vec<(Field, FieldVisibility)> {
        [
            (Field::Headline, self.headline),
            (Field::Organisation, self.organisation),
            (Field::Bio, self.bio),
            (Field::WebsiteUrl, self.website_url),
            (Field::AvatarUrl, self.avatar_url),
            (Field::Email, self.email),
        ]
        .into_iter()
        .filter_map(|(field, level)| Some((field, level?)))
        .collect()
    }
}

/// Kinds of mail to turn on (`true`) or off (`false`); a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateNotificationSettingsInput {
    pub rsvp_confirmations: Option<bool>,
    pub meetup_reminders: Option<bool>,
    pub waitlist_promotions: Option<bool>,
    pub meetup_changes: Option<bool>,
    pub notification_email: Option<NotificationEmail>,
}

#[derive(Default)]
pub struct MembersMutation;

#[Object]
impl MembersMutation {
    /// Edits the signed-in member's profile.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> AppResult<Member> {
        let changes = ProfileChanges {
            display_name: input.display_name.as_deref(),
            headline: input.headline.as_deref(),
            organisation: input.organisation.as_deref(),
            bio: input.bio.as_deref(),
            website_url: input.website_url.as_deref(),
            avatar_url: input.avatar_url.as_deref(),
            locale: input.locale.map(Into::into),
            handle: input.handle.as_deref(),
            visibility: input
                .visibility
                .as_ref()
                .map(ProfileVisibilityInput::changes)
                .unwrap_or_default(),
        };
        let member = commands::update_profile(ctx.state()?, ctx.viewer(), changes).await?;
        Ok(Member::own(member))
    }

    /// Turns kinds of the signed-in member's mail on or off. Mail about the account itself is
    /// always sent.
    async fn update_notification_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateNotificationSettingsInput,
    ) -> AppResult<NotificationSettings> {
        let changes: Vec<(MailKind, bool)> = [
            (MailKind::RsvpConfirmation, input.rsvp_confirmations),
            (MailKind::MeetupReminder, input.meetup_reminders),
            (MailKind::WaitlistPromotion, input.waitlist_promotions),
            (MailKind::MeetupChange, input.meetup_changes),
        ]
        .into_iter()
        .filter_map(|(kind, wanted)| wanted.map(|wanted| (kind, wanted)))
        .collect();
        let (off, frequency) = commands::update_notification_settings(
            ctx.state()?,
            ctx.viewer(),
            &changes,
            input.notification_email.map(Into::into),
        )
        .await?;
        Ok(NotificationSettings::new(&off, frequency.code()))
    }
}

#[derive(Default)]
pub struct MembersSubscription;

#[Subscription]
impl MembersSubscription {
    /// The signed-in member's profile, each time it changes (from any device).
    async fn viewer_updated(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = AppResult<Member>> + use<>> {
        let member_id = ctx.viewer().require()?.member_id;
        let state = ctx.state()?.clone();
        let events = state.events.subscribe(&member_topic(member_id));
        Ok(events.then(move |_| {
            let db = state.db.clone();
            async move {
                use sea_orm::EntityTrait;
                entity::member::Entity::find_by_id(member_id)
                    .one(&db)
                    .await?
                    .map(Member::own)
                    .ok_or(AppError::NotFound("Member"))
            }
        }))
    }
}
