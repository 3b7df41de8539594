use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_member_table::Member;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The interest group's focus areas, seeded so a fresh install has a useful taxonomy.
const SEED_TOPICS: [(&str, &str); 6] = [
    ("return-on-investment", "Return on investment"),
    ("legal-questions", "Legal questions"),
    ("ethics", "Ethics"),
    ("data-security", "Data security"),
    ("organisational-culture", "Organisational culture"),
    ("leadership", "Leadership"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Topic::Table)
                    .col(pk_uuid(Topic::Id))
                    .col(string_uniq(Topic::Slug))
                    .col(string(Topic::Name))
                    .col(timestamp_with_time_zone(Topic::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InterestGroup::Table)
                    .col(pk_uuid(InterestGroup::Id))
                    .col(string_uniq(InterestGroup::Slug))
                    .col(string(InterestGroup::Name))
                    .col(text(InterestGroup::Description))
                    .col(string(InterestGroup::Visibility))
                    .col(string(InterestGroup::JoinPolicy))
                    .col(uuid(InterestGroup::CreatedBy))
                    .col(timestamp_with_time_zone(InterestGroup::CreatedAt))
                    .col(timestamp_with_time_zone(InterestGroup::UpdatedAt))
                    .col(timestamp_with_time_zone_null(InterestGroup::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InterestGroup::Table, InterestGroup::CreatedBy)
                            .to(Member::Table, Member::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupTopic::Table)
                    .col(uuid(GroupTopic::GroupId))
                    .col(uuid(GroupTopic::TopicId))
                    .primary_key(
                        Index::create()
                            .col(GroupTopic::GroupId)
                            .col(GroupTopic::TopicId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupTopic::Table, GroupTopic::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(GroupTopic::Table, GroupTopic::TopicId)
                            .to(Topic::Table, Topic::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Membership::Table)
                    .col(pk_uuid(Membership::Id))
                    .col(uuid(Membership::GroupId))
                    .col(uuid(Membership::MemberId))
                    .col(string(Membership::Role))
                    .col(string(Membership::Status))
                    .col(timestamp_with_time_zone(Membership::CreatedAt))
                    .col(timestamp_with_time_zone(Membership::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_group_member")
                    .table(Membership::Table)
                    .col(Membership::GroupId)
                    .col(Membership::MemberId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_member")
                    .table(Membership::Table)
                    .col(Membership::MemberId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitation::Table)
                    .col(pk_uuid(Invitation::Id))
                    .col(uuid(Invitation::GroupId))
                    .col(string(Invitation::Email))
                    .col(string(Invitation::EmailKey))
                    .col(uuid_null(Invitation::InviteeId))
                    .col(uuid(Invitation::InvitedBy))
                    .col(string(Invitation::Status))
                    .col(timestamp_with_time_zone(Invitation::CreatedAt))
                    .col(timestamp_with_time_zone_null(Invitation::RespondedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitation::Table, Invitation::GroupId)
                            .to(InterestGroup::Table, InterestGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitation::Table, Invitation::InviteeId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitation_email_key")
                    .table(Invitation::Table)
                    .col(Invitation::EmailKey)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitation_group")
                    .table(Invitation::Table)
                    .col(Invitation::GroupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_uuid(AuditLog::Id))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(uuid_null(AuditLog::GroupId))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::SubjectType))
                    .col(uuid(AuditLog::SubjectId))
                    .col(text_null(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_group")
                    .table(AuditLog::Table)
                    .col(AuditLog::GroupId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        seed_topics(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Invitation::Table.into_iden(),
            Membership::Table.into_iden(),
            GroupTopic::Table.into_iden(),
            InterestGroup::Table.into_iden(),
            Topic::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn seed_topics(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut insert = Query::insert()
        .into_table(Topic::Table)
        .columns([Topic::Id, Topic::Slug, Topic::Name, Topic::CreatedAt])
        .to_owned();
    // Fixed creation time and ids derived from the slug, so every install seeds the same rows.
    let seeded_at = "2026-11-27T00:00:00Z";
    for (index, (slug, name)) in SEED_TOPICS.iter().enumerate() {
        let id = sea_orm::prelude::Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 + index as u128 + 1,
        );
        let seeded = sea_orm::prelude::DateTimeUtc::from(
            sea_orm::prelude::DateTimeWithTimeZone::parse_from_rfc3339(seeded_at)
                .map_err(|err| DbErr::Custom(err.to_string()))?,
        );
        insert
            .values([id.into(), (*slug).into(), (*name).into(), seeded.into()])
            .map_err(|err| DbErr::Custom(err.to_string()))?;
    }
    manager.exec_stmt(insert).await
}

#[derive(DeriveIden)]
pub enum Topic {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum InterestGroup {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Visibility,
    JoinPolicy,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum GroupTopic {
    Table,
    GroupId,
    TopicId,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    Id,
    GroupId,
    MemberId,
    Role,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    GroupId,
    Email,
    EmailKey,
    InviteeId,
    InvitedBy,
    Status,
    CreatedAt,
    RespondedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    GroupId,
    Action,
    SubjectType,
    SubjectId,
    Details,
    CreatedAt,
}
