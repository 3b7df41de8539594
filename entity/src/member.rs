//! A person with an account. `email` is kept as written; `email_key` is its case-folded,
//! NFC-normalised form and carries the uniqueness rule.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    #[sea_orm(unique)]
    pub email_key: String,
    pub password_hash: String,
    pub display_name: String,
    pub headline: Option<String>,
    pub organisation: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    pub website_url: Option<String>,
    pub avatar_url: Option<String>,
    pub is_site_admin: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the member proved the address is theirs; `None` until then.
    pub email_verified_at: Option<DateTimeUtc>,
    /// The language of their mail: `NB` (Norwegian bokmål) or `EN`.
    pub locale: String,
    /// The name after `@` in a mention: lowercase ASCII letters, digits and `_`; unique.
    #[sea_orm(unique)]
    pub handle: String,
    /// How notifications reach them by mail: `IMMEDIATE`, `DAILY`, `WEEKLY` or `NEVER`.
    pub notification_email: String,
    /// When their last digest of notifications was sent.
    pub digest_sent_at: Option<DateTimeUtc>,
    /// Who may see each profile field: a JSON object of field name to `EVERYONE`,
    /// `GROUP_MEMBERS` or `ONLY_ME` (read by `members::policy`).
    #[sea_orm(column_type = "Text")]
    pub profile_visibility: String,
    /// The persona of the member's posts when a post names none and the group has no default.
    pub default_speaking_as: crate::persona::SpeakingAs,
    /// The organisation of that default (`AFFILIATED`, `ON_BEHALF`).
    pub default_organisation_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();

/// What the API shows of a member: every column but the password hash, the e-mail key and the
/// update time, so lists of names never read a hash.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub headline: Option<String>,
    pub organisation: Option<String>,
    pub bio: Option<String>,
    pub website_url: Option<String>,
    pub avatar_url: Option<String>,
    pub is_site_admin: bool,
    pub created_at: DateTimeUtc,
    pub email_verified_at: Option<DateTimeUtc>,
    pub locale: String,
    pub handle: String,
    pub notification_email: String,
    pub profile_visibility: String,
    pub default_speaking_as: crate::persona::SpeakingAs,
    pub default_organisation_id: Option<Uuid>,
}

/// The columns of [`Profile`], for reads that build their own `SELECT`.
pub const PROFILE_COLUMNS: [Column; 17] = [
    Column::Id,
    Column::Email,
    Column::DisplayName,
    Column::Headline,
    Column::Organisation,
    Column::Bio,
    Column::WebsiteUrl,
    Column::AvatarUrl,
    Column::IsSiteAdmin,
    Column::CreatedAt,
    Column::EmailVerifiedAt,
    Column::Locale,
    Column::Handle,
    Column::NotificationEmail,
    Column::ProfileVisibility,
    Column::DefaultSpeakingAs,
    Column::DefaultOrganisationId,
];

impl Profile {
    /// The profile in `row`'s columns `at..at + PROFILE_COLUMNS.len()`, selected in the order of
    /// [`PROFILE_COLUMNS`]; `None` where a left join found no member (the id is null). A joined
    /// read's columns carry a prefix, and reading them by name would build each prefixed name
    /// again for every row: on a page of attendees that was most of the cost of the rows
    /// ([`crate::row`]).
    pub fn read_at(row: &QueryResult, at: usize) -> Result<Option<Self>, DbErr> {
        let mut cells = crate::row::Cells::new(row, at);
        let Some(id) = cells.read::<Option<Uuid>>()? else {
            return Ok(None);
        };
        Ok(Some(Self {
            id,
            email: cells.read()?,
            display_name: cells.read()?,
            headline: cells.read()?,
            organisation: cells.read()?,
            bio: cells.read()?,
            website_url: cells.read()?,
            avatar_url: cells.read()?,
            is_site_admin: cells.read()?,
            created_at: cells.read()?,
            email_verified_at: cells.read()?,
            locale: cells.read()?,
            handle: cells.read()?,
            notification_email: cells.read()?,
            profile_visibility: cells.read()?,
            default_speaking_as: cells.read()?,
            default_organisation_id: cells.read()?,
        }))
    }
}

impl From<Model> for Profile {
    fn from(row: Model) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            headline: row.headline,
            organisation: row.organisation,
            bio: row.bio,
            website_url: row.website_url,
            avatar_url: row.avatar_url,
            is_site_admin: row.is_site_admin,
            created_at: row.created_at,
            email_verified_at: row.email_verified_at,
            locale: row.locale,
            handle: row.handle,
            notification_email: row.notification_email,
            profile_visibility: row.profile_visibility,
            default_speaking_as: row.default_speaking_as,
            default_organisation_id: row.default_organisation_id,
        }
    }
}
