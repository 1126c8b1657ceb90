//! People and the roles they hold over a trust, a region or an academy.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, drop_tables, enum_string, fk, index, unique_index};
use crate::m20261123_000001_tenancy::{Academy, Region, Trust};

#[derive(DeriveIden)]
pub enum Person {
    Table,
    Id,
    TrustId,
    DisplayName,
    Email,
    JobTitle,
    NotificationPreference,
    OidcSubject,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoleAssignment {
    Table,
    Id,
    TrustId,
    PersonId,
    Role,
    ScopeKind,
    RegionId,
    AcademyId,
    StartsOn,
    EndsOn,
    CreatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(pk_uuid(Person::Id))
                    .col(uuid(Person::TrustId))
                    .col(string(Person::DisplayName))
                    .col(string_len(Person::Email, 320))
                    .col(string_null(Person::JobTitle))
                    .col(enum_string(Person::NotificationPreference).default("immediate"))
                    .col(string_null(Person::OidcSubject))
                    .col(boolean(Person::Active).default(true))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .foreign_key(&mut fk(Person::Table, Person::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoleAssignment::Table)
                    .col(pk_uuid(RoleAssignment::Id))
                    .col(uuid(RoleAssignment::TrustId))
                    .col(uuid(RoleAssignment::PersonId))
                    .col(enum_string(RoleAssignment::Role))
                    .col(enum_string(RoleAssignment::ScopeKind))
                    .col(uuid_null(RoleAssignment::RegionId))
                    .col(uuid_null(RoleAssignment::AcademyId))
                    .col(date(RoleAssignment::StartsOn))
                    .col(date_null(RoleAssignment::EndsOn))
                    .col(timestamp_with_time_zone(RoleAssignment::CreatedAt))
                    .foreign_key(&mut fk(
                        RoleAssignment::Table,
                        RoleAssignment::TrustId,
                        Trust::Table,
                    ))
                    .foreign_key(&mut fk(
                        RoleAssignment::Table,
                        RoleAssignment::PersonId,
                        Person::Table,
                    ))
                    .foreign_key(&mut fk(
                        RoleAssignment::Table,
                        RoleAssignment::RegionId,
                        Region::Table,
                    ))
                    .foreign_key(&mut fk(
                        RoleAssignment::Table,
                        RoleAssignment::AcademyId,
                        Academy::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                unique_index(Person::Table, [Person::TrustId, Person::Email]),
                // Sign-in finds the person by the identity provider's subject within the trust.
                index(Person::Table, [Person::TrustId, Person::OidcSubject]),
                index(
                    RoleAssignment::Table,
                    [RoleAssignment::TrustId, RoleAssignment::PersonId],
                ),
                index(
                    RoleAssignment::Table,
                    [RoleAssignment::TrustId, RoleAssignment::AcademyId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![RoleAssignment::Table.into_iden(), Person::Table.into_iden()],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
