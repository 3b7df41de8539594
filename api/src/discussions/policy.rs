//! Who may read, write and moderate discussions. Reading follows the group's content visibility
//! (`PUBLIC` groups' threads are open to all, `MEMBERS_ONLY` ones are `NOT_FOUND` to
//! outsiders). Active members start threads, comment and react; authors edit and delete their
//! own; moderators and owners (`GroupAction::Moderate`) lock, pin, hide, restore, redact and
//! delete anything, and read reports.

use entity::{
    comment::{self, Authored},
    thread,
};
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

/// Start a thread: active members of a group that is not archived.
pub fn ensure_can_start_thread(group: &GroupAccess) -> AppResult<()> {
    group.ensure_change(GroupAction::ReadContent)?;
    if group.role().is_none() {
        return Err(AppError::Forbidden(
            "Only members of the group start threads",
        ));
    }
    Ok(())
}

/// Resolve a report: moderators and owners. To anyone else the report does not exist.
pub fn ensure_can_resolve_reports(group: &GroupAccess) -> AppResult<()> {
    group
        .ensure(GroupAction::Moderate)
        .map_err(|err| match err {
            AppError::Forbidden(_) => AppError::NotFound("Report"),
            other => other,
        })
}

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

    /// React to a comment: members, on a comment that is still there.
    pub fn ensure_can_react(&self, comment: &comment::Model) -> AppResult<()> {
        self.ensure_member()?;
        if comment.deleted_at.is_some() {
            return Err(AppError::Conflict("The comment was deleted".into()));
        }
        Ok(())
    }

    /// Report the thread or one of its comments: members of the group.
    pub fn ensure_can_report(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.group.role().is_none() {
            return Err(AppError::Forbidden(
                "Only members of the group report content",
            ));
        }
        Ok(())
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

    pub fn is_comment_author(&self, comment: &impl Authored) -> bool {
        self.viewer_id.is_some() && comment.author_id() == self.viewer_id
    }

    pub fn ensure_can_edit_comment(&self, comment: &impl Authored) -> AppResult<()> {
        self.ensure_visible()?;
        if comment.deleted_at().is_some() {
            return Err(AppError::Conflict("The comment was deleted".into()));
        }
        if self.is_comment_author(comment) && self.group.role().is_some() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only the author edits a comment"))
        }
    }

    pub fn ensure_can_delete_comment(&self, comment: &impl Authored) -> AppResult<()> {
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
    pub fn can_see_hidden(&self, comment: &impl Authored) -> bool {
        self.is_moderator() || self.is_comment_author(comment)
    }

    /// Edit history is for the author and the moderators.
    pub fn can_see_revisions(&self, comment: &impl Authored) -> bool {
        self.is_moderator() || self.is_comment_author(comment)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::{interest_group::Visibility, membership::Role};
    use uuid::Uuid;

    use super::*;
    use crate::groups::policy::fixtures::{VIEWER, access, assert_row};

    const SOMEONE_ELSE: Uuid = Uuid::from_u128(99);

    fn thread(author: Uuid) -> thread::Model {
        thread::Model {
            id: Uuid::from_u128(20),
            group_id: Uuid::from_u128(1),
            author_id: Some(author),
            title: "Sosiale medier".into(),
            body: String::new(),
            body_html: String::new(),
            pinned: false,
            locked: false,
            last_activity_at: Utc::now(),
            created_at: Utc::now(),
            edited_at: None,
            deleted_at: None,
            speaking_as: Default::default(),
            organisation_id: None,
            role_title: None,
        }
    }

    fn comment(author: Uuid) -> comment::Model {
        comment::Model {
            id: Uuid::from_u128(21),
            thread_id: Uuid::from_u128(20),
            parent_id: None,
            author_id: Some(author),
            body: String::new(),
            body_html: String::new(),
            depth: 0,
            quote_source_id: None,
            quote_excerpt: None,
            created_at: Utc::now(),
            edited_at: None,
            deleted_at: None,
            hidden_at: None,
            watchers_told: true,
            speaking_as: Default::default(),
            organisation_id: None,
            role_title: None,
        }
    }

    fn standing(group: GroupAccess, author: Uuid) -> ThreadAccess {
        ThreadAccess {
            viewer_id: group.membership.as_ref().map(|_| VIEWER),
            group,
            thread: thread(author),
        }
    }

    //                                    owner  organiser moderator member outsider
    #[test]
    fn discussion_permissions_by_role() {
        assert_row("start a thread", [true, true, true, true, false], |g| {
            ensure_can_start_thread(&g).is_ok()
        });
        assert_row("comment", [true, true, true, true, false], |g| {
            standing(g, SOMEONE_ELSE).ensure_can_comment().is_ok()
        });
        assert_row("react", [true, true, true, true, false], |g| {
            standing(g, SOMEONE_ELSE)
                .ensure_can_react(&comment(SOMEONE_ELSE))
                .is_ok()
        });
        assert_row("report", [true, true, true, true, false], |g| {
            standing(g, SOMEONE_ELSE).ensure_can_report().is_ok()
        });
        assert_row(
            "edit someone else's thread",
            [false, false, false, false, false],
            |g| standing(g, SOMEONE_ELSE).ensure_can_edit_thread().is_ok(),
        );
        assert_row(
            "edit one's own thread",
            [true, true, true, true, false],
            |g| standing(g, VIEWER).ensure_can_edit_thread().is_ok(),
        );
        assert_row(
            "delete someone else's thread",
            [true, false, true, false, false],
            |g| standing(g, SOMEONE_ELSE).ensure_can_delete_thread().is_ok(),
        );
        assert_row(
            "delete someone else's comment",
            [true, false, true, false, false],
            |g| {
                standing(g, SOMEONE_ELSE)
                    .ensure_can_delete_comment(&comment(SOMEONE_ELSE))
                    .is_ok()
            },
        );
        assert_row(
            "edit someone else's comment",
            [false, false, false, false, false],
            |g| {
                standing(g, SOMEONE_ELSE)
                    .ensure_can_edit_comment(&comment(SOMEONE_ELSE))
                    .is_ok()
            },
        );
        assert_row(
            "lock, pin, hide, redact",
            [true, false, true, false, false],
            |g| standing(g, SOMEONE_ELSE).ensure_moderator().is_ok(),
        );
        assert_row("resolve reports", [true, false, true, false, false], |g| {
            ensure_can_resolve_reports(&g).is_ok()
        });
        assert_row(
            "see a hidden comment",
            [true, false, true, false, false],
            |g| standing(g, SOMEONE_ELSE).can_see_hidden(&comment(SOMEONE_ELSE)),
        );
    }

    #[test]
    fn locked_threads_and_deleted_comments_refuse_new_writing() {
        let mut locked = standing(access(Some(Role::Member), Visibility::Public), SOMEONE_ELSE);
        locked.thread.locked = true;
        assert!(matches!(
            locked.ensure_can_comment(),
            Err(AppError::Conflict(_))
        ));
        let mut deleted = comment(SOMEONE_ELSE);
        deleted.deleted_at = Some(Utc::now());
        let member = standing(access(Some(Role::Member), Visibility::Public), SOMEONE_ELSE);
        assert!(matches!(
            member.ensure_can_react(&deleted),
            Err(AppError::Conflict(_))
        ));
        let outsider = standing(access(None, Visibility::MembersOnly), SOMEONE_ELSE);
        assert!(matches!(
            outsider.ensure_visible(),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            ensure_can_resolve_reports(&access(Some(Role::Member), Visibility::Public)),
            Err(AppError::NotFound(_))
        ));
    }
}
