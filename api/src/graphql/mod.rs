//! The GraphQL schema: roots merged from the feature areas, request limits, and the shared
//! plumbing (ids, pagination, loaders, context access). Nothing here knows about HTTP.

pub mod batch;
pub mod context;
pub mod document;
pub mod errors;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod scalars;
pub mod validators;

use async_graphql::{MergedObject, MergedSubscription, Schema, ValidationMode};

use crate::{
    auth::graphql::{AuthMutation, AuthQuery},
    config::Settings,
    discussions::graphql::{DiscussionsMutation, DiscussionsQuery, DiscussionsSubscription},
    exports::graphql::ExportsMutation,
    groups::{
        graphql::{GroupsMutation, GroupsQuery},
        topics::TopicsMutation,
    },
    jobs::graphql::{JobsMutation, JobsQuery},
    meetups::graphql::{MeetupsMutation, MeetupsQuery, MeetupsSubscription},
    members::graphql::{MembersMutation, MembersQuery, MembersSubscription},
    notifications::graphql::{
        NotificationsMutation, NotificationsQuery, NotificationsSubscription,
    },
    organisations::graphql::{OrganisationsMutation, OrganisationsQuery},
    resources::graphql::{ResourcesMutation, ResourcesQuery},
    search::graphql::SearchQuery,
    state::AppState,
};

/// Every query field.
#[derive(MergedObject, Default)]
pub struct Query(
    MembersQuery,
    AuthQuery,
    GroupsQuery,
    MeetupsQuery,
    DiscussionsQuery,
    ResourcesQuery,
    JobsQuery,
    NotificationsQuery,
    SearchQuery,
    OrganisationsQuery,
    node::NodeQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    MembersMutation,
    GroupsMutation,
    TopicsMutation,
    MeetupsMutation,
    DiscussionsMutation,
    ResourcesMutation,
    JobsMutation,
    NotificationsMutation,
    OrganisationsMutation,
    ExportsMutation,
);

/// Every subscription.
#[derive(MergedSubscription, Default)]
pub struct Subscription(
    MembersSubscription,
    MeetupsSubscription,
    DiscussionsSubscription,
    NotificationsSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema once. Without `state` it serves only to print the SDL. `suggestions` adds
/// "Did you mean …?" to unknown names (development only; each one compares the name with every
/// field of its type, so large documents are validated by a schema without them). `validation`
/// is async-graphql's mode: `Fast` for documents that passed the full validation before
/// (`limits::GuardedSchema`).
pub fn build_schema(
    state: Option<std::sync::Arc<AppState>>,
    settings: &Settings,
    suggestions: bool,
    validation: ValidationMode,
) -> AppSchema {
    // Depth is checked before validation (`document`), where introspection gets a budget of its
    // own; async-graphql's depth limit would count the standard introspection query against it.
    let limits = &settings.limits;
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(limits.max_recursive_depth)
    .limit_directives(limits.max_directives)
    .validation_mode(validation);
    if settings.is_production() {
        builder = builder.disable_introspection();
    }
    if settings.is_production() || !suggestions {
        builder = builder.disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema as SDL, as checked in at `schema.graphql`.
pub fn sdl(settings: &Settings) -> String {
    build_schema(None, settings, false, ValidationMode::Strict).sdl()
}
