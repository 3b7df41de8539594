//! An export is its member's alone: nobody else (site admins neither) sees, lists or
//! downloads it, and to others it does not exist.

use entity::data_export;

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
};

/// The export, if it is the viewer's; `NOT_FOUND` otherwise.
pub fn ensure_own(viewer: &Viewer, export: &data_export::Model) -> AppResult<()> {
    if viewer.member_id() == Some(export.member_id) {
        Ok(())
    } else {
        Err(AppError::NotFound("DataExport"))
    }
}
