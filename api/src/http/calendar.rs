//! iCalendar (RFC 5545) feeds: `GET /groups/{slug}/meetups.ics` and `GET /meetups/{id}.ics`.
//! They follow the same visibility as the GraphQL fields: a bearer token may be sent, or, for
//! calendar apps that cannot send headers, a calendar feed token as `?token=` (see
//! `createCalendarToken`); a members-only group's feed is 404 without either. Times are written in UTC, each event keeps a
//! stable UID, `SEQUENCE` grows with every change and a cancelled meetup says
//! `STATUS:CANCELLED`, so calendar apps update the entry instead of duplicating it.

use std::collections::HashMap;

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, ContentDisposition, DispositionParam, DispositionType},
    web,
};
use chrono::{Duration, Utc};
use entity::{interest_group, meetup};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    auth::{commands::authenticate_calendar_token, viewer::Viewer},
    error::AppError,
    graphql::loaders::{Caching, Loaders},
    groups::{self, policy::GroupAction},
    http::{HttpState, graphql::viewer_from_header},
    ids,
    meetups::reads,
};

/// How far back a group feed reaches, and how many events it holds at most.
const FEED_HISTORY_DAYS: i64 = 90;
const FEED_MAX_EVENTS: u64 = 200;

fn event(meetup: &meetup::Model, group: &interest_group::Model) -> Event {
    let mut description = format!("{}\n\n{}", meetup.description, group.name);
    if let Some(reason) = &meetup.cancel_reason {
        description = format!("Cancelled: {reason}\n\n{description}");
    }
    let mut event = Event::new();
    event
        .uid(&format!("{}@fagruppe", meetup.id))
        .timestamp(meetup.updated_at)
        .created(meetup.created_at)
        .last_modified(meetup.updated_at)
        .sequence(u32::try_from(meetup.sequence).unwrap_or_default())
        .starts(meetup.starts_at)
        .ends(meetup.ends_at)
        .summary(&meetup.title)
        .description(&description)
        .status(match meetup.status {
            meetup::Status::Published => EventStatus::Confirmed,
            meetup::Status::Cancelled => EventStatus::Cancelled,
            meetup::Status::Draft => EventStatus::Tentative,
        });
    if let Some(venue) = &meetup.venue_name {
        event.location(&match &meetup.venue_address {
            Some(address) => format!("{venue}, {address}"),
            None => venue.clone(),
        });
    }
    event.done()
}

/// A whole calendar of `meetups` of `group`. The `icalendar` crate escapes TEXT values and folds
/// lines at 75 octets without splitting a character.
pub fn calendar(group: &interest_group::Model, meetups: &[meetup::Model]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Fagruppe//Meetups//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name(&group.name);
    calendar.extend(meetups.iter().map(|meetup| event(meetup, group)));
    calendar.to_string()
}

fn ics_response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Inline,
            parameters: vec![DispositionParam::Filename(format!("{filename}.ics"))],
        })
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(body)
}

/// The viewer of a feed request: from the `Authorization` header, or from a calendar feed
/// token in `?token=` (calendar apps cannot send headers).
async fn viewer(request: &HttpRequest, state: &HttpState) -> Result<Viewer, AppError> {
    if request.headers().contains_key(header::AUTHORIZATION) {
        return viewer_from_header(request, state).await;
    }
    let token = web::Query::<HashMap<String, String>>::from_query(request.query_string())
        .ok()
        .and_then(|query| query.get("token").cloned());
    match token {
        Some(token) => authenticate_calendar_token(&state.app, &token)
            .await
            .map(|identity| Viewer(Some(identity))),
        None => Ok(Viewer(None)),
    }
}

