//! One-click unsubscribe (RFC 8058): `/unsubscribe?token=…`. Every mail that is not about the
//! account's security links here and names the link in `List-Unsubscribe`, with
//! `List-Unsubscribe-Post`; a mail client POSTs to it, which turns that kind of mail off at once,
//! without signing in. A browser that opens the link (GET) gets a page with one button that
//! POSTs, because link scanners and prefetchers follow GETs and must not unsubscribe anyone. A
//! token that is not genuine is 404, like a missing page.

use actix_web::{HttpResponse, web};
use entity::member;
use sea_orm::EntityTrait;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    auth::commands::is_deleted,
    error::{AppError, AppResult},
    http::HttpState,
    mail::{
        preferences::{self, MailKind},
        templates::{Locale, escape},
    },
};

#[derive(Deserialize)]
pub struct Link {
    token: String,
}

/// The member and kind of a genuine token whose account still exists.
async fn target(state: &HttpState, link: &Link) -> AppResult<(member::Model, MailKind)> {
    let (member_id, kind): (Uuid, MailKind) =
        preferences::read_unsubscribe_token(&state.app, &link.token)
            .ok_or(AppError::NotFound("Link"))?;
    let member = member::Entity::find_by_id(member_id)
        .one(&state.app.db)
        .await?
        .filter(|member| !is_deleted(member))
        .ok_or(AppError::NotFound("Link"))?;
    Ok((member, kind))
}

fn page(locale: Locale, title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\
             <body style=\"font-family: sans-serif; max-width: 36em; margin: 3em auto\">\
             <h1>{}</h1>{body}</body></html>",
            locale.pick("nb", "en"),
            escape(title),
            escape(title),
        ))
}

/// GET: what the link stops, and a button that stops it.
pub async fn confirm(
    state: web::Data<HttpState>,
    link: web::Query<Link>,
) -> Result<HttpResponse, AppError> {
    let (member, kind) = target(&state, &link).await?;
    let locale = Locale::of(&member.locale);
    let question = match locale {
        Locale::Nb => format!("Vil du slutte å få {}?", kind.describe(locale)),
        Locale::En => format!("Stop getting {}?", kind.describe(locale)),
    };
    let form = format!(
        "<form method=\"post\" action=\"?token={}\"><button type=\"submit\">{}</button></form>",
        escape(&link.token),
        escape(locale.pick("Meld meg av", "Unsubscribe")),
    );
    Ok(page(locale, &question, &form))
}

/// POST: the kind of mail is off from now on.
pub async fn unsubscribe(
    state: web::Data<HttpState>,
    link: web::Query<Link>,
) -> Result<HttpResponse, AppError> {
    let (member, kind) = target(&state, &link).await?;
    preferences::set(&state.app.db, member.id, kind, false).await?;
    tracing::info!(member_id = %member.id, kind = kind.code(), "unsubscribed");
    let locale = Locale::of(&member.locale);
    let done = match locale {
        Locale::Nb => format!("Du får ikke lenger {}.", kind.describe(locale)),
        Locale::En => format!("You will no longer get {}.", kind.describe(locale)),
    };
    let settings = format!(
        "<p>{}</p>",
        escape(locale.pick(
            "Du kan slå det på igjen i innstillingene for varsler.",
            "You can turn it back on in your notification settings.",
        ))
    );
    Ok(page(locale, &done, &settings))
}
