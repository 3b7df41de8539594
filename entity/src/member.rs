//! A person with an account. `email` is kept as written; `email_key` is its case-folded,
//! NFC-normalised form and carries the uniqueness rule.

use sea_orm::entity::prelude::*;

use crate::row::Row;

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

crate::row::read_at!(
    id,
    email,
    email_key,
    password_hash,
    display_name,
    headline,
    organisation,
    bio,
    website_url,
    avatar_url,
    is_site_admin,
    created_at,
    updated_at,
    email_verified_at,
    locale,
    handle,
    notification_email,
    digest_sent_at,
    profile_visibility,
    default_speaking_as,
    default_organisation_id,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();

/// What every page that names a member shows of them: their name and the few fields shown
/// beside it (headline, organisation, picture), with who may see those. Lists of authors and
/// attendees read these columns alone; the rest of a profile is [`Details`], read only for a
/// field that shows it.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Profile {
    pub id: Uuid,
    pub display_name: String,
    pub handle: String,
    pub headline: Option<String>,
    pub organisation: Option<String>,
    pub avatar_url: Option<String>,
    pub profile_visibility: String,
}

/// The columns of [`Profile`], for reads that build their own `SELECT`.
pub const PROFILE_COLUMNS: [Column; 7] = [
    Column::Id,
    Column::DisplayName,
    Column::Handle,
    Column::Headline,
    Column::Organisation,
    Column::AvatarUrl,
    Column::ProfileVisibility,
];

impl Profile {
    /// The profile in `row`'s columns `at..at + PROFILE_COLUMNS.len()`, selected in the order of
    /// [`PROFILE_COLUMNS`]; `None` where a left join found no member (the id is null). A joined
    /// read's columns carry a prefix, and reading them by name would build each prefixed name
    /// again for every row: on a page of attendees that was most of the cost of the rows
    /// ([`crate::row`]).
    pub fn read_at(row: Row<'_>, at: usize) -> Result<Option<Self>, DbErr> {
        id_at(row, at)?
            .map(|(id, mut cells)| {
                Ok(Self {
                    id,
                    display_name: cells.read()?,
                    handle: cells.read()?,
                    headline: cells.read()?,
                    organisation: cells.read()?,
                    avatar_url: cells.read()?,
                    profile_visibility: cells.read()?,
                })
            })
            .transpose()
    }
}

/// A member's name alone: what a list shows of them when its selection asks for nothing else
/// (a meetup's attendees by name). A [`Profile`] also serves as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub id: Uuid,
    pub display_name: String,
}

/// The columns of [`Name`], in the order [`Name::read_at`] reads them.
pub const NAME_COLUMNS: [Column; 2] = [Column::Id, Column::DisplayName];

impl Name {
    /// The name in `row`'s columns `at..at + NAME_COLUMNS.len()`; `None` where a left join found
    /// no member, as [`Profile::read_at`].
    pub fn read_at(row: Row<'_>, at: usize) -> Result<Option<Self>, DbErr> {
        id_at(row, at)?
            .map(|(id, mut cells)| {
                Ok(Self {
                    id,
                    display_name: cells.read()?,
                })
            })
            .transpose()
    }
}

/// A member's id in `row`'s column `at`, and the cells after it: `None` where a left join found
/// no member.
fn id_at(row: Row<'_>, at: usize) -> Result<Option<(Uuid, crate::row::Cells<'_>)>, DbErr> {
    let mut cells = crate::row::Cells::new(row, at);
    Ok(cells.read::<Option<Uuid>>()?.map(|id| (id, cells)))
}

impl From<&Model> for Profile {
    fn from(row: &Model) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name.clone(),
            handle: row.handle.clone(),
            headline: row.headline.clone(),
            organisation: row.organisation.clone(),
            avatar_url: row.avatar_url.clone(),
            profile_visibility: row.profile_visibility.clone(),
        }
    }
}

/// The rest of what the API shows of a member, beside their [`Profile`]: every column but the
/// password hash, the e-mail key and the update and digest times.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Details {
    pub id: Uuid,
    pub email: String,
    pub bio: Option<String>,
    pub website_url: Option<String>,
    pub is_site_admin: bool,
    pub created_at: DateTimeUtc,
    pub email_verified_at: Option<DateTimeUtc>,
    pub locale: String,
    pub notification_email: String,
    pub default_speaking_as: crate::persona::SpeakingAs,
    pub default_organisation_id: Option<Uuid>,
}

impl From<Model> for Details {
    fn from(row: Model) -> Self {
        Self {
            id: row.id,
            email: row.email,
            bio: row.bio,
            website_url: row.website_url,
            is_site_admin: row.is_site_admin,
            created_at: row.created_at,
            email_verified_at: row.email_verified_at,
            locale: row.locale,
            notification_email: row.notification_email,
            default_speaking_as: row.default_speaking_as,
            default_organisation_id: row.default_organisation_id,
        }
    }
}
