//! Supervision agreements (one row per version), their supervisees and signatures.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, hash, hash_null, index, row_version, unique_index,
};
use crate::m20261123_000001_tenancy::{Academy, Trust};
use crate::m20261123_000002_people::Person;

#[derive(DeriveIden)]
pub enum Agreement {
    Table,
    Id,
    TrustId,
    AcademyId,
    LineageId,
    Version,
    PreviousVersionId,
    Kind,
    SupervisorId,
    Status,
    PlanCadence,
    PlanWeeks,
    ExtendedEachHalfTerm,
    SessionMinutes,
    MaxCasesPerSession,
    AgendaRequired,
    StandardAgenda,
    RecordsLocation,
    ConfidentialityTerms,
    DiversityTerms,
    ActivatedOn,
    ReviewDueOn,
    EndedOn,
    ContentHash,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgreementSupervisee {
    Table,
    Id,
    TrustId,
    AcademyId,
    AgreementId,
    PersonId,
}

#[derive(DeriveIden)]
enum AgreementSignature {
    Table,
    Id,
    TrustId,
    AcademyId,
    AgreementId,
    PersonId,
    SignedAt,
    ContentHash,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agreement::Table)
                    .col(pk_uuid(Agreement::Id))
                    .col(uuid(Agreement::TrustId))
                    .col(uuid(Agreement::AcademyId))
                    // The first version's own id on the first version: a row may reference
                    // itself, the check runs once the row is in.
                    .col(uuid(Agreement::LineageId))
                    .col(integer(Agreement::Version).check(Expr::col(Agreement::Version).gte(1)))
                    .col(uuid_null(Agreement::PreviousVersionId))
                    .col(enum_string(Agreement::Kind))
                    .col(uuid(Agreement::SupervisorId))
                    .col(enum_string(Agreement::Status))
                    .col(enum_string(Agreement::PlanCadence))
                    .col(integer_null(Agreement::PlanWeeks))
                    .col(boolean(Agreement::ExtendedEachHalfTerm).default(false))
                    .col(integer(Agreement::SessionMinutes))
                    .col(integer_null(Agreement::MaxCasesPerSession))
                    .col(boolean(Agreement::AgendaRequired).default(true))
                    .col(text(Agreement::StandardAgenda))
                    .col(text(Agreement::RecordsLocation))
                    .col(text(Agreement::ConfidentialityTerms))
                    .col(text(Agreement::DiversityTerms))
                    .col(date_null(Agreement::ActivatedOn))
                    .col(date_null(Agreement::ReviewDueOn))
                    .col(date_null(Agreement::EndedOn))
                    .col(hash_null(Agreement::ContentHash))
                    .col(row_version(Agreement::RowVersion))
                    .col(timestamp_with_time_zone(Agreement::CreatedAt))
                    .col(timestamp_with_time_zone(Agreement::UpdatedAt))
                    .foreign_key(&mut fk(Agreement::Table, Agreement::TrustId, Trust::Table))
                    .foreign_key(&mut fk(
                        Agreement::Table,
                        Agreement::AcademyId,
                        Academy::Table,
                    ))
                    .foreign_key(&mut fk(
                        Agreement::Table,
                        Agreement::LineageId,
                        Agreement::Table,
                    ))
                    .foreign_key(&mut fk(
                        Agreement::Table,
                        Agreement::PreviousVersionId,
                        Agreement::Table,
                    ))
                    .foreign_key(&mut fk(
                        Agreement::Table,
                        Agreement::SupervisorId,
                        Person::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgreementSupervisee::Table)
                    .col(pk_uuid(AgreementSupervisee::Id))
                    .col(uuid(AgreementSupervisee::TrustId))
                    .col(uuid(AgreementSupervisee::AcademyId))
                    .col(uuid(AgreementSupervisee::AgreementId))
                    .col(uuid(AgreementSupervisee::PersonId))
                    .foreign_key(&mut fk(
                        AgreementSupervisee::Table,
                        AgreementSupervisee::TrustId,
                        Trust::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSupervisee::Table,
                        AgreementSupervisee::AcademyId,
                        Academy::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSupervisee::Table,
                        AgreementSupervisee::AgreementId,
                        Agreement::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSupervisee::Table,
                        AgreementSupervisee::PersonId,
                        Person::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgreementSignature::Table)
                    .col(pk_uuid(AgreementSignature::Id))
                    .col(uuid(AgreementSignature::TrustId))
                    .col(uuid(AgreementSignature::AcademyId))
                    .col(uuid(AgreementSignature::AgreementId))
                    .col(uuid(AgreementSignature::PersonId))
                    .col(timestamp_with_time_zone(AgreementSignature::SignedAt))
                    .col(hash(AgreementSignature::ContentHash))
                    .foreign_key(&mut fk(
                        AgreementSignature::Table,
                        AgreementSignature::TrustId,
                        Trust::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSignature::Table,
                        AgreementSignature::AcademyId,
                        Academy::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSignature::Table,
                        AgreementSignature::AgreementId,
                        Agreement::Table,
                    ))
                    .foreign_key(&mut fk(
                        AgreementSignature::Table,
                        AgreementSignature::PersonId,
                        Person::Table,
                    ))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(
                    Agreement::Table,
                    [Agreement::TrustId, Agreement::AcademyId, Agreement::Status],
                ),
                index(
                    Agreement::Table,
                    [Agreement::TrustId, Agreement::SupervisorId],
                ),
                unique_index(
                    Agreement::Table,
                    [Agreement::TrustId, Agreement::LineageId, Agreement::Version],
                ),
                unique_index(
                    AgreementSupervisee::Table,
                    [
                        AgreementSupervisee::TrustId,
                        AgreementSupervisee::AgreementId,
                        AgreementSupervisee::PersonId,
                    ],
                ),
                index(
                    AgreementSupervisee::Table,
                    [AgreementSupervisee::TrustId, AgreementSupervisee::PersonId],
                ),
                unique_index(
                    AgreementSignature::Table,
                    [
                        AgreementSignature::TrustId,
                        AgreementSignature::AgreementId,
                        AgreementSignature::PersonId,
                    ],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AgreementSignature::Table.into_iden(),
                AgreementSupervisee::Table.into_iden(),
                Agreement::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
