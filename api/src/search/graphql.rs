//! `search(query, kinds, groupId, first, after)`: hits with their node, score and snippet.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Union};

use crate::{
    discussions::{
        reads as discussions,
        types::{Comment, Thread},
    },
    error::AppResult,
    graphql::{
        context::ContextExt,
        pagination::{self, Page, PageArgs},
    },
    ids,
    search::{
        index::{COMMENT, THREAD},
        query::Search,
        reads::{self, Scope},
    },
};

/// What a search may find.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Thread,
    Comment,
}

impl SearchKind {
    fn code(self) -> &'static str {
        match self {
            Self::Thread => THREAD,
            Self::Comment => COMMENT,
        }
    }
}

/// What a hit is.
#[derive(Union)]
pub enum SearchResult {
    Thread(Thread),
    Comment(Box<Comment>),
}

/// One thing a search found.
#[derive(SimpleObject)]
pub struct SearchHit {
    pub node: SearchResult,
    /// Relevance (higher first), boosted for what is recent; comparable within one search.
    pub score: f64,
    /// The matching passage: HTML with the matching words in `<mark>` and everything else
    /// escaped, safe to put in a page.
    pub snippet: String,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search in Norwegian (inflections find each other: "møtene" finds "møte"):
    /// words must all match, "a quoted phrase" matches in order, `-word` excludes, and the last
    /// word while it is typed matches as a prefix. Only what the viewer may read is found.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] query: String,
        #[graphql(validator(max_items = 6))] kinds: Option<Vec<SearchKind>>,
        group_id: Option<ID>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<SearchHit>> {
        let args = PageArgs::<u64>::new(ctx, first, after, None, None)?;
        let scope = Scope {
            kinds: kinds.map(|kinds| kinds.into_iter().map(SearchKind::code).collect()),
            group_id: group_id
                .map(|id| ids::decode_as(&id, ids::Kind::Group, "Group"))
                .transpose()?,
        };
        let search = Search::parse(&query);
        let offset = args.after_key().copied().unwrap_or(0);
        let (rows, total) = reads::run(
            &ctx.state()?.db,
            ctx.viewer(),
            &search,
            &scope,
            (offset, args.fetch_limit()),
            pagination::wants_total(ctx),
        )
        .await?;
        // Resolved together, so the request's loaders read every thread and comment of the
        // page in one statement each.
        let nodes = futures_util::future::join_all(rows.iter().map(|row| async move {
            match row.kind.as_str() {
                THREAD => discussions::thread_by_id(ctx, row.id)
                    .await
                    .ok()
                    .map(SearchResult::Thread),
                _ => discussions::comment_by_id(ctx, row.id)
                    .await
                    .ok()
                    .map(|comment| SearchResult::Comment(Box::new(comment))),
            }
        }))
        .await;
        let hits: Vec<(u64, SearchHit)> = (offset + 1..)
            .zip(rows.into_iter().zip(nodes))
            .filter_map(|(position, (row, node))| {
                let mut snippet = reads::snippet(&row.body, &search);
                if !snippet.contains("<mark>") && !row.title.is_empty() {
                    snippet = reads::snippet(&row.title, &search);
                }
                Some((
                    position,
                    SearchHit {
                        node: node?,
                        score: row.score,
                        snippet,
                    },
                ))
            })
            .collect();
        Ok(args.connection(hits, total, |(position, _)| *position, |(_, hit)| hit))
    }
}
