//! GraphQL types of meetups. Hosts, topics, the viewer's answer and the first attendees load
//! through the request's batch loaders and counts are kept on the row, so a list of meetups
//! costs a fixed number of queries.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::{meetup, rsvp};
use futures_util::FutureExt as _;
use serde::{Deserialize, Serialize};

use crate::graphql::scalars;
use crate::{
    error::AppResult,
    graphql::{context::ContextExt, pagination::Page},
    groups::{
        self,
        types::{Group, Topic, map_enum},
    },
    ids,
    meetups::{commands, policy::MeetupAccess, reads},
    members::types::Member,
};

/// Formal (a seminar with an agenda) or informal (a pub evening).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetupKind {
    Formal,
    Informal,
}

/// Where it happens.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetupFormat {
    InPerson,
    Online,
    Hybrid,
}

/// Where a meetup stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetupStatus {
    /// Visible to organisers and hosts only; takes no answers.
    Draft,
    Published,
    Cancelled,
}

/// A member's answer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpStatus {
    Going,
    /// Wants to go; the meetup is full. Promoted in arrival order when a seat frees up.
    Waitlisted,
    NotGoing,
}

/// What a member answers.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpResponse {
    Going,
    NotGoing,
}

/// Which meetups of a list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetupWhen {
    /// Not yet over, soonest first.
    Upcoming,
    /// Over, most recent first.
    Past,
}

map_enum!(meetup::Kind => MeetupKind { Formal, Informal });
map_enum!(meetup::Format => MeetupFormat { InPerson, Online, Hybrid });
map_enum!(meetup::Status => MeetupStatus { Draft, Published, Cancelled });
map_enum!(rsvp::Status => RsvpStatus { Going, Waitlisted, NotGoing });

/// The place of an in-person meetup.
#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(input_name = "VenueInput")]
pub struct Venue {
    /// "Kulturhuset, 3rd floor"; 1 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::VENUE_NAME"))]
    pub name: String,
    /// Street address, for maps; up to 300 characters.
    #[graphql(validator(custom = "crate::text::limits::VENUE_ADDRESS"))]
    pub address: Option<String>,
}

/// One item of a formal meetup's programme.
#[derive(SimpleObject, InputObject, Clone, Debug, Serialize, Deserialize)]
#[graphql(input_name = "AgendaItemInput")]
pub struct AgendaItem {
    /// Local time of day, `HH:MM` (5 characters), in the meetup's timezone.
    #[graphql(validator(custom = "crate::text::limits::AGENDA_TIME"))]
    pub time: String,
    /// 1 to 200 characters.
    #[graphql(validator(custom = "crate::text::limits::AGENDA_TITLE"))]
    pub title: String,
    /// Up to 120 characters.
    #[graphql(validator(custom = "crate::text::limits::AGENDA_SPEAKER"))]
    pub speaker: Option<String>,
}

impl From<Venue> for commands::Place {
    fn from(venue: Venue) -> Self {
        Self {
            name: venue.name,
            address: venue.address,
        }
    }
}

impl From<AgendaItem> for commands::AgendaEntry {
    fn from(item: AgendaItem) -> Self {
        Self {
            time: item.time,
            title: item.title,
            speaker: item.speaker,
        }
    }
}

/// A meetup of a group.
pub struct Meetup {
    /// Boxed: the viewer's standing is large, and meetups travel in lists and `Node`.
    pub access: Box<MeetupAccess>,
}

impl Meetup {
    pub fn new(access: MeetupAccess) -> Self {
        Self {
            access: Box::new(access),
        }
    }

    fn row(&self) -> &meetup::Model {
        &self.access.meetup
    }
}

