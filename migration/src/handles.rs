//! Members' handles, the name after `@` in a mention: lowercase ASCII letters, digits and `_`,
//! 3 to 30 characters. A new member's handle is derived from their display name (Norwegian and
//! other Latin letters transliterated); the migration that introduced handles derived them the
//! same way for existing members, which is why the rule lives here.

/// The shortest and longest handle.
pub const HANDLE_LEN: std::ops::RangeInclusive<usize> = 3..=30;

/// The handle a display name suggests, before making it unique: "Åse Øvrebø-Ærlig" becomes
/// `aase_oevreboe_aerlig`.
pub fn handle_from_name(display_name: &str) -> String {
    let mut handle = String::new();
    for ch in display_name.chars().flat_map(char::to_lowercase) {
        let ascii = match ch {
            'a'..='z' | '0'..='9' => Some(ch.to_string()),
            'æ' => Some("ae".into()),
            'ø' | 'ö' | 'œ' => Some("oe".into()),
            'å' => Some("aa".into()),
            'ä' => Some("ae".into()),
            'ü' => Some("ue".into()),
            'ß' => Some("ss".into()),
            'à' | 'á' | 'â' | 'ã' => Some("a".into()),
            'ç' => Some("c".into()),
            'è' | 'é' | 'ê' | 'ë' => Some("e".into()),
            'ì' | 'í' | 'î' | 'ï' => Some("i".into()),
            'ñ' => Some("n".into()),
            'ò' | 'ó' | 'ô' | 'õ' => Some("o".into()),
            'ù' | 'ú' | 'û' => Some("u".into()),
            'ý' | 'ÿ' => Some("y".into()),
            'ð' => Some("d".into()),
            'þ' => Some("th".into()),
            _ => None,
        };
        match ascii {
            Some(part) => handle.push_str(&part),
            None if !handle.is_empty() && !handle.ends_with('_') => handle.push('_'),
            None => {}
        }
    }
    let mut handle: String = handle.trim_end_matches('_').chars().take(24).collect();
    handle.truncate(handle.trim_end_matches('_').len());
    if handle.len() < *HANDLE_LEN.start() {
        handle = format!("member_{handle}").trim_end_matches('_').to_owned();
    }
    handle
}

/// `base` made unique against `taken`: itself, else `base2`, `base3`, …
pub fn unique_handle(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_handles() {
        assert_eq!(handle_from_name("Åse Øvrebø-Ærlig"), "aase_oevreboe_aerlig");
        assert_eq!(handle_from_name("Kari Nordmann"), "kari_nordmann");
        assert_eq!(handle_from_name("  Ola  "), "ola");
        assert_eq!(handle_from_name("Li"), "member_li");
        assert_eq!(handle_from_name("李"), "member");
        assert_eq!(handle_from_name("René Müller"), "rene_mueller");
        assert!(handle_from_name(&"x".repeat(100)).len() <= 24);
    }

    #[test]
    fn taken_handles_get_a_number() {
        let taken = ["kari", "kari2"];
        assert_eq!(unique_handle("kari", |h| taken.contains(&h)), "kari3");
        assert_eq!(unique_handle("ola", |h| taken.contains(&h)), "ola");
    }
}
