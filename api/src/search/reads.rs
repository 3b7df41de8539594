//! Running a search: candidates are only what the viewer may find (the entry's audience: anyone,
//! readers of its group, or its organisers), ranked by relevance with a mild boost for what is
//! recent. PostgreSQL also finds member and group names despite typos (trigram similarity).

use std::collections::HashSet;

use entity::{
    group_topic, meetup_host, meetup_topic, membership, resource, resource_topic, search_entry,
    thread_topic, topic,
};
use migration::search_index::{audience, kind};
use migration::search_terms::{english_stem, stem};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, FromQueryResult, Order,
    sea_query::{
        Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SimpleExpr, UnionType,
    },
};
use uuid::Uuid;

use crate::{
    auth::viewer::Viewer, error::AppResult, groups::policy::readable_groups,
    mail::templates::escape, search::query::Search, topics::TopicLink,
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
#[derive(Default)]
pub struct Scope {
    pub kinds: Option<Vec<&'static str>>,
    pub group_id: Option<Uuid>,
    /// A topic's slug.
    pub topic: Option<String>,
    /// Only library items of this kind.
    pub resource_kind: Option<resource::Kind>,
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
    // Each branch is one way to match, with its own index: the text, and on PostgreSQL a
    // group's or member's name despite a typo (what the text already matched left out). As
    // branches of a UNION rather than an OR, the text's match is checked once per row.
    let mut branches = vec![candidates(backend, viewer, search, scope, Match::Text)];
    if backend == DbBackend::Postgres && !search.name_words().is_empty() {
        branches.push(candidates(backend, viewer, search, scope, Match::NameTypo));
    }
    let union = |columns: &dyn Fn(&mut SelectStatement)| {
        let mut parts = branches.clone().into_iter().map(|mut branch| {
            columns(&mut branch);
            branch
        });
        let mut union = parts.next().unwrap_or_else(Query::select);
        for part in parts {
            union.union(UnionType::All, part);
        }
        union
    };
    let count = if count {
        let counting = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_subquery(
                union(&|branch| {
                    branch.expr(Expr::val(1));
                }),
                Alias::new("hit"),
            )
            .to_owned();
        let row = db.query_one(&counting).await?;
        row.map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0)
    } else {
        0
    };
    let hits = union(&|branch| {
        branch
            .column((search_entry::Entity, search_entry::Column::Kind))
            .column((search_entry::Entity, search_entry::Column::Id))
            .column((search_entry::Entity, search_entry::Column::Title))
            .column((search_entry::Entity, search_entry::Column::Body))
            .expr_as(score(backend, search), "score");
    });
    let select = Query::select()
        .columns(["kind", "id", "title", "body", "score"].map(Alias::new))
        .from_subquery(hits, Alias::new("hit"))
        .order_by(Alias::new("score"), Order::Desc)
        .order_by(Alias::new("id"), Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned();
    let rows = Found::find_by_statement(backend.build(&select))
        .all(db)
        .await?;
    Ok((rows, u64::try_from(count).unwrap_or(0)))
}

/// How a branch of a search matches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    /// By the words of the text.
    Text,
    /// By a group's or member's name, despite a typo, where the text does not match.
    NameTypo,
}

/// The query's tsquery (the words by Norwegian stems, or by English stems, or as written) in
/// `sql`, where it stands for `{tsquery}`. It is a scalar subquery, so PostgreSQL computes it
/// once per execution even in a prepared statement's generic plan (as a plain expression of
/// the parameters it would be parsed and stemmed again for every candidate row: 7 times
/// slower over 34,000 matches).
fn with_tsquery(sql: &str, search: &Search) -> SimpleExpr {
    let text = search.to_tsquery();
    Expr::cust_with_values(
        sql.replace(
            "{tsquery}",
            "(SELECT to_tsquery('norwegian', $1) || to_tsquery('english', $2) || \
             to_tsquery('simple', $3))",
        ),
        [text.clone(), text.clone(), text],
    )
}

