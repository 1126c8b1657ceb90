//! What the notifier needs beyond the outbox of the scheduler issue: the content of a calendar
//! invite, the digest a reminder is folded into, when a send began and to which address; each
//! trust's sender, reply-to and branding colour; and each person's choice to stop the reminders
//! that may be stopped.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{create_indexes, drop_tables, fk, index, isolate_by_trust, unisolate};
use crate::m20261123_000001_tenancy::Trust;

#[derive(DeriveIden)]
enum NotificationOutbox {
    Table,
    TrustId,
    Payload,
    DigestKey,
    SendingAt,
    DeliveredTo,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    OptionalReminders,
}

#[derive(DeriveIden)]
pub enum TrustEmail {
    Table,
    TrustId,
    SenderName,
    SenderAddress,
    ReplyTo,
    BrandColour,
    UpdatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use NotificationOutbox as O;
        // SQLite takes one column per ALTER TABLE.
        for column in [
            json_binary_null(O::Payload),
            string_len_null(O::DigestKey, 255),
            timestamp_with_time_zone_null(O::SendingAt),
            string_len_null(O::DeliveredTo, 320),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(O::Table)
                        .add_column(column.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Person::Table)
                    .add_column(boolean(Person::OptionalReminders).default(true))
                    .to_owned(),
            )
            .await?;

        use TrustEmail as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(pk_uuid(E::TrustId))
                    .col(string_len_null(E::SenderName, 255))
                    .col(string_len_null(E::SenderAddress, 320))
                    .col(string_len_null(E::ReplyTo, 320))
                    .col(string_len_null(E::BrandColour, 7))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .foreign_key(&mut fk(E::Table, E::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(manager, vec![index(O::Table, [O::TrustId, O::DigestKey])]).await?;

        if manager.get_database_backend() == DatabaseBackend::Postgres {
            isolate_by_trust(manager, "trust_email", "SELECT, INSERT, UPDATE").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            unisolate(manager, "trust_email").await?;
        }
        drop_tables(manager, vec![TrustEmail::Table.into_iden()]).await?;
        use NotificationOutbox as O;
        for column in [O::Payload, O::DigestKey, O::SendingAt, O::DeliveredTo] {
            manager
                .alter_table(
                    Table::alter()
                        .table(O::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Person::Table)
                    .drop_column(Person::OptionalReminders)
                    .to_owned(),
            )
            .await
    }
}
