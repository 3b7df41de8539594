//! Batched look-ups for groups: a page of groups costs one query per kind of related data, not
//! one per group. A group is read with the viewer's membership in it, and a meetup or thread with
//! its group and that membership, in one statement; what the join found is fed to the group and
//! membership loaders. Member counts are kept on the group row; topics load through
//! `topics::TopicsLoader`.

use std::{any::TypeId, collections::HashMap, sync::LazyLock};

use async_graphql::dataloader::Loader;
use entity::{
    group_guidelines, interest_group, member, membership,
    row::{FromRow, OwnedRow, ReadAt, Row, joined, model_at},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IdenStatic, Iterable, JoinType,
    QueryFilter, QuerySelect, QueryTrait, Select, SelectTwo,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use crate::{
    db::{Db, FirstsShape, JoinFirsts, by_parent, join_viewer_row, shaped::Templates},
    error::AppError,
    graphql::loaders::LoadContext,
    members::loader::{AUTHOR, join_author, shared},
};

/// Groups by id, each with the viewer's membership (fed to the membership loader).
pub struct GroupLoader {
    pub context: LoadContext,
}

impl Loader<Uuid> for GroupLoader {
    type Value = interest_group::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, interest_group::Model>, AppError> {
        let select = interest_group::Entity::find()
            .filter(interest_group::Column::Id.is_in(keys.iter().copied()));
        let groups = read_groups(&self.context, select).await?;
        Ok(groups.into_iter().map(|group| (group.id, group)).collect())
    }
}

/// Runs `select` of groups with the viewer's membership in each joined in, feeding the
/// memberships to their loader.
async fn read_groups(
    context: &LoadContext,
    select: Select<interest_group::Entity>,
) -> Result<Vec<interest_group::Model>, AppError> {
    let select = with_viewer_membership(select, context.viewer);
    let rows = context
        .db
        .rows(context.db.get_database_backend().build(select.as_query()))
        .await?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in &rows {
        let group = interest_group::Model::from_row(row.row())?;
        feed_membership(context, row.row(), group.id)?;
        groups.push(group);
    }
    Ok(groups)
}

/// What decides the text of a [`read_with_group`] statement besides the ids and the viewer.
#[derive(PartialEq, Eq, Hash)]
struct ReadShape {
    /// The table read and the `extend` given (their types).
    site: TypeId,
    /// The columns of the id, the group and the author.
    columns: [Option<&'static str>; 3],
    ids: usize,
    viewer: bool,
    /// The first rows of a list read with each row, if any.
    firsts: Option<FirstsShape>,
}

/// The statements of [`read_with_group`], built once per shape.
static READS_WITH_GROUP: LazyLock<Templates<ReadShape>> = LazyLock::new(Templates::default);

/// Rows of a table that belongs to a group (meetups, threads), by id, each read with its group,
/// the viewer's membership in it and, given an `author` column, the member it names, in one
/// statement; `extend` may add more of the row's one-to-one neighbours for the viewer (it gets
/// the viewer it is to read for, which is a stand-in while the statement's text is built). The
/// group, membership and author are fed to their loaders, so the access check and the `author`
/// field that follow cost nothing.
///
/// Given `firsts` (on PostgreSQL), the first rows of a list of each row are read too, in the same
/// statement (a meetup's first attendees). Returns each row with its raw results, for what
/// `extend` and `firsts` added: the row's own, then one for each of its first rows in order.
pub async fn read_with_group<E, F>(
    context: &LoadContext,
    ids: &[Uuid],
    (id, group_id): (E::Column, E::Column),
    author: Option<E::Column>,
    extend: F,
    firsts: Option<&dyn JoinFirsts>,
) -> Result<Vec<(E::Model, Vec<OwnedRow>)>, AppError>
where
    E: EntityTrait,
    E::Model: ReadAt,
    F: Fn(
            SelectTwo<E, interest_group::Entity>,
            Option<Uuid>,
        ) -> SelectTwo<E, interest_group::Entity>
        + 'static,
{
    let viewer = context.viewer;
    let shape = ReadShape {
        site: TypeId::of::<(E, F)>(),
        columns: [
            Some(id.as_str()),
            Some(group_id.as_str()),
            author.map(|author| author.as_str()),
        ],
        ids: ids.len(),
        viewer: viewer.is_some(),
        firsts: firsts.map(JoinFirsts::shape),
    };
    // The ids, then the viewer.
    let mut inputs = ids.to_vec();
    inputs.extend(viewer);
    let backend = context.db.get_database_backend();
    // `select_also` selects every column of the row, then of the group, then the author's: all
    // read by position.
    let id_at = E::Column::iter()
        .position(|column| column.as_str() == id.as_str())
        .unwrap_or_default();
    let statement = READS_WITH_GROUP.statement(shape, backend, &inputs, |inputs| {
        let (ids, viewer) = match (viewer, inputs.split_last()) {
            (Some(_), Some((viewer, ids))) => (ids, Some(*viewer)),
            _ => (inputs, None),
        };
        let mut select = E::find()
            .filter(id.is_in(ids.iter().copied()))
            .select_also(interest_group::Entity)
            .join(
                JoinType::InnerJoin,
                E::belongs_to(interest_group::Entity)
                    .from(group_id)
                    .to(interest_group::Column::Id)
                    .into(),
            );
        if let Some(author) = author {
            select = join_author::<E, _>(select, author);
        }
        let mut query = with_viewer_membership(extend(select, viewer), viewer).into_query();
        if let Some(firsts) = firsts {
            let parents = Query::select()
                .from(E::default())
                .and_where(id.is_in(ids.iter().copied()))
                .take();
            firsts.union_to(&mut query, (Expr::col((E::default(), id)), id_at), parents);
        }
        query
    });
    let rows = context.db.rows(statement).await?;
    let group_at = E::Column::iter().count();
    let author_at = group_at + interest_group::Column::iter().count();
    let mut groups = Vec::with_capacity(rows.len());
    let mut authors = Vec::new();
    let children = by_parent(rows, firsts.map(|firsts| (id_at, firsts)), |row| {
        let group: interest_group::Model = model_at(row, group_at, "B_")?;
        feed_membership(context, row, group.id)?;
        if author.is_some() {
            debug_assert_eq!(row.position(&format!("{AUTHOR}id")), Some(author_at));
            authors.extend(member::Profile::read_at(row, author_at)?.map(shared));
        }
        groups.push((group.id, group));
        model_at::<E::Model>(row, 0, "A_").map_err(AppError::from)
    })?;
    context.feed(|loaders| loaders.groups(), groups);
    context.feed(|loaders| loaders.members(), authors);
    Ok(children)
}

/// The prefix of the viewer's membership columns in a joined read.
const MEMBERSHIP: &str = "C_";

/// `select`, which reads `interest_group`, with the signed-in viewer's membership in each group
/// `LEFT JOIN`ed in (columns prefixed [`MEMBERSHIP`]).
fn with_viewer_membership<S: QuerySelect>(select: S, viewer: Option<Uuid>) -> S {
    match viewer {
        Some(viewer) => join_viewer_row::<_, interest_group::Entity, membership::Entity>(
            select,
            (interest_group::Column::Id, membership::Column::GroupId),
            membership::Column::MemberId,
            viewer,
            MEMBERSHIP,
        ),
        None => select,
    }
}

/// Feeds the viewer's membership in `group_id` read by [`with_viewer_membership`] (none is an
/// answer too: "not a member").
fn feed_membership(context: &LoadContext, row: Row<'_>, group_id: Uuid) -> Result<(), AppError> {
    if let Some(viewer) = context.viewer {
        let membership = joined::<membership::Model>(row, MEMBERSHIP)?;
        context.feed(
            |loaders| loaders.memberships(),
            [((group_id, viewer), membership)],
        );
    }
    Ok(())
}

/// A membership by `(group_id, member_id)`, in any status; `None` when there is none, so that
/// the answer "not a member" is cached like any other.
pub struct MembershipLoader {
    pub db: Db,
}

impl Loader<(Uuid, Uuid)> for MembershipLoader {
    type Value = Option<membership::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, AppError> {
        let mut found: HashMap<(Uuid, Uuid), Self::Value> =
            keys.iter().map(|key| (*key, None)).collect();
        let rows = self
            .db
            .models(
                membership::Entity::find()
                    .filter(membership::Column::GroupId.is_in(keys.iter().map(|(g, _)| *g)))
                    .filter(membership::Column::MemberId.is_in(keys.iter().map(|(_, m)| *m))),
            )
            .await?;
        for row in rows {
            if let Some(slot) = found.get_mut(&(row.group_id, row.member_id)) {
                *slot = Some(row);
            }
        }
        Ok(found)
    }
}

/// A group by its slug, with the viewer's membership in the same statement; both are fed to
/// their loaders, so the meetups and threads on the group's page find them there.
pub async fn read_by_slug(
    context: &LoadContext,
    slug: &str,
) -> Result<Option<interest_group::Model>, AppError> {
    let select = interest_group::Entity::find().filter(interest_group::Column::Slug.eq(slug));
    let Some(group) = read_groups(context, select).await?.pop() else {
        return Ok(None);
    };
    context.feed(|loaders| loaders.groups(), [(group.id, group.clone())]);
    Ok(Some(group))
}

/// Published guidelines by `(group_id, version)`: the current version of a page of groups in
/// one statement.
pub struct GuidelinesLoader {
    pub db: Db,
}

impl Loader<(Uuid, i32)> for GuidelinesLoader {
    type Value = group_guidelines::Model;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, i32)],
    ) -> Result<HashMap<(Uuid, i32), group_guidelines::Model>, AppError> {
        let mut wanted = Condition::any();
        for (group_id, version) in keys {
            wanted = wanted.add(
                Condition::all()
                    .add(group_guidelines::Column::GroupId.eq(*group_id))
                    .add(group_guidelines::Column::Version.eq(*version)),
            );
        }
        let rows = group_guidelines::Entity::find()
            .filter(wanted)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.group_id, row.version), row))
            .collect())
    }
}
