//! The mails, in Norwegian bokmål (`NB`, the default) and English (`EN`) by the member's locale.
//! Each mail is a [`Letter`]: a greeting, paragraphs, at most one button with its link, and a
//! quiet last line; [`Letter::render`] writes both the plain-text and the HTML body from it, so
//! the two always say the same. Every value put into HTML is escaped.

use crate::mail::Mail;

/// The language of a member's mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    Nb,
    En,
}

impl Locale {
    pub fn of(code: &str) -> Self {
        if code.eq_ignore_ascii_case("EN") {
            Self::En
        } else {
            Self::Nb
        }
    }

    /// The stored code: `NB` or `EN`.
    pub fn code(self) -> &'static str {
        self.pick("NB", "EN")
    }

    /// The text in this language: Norwegian first, English second.
    pub fn pick<T>(self, nb: T, en: T) -> T {
        match self {
            Self::Nb => nb,
            Self::En => en,
        }
    }

    fn greeting(self, name: &str) -> String {
        self.pick(format!("Hei {name}!"), format!("Hello {name}!"))
    }
}

/// One mail before rendering.
pub struct Letter {
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The button's label and its link.
    pub action: Option<(String, String)>,
    /// Small print under the rest.
    pub footer: Option<String>,
    /// The one-click unsubscribe link of a mail that is not about the account's security: shown
    /// at the bottom and sent as `List-Unsubscribe`.
    pub unsubscribe: Option<Unsubscribe>,
}

/// How to stop a kind of mail.
pub struct Unsubscribe {
    /// What the link stops, in the mail's language ("reminders before meetups").
    pub what: String,
    pub link: String,
}

impl Letter {
    /// Both bodies of the letter, addressed to `to`.
    pub fn render(self, to: &str) -> Mail {
        let mut text = format!("{}\n\n", self.greeting);
        let mut html = format!(
            "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p>",
            escape(&self.greeting)
        );
        for paragraph in &self.paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
            html.push_str(&format!(
                "<p>{}</p>",
                escape(paragraph).replace('\n', "<br>")
            ));
        }
        if let Some((label, link)) = &self.action {
            text.push_str(&format!("{label}: {link}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(link),
                escape(label)
            ));
        }
        if let Some(footer) = &self.footer {
            text.push_str(footer);
            text.push('\n');
            html.push_str(&format!("<p style=\"color: #555\">{}</p>", escape(footer)));
        }
        if let Some(unsubscribe) = &self.unsubscribe {
            text.push_str(&format!("\n{}: {}\n", unsubscribe.what, unsubscribe.link));
            html.push_str(&format!(
                "<p style=\"color: #555; font-size: small\"><a href=\"{}\">{}</a></p>",
                escape(&unsubscribe.link),
                escape(&unsubscribe.what)
            ));
        }
        html.push_str("</body></html>");
        Mail {
            to: to.to_owned(),
            subject: self.subject,
            text,
            html,
            list_unsubscribe: self.unsubscribe.map(|unsubscribe| unsubscribe.link),
            attachment: None,
            link: self.action.map(|(_, link)| link),
        }
    }
}

/// "Confirm your address": the link verifies it, once, within 24 hours.
pub fn verify_email(locale: Locale, to: &str, name: &str, link: &str) -> Mail {
    Letter {
        subject: locale
            .pick("Bekreft e-postadressen din", "Confirm your e-mail address")
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![locale.pick(
            "Bekreft at denne adressen er din, så kan du bli med i grupper og skrive i diskusjoner. Lenken virker én gang, i 24 timer.",
            "Confirm that this address is yours, and you can join groups and write in discussions. The link works once, for 24 hours.",
        ).into()],
        action: Some((
            locale.pick("Bekreft adressen", "Confirm the address").into(),
            link.into(),
        )),
        footer: Some(locale.pick(
            "Har du ikke laget en konto hos Fagruppe, kan du se bort fra denne e-posten.",
            "If you did not create a Fagruppe account, you can ignore this e-mail.",
        ).into()),
        unsubscribe: None,
    }
    .render(to)
}

