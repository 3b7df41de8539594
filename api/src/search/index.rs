//! Keeping the index in step: one upsert per change, in the change's transaction. What an entry
//! holds is decided once, in `migration::search_index`; these build it from the rows the
//! commands hold.

use entity::{comment, interest_group, meetup, member, resource, thread};
use migration::search_index::{self, Entry, MeetupFields, MemberFields, ResourceFields, upsert};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use crate::{
    error::AppResult,
    members::policy::{Field, FieldVisibility, ProfileVisibility},
};

pub use migration::search_index::kind::{COMMENT, GROUP, MEETUP, MEMBER, RESOURCE, THREAD};

/// Writes `entry` over what the index held for it.
pub async fn write<C: ConnectionTrait>(db: &C, entry: Entry) -> AppResult<()> {
    db.execute(&upsert(db.get_database_backend(), &[entry]))
        .await?;
    Ok(())
}

/// A thread as it now is (unlisted once deleted).
pub fn thread(row: &thread::Model) -> Entry {
    Entry::thread(
        row.id,
        row.group_id,
        &row.title,
        &row.body,
        row.deleted_at.is_none(),
        row.created_at,
    )
}

/// A comment of a thread in `group_id` as it now is (unlisted once deleted or hidden).
pub fn comment(row: &comment::Model, group_id: Uuid) -> Entry {
    Entry::comment(
        row.id,
        (group_id, row.thread_id),
        &row.body,
        row.deleted_at.is_none() && row.hidden_at.is_none(),
        row.created_at,
    )
}

/// A group's name card as it now is (unlisted once archived).
pub fn group(row: &interest_group::Model) -> Entry {
    Entry::group(
        row.id,
        &row.name,
        &row.slug,
        &row.description,
        row.archived_at.is_some(),
        row.created_at,
    )
}

/// A meetup as it now is (for its organisers only while a draft).
pub fn meetup(row: &meetup::Model) -> Entry {
    Entry::meetup(
        MeetupFields {
            id: row.id,
            group_id: row.group_id,
            title: &row.title,
            description: &row.description,
            venue_name: row.venue_name.as_deref(),
            agenda: &row.agenda,
        },
        row.status == meetup::Status::Draft,
        row.created_at,
    )
}

/// A member by what everyone may see of the profile; `deleted` for an anonymised account.
pub fn member(row: &member::Model, deleted: bool) -> Entry {
    let choices = ProfileVisibility::of(&row.profile_visibility);
    let public = |field| choices.level(field) == FieldVisibility::Everyone;
    Entry::member(
        MemberFields {
            id: row.id,
            display_name: &row.display_name,
            handle: &row.handle,
            headline: row.headline.as_deref().filter(|_| public(Field::Headline)),
            organisation: row
                .organisation
                .as_deref()
                .filter(|_| public(Field::Organisation)),
            bio: row.bio.as_deref().filter(|_| public(Field::Bio)),
        },
        deleted,
        row.created_at,
    )
}

/// A library item as it now is, with the text extracted from its file, if any.
pub fn resource(row: &resource::Model, file_text: Option<&str>) -> Entry {
    Entry::resource(
        ResourceFields {
            id: row.id,
            group_id: row.group_id,
            title: &row.title,
            description: row.description.as_deref(),
            url: row.url.as_deref(),
            file_text,
        },
        row.removed_at.is_some(),
        row.created_at,
    )
}

/// Rebuilds the whole index from what there is (`fagruppe reindex`, for recovery), in one
/// transaction; returns how many entries it wrote.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<u64> {
    let txn = db.begin().await?;
    let written = search_index::rebuild(&txn).await?;
    txn.commit().await?;
    Ok(written)
}
