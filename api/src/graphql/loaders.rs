//! The DataLoaders of one request. They are built per request, so a cached row never outlives
//! the request or crosses from one viewer to another.

use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

use crate::members::loader::MemberLoader;

pub struct Loaders {
    pub members: DataLoader<MemberLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            members: DataLoader::new(MemberLoader { db: db.clone() }, tokio::spawn),
        }
    }
}
