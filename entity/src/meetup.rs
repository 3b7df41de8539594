//! A meetup of a group: formal (a seminar with an agenda) or informal (a pub evening), in person,
//! online or both. `sequence` grows with every change that calendar clients must pick up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Kind {
    #[sea_orm(string_value = "FORMAL")]
    Formal,
    #[sea_orm(string_value = "INFORMAL")]
    Informal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Format {
    #[sea_orm(string_value = "IN_PERSON")]
    InPerson,
    #[sea_orm(string_value = "ONLINE")]
    Online,
    #[sea_orm(string_value = "HYBRID")]
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetup")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub kind: Kind,
    pub format: Format,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub online_url: Option<String>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub timezone: String,
    pub capacity: Option<i32>,
    pub rsvp_deadline: Option<DateTimeUtc>,
    pub status: Status,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
    /// JSON array of agenda items.
    #[sea_orm(column_type = "Text")]
    pub agenda: String,
    pub sequence: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Answers going, kept by the answer commands under the meetup's row lock.
    pub going_count: i32,
    /// Answers waiting for a seat, kept like `going_count`.
    pub waitlist_count: i32,
    /// The longest the waitlist has been, kept with `waitlist_count`.
    pub waitlist_peak: i32,
}

crate::row::read_at!(
    id,
    group_id,
    title,
    description,
    kind,
    format,
    venue_name,
    venue_address,
    online_url,
    starts_at,
    ends_at,
    timezone,
    capacity,
    rsvp_deadline,
    status,
    cancel_reason,
    agenda,
    sequence,
    created_by,
    created_at,
    updated_at,
    going_count,
    waitlist_count,
    waitlist_peak,
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

stamps_updated_at!();
