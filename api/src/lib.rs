//! Fagruppe: a GraphQL backend for professional communities — interest groups, their members,
//! meetups, discussions and shared resources.
//!
//! A write flows HTTP (`http`) → async-graphql resolver (each area's `graphql` module) → a
//! command that takes the viewer and the state (each area's `commands`, which never sees
//! async-graphql) → its `policy` → one transaction → an event. A read flows resolver → the
//! area's `reads` (loaders, look-ahead, connections) → GraphQL types (`types`). See
//! `ARCHITECTURE.md`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod discussions;
pub mod error;
pub mod events;
pub mod exports;
pub mod graphql;
pub mod groups;
pub mod http;
pub mod ids;
pub mod insights;
pub mod jobs;
pub mod mail;
pub mod markdown;
pub mod meetups;
pub mod members;
pub mod metrics;
pub mod notifications;
pub mod organisations;
pub mod redis_store;
pub mod resources;
pub mod search;
pub mod seed;
pub mod signing;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod text;
pub mod topics;
