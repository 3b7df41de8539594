//! Members' notifications: an inbox of what happened to them and their writing (replies,
//! quotes), folded per kind and thread while unread, as Discourse does. Rows are written in the
//! transaction of the change that causes them (`commands`), and only for members who may read
//! where it happened; reading the inbox applies the same rule again (`reads`), so a member who
//! left a members-only group stops seeing what happened there.

pub mod commands;
pub mod graphql;
pub mod mail;
pub mod meetups;
pub mod reads;
pub mod watch;