#[Object]
impl Meetup {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Meetup, self.row().id)
    }

    async fn group(&self, ctx: &Context<'_>) -> AppResult<Group> {
        groups::reads::group_by_id(ctx, self.row().group_id)
            .boxed()
            .await
    }

    async fn title(&self) -> &str {
        &self.row().title
    }

    /// What it is about (plain text).
    async fn description(&self) -> &str {
        &self.row().description
    }

    async fn kind(&self) -> MeetupKind {
        self.row().kind.into()
    }

    async fn format(&self) -> MeetupFormat {
        self.row().format.into()
    }

    /// Where, for in-person and hybrid meetups.
    async fn venue(&self) -> Option<Venue> {
        self.row().venue_name.clone().map(|name| Venue {
            name,
            address: self.row().venue_address.clone(),
        })
    }

    /// The link for online and hybrid meetups: shown to members who are going, hosts and
    /// organisers; null for everyone else.
    async fn online_url(&self) -> Option<&str> {
        if self.access.can_see_online_url() {
            self.row().online_url.as_deref()
        } else {
            None
        }
    }

    async fn starts_at(&self) -> scalars::DateTime {
        (self.row().starts_at).into()
    }

    async fn ends_at(&self) -> scalars::DateTime {
        (self.row().ends_at).into()
    }

    /// IANA timezone the meetup is planned in, for showing local times.
    async fn timezone(&self) -> &str {
        &self.row().timezone
    }

    /// Seats; null means unlimited.
    async fn capacity(&self) -> Option<i32> {
        self.row().capacity
    }

    /// Answers close at this time.
    async fn rsvp_deadline(&self) -> Option<scalars::DateTime> {
        (self.row().rsvp_deadline).map(Into::into)
    }

    async fn status(&self) -> MeetupStatus {
        self.row().status.into()
    }

    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.row().cancel_reason.as_deref()
    }

    /// The programme of a formal meetup.
    async fn agenda(&self) -> Vec<AgendaItem> {
        serde_json::from_str(&self.row().agenda).unwrap_or_default()
    }

    /// Who hosts it.
    async fn hosts(&self, ctx: &Context<'_>) -> AppResult<Vec<Member>> {
        let loaders = ctx.loaders()?;
        let host_ids = loaders
            .meetup_hosts()
            .load_one(self.row().id)
            .await?
            .unwrap_or_default();
        let members = loaders
            .members()
            .load_many(host_ids.iter().copied())
            .await?;
        Ok(host_ids
            .iter()
            .filter_map(|id| members.get(id).cloned())
            .map(Member::new)
            .collect())
    }

    async fn topics(&self, ctx: &Context<'_>) -> AppResult<Vec<Topic>> {
        let topics = ctx
            .loaders()?
            .meetup_topics()
            .load_one(self.row().id)
            .await?;
        Ok(topics
            .unwrap_or_default()
            .into_iter()
            .map(Topic::from)
            .collect())
    }

    /// Members going.
    async fn going_count(&self) -> u64 {
        stored(self.row().going_count)
    }

    /// Members waiting for a seat.
    async fn waitlist_count(&self) -> u64 {
        stored(self.row().waitlist_count)
    }

    /// Seats left; null when capacity is unlimited.
    async fn spots_left(&self) -> Option<u64> {
        let going = stored(self.row().going_count);
        self.row()
            .capacity
            .map(|capacity| u64::try_from(capacity).unwrap_or(0).saturating_sub(going))
    }

    /// The viewer's answer, if any.
    async fn viewer_rsvp(&self) -> Option<Rsvp> {
        self.access.rsvp.clone().map(|row| Rsvp {
            row,
            position: None,
        })
    }

    /// Whether the viewer may change, publish or cancel it.
    async fn viewer_can_edit(&self) -> bool {
        self.access.can_manage()
    }

    /// Resources attached to the meetup (slides, papers), newest first.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<crate::resources::types::Resource>> {
        crate::resources::reads::meetup_resources(ctx, &self.access, first, after)
            .boxed()
            .await
    }

    /// Answers of one status (default going), in arrival order.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn attendees(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "RsvpStatus::Going")] status: RsvpStatus,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<Rsvp>> {
        reads::attendees(ctx, &self.access, status.into(), first, after)
            .boxed()
            .await
    }

    async fn created_at(&self) -> scalars::DateTime {
        (self.row().created_at).into()
    }

    async fn updated_at(&self) -> scalars::DateTime {
        (self.row().updated_at).into()
    }
}

/// A member's answer to a meetup.
pub struct Rsvp {
    pub row: rsvp::Model,
    /// Place on the waitlist (1 is next), when known and waitlisted.
    pub position: Option<u64>,
}

#[Object]
impl Rsvp {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(ids::Kind::Rsvp, self.row.id)
    }

    async fn status(&self) -> RsvpStatus {
        self.row.status.into()
    }

    /// Place on the waitlist (1 is next); null unless waitlisted.
    async fn position(&self, ctx: &Context<'_>) -> AppResult<Option<u64>> {
        if self.row.status != rsvp::Status::Waitlisted {
            return Ok(None);
        }
        match self.position {
            Some(position) => Ok(Some(position)),
            None => reads::waitlist_position(ctx, &self.row).await.map(Some),
        }
    }

    async fn member(&self, ctx: &Context<'_>) -> AppResult<Member> {
        Member::load_required(ctx, self.row.member_id).await
    }

    async fn meetup(&self, ctx: &Context<'_>) -> AppResult<Meetup> {
        reads::meetup_by_id(ctx, self.row.meetup_id).boxed().await
    }

    /// When the member was checked in at the door.
    async fn checked_in_at(&self) -> Option<scalars::DateTime> {
        (self.row.checked_in_at).map(Into::into)
    }

    /// When the answer was last changed.
    async fn updated_at(&self) -> scalars::DateTime {
        (self.row.updated_at).into()
    }
}

/// A count kept on a row (never negative: the commands recount it from the answers).
fn stored(count: i32) -> u64 {
    u64::try_from(count).unwrap_or(0)
}
