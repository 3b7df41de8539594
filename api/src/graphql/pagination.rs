//! Relay connections with keyset cursors. A cursor is the base64url of the JSON of the list's
//! field name and the sort key of one row (for example `["comments", [createdAt, id]]`), so a
//! cursor from one list is refused by another; clients treat it as opaque. Pages are fetched with
//! sea-orm's keyset `Cursor` (one row more than asked, to know whether another page follows), so a
//! page never shifts when rows are added before it, unlike offsets. `totalCount` runs its count
//! query only when the client selects it, and a row's cursor is made only when the client
//! selects it (`edges { cursor }`, or the first and last row's through `pageInfo`).

use async_graphql::{
    Context, OutputType, SelectionField, SimpleObject,
    connection::{Connection, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::row::FromRow;
use sea_orm::{
    ConnectionTrait, Cursor, EntityTrait, PaginatorTrait, Select, SelectorTrait,
    sea_query::IntoValueTuple,
};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{
    db::{Db, cursor_statement},
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    members::loader::{WithAuthor, join_author, shared},
};

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The extra field every connection has.
#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many items the whole list has, across all pages.
    pub total_count: u64,
}

/// A Relay connection whose cursors are opaque strings.
pub type Page<Node> = Connection<String, Node, ConnectionTotals>;

/// Query complexity of a connection field: the page size times what one node costs.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize);
    size.max(1).saturating_mul(child_complexity)
}

/// Validated `first`/`after`/`last`/`before` arguments with a decoded sort key of type `K`.
#[derive(Debug)]
pub struct PageArgs<K> {
    /// The list's field name, carried in its cursors.
    list: String,
    after: Option<K>,
    before: Option<K>,
    size: u64,
    backward: bool,
    /// The cursors the client selected.
    cursors: Cursors,
}

/// Which rows of a page need their cursor made. A page of fifty attendees or comments shown by
/// `nodes` needs none, and making each is the JSON of its key in base64: two allocations and
/// a UUID written out as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cursors {
    /// None: neither `edges { cursor }` nor `pageInfo`'s cursors are selected.
    None,
    /// The first and last row's, for `pageInfo { startCursor endCursor }`.
    Ends,
    /// Every row's, for `edges { cursor }`.
    Every,
}

impl Cursors {
    /// The cursors the selection of the connection field `ctx` resolves asks for, through
    /// fragments too (a field under `@skip` counts as selected, which only costs a cursor).
    fn selected(ctx: &Context<'_>) -> Self {
        let connection = ctx.look_ahead();
        if connection.field("edges").field("cursor").exists() {
            Self::Every
        } else {
            let page_info = connection.field("pageInfo");
            if page_info.field("startCursor").exists() || page_info.field("endCursor").exists() {
                Self::Ends
            } else {
                Self::None
            }
        }
    }
}

/// The rows a page of `value` rows shows, if that is a size a page may have.
fn page_size(value: i32) -> Option<u64> {
    u64::try_from(value)
        .ok()
        .filter(|size| *size <= MAX_PAGE_SIZE)
}

/// [`PageArgs::fetch_limit`] of the first page read forwards that `first` asks for, if valid: for
/// a parent's read that looks ahead at the pages its fields will ask for.
pub fn first_page_fetch_limit(first: Option<i32>) -> Option<u64> {
    first
        .map_or(Some(DEFAULT_PAGE_SIZE), page_size)
        .map(|size| size + 1)
}

