//! Members: profiles, their visibility rules, and the loader every other area uses to show
//! authors, hosts and adders.

pub mod commands;
pub mod graphql;
pub mod handles;
pub mod loader;
pub mod policy;
pub mod types;
