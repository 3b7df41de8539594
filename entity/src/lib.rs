//! Database rows as sea-orm entities, and nothing else. These types hold columns a client must
//! never see (`password_hash`, token hashes), so GraphQL types live in `api` and are built from
//! them explicitly.

pub mod audit_log;
pub mod calendar_token;
pub mod comment;
pub mod comment_revision;
pub mod group_topic;
pub mod interest_group;
pub mod invitation;
pub mod meetup;
pub mod meetup_host;
pub mod meetup_topic;
pub mod member;
pub mod membership;
pub mod reaction;
pub mod refresh_token;
pub mod report;
pub mod resource;
pub mod resource_topic;
pub mod rsvp;
pub mod session;
pub mod thread;
pub mod thread_topic;
pub mod topic;
