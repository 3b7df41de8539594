//! Input text rules shared by every area: trimming, Unicode NFC normalisation (so "å" typed as
//! `a` + combining ring and as one code point are the same name), length limits counted in
//! characters, and URL checks. Text is stored as written otherwise; HTML is never produced here.
//!
//! Every limit on a text input is a [`TextLimit`] in [`limits`], written once: the command cleans
//! with it, and the GraphQL input field refuses an over-long value with it before the resolver
//! runs (`graphql::validators`). Both count characters (Unicode scalar values after NFC), so
//! "æ", "ø" and "å" count as one each, and both name the field in `extensions.field`.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, AppResult};

/// The bounds of one text input, in characters, and the input field they apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLimit {
    /// The input field as the client sends it (`venue.name` for a nested one).
    pub field: &'static str,
    pub min: usize,
    pub max: usize,
}

impl TextLimit {
    const fn new(field: &'static str, min: usize, max: usize) -> Self {
        Self { field, min, max }
    }

    /// The same bounds for another input field (`newPassword`, `websiteUrl`).
    pub const fn named(self, field: &'static str) -> Self {
        Self { field, ..self }
    }

    /// Trims and NFC-normalises `value`, then checks its length.
    pub fn clean(&self, value: &str) -> AppResult<String> {
        clean(value, self.field, self.min, self.max)
    }

    /// Like [`clean`](Self::clean), for an optional field: blank becomes `None`.
    pub fn clean_optional(&self, value: Option<&str>) -> AppResult<Option<String>> {
        clean_optional(value, self.field, self.max)
    }

    /// Trims `value` and checks its length, without normalising: Markdown is stored as written,
    /// since normalising could change a code block.
    pub fn clean_verbatim(&self, value: &str) -> AppResult<String> {
        let value = value.trim();
        self.check_length(value.chars().count())?;
        Ok(value.to_owned())
    }

    /// The length of `value` as the limit counts it: trimmed, NFC, in characters.
    pub fn length_of(value: &str) -> usize {
        value.trim().nfc().count()
    }

    /// `BAD_USER_INPUT` naming the field when `length` is outside the bounds.
    pub fn check_length(&self, length: usize) -> AppResult<()> {
        if length < self.min {
            return Err(AppError::bad_input(
                self.field,
                if self.min == 1 {
                    "Must not be empty".to_owned()
                } else {
                    format!("Must be at least {} characters", self.min)
                },
            ));
        }
        self.check_max(length)
    }

    /// The upper bound alone: what the GraphQL validator checks before the command runs.
    pub fn check_max(&self, length: usize) -> AppResult<()> {
        if length > self.max {
            return Err(AppError::bad_input(
                self.field,
                format!("Must be at most {} characters", self.max),
            ));
        }
        Ok(())
    }
}

/// Every text limit of the API. The schema description of each field states its limit.
pub mod limits {
    use super::TextLimit;

    pub const EMAIL: TextLimit = TextLimit::new("email", 3, 254);
    pub const PASSWORD: TextLimit = TextLimit::new("password", 10, 1024);
    pub const DISPLAY_NAME: TextLimit = TextLimit::new("displayName", 1, 80);
    pub const HEADLINE: TextLimit = TextLimit::new("headline", 0, 120);
    pub const ORGANISATION: TextLimit = TextLimit::new("organisation", 0, 120);
    pub const BIO: TextLimit = TextLimit::new("bio", 0, 4000);
    /// Any http or https URL (`websiteUrl`, `onlineUrl`, a shared link).
    pub const URL: TextLimit = TextLimit::new("url", 0, 2048);
    pub const SEARCH: TextLimit = TextLimit::new("search", 0, 100);

    pub const GROUP_NAME: TextLimit = TextLimit::new("name", 3, 80);
    pub const GROUP_DESCRIPTION: TextLimit = TextLimit::new("description", 0, 4000);
    pub const TOPIC_NAME: TextLimit = TextLimit::new("name", 2, 60);