/// The rows the viewer may find that match (`how`), without columns.
fn candidates(
    backend: DbBackend,
    viewer: &Viewer,
    search: &Search,
    scope: &Scope,
    how: Match,
) -> SelectStatement {
    let mut select = Query::select();
    select.from(search_entry::Entity);
    // One condition, built whole: every part must hold.
    let mut filter = Condition::all().add(findable_by(viewer));
    match backend {
        DbBackend::Postgres if how == Match::Text => {
            filter = filter.add(with_tsquery("search_entry.document @@ {tsquery}", search));
        }
        DbBackend::Postgres => {
            // Served by the trigram index over the names of groups and members (its predicate
            // written out, so every plan can use the index).
            filter = filter
                .add(Expr::cust_with_values(
                    "search_entry.kind IN ('GROUP', 'MEMBER') AND search_entry.names <> '' \
                     AND $1 <% search_entry.names",
                    [search.name_words()],
                ))
                .add(with_tsquery(
                    "NOT (search_entry.document @@ {tsquery})",
                    search,
                ));
        }
        _ => {
            select.join(
                JoinType::InnerJoin,
                Alias::new("search_fts"),
                Expr::cust("search_fts.rowid = search_entry.seq"),
            );
            filter = filter.add(Expr::cust_with_values(
                "search_fts MATCH ?",
                [search.to_fts5()],
            ));
        }
    }
    if let Some(kinds) = &scope.kinds {
        filter = filter.add(
            Expr::col((search_entry::Entity, search_entry::Column::Kind))
                .is_in(kinds.iter().copied()),
        );
    }
    if let Some(group) = scope.group_id {
        filter =
            filter.add(Expr::col((search_entry::Entity, search_entry::Column::GroupId)).eq(group));
    }
    if let Some(slug) = &scope.topic {
        filter = filter.add(tagged(slug));
    }
    if let Some(resource_kind) = scope.resource_kind {
        filter = filter.add(
            Expr::col((search_entry::Entity, search_entry::Column::Id)).in_subquery(
                Query::select()
                    .column(resource::Column::Id)
                    .from(resource::Entity)
                    .and_where(resource::Column::Kind.eq(resource_kind))
                    .to_owned(),
            ),
        );
    }
    select.cond_where(filter);
    select
}

/// What `viewer` may find: what anyone may; what readers of a group may, in groups whose
/// content they may read; drafts in groups they organise or meetups they host.
pub fn findable_by(viewer: &Viewer) -> Condition {
    let audience_is = |value: &str| {
        Expr::col((search_entry::Entity, search_entry::Column::Audience)).eq(value.to_owned())
    };
    let mut findable = Condition::any().add(audience_is(audience::ANYONE));
    let (member, admin) = viewer
        .identity()
        .map_or((Uuid::nil(), false), |i| (i.member_id, i.is_site_admin));
    findable = findable.add(Condition::all().add(audience_is(audience::READERS)).add(
        readable_groups(search_entry::Column::GroupId, member, admin),
    ));
    if viewer.identity().is_some() {
        findable =
            findable.add(
                Condition::all().add(audience_is(audience::ORGANISERS)).add(
                    Condition::any()
                        .add(
                            search_entry::Column::GroupId.in_subquery(
                                Query::select()
                                    .column(membership::Column::GroupId)
                                    .from(membership::Entity)
                                    .and_where(membership::Column::MemberId.eq(member))
                                    .and_where(
                                        membership::Column::Status.eq(membership::Status::Active),
                                    )
                                    .and_where(membership::Column::Role.is_in([
                                        membership::Role::Owner,
                                        membership::Role::Organiser,
                                    ]))
                                    .to_owned(),
                            ),
                        )
                        .add(
                            search_entry::Column::Id.in_subquery(
                                Query::select()
                                    .column(meetup_host::Column::MeetupId)
                                    .from(meetup_host::Entity)
                                    .and_where(meetup_host::Column::MemberId.eq(member))
                                    .to_owned(),
                            ),
                        ),
                ),
            );
    }
    findable
}

