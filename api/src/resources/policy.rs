//! Who may see and change a library item. A resource is visible where its group's content is,
//! until removed. Active members share; the member who added a resource and the group's
//! organisers and owners edit and remove it.

use entity::resource;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    groups::policy::{GroupAccess, GroupAction},
};

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