    pub const MEETUP_TITLE: TextLimit = TextLimit::new("title", 3, 120);
    pub const MEETUP_DESCRIPTION: TextLimit = TextLimit::new("description", 0, 10_000);
    pub const TIMEZONE: TextLimit = TextLimit::new("timezone", 1, 64);
    pub const VENUE_NAME: TextLimit = TextLimit::new("venue.name", 1, 200);
    pub const VENUE_ADDRESS: TextLimit = TextLimit::new("venue.address", 0, 300);
    pub const AGENDA_TIME: TextLimit = TextLimit::new("agenda.time", 1, 5);
    pub const AGENDA_TITLE: TextLimit = TextLimit::new("agenda.title", 1, 200);
    pub const AGENDA_SPEAKER: TextLimit = TextLimit::new("agenda.speaker", 0, 120);
    /// Why a meetup was cancelled or a comment hidden.
    pub const REASON: TextLimit = TextLimit::new("reason", 0, 1000);

    pub const THREAD_TITLE: TextLimit = TextLimit::new("title", 3, 200);
    pub const THREAD_BODY: TextLimit = TextLimit::new("body", 1, 40_000);
    pub const COMMENT_BODY: TextLimit = TextLimit::new("body", 1, 20_000);
    pub const QUOTE_EXCERPT: TextLimit = TextLimit::new("quote.excerpt", 1, 1000);
    pub const REPORT_REASON: TextLimit = TextLimit::new("reason", 3, 1000);

    pub const RESOURCE_TITLE: TextLimit = TextLimit::new("title", 1, 200);
    pub const RESOURCE_DESCRIPTION: TextLimit = TextLimit::new("description", 0, 4000);

    pub const GUIDELINES: TextLimit = TextLimit::new("body", 1, 20_000);
    pub const ORGANISATION_NAME: TextLimit = TextLimit::new("name", 2, 120);
    pub const ROLE_TITLE: TextLimit = TextLimit::new("roleTitle", 0, 120);
    /// An e-mail domain, as DNS allows it.
    pub const DOMAIN: TextLimit = TextLimit::new("verifiedDomain", 0, 253);

    /// Every limit above, for the test that the schema states each one.
    pub const ALL: [TextLimit; 31] = [
        EMAIL,
        PASSWORD,
        DISPLAY_NAME,
        HEADLINE,
        ORGANISATION,
        BIO,
        URL,
        SEARCH,
        GROUP_NAME,
        GROUP_DESCRIPTION,
        TOPIC_NAME,
        MEETUP_TITLE,
        MEETUP_DESCRIPTION,
        TIMEZONE,
        VENUE_NAME,
        VENUE_ADDRESS,
        AGENDA_TIME,
        AGENDA_TITLE,
        AGENDA_SPEAKER,
        REASON,
        THREAD_TITLE,
        THREAD_BODY,
        COMMENT_BODY,
        QUOTE_EXCERPT,
        REPORT_REASON,
        RESOURCE_TITLE,
        RESOURCE_DESCRIPTION,
        GUIDELINES,
        ORGANISATION_NAME,
        ROLE_TITLE,
        DOMAIN,
    ];
}

/// Trims and NFC-normalises `value`, then checks its length in characters.
fn clean(value: &str, field: &'static str, min: usize, max: usize) -> AppResult<String> {
    let cleaned: String = value.trim().nfc().collect();
    TextLimit { field, min, max }.check_length(cleaned.chars().count())?;
    Ok(cleaned)
}

fn clean_optional(
    value: Option<&str>,
    field: &'static str,
    max: usize,
) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => clean(value, field, 1, max).map(Some),
    }
}

/// An e-mail address as written (trimmed, NFC) and the key that makes it unique regardless of
/// case.
pub fn email(value: &str, field: &'static str) -> AppResult<(String, String)> {
    let email = limits::EMAIL.named(field).clean(value)?;
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(AppError::bad_input(field, "Not an e-mail address"));
    }
    let key = email.to_lowercase();
    Ok((email, key))
}

/// The case-insensitive lookup key of an e-mail address, without validating it.
pub fn email_key(value: &str) -> String {
    value.trim().nfc().collect::<String>().to_lowercase()
}

