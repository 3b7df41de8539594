//! Database rows as sea-orm entities, and nothing else. These types hold columns a client must
//! never see (`password_hash`, token hashes), so GraphQL types live in `api` and are built from
//! them explicitly.

/// Implements `ActiveModelBehavior` for the entity module it is called in, applying
/// [`stamp_updated_at`] before every save: the one definition for every entity with a
/// `created_at` and an `updated_at`.
macro_rules! stamps_updated_at {
    () => {
        #[sea_orm::prelude::async_trait::async_trait]
        impl sea_orm::ActiveModelBehavior for ActiveModel {
            async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, sea_orm::DbErr>
            where
                C: sea_orm::ConnectionTrait,
            {
                crate::stamp_updated_at(&mut self.updated_at, &self.created_at, insert);
                Ok(self)
            }
        }
    };
}

pub mod affiliation;
pub mod audit_log;
pub mod calendar_token;
pub mod comment;
pub mod comment_revision;
pub mod data_export;
pub mod discussion_link;
pub mod email_token;
pub mod group_guidelines;
pub mod group_topic;
pub mod interest_group;
pub mod invitation;
pub mod job;
pub mod job_schedule;
pub mod mail_opt_out;
pub mod meetup;
pub mod meetup_host;
pub mod meetup_reminder;
pub mod meetup_topic;
pub mod member;
pub mod membership;
pub mod membership_event;
pub mod notification;
pub mod organisation;
pub mod organisation_role;
pub mod persona;
pub mod reaction;
pub mod refresh_token;
pub mod report;
pub mod resource;
pub mod resource_download;
pub mod resource_text;
pub mod resource_topic;
pub mod row;
pub mod rsvp;
pub mod search_entry;
pub mod session;
pub mod table;
pub mod thread;
pub mod thread_topic;
pub mod topic;
pub mod watch;

use sea_orm::{ActiveValue, prelude::DateTimeUtc};

/// The one timestamp rule, applied by `before_save` of every entity with an `updated_at`: an
/// update always stamps the time of the change; an insert keeps what it set, else takes its
/// `created_at`, so a new row reads as never changed. Bulk `update_many` statements bypass the
/// hook and set `updated_at` in the same statement.
pub(crate) fn stamp_updated_at(
    updated_at: &mut ActiveValue<DateTimeUtc>,
    created_at: &ActiveValue<DateTimeUtc>,
    insert: bool,
) {
    if !insert {
        *updated_at = ActiveValue::Set(chrono::Utc::now());
    } else if updated_at.is_not_set() {
        *updated_at = ActiveValue::Set(match created_at {
            ActiveValue::Set(at) | ActiveValue::Unchanged(at) => *at,
            ActiveValue::NotSet => chrono::Utc::now(),
        });
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use sea_orm::ActiveValue::{NotSet, Set};

    use super::stamp_updated_at;

    #[test]
    fn a_new_row_reads_as_never_changed_and_an_update_stamps_now() {
        let Some(at) = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single() else {
            panic!("a valid time");
        };
        let mut updated = NotSet;
        stamp_updated_at(&mut updated, &Set(at), true);
        assert_eq!(updated, Set(at));
        stamp_updated_at(&mut updated, &Set(at), false);
        assert!(matches!(updated, Set(now) if now > at));
    }
}
