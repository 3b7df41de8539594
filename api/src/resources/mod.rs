//! The group library: shared links and uploaded files, optionally attached to a meetup.

pub mod files;
pub mod graphql;
pub mod policy;
pub mod service;
pub mod types;
