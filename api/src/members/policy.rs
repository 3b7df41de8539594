//! Who may see and change what of a member. Profiles (name, headline, organisation, bio, links)
//! are public: they stand beside everything a member writes. The e-mail address is personal
//! data and shown only to its owner and site admins; mail settings only to the owner.

use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    error::{AppError, AppResult},
};

/// Whether `viewer` may read the e-mail address of `member_id`.
pub fn can_see_email(viewer: &Viewer, member_id: Uuid) -> bool {
    viewer.member_id() == Some(member_id) || viewer.is_site_admin()
}

/// Mail settings are the member's own business: nobody else reads them, site admins neither.
pub fn can_see_mail_settings(viewer: &Viewer, member_id: Uuid) -> bool {
    viewer.member_id() == Some(member_id)
}

/// Members edit only their own profile.
pub fn ensure_can_edit_profile(viewer: &Viewer, member_id: Uuid) -> AppResult<()> {
    let identity = viewer.require()?;
    if identity.member_id == member_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("Members edit only their own profile"))
    }
}