/// To the owner of an address that someone tried to register again.
pub fn registration_attempt(locale: Locale, to: &str, name: &str, reset_link: &str) -> Mail {
    Letter {
        subject: locale
            .pick(
                "Noen prøvde å registrere seg med adressen din",
                "Someone tried to register with your address",
            )
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![locale.pick(
            "Noen prøvde nettopp å lage en ny Fagruppe-konto med denne e-postadressen. Du har allerede en konto, så ingen ny ble laget.",
            "Someone just tried to create a new Fagruppe account with this e-mail address. You already have an account, so no new one was made.",
        ).into(), locale.pick(
            "Var det deg, kan du logge inn som vanlig, eller lage et nytt passord om du har glemt det.",
            "If it was you, sign in as usual, or choose a new password if you have forgotten it.",
        ).into()],
        action: Some((
            locale.pick("Lag et nytt passord", "Choose a new password").into(),
            reset_link.into(),
        )),
        footer: Some(locale.pick(
            "Var det ikke deg, trenger du ikke gjøre noe.",
            "If it was not you, there is nothing you need to do.",
        ).into()),
        unsubscribe: None,
    }
    .render(to)
}

/// "Choose a new password": the link works once, within 30 minutes.
pub fn password_reset(locale: Locale, to: &str, name: &str, link: &str) -> Mail {
    Letter {
        subject: locale
            .pick("Lag et nytt passord", "Choose a new password")
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![locale.pick(
            "Vi fikk en forespørsel om å lage et nytt passord for kontoen din. Lenken virker én gang, i 30 minutter. Når du har valgt et nytt passord, blir du logget ut overalt.",
            "We were asked to set a new password for your account. The link works once, for 30 minutes. Once you have chosen a new password, you are signed out everywhere.",
        ).into()],
        action: Some((
            locale.pick("Lag et nytt passord", "Choose a new password").into(),
            link.into(),
        )),
        footer: Some(locale.pick(
            "Ba du ikke om dette, kan du se bort fra denne e-posten: passordet ditt er uendret.",
            "If you did not ask for this, you can ignore this e-mail: your password is unchanged.",
        ).into()),
        unsubscribe: None,
    }
    .render(to)
}

/// "Your password was changed", after a reset or a change.
pub fn password_changed(locale: Locale, to: &str, name: &str, reset_link: &str) -> Mail {
    Letter {
        subject: locale
            .pick("Passordet ditt er endret", "Your password was changed")
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![locale.pick(
            "Passordet til Fagruppe-kontoen din ble nettopp endret, og andre innlogginger er avsluttet.",
            "The password of your Fagruppe account was just changed, and other sign-ins were ended.",
        ).into()],
        action: Some((
            locale.pick(
                "Var det ikke deg? Lag et nytt passord nå",
                "Not you? Choose a new password now",
            ).into(),
            reset_link.into(),
        )),
        footer: None,
        unsubscribe: None,
    }
    .render(to)
}

/// To the new address of an e-mail change: the link switches the account to it.
pub fn confirm_new_email(locale: Locale, to: &str, name: &str, link: &str) -> Mail {
    Letter {
        subject: locale
            .pick("Bekreft den nye e-postadressen din", "Confirm your new e-mail address")
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![locale.pick(
            "Du ba om å bytte e-postadressen til Fagruppe-kontoen din til denne. Bekreft byttet med lenken; den virker én gang, i 24 timer. Til da gjelder den gamle adressen.",
            "You asked to change the e-mail address of your Fagruppe account to this one. Confirm the change with the link; it works once, for 24 hours. Until then the old address stays.",
        ).into()],
        action: Some((
            locale.pick("Bekreft den nye adressen", "Confirm the new address").into(),
            link.into(),
        )),
        footer: Some(locale.pick(
            "Ba du ikke om dette, kan du se bort fra denne e-posten.",
            "If you did not ask for this, you can ignore this e-mail.",
        ).into()),
        unsubscribe: None,
    }
    .render(to)
}

/// To the old address once an account moved to a new one.
pub fn email_changed(locale: Locale, to: &str, name: &str, new_address: &str) -> Mail {
    Letter {
        subject: locale
            .pick("E-postadressen din er endret", "Your e-mail address was changed")
            .into(),
        greeting: locale.greeting(name),
        paragraphs: vec![match locale {
            Locale::Nb => format!(
                "Fagruppe-kontoen din bruker nå {new_address}. Denne adressen får ikke lenger e-post fra oss."
            ),
            Locale::En => format!(
                "Your Fagruppe account now uses {new_address}. This address no longer gets mail from us."
            ),
        }],
        action: None,
        footer: Some(locale.pick(
            "Var det ikke deg, svar på denne e-posten med en gang.",
            "If it was not you, answer this e-mail at once.",
        ).into()),
        unsubscribe: None,
    }
    .render(to)
}

