//! The loaders of one request. They are built per request, so nothing they hold outlives the
//! request or crosses from one viewer to another. Within a query they batch and cache: a row read
//! once (a group named by both a meetup and its thread) is not read again, and a loader that
//! reads a one-to-one level with a join (a meetup with its group, a group with the viewer's
//! membership) feeds the rows it found to the other loaders. Mutations and subscriptions batch
//! without caching, so a field resolved after a write never sees the row from before it.

use std::sync::{Arc, OnceLock, Weak};

use async_graphql::dataloader::Loader;
use entity::{group_topic, meetup_topic, resource_topic, thread_topic};
use uuid::Uuid;

use crate::{
    db::Db,
    discussions::loaders::{
        CommentCountLoader, CommentLoader, ReactionCountLoader, ReplyCountLoader, ReplyPreviewKey,
        ReplyPreviewLoader, RevisionLoader, ThreadLoader, ViewerReactionLoader,
    },
    error::AppError,
    graphql::batch::BatchLoader,
    groups::loaders::{GroupLoader, GuidelinesLoader, MembershipLoader},
    meetups::loaders::{
        AttendeePreviewLoader, MeetupHostsLoader, MeetupLoader, MeetupWithAttendeesLoader,
        PreviewKey, StandingLoader,
    },
    members::loader::{MemberDetailsLoader, MemberLoader, ProfileLoader, SharedGroupLoader},
    notifications::{
        reads::{InvitationLoader, UnreadInGroupLoader},
        watch::{WatchLevelLoader, Watched},
    },
    organisations::loaders::{AffiliationsLoader, OrganisationLoader, ViewerRoleLoader},
    resources::loaders::ResourceLoader,
    topics::TopicsLoader,
};

/// Whether a request's loaders keep what they read for the rest of the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caching {
    /// A query: every row is read at most once per request.
    PerRequest,
    /// A mutation or a subscription: rows change while the request runs.
    Off,
}

/// What a loader that reads joined rows needs: the pool, the viewer (whose membership a group
/// read joins) and the other loaders, to feed them what the join found.
#[derive(Clone)]
pub struct LoadContext {
    pub db: Db,
    pub viewer: Option<Uuid>,
    loaders: Weak<Loaders>,
}

impl LoadContext {
    /// Hands rows read by a join to the loader that reads them alone, so that asking it for them
    /// later in the request costs no statement. The loader ignores them when the request does not
    /// cache.
    pub fn feed<K, L>(
        &self,
        loader: impl FnOnce(&Loaders) -> &BatchLoader<K, L>,
        rows: impl IntoIterator<Item = (K, L::Value)>,
    ) where
        L: Loader<K, Error = AppError>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        if let Some(loaders) = self.loaders.upgrade() {
            loader(&loaders).feed_many(rows);
        }
    }
}

fn batched<K, L>(loader: L, caching: Caching) -> BatchLoader<K, L>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: Loader<K, Error = AppError>,
{
    BatchLoader::new(loader, caching == Caching::PerRequest)
}

pub struct Loaders {
    /// What the loaders share, for reads that join and feed outside a loader (a group by slug).
    pub context: LoadContext,
    pub members: BatchLoader<Uuid, MemberLoader>,
    pub member_profiles: BatchLoader<Uuid, ProfileLoader>,
    pub member_details: BatchLoader<Uuid, MemberDetailsLoader>,
    pub shared_groups: BatchLoader<Uuid, SharedGroupLoader>,
    pub groups: BatchLoader<Uuid, GroupLoader>,
    pub memberships: BatchLoader<(Uuid, Uuid), MembershipLoader>,
    pub group_topics: BatchLoader<Uuid, TopicsLoader<group_topic::Entity>>,
    pub meetups: BatchLoader<Uuid, MeetupLoader>,
    pub meetups_with_attendees: BatchLoader<PreviewKey, MeetupWithAttendeesLoader>,
    pub standings: BatchLoader<Uuid, StandingLoader>,
    pub meetup_hosts: BatchLoader<Uuid, MeetupHostsLoader>,
    pub meetup_topics: BatchLoader<Uuid, TopicsLoader<meetup_topic::Entity>>,
    pub attendee_previews: BatchLoader<PreviewKey, AttendeePreviewLoader>,
    pub threads: BatchLoader<Uuid, ThreadLoader>,
    pub comments: BatchLoader<Uuid, CommentLoader>,
    pub comment_counts: BatchLoader<Uuid, CommentCountLoader>,
    pub reply_counts: BatchLoader<Uuid, ReplyCountLoader>,
    pub reaction_counts: BatchLoader<Uuid, ReactionCountLoader>,
    pub viewer_reactions: BatchLoader<(Uuid, Uuid), ViewerReactionLoader>,
    pub thread_topics: BatchLoader<Uuid, TopicsLoader<thread_topic::Entity>>,
    pub revisions: BatchLoader<Uuid, RevisionLoader>,
    pub reply_previews: BatchLoader<ReplyPreviewKey, ReplyPreviewLoader>,
    pub resources: BatchLoader<Uuid, ResourceLoader>,
    pub resource_topics: BatchLoader<Uuid, TopicsLoader<resource_topic::Entity>>,
    pub unread_in_group: BatchLoader<Uuid, UnreadInGroupLoader>,
    pub watch_levels: BatchLoader<Watched, WatchLevelLoader>,
    pub invitations: BatchLoader<Uuid, InvitationLoader>,
    pub organisations: BatchLoader<Uuid, OrganisationLoader>,
    pub affiliations: BatchLoader<Uuid, AffiliationsLoader>,
    pub guidelines: BatchLoader<(Uuid, i32), GuidelinesLoader>,
    pub organisation_roles: BatchLoader<Uuid, ViewerRoleLoader>,
}

