//! Who may see and do what with a meetup. A meetup is visible where its group's content is
//! (see `groups::policy`), except drafts, which only the group's organisers and owners and the
//! meetup's hosts see. The online link is for those going, hosts, organisers and owners.

use entity::{interest_group, meetup, rsvp};

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

/// A viewer's standing towards one meetup.
#[derive(Clone, Debug)]
pub struct MeetupAccess {
    pub group: GroupAccess,
    pub meetup: meetup::Model,
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
        let group = &self.group.group;
        if group.visibility == interest_group::Visibility::Public
            && group.join_policy == interest_group::JoinPolicy::Open
            && group.archived_at.is_none()
            && self.group.membership.is_none()
        {
            return Ok(true);
        }
        Err(AppError::Forbidden("Join the group to answer its meetups"))
    }
}