impl<K: Serialize + DeserializeOwned> PageArgs<K> {
    /// The arguments of the connection field `ctx` resolves; its cursors name that field.
    pub fn new(
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<Self> {
        let list = ctx.item.node.name.node.to_string();
        Self::of_list(list, first, after, last, before, Cursors::selected(ctx))
    }

    fn of_list(
        list: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        cursors: Cursors,
    ) -> AppResult<Self> {
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "Give either first or last, not both",
            ));
        }
        let size = |value: i32, field: &str| -> AppResult<u64> {
            page_size(value).ok_or_else(|| {
                AppError::bad_input(field, format!("Must be between 0 and {MAX_PAGE_SIZE}"))
            })
        };
        let (size, backward) = match (first, last) {
            (_, Some(last)) => (size(last, "last")?, true),
            (Some(first), None) => (size(first, "first")?, false),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        Ok(Self {
            after: after
                .map(|c| decode_cursor(&list, &c, "after"))
                .transpose()?,
            before: before
                .map(|c| decode_cursor(&list, &c, "before"))
                .transpose()?,
            list,
            size,
            backward,
            cursors,
        })
    }

    /// Rows to fetch for this page: one more than it shows, to know whether another follows.
    /// [`first_page_fetch_limit`] is the same for a first page read forwards.
    pub fn fetch_limit(&self) -> u64 {
        self.size + 1
    }

    /// The sort key the page starts after, if a cursor was given.
    pub fn after_key(&self) -> Option<&K> {
        self.after.as_ref()
    }

    /// Whether this is the first page read forwards (no cursor given).
    pub fn is_first_page(&self) -> bool {
        self.after.is_none() && self.before.is_none() && !self.backward
    }

    /// Restricts a sea-orm keyset cursor to this page (plus one row to detect a further page).
    fn apply<S: SelectorTrait>(&self, cursor: &mut Cursor<S>)
    where
        K: IntoValueTuple + Clone,
    {
        if let Some(after) = &self.after {
            cursor.after(after.clone());
        }
        if let Some(before) = &self.before {
            cursor.before(before.clone());
        }
        if self.backward {
            cursor.last(self.size + 1);
        } else {
            cursor.first(self.size + 1);
        }
    }

    /// Builds the connection from the rows `apply` fetched, in list order.
    pub fn connection<Row, Node: OutputType>(
        &self,
        mut rows: Vec<Row>,
        total_count: u64,
        key: impl Fn(&Row) -> K,
        mut node: impl FnMut(Row) -> Node,
    ) -> Page<Node> {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        let has_more = rows.len() > size;
        if has_more {
            if self.backward {
                rows.drain(..rows.len() - size);
            } else {
                rows.truncate(size);
            }
        }
        let (has_previous_page, has_next_page) = if self.backward {
            (has_more, self.before.is_some())
        } else {
            (self.after.is_some(), has_more)
        };
        let mut connection = Connection::with_additional_fields(
            has_previous_page,
            has_next_page,
            ConnectionTotals { total_count },
        );
        let last = rows.len().saturating_sub(1);
        connection.edges = rows
            .into_iter()
            .enumerate()
            .map(|(index, row)| {
                let wanted = match self.cursors {
                    Cursors::Every => true,
                    Cursors::Ends => index == 0 || index == last,
                    Cursors::None => false,
                };
                let cursor = if wanted {
                    encode_cursor(&self.list, &key(&row))
                } else {
                    String::new()
                };
                Edge::new(cursor, node(row))
            })
            .collect();
        connection
    }
}

/// Which way a list runs along its key (ids are UUIDv7, so by id means by creation time).
#[derive(Clone, Copy, Debug)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

impl<K: Serialize + DeserializeOwned + IntoValueTuple + Clone> PageArgs<K> {
    /// Fetches this page of `select`, keyed by the column(s) `key` whose values make `K`, and
    /// the total count when the client selected `totalCount`.
    pub async fn fetch<E, C>(
        &self,
        ctx: &Context<'_>,
        db: &Db,
        select: Select<E>,
        key: C,
        order: Order,
    ) -> AppResult<(Vec<E::Model>, u64)>
    where
        E: EntityTrait,
        E::Model: FromRow + Send + Sync,
        C: sea_orm::IntoIdentity,
    {
        self.fetch_joined::<E, E::Model, _>(ctx, db, (select, |select| select), key, order)
            .await
    }

