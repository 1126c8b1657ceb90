//! Records sent and signed on paper (issue 13, DESIGN §4): a record entered after the fact keeps
//! the day it was sent (`sent_on`) beside the instant it was entered (`sent_at`), and where its
//! paper original is kept (`paper_original`). A signature keeps the day it was given
//! (`signed_on`) beside the instant it was entered (`signed_at`), whether it was given in Haven
//! or on paper (`medium`), and who entered a paper one (`entered_by_id`). Rows written before
//! this migration were sent and signed in Haven when they were entered, so the new day columns
//! stay null for them (readers fall back to the entry day) and their medium is `electronic`.
//! `entered_by_id` names a person of the same trust; the store checks it, since SQLite cannot add
//! a foreign key to an existing table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
enum SupervisionRecord {
    Table,
    SentOn,
    PaperOriginal,
}

#[derive(DeriveIden)]
enum RecordSignature {
    Table,
    SignedOn,
    Medium,
    EnteredById,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                SupervisionRecord::Table.into_iden(),
                date_null(SupervisionRecord::SentOn),
            ),
            (
                SupervisionRecord::Table.into_iden(),
                text_null(SupervisionRecord::PaperOriginal),
            ),
            (
                RecordSignature::Table.into_iden(),
                date_null(RecordSignature::SignedOn),
            ),
            (
                RecordSignature::Table.into_iden(),
                string_len(RecordSignature::Medium, 16)
                    .default("electronic")
                    .to_owned(),
            ),
            (
                RecordSignature::Table.into_iden(),
                uuid_null(RecordSignature::EnteredById),
            ),
        ];
        // One column per `ALTER`, as SQLite allows.
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (
                RecordSignature::Table.into_iden(),
                RecordSignature::EnteredById.into_iden(),
            ),
            (
                RecordSignature::Table.into_iden(),
                RecordSignature::Medium.into_iden(),
            ),
            (
                RecordSignature::Table.into_iden(),
                RecordSignature::SignedOn.into_iden(),
            ),
            (
                SupervisionRecord::Table.into_iden(),
                SupervisionRecord::PaperOriginal.into_iden(),
            ),
            (
                SupervisionRecord::Table.into_iden(),
                SupervisionRecord::SentOn.into_iden(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
