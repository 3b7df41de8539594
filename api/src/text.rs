//! Input text rules shared by every area: trimming, Unicode NFC normalisation (so "å" typed as
//! `a` + combining ring and as one code point are the same name), length limits counted in
//! characters, and URL checks. Text is stored as written otherwise; HTML is never produced here.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, AppResult};

/// Trims and NFC-normalises `value`, then checks its length in characters.
pub fn clean(value: &str, field: &str, min: usize, max: usize) -> AppResult<String> {
    let cleaned: String = value.trim().nfc().collect();
    let length = cleaned.chars().count();
    if length < min {
        return Err(AppError::bad_input(
            field,
            if min == 1 {
                "Must not be empty".to_owned()
            } else {
                format!("Must be at least {min} characters")
            },
        ));
    }
    if length > max {
        return Err(AppError::bad_input(
            field,
            format!("Must be at most {max} characters"),
        ));
    }
    Ok(cleaned)
}

/// Like [`clean`], for an optional field: blank becomes `None`.
pub fn clean_optional(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => clean(value, field, 1, max).map(Some),
    }
}

/// An e-mail address as written (trimmed, NFC) and the key that makes it unique regardless of
/// case.
pub fn email(value: &str, field: &str) -> AppResult<(String, String)> {
    let email = clean(value, field, 3, 254)?;
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

/// An optional `http`/`https` URL with a host, at most 2048 characters.
pub fn web_url(value: Option<&str>, field: &str) -> AppResult<Option<String>> {
    let Some(raw) = clean_optional(value, field, 2048)? else {
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
