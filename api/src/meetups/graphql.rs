//! Meetup queries, mutations and the live `meetupUpdated` subscription.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Subscription};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use crate::graphql::scalars;
use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
    events::meetup_topic,
    graphql::{
        context::ContextExt,
        loaders::{Caching, Loaders},
        pagination::{self, Page},
    },
    ids,
    meetups::{
        commands::{self, MeetupFields},
        reads,
        types::{AgendaItem, Meetup, MeetupFormat, MeetupKind, Rsvp, RsvpResponse, Venue},
    },
    state::AppState,
};

#[derive(Default)]
pub struct MeetupsQuery;

#[Object]
impl MeetupsQuery {
    /// A meetup by id. `NOT_FOUND` when the viewer may not see it (a members-only group's
    /// meetup to outsiders; a draft to anyone but organisers and hosts).
    async fn meetup(&self, ctx: &Context<'_>, id: ID) -> AppResult<Meetup> {
        reads::meetup_by_id(ctx, meetup_id(&id)?).await
    }

    /// Meetups not yet over in the viewer's groups, soonest first.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn upcoming_meetups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Meetup>> {
        reads::upcoming_meetups(ctx, first, after).await
    }

    /// The viewer's answers (going or waitlisted) to meetups not yet over.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn my_rsvps(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Rsvp>> {
        reads::my_rsvps(ctx, first, after).await
    }
}

fn meetup_id(id: &ID) -> AppResult<Uuid> {
    ids::decode_as(id, ids::Kind::Meetup, "Meetup")
}

/// A new meetup.
#[derive(InputObject)]
pub struct CreateMeetupInput {
    pub group_id: ID,
    /// 3 to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::MEETUP_TITLE"))]
    pub title: String,
    /// Up to 10000 characters.
    #[graphql(validator(custom = "crate::text::limits::MEETUP_DESCRIPTION"))]
    pub description: Option<String>,
    /// Default `INFORMAL`.
    pub kind: Option<MeetupKind>,
    /// Default `IN_PERSON`.
    pub format: Option<MeetupFormat>,
    /// Required in person and hybrid.
    pub venue: Option<Venue>,
    /// Required online and hybrid; an http or https URL of up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"onlineUrl\")"))]
    pub online_url: Option<String>,
    pub starts_at: scalars::DateTime,
    pub ends_at: scalars::DateTime,
    /// IANA timezone, up to 64 characters; default `Europe/Oslo`.
    #[graphql(validator(custom = "crate::text::limits::TIMEZONE"))]
    pub timezone: Option<String>,
    /// Seats; leave out for unlimited.
    pub capacity: Option<i32>,
    pub rsvp_deadline: Option<scalars::DateTime>,
    #[graphql(validator(max_items = 50))]
    pub agenda: Option<Vec<AgendaItem>>,
    /// Member ids of the hosts (members of the group); default the creator.
    #[graphql(validator(max_items = 10))]
    pub hosts: Option<Vec<ID>>,
    /// Topic slugs.
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
    /// Publish at once instead of saving a draft. Default false.
    #[graphql(default)]
    pub publish: bool,
}

/// Changes to a meetup; omitted fields stay as they are, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateMeetupInput {
    pub meetup_id: ID,
    /// 3 to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::MEETUP_TITLE"))]
    pub title: Option<String>,
    /// Up to 10000 characters.
    #[graphql(validator(custom = "crate::text::limits::MEETUP_DESCRIPTION"))]
    pub description: Option<String>,
    pub kind: Option<MeetupKind>,
    pub format: Option<MeetupFormat>,
    pub venue: MaybeUndefined<Venue>,
    /// Required online and hybrid; an http or https URL of up to 2048 characters.
    #[graphql(validator(custom = "crate::text::limits::URL.named(\"onlineUrl\")"))]
    pub online_url: MaybeUndefined<String>,
    pub starts_at: Option<scalars::DateTime>,
    pub ends_at: Option<scalars::DateTime>,
    /// IANA timezone, up to 64 characters.
    #[graphql(validator(custom = "crate::text::limits::TIMEZONE"))]
    pub timezone: Option<String>,
    /// `null` makes seats unlimited; more seats promote from the waitlist at once.
    pub capacity: MaybeUndefined<i32>,
    pub rsvp_deadline: MaybeUndefined<scalars::DateTime>,
    #[graphql(validator(max_items = 50))]
    pub agenda: Option<Vec<AgendaItem>>,
    #[graphql(validator(max_items = 10))]
    pub hosts: Option<Vec<ID>>,
    #[graphql(validator(max_items = 10, list, max_length = 100))]
    pub topics: Option<Vec<String>>,
}

/// A cancellation.
#[derive(InputObject)]
pub struct CancelMeetupInput {
    pub meetup_id: ID,
    /// Shown to those who planned to come; up to 1000 characters.
    #[graphql(validator(custom = "crate::text::limits::REASON"))]
    pub reason: Option<String>,
}

/// An answer to a meetup.
#[derive(InputObject)]
pub struct RsvpInput {
    pub meetup_id: ID,
    pub response: RsvpResponse,
}

/// A check-in at the door.
#[derive(InputObject)]
pub struct CheckInInput {
    pub meetup_id: ID,
    pub member_id: ID,
}

