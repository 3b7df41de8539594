//! Running a search: candidates are only what the viewer may read (listed entries of groups
//! whose content they may read), ranked by relevance with a mild boost for what is recent.

use std::collections::HashSet;

use entity::search_entry;
use migration::search_terms::stem;
use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult, Order,
    sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SimpleExpr},
};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer, error::AppResult, groups::policy::readable_groups,
    mail::templates::escape, search::query::Search,
};

/// One row a search found.
#[derive(Debug, FromQueryResult)]
pub struct Found {
    pub kind: String,
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub score: f64,
}

/// Where to look.
pub struct Scope {
    pub kinds: Option<Vec<&'static str>>,
    pub group_id: Option<Uuid>,
}

/// The viewer's hits for `search` in `scope`, `limit` of them after the first `offset`, and,
/// with `count`, how many there are in all (else 0). One statement, two with the count.
pub async fn run<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    search: &Search,
    scope: &Scope,
    page: (u64, u64),
    count: bool,
) -> AppResult<(Vec<Found>, u64)> {
    let (offset, limit) = page;
    if search.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let backend = db.get_database_backend();
    let mut select = candidates(backend, viewer, search, scope);
    let count = if count {
        let mut counting = select.clone();
        counting.expr_as(Expr::cust("COUNT(*)"), "n");
        let row = db.query_one(&counting).await?;
        row.map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0)
    } else {
        0
    };
    select
        .column((search_entry::Entity, search_entry::Column::Kind))
        .column((search_entry::Entity, search_entry::Column::Id))
        .column((search_entry::Entity, search_entry::Column::Title))
        .column((search_entry::Entity, search_entry::Column::Body))
        .expr_as(score(backend, search), "score")
        .order_by_expr(Expr::cust("score"), Order::Desc)
        .order_by((search_entry::Entity, search_entry::Column::Id), Order::Asc)
        .limit(limit)
        .offset(offset);
    let rows = Found::find_by_statement(backend.build(&select))
        .all(db)
        .await?;
    Ok((rows, u64::try_from(count).unwrap_or(0)))
}

/// The rows the viewer may find that match, without columns.
fn candidates(
    backend: DbBackend,
    viewer: &Viewer,
    search: &Search,
    scope: &Scope,
) -> SelectStatement {
    let (member, admin) = viewer
        .identity()
        .map_or((Uuid::nil(), false), |i| (i.member_id, i.is_site_admin));
    let mut select = Query::select();
    select
        .from(search_entry::Entity)
        .and_where(Expr::col((search_entry::Entity, search_entry::Column::Listed)).eq(true))
        .cond_where(readable_groups(
            search_entry::Column::GroupId,
            member,
            admin,
        ));
    match backend {
        DbBackend::Postgres => {
            select.and_where(Expr::cust_with_values(
                "search_entry.document @@ to_tsquery('norwegian', $1)",
                [search.to_tsquery()],
            ));
        }
        _ => {
            select
                .join(
                    JoinType::InnerJoin,
                    Alias::new("search_fts"),
                    Expr::cust("search_fts.rowid = search_entry.rowid"),
                )
                .and_where(Expr::cust_with_values(
                    "search_fts MATCH ?",
                    [search.to_fts5()],
                ));
        }
    }
    if let Some(kinds) = &scope.kinds {
        select.and_where(
            Expr::col((search_entry::Entity, search_entry::Column::Kind))
                .is_in(kinds.iter().copied()),
        );
    }
    if let Some(group) = scope.group_id {
        select
            .and_where(Expr::col((search_entry::Entity, search_entry::Column::GroupId)).eq(group));
    }
    select
}

/// Relevance (a title's words weigh most) times a boost that fades over months.
fn score(backend: DbBackend, search: &Search) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "ts_rank(search_entry.document, to_tsquery('norwegian', $1)) * \
             (1.0 + 1.0 / (1.0 + EXTRACT(EPOCH FROM (now() - search_entry.created_at)) / 2592000.0))",
            [search.to_tsquery()],
        ),
        _ => Func::coalesce([
            Expr::cust(
                "-bm25(search_fts, 10.0, 1.0) * \
                 (1.0 + 1.0 / (1.0 + (julianday('now') - julianday(search_entry.created_at)) / 30.0))",
            ),
            Expr::cust("-bm25(search_fts, 10.0, 1.0)"),
        ])
        .into(),
    }
}

/// The passage of `text` around its first match, escaped, with every matching word in
/// `<mark>`; the whole text when it is short.
pub fn snippet(text: &str, search: &Search) -> String {
    const BEFORE: usize = 8;
    const AFTER: usize = 24;
    let marked: HashSet<String> = search.marked().into_iter().collect();
    let spans: Vec<(usize, usize, bool)> = word_spans(text)
        .map(|(start, end)| {
            let word = text[start..end].to_lowercase();
            let stemmed = stem(&word);
            let hit = marked.contains(&stemmed)
                || search.prefix.as_ref().is_some_and(|p| {
                    stemmed.starts_with(p.as_str()) || word.starts_with(p.as_str())
                });
            (start, end, hit)
        })
        .collect();
    let first = spans.iter().position(|(_, _, hit)| *hit).unwrap_or(0);
    let from = first.saturating_sub(BEFORE);
    let to = (first + AFTER).min(spans.len());
    let Some(&(start, _, _)) = spans.get(from) else {
        return escape(text);
    };
    let end = spans.get(to.saturating_sub(1)).map_or(text.len(), |s| s.1);
    let mut out = String::new();
    // From the text's start when the passage begins at its first word, so nothing before
    // that word is lost.
    let mut at = if from == 0 { 0 } else { start };
    if from > 0 {
        out.push('…');
    }
    for &(word_start, word_end, hit) in &spans[from..to] {
        out.push_str(&escape(&text[at..word_start]));
        if hit {
            out.push_str("<mark>");
            out.push_str(&escape(&text[word_start..word_end]));
            out.push_str("</mark>");
        } else {
            out.push_str(&escape(&text[word_start..word_end]));
        }
        at = word_end;
    }
    if to < spans.len() {
        out.push_str(&escape(&text[at..end]));
        out.push('…');
    } else {
        out.push_str(&escape(&text[at..]));
    }
    out
}

/// Byte ranges of the words of `text` (runs of letters and digits).
fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_inflected_hits_and_escape_the_rest() {
        let search = Search::parse("møte ");
        assert_eq!(
            snippet("Etter <b>møtene</b> i går & i dag.", &search),
            "Etter &lt;b&gt;<mark>møtene</mark>&lt;/b&gt; i går &amp; i dag."
        );
        let long = format!("{} GDPR {}", "ord ".repeat(20), "mer ".repeat(40));
        let cut = snippet(&long, &Search::parse("gdpr "));
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("<mark>GDPR</mark>"), "{cut}");
    }
}
