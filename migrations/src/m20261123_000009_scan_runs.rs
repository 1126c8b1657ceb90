//! The daily scan's own record: one row per trust per run, so a trust lead (and an operator,
//! through the metrics) can see when the scan last ran, what it queued and whether it failed.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, index, isolate_by_trust, unisolate,
};
use crate::m20261123_000001_tenancy::Trust;

#[derive(DeriveIden)]
pub enum ScanRun {
    Table,
    Id,
    TrustId,
    ScannedOn,
    StartedAt,
    FinishedAt,
    Outcome,
    Error,
    QaReviewsCreated,
    RenewalsDrafted,
    RemindersDue,
    NotificationsQueued,
    Skipped,
    QueuedByRule,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ScanRun as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(pk_uuid(R::Id))
                    .col(uuid(R::TrustId))
                    .col(date(R::ScannedOn))
                    .col(timestamp_with_time_zone(R::StartedAt))
                    .col(timestamp_with_time_zone(R::FinishedAt))
                    .col(enum_string(R::Outcome))
                    .col(text_null(R::Error))
                    .col(integer(R::QaReviewsCreated).default(0))
                    .col(integer(R::RenewalsDrafted).default(0))
                    .col(integer(R::RemindersDue).default(0))
                    .col(integer(R::NotificationsQueued).default(0))
                    .col(integer(R::Skipped).default(0))
                    .col(json_binary(R::QueuedByRule))
                    .foreign_key(&mut fk(R::Table, R::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(R::Table, [R::TrustId, R::StartedAt]),
                index(R::Table, [R::TrustId, R::ScannedOn]),
            ],
        )
        .await?;

        // A run is a fact about the past: the services add runs and never change one.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            isolate_by_trust(manager, "scan_run", "SELECT, INSERT").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            unisolate(manager, "scan_run").await?;
        }
        drop_tables(manager, vec![ScanRun::Table.into_iden()]).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
