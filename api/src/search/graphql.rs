//! `search(query, kinds, groupId, topic, first, after)`: hits with their node, score and
//! snippet; and [`ranked_page`], with which `groups`, `group.threads` and `group.resources`
//! answer their `search` argument from the same engine.

use std::future::Future;

use crate::{
    discussions::{
        reads as discussions,
        types::{Comment, Thread},
    },
    error::{AppError, AppResult},
    graphql::{
        context::ContextExt,
        pagination::{self, Page, PageArgs},
    },
    groups::{reads as groups, types::Group},
    ids,
    meetups::{reads as meetups, types::Meetup},
    members::types::Member,
    resources::{reads as resources, types::Resource},
    search::{
        index::{COMMENT, GROUP, MEETUP, MEMBER, RESOURCE, THREAD},
        query::Search,
        reads::{self, Found, Scope},
    },
};
use async_graphql::{Context, Enum, ID, Object, SimpleObject, Union};

/// What a search may find.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Group,
    Meetup,
    Thread,
    Comment,
    Resource,
    Member,
}

impl SearchKind {
    fn code(self) -> &'static str {
        match self {
            Self::Group => GROUP,
            Self::Meetup => MEETUP,
            Self::Thread => THREAD,
            Self::Comment => COMMENT,
            Self::Resource => RESOURCE,
            Self::Member => MEMBER,
        }
    }
}

/// What a hit is.
#[derive(Union)]
pub enum SearchResult {
    Group(Box<Group>),
    Meetup(Box<Meetup>),
    Thread(Thread),
    Comment(Box<Comment>),
    Resource(Resource),
    Member(Member),
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
    /// Full-text search, Norwegian first (inflections find each other: "møtene" finds "møte"),
    /// English second ("meetings" finds "meeting"): words must all match, "a quoted phrase"
    /// matches in order, `-word` excludes, and the last word while it is typed matches as a
    /// prefix. Member and group names are found despite a typo (PostgreSQL). Only what the
    /// viewer may see is found: members-only groups' content by their members, drafts by their
    /// organisers, never what is hidden, deleted or removed.
    #[graphql(complexity = "pagination::cost(first, None, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] query: String,
        #[graphql(validator(max_items = 6))] kinds: Option<Vec<SearchKind>>,
        group_id: Option<ID>,
        #[graphql(desc = "A topic slug.", validator(max_length = 100))] topic: Option<String>,
        first: Option<i32>,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> AppResult<Page<SearchHit>> {
        let scope = Scope {
            kinds: kinds.map(|kinds| kinds.into_iter().map(SearchKind::code).collect()),
            group_id: group_id
                .map(|id| ids::decode_as(&id, ids::Kind::Group, "Group"))
                .transpose()?,
            topic,
            ..Scope::default()
        };
        let search = Search::parse(&query);
        ranked_page(ctx, &search, &scope, first, after, |row| {
            let search = &search;
            async move {
                let node = match row.kind.as_str() {
                    GROUP => SearchResult::Group(Box::new(groups::group_by_id(ctx, row.id).await?)),
                    MEETUP => {
                        SearchResult::Meetup(Box::new(meetups::meetup_by_id(ctx, row.id).await?))
                    }
                    THREAD => SearchResult::Thread(discussions::thread_by_id(ctx, row.id).await?),
                    COMMENT => SearchResult::Comment(Box::new(
                        discussions::comment_by_id(ctx, row.id).await?,
                    )),
                    RESOURCE => {
                        SearchResult::Resource(resources::resource_by_id(ctx, row.id).await?)
                    }
                    _ => SearchResult::Member(Member::load_required(ctx, row.id).await?),
                };
                let mut snippet = reads::snippet(&row.body, search);
                if !snippet.contains("<mark>") && !row.title.is_empty() {
                    snippet = reads::snippet(&row.title, search);
                }
                Ok(SearchHit {
                    node,
                    score: row.score,
                    snippet,
                })
            }
        })
        .await
    }
}

/// A page of what `search` finds in `scope`, most relevant first, each hit made a node by
/// `node` (a hit the viewer may no longer see is left out). The nodes are resolved together,
/// so the request's loaders read every row of a kind in one statement.
pub async fn ranked_page<'a, T, F, Fut>(
    ctx: &Context<'a>,
    search: &Search,
    scope: &Scope,
    first: Option<i32>,
    after: Option<String>,
    node: F,
) -> AppResult<Page<T>>
where
    T: async_graphql::OutputType,
    F: Fn(Found) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let args = PageArgs::<u64>::new(ctx, first, after, None, None)?;
    let offset = args.after_key().copied().unwrap_or(0);
    let (rows, total) = reads::run(
        &ctx.state()?.db,
        ctx.viewer(),
        search,
        scope,
        (offset, args.fetch_limit()),
        pagination::wants_total(ctx),
    )
    .await?;
    let nodes = futures_util::future::join_all(rows.into_iter().map(node)).await;
    let hits = (offset + 1..)
        .zip(nodes)
        .filter_map(|(position, node)| match node {
            Ok(node) => Some(Ok((position, node))),
            Err(AppError::NotFound(_)) => None,
            Err(err) => Some(Err(err)),
        })
        .collect::<AppResult<Vec<(u64, T)>>>()?;
    Ok(args.connection(hits, total, |(position, _)| *position, |(_, hit)| hit))
}
