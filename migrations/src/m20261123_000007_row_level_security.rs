//! Row-level security on PostgreSQL: the second wall between trusts, behind the store's scope.
//!
//! Every tenant table gets a FORCEd policy that shows and accepts only rows of the trust the
//! transaction named with `set_config('app.trust_id', …, true)`; with none named it shows nothing.
//! The services log in as a member of `haven_app`, which owns nothing, so a query that forgot its
//! trust filter still sees only its own trust. SQLite has no roles or policies: a no-op there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::common::{APP_ROLE, isolate_by_trust, unisolate};

/// Every table with a `trust_id` column. `trust` is the list of tenants itself, and the
/// migrations table belongs to no trust.
const TENANT_TABLES: [&str; 26] = [
    "region",
    "academy",
    "person",
    "role_assignment",
    "training_record",
    "term_date",
    "policy_setting",
    "api_token",
    "agreement",
    "agreement_supervisee",
    "agreement_signature",
    "supervision_session",
    "session_attendee",
    "agenda",
    "case_note",
    "supervision_record",
    "record_signature",
    "record_amendment",
    "supervision_action",
    "access_grant",
    "access_grant_record",
    "qa_review",
    "escalation",
    "notification_outbox",
    "audit_log",
    "audit_chain_head",
];

/// The audit log is append-only at the database too: the app may read and add, never change.
const APPEND_ONLY: [&str; 1] = ["audit_log"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let conn = manager.get_connection();
        // Roles are cluster-wide: another database on the server (each test makes its own) may
        // have created it already, or be creating it in a concurrent transaction right now, in
        // which case CREATE ROLE waits for it and then fails with a unique violation.
        conn.execute_unprepared(&format!(
            "DO $$ BEGIN \
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN \
                 CREATE ROLE {APP_ROLE} NOLOGIN; \
               END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
             END $$"
        ))
        .await?;
        conn.execute_unprepared(&format!("GRANT USAGE ON SCHEMA public TO {APP_ROLE}"))
            .await?;
        // The app reads the migrations table to check the schema is current; it never writes it.
        conn.execute_unprepared(&format!("GRANT SELECT ON seaql_migrations TO {APP_ROLE}"))
            .await?;
        // New trusts are created by Haven's own processes; the table holds no tenant's data.
        conn.execute_unprepared(&format!("GRANT SELECT, INSERT ON trust TO {APP_ROLE}"))
            .await?;
        for table in TENANT_TABLES {
            let privileges = if APPEND_ONLY.contains(&table) {
                "SELECT, INSERT"
            } else {
                "SELECT, INSERT, UPDATE, DELETE"
            };
            isolate_by_trust(manager, table, privileges).await?;
        }
        Ok(())
    }

    /// Undoes it in this database. The role stays: it is shared by every database on the server,
    /// and the operators' login roles are members of it.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for table in TENANT_TABLES {
            unisolate(manager, table).await?;
        }
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "REVOKE ALL ON trust FROM {APP_ROLE}; \
             REVOKE ALL ON seaql_migrations FROM {APP_ROLE}; \
             REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}"
            ))
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
