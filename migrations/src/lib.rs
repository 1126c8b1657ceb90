//! Haven's schema, as sea-orm migrations that run unchanged on SQLite and PostgreSQL.
//!
//! Callers run [`migrate`], which refuses a database that a newer Haven has migrated before it
//! applies anything, over a connection that owns the schema; a connection that only uses it runs
//! [`check`]. `MigratorTrait` is re-exported so callers need no sea-orm-migration
//! dependency of their own.
//!
//! One migration per file: `DeriveMigrationName` takes its name from the file, so a second
//! migration in the same file would collide in `seaql_migrations`. Foreign keys are declared in
//! `Table::create()` and columns are never altered in place, because SQLite cannot do either.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod common;
mod m20261123_000001_tenancy;
mod m20261123_000002_people;
mod m20261123_000003_agreements;
mod m20261123_000004_sessions_records;
mod m20261123_000005_oversight;
mod m20261123_000006_outbox_audit;
mod m20261123_000007_row_level_security;
mod m20261123_000008_sign_in;
mod m20261123_000009_scan_runs;
mod m20261123_000010_notifications;
mod m20261207_000011_policy_readings;
mod m20261207_000012_dated_entries;
mod m20261207_000013_paper_records;
mod m20261207_000014_reminders_from_deadlines;

/// Every Haven migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_tenancy::Migration),
            Box::new(m20261123_000002_people::Migration),
            Box::new(m20261123_000003_agreements::Migration),
            Box::new(m20261123_000004_sessions_records::Migration),
            Box::new(m20261123_000005_oversight::Migration),
            Box::new(m20261123_000006_outbox_audit::Migration),
            Box::new(m20261123_000007_row_level_security::Migration),
            Box::new(m20261123_000008_sign_in::Migration),
            Box::new(m20261123_000009_scan_runs::Migration),
            Box::new(m20261123_000010_notifications::Migration),
            Box::new(m20261207_000011_policy_readings::Migration),
            Box::new(m20261207_000012_dated_entries::Migration),
            Box::new(m20261207_000013_paper_records::Migration),
            Box::new(m20261207_000014_reminders_from_deadlines::Migration),
        ]
    }
}

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "the database schema is newer than this Haven (migration {0} is unknown to it): \
         run a Haven at least as new as the one that migrated it"
    )]
    NewerSchema(String),
    #[error(
        "the database schema is older than this Haven (migration {0} has not been applied): \
         run `haven migrate` with the owner role (database.migration_url)"
    )]
    Pending(String),
    #[error("a migration failed and was rolled back: {0}")]
    Failed(#[source] DbErr),
}

/// Applies every pending migration, each in its own transaction. A database holding migrations
/// this binary does not know was upgraded by a newer Haven: it is left untouched.
pub async fn migrate(
    db: &sea_orm_migration::sea_orm::DatabaseConnection,
) -> Result<(), MigrateError> {
    Migrator::install(db).await.map_err(MigrateError::Failed)?;
    let applied = Migrator::get_migration_models(db)
        .await
        .map_err(MigrateError::Failed)?;
    refuse_unknown(&applied)?;
    Migrator::up(db, None).await.map_err(MigrateError::Failed)
}

/// Checks, changing nothing, that every migration this binary knows has been applied and no
/// other: what a connection that may not create tables (the app role on PostgreSQL) can do.
pub async fn check(
    db: &sea_orm_migration::sea_orm::DatabaseConnection,
) -> Result<(), MigrateError> {
    use sea_orm_migration::sea_orm::EntityTrait;
    use sea_orm_migration::seaql_migrations;

    let recorded = SchemaManager::new(db)
        .has_table(Migrator::migration_table_name().to_string())
        .await
        .map_err(MigrateError::Failed)?;
    let applied = if recorded {
        seaql_migrations::Entity::find()
            .all(db)
            .await
            .map_err(MigrateError::Failed)?
    } else {
        Vec::new()
    };
    refuse_unknown(&applied)?;
    match Migrator::migrations()
        .iter()
        .find(|m| !applied.iter().any(|a| a.version == m.name()))
    {
        Some(pending) => Err(MigrateError::Pending(pending.name().to_owned())),
        None => Ok(()),
    }
}

/// A migration recorded in the database that this binary does not know means a newer Haven
/// migrated it.
fn refuse_unknown(
    applied: &[sea_orm_migration::seaql_migrations::Model],
) -> Result<(), MigrateError> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    match applied.iter().find(|m| !known.contains(&m.version)) {
        Some(unknown) => Err(MigrateError::NewerSchema(unknown.version.clone())),
        None => Ok(()),
    }
}
