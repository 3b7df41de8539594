//! How closely a member follows a group or a thread (`group_watch`, `thread_watch`); no row
//! means [`Level::Normal`].

use sea_orm::entity::prelude::*;

/// A watch level, as Discourse has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Level {
    /// Every new comment (in a group: every new thread, and its threads are watched).
    #[sea_orm(string_value = "WATCHING")]
    Watching,
    /// Replies, quotes and mentions; the level of threads the member commented in.
    #[sea_orm(string_value = "TRACKING")]
    Tracking,
    /// Replies, quotes and mentions: the default.
    #[sea_orm(string_value = "NORMAL")]
    Normal,
    /// Nothing at all, not even mentions.
    #[sea_orm(string_value = "MUTED")]
    Muted,
}

pub mod group {
    //! A member's watch level for a group.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "group_watch")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub group_id: Uuid,
        pub level: super::Level,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod thread {
    //! A member's watch level for a thread.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "thread_watch")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub thread_id: Uuid,
        pub level: super::Level,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
