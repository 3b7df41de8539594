//! Fagruppe: a GraphQL backend for professional communities — interest groups, their members,
//! meetups, discussions and shared resources.
//!
//! A request flows HTTP (`http`) → async-graphql resolver (`graphql` and each area's `graphql`
//! module) → a domain function that takes the viewer and the connection (each area's `service`)
//! → sea-orm. Each area decides its permissions in its `policy` module.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod discussions;
pub mod error;
pub mod events;
pub mod graphql;
pub mod groups;
pub mod http;
pub mod markdown;
pub mod meetups;
pub mod members;
pub mod resources;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod text;
pub mod topics;
