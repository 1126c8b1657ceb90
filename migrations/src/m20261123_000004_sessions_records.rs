//! Sessions and what hangs off them: attendees, agenda, case notes, the record with its
//! signatures and amendments, and actions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, hash, hash_null, index, row_version, unique_index,
};
use crate::m20261123_000001_tenancy::{Academy, Trust};
use crate::m20261123_000002_people::Person;
use crate::m20261123_000003_agreements::Agreement;

#[derive(DeriveIden)]
enum SupervisionSession {
    Table,
    Id,
    TrustId,
    AcademyId,
    AgreementId,
    Kind,
    Mode,
    Status,
    StartsAt,
    DurationMinutes,
    Location,
    HeldMarkedAt,
    CancelledAt,
    CancelledBy,
    CancelReason,
    RebookingOfId,
    IcalSequence,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SessionAttendee {
    Table,
    Id,
    TrustId,
    AcademyId,
    SessionId,
    PersonId,
    Attended,
}

#[derive(DeriveIden)]
enum Agenda {
    Table,
    Id,
    TrustId,
    AcademyId,
    SessionId,
    SubmittedBy,
    Items,
    SubmittedAt,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum CaseNote {
    Table,
    Id,
    TrustId,
    AcademyId,
    SessionId,
    CaseReference,
    ChildInitials,
    ChildNameEncrypted,
    CaseStatus,
    UpdateText,
    ChildsView,
    ParentsViews,
    VisitingPattern,
    LogsUpToDate,
    ChronologyUpToDate,
    RiskFactors,
    ProtectiveFactors,
    OutstandingActions,
    CreatedBy,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum SupervisionRecord {
    Table,
    Id,
    TrustId,
    AcademyId,
    SessionId,
    AuthorId,
    Status,
    Content,
    ContentHash,
    SentAt,
    FrozenAt,
    NextSessionOn,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecordSignature {
    Table,
    Id,
    TrustId,
    AcademyId,
    RecordId,
    PersonId,
    Outcome,
    Disagreement,
    SignedAt,
    ContentHash,
}

#[derive(DeriveIden)]
enum RecordAmendment {
    Table,
    Id,
    TrustId,
    AcademyId,
    RecordId,
    AuthorId,
    Reason,
    Changes,
    PreviousHash,
    ContentHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SupervisionAction {
    Table,
    Id,
    TrustId,
    AcademyId,
    SessionId,
    RecordId,
    CaseNoteId,
    Description,
    OwnerId,
    DueOn,
    Status,
    CompletedOn,
    CarriedFromId,
    RowVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SupervisionSession as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::TrustId))
                    .col(uuid(S::AcademyId))
                    .col(uuid(S::AgreementId))
                    .col(enum_string(S::Kind))
                    .col(enum_string(S::Mode))
                    .col(enum_string(S::Status))
                    .col(timestamp_with_time_zone(S::StartsAt))
                    .col(integer(S::DurationMinutes).check(Expr::col(S::DurationMinutes).gt(0)))
                    .col(string_null(S::Location))
                    .col(timestamp_with_time_zone_null(S::HeldMarkedAt))
                    .col(timestamp_with_time_zone_null(S::CancelledAt))
                    .col(uuid_null(S::CancelledBy))
                    .col(text_null(S::CancelReason))
                    .col(uuid_null(S::RebookingOfId))
                    .col(integer(S::IcalSequence).default(0))
                    .col(row_version(S::RowVersion))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .foreign_key(&mut fk(S::Table, S::TrustId, Trust::Table))
                    .foreign_key(&mut fk(S::Table, S::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(S::Table, S::AgreementId, Agreement::Table))
                    .foreign_key(&mut fk(S::Table, S::CancelledBy, Person::Table))
                    .foreign_key(&mut fk(S::Table, S::RebookingOfId, S::Table))
                    .to_owned(),
            )
            .await?;

        use SessionAttendee as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(pk_uuid(A::Id))
                    .col(uuid(A::TrustId))
                    .col(uuid(A::AcademyId))
                    .col(uuid(A::SessionId))
                    .col(uuid(A::PersonId))
                    .col(boolean_null(A::Attended))
                    .foreign_key(&mut fk(A::Table, A::TrustId, Trust::Table))
                    .foreign_key(&mut fk(A::Table, A::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(A::Table, A::SessionId, S::Table))
                    .foreign_key(&mut fk(A::Table, A::PersonId, Person::Table))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Agenda::Table)
                    .col(pk_uuid(Agenda::Id))
                    .col(uuid(Agenda::TrustId))
                    .col(uuid(Agenda::AcademyId))
                    .col(uuid(Agenda::SessionId))
                    .col(uuid(Agenda::SubmittedBy))
                    .col(json_binary(Agenda::Items))
                    .col(timestamp_with_time_zone_null(Agenda::SubmittedAt))
                    .col(row_version(Agenda::RowVersion))
                    .col(timestamp_with_time_zone(Agenda::CreatedAt))
                    .col(timestamp_with_time_zone(Agenda::UpdatedAt))
                    .foreign_key(&mut fk(Agenda::Table, Agenda::TrustId, Trust::Table))
                    .foreign_key(&mut fk(Agenda::Table, Agenda::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(Agenda::Table, Agenda::SessionId, S::Table))
                    .foreign_key(&mut fk(Agenda::Table, Agenda::SubmittedBy, Person::Table))
                    .to_owned(),
            )
            .await?;

        use CaseNote as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(pk_uuid(N::Id))
                    .col(uuid(N::TrustId))
                    .col(uuid(N::AcademyId))
                    .col(uuid(N::SessionId))
                    .col(string_len(N::CaseReference, 64))
                    .col(string_len(N::ChildInitials, 8))
                    .col(blob_null(N::ChildNameEncrypted))
                    .col(enum_string(N::CaseStatus))
                    .col(text(N::UpdateText))
                    .col(text(N::ChildsView))
                    .col(text(N::ParentsViews))
                    .col(text(N::VisitingPattern))
                    .col(boolean(N::LogsUpToDate))
                    .col(boolean(N::ChronologyUpToDate))
                    .col(text(N::RiskFactors))
                    .col(text(N::ProtectiveFactors))
                    .col(text(N::OutstandingActions))
                    .col(uuid(N::CreatedBy))
                    .col(row_version(N::RowVersion))
                    .col(timestamp_with_time_zone(N::CreatedAt))
                    .col(timestamp_with_time_zone(N::UpdatedAt))
                    .foreign_key(&mut fk(N::Table, N::TrustId, Trust::Table))
                    .foreign_key(&mut fk(N::Table, N::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(N::Table, N::SessionId, S::Table))
                    .foreign_key(&mut fk(N::Table, N::CreatedBy, Person::Table))
                    .to_owned(),
            )
            .await?;

        use SupervisionRecord as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(pk_uuid(R::Id))
                    .col(uuid(R::TrustId))
                    .col(uuid(R::AcademyId))
                    .col(uuid(R::SessionId))
                    .col(uuid(R::AuthorId))
                    .col(enum_string(R::Status))
                    .col(json_binary(R::Content))
                    .col(hash_null(R::ContentHash))
                    .col(timestamp_with_time_zone_null(R::SentAt))
                    .col(timestamp_with_time_zone_null(R::FrozenAt))
                    .col(date_null(R::NextSessionOn))
                    .col(row_version(R::RowVersion))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(&mut fk(R::Table, R::TrustId, Trust::Table))
                    .foreign_key(&mut fk(R::Table, R::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(R::Table, R::SessionId, S::Table))
                    .foreign_key(&mut fk(R::Table, R::AuthorId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use RecordSignature as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(pk_uuid(G::Id))
                    .col(uuid(G::TrustId))
                    .col(uuid(G::AcademyId))
                    .col(uuid(G::RecordId))
                    .col(uuid(G::PersonId))
                    .col(enum_string(G::Outcome))
                    .col(text_null(G::Disagreement))
                    .col(timestamp_with_time_zone(G::SignedAt))
                    .col(hash(G::ContentHash))
                    .foreign_key(&mut fk(G::Table, G::TrustId, Trust::Table))
                    .foreign_key(&mut fk(G::Table, G::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(G::Table, G::RecordId, R::Table))
                    .foreign_key(&mut fk(G::Table, G::PersonId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use RecordAmendment as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(pk_uuid(M::Id))
                    .col(uuid(M::TrustId))
                    .col(uuid(M::AcademyId))
                    .col(uuid(M::RecordId))
                    .col(uuid(M::AuthorId))
                    .col(text(M::Reason))
                    .col(json_binary(M::Changes))
                    .col(hash(M::PreviousHash))
                    .col(hash(M::ContentHash))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .foreign_key(&mut fk(M::Table, M::TrustId, Trust::Table))
                    .foreign_key(&mut fk(M::Table, M::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(M::Table, M::RecordId, R::Table))
                    .foreign_key(&mut fk(M::Table, M::AuthorId, Person::Table))
                    .to_owned(),
            )
            .await?;

        use SupervisionAction as X;
        manager
            .create_table(
                Table::create()
                    .table(X::Table)
                    .col(pk_uuid(X::Id))
                    .col(uuid(X::TrustId))
                    .col(uuid(X::AcademyId))
                    .col(uuid(X::SessionId))
                    .col(uuid_null(X::RecordId))
                    .col(uuid_null(X::CaseNoteId))
                    .col(text(X::Description))
                    .col(uuid(X::OwnerId))
                    .col(date(X::DueOn))
                    .col(enum_string(X::Status))
                    .col(date_null(X::CompletedOn))
                    .col(uuid_null(X::CarriedFromId))
                    .col(row_version(X::RowVersion))
                    .col(timestamp_with_time_zone(X::CreatedAt))
                    .col(timestamp_with_time_zone(X::UpdatedAt))
                    .foreign_key(&mut fk(X::Table, X::TrustId, Trust::Table))
                    .foreign_key(&mut fk(X::Table, X::AcademyId, Academy::Table))
                    .foreign_key(&mut fk(X::Table, X::SessionId, S::Table))
                    .foreign_key(&mut fk(X::Table, X::RecordId, R::Table))
                    .foreign_key(&mut fk(X::Table, X::CaseNoteId, N::Table))
                    .foreign_key(&mut fk(X::Table, X::OwnerId, Person::Table))
                    .foreign_key(&mut fk(X::Table, X::CarriedFromId, X::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(S::Table, [S::TrustId, S::AcademyId, S::StartsAt]),
                index(S::Table, [S::TrustId, S::AgreementId, S::StartsAt]),
                index(S::Table, [S::TrustId, S::Status, S::StartsAt]),
                unique_index(A::Table, [A::TrustId, A::SessionId, A::PersonId]),
                index(A::Table, [A::TrustId, A::PersonId]),
                unique_index(Agenda::Table, [Agenda::TrustId, Agenda::SessionId]),
                index(N::Table, [N::TrustId, N::SessionId]),
                unique_index(R::Table, [R::TrustId, R::SessionId]),
                index(R::Table, [R::TrustId, R::AcademyId, R::Status]),
                unique_index(G::Table, [G::TrustId, G::RecordId, G::PersonId]),
                index(M::Table, [M::TrustId, M::RecordId]),
                index(X::Table, [X::TrustId, X::OwnerId, X::Status, X::DueOn]),
                index(X::Table, [X::TrustId, X::AcademyId, X::Status, X::DueOn]),
                // "Review of previous actions" lists a session's actions.
                index(X::Table, [X::TrustId, X::SessionId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                SupervisionAction::Table.into_iden(),
                RecordAmendment::Table.into_iden(),
                RecordSignature::Table.into_iden(),
                SupervisionRecord::Table.into_iden(),
                CaseNote::Table.into_iden(),
                Agenda::Table.into_iden(),
                SessionAttendee::Table.into_iden(),
                SupervisionSession::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
