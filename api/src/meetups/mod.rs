//! Meetups: planning, answers with capacity and a waitlist, check-in, calendar feeds and live
//! updates. Permissions come from `policy`, on top of the group's.

pub mod commands;
pub mod graphql;
pub mod ical;
pub mod loaders;
pub mod mail;
pub mod policy;
pub mod reads;
pub mod types;
