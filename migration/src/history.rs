//! Membership history for memberships written without it: each active membership counts as
//! joined, each pending one as requested, when it was created (or last asked). Used by the
//! migration that adds `membership_event` and by the seeds, which bulk-insert memberships.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbErr};

/// Writes the history of every membership that has none.
pub async fn backfill_membership_events<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared(
        "INSERT INTO membership_event (id, group_id, member_id, kind, at) \
         SELECT m.id, m.group_id, m.member_id, 'JOINED', m.created_at FROM membership m \
         WHERE m.status = 'ACTIVE' AND NOT EXISTS (SELECT 1 FROM membership_event e WHERE e.id = m.id)",
    )
    .await?;
    db.execute_unprepared(
        "INSERT INTO membership_event (id, group_id, member_id, kind, at) \
         SELECT m.id, m.group_id, m.member_id, 'REQUESTED', m.updated_at FROM membership m \
         WHERE m.status = 'PENDING' AND NOT EXISTS (SELECT 1 FROM membership_event e WHERE e.id = m.id)",
    )
    .await?;
    Ok(())
}
