//! Organisations, members' affiliations with them, the members who may speak for them, and the
//! persona every thread, comment and shared resource is written in.
//!
//! A post's persona is stored as written (`speaking_as`, and for `AFFILIATED` or `ON_BEHALF`
//! the organisation and the role title of that moment), so ending an affiliation later never
//! changes what an old post says about its author. Defaults: one per member, and one per
//! membership that overrides it in that group.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261127_000001_create_member_table::Member;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables that carry a persona.
const POSTS: [Post; 3] = [Post::Thread, Post::Comment, Post::Resource];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(uuid(Organisation::Id).primary_key())
                    .col(string_len(Organisation::Name, 120))
                    .col(string_len_uniq(Organisation::Slug, 80))
                    .col(string_len_null(Organisation::WebsiteUrl, 2048))
                    .col(string_len_null(Organisation::VerifiedDomain, 253).unique_key())
                    .col(timestamp_with_time_zone(Organisation::CreatedAt))
                    .col(timestamp_with_time_zone(Organisation::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Affiliation::Table)
                    .col(uuid(Affiliation::Id).primary_key())
                    .col(uuid(Affiliation::MemberId))
                    .col(uuid(Affiliation::OrganisationId))
                    .col(string_len_null(Affiliation::RoleTitle, 120))
                    .col(timestamp_with_time_zone_null(Affiliation::Since))
                    .col(timestamp_with_time_zone_null(Affiliation::VerifiedAt))
                    .col(timestamp_with_time_zone_null(Affiliation::EndedAt))
                    .col(timestamp_with_time_zone(Affiliation::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Affiliation::Table, Affiliation::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Affiliation::Table, Affiliation::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A member's affiliations, and an organisation's.
        for (name, column) in [
            ("affiliation_member", Affiliation::MemberId),
            ("affiliation_organisation", Affiliation::OrganisationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Affiliation::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        // One current affiliation per member and organisation; ended ones stay as history.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX affiliation_current ON affiliation (member_id, organisation_id) \
                 WHERE ended_at IS NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganisationRole::Table)
                    .col(uuid(OrganisationRole::OrganisationId))
                    .col(uuid(OrganisationRole::MemberId))
                    .col(string_len(OrganisationRole::Role, 16))
                    .col(uuid_null(OrganisationRole::GrantedBy))
                    .col(timestamp_with_time_zone(OrganisationRole::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(OrganisationRole::OrganisationId)
                            .col(OrganisationRole::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganisationRole::Table, OrganisationRole::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganisationRole::Table, OrganisationRole::MemberId)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganisationRole::Table, OrganisationRole::GrantedBy)
                            .to(Member::Table, Member::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // A member's roles, in every organisation.
        manager
            .create_index(
                Index::create()
                    .name("organisation_role_member")
                    .table(OrganisationRole::Table)
                    .col(OrganisationRole::MemberId)
                    .to_owned(),
            )
            .await?;
        for post in POSTS {
            for column in [
                string_len(Persona::SpeakingAs, 16)
                    .default("PRIVATE")
                    .to_owned(),
                uuid_null(Persona::OrganisationId),
                string_len_null(Persona::RoleTitle, 120),
            ] {
                manager
                    .alter_table(Table::alter().table(post).add_column(column).to_owned())
                    .await?;
            }
            // An organisation's statements, newest first.
            manager
                .create_index(
                    Index::create()
                        .name(format!("{}_speaking_organisation", post.to_string()))
                        .table(post)
                        .col(Persona::OrganisationId)
                        .col(Persona::SpeakingAs)
                        .col(Alias::new("id"))
                        .to_owned(),
                )
                .await?;
        }
        for (table, column) in [
            (
                Alias::new("member"),
                string_len(Persona::DefaultSpeakingAs, 16)
                    .default("PRIVATE")
                    .to_owned(),
            ),
            (
                Alias::new("member"),
                uuid_null(Persona::DefaultOrganisationId),
            ),
            (
                Alias::new("membership"),
                string_len_null(Persona::DefaultSpeakingAs, 16),
            ),
            (
                Alias::new("membership"),
                uuid_null(Persona::DefaultOrganisationId),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("membership", Persona::DefaultOrganisationId),
            ("membership", Persona::DefaultSpeakingAs),
            ("member", Persona::DefaultOrganisationId),
            ("member", Persona::DefaultSpeakingAs),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for post in POSTS {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("{}_speaking_organisation", post.to_string()))
                        .table(post)
                        .to_owned(),
                )
                .await?;
            for column in [
                Persona::RoleTitle,
                Persona::OrganisationId,
                Persona::SpeakingAs,
            ] {
                manager
                    .alter_table(Table::alter().table(post).drop_column(column).to_owned())
                    .await?;
            }
        }
        for table in [
            OrganisationRole::Table.into_iden(),
            Affiliation::Table.into_iden(),
            Organisation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Name,
    Slug,
    WebsiteUrl,
    VerifiedDomain,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Affiliation {
    Table,
    Id,
    MemberId,
    OrganisationId,
    RoleTitle,
    Since,
    VerifiedAt,
    EndedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganisationRole {
    Table,
    OrganisationId,
    MemberId,
    Role,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Post {
    Thread,
    Comment,
    Resource,
}

#[derive(DeriveIden)]
enum Persona {
    SpeakingAs,
    OrganisationId,
    RoleTitle,
    DefaultSpeakingAs,
    DefaultOrganisationId,
}
