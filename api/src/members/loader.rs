//! Batches member look-ups by id, so a page of comments with authors costs one query for all the
//! authors rather than one per comment. It reads the columns a name is shown with; the rest of
//! a profile is read by its own loader for the fields that show it (never the password hash).
//! A list whose selection shows members by name alone reads only their names ([`Shown`]).

use std::{collections::HashMap, sync::Arc};

use async_graphql::{SelectionField, dataloader::Loader};
use entity::{
    member, membership,
    row::{FromRow, Row},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, PartialModelTrait, QueryFilter,
    QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};
use uuid::Uuid;

use crate::{
    db::{Db, Joined},
    error::AppError,
};

/// What a request has read of a member: their name alone, where a list shows nothing else of
/// them, or the columns a name is shown with ([`member::Profile`]). Shared, so each author of a
/// page's comments is one allocation however often it appears.
#[derive(Clone, Debug)]
pub enum Card {
    Name(Arc<member::Name>),
    Profile(Arc<member::Profile>),
}

impl Card {
    pub fn id(&self) -> Uuid {
        match self {
            Self::Name(name) => name.id,
            Self::Profile(profile) => profile.id,
        }
    }
}

/// Member cards by id (authors, hosts, adders, attendees): the profile, unless a read that
/// showed only names fed the name alone.
pub struct MemberLoader {
    pub db: Db,
}

impl Loader<Uuid> for MemberLoader {
    type Value = Card;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Card>, AppError> {
        let profiles = by_id(&self.db, keys, |row: &member::Profile| row.id).await?;
        Ok(profiles
            .into_iter()
            .map(|(id, profile)| (id, Card::Profile(profile)))
            .collect())
    }
}

/// Member profiles by id, for a member whose card holds the name alone and a field that shows
/// more: rare, since the read that fed the name saw that its selection showed nothing else.
pub struct ProfileLoader {
    pub db: Db,
}

impl Loader<Uuid> for ProfileLoader {
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

/// A row read as `M` with the member its author column names, joined by [`join_author`] in the
/// same statement: the member's columns come last.
pub struct WithAuthor<M> {
    pub row: M,
    pub author: Option<member::Profile>,
}

/// A member's profile joined to the rows of [`crate::db::first_of_each_with`]: the replies of a
/// page of comments.
pub const JOINED_PROFILE: Joined<'static, member::Entity, member::Profile> = Joined {
    columns: &member::PROFILE_COLUMNS,
    id: member::Column::Id,
    read: member::Profile::read_at,
};

/// How much of the members a list names its selection shows: their names alone (`id`,
/// `displayName`), or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shown {
    Name,
    Profile,
}

impl Shown {
    /// What the selections of `members` (fields whose type is `Member`) show of them: the names
    /// alone when none of them selects another field (fragments included).
    pub fn of<'a>(mut members: impl Iterator<Item = SelectionField<'a>>) -> Self {
        let name_only = members.all(|member| {
            member
                .selection_set()
                .all(|field| matches!(field.name(), "id" | "displayName" | "__typename"))
        });
        if name_only { Self::Name } else { Self::Profile }
    }

    /// The member's columns to join to rows that name them, read as [`Card`]s.
    pub fn joined(self) -> Joined<'static, member::Entity, Card> {
        match self {
            Self::Name => Joined {
                columns: &member::NAME_COLUMNS,
                id: member::Column::Id,
                read: |row, at| {
                    Ok(member::Name::read_at(row, at)?.map(|name| Card::Name(Arc::new(name))))
                },
            },
            Self::Profile => Joined {
                columns: &member::PROFILE_COLUMNS,
                id: member::Column::Id,
                read: |row, at| {
                    Ok(member::Profile::read_at(row, at)?
                        .map(|profile| Card::Profile(Arc::new(profile))))
                },
            },
        }
    }
}

/// A profile read with another row, as the member loader keeps it.
pub fn shared(profile: member::Profile) -> (Uuid, Card) {
    (profile.id, Card::Profile(Arc::new(profile)))
}

/// A card read with another row, as the member loader keeps it.
pub fn keyed(card: Card) -> (Uuid, Card) {
    (card.id(), card)
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

impl<M: FromRow> FromRow for WithAuthor<M> {
    const BY_POSITION: bool = M::BY_POSITION;

    fn from_row(row: Row<'_>) -> Result<Self, DbErr> {
        let at = row.width().saturating_sub(member::PROFILE_COLUMNS.len());
        debug_assert_eq!(row.position(&format!("{AUTHOR}id")), Some(at));
        Ok(Self {
            row: M::from_row(row)?,
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
