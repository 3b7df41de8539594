//! Organisations, members' affiliations with them, their representatives, and the persona
//! (private, affiliated, on behalf) every thread, comment and shared resource is written in.

pub mod commands;
pub mod graphql;
pub mod loaders;
pub mod policy;
pub mod reads;
pub mod types;