/// What a meetup mail says about the meetup, already in the member's language and the meetup's
/// local time.
pub struct MeetupFacts {
    pub title: String,
    pub group_name: String,
    /// "tirsdag 8. desember kl. 18:00" / "Tuesday 8 December at 18:00".
    pub when: String,
    /// The venue, the online meeting, or both.
    pub place: String,
    /// The meetup's page in the web client.
    pub link: String,
}

/// When a meetup starts, in its own timezone and the member's language.
pub fn local_time(locale: Locale, at: chrono::DateTime<chrono::Utc>, timezone: &str) -> String {
    use chrono::{Datelike, Timelike};
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::Europe::Oslo);
    let local = at.with_timezone(&tz);
    let weekday = local.weekday().num_days_from_monday() as usize;
    let month = local.month0() as usize;
    match locale {
        Locale::Nb => {
            const DAYS: [&str; 7] = [
                "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
            ];
            const MONTHS: [&str; 12] = [
                "januar",
                "februar",
                "mars",
                "april",
                "mai",
                "juni",
                "juli",
                "august",
                "september",
                "oktober",
                "november",
                "desember",
            ];
            format!(
                "{} {}. {} kl. {:02}:{:02}",
                DAYS[weekday],
                local.day(),
                MONTHS[month],
                local.hour(),
                local.minute()
            )
        }
        Locale::En => {
            const DAYS: [&str; 7] = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!(
                "{} {} {} at {:02}:{:02}",
                DAYS[weekday],
                local.day(),
                MONTHS[month],
                local.hour(),
                local.minute()
            )
        }
    }
}

/// What happened that a meetup mail tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetupNews {
    /// The member's answer gave them a seat.
    Going,
    /// The member's answer put them on the waitlist.
    Waitlisted,
    /// A seat freed up and is now the member's.
    Promoted,
    /// A day before.
    ReminderDay,
    /// Two hours before.
    ReminderHours,
    /// The time or place changed.
    Moved,
    /// It is off; the reason, if the organisers gave one.
    Cancelled,
}

/// A mail about a meetup the member answered.
pub fn meetup_mail(
    locale: Locale,
    to: &str,
    name: &str,
    news: MeetupNews,
    meetup: &MeetupFacts,
    cancel_reason: Option<&str>,
    unsubscribe: Unsubscribe,
) -> Mail {
    let title = &meetup.title;
    let (subject, lead) = match news {
        MeetupNews::Going => (
            locale.pick(format!("Du er påmeldt: {title}"), format!("You are going: {title}")),
            locale.pick(
                "Du har plass. Invitasjonen ligger ved, så møtet kommer i kalenderen din.",
                "You have a seat. The invitation is attached, so the meetup goes into your calendar.",
            ).to_owned(),
        ),
        MeetupNews::Waitlisted => (
            locale.pick(
                format!("Du står på venteliste: {title}"),
                format!("You are on the waitlist: {title}"),
            ),
            locale.pick(
                "Møtet er fullt, så du står på ventelisten. Blir en plass ledig, får du den og en e-post om det.",
                "The meetup is full, so you are on the waitlist. If a seat frees up, it is yours and we mail you.",
            ).to_owned(),
        ),
        MeetupNews::Promoted => (
            locale.pick(format!("Du har fått plass: {title}"), format!("You got a seat: {title}")),
            locale.pick(
                "En plass ble ledig, og den er din. Invitasjonen ligger ved. Kan du ikke komme likevel, meld fra, så går plassen videre.",
                "A seat freed up, and it is yours. The invitation is attached. If you cannot come after all, say so, and the seat goes on to the next.",
            ).to_owned(),
        ),
        MeetupNews::ReminderDay | MeetupNews::ReminderHours => (
            locale.pick(format!("Påminnelse: {title}"), format!("Reminder: {title}")),
            match (news, locale) {
                (MeetupNews::ReminderDay, Locale::Nb) => "Snart er det møte, og du er påmeldt.",
                (MeetupNews::ReminderDay, Locale::En) => "A meetup you are going to is coming up.",
                (_, Locale::Nb) => "Møtet begynner om et par timer.",
                (_, Locale::En) => "The meetup starts in a couple of hours.",
            }
            .to_owned(),
        ),
        MeetupNews::Moved => (
            locale.pick(
                format!("Ny tid eller nytt sted: {title}"),
                format!("New time or place: {title}"),
            ),
            locale.pick(
                "Arrangørene har endret tid eller sted. Her er det som gjelder nå; kalenderen din oppdateres med vedlegget.",
                "The organisers changed the time or place. This is what holds now; the attachment updates your calendar.",
            ).to_owned(),
        ),
        MeetupNews::Cancelled => (
            locale.pick(format!("Avlyst: {title}"), format!("Cancelled: {title}")),
            match cancel_reason {
                Some(reason) => locale.pick(
                    format!("Møtet er avlyst. Arrangørene skriver: «{reason}»"),
                    format!("The meetup is cancelled. The organisers write: “{reason}”"),
                ),
                None => locale.pick("Møtet er avlyst.", "The meetup is cancelled.").to_owned(),
            },
        ),
    };
    let facts = format!(
        "{title}\n{} · {}\n{}",
        meetup.group_name, meetup.when, meetup.place
    );
    Letter {
        subject,
        greeting: locale.greeting(name),
        paragraphs: vec![lead, facts],
        action: Some((
            locale.pick("Se møtet", "See the meetup").into(),
            meetup.link.clone(),
        )),
        footer: None,
        unsubscribe: Some(unsubscribe),
    }
    .render(to)
}