/// An optional `http`/`https` URL with a host, within [`limits::URL`].
pub fn web_url(value: Option<&str>, field: &'static str) -> AppResult<Option<String>> {
    let Some(raw) = limits::URL.named(field).clean_optional(value)? else {
        return Ok(None);
    };
    let parsed = url::Url::parse(&raw).map_err(|_| AppError::bad_input(field, "Not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::bad_input(field, "Must be an http or https URL"));
    }
    Ok(Some(parsed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_composed() {
        let decomposed = "  A\u{30a}se Bj\u{f8}rnstad ";
        assert_eq!(
            clean(decomposed, "name", 1, 80).ok().as_deref(),
            Some("\u{c5}se Bj\u{f8}rnstad")
        );
    }

    #[test]
    fn limits_count_norwegian_letters_as_one_character_each() {
        let at_limit: String = "æøå".chars().cycle().take(80).collect();
        assert_eq!(
            limits::DISPLAY_NAME.clean(&at_limit).ok(),
            Some(at_limit.clone())
        );
        let over = format!("{at_limit}æ");
        match limits::DISPLAY_NAME.clean(&over) {
            Err(AppError::BadUserInput { field, message }) => {
                assert_eq!(field, "displayName");
                assert_eq!(message, "Must be at most 80 characters");
            }
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
        // "å" written as `a` + combining ring counts once, as it is stored.
        assert_eq!(TextLimit::length_of(&"a\u{30a}".repeat(80)), 80);
    }

    /// The bounds a description states ("3 to 80 characters", "up to 120 characters"), with
    /// the input field it describes, read from the checked-in schema (which a test keeps equal
    /// to the served one).
    fn stated_limits() -> Vec<(String, Option<usize>, usize)> {
        let sdl = include_str!("../../schema.graphql");
        let pieces: Vec<&str> = sdl.split("\"\"\"").collect();
        let mut stated = Vec::new();
        for pair in pieces.windows(2).skip(1).step_by(2) {
            let (description, after) = (pair[0], pair[1]);
            let words: Vec<&str> = description.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| w.starts_with("characters")) else {
                continue;
            };
            let number = |w: &str| w.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok();
            let Some(max) = at.checked_sub(1).and_then(|i| number(words[i])) else {
                continue;
            };
            let min = (at >= 3 && words[at - 2] == "to")
                .then(|| number(words[at - 3]))
                .flatten();
            let field = after
                .split(':')
                .next()
                .map(|head| head.trim().split(['(', ' ', '\n']).next().unwrap_or(""))
                .unwrap_or("")
                .to_owned();
            stated.push((field, min, max));
        }
        stated
    }

    fn describes(limit: &TextLimit, field: &str) -> bool {
        let own = limit.field.rsplit('.').next().unwrap_or(limit.field);
        field.to_lowercase().ends_with(&own.to_lowercase())
    }

    #[test]
    fn the_schema_states_every_text_limit_as_it_is_enforced() {
        let stated = stated_limits();
        assert!(stated.len() > 30, "found only {stated:?}");
        for (field, min, max) in &stated {
            assert!(
                limits::ALL.iter().any(|limit| describes(limit, field)
                    && limit.max == *max
                    && min.is_none_or(|min| min == limit.min)),
                "{field}: the description says {min:?} to {max} characters; no limit says so"
            );
        }
        for limit in limits::ALL {
            assert!(
                stated
                    .iter()
                    .any(|(field, _, max)| describes(&limit, field) && *max == limit.max),
                "{limit:?} is stated in no schema description"
            );
        }
    }

    #[test]
    fn email_keys_ignore_case() {
        let (email, key) = email(" Kari.Nordmann@Example.NO ", "email").expect("valid");
        assert_eq!(email, "Kari.Nordmann@Example.NO");
        assert_eq!(key, "kari.nordmann@example.no");
        assert!(super::email("not-an-address", "email").is_err());
    }

    #[test]
    fn only_web_urls_are_accepted() {
        assert!(web_url(Some("javascript:alert(1)"), "url").is_err());
        assert!(web_url(Some("file:///etc/passwd"), "url").is_err());
        assert_eq!(
            web_url(Some("https://example.org/a"), "url")
                .ok()
                .flatten()
                .as_deref(),
            Some("https://example.org/a")
        );
        assert_eq!(web_url(Some("  "), "url").ok(), Some(None));
    }
}
