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
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    auth::{commands::authenticate_calendar_token, viewer::Viewer},
    error::AppError,
    graphql::loaders::{Caching, Loaders},
    groups::{self, policy::GroupAction},
    http::{HttpState, graphql::viewer_from_header},
    ids,
    meetups::{ical::calendar, reads},
};

/// How far back a group feed reaches, and how many events it holds at most.
const FEED_HISTORY_DAYS: i64 = 90;
const FEED_MAX_EVENTS: u64 = 200;

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
        .meetups()
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
