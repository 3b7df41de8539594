//! Who may see and change a library item. A resource is visible where its group's content is,
//! until removed. Active members share; the member who added a resource and the group's
//! organisers and owners edit and remove it.

use entity::resource;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

/// Share a link or a file: active members of a group that is not archived.
pub fn ensure_can_share(group: &GroupAccess) -> AppResult<()> {
    group.ensure_change(GroupAction::ReadContent)?;
    if group.role().is_none() {
        return Err(AppError::Forbidden(
            "Only members of the group share resources",
        ));
    }
    Ok(())
}

/// A viewer's standing towards one library item.
#[derive(Clone, Debug)]
pub struct ResourceAccess {
    pub group: GroupAccess,
    pub resource: resource::Model,
    pub viewer_id: Option<Uuid>,
}

impl ResourceAccess {
    pub fn can_see(&self) -> bool {
        self.group.can_read_content() && self.resource.removed_at.is_none()
    }

    pub fn ensure_visible(&self) -> AppResult<()> {
        if self.can_see() {
            Ok(())
        } else {
            Err(AppError::NotFound("Resource"))
        }
    }

    pub fn can_edit(&self) -> bool {
        let is_adder = self.viewer_id.is_some()
            && self.resource.added_by == self.viewer_id
            && self.group.role().is_some();
        is_adder || self.group.ensure(GroupAction::ManageResources).is_ok()
    }

    pub fn ensure_can_edit(&self) -> AppResult<()> {
        self.ensure_visible()?;
        if self.group.group.archived_at.is_some() {
            return Err(AppError::Conflict(
                "The group is archived and read-only".into(),
            ));
        }
        if self.can_edit() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only the member who added it and organisers change a resource",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::{interest_group::Visibility, membership::Role};

    use super::*;
    use crate::groups::policy::fixtures::{VIEWER, access, assert_row};

    fn standing(group: GroupAccess, added_by: Uuid) -> ResourceAccess {
        ResourceAccess {
            viewer_id: group.membership.as_ref().map(|_| VIEWER),
            group,
            resource: resource::Model {
                id: Uuid::from_u128(30),
                group_id: Uuid::from_u128(1),
                meetup_id: None,
                title: "Slides".into(),
                description: None,
                kind: resource::Kind::Link,
                url: Some("https://example.no/".into()),
                url_key: Some("https://example.no/".into()),
                file_sha256: None,
                file_name: None,
                file_content_type: None,
                file_size: None,
                added_by: Some(added_by),
                created_at: Utc::now(),
                updated_at: Utc::now(),
                removed_at: None,
                speaking_as: Default::default(),
                organisation_id: None,
                role_title: None,
            },
        }
    }

    //                                    owner  organiser moderator member outsider
    #[test]
    fn resource_permissions_by_role() {
        let someone_else = Uuid::from_u128(99);
        assert_row("share", [true, true, true, true, false], |g| {
            ensure_can_share(&g).is_ok()
        });
        assert_row("see (public group)", [true, true, true, true, true], |g| {
            standing(g, someone_else).can_see()
        });
        assert_row(
            "edit someone else's",
            [true, true, false, false, false],
            |g| standing(g, someone_else).ensure_can_edit().is_ok(),
        );
        assert_row("edit one's own", [true, true, true, true, false], |g| {
            standing(g, VIEWER).ensure_can_edit().is_ok()
        });
    }

    #[test]
    fn removed_and_members_only_resources_are_not_found() {
        let mut removed = standing(access(Some(Role::Owner), Visibility::Public), VIEWER);
        removed.resource.removed_at = Some(Utc::now());
        assert!(matches!(
            removed.ensure_can_edit(),
            Err(AppError::NotFound(_))
        ));
        let outsider = standing(access(None, Visibility::MembersOnly), VIEWER);
        assert!(matches!(
            outsider.ensure_visible(),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            ensure_can_share(&access(None, Visibility::MembersOnly)),
            Err(AppError::NotFound(_))
        ));
    }
}
