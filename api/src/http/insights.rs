//! `GET /groups/{slug}/insights.csv?from=…&to=…&interval=WEEK|MONTH`: a group's insights as
//! CSV, for its owners and organisers (the `Authorization` header, as on `/graphql`).

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, ContentDisposition, DispositionParam, DispositionType},
    web,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{
    error::AppError,
    http::{HttpState, graphql::viewer_from_header},
    insights::{self, Range, figures::Interval},
};

#[derive(Deserialize)]
pub struct Params {
    from: String,
    to: String,
    interval: Option<String>,
}

fn instant(value: &str, field: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| AppError::bad_input(field, "An RFC 3339 time, like 2026-01-01T00:00:00Z"))
}

pub async fn csv(
    request: HttpRequest,
    slug: web::Path<String>,
    params: web::Query<Params>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer_from_header(&request, &state).await?;
    let interval = match params.interval.as_deref() {
        None | Some("MONTH") => Interval::Month,
        Some("WEEK") => Interval::Week,
        Some(_) => return Err(AppError::bad_input("interval", "WEEK or MONTH")),
    };
    let range = Range::new(
        instant(&params.from, "from")?,
        instant(&params.to, "to")?,
        interval,
    )?;
    let db = &state.app.db;
    let access = insights::access_by_slug(db, &viewer, &slug).await?;
    let body = insights::csv::render(db, access.group.id, &range).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "{}-insights.csv",
                access.group.slug
            ))],
        })
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
