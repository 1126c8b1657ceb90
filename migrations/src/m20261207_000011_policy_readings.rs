//! The policy readings DESIGN §4 settled (issue 13): each agreement's own minimum, a late
//! rebooking shown as late, and the short note an ad hoc session may carry.
//!
//! `agreement.minimum` is backfilled from the academy's effective policy as it stands: the
//! academy's override where it names a minimum, else the trust default's, else the domain's
//! default (half-termly). One column per `ALTER`, as SQLite allows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::common::enum_string;
use crate::m20261123_000003_agreements::Agreement;

#[derive(DeriveIden)]
enum SupervisionSession {
    Table,
    Note,
    RebookedLate,
}

#[derive(DeriveIden)]
enum AgreementMinimum {
    Minimum,
}

/// The minimum every policy had before it named one (`PolicySettings::default`).
const DEFAULT_MINIMUM: &str = "half_termly";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Agreement::Table)
                    .add_column(
                        enum_string(AgreementMinimum::Minimum)
                            .default(DEFAULT_MINIMUM)
                            .take(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionSession::Table)
                    .add_column(text_null(SupervisionSession::Note))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SupervisionSession::Table)
                    .add_column(
                        boolean(SupervisionSession::RebookedLate)
                            .default(false)
                            .take(),
                    )
                    .to_owned(),
            )
            .await?;
        backfill_minimum(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SupervisionSession::RebookedLate, SupervisionSession::Note] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SupervisionSession::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Agreement::Table)
                    .drop_column(AgreementMinimum::Minimum)
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Copies each academy's effective minimum onto its agreements. On PostgreSQL the tables sit
/// behind row-level security that binds their owner too, so the update names each trust in turn.
async fn backfill_minimum(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            conn.execute_unprepared(&format!(
                "DO $$ DECLARE t uuid; BEGIN \
                   FOR t IN SELECT id FROM trust LOOP \
                     PERFORM set_config('app.trust_id', t::text, true); \
                     UPDATE agreement a SET minimum = COALESCE( \
                       (SELECT p.settings->>'minimum' FROM policy_setting p \
                         WHERE p.trust_id = a.trust_id AND p.academy_id = a.academy_id), \
                       (SELECT p.settings->>'minimum' FROM policy_setting p \
                         WHERE p.trust_id = a.trust_id AND p.scope_key = 'trust'), \
                       '{DEFAULT_MINIMUM}') \
                     WHERE a.trust_id = t; \
                   END LOOP; \
                   PERFORM set_config('app.trust_id', '', true); \
                 END $$"
            ))
            .await?;
        }
        _ => {
            conn.execute_unprepared(&format!(
                "UPDATE agreement SET minimum = COALESCE( \
                   (SELECT json_extract(p.settings, '$.minimum') FROM policy_setting p \
                     WHERE p.trust_id = agreement.trust_id AND p.academy_id = agreement.academy_id), \
                   (SELECT json_extract(p.settings, '$.minimum') FROM policy_setting p \
                     WHERE p.trust_id = agreement.trust_id AND p.scope_key = 'trust'), \
                   '{DEFAULT_MINIMUM}')"
            ))
            .await?;
        }
    }
    Ok(())
}
