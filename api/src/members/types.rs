//! The GraphQL face of a member, built from the row but never exposing it whole.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::member;
use futures_util::FutureExt as _;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::graphql::scalars;
use crate::mail::{
    preferences::{self, MailKind},
    templates,
};
use crate::{
    error::{AppError, AppResult},
    exports::{self, graphql::DataExport},
    graphql::context::ContextExt,
    graphql::pagination::Page,
    ids,
    members::{
        loader::Card,
        policy::{self, Field, FieldVisibility, ProfileVisibility, Relation},
    },
    notifications::{self, mail::Frequency},
    organisations::types::{Affiliation, Organisation, SpeakingAs},
};

/// Which mail a member gets. Mail about the account itself (verification, password, address)
/// is always sent. Every other mail carries a one-click link that turns its kind off.
#[derive(SimpleObject, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotificationSettings {
    /// "You are going" with the calendar invitation, or "you are on the waitlist".
    pub rsvp_confirmations: bool,
    /// A day and two hours before a meetup the member is going to.
    pub meetup_reminders: bool,
    /// "You got a seat" when the waitlist moves.
    pub waitlist_promotions: bool,
    /// A meetup the member is going to or waiting for was moved or cancelled.
    pub meetup_changes: bool,
    /// How notifications (replies, mentions, what the member watches) reach them by mail.
    pub notification_email: NotificationEmail,
}

impl NotificationSettings {
    pub fn new(off: &[MailKind], notification_email: &str) -> Self {
        let on = |kind| !off.contains(&kind);
        Self {
            rsvp_confirmations: on(MailKind::RsvpConfirmation),
            meetup_reminders: on(MailKind::MeetupReminder),
            waitlist_promotions: on(MailKind::WaitlistPromotion),
            meetup_changes: on(MailKind::MeetupChange),
            notification_email: Frequency::of(notification_email).into(),
        }
    }
}

/// How notifications reach a member by mail.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::notifications::mail::Frequency")]
pub enum NotificationEmail {
    /// Within a minute; at most one mail per thread (or meetup, or group) every ten minutes.
    Immediate,
    /// A digest of what is unread, once a day: the default.
    Daily,
    /// A digest of what is unread, once a week.
    Weekly,
    /// Never by mail; the inbox only.
    Never,
}

/// The language of a member's mail.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::mail::templates::Locale")]
pub enum Locale {
    /// Norwegian bokmål, the default.
    Nb,
    /// English.
    En,
}

/// A person in the community: their public profile, as they wrote it.
pub struct Member {
    read: Read,
    /// The profile of a member read by name alone, once a field has shown more of it.
    loaded: OnceCell<(Arc<member::Profile>, ProfileVisibility)>,
    /// The rest of the profile, when the member was read whole; otherwise the request's loader
    /// reads it for the first field that shows it ([`Member::details`]).
    details: Option<Arc<member::Details>>,
    /// Shown to the member themself, even before the request's viewer says so (the account a
    /// `register` or `login` just signed in).
    own: bool,
}

/// What the member was read with.
enum Read {
    /// The name alone: the request's loader reads the profile for the first field that shows
    /// more ([`Member::profile`]).
    Name(Arc<member::Name>),
    /// The profile, with who may see which of its fields (read once from the row).
    Profile(Arc<member::Profile>, ProfileVisibility),
}

impl Member {
    /// A member as anyone sees them; the viewer's rights decide the private fields.
    pub fn new(card: Card) -> Self {
        let read = match card {
            Card::Name(name) => Read::Name(name),
            Card::Profile(profile) => {
                let visibility = ProfileVisibility::of(&profile.profile_visibility);
                Read::Profile(profile, visibility)
            }
        };
        Self {
            read,
            loaded: OnceCell::new(),
            details: None,
            own: false,
        }
    }

    /// The member who is acting in this request, seen by themself.
    pub fn own(row: member::Model) -> Self {
        let profile = Arc::new(member::Profile::from(&row));
        Self {
            own: true,
            details: Some(Arc::new(row.into())),
            ..Self::new(Card::Profile(profile))
        }
    }

    fn member_id(&self) -> Uuid {
        match &self.read {
            Read::Name(name) => name.id,
            Read::Profile(profile, _) => profile.id,
        }
    }

    /// The member's profile and who may see which of its fields: as the member was read, or one
    /// batched read for the request's members read by name alone that a field shows more of.
    async fn profile(&self, ctx: &Context<'_>) -> AppResult<(&member::Profile, ProfileVisibility)> {
        let (profile, visibility) = match &self.read {
            Read::Profile(profile, visibility) => (profile, visibility),
            Read::Name(name) => {
                let (profile, visibility) = self
                    .loaded
                    .get_or_try_init(|| async {
                        let profile = ctx
                            .loaders()?
                            .member_profiles()
                            .load_one(name.id)
                            .await?
                            .ok_or(AppError::NotFound("Member"))?;
                        let visibility = ProfileVisibility::of(&profile.profile_visibility);
                        Ok::<_, AppError>((profile, visibility))
                    })
                    .await?;
                (profile, visibility)
            }
        };
        Ok((profile, *visibility))
    }

