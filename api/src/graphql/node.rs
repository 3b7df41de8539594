//! Relay's `node(id:)`: any object by its global id, through the same visibility rule as the
//! object's own query.

use async_graphql::{Context, ID, Interface, Object};
use entity::{invitation, membership, rsvp, session};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    auth::graphql::Session,
    discussions::{
        self,
        types::{Comment, Thread},
    },
    error::{AppError, AppResult},
    graphql::context::ContextExt,
    groups::{
        self,
        policy::GroupAction,
        types::{Group, Invitation, Membership},
    },
    ids,
    meetups::{
        self,
        types::{Meetup, Rsvp},
    },
    members::types::Member,
    organisations::{
        self,
        types::{Affiliation, Organisation},
    },
    resources::{self, types::Resource},
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Member(Member),
    Session(Session),
    Group(Group),
    Membership(Membership),
    Invitation(Invitation),
    Meetup(Meetup),
    Rsvp(Rsvp),
    Thread(Thread),
    Comment(Comment),
    Resource(Resource),
    Organisation(Organisation),
    Affiliation(Affiliation),
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
            // Jobs are for site admins' `jobs` list only, not nodes.
            ids::Kind::Job | ids::Kind::Notification | ids::Kind::DataExport => {
                Err(AppError::NotFound("Node"))
            }
            ids::Kind::Member => Member::load(ctx, Some(key))
                .await?
                .map(Node::Member)
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
            ids::Kind::Group => Ok(Node::Group(groups::reads::group_by_id(ctx, key).await?)),
            ids::Kind::Membership => {
                let row = membership::Entity::find_by_id(key)
                    .one(&ctx.state()?.db)
                    .await?
                    .ok_or(AppError::NotFound("Node"))?;
                let group = groups::reads::group_by_id(ctx, row.group_id).await?;
                let own = ctx.viewer().member_id() == Some(row.member_id);
                let visible = own
                    || match row.status {
                        membership::Status::Active => {
                            group.access.ensure(GroupAction::ReadContent).is_ok()
                        }
                        _ => group.access.ensure(GroupAction::ReviewRequests).is_ok(),
                    };
                visible
                    .then_some(Node::Membership(Membership(row)))
                    .ok_or(AppError::NotFound("Node"))
            }
            ids::Kind::Invitation => {
                let row = invitation::Entity::find_by_id(key)
                    .one(&ctx.state()?.db)
                    .await?
                    .ok_or(AppError::NotFound("Node"))?;
                let group = groups::reads::group_by_id(ctx, row.group_id).await?;
                let visible = row
                    .invitee_id
                    .is_some_and(|id| ctx.viewer().member_id() == Some(id))
                    || group.access.ensure(GroupAction::Invite).is_ok();
                visible
                    .then_some(Node::Invitation(Invitation(row)))
                    .ok_or(AppError::NotFound("Node"))
            }
            ids::Kind::Meetup => Ok(Node::Meetup(meetups::reads::meetup_by_id(ctx, key).await?)),
            ids::Kind::Rsvp => {
                let row = rsvp::Entity::find_by_id(key)
                    .one(&ctx.state()?.db)
                    .await?
                    .ok_or(AppError::NotFound("Node"))?;
                // Visible where the meetup's attendee list is.
                meetups::reads::meetup_by_id(ctx, row.meetup_id)
                    .await
                    .map_err(|_| AppError::NotFound("Node"))?;
                Ok(Node::Rsvp(Rsvp {
                    row,
                    position: None,
                }))
            }
            ids::Kind::Thread => Ok(Node::Thread(
                discussions::reads::thread_by_id(ctx, key).await?,
            )),
            ids::Kind::Comment => Ok(Node::Comment(
                discussions::reads::comment_by_id(ctx, key).await?,
            )),
            ids::Kind::Resource => Ok(Node::Resource(
                resources::reads::resource_by_id(ctx, key).await?,
            )),
            ids::Kind::Organisation => Ok(Node::Organisation(
                organisations::reads::organisation_by_id(ctx, key).await?,
            )),
            ids::Kind::Affiliation => organisations::reads::affiliation_by_id(ctx, key)
                .await?
                .map(Node::Affiliation)
                .ok_or(AppError::NotFound("Node")),
            ids::Kind::CommentRevision | ids::Kind::Report => Err(AppError::NotFound("Node")),
        }
    }
}
