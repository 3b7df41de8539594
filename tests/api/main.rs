//! One test binary for the whole API (faster to link than one per file).

mod auth;
mod browser;
mod discussions;
mod groups;
mod health;
mod helpers;
mod jobs;
mod limits;
mod mail;
mod meetup_mail;
mod meetups;
mod members;
mod metrics;
mod notification_mail;
mod notifications;
mod object_storage;
mod pages;
mod replicas;
mod resources;
mod schema;
mod seed;
mod smtp;
mod subscriptions;
mod transport;
mod watching;
mod websocket;
