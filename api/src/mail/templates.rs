//! The mails, in Norwegian bokmål (`NB`, the default) and English (`EN`) by the member's locale.
//! Every value put into HTML is escaped.

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
}

/// "Confirm your address": the link verifies it, once, within 24 hours.
pub fn verify_email(locale: Locale, to: &str, name: &str, link: &str) -> Mail {
    let (subject, greeting, body, button, ignore) = match locale {
        Locale::Nb => (
            "Bekreft e-postadressen din",
            format!("Hei {name}!"),
            "Bekreft at denne adressen er din, så kan du bli med i grupper og skrive i diskusjoner. Lenken virker én gang, i 24 timer.",
            "Bekreft adressen",
            "Har du ikke laget en konto hos Fagruppe, kan du se bort fra denne e-posten.",
        ),
        Locale::En => (
            "Confirm your e-mail address",
            format!("Hello {name}!"),
            "Confirm that this address is yours, and you can join groups and write in discussions. The link works once, for 24 hours.",
            "Confirm the address",
            "If you did not create a Fagruppe account, you can ignore this e-mail.",
        ),
    };
    let text = format!("{greeting}\n\n{body}\n\n{link}\n\n{ignore}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family: sans-serif\"><p>{}</p><p>{}</p>\
         <p><a href=\"{}\">{}</a></p><p style=\"color: #555\">{}</p></body></html>",
        escape(&greeting),
        escape(body),
        escape(link),
        escape(button),
        escape(ignore),
    );
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html,
    }
}

fn escape(text: &str) -> String {
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
}
