//! The group library: shared links and uploaded files, optionally attached to a meetup.

pub mod commands;
pub mod graphql;
pub mod loaders;
pub mod policy;
pub mod reads;
pub mod types;
