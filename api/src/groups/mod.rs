//! Interest groups: settings, membership under join policies, roles, invitations, topics. Every
//! permission comes from `policy`.

pub mod commands;
pub mod graphql;
pub mod guidelines;
pub mod loaders;
pub mod policy;
pub mod reads;
pub mod slug;
pub mod topics;
pub mod types;
