//! Accounts, sessions and the viewer: passwords, tokens, throttles, verified addresses, and the
//! GraphQL fields that use them.

pub mod commands;
pub mod graphql;
pub mod password;
pub mod reset;
pub mod throttle;
pub mod tokens;
pub mod verification;
pub mod viewer;
