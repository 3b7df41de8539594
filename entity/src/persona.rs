//! Who a piece of writing speaks for: stored on threads, comments and resources as written.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SpeakingAs {
    /// As a private person: no employer is shown.
    #[default]
    #[sea_orm(string_value = "PRIVATE")]
    Private,
    /// As a professional, with the affiliation shown.
    #[sea_orm(string_value = "AFFILIATED")]
    Affiliated,
    /// Officially, for the organisation (its representatives only).
    #[sea_orm(string_value = "ON_BEHALF")]
    OnBehalf,
}
