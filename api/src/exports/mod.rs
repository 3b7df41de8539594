//! "My data": a member's export of everything about them, built by a job into one zip in the
//! file store, downloadable once through a short-lived signed link, then deleted.

pub mod archive;
pub mod commands;
pub mod graphql;
pub mod policy;