/// The ids of what `L` tags with the topic `slug`.
fn tagged_with<L: TopicLink>(slug: &str) -> SelectStatement {
    Query::select()
        .column(L::owner_column())
        .from(L::default())
        .and_where(
            L::topic_column().in_subquery(
                Query::select()
                    .column(topic::Column::Id)
                    .from(topic::Entity)
                    .and_where(topic::Column::Slug.eq(slug))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// Entries tagged with the topic `slug`; a comment by its thread's topics.
fn tagged(slug: &str) -> Condition {
    let of_kind = |value: &str, column: search_entry::Column, ids: SelectStatement| {
        Condition::all()
            .add(search_entry::Column::Kind.eq(value.to_owned()))
            .add(column.in_subquery(ids))
    };
    use search_entry::Column::{Id, ParentId};
    Condition::any()
        .add(of_kind(
            kind::THREAD,
            Id,
            tagged_with::<thread_topic::Entity>(slug),
        ))
        .add(of_kind(
            kind::COMMENT,
            ParentId,
            tagged_with::<thread_topic::Entity>(slug),
        ))
        .add(of_kind(
            kind::MEETUP,
            Id,
            tagged_with::<meetup_topic::Entity>(slug),
        ))
        .add(of_kind(
            kind::RESOURCE,
            Id,
            tagged_with::<resource_topic::Entity>(slug),
        ))
        .add(of_kind(
            kind::GROUP,
            Id,
            tagged_with::<group_topic::Entity>(slug),
        ))
}

/// Relevance (title and names weigh most, English stems least) times a boost that fades over
/// months; on PostgreSQL a name's similarity to the words adds to it. The age is taken with
/// `date_part` (double precision): `EXTRACT` answers `numeric`, whose arithmetic cost a search
/// over 34,000 matches 60 ms more.
fn score(backend: DbBackend, search: &Search) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => {
            let rank = with_tsquery("ts_rank(search_entry.document, {tsquery})", search);
            let similarity = Expr::cust_with_values(
                "CASE WHEN search_entry.kind IN ('GROUP', 'MEMBER') \
                 THEN word_similarity($1, search_entry.names) ELSE 0 END",
                [search.name_words()],
            );
            Expr::expr(rank).add(similarity).mul(Expr::cust(
                "(1.0 + 1.0 / (1.0 + date_part('epoch', now() - search_entry.created_at) / 2592000.0))",
            ))
        }
        _ => Func::coalesce([
            Expr::cust(
                "-bm25(search_fts, 10.0, 1.0, 0.5) * \
                 (1.0 + 1.0 / (1.0 + (julianday('now') - julianday(search_entry.created_at)) / 30.0))",
            ),
            Expr::cust("-bm25(search_fts, 10.0, 1.0, 0.5)"),
        ])
        .into(),
    }
}

/// The passage of `text` around its first match, escaped, with every matching word in
/// `<mark>`; the whole text when it is short.
pub fn snippet(text: &str, search: &Search) -> String {
    const BEFORE: usize = 8;
    const AFTER: usize = 24;
    let (norwegian, english) = search.marked();
    let norwegian: HashSet<String> = norwegian.into_iter().collect();
    let english: HashSet<String> = english.into_iter().collect();
    let prefix = search.prefix.as_ref().map(|p| (p, stem(p)));
    let spans: Vec<(usize, usize, bool)> = word_spans(text)
        .map(|(start, end)| {
            let word = text[start..end].to_lowercase();
            let stemmed = stem(&word);
            let hit = norwegian.contains(&stemmed)
                || english.contains(&english_stem(&word))
                || prefix.as_ref().is_some_and(|(typed, stemmed_prefix)| {
                    word.starts_with(typed.as_str()) || stemmed.starts_with(stemmed_prefix.as_str())
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
