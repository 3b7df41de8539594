//! An item of a group's library: a link, or an uploaded file stored content-addressed by its
//! SHA-256. `url_key` is the normalised URL that makes a link unique in its group; removing a
//! resource (soft) clears it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    #[sea_orm(string_value = "ARTICLE")]
    Article,
    #[sea_orm(string_value = "PAPER")]
    Paper,
    #[sea_orm(string_value = "SLIDES")]
    Slides,
    #[sea_orm(string_value = "VIDEO")]
    Video,
    #[sea_orm(string_value = "DOCUMENT")]
    Document,
    #[sea_orm(string_value = "LINK")]
    Link,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub meetup_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub kind: Kind,
    pub url: Option<String>,
    pub url_key: Option<String>,
    pub file_sha256: Option<String>,
    pub file_name: Option<String>,
    pub file_content_type: Option<String>,
    pub file_size: Option<i64>,
    pub added_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
    /// Who the post speaks for, as written.
    pub speaking_as: crate::persona::SpeakingAs,
    /// The organisation shown with the post (`AFFILIATED`, `ON_BEHALF`).
    pub organisation_id: Option<Uuid>,
    /// The author's role title at the organisation when they wrote it (`AFFILIATED`).
    pub role_title: Option<String>,
}

crate::row::read_at!(
    id,
    group_id,
    meetup_id,
    title,
    description,
    kind,
    url,
    url_key,
    file_sha256,
    file_name,
    file_content_type,
    file_size,
    added_by,
    created_at,
    updated_at,
    removed_at,
    speaking_as,
    organisation_id,
    role_title,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
