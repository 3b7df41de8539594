//! Database rows as sea-orm entities, and nothing else. These types hold columns a client must
//! never see (`password_hash`, token hashes), so GraphQL types live in `api` and are built from
//! them explicitly.

pub mod member;
pub mod refresh_token;
pub mod session;
