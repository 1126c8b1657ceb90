//! The tenant and its shape: trust, region, academy, term dates, policy settings.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, index, row_version, unique_index,
};

#[derive(DeriveIden)]
pub enum Trust {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Region {
    Table,
    Id,
    TrustId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Academy {
    Table,
    Id,
    TrustId,
    RegionId,
    Name,
    Urn,
    Phase,
    LocalAuthority,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TermDate {
    Table,
    Id,
    TrustId,
    AcademyId,
    AcademicYear,
    HalfTerm,
    StartsOn,
    EndsOn,
}

#[derive(DeriveIden)]
enum PolicySetting {
    Table,
    Id,
    TrustId,
    AcademyId,
    ScopeKey,
    Settings,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Trust::Table)
                    .col(pk_uuid(Trust::Id))
                    .col(string(Trust::Name))
                    .col(string_len_uniq(Trust::Slug, 64))
                    .col(timestamp_with_time_zone(Trust::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(pk_uuid(Region::Id))
                    .col(uuid(Region::TrustId))
                    .col(string(Region::Name))
                    .col(timestamp_with_time_zone(Region::CreatedAt))
                    .foreign_key(&mut fk(Region::Table, Region::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Academy::Table)
                    .col(pk_uuid(Academy::Id))
                    .col(uuid(Academy::TrustId))
                    .col(uuid_null(Academy::RegionId))
                    .col(string(Academy::Name))
                    .col(string_len(Academy::Urn, 16))
                    .col(enum_string(Academy::Phase))
                    .col(string(Academy::LocalAuthority))
                    .col(timestamp_with_time_zone(Academy::CreatedAt))
                    .foreign_key(&mut fk(Academy::Table, Academy::TrustId, Trust::Table))
                    .foreign_key(&mut fk(Academy::Table, Academy::RegionId, Region::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TermDate::Table)
                    .col(pk_uuid(TermDate::Id))
                    .col(uuid(TermDate::TrustId))
                    .col(uuid(TermDate::AcademyId))
                    .col(integer(TermDate::AcademicYear))
                    .col(
                        small_integer(TermDate::HalfTerm)
                            .check(Expr::col(TermDate::HalfTerm).between(1, 6)),
                    )
                    .col(date(TermDate::StartsOn))
                    .col(date(TermDate::EndsOn))
                    .check(Expr::col(TermDate::EndsOn).gte(Expr::col(TermDate::StartsOn)))
                    .foreign_key(&mut fk(TermDate::Table, TermDate::TrustId, Trust::Table))
                    .foreign_key(&mut fk(
                        TermDate::Table,
                        TermDate::AcademyId,
                        Academy::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PolicySetting::Table)
                    .col(pk_uuid(PolicySetting::Id))
                    .col(uuid(PolicySetting::TrustId))
                    .col(uuid_null(PolicySetting::AcademyId))
                    .col(string_len(PolicySetting::ScopeKey, 64))
                    .col(json_binary(PolicySetting::Settings))
                    .col(row_version(PolicySetting::RowVersion))
                    .col(timestamp_with_time_zone(PolicySetting::CreatedAt))
                    .col(timestamp_with_time_zone(PolicySetting::UpdatedAt))
                    .foreign_key(&mut fk(
                        PolicySetting::Table,
                        PolicySetting::TrustId,
                        Trust::Table,
                    ))
                    .foreign_key(&mut fk(
                        PolicySetting::Table,
                        PolicySetting::AcademyId,
                        Academy::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(Region::Table, [Region::TrustId, Region::Name]),
                unique_index(Academy::Table, [Academy::TrustId, Academy::Urn]),
                index(Academy::Table, [Academy::TrustId, Academy::RegionId]),
                unique_index(
                    TermDate::Table,
                    [
                        TermDate::TrustId,
                        TermDate::AcademyId,
                        TermDate::AcademicYear,
                        TermDate::HalfTerm,
                    ],
                ),
                unique_index(
                    PolicySetting::Table,
                    [PolicySetting::TrustId, PolicySetting::ScopeKey],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                PolicySetting::Table.into_iden(),
                TermDate::Table.into_iden(),
                Academy::Table.into_iden(),
                Region::Table.into_iden(),
                Trust::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
