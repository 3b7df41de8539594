//! Discussions: threads, nested comments with quotes, reactions, edit history, moderation,
//! reports and live comments. Permissions come from `policy`, on top of the group's.

pub mod commands;
pub mod graphql;
pub mod links;
pub mod loaders;
pub mod policy;
pub mod reads;
pub mod types;
