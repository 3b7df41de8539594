//! Who may see and steer the job queue: site admins only.

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
};

pub fn ensure_can_manage_jobs(viewer: &Viewer) -> AppResult<()> {
    viewer.require()?;
    if viewer.is_site_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only site admins see the job queue"))
    }
}