    /// The rest of the member's profile: the row it was read with, or one batched read for the
    /// request's members that a field asks about.
    async fn details(&self, ctx: &Context<'_>) -> AppResult<Arc<member::Details>> {
        if let Some(details) = &self.details {
            return Ok(details.clone());
        }
        ctx.loaders()?
            .member_details()
            .load_one(self.member_id())
            .await?
            .ok_or(AppError::NotFound("Member"))
    }

    /// A member through the request's loader: `None` for no id, or an id that names nobody
    /// (an author whose account is gone).
    pub async fn load(ctx: &Context<'_>, id: Option<Uuid>) -> AppResult<Option<Self>> {
        let Some(id) = id else {
            return Ok(None);
        };
        Ok(ctx.loaders()?.members().load_one(id).await?.map(Self::new))
    }

    /// Whether the request's viewer may see `field` of this member, whose fields `visibility`
    /// shows: every profile field goes through [`policy::shows`] here.
    async fn may_see(
        &self,
        ctx: &Context<'_>,
        visibility: ProfileVisibility,
        field: Field,
    ) -> AppResult<bool> {
        let level = visibility.level(field);
        if level == FieldVisibility::Everyone {
            return Ok(true);
        }
        let relation = match ctx.viewer().member_id() {
            _ if self.own => Relation::Own,
            Some(viewer) if viewer == self.member_id() => Relation::Own,
            Some(_) => {
                let shares = ctx
                    .loaders()?
                    .shared_groups()
                    .load_one(self.member_id())
                    .await?;
                if shares.unwrap_or(false) {
                    Relation::GroupMember
                } else {
                    Relation::Other
                }
            }
            None => Relation::Other,
        };
        Ok(policy::shows(level, relation))
    }

    /// Whether the request's viewer may see `field` of this member.
    async fn shows(&self, ctx: &Context<'_>, field: Field) -> AppResult<bool> {
        let (_, visibility) = self.profile(ctx).await?;
        self.may_see(ctx, visibility, field).await
    }

    /// `field` of the member's profile (`value` of it), if it is filled in and the request's
    /// viewer may see it.
    async fn profile_field(
        &self,
        ctx: &Context<'_>,
        field: Field,
        value: fn(&member::Profile) -> Option<&str>,
    ) -> AppResult<Option<&str>> {
        let (profile, visibility) = self.profile(ctx).await?;
        let Some(value) = value(profile) else {
            return Ok(None);
        };
        Ok(self.may_see(ctx, visibility, field).await?.then_some(value))
    }

    /// Whether the viewer may see the member's account (address, its confirmation, the language
    /// of its mail): the member themself and site admins.
    fn shows_account(&self, ctx: &Context<'_>) -> bool {
        self.own || policy::can_see_email(ctx.viewer(), self.member_id())
    }

    fn is_viewer(&self, ctx: &Context<'_>) -> bool {
        self.own || ctx.viewer().member_id() == Some(self.member_id())
    }

    /// The member's affiliations the viewer may see: none unless the member shows their
    /// `organisation` to the viewer; ended ones only to the member themself, when asked.
    pub async fn visible_affiliations(
        &self,
        ctx: &Context<'_>,
        include_ended: bool,
    ) -> AppResult<Vec<Affiliation>> {
        if !self.shows(ctx, Field::Organisation).await? {
            return Ok(Vec::new());
        }
        let include_ended = include_ended && self.is_viewer(ctx);
        let rows = ctx
            .loaders()?
            .affiliations()
            .load_one(self.member_id())
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|(row, _)| include_ended || row.ended_at.is_none())
            .map(|(row, role)| Affiliation { row, role })
            .collect())
    }

    /// Like [`load`](Self::load) for a member who must exist; otherwise `NOT_FOUND`.
    pub async fn load_required(ctx: &Context<'_>, id: Uuid) -> AppResult<Self> {
        Self::load(ctx, Some(id))
            .await?
            .ok_or(AppError::NotFound("Member"))
    }
}

