//! Batches member look-ups by id, so a page of comments with authors costs one query for all the
//! authors rather than one per comment.

use crate::graphql::row_loader::by_id_loader;

by_id_loader!(
    /// Members by id (authors, hosts, adders, attendees).
    MemberLoader,
    member
);