/// One notification as a mail lists it.
pub struct NoticeLine {
    /// What happened ("New comments (3)").
    pub what: String,
    /// Where: a thread's or meetup's title, or the group's name.
    pub place: String,
    pub group: String,
    pub link: String,
}

/// The member's unread notifications: at once (`digest` false) or as the daily or weekly digest.
pub fn notifications_mail(
    locale: Locale,
    to: &str,
    name: &str,
    digest: bool,
    lines: &[NoticeLine],
    inbox: &str,
    unsubscribe: Unsubscribe,
) -> Mail {
    let subject = match (digest, lines) {
        (true, _) => locale
            .pick("Dette har du gått glipp av", "What you missed")
            .to_owned(),
        (false, [one]) => format!("{}: {}", one.what, one.place),
        (false, _) => locale.pick(
            format!("{} nye varsler", lines.len()),
            format!("{} new notifications", lines.len()),
        ),
    };
    let lead = if digest {
        locale.pick(
            "Siden sist har dette skjedd i det du følger:",
            "Since last time, this happened in what you follow:",
        )
    } else {
        locale.pick("Nytt til deg:", "New for you:")
    };
    let mut paragraphs = vec![lead.to_owned()];
    paragraphs.extend(lines.iter().map(|line| {
        format!(
            "{} – «{}» ({})\n{}",
            line.what, line.place, line.group, line.link
        )
    }));
    Letter {
        subject,
        greeting: locale.greeting(name),
        paragraphs,
        action: Some((
            locale
                .pick("Se alle varsler", "See all notifications")
                .into(),
            inbox.to_owned(),
        )),
        footer: None,
        unsubscribe: Some(unsubscribe),
    }
    .render(to)
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verification_mail_speaks_the_members_language_and_escapes_names() {
        let nb = verify_email(
            Locale::of("NB"),
            "a@b.no",
            "<Kari>",
            "https://x.no/v?t=1&u=2",
        );
        assert_eq!(nb.subject, "Bekreft e-postadressen din");
        assert!(nb.html.contains("Hei &lt;Kari&gt;!"), "{}", nb.html);
        assert!(nb.html.contains("https://x.no/v?t=1&amp;u=2"));
        assert!(nb.text.contains("https://x.no/v?t=1&u=2"));
        let en = verify_email(Locale::of("en"), "a@b.no", "Kari", "https://x.no");
        assert_eq!(en.subject, "Confirm your e-mail address");
    }

    #[test]
    fn meetup_times_are_local_and_in_the_members_language() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-08T17:00:00Z")
            .map(|at| at.to_utc())
            .unwrap_or_default();
        assert_eq!(
            local_time(Locale::Nb, at, "Europe/Oslo"),
            "tirsdag 8. desember kl. 18:00"
        );
        assert_eq!(
            local_time(Locale::En, at, "America/New_York"),
            "Tuesday 8 December at 12:00"
        );
    }

    #[test]
    fn a_changed_address_is_named_in_the_notice_to_the_old_one() {
        let mail = email_changed(Locale::En, "old@b.no", "Kari", "<new@b.no>");
        assert!(mail.text.contains("now uses <new@b.no>"), "{}", mail.text);
        assert!(mail.html.contains("&lt;new@b.no&gt;"), "{}", mail.html);
    }
}
