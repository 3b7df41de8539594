//! Opaque global ids (Relay object identification). An id is the base64url of `Kind:uuid`; the
//! kind lets `node(id:)` route it, and clients never parse it. Primary keys are UUIDv7, so ids
//! are not guessable sequences.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::error::AppError;

/// The kinds of object that carry a global id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Member,
    Session,
    Group,
    Membership,
    Invitation,
    Meetup,
    Rsvp,
    Thread,
    Comment,
    CommentRevision,
    Report,
    Resource,
    Job,
    Notification,
    Organisation,
    Affiliation,
    DataExport,
}

impl Kind {
    const ALL: [Kind; 17] = [
        Kind::Member,
        Kind::Session,
        Kind::Group,
        Kind::Membership,
        Kind::Invitation,
        Kind::Meetup,
        Kind::Rsvp,
        Kind::Thread,
        Kind::Comment,
        Kind::CommentRevision,
        Kind::Report,
        Kind::Resource,
        Kind::Job,
        Kind::Notification,
        Kind::Organisation,
        Kind::Affiliation,
        Kind::DataExport,
    ];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Member => "Member",
            Kind::Session => "Session",
            Kind::Group => "Group",
            Kind::Membership => "Membership",
            Kind::Invitation => "Invitation",
            Kind::Meetup => "Meetup",
            Kind::Rsvp => "Rsvp",
            Kind::Thread => "Thread",
            Kind::Comment => "Comment",
            Kind::CommentRevision => "CommentRevision",
            Kind::Report => "Report",
            Kind::Resource => "Resource",
            Kind::Job => "Job",
            Kind::Notification => "Notification",
            Kind::Organisation => "Organisation",
            Kind::Affiliation => "Affiliation",
            Kind::DataExport => "DataExport",
        }
    }
}

/// Encodes a primary key as the id clients see.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    // `Kind:` and 32 hex digits, put together on the stack: a page shows hundreds of ids, so
    // each costs one allocation, the answer's.
    let prefix = kind.prefix().as_bytes();
    let mut raw = [0u8; LONGEST_PREFIX + 1 + uuid::fmt::Simple::LENGTH];
    let (head, rest) = raw.split_at_mut(prefix.len());
    head.copy_from_slice(prefix);
    let (colon, rest) = rest.split_at_mut(1);
    colon[0] = b':';
    let hex = id.simple().encode_lower(rest);
    let length = prefix.len() + 1 + hex.len();
    ID(URL_SAFE_NO_PAD.encode(&raw[..length]))
}

/// The length of the longest [`Kind::prefix`] (`CommentRevision`).
const LONGEST_PREFIX: usize = 15;

/// Decodes any id; `None` for anything that is not one of ours.
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (prefix, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|kind| kind.prefix() == prefix)?;
    Some((kind, Uuid::try_parse(uuid).ok()?))
}

/// Decodes an id that must be of `kind`. A malformed id or one of another kind is reported as
/// `NOT_FOUND` of `what`: to the client it names nothing that exists.
pub fn decode_as(id: &ID, kind: Kind, what: &'static str) -> Result<Uuid, AppError> {
    match decode(id) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(AppError::NotFound(what)),
    }
}

/// A fresh primary key: time-ordered, so keyset pagination by id follows creation order.
pub fn new_key() -> Uuid {
    Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_and_keeps_its_kind() {
        let key = new_key();
        let id = encode(Kind::Member, key);
        assert_eq!(decode(&id), Some((Kind::Member, key)));
        assert!(decode_as(&id, Kind::Session, "session").is_err());
    }

    #[test]
    fn every_kind_encodes_as_its_name_and_the_key_in_hex() {
        let key = new_key();
        for kind in Kind::ALL {
            assert!(kind.prefix().len() <= LONGEST_PREFIX);
            let raw = URL_SAFE_NO_PAD
                .decode(encode(kind, key).as_str())
                .expect("base64");
            assert_eq!(
                raw,
                format!("{}:{}", kind.prefix(), key.simple()).into_bytes()
            );
        }
    }

    #[test]
    fn garbage_is_not_an_id() {
        assert_eq!(decode("not-an-id"), None);
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode("Planet:1")), None);
    }
}
