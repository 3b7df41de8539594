//! Who may read, write and moderate discussions. Reading follows the group's content visibility
//! (`PUBLIC` groups' threads are open to all, `MEMBERS_ONLY` ones are `NOT_FOUND` to
//! outsiders). Active members start threads, comment and react; authors edit and delete their
//! own; moderators and owners (`GroupAction::Moderate`) lock, pin, hide, restore, redact and
//! delete anything, and read reports.

use entity::{comment, thread};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

/// A viewer's standing towards one thread.
#[derive(Clone, Debug)]
pub struct ThreadAccess {
    pub group: GroupAccess,
    pub thread: thread::Model,
    pub viewer_id: Option<Uuid>,
}

impl ThreadAccess {
    pub fn ensure_visible(&self) -> AppResult<()> {
        if self.group.can_read_content() {
            Ok(())
        } else {
            Err(AppError::NotFound("Thread"))
        }
    }

    pub fn is_moderator(&self) -> bool {
        self.group.ensure(GroupAction::Moderate).is_ok()
    }

    pub fn is_author(&self) -> bool {
        self.viewer_id.is_some() && self.thread.author_id == self.viewer_id
    }

    /// Members write; archived groups and deleted threads take nothing new.
    fn ensure_member(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.group.role().is_none() {
            return Err(AppError::Forbidden("Only members of the group take part"));
        }
        if self.group.group.archived_at.is_some() {
            return Err(AppError::Conflict(
                "The group is archived and read-only".into(),
            ));
        }
        if self.thread.deleted_at.is_some() {
            return Err(AppError::Conflict("The thread was deleted".into()));
        }
        Ok(())
    }

    pub fn ensure_can_comment(&self) -> AppResult<()> {
        self.ensure_member()?;
        if self.thread.locked {
            return Err(AppError::Conflict("The thread is locked".into()));
        }
        Ok(())
    }

    pub fn ensure_can_react(&self) -> AppResult<()> {
        self.ensure_member()
    }

    pub fn can_edit_thread(&self) -> bool {
        self.is_author() && self.thread.deleted_at.is_none() && self.group.role().is_some()
    }

    pub fn ensure_can_edit_thread(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.can_edit_thread() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only the author edits a thread"))
        }
    }

    pub fn ensure_can_delete_thread(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.is_author() || self.is_moderator() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only the author or a moderator deletes a thread",
            ))
        }
    }

    pub fn ensure_moderator(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.is_moderator() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only moderators and owners do this"))
        }
    }

    pub fn is_comment_author(&self, comment: &comment::Model) -> bool {
        self.viewer_id.is_some() && comment.author_id == self.viewer_id
    }

    pub fn ensure_can_edit_comment(&self, comment: &comment::Model) -> AppResult<()> {
        self.ensure_visible()?;
        if comment.deleted_at.is_some() {
            return Err(AppError::Conflict("The comment was deleted".into()));
        }
        if self.is_comment_author(comment) && self.group.role().is_some() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only the author edits a comment"))
        }
    }

    pub fn ensure_can_delete_comment(&self, comment: &comment::Model) -> AppResult<()> {
        self.ensure_visible()?;
        if self.is_comment_author(comment) || self.is_moderator() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only the author or a moderator deletes a comment",
            ))
        }
    }

    /// The text of a hidden comment is for its author and the moderators.
    pub fn can_see_hidden(&self, comment: &comment::Model) -> bool {
        self.is_moderator() || self.is_comment_author(comment)
    }

    /// Edit history is for the author and the moderators.
    pub fn can_see_revisions(&self, comment: &comment::Model) -> bool {
        self.is_moderator() || self.is_comment_author(comment)
    }
}