    /// [`fetch`](Self::fetch) with `join` adding to the page's statement (not to its count) what
    /// each `M` reads besides the row: the row's author, joined in. The rows are read by
    /// [`Db::read`] (on SQLite, on this thread, where `M` reads by position).
    pub async fn fetch_joined<E, M, C>(
        &self,
        ctx: &Context<'_>,
        db: &Db,
        (select, join): (Select<E>, impl FnOnce(Select<E>) -> Select<E>),
        key: C,
        order: Order,
    ) -> AppResult<(Vec<M>, u64)>
    where
        E: EntityTrait,
        E::Model: Send + Sync,
        M: FromRow + Send + Sync,
        C: sea_orm::IntoIdentity,
    {
        let total = if wants_total(ctx) {
            select.clone().count(db).await?
        } else {
            0
        };
        let mut cursor = join(select).cursor_by(key);
        if let Order::NewestFirst = order {
            cursor.desc();
        }
        self.apply(&mut cursor);
        let statement = cursor_statement(&mut cursor, db.get_database_backend()).await?;
        let mut rows = db.read::<M>(statement).await?;
        // A page read backwards comes last row first, as sea-orm's own read reverses it.
        if self.backward {
            rows.reverse();
        }
        Ok((rows, total))
    }
}

/// A table whose rows are listed by their UUIDv7 `id`, so by creation time.
pub trait ListedById: EntityTrait {
    fn id_column() -> Self::Column;
}

/// What a page of `E` reads of each row: the whole row (its `Model`), or the part of its columns
/// a list shows.
pub trait ReadOf<E: EntityTrait>: FromRow + Send + Sync {
    /// `select` (every column of `E`) narrowed to those this reads, in the order it reads them.
    fn columns(select: Select<E>) -> Select<E>;
    fn id(&self) -> Uuid;
}

macro_rules! listed_by_id {
    ($($entity:ident),+) => {$(
        impl ListedById for entity::$entity::Entity {
            fn id_column() -> Self::Column {
                entity::$entity::Column::Id
            }
        }

        impl ReadOf<entity::$entity::Entity> for entity::$entity::Model {
            fn columns(select: Select<entity::$entity::Entity>) -> Select<entity::$entity::Entity> {
                select
            }
            fn id(&self) -> Uuid {
                self.id
            }
        }
    )+};
}
listed_by_id!(
    audit_log,
    comment,
    data_export,
    invitation,
    job,
    membership,
    notification,
    report,
    resource,
    rsvp
);

/// One page of `select` in creation order, each row made a node: the whole fetch-and-build
/// sequence of a list read forwards by `first`/`after`. Lists with another sort key, or whose
/// nodes need more rows loaded per page, use [`PageArgs::fetch`] and [`PageArgs::connection`].
pub async fn page_by_id<E, Node>(
    ctx: &Context<'_>,
    select: Select<E>,
    order: Order,
    first: Option<i32>,
    after: Option<String>,
    node: impl FnMut(E::Model) -> Node,
) -> AppResult<Page<Node>>
where
    E: ListedById,
    E::Model: ReadOf<E>,
    Node: OutputType,
{
    page_by_id_with_authors(ctx, (select, None), order, (first, after), node).await
}

/// [`page_by_id`] for rows that name a member in an `author` column, shown as the nodes' field
/// `field`, each row read as `M` (the whole row, or the part a list shows): when the client
/// selects that field, each row's member comes in the page's statement (a `LEFT JOIN`) and goes
/// to the member loader, so the authors of a page cost no statement of their own.
pub async fn page_by_id_with_authors<E, M, Node>(
    ctx: &Context<'_>,
    (select, author): (Select<E>, Option<(E::Column, &str)>),
    order: Order,
    (first, after): (Option<i32>, Option<String>),
    node: impl FnMut(M) -> Node,
) -> AppResult<Page<Node>>
where
    E: ListedById,
    E::Model: Send + Sync,
    M: ReadOf<E>,
    Node: OutputType,
{
    let args = PageArgs::<Uuid>::new(ctx, first, after, None, None)?;
    let db = &ctx.state()?.db;
    let (rows, total) = match author.filter(|(_, field)| selects_on_nodes(ctx, field)) {
        None => {
            args.fetch_joined::<E, M, _>(ctx, db, (select, M::columns), E::id_column(), order)
                .await?
        }
        Some((author, _)) => {
            let (rows, total) = args
                .fetch_joined::<E, WithAuthor<M>, _>(
                    ctx,
                    db,
                    (select, |select| {
                        join_author::<E, _>(M::columns(select), author)
                    }),
                    E::id_column(),
                    order,
                )
                .await?;
            let (rows, authors): (Vec<_>, Vec<_>) = rows
                .into_iter()
                .map(|WithAuthor { row, author }| (row, author))
                .unzip();
            ctx.loaders()?.context.feed(
                |loaders| loaders.members(),
                authors.into_iter().flatten().map(shared),
            );
            (rows, total)
        }
    };
    Ok(args.connection(rows, total, M::id, node))
}