fn member_ids(ids: Option<Vec<ID>>) -> AppResult<Option<Vec<Uuid>>> {
    ids.map(|ids| {
        ids.iter()
            .map(|id| {
                ids::decode_as(id, ids::Kind::Member, "Member")
                    .map_err(|_| AppError::bad_input("hosts", "Not a member id"))
            })
            .collect()
    })
    .transpose()
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

#[derive(Default)]
pub struct MeetupsMutation;

#[Object]
impl MeetupsMutation {
    /// Plans a meetup (organisers and owners): a draft, or published with `publish: true`.
    async fn create_meetup(
        &self,
        ctx: &Context<'_>,
        input: CreateMeetupInput,
    ) -> AppResult<Meetup> {
        let group_id = ids::decode_as(&input.group_id, ids::Kind::Group, "Group")?;
        let fields = MeetupFields {
            title: Some(input.title),
            description: input.description,
            kind: input.kind.map(Into::into),
            format: input.format.map(Into::into),
            venue: input.venue.map(|venue| Some(venue.into())),
            online_url: input.online_url.map(Some),
            starts_at: Some(input.starts_at.0),
            ends_at: Some(input.ends_at.0),
            timezone: input.timezone,
            capacity: input.capacity.map(Some),
            rsvp_deadline: input.rsvp_deadline.map(|deadline| Some(deadline.0)),
            agenda: input
                .agenda
                .map(|items| items.into_iter().map(Into::into).collect()),
            hosts: member_ids(input.hosts)?,
            topics: input.topics,
        };
        let meetup =
            commands::create_meetup(ctx.state()?, ctx.viewer(), group_id, fields, input.publish)
                .await?;
        reads::meetup_by_id(ctx, meetup.id).await
    }

    /// Changes a meetup (organisers and owners).
    async fn update_meetup(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeetupInput,
    ) -> AppResult<Meetup> {
        let id = meetup_id(&input.meetup_id)?;
        let fields = MeetupFields {
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            format: input.format.map(Into::into),
            venue: maybe(input.venue).map(|venue| venue.map(Into::into)),
            online_url: maybe(input.online_url),
            starts_at: input.starts_at.map(|time| time.0),
            ends_at: input.ends_at.map(|time| time.0),
            timezone: input.timezone,
            capacity: maybe(input.capacity),
            rsvp_deadline: maybe(input.rsvp_deadline).map(|deadline| deadline.map(|time| time.0)),
            agenda: input
                .agenda
                .map(|items| items.into_iter().map(Into::into).collect()),
            hosts: member_ids(input.hosts)?,
            topics: input.topics,
        };
        commands::update_meetup(ctx.state()?, ctx.viewer(), id, fields).await?;
        reads::meetup_by_id(ctx, id).await
    }

    /// Publishes a draft (organisers and owners).
    async fn publish_meetup(&self, ctx: &Context<'_>, meetup_id: ID) -> AppResult<Meetup> {
        let id = self::meetup_id(&meetup_id)?;
        commands::publish_meetup(ctx.state()?, ctx.viewer(), id).await?;
        reads::meetup_by_id(ctx, id).await
    }

    /// Cancels a meetup (organisers and owners).
    async fn cancel_meetup(
        &self,
        ctx: &Context<'_>,
        input: CancelMeetupInput,
    ) -> AppResult<Meetup> {
        let id = meetup_id(&input.meetup_id)?;
        commands::cancel_meetup(ctx.state()?, ctx.viewer(), id, input.reason.as_deref()).await?;
        reads::meetup_by_id(ctx, id).await
    }

    /// Answers a meetup: `GOING` takes a seat or a place on the waitlist; `NOT_GOING` frees the
    /// seat for the next in line.
    async fn rsvp(&self, ctx: &Context<'_>, input: RsvpInput) -> AppResult<Rsvp> {
        let id = meetup_id(&input.meetup_id)?;
        let going = input.response == RsvpResponse::Going;
        let row = commands::rsvp(ctx.state()?, ctx.viewer(), id, going).await?;
        Ok(Rsvp {
            row,
            position: None,
        })
    }

    /// Checks a member in at the door (hosts, organisers and owners).
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> AppResult<Rsvp> {
        let id = meetup_id(&input.meetup_id)?;
        let member = ids::decode_as(&input.member_id, ids::Kind::Member, "Member")?;
        let row = commands::check_in(ctx.state()?, ctx.viewer(), id, member).await?;
        Ok(Rsvp {
            row,
            position: None,
        })
    }
}

#[derive(Default)]
pub struct MeetupsSubscription;

#[Subscription]
impl MeetupsSubscription {
    /// The meetup each time its details, status or counts change, for as long as the viewer may
    /// see it.
    async fn meetup_updated(
        &self,
        ctx: &Context<'_>,
        meetup_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Meetup> + use<>> {
        let id = self::meetup_id(&meetup_id)?;
        let state: AppState = ctx.state()?.clone();
        // Listening starts before the access check's first await, so nothing published once
        // the subscription is processed is missed.
        let events = state.events.subscribe(&meetup_topic(id));
        reads::meetup_by_id(ctx, id).await?;
        let viewer: Viewer = ctx.viewer().clone();
        Ok(events.filter_map(move |_| {
            let state = state.clone();
            let viewer = viewer.clone();
            async move { visible_meetup(&state, &viewer, id).await }
        }))
    }
}

/// The meetup as the viewer may see it now; `None` (nothing delivered) when they no longer may.
async fn visible_meetup(state: &AppState, viewer: &Viewer, meetup_id: Uuid) -> Option<Meetup> {
    let loaders = Loaders::new(&state.db, viewer.member_id(), Caching::PerRequest);
    let row = loaders.meetups().load_one(meetup_id).await.ok().flatten()?;
    let access = reads::access_with(&loaders, viewer, row).await.ok()?;
    access.can_see().then(|| Meetup::new(access))
}
