//! Relay's `node(id:)`: any object by its global id, through the same visibility rule as the
//! object's own query.

use async_graphql::{Context, ID, Interface, Object};
use entity::session;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    auth::graphql::Session,
    error::{AppError, AppResult},
    graphql::{context::ContextExt, ids},
    members::types::Member,
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Member(Member),
    Session(Session),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its id. `NOT_FOUND` when it does not exist or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 200))] id: ID,
    ) -> AppResult<Node> {
        let (kind, key) = ids::decode(&id).ok_or(AppError::NotFound("Node"))?;
        match kind {
            ids::Kind::Member => ctx
                .loaders()?
                .members
                .load_one(key)
                .await?
                .map(|member| Node::Member(Member::new(member)))
                .ok_or(AppError::NotFound("Node")),
            ids::Kind::Session => {
                let viewer = ctx.viewer().identity().ok_or(AppError::NotFound("Node"))?;
                session::Entity::find_by_id(key)
                    .filter(session::Column::MemberId.eq(viewer.member_id))
                    .one(&ctx.state()?.db)
                    .await?
                    .map(|row| Node::Session(Session::new(row, viewer.session_id)))
                    .ok_or(AppError::NotFound("Node"))
            }
        }
    }
}
