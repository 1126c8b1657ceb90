//! The notification outbox and the tamper-evident audit log with its per-trust chain head.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, drop_tables, enum_string, fk, hash, index, unique_index};
use crate::m20261123_000001_tenancy::Trust;
use crate::m20261123_000002_people::Person;

#[derive(DeriveIden)]
enum NotificationOutbox {
    Table,
    Id,
    TrustId,
    IdempotencyKey,
    Rule,
    SubjectKind,
    SubjectId,
    DueOn,
    RecipientId,
    Status,
    Attempts,
    LastError,
    SmtpResponse,
    MessageId,
    QueuedAt,
    SentAt,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TrustId,
    Seq,
    At,
    ActorKind,
    ActorId,
    ActorLabel,
    Origin,
    Action,
    Entity,
    EntityId,
    Reason,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    TrustId,
    Seq,
    Hash,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use NotificationOutbox as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(pk_uuid(O::Id))
                    .col(uuid(O::TrustId))
                    .col(string_len(O::IdempotencyKey, 255))
                    .col(string_len(O::Rule, 64))
                    .col(enum_string(O::SubjectKind))
                    .col(uuid(O::SubjectId))
                    .col(date(O::DueOn))
                    .col(uuid(O::RecipientId))
                    .col(enum_string(O::Status).default("queued"))
                    .col(integer(O::Attempts).default(0))
                    .col(text_null(O::LastError))
                    .col(text_null(O::SmtpResponse))
                    .col(string_null(O::MessageId))
                    .col(timestamp_with_time_zone(O::QueuedAt))
                    .col(timestamp_with_time_zone_null(O::SentAt))
                    .col(timestamp_with_time_zone_null(O::NextAttemptAt))
                    .foreign_key(&mut fk(O::Table, O::TrustId, Trust::Table))
                    .foreign_key(&mut fk(O::Table, O::RecipientId, Person::Table))
                    .to_owned(),
            )
            .await?;

        // No foreign key on actor_id: a person may be erased later and the log must stay whole.
        use AuditLog as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(pk_uuid(L::Id))
                    .col(uuid(L::TrustId))
                    .col(big_integer(L::Seq))
                    .col(timestamp_with_time_zone(L::At))
                    .col(enum_string(L::ActorKind))
                    .col(uuid_null(L::ActorId))
                    .col(string(L::ActorLabel))
                    .col(string(L::Origin))
                    .col(string_len(L::Action, 64))
                    .col(string_len(L::Entity, 64))
                    .col(uuid_null(L::EntityId))
                    .col(text_null(L::Reason))
                    .col(json_binary(L::Detail))
                    .col(hash(L::PrevHash))
                    .col(hash(L::Hash))
                    .foreign_key(&mut fk(L::Table, L::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        use AuditChainHead as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(pk_uuid(H::TrustId))
                    .col(big_integer(H::Seq))
                    .col(hash(H::Hash))
                    .foreign_key(&mut fk(H::Table, H::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                // Led by trust_id like every tenant index: the key is only ever checked within
                // the trust that enqueues it.
                unique_index(O::Table, [O::TrustId, O::IdempotencyKey]),
                index(O::Table, [O::TrustId, O::RecipientId]),
                // The notifier polls across all trusts for what is due to send next.
                index(O::Table, [O::Status, O::NextAttemptAt]),
                unique_index(L::Table, [L::TrustId, L::Seq]),
                index(L::Table, [L::TrustId, L::Entity, L::EntityId]),
                index(L::Table, [L::TrustId, L::At]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AuditChainHead::Table.into_iden(),
                AuditLog::Table.into_iden(),
                NotificationOutbox::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
