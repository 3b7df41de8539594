//! Who may do what with organisations, affiliations and personas.
//!
//! | action | site admin | organisation admin | representative | the member | anyone else |
//! | --- | --- | --- | --- | --- | --- |
//! | create an organisation, change it, verify its domain | yes | no | no | — | no |
//! | add or end one's own affiliation | — | — | — | yes | no |
//! | confirm an affiliation | yes | yes (theirs) | no | with a verified address at the verified domain | no |
//! | end someone else's affiliation | yes | no | no | — | no |
//! | grant or revoke a role (the member has a current affiliation) | yes | yes | no | no | no |
//! | post `AFFILIATED` | — | — | — | with a confirmed current affiliation | no |
//! | post `ON_BEHALF` | no | yes | yes | — | no |
//!
//! A site admin speaks on an organisation's behalf only through a role, like anybody else.

use entity::{affiliation, organisation, organisation_role::Role, persona::SpeakingAs};
use uuid::Uuid;

use crate::{
    auth::viewer::Identity,
    error::{AppError, AppResult},
};

/// Only site admins create and change organisations (and vouch for their domains).
pub fn ensure_can_manage_organisations(viewer: &Identity) -> AppResult<()> {
    if viewer.is_site_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only site admins manage organisations"))
    }
}

/// The viewer's standing in one organisation.
#[derive(Clone, Copy, Debug)]
pub struct Standing {
    pub is_site_admin: bool,
    pub role: Option<Role>,
}

impl Standing {
    /// Granting and revoking roles: its admins and site admins.
    pub fn ensure_can_grant(&self) -> AppResult<()> {
        if self.is_site_admin || self.role == Some(Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "Only the organisation's admins grant its roles",
            ))
        }
    }

    /// Whether the viewer may post on the organisation's behalf.
    pub fn speaks_for(&self) -> bool {
        self.role.is_some()
    }
}

/// The domain of an e-mail address, lowercase.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim().to_lowercase())
}

/// Whether the member's own address proves the affiliation: it is verified and at the
/// organisation's verified domain.
pub fn address_proves(viewer: &Identity, organisation: &organisation::Model) -> bool {
    viewer.member.email_verified_at.is_some()
        && organisation
            .verified_domain
            .as_deref()
            .is_some_and(|domain| email_domain(&viewer.member.email).as_deref() == Some(domain))
}

/// Confirming an affiliation: the member through their address, the organisation's admins, site
/// admins. Anyone else is told the affiliation is not there.
pub fn ensure_can_confirm(
    viewer: &Identity,
    standing: Standing,
    affiliation: &affiliation::Model,
    organisation: &organisation::Model,
) -> AppResult<()> {
    if standing.is_site_admin || standing.role == Some(Role::Admin) {
        return Ok(());
    }
    if affiliation.member_id != viewer.member_id {
        return Err(AppError::NotFound("Affiliation"));
    }
    if address_proves(viewer, organisation) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only an address at the organisation's verified domain, or one of its admins, confirms this",
        ))
    }
}

/// Ending an affiliation: the member, or a site admin. Others do not see it to end.
pub fn ensure_can_end(viewer: &Identity, affiliation: &affiliation::Model) -> AppResult<()> {
    if viewer.is_site_admin || affiliation.member_id == viewer.member_id {
        Ok(())
    } else {
        Err(AppError::NotFound("Affiliation"))
    }
}

/// What an author has to speak with, for one organisation.
#[derive(Clone, Copy, Debug)]
pub struct Credentials<'a> {
    /// The author's current affiliation with the organisation, if any.
    pub affiliation: Option<&'a affiliation::Model>,
    /// The author's role in it, if any.
    pub role: Option<Role>,
}

/// Whether an author with `credentials` may post as `speaking_as` for the organisation: a
/// professional persona needs a confirmed current affiliation; speaking on behalf needs a role.
pub fn ensure_can_speak(speaking_as: SpeakingAs, credentials: Credentials<'_>) -> AppResult<()> {
    match speaking_as {
        SpeakingAs::Private => Ok(()),
        SpeakingAs::Affiliated => match credentials.affiliation {
            Some(affiliation) if affiliation.verified_at.is_some() => Ok(()),
            Some(_) => Err(AppError::Forbidden(
                "Your affiliation with that organisation is not confirmed yet",
            )),
            None => Err(AppError::Forbidden(
                "You have no current affiliation with that organisation",
            )),
        },
        SpeakingAs::OnBehalf => {
            if credentials.role.is_some() && credentials.affiliation.is_some() {
                Ok(())
            } else {
                Err(AppError::Forbidden(
                    "Only the organisation's representatives post on its behalf",
                ))
            }
        }
    }
}

/// The organisation a persona names, checked against `speaking_as`.
pub fn organisation_for(
    speaking_as: SpeakingAs,
    organisation_id: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    match (speaking_as, organisation_id) {
        (SpeakingAs::Private, None) => Ok(None),
        (SpeakingAs::Private, Some(_)) => Err(AppError::bad_input(
            "organisationId",
            "A private post names no organisation",
        )),
        (_, None) => Err(AppError::bad_input(
            "organisationId",
            "Name the organisation you speak as",
        )),
        (_, Some(id)) => Ok(Some(id)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn affiliation(verified: bool) -> affiliation::Model {
        affiliation::Model {
            id: Uuid::nil(),
            member_id: Uuid::nil(),
            organisation_id: Uuid::nil(),
            role_title: None,
            since: None,
            verified_at: verified.then(Utc::now),
            ended_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn each_persona_needs_its_credentials() {
        let confirmed = affiliation(true);
        let claimed = affiliation(false);
        let none = Credentials {
            affiliation: None,
            role: None,
        };
        let employee = Credentials {
            affiliation: Some(&confirmed),
            role: None,
        };
        let unconfirmed = Credentials {
            affiliation: Some(&claimed),
            role: None,
        };
        let representative = Credentials {
            affiliation: Some(&confirmed),
            role: Some(Role::Representative),
        };
        assert!(ensure_can_speak(SpeakingAs::Private, none).is_ok());
        assert!(ensure_can_speak(SpeakingAs::Affiliated, none).is_err());
        assert!(ensure_can_speak(SpeakingAs::Affiliated, unconfirmed).is_err());
        assert!(ensure_can_speak(SpeakingAs::Affiliated, employee).is_ok());
        assert!(ensure_can_speak(SpeakingAs::OnBehalf, employee).is_err());
        assert!(ensure_can_speak(SpeakingAs::OnBehalf, representative).is_ok());
    }

    #[test]
    fn a_persona_names_an_organisation_exactly_when_it_shows_one() {
        let id = Uuid::nil();
        assert_eq!(organisation_for(SpeakingAs::Private, None).ok(), Some(None));
        assert!(organisation_for(SpeakingAs::Private, Some(id)).is_err());
        assert!(organisation_for(SpeakingAs::Affiliated, None).is_err());
        assert_eq!(
            organisation_for(SpeakingAs::OnBehalf, Some(id)).ok(),
            Some(Some(id))
        );
    }

    #[test]
    fn domains_compare_without_case() {
        assert_eq!(
            email_domain("Kari@Bedrift.NO").as_deref(),
            Some("bedrift.no")
        );
        assert_eq!(email_domain("nobody"), None);
    }
}
