//! The DataLoaders of one request. They are built per request, so nothing they hold outlives the
//! request or crosses from one viewer to another; they batch, they do not cache across requests.

use std::{sync::OnceLock, time::Duration};

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

/// A request's DataLoader: it batches every key asked for while the current resolvers run and
/// loads them as soon as they yield, with no timer window in between (async-graphql's default
/// waits 1 ms per batch stage, on a timer, at every level of a query).
fn batched<L>(loader: L) -> DataLoader<L> {
    DataLoader::new(loader, tokio::spawn).delay(Duration::ZERO)
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            members: batched(MemberLoader { db: db.clone() }),
            groups: batched(GroupLoader { db: db.clone() }),
            member_counts: batched(MemberCountLoader { db: db.clone() }),
            memberships: batched(MembershipLoader { db: db.clone() }),
            group_topics: batched(TopicsLoader::new(db)),
            meetups: batched(MeetupLoader { db: db.clone() }),
            rsvp_counts: batched(RsvpCountLoader { db: db.clone() }),
            rsvps: batched(RsvpLoader { db: db.clone() }),
            meetup_hosts: batched(MeetupHostsLoader { db: db.clone() }),
            meetup_topics: batched(TopicsLoader::new(db)),
            attendee_previews: batched(AttendeePreviewLoader { db: db.clone() }),
            threads: batched(ThreadLoader { db: db.clone() }),
            comments: batched(CommentLoader { db: db.clone() }),
            comment_counts: batched(CommentCountLoader { db: db.clone() }),
            reply_counts: batched(ReplyCountLoader { db: db.clone() }),
            reaction_counts: batched(ReactionCountLoader { db: db.clone() }),
            viewer_reactions: batched(ViewerReactionLoader { db: db.clone() }),
            thread_topics: batched(TopicsLoader::new(db)),
            revisions: batched(RevisionLoader { db: db.clone() }),
            reply_previews: batched(ReplyPreviewLoader { db: db.clone() }),
            resource_topics: batched(TopicsLoader::new(db)),
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
