//! Handles: the name after `@` that mentions a member. A new member's is derived from their
//! display name (`migration::handles`), made unique with a number; a member may change theirs.
//! Handles are lowercase, so `@Kari` and `@kari` are one member.

use entity::member;
use migration::handles::{HANDLE_LEN, handle_from_name, unique_handle};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::{AppError, AppResult};

/// Most handles one text mentions that are looked up; the rest stay plain text.
pub const MAX_MENTIONS: usize = 20;

/// How many of a name's handles (`kari`, `kari2`, … `kari50`) a new member's is first looked
/// for among, each by the handle's unique index.
const CANDIDATES: usize = 50;

/// A free handle for a new member named `display_name`: the first of its candidates no one has
/// (one statement, served by the handle's index), or, when all are taken, the first free one
/// after them (a second statement that reads every handle starting like it: neither database
/// serves a `LIKE` prefix from that index, under PostgreSQL's collation and SQLite's
/// case-insensitive `LIKE`).
pub async fn free_handle<C: ConnectionTrait>(db: &C, display_name: &str) -> AppResult<String> {
    let base = handle_from_name(display_name);
    let candidates: Vec<String> = std::iter::once(base.clone())
        .chain((2..=CANDIDATES).map(|n| format!("{base}{n}")))
        .collect();
    let taken = handles_where(db, member::Column::Handle.is_in(candidates.iter().cloned())).await?;
    if let Some(free) = candidates.into_iter().find(|c| !taken.contains(c)) {
        return Ok(free);
    }
    let taken = handles_where(db, member::Column::Handle.starts_with(&base)).await?;
    Ok(unique_handle(&base, |h| taken.iter().any(|t| t == h)))
}

/// The handles of the members `condition` picks.
async fn handles_where<C: ConnectionTrait>(
    db: &C,
    condition: sea_orm::sea_query::SimpleExpr,
) -> AppResult<Vec<String>> {
    Ok(member::Entity::find()
        .select_only()
        .column(member::Column::Handle)
        .filter(condition)
        .into_tuple()
        .all(db)
        .await?)
}

/// A handle a member chose, lowercased, or the reason it is refused.
pub fn parse(input: &str) -> AppResult<String> {
    let handle = input.trim().trim_start_matches('@').to_ascii_lowercase();
    if !HANDLE_LEN.contains(&handle.len()) {
        return Err(AppError::bad_input(
            "handle",
            "A handle has 3 to 30 characters",
        ));
    }
    if !handle.bytes().all(is_handle_byte) {
        return Err(AppError::bad_input(
            "handle",
            "A handle has only letters a-z, digits and _",
        ));
    }
    Ok(handle)
}

fn is_handle_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Where `text` mentions a handle: each `@` at the start or after a character that cannot end
/// an e-mail's local part, followed by 3 to 30 handle characters, as (start of the `@`, end,
/// lowercased handle).
pub fn mention_spans(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let bytes = text.as_bytes();
    text.match_indices('@').filter_map(move |(at, _)| {
        if at > 0 && (is_handle_byte(bytes[at - 1]) || matches!(bytes[at - 1], b'.' | b'-' | b'+'))
        {
            return None;
        }
        let end = bytes[at + 1..]
            .iter()
            .position(|b| !is_handle_byte(*b))
            .map_or(bytes.len(), |n| at + 1 + n);
        let handle = text[at + 1..end].to_ascii_lowercase();
        HANDLE_LEN
            .contains(&handle.len())
            .then_some((at, end, handle))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_lowercased() {
        let spans = |text| mention_spans(text).map(|(_, _, h)| h).collect::<Vec<_>>();
        assert_eq!(
            spans("@Kari and @ola_n; mail kari@example.no, @ab too short"),
            vec!["kari", "ola_n"]
        );
        assert_eq!(spans("(@per)"), vec!["per"]);
        assert!(spans("no one").is_empty());
    }

    #[test]
    fn chosen_handles_are_checked() {
        assert_eq!(parse("@Kari_N").ok().as_deref(), Some("kari_n"));
        assert!(parse("ka").is_err());
        assert!(parse("kåre").is_err());
        assert!(parse(&"a".repeat(31)).is_err());
    }
}
