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
    /// later in the request costs no statement. Nothing is fed when the request does not cache,
    /// and a loader not yet used is not made for no rows.
    pub fn feed<K, L>(
        &self,
        loader: impl FnOnce(&Loaders) -> &BatchLoader<K, L>,
        rows: impl IntoIterator<Item = (K, L::Value)>,
    ) where
        L: Loader<K, Error = AppError>,
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    {
        let Some(loaders) = self.loaders.upgrade() else {
            return;
        };
        let mut rows = rows.into_iter().peekable();
        if loaders.caching == Caching::PerRequest && rows.peek().is_some() {
            loader(&loaders).feed_many(rows);
        }
    }
}

/// Declares [`Loaders`]: each loader is made on its first use in the request (from the
/// request's [`LoadContext`], named by the closure's argument), so a request pays only for the
/// loaders it uses (a meetup page uses five of the thirty-one; making and dropping all of them
/// was 5 % of the server's CPU for that page).
macro_rules! loaders {
    ($($name:ident: $key:ty => $loader:ty = |$context:ident| $make:expr;)+) => {
        /// The loaders of one request, each made when first asked for.
        pub struct Loaders {
            /// What the loaders share, for reads that join and feed outside a loader (a group by
            /// slug).
            pub context: LoadContext,
            caching: Caching,
            $($name: OnceLock<BatchLoader<$key, $loader>>,)+
        }

        impl Loaders {
            fn empty(context: LoadContext, caching: Caching) -> Self {
                Self {
                    context,
                    caching,
                    $($name: OnceLock::new(),)+
                }
            }

            $(
                pub fn $name(&self) -> &BatchLoader<$key, $loader> {
                    self.$name.get_or_init(|| {
                        let $context = &self.context;
                        BatchLoader::new($make, self.caching == Caching::PerRequest)
                    })
                }
            )+
        }
    };
}

loaders! {
    members: Uuid => MemberLoader = |c| MemberLoader { db: c.db.clone() };
    member_profiles: Uuid => ProfileLoader = |c| ProfileLoader { db: c.db.clone() };
    member_details: Uuid => MemberDetailsLoader = |c| MemberDetailsLoader { db: c.db.clone() };
    shared_groups: Uuid => SharedGroupLoader =
        |c| SharedGroupLoader { db: c.db.clone(), viewer: c.viewer };
    groups: Uuid => GroupLoader = |c| GroupLoader { context: c.clone() };
    memberships: (Uuid, Uuid) => MembershipLoader = |c| MembershipLoader { db: c.db.clone() };
    group_topics: Uuid => TopicsLoader<group_topic::Entity> = |c| TopicsLoader::new(&c.db);
    meetups: Uuid => MeetupLoader = |c| MeetupLoader { context: c.clone() };
    meetups_with_attendees: PreviewKey => MeetupWithAttendeesLoader =
        |c| MeetupWithAttendeesLoader { context: c.clone() };
    standings: Uuid => StandingLoader = |c| StandingLoader { context: c.clone() };
    meetup_hosts: Uuid => MeetupHostsLoader = |c| MeetupHostsLoader { db: c.db.clone() };
    meetup_topics: Uuid => TopicsLoader<meetup_topic::Entity> = |c| TopicsLoader::new(&c.db);
    attendee_previews: PreviewKey => AttendeePreviewLoader =
        |c| AttendeePreviewLoader { context: c.clone() };
    threads: Uuid => ThreadLoader = |c| ThreadLoader { context: c.clone() };
    comments: Uuid => CommentLoader = |c| CommentLoader { db: c.db.clone() };
    comment_counts: Uuid => CommentCountLoader = |c| CommentCountLoader { db: c.db.clone() };
    reply_counts: Uuid => ReplyCountLoader = |c| ReplyCountLoader { db: c.db.clone() };
    reaction_counts: Uuid => ReactionCountLoader = |c| ReactionCountLoader { db: c.db.clone() };
    viewer_reactions: (Uuid, Uuid) => ViewerReactionLoader =
        |c| ViewerReactionLoader { db: c.db.clone() };
    thread_topics: Uuid => TopicsLoader<thread_topic::Entity> = |c| TopicsLoader::new(&c.db);
    revisions: Uuid => RevisionLoader = |c| RevisionLoader { db: c.db.clone() };
    reply_previews: ReplyPreviewKey => ReplyPreviewLoader =
        |c| ReplyPreviewLoader { context: c.clone() };
    resources: Uuid => ResourceLoader = |c| ResourceLoader { db: c.db.clone() };
    resource_topics: Uuid => TopicsLoader<resource_topic::Entity> = |c| TopicsLoader::new(&c.db);
    unread_in_group: Uuid => UnreadInGroupLoader =
        |c| UnreadInGroupLoader { db: c.db.clone(), viewer: c.viewer };
    watch_levels: Watched => WatchLevelLoader =
        |c| WatchLevelLoader { db: c.db.clone(), viewer: c.viewer };
    invitations: Uuid => InvitationLoader = |c| InvitationLoader { db: c.db.clone() };
    organisations: Uuid => OrganisationLoader = |c| OrganisationLoader { db: c.db.clone() };
    affiliations: Uuid => AffiliationsLoader = |c| AffiliationsLoader { db: c.db.clone() };
    guidelines: (Uuid, i32) => GuidelinesLoader = |c| GuidelinesLoader { db: c.db.clone() };
    organisation_roles: Uuid => ViewerRoleLoader =
        |c| ViewerRoleLoader { db: c.db.clone(), viewer: c.viewer };
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
            Self::empty(context, caching)
        })
    }
}
