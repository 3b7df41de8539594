//! Who may see and do what with a meetup. A meetup is visible where its group's content is
//! (see `groups::policy`), except drafts, which only the group's organisers and owners and the
//! meetup's hosts see. The online link is for those going, hosts, organisers and owners.

use std::sync::Arc;

use entity::{meetup, rsvp};

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

/// A viewer's standing towards one meetup.
#[derive(Clone, Debug)]
pub struct MeetupAccess {
    pub group: GroupAccess,
    /// Shared with the request's loader that read it.
    pub meetup: Arc<meetup::Model>,
    pub is_host: bool,
    /// The viewer's own RSVP, if any.
    pub rsvp: Option<rsvp::Model>,
}

impl MeetupAccess {
    /// Organisers and owners of the group.
    pub fn can_manage(&self) -> bool {
        self.group.ensure(GroupAction::ManageMeetups).is_ok()
    }

    pub fn can_see(&self) -> bool {
        self.group.can_read_content()
            && (self.meetup.status != meetup::Status::Draft || self.can_manage() || self.is_host)
    }

    /// `NOT_FOUND` unless the viewer may see the meetup.
    pub fn ensure_visible(&self) -> AppResult<()> {
        if self.can_see() {
            Ok(())
        } else {
            Err(AppError::NotFound("Meetup"))
        }
    }

    /// Change, publish or cancel: organisers and owners.
    pub fn ensure_manage(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.can_manage() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only the group's organisers and owners change meetups",
            ))
        }
    }

    /// Check attendees in: organisers, owners and hosts.
    pub fn ensure_check_in(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.can_manage() || self.is_host {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only hosts and organisers check attendees in",
            ))
        }
    }

    pub fn can_see_online_url(&self) -> bool {
        self.can_manage()
            || self.is_host
            || self
                .rsvp
                .as_ref()
                .is_some_and(|r| r.status == rsvp::Status::Going)
    }

    /// Whether the viewer may answer: active members, and outsiders of a public, open group
    /// (who join it by answering). `Ok(true)` means the answer makes them a member.
    pub fn may_rsvp(&self) -> AppResult<bool> {
        self.ensure_visible()?;
        if self.group.role().is_some() {
            return Ok(false);
        }
        if self.group.joins_at_once() {
            return Ok(true);
        }
        Err(AppError::Forbidden("Join the group to answer its meetups"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::{interest_group::Visibility, membership::Role};
    use uuid::Uuid;

    use super::*;
    use crate::groups::policy::fixtures::{access, assert_row};

    fn meetup(status: meetup::Status) -> meetup::Model {
        meetup::Model {
            id: Uuid::from_u128(10),
            group_id: Uuid::from_u128(1),
            title: "Frokostmøte".into(),
            description: String::new(),
            kind: meetup::Kind::Formal,
            format: meetup::Format::InPerson,
            venue_name: Some("Kulturhuset".into()),
            venue_address: None,
            online_url: None,
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            timezone: "Europe/Oslo".into(),
            capacity: None,
            rsvp_deadline: None,
            status,
            cancel_reason: None,
            agenda: "[]".into(),
            sequence: 0,
            created_by: Uuid::from_u128(2),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            going_count: 0,
            waitlist_count: 0,
            waitlist_peak: 0,
        }
    }

    fn standing(group: GroupAccess, status: meetup::Status, is_host: bool) -> MeetupAccess {
        MeetupAccess {
            group,
            meetup: Arc::new(meetup(status)),
            is_host,
            rsvp: None,
        }
    }

    //                                    owner  organiser moderator member outsider
    #[test]
    fn meetup_permissions_by_role() {
        use meetup::Status::*;
        assert_row(
            "see a published meetup",
            [true, true, true, true, true],
            |g| standing(g, Published, false).can_see(),
        );
        assert_row("see a draft", [true, true, false, false, false], |g| {
            standing(g, Draft, false).can_see()
        });
        assert_row(
            "change, publish, cancel",
            [true, true, false, false, false],
            |g| standing(g, Published, false).ensure_manage().is_ok(),
        );
        assert_row("check in", [true, true, false, false, false], |g| {
            standing(g, Published, false).ensure_check_in().is_ok()
        });
        assert_row("check in as host", [true, true, true, true, true], |g| {
            standing(g, Published, true).ensure_check_in().is_ok()
        });
        assert_row(
            "answer (public open group)",
            [true, true, true, true, true],
            |g| standing(g, Published, false).may_rsvp().is_ok(),
        );
        assert_row(
            "see the online link",
            [true, true, false, false, false],
            |g| standing(g, Published, false).can_see_online_url(),
        );
    }

    #[test]
    fn members_only_meetups_are_not_found_to_outsiders() {
        let outsider = standing(
            access(None, Visibility::MembersOnly),
            meetup::Status::Published,
            false,
        );
        assert!(matches!(
            outsider.ensure_visible(),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(outsider.may_rsvp(), Err(AppError::NotFound(_))));
        let member = standing(
            access(Some(Role::Member), Visibility::MembersOnly),
            meetup::Status::Published,
            false,
        );
        assert!(member.may_rsvp().is_ok());
        assert!(matches!(
            member.ensure_manage(),
            Err(AppError::Forbidden(_))
        ));
    }
}
