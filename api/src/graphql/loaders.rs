//! The DataLoaders of one request. They are built per request, so nothing they hold outlives the
//! request or crosses from one viewer to another; they batch, they do not cache across requests.

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

use crate::{
    groups::loaders::{GroupLoader, GroupTopicsLoader, MemberCountLoader, MembershipLoader},
    members::loader::MemberLoader,
};

pub struct Loaders {
    pub members: DataLoader<MemberLoader>,
    pub groups: DataLoader<GroupLoader>,
    pub member_counts: DataLoader<MemberCountLoader>,
    pub memberships: DataLoader<MembershipLoader>,
    pub group_topics: DataLoader<GroupTopicsLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            members: DataLoader::new(MemberLoader { db: db.clone() }, tokio::spawn),
            groups: DataLoader::new(GroupLoader { db: db.clone() }, tokio::spawn),
            member_counts: DataLoader::new(MemberCountLoader { db: db.clone() }, tokio::spawn),
            memberships: DataLoader::new(MembershipLoader { db: db.clone() }, tokio::spawn),
            group_topics: DataLoader::new(GroupTopicsLoader { db: db.clone() }, tokio::spawn),
        }
    }
}
