//! URL-safe slugs from names. Norwegian and other Latin letters are transliterated ("Ærlig øl på
//! Åsen" → `aerlig-ol-pa-asen`) rather than dropped, so slugs stay readable.

use unicode_normalization::UnicodeNormalization;

/// Longest slug we make or accept.
pub const MAX_SLUG: usize = 60;

/// A slug for `name`: lowercase ASCII letters and digits separated by single hyphens.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.nfkd() {
        let replacement: &str = match c {
            'æ' | 'Æ' => "ae",
            'ø' | 'Ø' => "o",
            'ß' => "ss",
            'þ' | 'Þ' => "th",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ł' | 'Ł' => "l",
            'œ' | 'Œ' => "oe",
            c if c.is_ascii_alphanumeric() => {
                push(&mut slug, &mut pending_dash, c.to_ascii_lowercase());
                continue;
            }
            // Combining marks left by the decomposition (the ring of å, the accent of é).
            c if ('\u{300}'..='\u{36f}').contains(&c) => continue,
            _ => {
                pending_dash = !slug.is_empty();
                continue;
            }
        };
        for r in replacement.chars() {
            push(&mut slug, &mut pending_dash, r);
        }
    }
    slug.truncate(MAX_SLUG);
    slug.trim_end_matches('-').to_owned()
}

fn push(slug: &mut String, pending_dash: &mut bool, c: char) {
    if *pending_dash {
        slug.push('-');
        *pending_dash = false;
    }
    slug.push(c);
}

/// Whether a client-given slug is acceptable as it is.
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_names_become_readable_slugs() {
        assert_eq!(slugify("Sosiale medier & etikk"), "sosiale-medier-etikk");
        assert_eq!(slugify("Ærlig øl på Åsen"), "aerlig-ol-pa-asen");
        assert_eq!(
            slugify("  Café — Data/Sikkerhet 2026! "),
            "cafe-data-sikkerhet-2026"
        );
    }

    #[test]
    fn slugs_are_checked() {
        assert!(is_valid("data-security"));
        assert!(!is_valid("Data"));
        assert!(!is_valid("-x"));
        assert!(!is_valid("a--b"));
        assert!(!is_valid(""));
    }
}
