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
            html.push_str(&format!("<p>{}</p>", escape(paragraph)));
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
        html.push_str("</body></html>");
        Mail {
            to: to.to_owned(),
            subject: self.subject,
            text,
            html,
            list_unsubscribe: None,
            attachment: None,
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
    fn a_changed_address_is_named_in_the_notice_to_the_old_one() {
        let mail = email_changed(Locale::En, "old@b.no", "Kari", "<new@b.no>");
        assert!(mail.text.contains("now uses <new@b.no>"), "{}", mail.text);
        assert!(mail.html.contains("&lt;new@b.no&gt;"), "{}", mail.html);
    }
}