/// `GET /groups/{slug}/meetups.ics`: the group's published and cancelled meetups, from 90 days
/// back.
pub async fn group_feed(
    request: HttpRequest,
    slug: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, AppError> {
    if slug.chars().any(char::is_control) {
        // No slug holds one, and PostgreSQL would refuse a NUL as an error.
        return Err(AppError::NotFound("Group"));
    }
    let viewer = viewer(&request, &state).await?;
    let db = &state.app.db;
    let group = interest_group::Entity::find()
        .filter(interest_group::Column::Slug.eq(slug.as_str()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Group"))?;
    let loaders = Loaders::new(db, viewer.member_id(), Caching::PerRequest);
    let access = groups::reads::access_with(&loaders, &viewer, group).await?;
    access.ensure(GroupAction::ReadContent)?;
    let meetups = meetup::Entity::find()
        .filter(meetup::Column::GroupId.eq(access.group.id))
        .filter(meetup::Column::Status.ne(meetup::Status::Draft))
        .filter(meetup::Column::EndsAt.gte(Utc::now() - Duration::days(FEED_HISTORY_DAYS)))
        .order_by_asc(meetup::Column::StartsAt)
        .limit(FEED_MAX_EVENTS)
        .all(db)
        .await?;
    Ok(ics_response(
        &access.group.slug,
        calendar(&access.group, &meetups),
    ))
}

/// `GET /meetups/{id}.ics`: one meetup, by its global id.
pub async fn meetup_feed(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer(&request, &state).await?;
    let meetup_id = ids::decode_as(
        &async_graphql::ID(id.into_inner()),
        ids::Kind::Meetup,
        "Meetup",
    )?;
    let loaders = Loaders::new(&state.app.db, viewer.member_id(), Caching::PerRequest);
    let row = loaders
        .meetups
        .load_one(meetup_id)
        .await?
        .ok_or(AppError::NotFound("Meetup"))?;
    let access = reads::access_with(&loaders, &viewer, row).await?;
    access.ensure_visible()?;
    Ok(ics_response(
        &access.meetup.id.to_string(),
        calendar(&access.group.group, std::slice::from_ref(&access.meetup)),
    ))
}

#[cfg(test)]
mod tests {
    use entity::interest_group::{JoinPolicy, Visibility};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn long_norwegian_lines_fold_at_75_octets_and_separators_are_escaped() {
        let now = Utc::now();
        let group = interest_group::Model {
            id: Uuid::from_u128(1),
            slug: "g".into(),
            name: "Sosiale medier; etikk, og ROI".into(),
            description: String::new(),
            visibility: Visibility::Public,
            join_policy: JoinPolicy::Open,
            created_by: Uuid::from_u128(2),
            created_at: now,
            updated_at: now,
            archived_at: None,
            member_count: 0,
        };
        let meetup = meetup::Model {
            id: Uuid::from_u128(3),
            group_id: group.id,
            title: "æøå".repeat(40),
            description: "Linje én\nlinje to".into(),
            kind: meetup::Kind::Formal,
            format: meetup::Format::InPerson,
            venue_name: Some("Kulturhuset".into()),
            venue_address: None,
            online_url: None,
            starts_at: now,
            ends_at: now,
            timezone: "Europe/Oslo".into(),
            capacity: None,
            rsvp_deadline: None,
            status: meetup::Status::Cancelled,
            cancel_reason: None,
            agenda: "[]".into(),
            sequence: 2,
            created_by: group.created_by,
            created_at: now,
            updated_at: now,
            going_count: 0,
            waitlist_count: 0,
        };
        let ics = calendar(&group, std::slice::from_ref(&meetup));
        for physical in ics.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}\r\n", "æøå".repeat(40))));
        assert!(unfolded.contains("X-WR-CALNAME:Sosiale medier\\; etikk\\, og ROI"));
        assert!(unfolded.contains("UID:00000000-0000-0000-0000-000000000003@fagruppe"));
        assert!(unfolded.contains("SEQUENCE:2"));
        assert!(unfolded.contains("STATUS:CANCELLED"));
        assert_eq!(unfolded.matches("PRODID").count(), 1);
    }
}
