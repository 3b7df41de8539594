//! Batches member look-ups by id, so a page of comments with authors costs one query for all the
//! authors rather than one per comment. It reads the columns a name is shown with; the rest of
//! a profile is read by its own loader for the fields that show it (never the password hash).

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::{member, membership, row::FromRow};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    PartialModelTrait, QueryFilter, QueryResult, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};
use uuid::Uuid;

use crate::{
    db::{Db, Joined},
    error::AppError,
};

/// Member profiles by id (authors, hosts, adders, attendees): the columns a name is shown with.
pub struct MemberLoader {
    pub db: Db,
}

impl Loader<Uuid> for MemberLoader {
    /// Shared, so each author of a page's comments is one allocation however often it appears.
    type Value = Arc<member::Profile>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Arc<member::Profile>>, AppError> {
        by_id(&self.db, keys, |row: &member::Profile| row.id).await
    }
}

/// The rest of members' profiles by id, for the fields that show it (`bio`, `email`, ...).
pub struct MemberDetailsLoader {
    pub db: Db,
}

impl Loader<Uuid> for MemberDetailsLoader {
    type Value = Arc<member::Details>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Arc<member::Details>>, AppError> {
        by_id(&self.db, keys, |row: &member::Details| row.id).await
    }
}

/// The members `keys` names, as the columns of `P` (a partial model of a member), by `id`.
async fn by_id<P: PartialModelTrait + Send + Sync>(
    db: &Db,
    keys: &[Uuid],
    id: fn(&P) -> Uuid,
) -> Result<HashMap<Uuid, Arc<P>>, AppError> {
    let rows = member::Entity::find()
        .filter(member::Column::Id.is_in(keys.iter().copied()))
        .into_partial_model::<P>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (id(&row), Arc::new(row)))
        .collect())
}

/// A row of `E` (every column, as `E::find()` selects them) read with the member its author
/// column names, joined by [`join_author`] in the same statement.
pub struct WithAuthor<E: EntityTrait> {
    pub row: E::Model,
    pub author: Option<member::Profile>,
}

/// A member's profile joined to the rows of [`crate::db::first_of_each_with`]: the answers of a
/// page of meetups, the replies of a page of comments.
pub const JOINED_PROFILE: Joined<'static, member::Entity, member::Profile> = Joined {
    columns: &member::PROFILE_COLUMNS,
    id: member::Column::Id,
    read: member::Profile::read_at,
};

/// A profile read with another row, as the member loader keeps it.
pub fn shared(profile: member::Profile) -> (Uuid, Arc<member::Profile>) {
    (profile.id, Arc::new(profile))
}

/// The prefix of a joined author's columns, which would otherwise share the row's names.
pub const AUTHOR: &str = "J_";

/// `select` with the profile of the member that `author` (a column of `E`) names `LEFT JOIN`ed
/// onto each row: its columns come after those already selected, in the order
/// [`member::Profile::read_at`] reads them.
pub fn join_author<E: EntityTrait, S: QuerySelect>(select: S, author: E::Column) -> S {
    let mut select = select.join(
        JoinType::LeftJoin,
        E::belongs_to(member::Entity)
            .from(author)
            .to(member::Column::Id)
            .into(),
    );
    for column in member::PROFILE_COLUMNS {
        select = select.column_as(
            Expr::col((member::Entity, column)),
            format!("{AUTHOR}{}", column.as_str()),
        );
    }
    select
}

impl<E: EntityTrait> FromQueryResult for WithAuthor<E>
where
    E::Model: FromRow,
{
    fn from_query_result(row: &QueryResult, _pre: &str) -> Result<Self, DbErr> {
        let at = E::Column::iter().count();
        debug_assert_eq!(
            row.column_names().get(at).map(String::as_str),
            Some(format!("{AUTHOR}id").as_str())
        );
        Ok(Self {
            row: E::Model::from_row(row)?,
            author: member::Profile::read_at(row, at)?,
        })
    }
}

/// Of the members asked about, those who share an active group with the viewer (for profile
/// fields visible to `GROUP_MEMBERS`): one statement for a page of members.
pub struct SharedGroupLoader {
    pub db: Db,
    pub viewer: Option<Uuid>,
}

impl Loader<Uuid> for SharedGroupLoader {
    type Value = bool;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, bool>, AppError> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let theirs = Alias::new("theirs");
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .distinct()
                    .column((theirs.clone(), membership::Column::MemberId))
                    .from(membership::Entity)
                    .join_as(
                        JoinType::InnerJoin,
                        membership::Entity,
                        theirs.clone(),
                        Expr::col((theirs.clone(), membership::Column::GroupId))
                            .equals((membership::Entity, membership::Column::GroupId)),
                    )
                    .and_where(
                        Expr::col((membership::Entity, membership::Column::MemberId)).eq(viewer),
                    )
                    .and_where(
                        Expr::col((membership::Entity, membership::Column::Status))
                            .eq(membership::Status::Active),
                    )
                    .and_where(
                        Expr::col((theirs.clone(), membership::Column::Status))
                            .eq(membership::Status::Active),
                    )
                    .and_where(
                        Expr::col((theirs.clone(), membership::Column::MemberId))
                            .is_in(keys.iter().copied()),
                    )
                    .to_owned(),
            )
            .await?;
        let mut shared = HashMap::new();
        for row in rows {
            shared.insert(row.try_get::<Uuid>("", "member_id")?, true);
        }
        Ok(shared)
    }
}
