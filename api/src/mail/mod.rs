//! Mail out of the server, always from a job (so a failed send is retried by the queue): SMTP
//! through lettre (`SMTP_URL`), or in development without it an `.eml` file per mail in
//! `DATA_DIR/outbox/` with its link logged, so a newcomer can click through on the embedded
//! default.

pub mod preferences;
pub mod templates;

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{ContentType, HeaderName, HeaderValue},
    },
};

use crate::config::{MailSettings, MailTransport};

/// A mail ready to send: subject and both bodies.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe link of a mail that is not about the account's security
    /// (`List-Unsubscribe` with `List-Unsubscribe-Post`, RFC 8058).
    pub list_unsubscribe: Option<String>,
    /// A file sent along, such as a meetup's iCalendar invitation.
    pub attachment: Option<Attachment>,
    /// The mail's one action link, logged when the mail goes to the development outbox so a
    /// newcomer can click through without opening the file.
    pub link: Option<String>,
}

/// A file attached to a mail.
pub struct Attachment {
    pub filename: String,
    /// The full content type, parameters included (`text/calendar; method=REQUEST; …`).
    pub content_type: String,
    pub body: String,
}

/// Sends mail as the settings say.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
    Off,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, String> {
        match &settings.transport {
            MailTransport::Smtp(url) => {
                let url = with_starttls(url.expose())?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|err| format!("SMTP_URL: {err}"))?
                    .build();
                Ok(Self::Smtp(transport))
            }
            MailTransport::Files(folder) => {
                std::fs::create_dir_all(folder)
                    .map_err(|err| format!("cannot create {}: {err}", folder.display()))?;
                Ok(Self::Files(AsyncFileTransport::new(folder)))
            }
            MailTransport::Off => Ok(Self::Off),
        }
    }

    /// Sends one mail: multipart plain text and HTML. `Err` is why it failed.
    pub async fn send(&self, settings: &MailSettings, mail: Mail) -> Result<(), String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|err| format!("MAIL_FROM: {err}"))?;
        let to: Mailbox = mail.to.parse().map_err(|err| format!("recipient: {err}"))?;
        let link = mail.link;
        let mut builder = Message::builder().from(from).to(to).subject(mail.subject);
        if let Some(link) = &mail.list_unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let bodies = MultiPart::alternative_plain_html(mail.text, mail.html);
        let message = match mail.attachment {
            None => builder.multipart(bodies),
            Some(file) => {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|err| format!("attachment: {err}"))?;
                builder.multipart(MultiPart::mixed().multipart(bodies).singlepart(
                    lettre::message::Attachment::new(file.filename).body(file.body, content_type),
                ))
            }
        }
        .map_err(|err| err.to_string())?;
        match self {
            Self::Smtp(transport) => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| format!("SMTP: {err}")),
            Self::Files(transport) => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|err| err.to_string())?;
                tracing::info!(
                    mail = %id,
                    link = link.as_deref().unwrap_or("-"),
                    "mail written to the outbox (no SMTP_URL)"
                );
                Ok(())
            }
            Self::Off => Ok(()),
        }
    }
}

/// `smtp://` means STARTTLS, required, except to this machine (a local relay or test server);
/// `smtps://` is TLS from the start; an explicit `?tls=` is kept.
fn with_starttls(raw: &str) -> Result<String, String> {
    let mut url = url::Url::parse(raw).map_err(|err| format!("SMTP_URL: {err}"))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let explicit = url.query_pairs().any(|(key, _)| key == "tls");
    if url.scheme() == "smtp" && !local && !explicit {
        url.query_pairs_mut().append_pair("tls", "required");
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_require_starttls_except_to_this_machine() {
        let remote = with_starttls("smtp://user:pass@mail.example.no:587").unwrap_or_default();
        assert!(remote.ends_with("?tls=required"), "{remote}");
        let local = with_starttls("smtp://127.0.0.1:2525").unwrap_or_default();
        assert!(!local.contains("tls="), "{local}");
        let tls = with_starttls("smtps://user:pass@mail.example.no").unwrap_or_default();
        assert!(!tls.contains("tls="), "{tls}");
    }
}
