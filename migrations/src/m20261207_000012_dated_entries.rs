//! Entries with their own dates (issue 13, DESIGN §4): a session held or cancelled before it was
//! entered keeps the day it happened beside the instant it was entered (`held_marked_at`,
//! `cancelled_at`). Rows entered before this migration happened when they were entered, so the
//! new columns stay null for them and readers fall back to the session's date and the entry day.
//! An action done keeps the day it was done (`completed_on`) beside when that was entered
//! (`completed_at`, null on rows done before: they were entered on the day they were done).
//! A QA review completed keeps the day it was completed (`completed_on`) beside when that was
//! entered (`completed_at`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum SupervisionSession {
    Table,
    HeldOn,
    CancelledOn,
}

#[derive(DeriveIden)]
enum SupervisionAction {
    Table,
    CompletedAt,
}

#[derive(DeriveIden)]
enum QaReview {
    Table,
    CompletedOn,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SupervisionSession::HeldOn, SupervisionSession::CancelledOn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SupervisionSession::Table)
                        .add_column(date_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionAction::Table)
                    .add_column(timestamp_with_time_zone_null(
                        SupervisionAction::CompletedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(QaReview::Table)
                    .add_column(date_null(QaReview::CompletedOn))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(QaReview::Table)
                    .drop_column(QaReview::CompletedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionAction::Table)
                    .drop_column(SupervisionAction::CompletedAt)
                    .to_owned(),
            )
            .await?;
        for column in [SupervisionSession::CancelledOn, SupervisionSession::HeldOn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SupervisionSession::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
