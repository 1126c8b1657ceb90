//! Entries with their own dates (issue 13, DESIGN §4): a session held or cancelled before it was
//! entered keeps the day it happened beside the instant it was entered (`held_marked_at`,
//! `cancelled_at`). Rows entered before this migration happened when they were entered, so the
//! new columns stay null for them and readers fall back to the session's date and the entry day.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum SupervisionSession {
    Table,
    HeldOn,
    CancelledOn,
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