#[Object]
impl Member {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Member, self.member_id())
    }

    /// The name shown beside everything the member writes.
    async fn display_name(&self) -> &str {
        match &self.read {
            Read::Name(name) => &name.display_name,
            Read::Profile(profile, _) => &profile.display_name,
        }
    }

    /// The name after `@` that mentions them (lowercase; unique).
    async fn handle(&self, ctx: &Context<'_>) -> AppResult<&str> {
        Ok(&self.profile(ctx).await?.0.handle)
    }

    /// One line about the member ("Data protection officer, speaks for herself"); null where
    /// the member keeps it from the viewer (`profileVisibility`).
    async fn headline(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        self.profile_field(ctx, Field::Headline, |profile| profile.headline.as_deref())
            .await
    }

    /// Where the member works, if they choose to say (and to whom).
    async fn organisation(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        self.profile_field(ctx, Field::Organisation, |profile| {
            profile.organisation.as_deref()
        })
        .await
    }

    /// A longer introduction, as written (plain text), to whom the member shows it.
    async fn bio(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        if !self.shows(ctx, Field::Bio).await? {
            return Ok(None);
        }
        Ok(self.details(ctx).await?.bio.clone())
    }

    /// The member's own web page, to whom the member shows it.
    async fn website_url(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        if !self.shows(ctx, Field::WebsiteUrl).await? {
            return Ok(None);
        }
        Ok(self.details(ctx).await?.website_url.clone())
    }

    /// A picture of the member, to whom the member shows it.
    async fn avatar_url(&self, ctx: &Context<'_>) -> AppResult<Option<&str>> {
        self.profile_field(ctx, Field::AvatarUrl, |profile| {
            profile.avatar_url.as_deref()
        })
        .await
    }

    /// The e-mail address: the member's own unless they show it to fellow group members or
    /// everyone (`profileVisibility.email`); site admins always see it.
    async fn email(&self, ctx: &Context<'_>) -> AppResult<Option<String>> {
        if !(self.shows_account(ctx) || self.shows(ctx, Field::Email).await?) {
            return Ok(None);
        }
        Ok(Some(self.details(ctx).await?.email.clone()))
    }

    /// The organisations the member works for (and their title and role there), to whom the
    /// member shows their `organisation`. `includeEnded` adds past ones, for the member alone.
    async fn affiliations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_ended: bool,
    ) -> AppResult<Vec<Affiliation>> {
        self.visible_affiliations(ctx, include_ended).await
    }

    /// How the member speaks when a post names no persona and the group has no default of
    /// theirs: for the member alone, null for others.
    async fn default_speaking_as(&self, ctx: &Context<'_>) -> AppResult<Option<SpeakingAs>> {
        if !self.is_viewer(ctx) {
            return Ok(None);
        }
        Ok(Some(self.details(ctx).await?.default_speaking_as.into()))
    }

    /// The organisation of that default: for the member alone.
    async fn default_organisation(&self, ctx: &Context<'_>) -> AppResult<Option<Organisation>> {
        if !self.is_viewer(ctx) {
            return Ok(None);
        }
        let details = self.details(ctx).await?;
        Organisation::of_post(
            ctx,
            details.default_speaking_as,
            details.default_organisation_id,
            false,
        )
        .await
    }

    /// Who may see each profile field: for the member alone, null for others.
    async fn profile_visibility(&self, ctx: &Context<'_>) -> AppResult<Option<ProfileVisibility>> {
        if !self.is_viewer(ctx) {
            return Ok(None);
        }
        Ok(Some(self.profile(ctx).await?.1))
    }

    /// Whether the member has confirmed the e-mail address through the mailed link: visible only
    /// to the member and to site admins, null for others.
    async fn email_verified(&self, ctx: &Context<'_>) -> AppResult<Option<bool>> {
        if !self.shows_account(ctx) {
            return Ok(None);
        }
        Ok(Some(self.details(ctx).await?.email_verified_at.is_some()))
    }

    /// The language of the member's mail: visible only to the member and to site admins, null
    /// for others.
    async fn locale(&self, ctx: &Context<'_>) -> AppResult<Option<Locale>> {
        if !self.shows_account(ctx) {
            return Ok(None);
        }
        Ok(Some(
            templates::Locale::of(&self.details(ctx).await?.locale).into(),
        ))
    }

    /// Which mail the member gets: visible only to the member, null for others.
    async fn notification_settings(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<Option<NotificationSettings>> {
        if !(self.own || policy::can_see_mail_settings(ctx.viewer(), self.member_id())) {
            return Ok(None);
        }
        let off = preferences::turned_off(&ctx.state()?.db, self.member_id())
            .boxed()
            .await?;
        Ok(Some(NotificationSettings::new(
            &off,
            &self.details(ctx).await?.notification_email,
        )))
    }

    /// How many of the member's notifications are unread: visible only to the member, null
    /// for others.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> AppResult<Option<u64>> {
        match ctx.viewer().identity() {
            Some(identity) if identity.member_id == self.member_id() => Ok(Some(
                notifications::reads::unread_count(&ctx.state()?.db, identity).await?,
            )),
            _ => Ok(None),
        }
    }

    /// The member's exports of their data, newest first: for the member alone, null for
    /// others.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn data_exports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Option<Page<DataExport>>> {
        if !self.is_viewer(ctx) {
            return Ok(None);
        }
        exports::graphql::of_member(ctx, self.member_id(), first, after)
            .boxed()
            .await
            .map(Some)
    }

    /// Whether this member administers the whole site.
    async fn is_site_admin(&self, ctx: &Context<'_>) -> AppResult<bool> {
        Ok(self.details(ctx).await?.is_site_admin)
    }

    /// When the account was created.
    async fn created_at(&self, ctx: &Context<'_>) -> AppResult<scalars::DateTime> {
        Ok(self.details(ctx).await?.created_at.into())
    }
}