/// Whether the client selected `field` of the nodes of the connection being resolved (through
/// `nodes` or `edges { node }`, fragments included).
pub fn selects_on_nodes(ctx: &Context<'_>, field: &str) -> bool {
    selects_any_on_nodes(ctx, &[field])
}

/// Whether the client selected any of `fields` of the nodes of the connection being resolved:
/// one walk of the selection, whatever the number of fields.
pub fn selects_any_on_nodes(ctx: &Context<'_>, fields: &[&str]) -> bool {
    any_node_selection(ctx.field(), |node| {
        node.selection_set()
            .any(|field| fields.contains(&field.name()))
    })
}

/// Whether `test` holds for any selection of a connection's nodes: its `nodes`, or the `node`
/// of its `edges`.
pub fn any_node_selection(
    connection: SelectionField<'_>,
    mut test: impl FnMut(SelectionField<'_>) -> bool,
) -> bool {
    connection.selection_set().any(|field| match field.name() {
        "nodes" => test(field),
        "edges" => field
            .selection_set()
            .filter(|edge| edge.name() == "node")
            .any(&mut test),
        _ => false,
    })
}

/// Whether the client selected `totalCount` on the connection being resolved.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

fn encode_cursor<K: Serialize>(list: &str, key: &K) -> String {
    // Serialising plain keys (strings, numbers, uuids) cannot fail; an empty cursor would be
    // refused as not from this list.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(list, key)).unwrap_or_default())
}

fn decode_cursor<K: DeserializeOwned>(list: &str, cursor: &str, field: &str) -> AppResult<K> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<(String, K)>(&bytes).ok())
        .filter(|(from, _)| from == list)
        .map(|(_, key)| key)
        .ok_or_else(|| AppError::bad_input(field, "Not a cursor from this list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_a_hundred_is_refused_and_names_the_argument() {
        let err = PageArgs::<String>::of_list(
            "groups".into(),
            Some(101),
            None,
            None,
            None,
            Cursors::Every,
        )
        .err();
        assert!(matches!(err, Some(AppError::BadUserInput { field, .. }) if field == "first"));
    }

    #[test]
    fn a_cursor_from_elsewhere_is_bad_input() {
        let err = PageArgs::<(String, i64)>::of_list(
            "groups".into(),
            None,
            Some("garbage".into()),
            None,
            None,
            Cursors::Every,
        )
        .err();
        assert!(matches!(err, Some(AppError::BadUserInput { field, .. }) if field == "after"));
        let comments = encode_cursor("comments", &uuid::Uuid::nil());
        let members = PageArgs::<uuid::Uuid>::of_list(
            "members".into(),
            None,
            Some(comments.clone()),
            None,
            None,
            Cursors::Every,
        );
        assert!(members.is_err());
        let again = PageArgs::<uuid::Uuid>::of_list(
            "comments".into(),
            None,
            Some(comments),
            None,
            None,
            Cursors::Every,
        );
        assert!(again.is_ok_and(|args| args.after == Some(uuid::Uuid::nil())));
    }

    #[test]
    fn connection_cost_is_page_size_times_child() {
        assert_eq!(cost(Some(50), None, 3), 150);
        assert_eq!(cost(None, None, 2), 40);
    }
}
