//! The DataLoaders of one request. They are built per request, so nothing they hold outlives the
//! request or crosses from one viewer to another; they batch, they do not cache across requests.

use std::sync::OnceLock;

use async_graphql::dataloader::DataLoader;
use entity::{group_topic, meetup_topic, resource_topic, thread_topic};
use sea_orm::DatabaseConnection;

use crate::{
    discussions::loaders::{
        CommentCountLoader, CommentLoader, ReactionCountLoader, ReplyCountLoader,
        ReplyPreviewLoader, RevisionLoader, ThreadLoader, ViewerReactionLoader,
    },
    groups::loaders::{GroupLoader, MemberCountLoader, MembershipLoader},
    meetups::loaders::{
        AttendeePreviewLoader, MeetupHostsLoader, MeetupLoader, RsvpCountLoader, RsvpLoader,
    },
    members::loader::MemberLoader,
    topics::TopicsLoader,
};

pub struct Loaders {
    pub members: DataLoader<MemberLoader>,
    pub groups: DataLoader<GroupLoader>,
    pub member_counts: DataLoader<MemberCountLoader>,
    pub memberships: DataLoader<MembershipLoader>,
    pub group_topics: DataLoader<TopicsLoader<group_topic::Entity>>,
    pub meetups: DataLoader<MeetupLoader>,
    pub rsvp_counts: DataLoader<RsvpCountLoader>,
    pub rsvps: DataLoader<RsvpLoader>,
    pub meetup_hosts: DataLoader<MeetupHostsLoader>,
    pub meetup_topics: DataLoader<TopicsLoader<meetup_topic::Entity>>,
    pub attendee_previews: DataLoader<AttendeePreviewLoader>,
    pub threads: DataLoader<ThreadLoader>,
    pub comments: DataLoader<CommentLoader>,
    pub comment_counts: DataLoader<CommentCountLoader>,
    pub reply_counts: DataLoader<ReplyCountLoader>,
    pub reaction_counts: DataLoader<ReactionCountLoader>,
    pub viewer_reactions: DataLoader<ViewerReactionLoader>,
    pub thread_topics: DataLoader<TopicsLoader<thread_topic::Entity>>,
    pub revisions: DataLoader<RevisionLoader>,
    pub reply_previews: DataLoader<ReplyPreviewLoader>,
    pub resource_topics: DataLoader<TopicsLoader<resource_topic::Entity>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            members: DataLoader::new(MemberLoader { db: db.clone() }, tokio::spawn),
            groups: DataLoader::new(GroupLoader { db: db.clone() }, tokio::spawn),
            member_counts: DataLoader::new(MemberCountLoader { db: db.clone() }, tokio::spawn),
            memberships: DataLoader::new(MembershipLoader { db: db.clone() }, tokio::spawn),
            group_topics: DataLoader::new(TopicsLoader::new(db), tokio::spawn),
            meetups: DataLoader::new(MeetupLoader { db: db.clone() }, tokio::spawn),
            rsvp_counts: DataLoader::new(RsvpCountLoader { db: db.clone() }, tokio::spawn),
            rsvps: DataLoader::new(RsvpLoader { db: db.clone() }, tokio::spawn),
            meetup_hosts: DataLoader::new(MeetupHostsLoader { db: db.clone() }, tokio::spawn),
            meetup_topics: DataLoader::new(TopicsLoader::new(db), tokio::spawn),
            attendee_previews: DataLoader::new(
                AttendeePreviewLoader { db: db.clone() },
                tokio::spawn,
            ),
            threads: DataLoader::new(ThreadLoader { db: db.clone() }, tokio::spawn),
            comments: DataLoader::new(CommentLoader { db: db.clone() }, tokio::spawn),
            comment_counts: DataLoader::new(CommentCountLoader { db: db.clone() }, tokio::spawn),
            reply_counts: DataLoader::new(ReplyCountLoader { db: db.clone() }, tokio::spawn),
            reaction_counts: DataLoader::new(ReactionCountLoader { db: db.clone() }, tokio::spawn),
            viewer_reactions: DataLoader::new(
                ViewerReactionLoader { db: db.clone() },
                tokio::spawn,
            ),
            thread_topics: DataLoader::new(TopicsLoader::new(db), tokio::spawn),
            revisions: DataLoader::new(RevisionLoader { db: db.clone() }, tokio::spawn),
            reply_previews: DataLoader::new(ReplyPreviewLoader { db: db.clone() }, tokio::spawn),
            resource_topics: DataLoader::new(TopicsLoader::new(db), tokio::spawn),
        }
    }
}

/// The loaders of one request, built on first use: a request that needs none (an authenticated
/// `me`) does not pay for building them.
pub struct RequestLoaders {
    db: DatabaseConnection,
    loaders: OnceLock<Loaders>,
}

impl RequestLoaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            db: db.clone(),
            loaders: OnceLock::new(),
        }
    }

    pub fn get(&self) -> &Loaders {
        self.loaders.get_or_init(|| Loaders::new(&self.db))
    }
}
