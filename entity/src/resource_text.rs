//! The text of a resource's uploaded file (PDF or plain text), extracted off the request path
//! so search finds the file by what it says. Kept apart from `resource` so lists never read it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resource_text")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: Uuid,
    /// The file whose text this is (its SHA-256), so a replaced file is read again.
    pub file_sha256: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub extracted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
