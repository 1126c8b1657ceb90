//! Oversight around the supervision itself: escalations, quarterly QA reviews, training, access
//! grants for auditors and inspectors, and API tokens.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, hash, index, row_version, unique_index,
};
use crate::m20261123_000001_tenancy::{Academy, Trust};
use crate::m20261123_000002_people::Person;
use crate::m20261123_000003_agreements::Agreement;
use crate::m20261123_000004_sessions_records::{CaseNote, SupervisionRecord};

#[derive(DeriveIden)]
enum Escalation {
    Table,
    Id,
    TrustId,
    AcademyId,
    RaisedBy,
    RecordId,
    CaseNoteId,
    EscalatedTo,
    AssigneeId,
    Reason,
    MeetingOn,
    Outcome,
    Status,
    ClosedAt,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QaReview {
    Table,
    Id,
    TrustId,
    AcademyId,
    AgreementLineageId,
    AgreementId,
    ReviewerId,
    DueOn,
    CompletedAt,
    SessionsPlanned,
    SessionsHeld,
    ContractAgreed,
    WrittenRecords,
    Checklist,
    Comments,
    KeyActions,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrainingRecord {
    Table,
    Id,
    TrustId,
    PersonId,
    Course,
    Kind,
    CompletedOn,
    ExpiresOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessGrant {
    Table,
    Id,
    TrustId,
    GranteeId,
    GrantedBy,
    Reason,
    SubjectPersonId,
    StartsAt,
    EndsAt,
    RevokedAt,
    RevokedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessGrantRecord {
    Table,
    Id,
    TrustId,
    GrantId,
    RecordId,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    TrustId,
    Name,
    TokenPrefix,
    TokenHash,
    Capabilities,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Escalation as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::Id))
                    .col(uuid(E::TrustId))
                    .col(uuid(E::AcademyId))
                    .col(uuid(E::RaisedBy))
                    .col(uuid_null(E::RecordId))
                    .col(uuid_null(E::CaseNoteId))
                    .col(enum_string(E::EscalatedTo))
                    .col(uuid_null(E::AssigneeId))
                    .col(text(E::Reason))
                    .col(date_null(E::MeetingOn))
                    .col(text_null(E::Outcome))
                    .col(enum_string(E::Status))
                    .col(timestamp_with_time_zone_null(E::ClosedAt))
                    .col(row_version(E::RowVersion))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .foreign_key(&mut fk(E::Table, E::TrustId, Trust::Table))
                    .foreign_key(&mut fk(E::Table, E::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(E::Table, E::RaisedBy, Person::Table))
                    .foreign_key(&mut fk(E::Table, E::RecordId, SupervisionRecord::Table))
                    .foreign_key(&mut fk(E::Table, E::CaseNoteId, CaseNote::Table))
                    .foreign_key(&mut fk(E::Table, E::AssigneeId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use QaReview as Q;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .col(pk_uuid(Q::Id))
                    .col(uuid(Q::TrustId))
                    .col(uuid(Q::AcademyId))
                    .col(uuid(Q::AgreementLineageId))
                    .col(uuid(Q::AgreementId))
                    .col(uuid_null(Q::ReviewerId))
                    .col(date(Q::DueOn))
                    .col(timestamp_with_time_zone_null(Q::CompletedAt))
                    .col(integer_null(Q::SessionsPlanned))
                    .col(integer_null(Q::SessionsHeld))
                    .col(boolean_null(Q::ContractAgreed))
                    .col(boolean_null(Q::WrittenRecords))
                    .col(json_binary(Q::Checklist))
                    .col(text_null(Q::Comments))
                    .col(text_null(Q::KeyActions))
                    .col(row_version(Q::RowVersion))
                    .col(timestamp_with_time_zone(Q::CreatedAt))
                    .col(timestamp_with_time_zone(Q::UpdatedAt))
                    .foreign_key(&mut fk(Q::Table, Q::TrustId, Trust::Table))
                    .foreign_key(&mut fk(Q::Table, Q::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(Q::Table, Q::AgreementLineageId, Agreement::Table))
                    .foreign_key(&mut fk(Q::Table, Q::AgreementId, Agreement::Table))
                    .foreign_key(&mut fk(Q::Table, Q::ReviewerId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use TrainingRecord as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(pk_uuid(T::Id))
                    .col(uuid(T::TrustId))
                    .col(uuid(T::PersonId))
                    .col(string(T::Course))
                    .col(enum_string(T::Kind))
                    .col(date(T::CompletedOn))
                    .col(date_null(T::ExpiresOn))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .foreign_key(&mut fk(T::Table, T::TrustId, Trust::Table))
                    .foreign_key(&mut fk(T::Table, T::PersonId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use AccessGrant as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(pk_uuid(G::Id))
                    .col(uuid(G::TrustId))
                    .col(uuid(G::GranteeId))
                    .col(uuid(G::GrantedBy))
                    .col(text(G::Reason))
                    .col(uuid_null(G::SubjectPersonId))
                    .col(timestamp_with_time_zone(G::StartsAt))
                    .col(timestamp_with_time_zone(G::EndsAt))
                    .col(timestamp_with_time_zone_null(G::RevokedAt))
                    .col(uuid_null(G::RevokedBy))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .check(Expr::col(G::EndsAt).gt(Expr::col(G::StartsAt)))
                    .foreign_key(&mut fk(G::Table, G::TrustId, Trust::Table))
                    .foreign_key(&mut fk(G::Table, G::GranteeId, Person::Table))
                    .foreign_key(&mut fk(G::Table, G::GrantedBy, Person::Table))
                    .foreign_key(&mut fk(G::Table, G::SubjectPersonId, Person::Table))
                    .foreign_key(&mut fk(G::Table, G::RevokedBy, Person::Table))
                    .to_owned(),
            )
            .await?;

        use AccessGrantRecord as GR;
        manager
            .create_table(
                Table::create()
                    .table(GR::Table)
                    .col(pk_uuid(GR::Id))
                    .col(uuid(GR::TrustId))
                    .col(uuid(GR::GrantId))
                    .col(uuid(GR::RecordId))
                    .foreign_key(&mut fk(GR::Table, GR::TrustId, Trust::Table))
                    .foreign_key(&mut fk(GR::Table, GR::GrantId, G::Table))
                    .foreign_key(&mut fk(GR::Table, GR::RecordId, SupervisionRecord::Table))
                    .to_owned(),
            )
            .await?;

        use ApiToken as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(pk_uuid(K::Id))
                    .col(uuid(K::TrustId))
                    .col(string(K::Name))
                    .col(string_len(K::TokenPrefix, 16))
                    .col(hash(K::TokenHash))
                    .col(json_binary(K::Capabilities))
                    .col(uuid(K::CreatedBy))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .col(timestamp_with_time_zone_null(K::ExpiresAt))
                    .col(timestamp_with_time_zone_null(K::LastUsedAt))
                    .col(timestamp_with_time_zone_null(K::RevokedAt))
                    .foreign_key(&mut fk(K::Table, K::TrustId, Trust::Table))
                    .foreign_key(&mut fk(K::Table, K::CreatedBy, Person::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(E::Table, [E::TrustId, E::AcademyId, E::Status]),
                index(E::Table, [E::TrustId, E::AssigneeId, E::Status]),
                unique_index(Q::Table, [Q::TrustId, Q::AgreementLineageId, Q::DueOn]),
                index(Q::Table, [Q::TrustId, Q::ReviewerId, Q::DueOn]),
                index(T::Table, [T::TrustId, T::PersonId]),
                index(T::Table, [T::TrustId, T::ExpiresOn]),
                index(G::Table, [G::TrustId, G::GranteeId, G::EndsAt]),
                unique_index(GR::Table, [GR::TrustId, GR::GrantId, GR::RecordId]),
                // The one index not led by trust_id: a presented token is found before its
                // trust is known, and a SHA-256 is unique across trusts anyway.
                unique_index(K::Table, [K::TokenHash]),
                index(K::Table, [K::TrustId, K::CreatedBy]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                ApiToken::Table.into_iden(),
                AccessGrantRecord::Table.into_iden(),
                AccessGrant::Table.into_iden(),
                TrainingRecord::Table.into_iden(),
                QaReview::Table.into_iden(),
                Escalation::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