impl Loaders {
    /// The loaders of one request by `viewer` (a member id, or `None` when anonymous).
    pub fn new(db: &Db, viewer: Option<Uuid>, caching: Caching) -> Arc<Self> {
        Arc::new_cyclic(|loaders| {
            let context = LoadContext {
                db: db.clone(),
                viewer,
                loaders: loaders.clone(),
            };
            Self {
                context: context.clone(),
                members: batched(MemberLoader { db: db.clone() }, caching),
                member_profiles: batched(ProfileLoader { db: db.clone() }, caching),
                member_details: batched(MemberDetailsLoader { db: db.clone() }, caching),
                shared_groups: batched(
                    SharedGroupLoader {
                        db: db.clone(),
                        viewer,
                    },
                    caching,
                ),
                groups: batched(
                    GroupLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                memberships: batched(MembershipLoader { db: db.clone() }, caching),
                group_topics: batched(TopicsLoader::new(db), caching),
                meetups: batched(
                    MeetupLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                meetups_with_attendees: batched(
                    MeetupWithAttendeesLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                standings: batched(
                    StandingLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                meetup_hosts: batched(MeetupHostsLoader { db: db.clone() }, caching),
                meetup_topics: batched(TopicsLoader::new(db), caching),
                attendee_previews: batched(
                    AttendeePreviewLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                threads: batched(
                    ThreadLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                comments: batched(CommentLoader { db: db.clone() }, caching),
                comment_counts: batched(CommentCountLoader { db: db.clone() }, caching),
                reply_counts: batched(ReplyCountLoader { db: db.clone() }, caching),
                reaction_counts: batched(ReactionCountLoader { db: db.clone() }, caching),
                viewer_reactions: batched(ViewerReactionLoader { db: db.clone() }, caching),
                thread_topics: batched(TopicsLoader::new(db), caching),
                revisions: batched(RevisionLoader { db: db.clone() }, caching),
                reply_previews: batched(
                    ReplyPreviewLoader {
                        context: context.clone(),
                    },
                    caching,
                ),
                resources: batched(ResourceLoader { db: db.clone() }, caching),
                resource_topics: batched(TopicsLoader::new(db), caching),
                unread_in_group: batched(
                    UnreadInGroupLoader {
                        db: db.clone(),
                        viewer,
                    },
                    caching,
                ),
                watch_levels: batched(
                    WatchLevelLoader {
                        db: db.clone(),
                        viewer,
                    },
                    caching,
                ),
                invitations: batched(InvitationLoader { db: db.clone() }, caching),
                organisations: batched(OrganisationLoader { db: db.clone() }, caching),
                affiliations: batched(AffiliationsLoader { db: db.clone() }, caching),
                guidelines: batched(GuidelinesLoader { db: db.clone() }, caching),
                organisation_roles: batched(
                    ViewerRoleLoader {
                        db: db.clone(),
                        viewer,
                    },
                    caching,
                ),
            }
        })
    }
}

/// The loaders of one request, built on first use: a request that needs none (an authenticated
/// `me`) does not pay for building them.
pub struct RequestLoaders {
    db: Db,
    viewer: Option<Uuid>,
    caching: Caching,
    loaders: OnceLock<Arc<Loaders>>,
}

impl RequestLoaders {
    pub fn new(db: &Db, viewer: Option<Uuid>, caching: Caching) -> Self {
        Self {
            db: db.clone(),
            viewer,
            caching,
            loaders: OnceLock::new(),
        }
    }

    pub fn get(&self) -> &Loaders {
        self.loaders
            .get_or_init(|| Loaders::new(&self.db, self.viewer, self.caching))
    }
}
