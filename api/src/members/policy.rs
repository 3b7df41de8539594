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

/// Who may see a profile field.
#[derive(
    async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldVisibility {
    /// Anyone, signed in or not.
    Everyone,
    /// Members who share an active group with the member.
    GroupMembers,
    /// The member alone.
    OnlyMe,
}

/// A profile field whose visibility the member chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Headline,
    Organisation,
    Bio,
    WebsiteUrl,
    AvatarUrl,
    Email,
}

/// Who may see each of a member's profile fields, as stored in `member.profile_visibility`.
#[derive(
    async_graphql::SimpleObject,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileVisibility {
    pub headline: FieldVisibility,
    pub organisation: FieldVisibility,
    pub bio: FieldVisibility,
    pub website_url: FieldVisibility,
    pub avatar_url: FieldVisibility,
    pub email: FieldVisibility,
}

impl Default for ProfileVisibility {
    /// Everything public but the e-mail address, which is the member's own.
    fn default() -> Self {
        Self {
            headline: FieldVisibility::Everyone,
            organisation: FieldVisibility::Everyone,
            bio: FieldVisibility::Everyone,
            website_url: FieldVisibility::Everyone,
            avatar_url: FieldVisibility::Everyone,
            email: FieldVisibility::OnlyMe,
        }
    }
}

impl ProfileVisibility {
    /// The stored choices; anything unreadable counts as the defaults.
    pub fn of(stored: &str) -> Self {
        serde_json::from_str(stored).unwrap_or_default()
    }

    /// The choices as stored.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn set(&mut self, field: Field, level: FieldVisibility) {
        let slot = match field {
            Field::Headline => &mut self.headline,
            Field::Organisation => &mut self.organisation,
            Field::Bio => &mut self.bio,
            Field::WebsiteUrl => &mut self.website_url,
            Field::AvatarUrl => &mut self.avatar_url,
            Field::Email => &mut self.email,
        };
        *slot = level;
    }

    pub fn level(&self, field: Field) -> FieldVisibility {
        match field {
            Field::Headline => self.headline,
            Field::Organisation => self.organisation,
            Field::Bio => self.bio,
            Field::WebsiteUrl => self.website_url,
            Field::AvatarUrl => self.avatar_url,
            Field::Email => self.email,
        }
    }
}

/// How the viewer stands to the member whose profile they read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The member themself.
    Own,
    /// A member sharing an active group with them.
    GroupMember,
    /// Anyone else, signed in or not.
    Other,
}

/// Whether a viewer standing in `relation` sees a field at `level`: the one rule every path
/// that shows a profile goes through (queries, `node`, lists, search hits, subscriptions). Site
/// admins see e-mail addresses (see [`can_see_email`]) and nothing else beyond the rule.
pub fn shows(level: FieldVisibility, relation: Relation) -> bool {
    matches!(
        (level, relation),
        (_, Relation::Own)
            | (FieldVisibility::Everyone, _)
            | (FieldVisibility::GroupMembers, Relation::GroupMember)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_shows_a_field_to_whom_it_says() {
        use FieldVisibility::*;
        use Relation::*;
        for (level, expected) in [
            (Everyone, [true, true, true]),
            (GroupMembers, [true, true, false]),
            (OnlyMe, [true, false, false]),
        ] {
            let seen = [Own, GroupMember, Other].map(|relation| shows(level, relation));
            assert_eq!(seen, expected, "{level:?}");
        }
        let stored = ProfileVisibility {
            bio: GroupMembers,
            ..ProfileVisibility::default()
        };
        assert_eq!(ProfileVisibility::of(&stored.stored()), stored);
        assert_eq!(ProfileVisibility::of("{}"), ProfileVisibility::default());
        assert_eq!(ProfileVisibility::of("not json").email, OnlyMe);
    }
}
