//! A comment in a thread, a reply when `parent_id` is set. A quote keeps its excerpt as it was
//! quoted. Deleting sets `deleted_at` (a tombstone that keeps the replies in place); a
//! moderator's hiding sets `hidden_at`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub depth: i32,
    /// The comment (or thread) quoted.
    pub quote_source_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub quote_excerpt: Option<String>,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub hidden_at: Option<DateTimeUtc>,
    /// Whether the thread's watchers were told of it; a fan-out claims every comment of its
    /// thread not told yet.
    pub watchers_told: bool,
    /// Who the post speaks for, as written.
    pub speaking_as: crate::persona::SpeakingAs,
    /// The organisation shown with the post (`AFFILIATED`, `ON_BEHALF`).
    pub organisation_id: Option<Uuid>,
    /// The author's role title at the organisation when they wrote it (`AFFILIATED`).
    pub role_title: Option<String>,
}

crate::row::read_at!(
    id,
    thread_id,
    parent_id,
    author_id,
    body,
    body_html,
    depth,
    quote_source_id,
    quote_excerpt,
    created_at,
    edited_at,
    deleted_at,
    hidden_at,
    watchers_told,
    speaking_as,
    organisation_id,
    role_title,
);

/// What a page of comments shows of each when its selection shows neither a comment's Markdown
/// source, its quote nor whom it speaks for: 9 of the 17 columns. The rest is [`Details`].
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Listed {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub body_html: String,
    pub depth: i32,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub hidden_at: Option<DateTimeUtc>,
}

/// The columns of [`Listed`], in the order [`Listed::read_at`] reads them.
pub const LISTED_COLUMNS: [Column; 9] = [
    Column::Id,
    Column::ParentId,
    Column::AuthorId,
    Column::BodyHtml,
    Column::Depth,
    Column::CreatedAt,
    Column::EditedAt,
    Column::DeletedAt,
    Column::HiddenAt,
];

impl crate::row::ReadAt for Listed {
    fn read_at(row: crate::row::Row<'_>, at: usize) -> Result<Self, DbErr> {
        let mut cells = crate::row::Cells::new(row, at);
        Ok(Self {
            id: cells.read()?,
            parent_id: cells.read()?,
            author_id: cells.read()?,
            body_html: cells.read()?,
            depth: cells.read()?,
            created_at: cells.read()?,
            edited_at: cells.read()?,
            deleted_at: cells.read()?,
            hidden_at: cells.read()?,
        })
    }
}

impl crate::row::FromRow for Listed {
    const BY_POSITION: bool = true;

    fn from_row(row: crate::row::Row<'_>) -> Result<Self, DbErr> {
        crate::row::model_at(row, 0, "")
    }
}

/// The columns of a comment that a page shows only when its selection asks for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Details {
    pub body: String,
    pub quote_source_id: Option<Uuid>,
    pub quote_excerpt: Option<String>,
    pub speaking_as: crate::persona::SpeakingAs,
    pub organisation_id: Option<Uuid>,
    pub role_title: Option<String>,
}

impl Model {
    /// The comment as a page shows it, parted into what every page shows and the rest.
    pub fn split(self) -> (Listed, Details) {
        (
            Listed {
                id: self.id,
                parent_id: self.parent_id,
                author_id: self.author_id,
                body_html: self.body_html,
                depth: self.depth,
                created_at: self.created_at,
                edited_at: self.edited_at,
                deleted_at: self.deleted_at,
                hidden_at: self.hidden_at,
            },
            Details {
                body: self.body,
                quote_source_id: self.quote_source_id,
                quote_excerpt: self.quote_excerpt,
                speaking_as: self.speaking_as,
                organisation_id: self.organisation_id,
                role_title: self.role_title,
            },
        )
    }
}

/// Who wrote a comment and whether it was deleted: what the discussions policy decides by,
/// whichever of its columns were read.
pub trait Authored {
    fn author_id(&self) -> Option<Uuid>;
    fn deleted_at(&self) -> Option<DateTimeUtc>;
}

impl Authored for Model {
    fn author_id(&self) -> Option<Uuid> {
        self.author_id
    }
    fn deleted_at(&self) -> Option<DateTimeUtc> {
        self.deleted_at
    }
}

impl Authored for Listed {
    fn author_id(&self) -> Option<Uuid> {
        self.author_id
    }
    fn deleted_at(&self) -> Option<DateTimeUtc> {
        self.deleted_at
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
